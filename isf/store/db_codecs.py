"""How a study-database item is kept, chosen by the value's type (never pickle unless asked):

=================  ===================  ==================================================================
format             data                 for
=================  ===================  ==================================================================
``isf-json``       ``data.json``        typed isf values (the model codec's envelope, :mod:`isf.model.codec`)
``json``           ``data.json``        dict (string keys) / list / str / int / float / bool / None
``pandas-hdf5``    ``data.h5``          pandas DataFrame / Series (PyTables ``table`` layout: chunk-readable)
``npy``            ``data.npy``         numpy arrays (read back memory-mapped)
``run-store``      ``run.h5``           run results (:class:`~isf.store.run_store.RunStore` files)
``folder``         ``data/``            the user's own files (:meth:`Database.folder`)
``database``       ``data/``            a nested database (:meth:`Database.sub`)
``pickle``         ``data.pkl``         anything else, only with ``allow_pickle=True``
=================  ===================  ==================================================================

Pandas objects read back equal, with their dtypes and index: numbers, bools, strings, datetimes (also
with a time zone), timedeltas, categoricals (ordered or not), MultiIndex rows and columns, named
indexes, Series names. Not supported (a :class:`~isf.errors.StoreError` says so; use pickle): pandas'
nullable extension dtypes (``Int64``, ``boolean``, …), object columns mixing types, sparse and interval
data. Empty objects are kept in PyTables' ``fixed`` layout (the ``table`` layout cannot hold them).
"""

from __future__ import annotations

import json
import pickle
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from isf.errors import StoreError
from isf.model.codec import TOP_LEVEL, from_data, to_data
from isf.store.run_store import RunStore

__all__ = ["DATA_NAMES", "FORMATS", "MUTABLE_FORMATS", "choose_format", "read_item", "type_name", "write_item"]

#: Data file (or folder) name of each format, inside the item's version folder.
DATA_NAMES = {"isf-json": "data.json", "json": "data.json", "pandas-hdf5": "data.h5", "npy": "data.npy",
              "run-store": "run.h5", "folder": "data", "database": "data", "pickle": "data.pkl"}
#: Every storage format.
FORMATS = tuple(DATA_NAMES)
#: Formats whose data changes after the item was written (its size is measured when asked).
MUTABLE_FORMATS = frozenset({"folder", "database", "run-store"})
_HDF_KEY = "data"
_JSON_SCALARS = (str, int, float, bool, type(None))


