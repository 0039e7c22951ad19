"""Recording variables of the synapses of one network trial (conductances, currents of the receptor
point processes), for replays of stored trials.

:class:`SynapseRecording` says what to record; :class:`SynapseProbe` is handed the trial's NEURON
objects by :meth:`TrialSimulator.run <isf.backends.neuron.trials.TrialSimulator.run>` (its
``on_attached`` hook), finds the receptor point process behind every NetCon and records the
variable there. :func:`~isf.backends.neuron.trials.attach_input` makes one NetCon per active synapse
and receptor, populations in network order, synapses in the order of the trial input, receptors in
population order; the probe walks the NetCons in that order.

Memory: one vector per recorded point process while the trial runs (``combine="sum"`` adds them up
afterwards). A C2 trial has about 4,500 active synapses; 345 ms at ``dt`` 0.025 ms is 13,800 samples,
so recording every synapse costs about 0.5 GB — restrict ``populations`` for long runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.errors import SimulationError
from isf.model.network import Network
from isf.model.trial_input import TrialInput
from isf.model.validation import identifier, one_of

__all__ = ["SynapseProbe", "SynapseRecording"]


def _populations(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


@attrs.frozen
class SynapseRecording:
    """A variable of the receptor point processes of a trial's active synapses.

    Attributes:
        variable: RANGE variable of the point process: ``glutamate_syn``: ``g_ampa``, ``g_nmda``
            (nS; ``g_nmda`` with the Mg block), ``iampa``, ``inmda`` (nA); ``gaba_syn``: ``g`` (nS),
            ``i`` (nA).
        receptor: the point process (``glutamate_syn``, ``gaba_syn`` …).
        populations: populations recorded (names such as ``L5tt_C2``); ``None`` = every population
            with this receptor.
        combine: ``"sum"`` — one trace per population, the sum over its active synapses, key
            ``<population>.<receptor>.<variable>``; ``"each"`` — one trace per synapse, key
            ``<population>/<synapse ID>.<receptor>.<variable>``.
    """

    variable: str = attrs.field(default="g_ampa", validator=identifier)
    receptor: str = attrs.field(default="glutamate_syn", validator=identifier)
    populations: tuple[str, ...] | None = attrs.field(default=None, converter=_populations)
    combine: Literal["sum", "each"] = attrs.field(default="sum", validator=one_of(("sum", "each")))

    def key(self, population: str, synapse_id: int | None = None) -> str:
        """Trace key of a population's sum (``synapse_id`` ``None``) or of one synapse."""
        where = population if synapse_id is None else f"{population}/{synapse_id}"
        return f"{where}.{self.receptor}.{self.variable}"


class SynapseProbe:
    """Records :class:`SynapseRecording` values during one trial; pass :meth:`attach` as the
    ``on_attached`` hook of :meth:`TrialSimulator.run`, read :meth:`traces` after the run.

    Args:
        network: the trial's network.
        trial_input: the trial's input (which synapses are active, in which order).
        recordings: what to record.
        synapse_ids: per population, the synapse ID to name each row of its synapses by (for
            networks rebuilt with renumbered synapses, e.g. legacy replays); default the row.
    """

    def __init__(self, network: Network, trial_input: TrialInput, recordings: Sequence[SynapseRecording],
                 synapse_ids: dict[str, NDArray[np.int64]] | None = None) -> None:
        self.network = network
        self.trial_input = trial_input
        self.recordings = tuple(recordings)
        self.synapse_ids = synapse_ids or {}
        self._vectors: list[tuple[SynapseRecording, str, int, Any]] = []
        known = {p.name for p in network.populations}
        for rec in self.recordings:
            unknown = sorted(set(rec.populations or ()) - known)
            if unknown:
                raise SimulationError(f"SynapseRecording.populations: {unknown} are not populations of the trial's "
                                      f"network ({', '.join(sorted(known))})")

    def attach(self, objects: list[Any]) -> None:
        """Find every receptor point process behind the NetCons of ``objects`` and record there."""
        from neuron import h

        netcons = [o for o in objects if o.hname().startswith("NetCon")]
        expected = sum(p.n_active * len(pop.receptors)
                       for pop, p in zip(self.network.populations, self.trial_input.populations))
        if len(netcons) != expected:
            raise SimulationError(f"synapse recording: the trial has {len(netcons)} NetCons, expected {expected} "
                                  "(one per active synapse and receptor)")
        it = iter(netcons)
        for pop, realised in zip(self.network.populations, self.trial_input.populations):
            ids = self.synapse_ids.get(pop.name, np.arange(len(pop.synapses)))
            for sid in realised.synapse_ids.tolist():
                for receptor in pop.receptors:
                    nc = next(it)
                    for rec in self.recordings:
                        if rec.receptor != receptor.mechanism or (
                                rec.populations is not None and pop.name not in rec.populations):
                            continue
                        pp = nc.syn()
                        try:
                            ref = getattr(pp, f"_ref_{rec.variable}")
                        except (AttributeError, NameError) as exc:
                            raise SimulationError(f"SynapseRecording.variable: {receptor.mechanism} has no range "
                                                  f"variable {rec.variable!r} ({exc})") from None
                        vec = h.Vector()
                        vec.record(ref)
                        self._vectors.append((rec, pop.name, int(ids[sid]), vec))

    def traces(self, n_samples: int) -> dict[str, NDArray[np.float64]]:
        """The recorded traces (``n_samples`` each, the trial's time base), keyed as
        :meth:`SynapseRecording.key`; a population without active synapses sums to zeros."""
        out: dict[str, NDArray[np.float64]] = {}
        for rec in self.recordings:
            if rec.combine == "sum":
                for pop in self.network.populations:
                    if any(r.mechanism == rec.receptor for r in pop.receptors) and (
                            rec.populations is None or pop.name in rec.populations):
                        out[rec.key(pop.name)] = np.zeros(n_samples)
        for rec, population, sid, vec in self._vectors:
            values = np.array(vec)[:n_samples]
            if rec.combine == "sum":
                out[rec.key(population)] += values
            else:
                out[rec.key(population, sid)] = values
        self._vectors.clear()
        return out
