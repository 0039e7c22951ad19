"""A legacy trial rebuilt from its saved synapse activations, with the semantics of ISF's
``reconnect_saved_synapses`` (LEGACY_FORMATS §4.10), for :func:`isf.backends.replay.replay_trial`.

* Every saved row becomes an active synapse on section ``section_id`` at ``x = relPts[section_pt_id]``
  (clamped between the first and last segment centres by
  :func:`~isf.backends.neuron.trials.attach_input`, as ISF does), releasing at every saved time
  (``forceSynapseActivation``: no release failures; the saved times are releases already).
* Receptors (mechanism, parameters, NetCon delay and threshold, weights) come from the run's network
  parameter file, population by population; synapse locations need no ``.syn``/``.con`` file.
* Weights: fixed weights are the file's. Lognormal weights (``weightDistribution``) were drawn per
  synapse in the original run and never saved, so they cannot be recovered: the replay draws new ones
  (as ISF's own replay does), from ``numpy.random.default_rng(weight_seed)``, and warns.
* Synapse IDs: the replay network has one synapse per saved synapse (renumbered per population in
  file order, as ISF does without ``include_silent_synapses``); :class:`LegacyTrial` keeps the saved
  IDs of each row for naming.
"""

from __future__ import annotations

import copy
import re
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.dsl.con_file import write_con
from isf.dsl.network_param import network_from_param_dict
from isf.dsl.param_format import parse_param
from isf.dsl.syn_file import write_syn
from isf.errors import LegacyFormatError, StoreError
from isf.model.cell import Cell
from isf.model.morphology import Morphology
from isf.model.network import Network, Population
from isf.model.recording import Recording
from isf.model.simulation import Simulation
from isf.model.site import SectionSite, Soma
from isf.model.synapse import Synapses
from isf.model.trial_input import PopulationInput, TrialInput

__all__ = ["LegacyTrial", "legacy_populations", "legacy_recordings", "legacy_simulation", "legacy_trial"]

#: Placeholder embedding files: receptors are read without the run's ``.syn``/``.con``.
_PLACEHOLDER = "replay_placeholder"
#: ``…_sec_038_seg_032_x_0.929_…`` in the label of a legacy dendritic recording.
_SITE = re.compile(r"_sec_(\d+)_seg_\d+_x_([0-9.]+)")


def legacy_populations(network_param_text: str, morphology: Morphology,
                       filename: str = "<network parameter file>") -> dict[str, Population]:
    """The populations of a legacy network parameter file (activity, receptors, release probability),
    by name, without synapses: their ``.syn``/``.con`` files are not needed (nor read) — the file is read
    by :func:`~isf.dsl.network_param.network_from_param_dict` with every population pointing at an empty
    placeholder embedding, so receptors are checked exactly as when a run is read.

    Args:
        network_param_text: the file's text (a legacy import keeps it as a provenance file).
        morphology: the cell's morphology (no synapse is placed on it).
        filename: the file's name, for messages.

    Raises:
        LegacyFormatError: the text is not a network parameter file isf reads (naming the key path).
    """
    params = parse_param(network_param_text, filename)
    if not isinstance(params, Mapping) or not isinstance(params.get("network", params), Mapping):
        raise LegacyFormatError(filename, None, "not a network parameter file (no 'network' block)")
    params = copy.deepcopy(dict(params))
    network = params.get("network", params)
    for name, spec in network.items():
        if isinstance(spec, Mapping) and isinstance(spec.get("synapses"), Mapping):
            spec["synapses"]["distributionFile"] = f"{_PLACEHOLDER}.syn"
            spec["synapses"]["connectionFile"] = f"{_PLACEHOLDER}.con"
    with tempfile.TemporaryDirectory(prefix="isf-replay-") as tmp:
        folder = Path(tmp)
        write_syn(folder / f"{_PLACEHOLDER}.syn", {}, _PLACEHOLDER)
        write_con(folder / f"{_PLACEHOLDER}.con", {}, f"{_PLACEHOLDER}.syn")
        parsed = network_from_param_dict(params, morphology, str(folder / Path(filename).name))
    return {p.name: p for p in parsed.network.populations}


@attrs.frozen(eq=False)
class LegacyTrial:
    """A legacy trial as isf values.

    Attributes:
        network: one population per saved population, its synapses the saved active ones.
        input: every saved activation time as a release; the weights.
        synapse_ids: per population, the saved synapse ID of each synapse row.
    """

    network: Network
    input: TrialInput
    synapse_ids: dict[str, NDArray[np.int64]]


