"""The vectorised embedding draws the same Poisson synapse counts, from the same presynaptic cells,
as the per-point loop comparator of the benchmark (same seed, same draw order)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def loop_module():
    spec = importlib.util.spec_from_file_location(
        "embedding_loop", REPO / "benchmarks" / "embedding_loop.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["embedding_loop"] = module
    spec.loader.exec_module(module)
    return module


def test_same_counts_as_the_loop(
    loop_module, setup86, morph86_shipped, synthetic
) -> None:
    loop = loop_module.LoopEmbedder(morph86_shipped, "L5tt", synthetic)
    assert len(loop.voxels) == setup86.targets.n_voxels
    for sample in (0, 1):
        fast = setup86.realise(seed=11, sample=sample)
        slow = loop.realise(seed=11, sample=sample)
        for pop in fast.populations:
            rows = slow[pop.name]
            assert len(rows) == len(pop), pop.name
            assert [c for c, _, _ in rows] == pop.presynaptic_cell.tolist()
            # points are drawn differently, but each synapse lands on the same structure
            structure = {"soma": 0, "apic": 1, "dend": 2}
            slow_structure = [
                structure[morph86_shipped.sections[sid].label] for _, sid, _ in rows
            ]
            assert slow_structure == pop.structure.tolist()
