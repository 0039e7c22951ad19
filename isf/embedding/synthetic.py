"""The synthetic dense-connectome model shipped with isf (files: :func:`isf.data.synthetic_connectome`;
origin: ``isf/data/synthetic_connectome/NOTICE``)."""

from __future__ import annotations

import functools

from isf.data import synthetic_connectome
from isf.embedding.connectome import DenseConnectome, read_connectome

__all__ = ["load_synthetic_connectome"]


@functools.cache
def load_synthetic_connectome() -> DenseConnectome:
    """The synthetic model as a :class:`~isf.embedding.connectome.DenseConnectome` (read once per process)."""
    return read_connectome(synthetic_connectome(), progress=False)
