"""Activity blocks of legacy network parameter files (``celltype`` and its keys, LEGACY_FORMATS
§4.2–4.4) ⇄ typed generators of :mod:`isf.model.activity`.

One table, :data:`POINTCELL_KEYS`, says for every ``distribution`` which legacy key fills which
field of its class, how the value is checked, and its default; the reader and the writer both
follow it, so a key is supported in both directions or in neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from isf.dsl.param_format import ParamContext, is_finite_number
from isf.errors import ModelValueError
from isf.model.activity import (
    PSTH,
    Activity,
    LogNormalSpike,
    NormalSpike,
    Poisson,
    PoissonTrainModulated,
    PSTHAbsoluteNumber,
    PSTHPoissonTrain,
    PSTHPoissonTrainV2,
    UniformSpike,
)

__all__ = ["POINTCELL_DISTRIBUTIONS", "POINTCELL_KEYS", "POISSON_KEYS", "activity_dict", "read_activity"]

_REQUIRED: Any = object()

#: ``distribution`` → (class, ((legacy key, field, kind, default), ...)); kinds: ``number``,
#: ``pairs`` (list of (t0, t1)), ``numbers``, ``counts``, ``text``. ``_REQUIRED``: no default.
POINTCELL_KEYS: Mapping[str, tuple[type, tuple[tuple[str, str, str, Any], ...]]] = {
    "normal": (NormalSpike, (("activeFrac", "active_fraction", "number", _REQUIRED),
                             ("spikeT", "spike_time_ms", "number", _REQUIRED),
                             ("spikeWidth", "spike_width_ms", "number", _REQUIRED),
                             ("offset", "offset_ms", "number", 10.0))),
    "uniform": (UniformSpike, (("activeFrac", "active_fraction", "number", _REQUIRED),
                               ("window", "window_ms", "number", _REQUIRED),
                               ("offset", "offset_ms", "number", _REQUIRED))),
    "lognormal": (LogNormalSpike, (("activeFrac", "active_fraction", "number", _REQUIRED),
                                   ("mu", "mu", "number", _REQUIRED), ("sigma", "sigma", "number", _REQUIRED),
                                   ("offset", "offset_ms", "number", _REQUIRED))),
    "PSTH": (PSTH, (("intervals", "intervals_ms", "pairs", _REQUIRED),
                    ("probabilities", "probabilities", "numbers", _REQUIRED),
                    ("offset", "offset_ms", "number", _REQUIRED))),
    "PSTH_absolute_number": (PSTHAbsoluteNumber, (("intervals", "intervals_ms", "pairs", _REQUIRED),
                                                  ("number_active_synapses", "numbers", "counts", _REQUIRED),
                                                  ("offset", "offset_ms", "number", _REQUIRED))),
    "PSTH_poissontrain": (PSTHPoissonTrain, (("intervals", "intervals_ms", "pairs", _REQUIRED),
                                             ("rates", "rates_hz", "numbers", _REQUIRED),
                                             ("offset", "offset_ms", "number", _REQUIRED))),
    "PSTH_poissontrain_v2": (PSTHPoissonTrainV2, (("bins", "bins_ms", "numbers", _REQUIRED),
                                                  ("rates", "rates_hz", "numbers", _REQUIRED),
                                                  ("offset", "offset_ms", "number", _REQUIRED))),
    "poissontrain_modulated": (PoissonTrainModulated, (
        ("rate_before_t_offset", "rate_before_offset_hz", "number", _REQUIRED),
        ("mean_rate", "mean_rate_hz", "number", _REQUIRED),
        ("max_modulation", "max_modulation", "number", _REQUIRED),
        ("modulation_frequency", "modulation_frequency_hz", "number", _REQUIRED),
        ("bin_size", "bin_size_ms", "number", _REQUIRED),
        ("phase_distribution", "phase_distribution", "text", _REQUIRED),
        ("mean_phase", "mean_phase", "number", 0.0),
        ("std_phase", "std_phase", "number", 0.0),
        ("offset", "offset_ms", "number", _REQUIRED))),
}
#: Point-cell distributions ISF knows (LEGACY_FORMATS §4.4), all supported.
POINTCELL_DISTRIBUTIONS: tuple[str, ...] = tuple(POINTCELL_KEYS)
#: Keys of ongoing (``spiketrain``) activity.
POISSON_KEYS = ("interval", "noise", "start", "nspikes")
_CLASS_TO_NAME = {cls: name for name, (cls, _) in POINTCELL_KEYS.items()}


def _value(ctx: ParamContext, kind: str, value: Any, path: str) -> Any:
    if kind == "number":
        return ctx.number(value, path)
    if kind == "text":
        if not isinstance(value, str):
            raise ctx.error(path, f"expected a name, found {value!r}", value=value, allowed="a string")
        return value
    if not isinstance(value, (list, tuple)):
        raise ctx.error(path, f"expected a list, found {value!r}", value=value, allowed="a list")
    if kind == "pairs":
        if not all(isinstance(b, (list, tuple)) and len(b) == 2 and all(is_finite_number(t) for t in b)
                   for b in value):
            raise ctx.error(path, f"expected a list of (t0, t1) pairs of numbers, found {value!r}", value=value,
                            allowed="[(t0, t1), ...] in ms")
        return [(float(a), float(b)) for a, b in value]
    if kind == "counts":
        return [ctx.count(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return [ctx.number(v, f"{path}[{i}]") for i, v in enumerate(value)]


def _poisson(ctx: ParamContext, spec: Mapping[str, Any], path: str) -> Poisson:
    interval = ctx.number(ctx.required(spec, "interval", path, " (mean inter-spike interval, ms)"), f"{path}.interval")
    noise, start = 1.0, 0.0
    if "noise" in spec:
        noise = ctx.number(spec["noise"], f"{path}.noise")
        if "start" in spec:
            start = ctx.number(spec["start"], f"{path}.start")
    elif "start" in spec:
        ctx.warn_ignored(path, ["start"], " because 'noise' is absent (ISF reads 'start' only together with 'noise')")
    n_spikes = None
    if "nspikes" in spec and spec["nspikes"] is not None:
        n_spikes = ctx.count(spec["nspikes"], f"{path}.nspikes")
    try:
        return Poisson(interval, noise, start, n_spikes)
    except ModelValueError as exc:
        raise ctx.error(path, str(exc)) from None


def _pointcell(ctx: ParamContext, spec: Mapping[str, Any], path: str, name: str) -> tuple[Any, tuple[str, ...]]:
    """The generator and the keys it read."""
    dist = spec.get("distribution", "normal")  # ISF reads a missing distribution as 'normal'
    if not isinstance(dist, str) or dist not in POINTCELL_KEYS:
        raise ctx.error(f"{path}.distribution", f"population {name}: unknown point-cell distribution {dist!r}; "
                        f"allowed are {', '.join(POINTCELL_DISTRIBUTIONS)}", value=dist,
                        allowed=", ".join(POINTCELL_DISTRIBUTIONS))
    cls, keys = POINTCELL_KEYS[dist]
    kwargs: dict[str, Any] = {}
    for key, field, kind, default in keys:
        if key not in spec:
            if default is _REQUIRED:
                raise ctx.error(path, f"population {name}: distribution {dist!r} needs key {key!r} "
                                f"(needs: {', '.join(k for k, _, _, d in keys if d is _REQUIRED)})")
            continue
        kwargs[field] = _value(ctx, kind, spec[key], f"{path}.{key}")
    if dist == "poissontrain_modulated" and kwargs["phase_distribution"] == "normal":
        for key in ("mean_phase", "std_phase"):
            if key not in spec:
                raise ctx.error(path, f"population {name}: phase_distribution 'normal' needs key {key!r}")
    try:
        return cls(**kwargs), ("distribution", *(k for k, *_ in keys))
    except ModelValueError as exc:
        raise ctx.error(path, str(exc)) from None


def read_activity(ctx: ParamContext, spec: Mapping[str, Any], path: str, name: str) -> tuple[Activity, tuple[str, ...]]:
    """The activity of the population block ``spec`` and the population-level keys it used."""
    celltype = ctx.required(spec, "celltype", path, " ('spiketrain', 'pointcell' or a dict of both)")
    if celltype == "spiketrain":
        return Activity(_poisson(ctx, spec, path)), POISSON_KEYS
    if celltype == "pointcell":
        component, used = _pointcell(ctx, spec, path, name)
        return Activity(component), used
    if isinstance(celltype, Mapping):
        components: list[Any] = []
        for kind, sub in celltype.items():
            sub_path = f"{path}.celltype.{kind}"
            if kind == "spiketrain":
                sub = ctx.mapping(sub, sub_path)
                components.append(_poisson(ctx, sub, sub_path))
                ctx.warn_ignored(sub_path, [k for k in sub if k not in POISSON_KEYS])
            elif kind == "pointcell":
                sub = ctx.mapping(sub, sub_path)
                component, used = _pointcell(ctx, sub, sub_path, name)
                components.append(component)
                ctx.warn_ignored(sub_path, [k for k in sub if k not in used])
            else:
                raise ctx.error(sub_path, f"{kind!r} is not a spike source: allowed are 'spiketrain', 'pointcell'",
                                value=kind, allowed="spiketrain, pointcell")
        return Activity(tuple(components)), ()
    raise ctx.error(f"{path}.celltype", f"expected 'spiketrain', 'pointcell' or a dict of them, found {celltype!r}",
                    value=celltype, allowed="spiketrain, pointcell, or a dict of them")


def _poisson_dict(poisson: Poisson) -> dict[str, Any]:
    out: dict[str, Any] = {"interval": poisson.interval_ms}
    if poisson.noise != 1.0 or poisson.start_ms != 0.0:
        out["noise"] = poisson.noise  # ISF reads 'start' only together with 'noise'
        out["start"] = poisson.start_ms
    if poisson.n_spikes is not None:
        out["nspikes"] = poisson.n_spikes
    return out


def _pointcell_dict(component: Any) -> dict[str, Any]:
    dist = _CLASS_TO_NAME[type(component)]
    out: dict[str, Any] = {"distribution": dist}
    for key, field, kind, _ in POINTCELL_KEYS[dist][1]:
        value = getattr(component, field)
        if kind == "pairs":
            value = [tuple(b) for b in value]
        elif kind in ("numbers", "counts"):
            value = list(value)
        out[key] = value
    return out


def activity_dict(name: str, activity: Activity) -> dict[str, Any]:
    """The legacy keys of ``activity`` for the population block ``name``: ``celltype`` with the
    generator keys at population level for one generator, or the ``celltype`` dict.

    Raises:
        ValueError: the activity cannot be written (no generator, or two of the same kind).
    """
    kinds = ["spiketrain" if isinstance(c, Poisson) else "pointcell" for c in activity.components]
    if not kinds or len(set(kinds)) != len(kinds):
        raise ValueError(f"population {name}: a legacy file holds at most one spiketrain and one pointcell "
                         f"generator, the activity has {', '.join(type(c).__name__ for c in activity.components)}")
    if len(kinds) == 1:
        component = activity.components[0]
        if isinstance(component, Poisson):
            return {"celltype": "spiketrain", **_poisson_dict(component)}
        return {"celltype": "pointcell", **_pointcell_dict(component)}
    return {"celltype": {kind: (_poisson_dict(c) if isinstance(c, Poisson) else _pointcell_dict(c))
                         for kind, c in zip(kinds, activity.components)}}
