"""One cell-in-network trial's input as SONATA files (nodes, edges, spikes), and back.

The subset of SONATA written (HDF5 through h5py, CSV, JSON), in one folder:

* ``nodes.h5`` + ``node_types.csv``: the postsynaptic cell as a node population of one
  ``biophysical`` node (named ``cell_name``), and per presynaptic population of the network one
  population of ``virtual`` nodes (node ID = isf presynaptic cell index), named as in isf
  (``L5tt_C2``). Datasets ``node_type_id``, ``node_group_id``, ``node_group_index`` and an
  (attribute-less) group ``0``.
* ``edges.h5`` + ``edge_types.csv``: per population one edge population
  ``<population>_to_<cell_name>``, one edge per connection (presynaptic cell → synapse), in isf
  connectivity order: ``source_node_id``/``target_node_id`` (with their ``node_population``),
  ``edge_type_id``, ``edge_group_id``, ``edge_group_index`` and in group ``0``
  ``afferent_section_id`` (isf section ID, the index into the Morphology's sections, which is also
  the order of our NeuroML export's section groups), ``afferent_section_pos`` (0–1 along the
  section), ``syn_weight`` (the nominal first weight of the first receptor, nS), ``delay`` (ms) and
  ``isf_synapse_id``. The receptors (isf JSON), release probability and presynaptic cell count are
  attributes ``isf_receptors``, ``isf_release_probability``, ``isf_cell_count`` of the population's
  group. ``edge_types.csv`` names the receptor mechanisms as ``model_template``.
* ``spikes.h5``: the presynaptic spike times, one spike population per presynaptic population
  (``/spikes/<population>/timestamps`` in ms, ``node_ids``, sorted ``by_id``).
* ``releases.h5`` (isf's extension, in the spike-file layout so a SONATA spike reader opens it):
  per population the synapse releases (``node_ids`` = isf synapse IDs, ``timestamps`` in ms) that
  survived the stochastic release, and ``/isf_weights/<population>/receptor_<k>`` the trial's
  per-synapse weights (nS) with ``synapse_ids``. Without it, :func:`read_sonata` assumes that every
  spike releases at every synapse of its cell with the ``syn_weight`` of the edge.
* ``circuit_config.json``, ``node_sets.json`` (one node set per population) and
  ``simulation_config.json`` tying them together (``spikes.h5`` replayed onto the cell as a
  ``synapse_replay`` spikes input; ``run.tstop`` in ms), and ``morphologies/<cell_name>.swc`` when the
  cell's morphology is given.

Not written: node positions/rotations, morphologies of virtual nodes, edge indices, reports.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf._version import __version__
from isf.dsl.swc import format_swc
from isf.errors import FileFormatError, MissingFileError
from isf.model.codec import from_data, to_data
from isf.model.morphology import Morphology
from isf.model.network import Network
from isf.model.receptor import Receptor
from isf.model.synapse import Connectivity
from isf.model.trial_input import PopulationInput, TrialInput

__all__ = ["SonataInput", "SonataPopulation", "read_sonata", "write_sonata"]

_SORTING = {"none": 0, "by_id": 1, "by_time": 2}


def _h5py() -> Any:
    import h5py  # lazy: only the SONATA and NWB exports need it

    return h5py


@attrs.frozen(eq=False)
class SonataPopulation:
    """A presynaptic population as read back from SONATA.

    Attributes:
        name: population name (``L5tt_C2``).
        cell_count: number of presynaptic (virtual) nodes.
        connectivity: presynaptic cell and synapse ID of every edge, in file order.
        section_id: isf section ID of every edge's synapse.
        x: relative position (0–1) of every edge's synapse on its section.
        receptors: the receptors (empty when the file is not ours).
        release_probability: release probability (``None``: every spike releases).
    """

    name: str
    cell_count: int
    connectivity: Connectivity
    section_id: NDArray[np.int64]
    x: NDArray[np.float64]
    receptors: tuple[Receptor, ...]
    release_probability: float | None


@attrs.frozen(eq=False)
class SonataInput:
    """A trial's input read back from SONATA: the synapses per population and the realised input.

    Attributes:
        cell_name: node population of the postsynaptic cell.
        populations: presynaptic populations, in file order.
        trial_input: presynaptic spikes, releases and weights of the trial.
        tstop_ms: run length from ``simulation_config.json``, ms (NaN if absent).
        provenance: what the writer recorded (isf version, run seed, trial index …).
    """

    cell_name: str
    populations: tuple[SonataPopulation, ...]
    trial_input: TrialInput
    tstop_ms: float
    provenance: dict[str, Any]


def _edge_name(population: str, cell_name: str) -> str:
    return f"{population}_to_{cell_name}"


def write_sonata(folder: str | os.PathLike[str], network: Network, trial_input: TrialInput, *,
                 cell_name: str = "cell", tstop_ms: float | None = None, morphology: Morphology | None = None,
                 provenance: dict[str, Any] | None = None, overwrite: bool = False) -> Path:
    """Write one trial's input as SONATA files into ``folder`` (created; see the module docstring).

    The folder is built under a temporary name beside it and renamed into place, so a failure
    leaves nothing behind.

    Args:
        folder: the folder to create.
        network: the network the input was drawn for (gives synapses, connectivity, receptors).
        trial_input: the realised input (``realize_input`` or ``TrialResult.input``).
        cell_name: node population name of the postsynaptic cell (not a presynaptic population's name).
        tstop_ms: run length written to ``simulation_config.json``, ms.
        morphology: the cell's morphology, written as ``morphologies/<cell_name>.swc`` and named as the
            cell's ``morphology`` in ``node_types.csv`` (a generated axon is written as axon).
        provenance: JSON-able facts (run seed, trial index …) kept as attributes of every HDF5 file.
        overwrite: replace an existing folder.

    Raises:
        FileExistsError: ``folder`` exists and ``overwrite`` is false.
        FileFormatError: the input does not belong to the network, or names clash.
    """
    folder = Path(folder)
    names = [p.name for p in network.populations]
    if [p.name for p in trial_input.populations] != names:
        raise FileFormatError(folder, None, "the trial input's populations differ from the network's "
                              f"({len(trial_input.populations)} vs {len(names)}): pass the network it was drawn for")
    if cell_name in names:
        raise FileFormatError(folder, None, f"cell_name {cell_name!r} is also a presynaptic population: choose another")
    if folder.exists() and not overwrite:
        raise FileExistsError(f"{folder} exists; choose another folder or pass overwrite")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}.tmp")
    tmp.mkdir()
    facts = {"isf_version": __version__, **(provenance or {})}
    try:
        (tmp / "morphologies").mkdir()
        morphology_file = None
        if morphology is not None:
            morphology_file = f"{cell_name}.swc"
            (tmp / "morphologies" / morphology_file).write_text(
                format_swc(morphology, generated_axon_as_axon=True), encoding="utf-8")
        _write_nodes(tmp, network, cell_name, morphology_file, facts)
        _write_edges(tmp, network, cell_name, facts)
        with _h5py().File(tmp / "spikes.h5", "w") as h5:
            _write_spikes(h5, [(p.name, np.repeat(np.arange(p.presynaptic_counts.shape[0]), p.presynaptic_counts),
                                p.presynaptic_times_ms) for p in trial_input.populations], facts)
        _write_releases(tmp, trial_input, network, facts)
        _write_configs(tmp, network, cell_name, tstop_ms, int(facts.get("run_seed", 0)))
        if folder.exists():
            trash = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}.old")
            folder.rename(trash)
            tmp.rename(folder)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def _attrs(node: Any, facts: dict[str, Any]) -> None:
    for key, value in facts.items():
        node.attrs[key] = value if isinstance(value, (int, float, str)) else json.dumps(value)


def _population_group(parent: Any, name: str, type_ids: NDArray[np.integer[Any]]) -> Any:
    group = parent.create_group(name)
    n = type_ids.shape[0]
    group.create_dataset("node_type_id", data=type_ids.astype(np.int64))
    group.create_dataset("node_group_id", data=np.zeros(n, np.uint32))
    group.create_dataset("node_group_index", data=np.arange(n, dtype=np.uint64))
    group.create_group("0")
    return group


def _write_nodes(folder: Path, network: Network, cell_name: str, morphology_file: str | None,
                 facts: dict[str, Any]) -> None:
    with _h5py().File(folder / "nodes.h5", "w") as h5:
        _attrs(h5, facts)
        nodes = h5.create_group("nodes")
        _population_group(nodes, cell_name, np.array([1]))
        for i, pop in enumerate(network.populations):
            _population_group(nodes, pop.name, np.full(pop.cell_count, 100 + i))
    rows = ["node_type_id model_type model_template morphology pop_name",
            f"1 biophysical isf:Cell {morphology_file or 'NONE'} {cell_name}"]
    rows += [f"{100 + i} virtual NONE NONE {pop.name}" for i, pop in enumerate(network.populations)]
    (folder / "node_types.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _write_edges(folder: Path, network: Network, cell_name: str, facts: dict[str, Any]) -> None:
    h5py = _h5py()
    rows = ["edge_type_id model_template delay pop_name"]
    with h5py.File(folder / "edges.h5", "w") as h5:
        _attrs(h5, facts)
        h5.attrs["isf_populations"] = json.dumps([p.name for p in network.populations])  # HDF5 sorts names
        edges = h5.create_group("edges")
        for i, pop in enumerate(network.populations):
            conn, syn = pop.connectivity, pop.synapses
            n = len(conn)
            group = edges.create_group(_edge_name(pop.name, cell_name))
            source = group.create_dataset("source_node_id", data=conn.cell_id.astype(np.uint64))
            source.attrs["node_population"] = pop.name
            target = group.create_dataset("target_node_id", data=np.zeros(n, np.uint64))
            target.attrs["node_population"] = cell_name
            group.create_dataset("edge_type_id", data=np.full(n, 100 + i, np.int64))
            group.create_dataset("edge_group_id", data=np.zeros(n, np.uint32))
            group.create_dataset("edge_group_index", data=np.arange(n, dtype=np.uint64))
            attributes = group.create_group("0")
            attributes.create_dataset("afferent_section_id", data=syn.section_id[conn.synapse_id].astype(np.int64))
            attributes.create_dataset("afferent_section_pos", data=syn.x[conn.synapse_id])
            first = pop.receptors[0] if pop.receptors else None
            weight = attributes.create_dataset("syn_weight", data=np.full(n, first.weights_nS[0] if first else 0.0))
            weight.attrs["units"] = "nS"
            delay = attributes.create_dataset("delay", data=np.full(n, first.delay_ms if first else 0.0))
            delay.attrs["units"] = "ms"
            attributes.create_dataset("isf_synapse_id", data=conn.synapse_id.astype(np.int64))
            group.attrs["isf_receptors"] = json.dumps([to_data(r) for r in pop.receptors])
            group.attrs["isf_release_probability"] = (np.nan if pop.release_probability is None
                                                      else pop.release_probability)
            group.attrs["isf_cell_count"] = pop.cell_count
            template = "+".join(r.mechanism for r in pop.receptors) or "NONE"
            rows.append(f"{100 + i} {template} {first.delay_ms if first else 0.0!r} {pop.name}")
    (folder / "edge_types.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def _write_spikes(h5: Any, populations: list[tuple[str, NDArray[Any], NDArray[np.float64]]],
                  facts: dict[str, Any]) -> None:
    """Spike populations (SONATA spike-file layout) into the open file ``h5``."""
    sorting = _h5py().enum_dtype(_SORTING, basetype="u1")
    _attrs(h5, facts)
    spikes = h5.create_group("spikes")
    for name, node_ids, times in populations:
        group = spikes.create_group(name)
        group.attrs.create("sorting", _SORTING["by_id"], dtype=sorting)
        stamps = group.create_dataset("timestamps", data=np.asarray(times, dtype=np.float64))
        stamps.attrs["units"] = "ms"
        group.create_dataset("node_ids", data=np.asarray(node_ids, dtype=np.uint64))


def _write_releases(folder: Path, trial_input: TrialInput, network: Network, facts: dict[str, Any]) -> None:
    populations = [(p.name, np.repeat(p.synapse_ids, p.release_counts), p.release_flat_ms)
                   for p in trial_input.populations]
    with _h5py().File(folder / "releases.h5", "w") as h5:
        _write_spikes(h5, populations, {**facts, "isf_extension": "synapse releases"})
        weights = h5.create_group("isf_weights")
        for pop, realised in zip(network.populations, trial_input.populations):
            group = weights.create_group(realised.name)
            group.create_dataset("synapse_ids", data=realised.synapse_ids.astype(np.int64))
            for k, (receptor, values) in enumerate(zip(pop.receptors, realised.weights_nS)):
                dataset = group.create_dataset(f"receptor_{k}", data=np.asarray(values, dtype=np.float64))
                dataset.attrs["mechanism"] = receptor.mechanism
                dataset.attrs["units"] = "nS"


def _write_configs(folder: Path, network: Network, cell_name: str, tstop_ms: float | None, seed: int) -> None:
    circuit = {
        "manifest": {"$NETWORK_DIR": "."},
        "components": {"morphologies_dir": "$NETWORK_DIR/morphologies",
                       "biophysical_neuron_models_dir": "$NETWORK_DIR/morphologies"},
        "networks": {
            "nodes": [{"nodes_file": "$NETWORK_DIR/nodes.h5", "node_types_file": "$NETWORK_DIR/node_types.csv",
                       "populations": {cell_name: {"type": "biophysical"},
                                       **{p.name: {"type": "virtual"} for p in network.populations}}}],
            "edges": [{"edges_file": "$NETWORK_DIR/edges.h5", "edge_types_file": "$NETWORK_DIR/edge_types.csv",
                       "populations": {_edge_name(p.name, cell_name): {"type": "chemical"}
                                       for p in network.populations}}],
        },
    }
    simulation: dict[str, Any] = {
        "network": "circuit_config.json",
        "target_simulator": "NEURON",
        "run": {"tstop": tstop_ms if tstop_ms is not None else float("nan"), "dt": 0.025,
                "random_seed": int(seed)},
        # replay of the presynaptic spikes onto the cell (the synapses are the edges)
        "inputs": {"presynaptic_spikes": {"input_type": "spikes", "module": "synapse_replay",
                                          "spike_file": "spikes.h5", "delay": 0.0,
                                          "duration": tstop_ms if tstop_ms is not None else 0.0,
                                          "node_set": cell_name}},
    }
    node_sets = {cell_name: {"population": cell_name}, **{p.name: {"population": p.name} for p in network.populations}}
    circuit["node_sets_file"] = "$NETWORK_DIR/node_sets.json"
    if tstop_ms is None:
        del simulation["run"]["tstop"]
    (folder / "node_sets.json").write_text(json.dumps(node_sets, indent=2) + "\n", encoding="utf-8")
    (folder / "circuit_config.json").write_text(json.dumps(circuit, indent=2) + "\n", encoding="utf-8")
    (folder / "simulation_config.json").write_text(json.dumps(simulation, indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------- reading


def _spike_columns(h5: Any, name: str) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    group = h5["spikes"].get(name)
    if group is None:
        return np.zeros(0, np.int64), np.zeros(0)
    ids = np.asarray(group["node_ids"][()], dtype=np.int64)
    times = np.asarray(group["timestamps"][()], dtype=np.float64)
    order = np.lexsort((times, ids))  # by node, then time (any sorting the file declares)
    return ids[order], times[order]


def read_sonata(folder: str | os.PathLike[str], cell_name: str | None = None) -> SonataInput:
    """Read a trial's input written by :func:`write_sonata` (or the same subset from another tool).

    Args:
        folder: the folder holding ``nodes.h5``, ``edges.h5`` and ``spikes.h5``.
        cell_name: node population of the postsynaptic cell (default: the target of the edges).

    Raises:
        MissingFileError: a required file is missing.
        FileFormatError: the files do not hold the subset described in this module.
    """
    folder = Path(folder)
    for name in ("nodes.h5", "edges.h5", "spikes.h5"):
        if not (folder / name).is_file():
            raise MissingFileError(f"{folder / name} not found: a SONATA input folder needs nodes.h5, edges.h5 "
                                   "and spikes.h5", folder / name)
    h5py = _h5py()
    populations: list[SonataPopulation] = []
    realised: list[PopulationInput] = []
    try:
        with (h5py.File(folder / "nodes.h5", "r") as nodes, h5py.File(folder / "edges.h5", "r") as edges,
              h5py.File(folder / "spikes.h5", "r") as spikes):
            facts = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in edges.attrs.items()}
            releases = h5py.File(folder / "releases.h5", "r") if (folder / "releases.h5").is_file() else None
            try:
                order = json.loads(facts.pop("isf_populations", "[]"))
                names = list(edges["edges"])
                if order and cell_name is None:
                    cell_name = str(next(iter(edges["edges"].values()))["target_node_id"].attrs["node_population"])
                if order:
                    names = [_edge_name(n, str(cell_name)) for n in order]
                for edge_name in names:
                    group = edges["edges"][edge_name]
                    pop, trial = _read_population(edge_name, group, nodes, spikes, releases, cell_name, folder)
                    cell_name = str(group["target_node_id"].attrs["node_population"])
                    populations.append(pop)
                    realised.append(trial)
            finally:
                if releases is not None:
                    releases.close()
    except (KeyError, OSError) as exc:
        raise FileFormatError(folder, None, f"not the SONATA subset isf reads: {exc}") from None
    tstop = float("nan")
    config = folder / "simulation_config.json"
    if config.is_file():
        tstop = float(json.loads(config.read_text(encoding="utf-8")).get("run", {}).get("tstop", float("nan")))
    return SonataInput(cell_name or "cell", tuple(populations), TrialInput(tuple(realised)), tstop, facts)


def _read_population(edge_name: str, group: Any, nodes: Any, spikes: Any, releases: Any, cell_name: str | None,
                     folder: Path) -> tuple[SonataPopulation, PopulationInput]:
    name = str(group["source_node_id"].attrs["node_population"])
    target = str(group["target_node_id"].attrs["node_population"])
    if cell_name is not None and target != cell_name:
        raise FileFormatError(folder, None, f"edge population {edge_name!r} targets {target!r}, not {cell_name!r}")
    cell_ids = np.asarray(group["source_node_id"][()], dtype=np.int64)
    attributes = group["0"]
    section_id = np.asarray(attributes["afferent_section_id"][()], dtype=np.int64)
    x = np.asarray(attributes["afferent_section_pos"][()], dtype=np.float64)
    # Synapse IDs: ours, or one synapse per edge for files from elsewhere.
    synapse_ids = (np.asarray(attributes["isf_synapse_id"][()], dtype=np.int64) if "isf_synapse_id" in attributes
                   else np.arange(cell_ids.shape[0], dtype=np.int64))
    receptors = tuple(from_data(d, Receptor) for d in json.loads(group.attrs.get("isf_receptors", "[]")))
    probability = float(group.attrs.get("isf_release_probability", np.nan))
    count = int(group.attrs["isf_cell_count"]) if "isf_cell_count" in group.attrs else int(nodes["nodes"][name]
                                                                                            ["node_type_id"].shape[0])
    pop = SonataPopulation(name, count, Connectivity(cell_ids, synapse_ids), section_id, x, receptors,
                           None if np.isnan(probability) else probability)
    spike_ids, spike_times = _spike_columns(spikes, name)
    spike_counts = np.bincount(spike_ids, minlength=count).astype(np.int64)
    if releases is not None and name in releases["spikes"]:
        release_ids, release_times = _spike_columns(releases, name)
        weights_group = releases["isf_weights"][name]
        active = np.asarray(weights_group["synapse_ids"][()], dtype=np.int64)
        weights = tuple(np.asarray(weights_group[f"receptor_{k}"][()], dtype=np.float64)
                        for k in range(len(receptors)))
    else:  # every spike releases at every synapse of its cell
        starts = np.concatenate([[0], np.cumsum(spike_counts)[:-1]])
        per_edge = [spike_times[starts[c]:starts[c] + spike_counts[c]] for c in cell_ids]
        release_ids = np.repeat(synapse_ids, [t.shape[0] for t in per_edge]).astype(np.int64)
        release_times = np.concatenate(per_edge) if per_edge else np.zeros(0)
        order = np.lexsort((release_times, release_ids))
        release_ids, release_times = release_ids[order], release_times[order]
        active = np.unique(release_ids)
        ids, first_edge = np.unique(synapse_ids, return_index=True)  # the first edge of every synapse
        edge_of_active = first_edge[np.searchsorted(ids, active)]
        weights = (np.asarray(attributes["syn_weight"][()], dtype=np.float64)[edge_of_active][:, None],)
    _, release_counts = np.unique(release_ids, return_counts=True)
    trial = PopulationInput(name, spike_times, spike_counts, active, release_times, release_counts.astype(np.int64),
                            weights)
    return pop, trial
