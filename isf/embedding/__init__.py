"""Anatomical network embedding: synapses of a cell from dense-connectome density fields (LEGACY_FORMATS §9).

::

    from isf.embedding import read_connectome, prepare, embed, write_embedding
    model = read_connectome("barrel_cortex/")                 # or load_synthetic_connectome()
    setup = prepare(isf.read_hoc("86_C2_center.hoc"), "L5tt", model)
    result = embed(setup, n_samples=50, seed=1)               # 2 loky workers (parallel=isf.Parallel(...))
    files = write_embedding(result, "out/")                   # .syn .con NumberOfConnectedCells.csv summary

The density fields and PST constants are model values (:mod:`isf.model.density_field`,
:mod:`isf.model.pst`). See ``docs/embedding.md``.
"""

from __future__ import annotations

from isf.embedding.connectome import DenseConnectome, read_connectome, write_connectome
from isf.embedding.mapper import Embedding, EmbeddingSetup, embed, embed_many, prepare
from isf.embedding.network import network_param_for_embedding
from isf.embedding.output import write_embedding
from isf.embedding.realisation import CompactRealisation, PopulationSynapses, Realisation
from isf.embedding.summary import representative_sample, sample_summary
from isf.embedding.synapse_density import AxonDensities
from isf.embedding.synthetic import load_synthetic_connectome
from isf.embedding.targets import CellTargets, cell_targets

__all__ = [
    "AxonDensities",
    "CellTargets",
    "CompactRealisation",
    "DenseConnectome",
    "Embedding",
    "EmbeddingSetup",
    "PopulationSynapses",
    "Realisation",
    "cell_targets",
    "embed",
    "embed_many",
    "load_synthetic_connectome",
    "network_param_for_embedding",
    "prepare",
    "read_connectome",
    "representative_sample",
    "sample_summary",
    "write_connectome",
    "write_embedding",
]
