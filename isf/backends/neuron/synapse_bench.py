"""One synapse on one cell in NEURON, built once and re-run with new presynaptic spike times.

:class:`SynapseBench` builds the postsynaptic cell, the synapse point process, a ``VecStim`` spike
source with its ``NetCon``, an optional somatic ``SEClamp`` and the recording vectors once; every
:meth:`SynapseBench.run` only replaces the spike times and re-initialises, which keeps a frequency
response as cheap as a hand-written NEURON loop. The interface is NEURON-free: typed values go in
(:class:`SynapseSetup`, :class:`VoltageClamp`, :class:`Integration`) and numpy arrays come out
(:class:`Trace`). This is the backend of :class:`isf.synapse_tuner.SynapseTuner`.

The postsynaptic cell is an isf :class:`~isf.model.cell.Cell` or a hoc template
(:class:`~isf.backends.neuron.hoc_template.HocTemplateCell`); the synapse any point process with a
``NET_RECEIVE`` block, the project's or one compiled from a user's folder of ``.mod`` files
(``SynapseSetup.mechanisms_dir``, same content-hashed cache as the project's mechanisms).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

import attrs
import numpy as np
from neuron import h
from numpy.typing import NDArray

from isf.backends.neuron.build import BuiltCell, NeuronBuildError, build_cell
from isf.backends.neuron.hoc_template import BuiltTemplate, HocTemplateCell, build_template_cell
from isf.backends.neuron.mechanisms import load_mechanisms
from isf.backends.neuron.mechanisms.point_process import point_process_info
from isf.errors import SimulationError, UnknownNameError
from isf.model.cell import Cell
from isf.model.site import ApicalTrunk, Landmark, SectionSite, Soma

__all__ = [
    "Integration",
    "Measure",
    "SynapseBench",
    "SynapseSetup",
    "Trace",
    "VoltageClamp",
]

Array = NDArray[np.float64]
#: Which recorded trace a measurement is taken from.
Measure = Literal["response", "conductance"]


@attrs.frozen
class VoltageClamp:
    """A somatic single-electrode voltage clamp held for the whole run.

    Attributes:
        hold_mV: holding potential, mV.
        series_resistance_MOhm: series resistance (``SEClamp.rs``), MΩ.
    """

    hold_mV: float
    series_resistance_MOhm: float


@attrs.frozen
class SynapseSetup:
    """The synapse to build (values are validated by the caller's settings).

    Attributes:
        cell: the postsynaptic cell: an isf cell or a hoc template (on a template only ``Soma`` and
            ``SectionSite(sec_id, x)`` sites, ``sec_id`` indexing its ``all`` SectionList).
        site: where the synapse sits on ``cell``.
        mechanism: NMODL POINT_PROCESS name.
        weights_nS: NetCon weight(s), nS.
        parameters: RANGE (or, for legacy mechanisms, GLOBAL) parameters in the mod file's units.
        delay_ms: NetCon delay, ms.
        threshold_mV: NetCon threshold, mV.
        stochastic: the release switch, or ``None`` for mechanisms without ``stochastic``/``seed``.
        seed: seed of the release generator (only used when ``stochastic`` is not ``None``).
        currents: RANGE currents (nA, positive outward) summed into the synaptic current.
        conductances: RANGE conductances (nS) summed into the synaptic conductance (none: NaN).
        mechanisms_dir: a user's folder of ``.mod`` files, compiled (cached) and loaded besides
            the project's mechanisms.
        record: further variables to record: the point process's (e.g. ``g_NMDA``, ``u``), else a
            RANGE variable of the synapse's segment (``v``, ``cai``, ``ina`` …).
    """

    cell: Cell | HocTemplateCell
    site: Soma | SectionSite | ApicalTrunk | Landmark
    mechanism: str
    weights_nS: tuple[float, ...]
    parameters: Mapping[str, float]
    delay_ms: float
    threshold_mV: float
    stochastic: bool | None
    seed: int
    currents: tuple[str, ...]
    conductances: tuple[str, ...]
    mechanisms_dir: Path | None = None
    record: tuple[str, ...] = ()


@attrs.frozen
class Integration:
    """How one run is integrated.

    Attributes:
        dt_ms: fixed time step, or CVode's first step, ms.
        cvode: variable time step (CVode); traces keep the integrator's own time points.
        cvode_atol: CVode absolute tolerance (used with ``cvode`` only).
        celsius_degC: temperature, °C.
        v_init_mV: initial membrane potential, mV.
    """

    dt_ms: float
    cvode: bool
    cvode_atol: float
    celsius_degC: float
    v_init_mV: float


@attrs.frozen(eq=False)
class Trace:
    """Recorded arrays of one run.

    Attributes:
        t_ms: time points, ms (the integrator's own with CVode).
        response: the measured trace: synaptic current, nA (voltage clamp), or soma potential, mV.
        conductance_nS: total synaptic conductance, nS.
        soma_v_mV: soma membrane potential, mV.
        response_unit: ``"nA"`` or ``"mV"``.
        recorded: the further variables of ``SynapseSetup.record`` by name (their mod file's units).
    """

    t_ms: Array
    response: Array
    conductance_nS: Array
    soma_v_mV: Array
    response_unit: str
    recorded: Mapping[str, Array] = attrs.field(factory=dict)

    def values(self, measure: Measure) -> Array:
        """The response or the conductance."""
        return self.response if measure == "response" else self.conductance_nS


class SynapseBench:
    """The NEURON objects of one synapse experiment (see the module docstring).

    Use it as a context manager or call :meth:`close`: the sections stay in NEURON (and are
    simulated by every other run in the process) until it is closed.
    """

    def __init__(self, setup: SynapseSetup, clamp: VoltageClamp | None) -> None:
        self.setup = setup
        load_mechanisms()
        if setup.mechanisms_dir is not None:
            load_mechanisms(setup.mechanisms_dir)
        point_process_info(setup.mechanism)  # a clear error for an unknown name or a non-synapse
        self._built: BuiltCell | BuiltTemplate | None
        if isinstance(setup.cell, HocTemplateCell):
            template = build_template_cell(setup.cell)
            self._built = template
            site = setup.site
            if isinstance(site, SectionSite):
                segment = template.segment(site.section_id, site.x)
            elif isinstance(site, Soma):
                segment = template.soma()
            else:
                template.close()
                raise SimulationError(
                    f"site {site!r} is invalid on hoc template {setup.cell.name!r}: allowed is Soma() or "
                    "SectionSite(sec_id, x) (sec_id indexes the template's `all` SectionList)"
                )
            soma = template.soma()
        else:
            built = build_cell(setup.cell)
            self._built = built
            segment = built.segment(*setup.site.resolve(setup.cell, snap=False))
            soma = built.segment(*Soma().resolve(setup.cell, snap=False))
        syn = getattr(h, setup.mechanism)(segment)
        self._syn = syn
        self.set_parameters(setup.parameters)
        if setup.stochastic is not None:
            syn.stochastic = 1 if setup.stochastic else 0
            syn.seed = setup.seed
        self._times = h.Vector()
        self._source = h.VecStim()
        self._netcon = h.NetCon(self._source, syn)
        self._netcon.delay = setup.delay_ms
        self._netcon.threshold = setup.threshold_mV
        if len(setup.weights_nS) > int(self._netcon.wcnt()):
            raise SimulationError(
                f"{setup.mechanism} takes {int(self._netcon.wcnt())} NetCon weight(s) (its NET_RECEIVE "
                f"arguments), got {len(setup.weights_nS)}: {setup.weights_nS}"
            )
        for k, w in enumerate(setup.weights_nS):
            self._netcon.weight[k] = w
        self._clamp: Any = None
        if clamp is not None:
            self._clamp = h.SEClamp(soma)
            self._clamp.dur1, self._clamp.amp1 = 1e9, clamp.hold_mV
            self._clamp.rs = clamp.series_resistance_MOhm
        self._t = h.Vector().record(h._ref_t)
        self._currents = [h.Vector().record(getattr(syn, f"_ref_{n}")) for n in setup.currents]
        self._conductances = [h.Vector().record(getattr(syn, f"_ref_{n}")) for n in setup.conductances]
        self._v = h.Vector().record(soma._ref_v)
        self._recorded = {n: h.Vector().record(self._reference(n, syn, segment)) for n in setup.record}
        self._cvode = h.CVode()
        h.load_file("stdrun.hoc")  # defines tstop; loading twice is a no-op

    def _reference(self, name: str, syn: Any, segment: Any) -> Any:
        """A pointer to ``name``: the point process's variable, else the segment's RANGE variable."""
        for owner in (syn, segment):
            try:
                return getattr(owner, f"_ref_{name}")
            except (AttributeError, LookupError, NameError, RuntimeError):
                continue
        info = point_process_info(self.setup.mechanism)
        raise UnknownNameError(
            f"cannot record {name!r}: it is neither a variable of {self.setup.mechanism} "
            f"({', '.join(info.variables)}) nor a RANGE variable of the synapse's segment "
            "(e.g. v, or a mechanism inserted there such as cai, ina, g_pas)"
        )

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has released the NEURON objects."""
        return self._built is None

    # ------------------------------------------------------------------ synapse state

    def set_parameters(self, parameters: Mapping[str, float]) -> None:
        """Set synapse parameters for the next runs (RANGE on the point process, else the
        mechanism's GLOBAL); :class:`~isf.backends.neuron.build.NeuronBuildError` if NEURON refuses."""
        mechanism = self.setup.mechanism
        for name, value in parameters.items():
            try:
                setattr(self._syn, name, value)
            except (LookupError, AttributeError):
                # GLOBAL parameters of the legacy mechanisms (e.g. glutamate_syn's n, gama) live in hoc
                try:
                    setattr(h, f"{name}_{mechanism}", value)
                except (LookupError, AttributeError) as exc:
                    raise NeuronBuildError(f"{mechanism}: cannot set {name} = {value}: {exc}") from None

    def set_seed(self, seed: int) -> None:
        """Seed of the release generator for the next runs (no-op without a release switch)."""
        if self.setup.stochastic is not None:
            self._syn.seed = seed

    def parameter(self, name: str) -> float:
        """Current value of a synapse parameter as NEURON holds it (RANGE, else GLOBAL)."""
        try:
            return float(getattr(self._syn, name))
        except (LookupError, AttributeError):
            return float(getattr(h, f"{name}_{self.setup.mechanism}"))

    # ------------------------------------------------------------------ runs

    def run(self, spike_times_ms: Array, integration: Integration, tstop_ms: float) -> Trace:
        """Simulate presynaptic spikes at ``spike_times_ms`` (ms, increasing) from 0 to ``tstop_ms`` (ms).

        The response is the summed synaptic current (nA) under a clamp, else the soma potential (mV).
        """
        if self._built is None:
            raise SimulationError("the synapse bench is closed")
        self._times = h.Vector(np.asarray(spike_times_ms, dtype=float))
        self._source.play(self._times)
        h.celsius = integration.celsius_degC
        h.dt = integration.dt_ms
        self._cvode.active(1 if integration.cvode else 0)
        if integration.cvode:
            self._cvode.atol(integration.cvode_atol)
        h.tstop = tstop_ms
        h.finitialize(integration.v_init_mV)
        if integration.cvode:
            self._cvode.solve(h.tstop)
        else:
            # CVode.solve does not drive the fixed-step integrator; a hoc loop avoids Python per step
            h("while (t < tstop - 1e-9) { fadvance() }")
        vclamp = self._clamp is not None
        t = np.array(self._t)
        response = sum(np.array(v) for v in self._currents) if vclamp else np.array(self._v)
        conductance = (
            np.asarray(sum(np.array(v) for v in self._conductances), dtype=float)
            if self._conductances
            else np.full(t.size, np.nan)
        )
        return Trace(
            t_ms=t,
            response=np.asarray(response, dtype=float),
            conductance_nS=conductance,
            soma_v_mV=np.array(self._v),
            response_unit="nA" if vclamp else "mV",
            recorded={n: np.array(v) for n, v in self._recorded.items()},
        )

    # ------------------------------------------------------------------ lifetime

    def close(self) -> None:
        """Release every NEURON object (idempotent)."""
        if self._built is None:
            return
        self._t = self._v = None
        self._currents.clear()
        self._conductances.clear()
        self._recorded.clear()
        self._netcon = self._source = self._clamp = self._syn = None
        if isinstance(self._built, BuiltTemplate):
            self._built.close()
        else:
            self._built.sections.clear()
        self._built = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
