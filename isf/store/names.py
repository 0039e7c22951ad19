"""Name tables: population and dendrite-label names stored once, referred to by their code (position).

See ``docs/store_format.md`` (``/populations``, ``/labels``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.errors import StoreError
from isf.store.layout import INT16

__all__ = ["NameCodes", "categorical", "check_name", "run_heads"]


def check_name(name: Any, size: int, what: str) -> bytes:
    """The UTF-8 bytes of a name that fits a name list of ``size``-byte names.

    Raises:
        StoreError: empty, too long, or holding NUL (HDF5 strings are NUL-padded).
    """
    raw = str(name).encode("utf-8")
    if len(raw) > size or b"\0" in raw or not raw:
        raise StoreError(f"{what} {name!r} cannot be stored: names must be 1..{size} UTF-8 bytes without NUL")
    return raw


def run_heads(values: NDArray[Any]) -> NDArray[np.intp]:
    """Positions where a run of equal values starts."""
    n = values.shape[0]
    change = np.empty(n, dtype=bool)
    if n:
        change[0] = True
        change[1:] = values[1:] != values[:-1]
    return np.flatnonzero(change)


def categorical(codes: NDArray[np.integer], names: Sequence[str]) -> pd.Categorical:
    """Categorical of the names occurring in ``codes``, categories in sorted (Python string) order; a
    negative code is a missing value (a name not known)."""
    codes = np.asarray(codes, dtype=np.intp)
    known = codes[codes >= 0]
    used = np.flatnonzero(np.bincount(known, minlength=len(names))) if known.size else np.zeros(0, np.intp)
    used_names = [names[i] for i in used.tolist()]
    order = sorted(range(len(used_names)), key=used_names.__getitem__)
    remap = np.zeros(max(len(names), 1), dtype=np.int32)
    remap[used[order]] = np.arange(len(order), dtype=np.int32)
    return pd.Categorical.from_codes(np.where(codes >= 0, remap[np.maximum(codes, 0)], -1),
                                     [used_names[i] for i in order])


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, str) and not value) or \
        (isinstance(value, float) and value != value)


class NameCodes:
    """A name list (populations, labels or spike sources) with the codes of names not stored yet (:attr:`new`)."""

    def __init__(self, names: list[str], size: int, what: str) -> None:
        self.code = {name: i for i, name in enumerate(names)}
        self.new: list[str] = []
        self.size = size
        self.what = what

    def code_of(self, name: str) -> int:
        """The code of a name, giving a new name the next code.

        Raises:
            StoreError: the name cannot be stored, or the list is full (int16 codes).
        """
        code = self.code.get(name)
        if code is None:
            check_name(name, self.size, self.what)
            code = len(self.code)
            if code > INT16.max:
                raise StoreError(f"more than {INT16.max + 1} {self.what} names")
            self.code[name] = code
            self.new.append(name)
        return code

    def codes(self, values: NDArray[Any], missing_ok: bool = False) -> NDArray[np.int16]:
        """Codes of a column of names (vectorised over runs of equal names); with ``missing_ok``,
        ``None``, NaN and ``""`` are "not known" (code −1)."""
        values = np.asarray(values, dtype=object).reshape(-1)
        n = values.shape[0]
        if not n:
            return np.zeros(0, dtype=np.int16)
        heads = run_heads(values)
        head_codes = np.fromiter((-1 if missing_ok and _missing(v) else self.code_of(str(v))
                                  for v in values[heads].tolist()), dtype=np.int16, count=heads.shape[0])
        return np.repeat(head_codes, np.diff(np.append(heads, n)))
