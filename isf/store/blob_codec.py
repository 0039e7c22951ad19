"""Blobs: one column of numbers compressed with Blosc2, and their reading back from ``/blobs``.

A blob is one column of one trial (or of one block of synapse rows, or one trace) compressed with
``blosc2.compress2`` (self-describing chunks, read with ``blosc2.decompress2``); a column over
:data:`PIECE_BYTES` is several chunks one after the other. Integer columns may be stored as
differences (taken in the column's own integer type, wrapping, from 0), float samples as the
differences of their IEEE-754 bit patterns. The file layout is described in ``docs/store_format.md``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import blosc2
import numpy as np
import tables
from numpy.typing import NDArray

from isf.errors import StoreError

__all__ = ["Column", "PIECE_BYTES", "READ_GAP", "READ_SPAN", "pack", "read_blobs", "unpack", "unpack_parts"]

#: Largest piece of a column compressed as one Blosc2 chunk, bytes (256 MiB).
PIECE_BYTES = 1 << 28
#: Blobs at most this far apart (bytes, 64 KiB) are read from /blobs in one go ...
READ_GAP = 1 << 16
#: ... as long as the read spans no more than this (bytes, 32 MiB).
READ_SPAN = 1 << 25


class Column(NamedTuple):
    """How one column is kept in its blobs."""

    group: str
    name: str
    #: the stored type (int64 for float samples kept as bit patterns)
    dtype: type[np.generic]
    #: zstd compression level
    level: int
    filter: blosc2.Filter
    #: order of the differences taken before compressing (0: none)
    delta: int = 0
    #: float64 values kept as their IEEE-754 bit patterns (int64): lossless differences of samples
    float_bits: bool = False
    #: if set, a column holding only this value is kept as an empty blob (e.g. "not known")
    empty_fill: int | None = None


def pack(column: Column, values: NDArray[Any]) -> bytes:
    """The blob of a column (empty for no values, or for values all equal to ``column.empty_fill``)."""
    if column.float_bits:
        a = np.ascontiguousarray(values, dtype=np.float64).view(np.int64)
    else:
        a = np.ascontiguousarray(values, dtype=column.dtype)
    if column.empty_fill is not None and np.all(a == column.empty_fill):
        return b""
    for _ in range(column.delta):
        a = np.diff(a, prepend=a.dtype.type(0))
    step = max(1, PIECE_BYTES // a.itemsize)
    return b"".join(blosc2.compress2(a[i:i + step], typesize=a.itemsize, codec=blosc2.Codec.ZSTD, clevel=column.level,
                                     filters=[column.filter], nthreads=1) for i in range(0, a.shape[0], step))


def unpack(column: Column, blob: memoryview, out: NDArray[Any]) -> None:
    """Decompress a blob into ``out`` (a contiguous slice of the column's dtype; int64 bit patterns for
    ``float_bits`` columns: view them as float64).

    Raises:
        StoreError: the blob does not hold exactly ``out``'s values (damaged file).
    """
    target = out.view(np.uint8)
    pos = filled = 0
    while filled < target.shape[0] and pos < len(blob):
        nbytes, cbytes, _ = blosc2.get_cbuffer_sizes(blob[pos:])
        if nbytes > target.shape[0] - filled:
            break
        blosc2.decompress2(blob[pos:pos + cbytes], dst=target[filled:filled + nbytes], nthreads=1)
        pos += cbytes
        filled += nbytes
    if filled != target.shape[0] or pos != len(blob):
        raise StoreError(f"a {column.group}.{column.name} blob does not hold its {out.shape[0]} values "
                         "(damaged file)")
    for _ in range(column.delta):
        np.cumsum(out, dtype=out.dtype, out=out)


def read_blobs(heap: tables.EArray, ranges: Sequence[tuple[int, int]], path: object) -> list[memoryview]:
    """The bytes of blobs ``(offset, nbytes)`` of ``heap`` (the /blobs array), reading neighbouring ones
    in one go (up to :data:`READ_SPAN` bytes, gaps up to :data:`READ_GAP`): one HDF5 read per span
    instead of one per blob.

    Raises:
        StoreError: a blob lies outside /blobs (``path`` names the file in the message).
    """
    out: list[memoryview] = [memoryview(b"")] * len(ranges)
    size = int(heap.nrows)
    order = sorted((r for r in range(len(ranges)) if ranges[r][1] > 0), key=lambda r: ranges[r][0])
    spans: list[tuple[int, int, list[int]]] = []
    for r in order:
        offset, nbytes = ranges[r]
        if spans and offset <= spans[-1][1] + READ_GAP and offset + nbytes - spans[-1][0] <= READ_SPAN:
            spans[-1] = (spans[-1][0], max(spans[-1][1], offset + nbytes), [*spans[-1][2], r])
        else:
            spans.append((offset, offset + nbytes, [r]))
    for start, end, members in spans:
        if start < 0 or end > size:
            raise StoreError(f"{path}: a blob lies outside /blobs (damaged file)")
        data = memoryview(heap[start:end])
        for r in members:
            out[r] = data[ranges[r][0] - start: ranges[r][0] - start + ranges[r][1]]
    return out


def unpack_parts(column: Column, blobs: Iterator[memoryview], counts: NDArray[np.int64]) -> NDArray[Any]:
    """One column decoded from consecutive blobs of ``blobs``, one per part (a trial or a block of
    synapse rows) of ``counts[part]`` values, concatenated (an empty blob of a column with
    ``empty_fill`` holds that value ``counts[part]`` times)."""
    sizes = counts.tolist()
    values = np.empty(int(sum(sizes)), dtype=column.dtype)
    pos = 0
    for n in sizes:
        blob = next(blobs)
        if column.empty_fill is not None and not len(blob):
            values[pos:pos + n] = column.empty_fill
        else:
            unpack(column, blob, values[pos:pos + n])
        pos += n
    return values
