"""Run a synapse on NEURON: single events and spike trains on a cell built once.

:class:`SynapseTuner` builds the postsynaptic cell, the synapse, a ``VecStim`` spike source with
its ``NetCon`` and (in voltage clamp) a somatic ``SEClamp`` once; every run only replaces the
spike times and re-initialises, which keeps a frequency response as cheap as a hand-written NEURON
loop. NEURON objects never leave this module: results are numpy arrays.

NEURON simulates every section in the process, so only one tuner may be open at a time; use it as
a context manager (or call :meth:`SynapseTuner.close`)::

    with SynapseTuner(ConnectionSettings("tm_ampa_nmda", parameters={"Use": 0.2})) as tuner:
        event = tuner.single_event()
        train = tuner.train(TrainSettings(frequency_Hz=20))
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self

import attrs
import numpy as np
from neuron import h
from numpy.typing import NDArray

from isf.backends.neuron.build import BuiltCell, NeuronBuildError, build_cell
from isf.model.site import Soma
from isf.synapse_tuner.cell import simple_cell
from isf.synapse_tuner.metrics import EventMetrics, event_metrics
from isf.synapse_tuner.settings import (
    ConnectionSettings,
    GeneralSettings,
    TrainSettings,
)
from isf.synapse_tuner.train import TrainMetrics, pulse_amplitudes, train_metrics

Array = NDArray[np.float64]
Measure = Literal["response", "conductance"]


@attrs.frozen(eq=False)
class Trace:
    """Recorded arrays of one run.

    Attributes:
        t_ms: time points, ms (the integrator's own with CVode).
        response: the measured trace: synaptic current, nA (voltage clamp), or soma potential, mV.
        conductance_nS: total synaptic conductance, nS.
        soma_v_mV: soma membrane potential, mV.
        response_unit: ``"nA"`` or ``"mV"``.
    """

    t_ms: Array
    response: Array
    conductance_nS: Array
    soma_v_mV: Array
    response_unit: str

    def values(self, measure: Measure) -> Array:
        """The response or the conductance."""
        return self.response if measure == "response" else self.conductance_nS


@attrs.frozen(eq=False)
class EventResult:
    """A single presynaptic spike: its trace and metrics (of the measured response).

    Attributes:
        trace: the recorded run.
        spike_time_ms: time of the presynaptic spike, ms.
        metrics: kinetics of the response (:mod:`isf.synapse_tuner.metrics`).
        connection: the synapse as simulated (seed included).
    """

    trace: Trace
    spike_time_ms: float
    metrics: EventMetrics
    connection: ConnectionSettings


@attrs.frozen(eq=False)
class TrainResult:
    """A train: trace, per-pulse peaks and plasticity metrics.

    Attributes:
        trace: the recorded run.
        settings: the train protocol.
        spike_times_ms: presynaptic spike times, ms.
        peak_times_ms: time of each pulse's peak, ms.
        baseline: pre-train baseline of the measured trace.
        sign: +1 upward / −1 downward response.
        measure: which trace the amplitudes come from.
        metrics: amplitudes, PPR, induction, recovery (:mod:`isf.synapse_tuner.train`).
        connection: the synapse as simulated (seed included).
    """

    trace: Trace
    settings: TrainSettings
    spike_times_ms: Array
    peak_times_ms: Array
    baseline: float
    sign: int
    measure: str
    metrics: TrainMetrics
    connection: ConnectionSettings


class SynapseTuner:
    """One synapse on one cell in NEURON, reused for every run (see the module docstring)."""

    _open: ClassVar[SynapseTuner | None] = None

    def __init__(self, connection: ConnectionSettings, general: GeneralSettings | None = None) -> None:
        if SynapseTuner._open is not None:
            raise RuntimeError("another SynapseTuner is open: close it first (NEURON would simulate both cells)")
        self.connection = connection
        self.general = general if general is not None else GeneralSettings()
        cell = connection.cell if connection.cell is not None else simple_cell()
        self._built: BuiltCell | None = build_cell(cell)
        stype = connection.synapse_type
        sid, x = connection.site.resolve(cell, snap=False)
        syn = getattr(h, stype.mechanism)(self._built.segment(sid, x))
        self._syn = syn
        self._set_parameters(connection.parameters)
        if stype.stochastic:
            syn.stochastic = 1 if connection.stochastic else 0
            syn.seed = connection.seed
        self._times = h.Vector()
        self._source = h.VecStim()
        self._netcon = h.NetCon(self._source, syn)
        self._netcon.delay = connection.delay_ms
        self._netcon.threshold = connection.threshold_mV
        for k, w in enumerate(connection.weights_nS):
            self._netcon.weight[k] = w
        soma = self._built.segment(*Soma().resolve(cell, snap=False))
        self._clamp: Any = None
        if self.general.vclamp:
            self._clamp = h.SEClamp(soma)
            self._clamp.dur1, self._clamp.amp1 = 1e9, self.general.hold_mV
            self._clamp.rs = self.general.series_resistance_MOhm
        self._t = h.Vector().record(h._ref_t)
        self._currents = [h.Vector().record(getattr(syn, f"_ref_{n}")) for n in stype.currents]
        self._conductances = [h.Vector().record(getattr(syn, f"_ref_{n}")) for n in stype.conductances]
        self._v = h.Vector().record(soma._ref_v)
        self._cvode = h.CVode()
        h.load_file("stdrun.hoc")  # defines tstop; loading twice is a no-op
        SynapseTuner._open = self

    # ------------------------------------------------------------------ parameters

    def _set_parameters(self, parameters: dict[str, float]) -> None:
        for name, value in parameters.items():
            try:
                setattr(self._syn, name, value)
            except (LookupError, AttributeError):
                # GLOBAL parameters of the legacy mechanisms (e.g. glutamate_syn's n, gama) live in hoc
                try:
                    setattr(h, f"{name}_{self.connection.mechanism}", value)
                except (LookupError, AttributeError) as exc:
                    raise NeuronBuildError(f"{self.connection.mechanism}: cannot set {name} = {value}: {exc}") from None

    def set_parameters(self, **parameters: float) -> None:
        """Change synapse parameters (validated by :class:`ConnectionSettings`) for the next runs."""
        self.connection = self.connection.with_parameters(**parameters)
        self._set_parameters(parameters)

    def set_seed(self, seed: int) -> None:
        """Seed of the stochastic release for the next runs (every run with one seed releases
        identically; draw trial-to-trial variability by changing it)."""
        self.connection = attrs.evolve(self.connection, seed=seed)
        if self.connection.synapse_type.stochastic:
            self._syn.seed = seed

    def parameter(self, name: str) -> float:
        """Current value of a synapse parameter (the mod file's default if never set)."""
        if name in self.connection.parameters:
            return self.connection.parameters[name]
        try:
            return float(getattr(self._syn, name))
        except (LookupError, AttributeError):
            return float(getattr(h, f"{name}_{self.connection.mechanism}"))

    # ------------------------------------------------------------------ runs

    def run(self, spike_times_ms: Array) -> Trace:
        """Simulate presynaptic spikes at ``spike_times_ms`` (ms, increasing) until ``tdur_ms`` after the last."""
        if self._built is None:
            raise RuntimeError("SynapseTuner is closed")
        times = np.asarray(spike_times_ms, dtype=float)
        g = self.general
        self._times = h.Vector(times)
        self._source.play(self._times)
        h.celsius = g.celsius_degC
        h.dt = g.dt_ms
        self._cvode.active(1 if g.cvode else 0)
        if g.cvode:
            self._cvode.atol(g.cvode_atol)
        h.tstop = float(times[-1]) + self.connection.delay_ms + g.tdur_ms
        h.finitialize(g.v_init_mV)
        if g.cvode:
            self._cvode.solve(h.tstop)
        else:
            # CVode.solve does not drive the fixed-step integrator; a hoc loop avoids Python per step
            h("while (t < tstop - 1e-9) { fadvance() }")
        response = sum(np.array(v) for v in self._currents) if g.vclamp else np.array(self._v)
        return Trace(
            t_ms=np.array(self._t),
            response=np.asarray(response, dtype=float),
            conductance_nS=np.asarray(sum(np.array(v) for v in self._conductances), dtype=float),
            soma_v_mV=np.array(self._v),
            response_unit="nA" if g.vclamp else "mV",
        )

    def single_event(self, measure: Measure = "response") -> EventResult:
        """One presynaptic spike at ``tstart_ms``: trace and kinetics of the response (or conductance)."""
        t0 = self.general.tstart_ms
        trace = self.run(np.array([t0]))
        onset = t0 + self.connection.delay_ms
        metrics = event_metrics(
            trace.t_ms,
            trace.values(measure),
            onset,
            baseline_ms=self.general.baseline_ms,
            rise_interval=self.general.rise_interval,
        )
        return EventResult(trace, t0, metrics, self.connection)

    def train(self, settings: TrainSettings | None = None, measure: Measure = "response") -> TrainResult:
        """A regular train (default 8 pulses at 50 Hz + 4 after 250 ms): per-pulse peaks and metrics."""
        settings = settings if settings is not None else TrainSettings()
        spikes = settings.spike_times(self.general.tstart_ms)
        trace = self.run(spikes)
        onsets = spikes + self.connection.delay_ms
        amps, peaks, baseline, sign = pulse_amplitudes(
            trace.t_ms,
            trace.values(measure),
            onsets,
            baseline_ms=self.general.baseline_ms,
            interval_ms=settings.interval_ms,
        )
        return TrainResult(
            trace,
            settings,
            spikes,
            peaks,
            baseline,
            sign,
            measure,
            train_metrics(amps, settings.n_pulses),
            self.connection,
        )

    # ------------------------------------------------------------------ lifetime

    def close(self) -> None:
        """Release every NEURON object (idempotent)."""
        if self._built is None:
            return
        self._t = self._v = None
        self._currents.clear()
        self._conductances.clear()
        self._netcon = self._source = self._clamp = self._syn = None
        self._built.sections.clear()
        self._built = None
        if SynapseTuner._open is self:
            SynapseTuner._open = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
