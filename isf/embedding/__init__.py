"""Anatomical network embedding: synapses of a cell from dense-connectome density fields (LEGACY_FORMATS §9).

::

    from isf.embedding import read_connectome, prepare, embed, write_embedding
    model = read_connectome("barrel_cortex/")                 # or isf.data.synthetic.load_synthetic_connectome()
    setup = prepare(isf.read_hoc("86_C2_center.hoc"), "L5tt", model)
    result = embed(setup, n_samples=50, seed=1, n_jobs=2)
    files = write_embedding(result, "out/")                   # .syn .con NumberOfConnectedCells.csv summary

See ``docs/embedding.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DenseConnectome": "isf.embedding.connectome",
    "read_connectome": "isf.embedding.connectome",
    "write_connectome": "isf.embedding.connectome",
    "ScalarField": "isf.embedding.field",
    "PSTDensities": "isf.embedding.pst",
    "CellTargets": "isf.embedding.targets",
    "cell_targets": "isf.embedding.targets",
    "AxonDensities": "isf.embedding.synapse_density",
    "Realisation": "isf.embedding.realisation",
    "PopulationSynapses": "isf.embedding.realisation",
    "CompactRealisation": "isf.embedding.realisation",
    "Embedding": "isf.embedding.mapper",
    "EmbeddingSetup": "isf.embedding.mapper",
    "prepare": "isf.embedding.mapper",
    "embed": "isf.embedding.mapper",
    "embed_many": "isf.embedding.mapper",
    "representative_sample": "isf.embedding.summary",
    "sample_summary": "isf.embedding.summary",
    "write_embedding": "isf.embedding.output",
    "network_param_for_embedding": "isf.embedding.network",
}

__all__ = [  # noqa: RUF022 (grouped by module, as _EXPORTS)
    "DenseConnectome",
    "read_connectome",
    "write_connectome",
    "ScalarField",
    "PSTDensities",
    "CellTargets",
    "cell_targets",
    "AxonDensities",
    "Realisation",
    "PopulationSynapses",
    "CompactRealisation",
    "Embedding",
    "EmbeddingSetup",
    "prepare",
    "embed",
    "embed_many",
    "representative_sample",
    "sample_summary",
    "write_embedding",
    "network_param_for_embedding",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: isf.dsl.amira needs isf.embedding.field while this package loads.
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'isf.embedding' has no attribute {name!r}")
