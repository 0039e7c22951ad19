"""Fixtures of the embedding tests: the shipped synthetic model and cell 86 (no shared data needed)."""

from __future__ import annotations

import pytest

from isf.data import cell86
from isf.dsl.hoc import read_hoc
from isf.embedding.connectome import DenseConnectome
from isf.embedding.mapper import EmbeddingSetup, prepare
from isf.embedding.synthetic import load_synthetic_connectome
from isf.model.morphology import Morphology


@pytest.fixture(scope="session")
def synthetic() -> DenseConnectome:
    return load_synthetic_connectome()


@pytest.fixture(scope="session")
def morph86_shipped() -> Morphology:
    return read_hoc(cell86("86_C2_center.hoc"))


@pytest.fixture(scope="session")
def setup86(morph86_shipped: Morphology, synthetic: DenseConnectome) -> EmbeddingSetup:
    return prepare(morph86_shipped, "L5tt", synthetic)
