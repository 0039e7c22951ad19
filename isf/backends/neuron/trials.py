"""Network trials on NEURON: the cell is built once, each trial attaches its own synaptic input.

Release times are drawn in numpy (:mod:`isf.model.trial_input`) and delivered
by one ``VecStim`` per active synapse through a ``NetCon`` per receptor
(LEGACY_FORMATS §4.5): the point process sits at the synapse's nearest 3D
point, clamped between the first and last segment centres. Populations with dynamic release
(``releaseProb: "dynamic"``) deliver every presynaptic spike to their stochastic receptors
(``ProbAMPANMDA2``/``ProbUDFsyn2``), each seeded from the trial's draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from neuron import h

from isf.backends.neuron.build import BuiltCell, NeuronBuildError, build_cell
from isf.backends.neuron.simulate import Recorder, place_stimulus, run
from isf.errors import ArgumentValueError, SimulationError
from isf.model.experiment import Experiment
from isf.model.network import Network
from isf.model.site import Soma
from isf.model.spikes import spike_times
from isf.model.trial_input import TrialInput, realize_input, trial_rng
from isf.model.trial_result import TrialResult


def _set_parameter(pp: Any, mechanism: str, name: str, value: float) -> None:
    try:
        setattr(pp, name, value)
    except LookupError:
        # ISF falls back to the hoc global <name>_<mechanism> for GLOBAL parameters.
        setattr(h, f"{name}_{mechanism}", value)


def attach_input(built: BuiltCell, network: Network, trial: TrialInput) -> list[Any]:
    """Create the point processes, spike sources and NetCons of one trial; returns what keeps them alive."""
    keep: list[Any] = []
    morph = built.cell.morphology
    nseg = built.cell.nseg
    for pop, realised in zip(network.populations, trial.populations):
        if not realised.n_active:
            continue
        syn = pop.synapses
        mechanisms: list[Any] = []  # the point-process classes (h.<name>), one per receptor
        for r in pop.receptors:
            mech = getattr(h, r.mechanism, None)
            if mech is None:
                raise NeuronBuildError(f"population {pop.name}: NEURON has no point process {r.mechanism!r}")
            mechanisms.append(mech)
        release_times = realised.release_times_ms
        for j, sid in enumerate(realised.synapse_ids.tolist()):
            section_id = int(syn.section_id[sid])
            n = nseg[section_id]
            x = float(morph.sections[section_id].relative_points[int(syn.section_pt_id[sid])])
            x = min(max(x, 0.5 / n), 1.0 - 0.5 / n)
            seg = built.sections[section_id](x)
            times = h.Vector(release_times[j])
            source = h.VecStim()
            source.play(times)
            keep.extend((times, source))
            for k, (receptor, mech) in enumerate(zip(pop.receptors, mechanisms)):
                pp = mech(seg)
                for name, value in receptor.parameters.items():
                    _set_parameter(pp, receptor.mechanism, name, value)
                if realised.release_seeds.size:
                    # dynamic release: the receptor draws its own releases; one stream per receptor
                    pp.seed = float(int(realised.release_seeds[j]) + k)
                nc = h.NetCon(source, pp)
                nc.threshold = receptor.threshold
                nc.delay = receptor.delay_ms
                for w, value in enumerate(realised.weights_nS[k][j].tolist()):
                    nc.weight[w] = value
                keep.extend((pp, nc))
    return keep


class TrialSimulator:
    """Runs trials of one network experiment in this process (the cell is built once).

    Use as a context manager so NEURON objects are released::

        with TrialSimulator(experiment) as sim:
            result = sim.run(run_seed=1, trial_index=0)
    """

    def __init__(self, experiment: Experiment) -> None:
        if experiment.network is None:
            raise ArgumentValueError("TrialSimulator needs an Experiment with a network; use simulate() otherwise")
        self.experiment = experiment
        self.built: BuiltCell | None = build_cell(experiment.cell)
        self._stimuli = [place_stimulus(self.built, s) for s in experiment.stimuli]
        self._recorder = Recorder(self.built, experiment.recordings)
        self._soma_key = next((r.key for r in experiment.recordings if r.variable == "v"
                               and isinstance(r.site, Soma)), None)

    def realize(self, run_seed: int, trial_index: int) -> TrialInput:
        """The trial's input (no simulation)."""
        assert self.experiment.network is not None
        return realize_input(self.experiment.network, self.experiment.simulation.tstop_ms,
                             trial_rng(run_seed, trial_index))

    def run(self, run_seed: int, trial_index: int, trial_input: TrialInput | None = None,
            on_attached: Callable[[list[Any]], None] | None = None,
            time_limit_s: float | None = None) -> TrialResult:
        """Simulate one trial (of the given ``trial_input`` instead of the one drawn, for replays;
        ``on_attached`` sees the trial's NEURON objects before the run, e.g. to record synapses;
        ``time_limit_s``, wall clock in s, raises :class:`~isf.backends.neuron.simulate.SimulationTimeout`
        for a runaway trial)."""
        if self.built is None:
            raise SimulationError("TrialSimulator is closed")
        assert self.experiment.network is not None
        if trial_input is None:
            trial_input = self.realize(run_seed, trial_index)
        objects = attach_input(self.built, self.experiment.network, trial_input)
        try:
            if on_attached is not None:
                on_attached(objects)
            run(self.experiment.simulation, time_limit_s)
            t, traces = self._recorder.arrays()
        finally:
            objects.clear()
        soma = traces[self._soma_key] if self._soma_key else None
        spikes = spike_times(t, soma, 0.0) if soma is not None else np.zeros(0)
        return TrialResult(trial_index, run_seed, t, traces, spikes, trial_input)

    def close(self) -> None:
        """Release every NEURON object."""
        self._recorder.close()
        self._stimuli.clear()
        if self.built is not None:
            self.built.sections.clear()
        self.built = None

    def __enter__(self) -> TrialSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