def type_name(value: Any) -> str:
    """``module.QualName`` of a value's type (kept in the metadata)."""
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def _json_problem(value: Any, where: str = "value") -> str | None:
    """Why ``value`` would not come back equal from JSON (``None``: it would)."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return None
    if kind is list:
        for i, item in enumerate(value):
            found = _json_problem(item, f"{where}[{i}]")
            if found:
                return found
        return None
    if kind is dict:
        for name, item in value.items():
            if type(name) is not str:
                return f"{where} has the key {name!r}, not a string"
            found = _json_problem(item, f"{where}[{name!r}]")
            if found:
                return found
        return None
    return f"{where} is a {type_name(value)}"


def choose_format(value: Any, allow_pickle: bool) -> str:
    """The format an item of ``value`` is kept in.

    Raises:
        StoreError: no format fits and ``allow_pickle`` is false (the message lists what is supported).
    """
    if TOP_LEVEL.get(type(value).__name__) is type(value):
        return "isf-json"
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return "pandas-hdf5"
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            if allow_pickle:
                return "pickle"
            raise StoreError("a numpy array of Python objects cannot be kept as .npy; give a numeric array, "
                             "or db.set(key, value, allow_pickle=True)")
        return "npy"
    if isinstance(value, (RunStore, Path)):
        return "run-store"
    if type(value) in (dict, list):
        problem = _json_problem(value)
        if problem is None:
            return "json"
        if allow_pickle:
            return "pickle"
        raise StoreError(f"cannot keep this {type(value).__name__} as JSON: {problem} (JSON keeps dicts with "
                         "string keys, lists, str, int, float, bool and None); convert it, or "
                         "db.set(key, value, allow_pickle=True)")
    if type(value) in _JSON_SCALARS:
        return "json"
    if allow_pickle:
        return "pickle"
    raise StoreError(f"cannot keep a {type_name(value)} without pickle: supported are isf model values, pandas "
                     "DataFrame/Series, numpy arrays, run stores (RunStore or the Path of its file) and JSON data "
                     "(dict/list/str/int/float/bool/None); use db.set(key, value, allow_pickle=True) to pickle it "
                     "(reading it back then needs allow_pickle=True too)")


def write_item(storage_format: str, value: Any, folder: Path,
               allow_pickle: bool = False) -> tuple[str, Path, dict[str, Any]]:
    """Write ``value`` into ``folder`` (a new version folder); the format used (a pandas object HDF5 cannot
    hold is pickled if ``allow_pickle``), the data path and the format's metadata.

    Raises:
        StoreError: the value cannot be written in that format (the message says why).
    """
    if storage_format == "pandas-hdf5" and allow_pickle:
        try:
            return write_item(storage_format, value, folder)
        except StoreError:
            (folder / DATA_NAMES[storage_format]).unlink(missing_ok=True)
            storage_format = "pickle"
    data = folder / DATA_NAMES[storage_format]
    extra: dict[str, Any] = {}
    if storage_format == "isf-json":
        data.write_text(json.dumps(to_data(value), sort_keys=True), encoding="utf-8")
    elif storage_format == "json":
        data.write_text(json.dumps(value), encoding="utf-8")
    elif storage_format == "pandas-hdf5":
        extra = _write_pandas(value, data)
    elif storage_format == "npy":
        np.save(data, value, allow_pickle=False)
    elif storage_format == "run-store":
        _copy_run_store(value, data)
    elif storage_format == "pickle":
        with open(data, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        extra = {"pickle_protocol": pickle.HIGHEST_PROTOCOL}
    else:  # folder, database: made by the database itself
        raise StoreError(f"cannot write a value in format {storage_format!r}")
    return storage_format, data, extra


def _write_pandas(value: pd.DataFrame | pd.Series, data: Path) -> dict[str, Any]:
    layout = "table" if len(value) and (value.ndim == 1 or value.shape[1]) else "fixed"
    try:
        with warnings.catch_warnings():
            # object columns in the fixed layout are pickled by PyTables: refuse them below instead
            warnings.simplefilter("error", pd.errors.PerformanceWarning)
            value.to_hdf(data, key=_HDF_KEY, format=layout, mode="w", complevel=5, complib="blosc:zstd")
    except (TypeError, ValueError, NotImplementedError, pd.errors.PerformanceWarning) as exc:
        raise StoreError(f"cannot keep this {type(value).__name__} in HDF5: {exc}; pandas' nullable dtypes "
                         "(Int64, boolean …) and mixed object columns are not supported: convert them, or "
                         "db.set(key, value, allow_pickle=True)") from None
    return {"hdf_layout": layout, "hdf_key": _HDF_KEY, "pandas_type": type(value).__name__}


def _copy_run_store(value: RunStore | Path, data: Path) -> None:
    if isinstance(value, RunStore):
        if value.mode == "a" and value._h5.isopen:
            value.compact()  # what was appended so far (the journal) is in the copy
        source = value.path
    else:
        source = value
    if not Path(source).is_file():
        raise StoreError(f"a Path stored in a database must be the file of an isf run store; {source} is not a "
                         "file (keep other files in db.folder(key))")
    shutil.copyfile(source, data)
    try:
        RunStore.open(data, "r").close()
    except (OSError, ValueError) as exc:
        raise StoreError(f"{source} is not an isf run store ({exc}); keep other files in db.folder(key)") from None


def read_item(storage_format: str, data: Path, allow_pickle: bool) -> Any:
    """The value of an item (folders and databases are opened by the database itself).

    Raises:
        StoreError: a pickled item read without ``allow_pickle``, or an unknown format.
    """
    if storage_format == "isf-json":
        return from_data(json.loads(data.read_text(encoding="utf-8")))
    if storage_format == "json":
        return json.loads(data.read_text(encoding="utf-8"))
    if storage_format == "pandas-hdf5":
        return pd.read_hdf(data, _HDF_KEY)
    if storage_format == "npy":
        try:
            return np.load(data, mmap_mode="r", allow_pickle=False)
        except ValueError:  # an empty array cannot be memory-mapped
            return np.load(data, allow_pickle=False)
    if storage_format == "run-store":
        if not data.is_file():
            raise StoreError(f"no run has been written to {data} yet (see Database.run_store_path)")
        return RunStore.open(data, "r")
    if storage_format == "pickle":
        if not allow_pickle:
            raise StoreError("this item is pickled: read it with db.get(key, allow_pickle=True) — unpickling runs "
                             "code from the file, so only for databases you trust")
        with open(data, "rb") as handle:
            return pickle.load(handle)
    raise StoreError(f"unknown storage format {storage_format!r}: this isf reads {', '.join(FORMATS)}")
