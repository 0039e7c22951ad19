"""Running the legacy ``synaptic_input`` cell modifier (LEGACY_FORMATS §3.8): the populations of a network
parameter file built on the cell, and a saved synapse-activation file replayed on them.

ISF marks the modifier experimental; what it does is the replay of saved activations (§4.10): every
saved activation time is released at its synapse (section ID, 3D point; x = ``relPts[ptID]``), receptors
and weights come from the network parameter file. That is :mod:`isf.backends.legacy_replay`, which is
checked against the legacy simulator's own traces (``docs/replay.md``). The run length is the
simulation's ``tstop`` (the ``sim`` block of the cell parameter file); activations after the call's
``tStop`` are not replayed (a network built with that ``tStop`` releases nothing later).

Example::

    result = run_synaptic_input("cell_with_synaptic_input.param", search_roots=["shared/data/isf"])
    result["soma"]          # mV, at result.t_ms
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from isf.backends.legacy_replay import LegacyTrial, legacy_populations, legacy_trial
from isf.dsl.cell_param import CellParameterFile, read_cell_param
from isf.dsl.paths import resolve_legacy_path
from isf.dsl.simrun_files import read_synapse_activation_file
from isf.errors import ArgumentValueError
from isf.model.cell import Cell
from isf.model.experiment import Experiment
from isf.model.network import Network
from isf.model.recording import Recording, Soma
from isf.model.result import Result
from isf.model.stimulus import SynapticInput
from isf.model.trial_input import TrialInput

__all__ = ["run_synaptic_input", "synaptic_input_experiment", "synaptic_input_trial"]

PathLike = str | os.PathLike[str]


def synaptic_input_trial(stimulus: SynapticInput, cell: Cell, *, relative_to: PathLike | None = None,
                         search_roots: Sequence[PathLike] = (), weight_seed: int = 0) -> LegacyTrial:
    """The network and input of one ``synaptic_input`` call on ``cell``.

    Args:
        stimulus: the call (its files as written).
        relative_to: folder its relative file names are taken against (the cell parameter file's).
        search_roots: folders where files named by absolute paths are looked for.
        weight_seed: lognormal weights: the seed of the drawn weights (the saved file has none).

    Raises:
        MissingFileError: a file is not found.
        LegacyFormatError: a file is not what it should be (naming file, line and key).
        StoreError: an activation of a population the network file lacks, or on a point the cell lacks.
    """
    network_path = resolve_legacy_path(stimulus.network_param, relative_to, search_roots,
                                       what="synaptic_input network parameter file")
    activation_path = resolve_legacy_path(stimulus.synapse_activation_file, relative_to, search_roots,
                                          what="synaptic_input synapse-activation file")
    populations = legacy_populations(network_path.read_text(encoding="utf-8"), cell.morphology, str(network_path))
    activations = pd.DataFrame(read_synapse_activation_file(activation_path))
    activations = activations[activations["time_ms"] <= stimulus.tstop_ms]
    return legacy_trial(activations, cell, populations, weight_seed)


def _merged(trials: Sequence[LegacyTrial]) -> tuple[Network, TrialInput]:
    populations = [p for t in trials for p in t.network.populations]
    names = [p.name for p in populations]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ArgumentValueError(f"two synaptic_input calls replay population(s) {twice}: one call per population",
                                 field="synaptic_input", value=twice, allowed="distinct populations")
    return Network(tuple(populations)), TrialInput(tuple(p for t in trials for p in t.input.populations))


def synaptic_input_experiment(params: CellParameterFile, *, relative_to: PathLike | None = None,
                              search_roots: Sequence[PathLike] = (), recordings: Sequence[Recording] | None = None,
                              weight_seed: int = 0) -> tuple[Experiment, TrialInput]:
    """The experiment of a cell parameter file with ``synaptic_input`` calls (its current injections
    too), and the input to run it with (``TrialSimulator(experiment).run(0, 0, input)``).

    Args:
        recordings: default the soma and the file's recording sites (keys as the legacy labels).

    Raises:
        ArgumentValueError: the file has no ``synaptic_input`` call, or two calls share a population.
    """
    if not params.synaptic_inputs:
        raise ArgumentValueError("the cell parameter file has no synaptic_input in neuron.cell_modify_functions",
                                 field="synaptic_input", value=None, allowed="a cell parameter file with one")
    trials = [synaptic_input_trial(s, params.cell, relative_to=relative_to, search_roots=search_roots,
                                   weight_seed=weight_seed) for s in params.synaptic_inputs]
    network, trial_input = _merged(trials)
    if recordings is None:
        recordings = [Recording(Soma()), *(Recording(s, name=s.legacy_label(params.cell))
                                           for s in params.recording_sites)]
    experiment = Experiment(params.cell, params.simulation, stimuli=params.stimuli, recordings=tuple(recordings),
                            network=network)
    return experiment, trial_input


def run_synaptic_input(path: PathLike, *, search_roots: Sequence[PathLike] = (),
                       recordings: Sequence[Recording] | None = None, weight_seed: int = 0) -> Result:
    """Read a legacy cell parameter file with ``synaptic_input`` calls and simulate it on NEURON.

    Returns:
        The traces (soma ``"soma"`` in mV, and the recording sites), times in ms.
    """
    from isf.backends.neuron.trials import TrialSimulator

    params = read_cell_param(path, search_roots)
    experiment, trial_input = synaptic_input_experiment(params, relative_to=Path(path).parent,
                                                        search_roots=search_roots, recordings=recordings,
                                                        weight_seed=weight_seed)
    with TrialSimulator(experiment) as sim:
        ran = sim.run(0, 0, trial_input)
    sites = {rec.key: rec.site.resolve(experiment.cell, snap=True) for rec in experiment.recordings}
    return Result(ran.t_ms, dict(ran.traces), sites)
