"""Run a synapse: single events and spike trains on a cell built once.

:class:`SynapseTuner` turns its :class:`~isf.synapse_tuner.settings.ConnectionSettings` and
:class:`~isf.synapse_tuner.settings.GeneralSettings` into the NEURON backend's
:class:`~isf.backends.neuron.synapse_bench.SynapseBench` (cell, synapse, spike source and, in voltage
clamp, a somatic clamp, built once); every run only replaces the spike times, which keeps a
frequency response as cheap as a hand-written NEURON loop. Results are numpy arrays and metrics.

NEURON simulates every section in the process, so only one tuner may be open at a time; use it as
a context manager (or call :meth:`SynapseTuner.close`)::

    with SynapseTuner(ConnectionSettings("tm_ampa_nmda", parameters={"Use": 0.2})) as tuner:
        event = tuner.single_event()
        train = tuner.train(TrainSettings(frequency_Hz=20))
"""

from __future__ import annotations

from typing import ClassVar, Self

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.backends.neuron.synapse_bench import (
    Integration,
    Measure,
    SynapseBench,
    SynapseSetup,
    Trace,
    VoltageClamp,
)
from isf.backends.neuron.mechanisms import load_mechanisms
from isf.backends.neuron.mechanisms.point_process import point_process_info
from isf.errors import ModelValueError, SimulationError
from isf.synapse_tuner.cell import simple_cell
from isf.synapse_tuner.metrics import EventMetrics, event_metrics
from isf.synapse_tuner.settings import (
    ConnectionSettings,
    GeneralSettings,
    TrainSettings,
)
from isf.synapse_tuner.synapse_types import SYNAPSE_TYPES, SynapseType
from isf.synapse_tuner.train import TrainMetrics, pulse_amplitudes, train_metrics

Array = NDArray[np.float64]


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
    measure: Measure
    metrics: TrainMetrics
    connection: ConnectionSettings


def resolve_synapse_type(connection: ConnectionSettings) -> SynapseType:
    """The synapse type of ``connection``: a built-in one, or read from NEURON for a user mechanism
    (loading ``connection.mechanisms_dir`` first), checked against the connection's parameters,
    weights, current and recorded variables (:class:`~isf.errors.ModelValueError` naming the
    allowed names)."""
    load_mechanisms()
    if connection.mechanisms_dir is not None:
        load_mechanisms(connection.mechanisms_dir)
    info = point_process_info(connection.mechanism)
    known = SYNAPSE_TYPES.get(connection.mechanism)
    if known is not None:
        stype = known
    else:
        plasticity = tuple(p for p in ("Use", "Dep", "Fac") if p in info.parameters)
        conductances = ("g",) if "g" in (*info.assigned, *info.states) else ()
        stype = SynapseType(
            connection.mechanism, info.n_weights, ("i",), conductances, frozenset(info.parameters), plasticity
        )
    owner = "ConnectionSettings"
    unknown = sorted(set(connection.parameters) - stype.parameters)
    if unknown:
        raise ModelValueError(
            owner, "parameters", unknown, f"parameters of {stype.mechanism}: {', '.join(sorted(stype.parameters))}"
        )
    if len(connection.weights_nS) > info.n_weights:
        raise ModelValueError(
            owner, "weights_nS", connection.weights_nS, f"{info.n_weights} NetCon weight(s) for {stype.mechanism}"
        )
    if connection.current_name is not None:
        if connection.current_name not in info.variables:
            raise ModelValueError(
                owner, "current_name", connection.current_name, f"a variable of {stype.mechanism}: "
                + ", ".join(info.variables)
            )
        stype = attrs.evolve(stype, currents=(connection.current_name,))
    return stype


class SynapseTuner:
    """One synapse on one cell, reused for every run (see the module docstring)."""

    _open: ClassVar[SynapseTuner | None] = None

    def __init__(self, connection: ConnectionSettings, general: GeneralSettings | None = None) -> None:
        if SynapseTuner._open is not None:
            raise SimulationError("another SynapseTuner is open: close it first (NEURON would simulate both cells)")
        self.connection = connection
        self.general = general if general is not None else GeneralSettings()
        g = self.general
        stype = resolve_synapse_type(connection)
        #: the synapse type (built in, or read from the compiled user mechanism)
        self.synapse_type = stype
        hold = connection.hold_mV if connection.hold_mV is not None else g.hold_mV
        setup = SynapseSetup(
            cell=connection.cell if connection.cell is not None else simple_cell(),
            site=connection.site,
            mechanism=stype.mechanism,
            weights_nS=connection.weights_nS,
            parameters=connection.parameters,
            delay_ms=connection.delay_ms,
            threshold_mV=connection.threshold_mV,
            stochastic=connection.stochastic if stype.stochastic else None,
            seed=connection.seed,
            currents=stype.currents,
            conductances=stype.conductances,
            mechanisms_dir=connection.mechanisms_dir,
            record=connection.record,
        )
        clamp = VoltageClamp(hold, g.series_resistance_MOhm) if g.vclamp else None
        self._bench: SynapseBench | None = SynapseBench(setup, clamp)
        self._integration = Integration(
            dt_ms=g.dt_ms,
            cvode=g.cvode,
            cvode_atol=g.cvode_atol,
            celsius_degC=g.celsius_degC,
            # a per-connection holding potential also starts the cell there (no clamp transient)
            v_init_mV=hold if g.vclamp and connection.hold_mV is not None else g.v_init_mV,
        )
        SynapseTuner._open = self

    def _open_bench(self) -> SynapseBench:
        if self._bench is None:
            raise SimulationError("SynapseTuner is closed")
        return self._bench

    # ------------------------------------------------------------------ parameters

    def set_parameters(self, **parameters: float) -> None:
        """Change synapse parameters (validated by :class:`ConnectionSettings`) for the next runs."""
        unknown = sorted(set(parameters) - self.synapse_type.parameters)
        if unknown:
            raise ModelValueError(
                "ConnectionSettings",
                "parameters",
                unknown,
                f"parameters of {self.synapse_type.mechanism}: {', '.join(sorted(self.synapse_type.parameters))}",
            )
        self.connection = self.connection.with_parameters(**parameters)
        self._open_bench().set_parameters(parameters)

    def set_seed(self, seed: int) -> None:
        """Seed of the stochastic release for the next runs (every run with one seed releases
        identically; draw trial-to-trial variability by changing it)."""
        self.connection = attrs.evolve(self.connection, seed=seed)
        self._open_bench().set_seed(seed)

    def parameter(self, name: str) -> float:
        """Current value of a synapse parameter (the mod file's default if never set)."""
        if name in self.connection.parameters:
            return self.connection.parameters[name]
        return self._open_bench().parameter(name)

    # ------------------------------------------------------------------ runs

    def run(self, spike_times_ms: Array) -> Trace:
        """Simulate presynaptic spikes at ``spike_times_ms`` (ms, increasing) until ``tdur_ms`` after the last."""
        bench = self._open_bench()
        times = np.asarray(spike_times_ms, dtype=float)
        tstop_ms = float(times[-1]) + self.connection.delay_ms + self.general.tdur_ms
        return bench.run(times, self._integration, tstop_ms)

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
        if self._bench is None:
            return
        self._bench.close()
        self._bench = None
        if SynapseTuner._open is self:
            SynapseTuner._open = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