def legacy_trial(activations: pd.DataFrame, cell: Cell, populations: Mapping[str, Population],
                 weight_seed: int = 0) -> LegacyTrial:
    """The network and input of a saved trial (``store["synapse_activations"]`` rows of one trial).

    Raises:
        StoreError: a saved population the network parameters do not describe, or a synapse on a
            section or 3D point the cell does not have.
    """
    morph = cell.morphology
    rng = np.random.default_rng(weight_seed)
    pops: list[Population] = []
    inputs: list[PopulationInput] = []
    ids_of: dict[str, NDArray[np.int64]] = {}
    frame = activations.assign(population=activations["population"].astype(str))
    for name, rows in frame.groupby("population", sort=True):
        name = str(name)
        if name not in populations:
            raise StoreError(f"synapse activations of population {name!r}: the network parameter file has no such "
                             f"population ({len(populations)} populations: {', '.join(sorted(populations)[:8])} …)")
        base = populations[name]
        rows = rows.sort_values(["synapse_id", "time_ms"], kind="stable")
        ids, first, counts = np.unique(rows["synapse_id"].to_numpy(np.int64), return_index=True, return_counts=True)
        section = rows["section_id"].to_numpy(np.int64)[first]
        point = rows["section_pt_id"].to_numpy(np.int64)[first]
        x = np.empty(ids.shape[0])
        for i, (sid, pt) in enumerate(zip(section.tolist(), point.tolist())):
            if not 0 <= sid < len(morph.sections) or not 0 <= pt < len(morph.sections[sid].relative_points):
                raise StoreError(f"synapse {int(ids[i])} of {name} sits on section {sid}, 3D point {pt}, which cell "
                                 f"{cell.name or '(unnamed)'} does not have ({len(morph.sections)} sections): "
                                 "replay it on the cell of the run")
            x[i] = morph.sections[sid].relative_points[pt]
        synapses = Synapses(section, x, rows["soma_distance_um"].to_numpy(float)[first], point,
                            tuple(rows["label"].astype(str).to_numpy()[first]))
        weights = []
        for receptor in base.receptors:
            if receptor.weight_distribution == "lognormal":
                warnings.warn(f"{name}: {receptor.mechanism} weights are lognormal; the original per-synapse weights "
                              f"were not saved, the replay draws new ones (weight_seed={weight_seed})", stacklevel=3)
                m = np.asarray(receptor.weights_nS, dtype=float)
                sigma = np.sqrt(np.log1p(m**2))  # ISF: mean m, standard deviation m² (§4.6)
                drawn = rng.lognormal(np.log(np.where(m > 0, m, 1.0)) - sigma**2 / 2, sigma, (ids.shape[0], m.size))
                weights.append(np.where(m > 0, drawn, 0.0))
            else:
                weights.append(np.tile(np.asarray(receptor.weights_nS, dtype=float), (ids.shape[0], 1)))
        pops.append(Population(name, base.cell_count, base.activity, base.receptors, synapses))
        inputs.append(PopulationInput(name, np.zeros(0), np.zeros(0, np.int64), np.arange(ids.shape[0]),
                                      rows["time_ms"].to_numpy(float), counts.astype(np.int64), tuple(weights)))
        ids_of[name] = ids
    return LegacyTrial(Network(tuple(pops)), TrialInput(tuple(inputs)), ids_of)


def legacy_simulation(simulation: Simulation, t_ms: NDArray[np.float64]) -> Simulation:
    """The run settings of a legacy trial whose soma trace has times ``t_ms``: the simulator's
    ``tStop`` argument overrode the file's (§7.1), and its loop ``while t < tStop: fadvance()`` ends one
    fixed step past ``tStop``, so ``tStop`` is the last saved time minus one step."""
    if simulation.cvode or t_ms.shape[0] < 2:
        return attrs.evolve(simulation, tstop_ms=float(t_ms[-1]) if t_ms.shape[0] else simulation.tstop_ms)
    dt = simulation.dt_ms
    return attrs.evolve(simulation, tstop_ms=round(float(t_ms[-1]) / dt - 1.0) * dt)


def legacy_recordings(soma_key: str, trace_keys: list[str]) -> tuple[Recording, ...]:
    """Recordings with the keys of a legacy import: the soma (first soma segment, ISF's
    ``soma.recVList[0]``; the soma has one segment) and the dendritic sites named
    ``…_sec_<section>_seg_<segment>_x_<x>_…`` (§3.9)."""
    out = [Recording(Soma(), name=soma_key)]
    for key in trace_keys:
        m = _SITE.search(key)
        if key != soma_key and m:
            out.append(Recording(SectionSite(int(m.group(1)), float(m.group(2))), name=key))
    return tuple(out)
