"""Keeping a fitted reduced LDA model: JSON data in the model codec's envelope
(``{"isf_format": 1, "type": "LdaModel", "value": {...}}``, settings through the cattrs converter of
:mod:`isf.model.codec`), as an item of a study :class:`~isf.store.Database` or as a JSON file.

Everything a model needs travels: settings, block labels and lengths, the normalised kernels and the
intercepts, the scores, the WNI of every trial and fit (full precision; ISF rounds it to 0.01), the spike
times (one list per trial, so lookup tables for other refractory periods can be rebuilt) and the lookup
tables. No pickle: a model file can be read by any JSON reader.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from isf.errors import FileFormatError, ModelTypeError
from isf.model.codec import CONVERTER, envelope, open_envelope
from isf.reduced.lda import LdaModel, LdaScores
from isf.reduced.lda_settings import LdaSettings
from isf.reduced.lookup import Lookup
from isf.reduced.targets import spike_matrix

if TYPE_CHECKING:
    from isf.store import Database

__all__ = ["MODEL_TYPE", "load_model", "model_from_data", "model_to_data", "save_model"]

#: The envelope ``type`` of a reduced LDA model.
MODEL_TYPE = "LdaModel"
attrs.resolve_types(LdaSettings)


def _floats(values: Any) -> list[Any]:
    """Nested lists of floats with NaN as ``None`` (JSON has no NaN)."""
    return [None if isinstance(v, float) and math.isnan(v) else v for v in np.asarray(values, dtype=float).tolist()]


def _array(values: Any) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)


def model_to_data(model: LdaModel) -> dict[str, Any]:
    """The model as plain JSON-able data in the codec envelope."""
    scores = {f.name: _floats(getattr(model.scores, f.name)) for f in attrs.fields(LdaScores)}
    spikes = [row[~np.isnan(row)].tolist() for row in model.spike_times]
    return envelope(MODEL_TYPE, {
        "settings": CONVERTER.unstructure(model.settings),
        "labels": list(model.labels),
        "block_lengths": list(model.block_lengths),
        "kernels": model.kernels.tolist(),
        "intercepts": model.intercepts.tolist(),
        "scores": scores,
        "wni": model.wni.tolist(),
        "spike_times_ms": spikes,
        "lookups": [{"grid_start": lut.grid_start, "p": lut.p.tolist()} for lut in model.lookups],
        "trials": list(model.trials),
    })


def model_from_data(data: Any) -> LdaModel:
    """Rebuild a model from :func:`model_to_data` output.

    Raises:
        ValueError: not an envelope or of an unsupported version.
        ModelTypeError: the envelope holds something else.
    """
    kind, value = open_envelope(data)
    if kind != MODEL_TYPE:
        raise ModelTypeError(f"the data holds a {kind}, not a {MODEL_TYPE}")
    s = value["scores"]
    scores = LdaScores(_array(s["accuracy"]), _array(s["tpr"]), _array(s["tnr"]), _array(s["auroc"]),
                       _array(s["auroc_all"]), np.asarray(s["n_train_spike"], dtype=np.int64),
                       np.asarray(s["n_train_nospike"], dtype=np.int64))
    return LdaModel(
        CONVERTER.structure(value["settings"], LdaSettings),
        tuple(value["labels"]),
        tuple(int(n) for n in value["block_lengths"]),
        np.asarray(value["kernels"], dtype=np.float64),
        np.asarray(value["intercepts"], dtype=np.float64),
        scores,
        np.asarray(value["wni"], dtype=np.float64),
        spike_matrix(value["spike_times_ms"]),
        tuple(Lookup(int(lut["grid_start"]), np.asarray(lut["p"], dtype=np.float64)) for lut in value["lookups"]),
        tuple(value.get("trials", ())),
    )


def save_model(model: LdaModel, target: Database | str | os.PathLike[str], key: Any = None) -> None:
    """Keep ``model`` as item ``key`` of a study database (JSON format), or, without ``key``, as a JSON
    file at the path ``target`` (written atomically: a temporary file renamed into place)."""
    data = model_to_data(model)
    if key is not None:
        target[key] = data  # type: ignore[index]
        return
    path = Path(os.fspath(target))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def load_model(source: Database | str | os.PathLike[str], key: Any = None) -> LdaModel:
    """A model kept by :func:`save_model` (database item ``key``, or the JSON file ``source``)."""
    if key is not None:
        return model_from_data(source[key])  # type: ignore[index]
    path = Path(os.fspath(source))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FileFormatError(path, exc.lineno, f"not JSON: {exc.msg}") from None
    try:
        return model_from_data(data)
    except (KeyError, TypeError) as exc:
        raise FileFormatError(path, None, f"not a reduced-model file: missing or wrong field {exc}") from None
