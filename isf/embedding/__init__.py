"""Anatomical network embedding: synapses of a cell from dense-connectome density fields (LEGACY_FORMATS §9).

::

    from isf.embedding import read_connectome, prepare, embed, write_embedding
    model = read_connectome("barrel_cortex/")                 # or load_synthetic_connectome()
    setup = prepare(isf.read_hoc("86_C2_center.hoc"), "L5tt", model)
    result = embed(setup, n_samples=50, seed=1)               # 2 loky workers (parallel=isf.Parallel(...))
    files = write_embedding(result, "out/")                   # .syn .con NumberOfConnectedCells.csv summary

The density fields and PST constants are model values (:mod:`isf.model.density_field`,
:mod:`isf.model.pst`). See ``docs/embedding.md``.

Where each concept lives:

* :mod:`isf.embedding.connectome` — the dense-connectome model (:class:`DenseConnectome`), read and
  written in the legacy folder layout; :mod:`isf.embedding.synthetic` — the small model shipped with isf.
* :mod:`isf.embedding.targets` — where the cell offers targets: neurite and PST density per voxel,
  using :mod:`isf.embedding.clipping` (segments clipped against the lattice).
* :mod:`isf.embedding.synapse_density` — the synapse density of every presynaptic axon on the cell.
* :mod:`isf.embedding.sampling` — drawing one realisation; :mod:`isf.embedding.realisation` — what
  it holds (synapse locations, presynaptic cells).
* :mod:`isf.embedding.summary` — connectivity statistics and the representative realisation.
* :mod:`isf.embedding.mapper` — :func:`prepare`, :func:`embed`: many realisations in parallel.
* :mod:`isf.embedding.output` — the ISF file set of an embedding; :mod:`isf.embedding.network` — the
  network parameter dict that uses it.
"""

from __future__ import annotations

from isf.embedding.clipping import SegmentPieces, clip_segments, cone_area
from isf.embedding.connectome import DEFAULT_CLASSES, DenseConnectome, read_connectome, write_connectome
from isf.embedding.mapper import Embedding, EmbeddingSetup, embed, embed_many, prepare
from isf.embedding.network import network_param_for_embedding
from isf.embedding.output import EmbeddingFiles, embedding_folder_name, write_embedding, write_realisation
from isf.embedding.realisation import CompactRealisation, PopulationSynapses, Realisation
from isf.embedding.sampling import (
    assign_and_count,
    draw_synapses,
    expand_realisation,
    population_synapses,
    realisation_generators,
    sample_compact,
    sample_realisation,
    select_points,
)
from isf.embedding.summary import (
    CELL_TYPE_ORDER,
    SUMMARY_COLUMNS,
    celltype_order,
    compact_summary_values,
    population_summary,
    representative_sample,
    sample_summary,
    summary_frame,
    summary_tables,
    summary_values,
)
from isf.embedding.synapse_density import AxonDensities, axon_densities
from isf.embedding.synthetic import load_synthetic_connectome
from isf.embedding.targets import STRUCTURE_OF_LABEL, CellTargets, cell_targets

__all__ = [
    "CELL_TYPE_ORDER",
    "DEFAULT_CLASSES",
    "STRUCTURE_OF_LABEL",
    "SUMMARY_COLUMNS",
    "AxonDensities",
    "CellTargets",
    "CompactRealisation",
    "DenseConnectome",
    "Embedding",
    "EmbeddingFiles",
    "EmbeddingSetup",
    "PopulationSynapses",
    "Realisation",
    "SegmentPieces",
    "assign_and_count",
    "axon_densities",
    "cell_targets",
    "celltype_order",
    "clip_segments",
    "compact_summary_values",
    "cone_area",
    "draw_synapses",
    "embed",
    "embed_many",
    "embedding_folder_name",
    "expand_realisation",
    "load_synthetic_connectome",
    "network_param_for_embedding",
    "population_summary",
    "population_synapses",
    "prepare",
    "read_connectome",
    "realisation_generators",
    "representative_sample",
    "sample_compact",
    "sample_realisation",
    "sample_summary",
    "select_points",
    "summary_frame",
    "summary_tables",
    "summary_values",
    "write_connectome",
    "write_embedding",
    "write_realisation",
]
