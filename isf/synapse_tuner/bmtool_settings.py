"""bmtool-style settings: ``general_settings`` and ``conn_type_settings`` dicts (or a JSON/YAML file
of them) read into the typed :class:`TunerSettings`.

The keys are bmtool's (its names and meanings, our units):

``general_settings``
    ``vclamp`` (bool), ``rise_interval`` ((low, high) fractions), ``tstart`` (ms, first spike),
    ``tdur`` (ms simulated after the last spike), ``threshold`` (NetCon threshold, mV), ``delay``
    (NetCon delay, ms), ``weight`` (NetCon weight, the synapse's unit: nS for isf's synapses),
    ``dt`` (ms), ``celsius`` (°C); isf's further ``v_init`` (mV), ``cvode`` (bool).

``conn_type_settings`` — ``{name: {"spec_settings": {…}, "spec_syn_param": {…}}}``
    ``spec_settings``: ``post_cell`` (a hoc template name from ``templates_dir``, or an isf
    ``Cell``; omitted: the built-in one-compartment cell), ``vclamp_amp`` (holding potential,
    mV), ``sec_id`` (index into the template's ``all`` list, or the isf cell's section id),
    ``sec_x`` (0–1), ``level_of_detail`` (the synapse's POINT_PROCESS name); ``spec_syn_param``:
    the mechanism's parameters (checked against the compiled mechanism when the tuner opens).

A file holds ``{"general_settings": …, "conn_type_settings": …}`` and optionally
``mechanisms_dir``, ``templates_dir`` (relative to the file), ``current_name``,
``other_vars_to_record``, ``slider_vars``. An unknown key anywhere raises
:class:`~isf.errors.ModelValueError` naming it and the allowed keys.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import yaml

from isf.backends.neuron.hoc_template import HocTemplateCell
from isf.errors import FileFormatError, ModelValueError
from isf.model.cell import Cell
from isf.model.site import SectionSite, Soma
from isf.synapse_tuner.settings import ConnectionSettings, GeneralSettings

__all__ = [
    "CONNECTION_KEYS",
    "EXAMPLE_CONN_TYPE_SETTINGS",
    "EXAMPLE_GENERAL_SETTINGS",
    "GENERAL_KEYS",
    "SPEC_KEYS",
    "TunerSettings",
    "example_settings",
    "read_tuner_settings",
]

#: bmtool general_settings key → GeneralSettings field (None: a ConnectionSettings field, below)
GENERAL_KEYS: Mapping[str, str] = {
    "vclamp": "vclamp",
    "rise_interval": "rise_interval",
    "tstart": "tstart_ms",
    "tdur": "tdur_ms",
    "dt": "dt_ms",
    "celsius": "celsius_degC",
    "v_init": "v_init_mV",
    "cvode": "cvode",
    "threshold": "threshold_mV",
    "delay": "delay_ms",
    "weight": "weights_nS",
}
_CONNECTION_FROM_GENERAL = ("threshold_mV", "delay_ms", "weights_nS")
#: keys of one connection
CONNECTION_KEYS: tuple[str, ...] = ("spec_settings", "spec_syn_param")
#: keys of spec_settings
SPEC_KEYS: tuple[str, ...] = ("post_cell", "vclamp_amp", "sec_x", "sec_id", "level_of_detail")
_FILE_KEYS = (
    "general_settings",
    "conn_type_settings",
    "mechanisms_dir",
    "templates_dir",
    "current_name",
    "other_vars_to_record",
    "slider_vars",
)


def _check_keys(owner: str, given: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
    if not isinstance(given, Mapping):
        raise ModelValueError(owner, path, given, "a mapping with keys " + ", ".join(allowed))
    for key in given:
        if key not in allowed:
            raise ModelValueError(owner, key, given[key], "one of the keys " + ", ".join(allowed), path=path)


@attrs.frozen
class TunerSettings:
    """Several connections measured with one set of general settings, and the sliders to show.

    Attributes:
        general: how every connection is measured and simulated.
        connections: name → connection (in the given order).
        slider_vars: parameters with a slider in the interactive tuner (default: each connection's
            given parameters).
    """

    general: GeneralSettings
    connections: dict[str, ConnectionSettings]
    slider_vars: tuple[str, ...] = ()

    @classmethod
    def from_bmtool(
        cls,
        general_settings: Mapping[str, Any],
        conn_type_settings: Mapping[str, Mapping[str, Any]],
        *,
        mechanisms_dir: str | os.PathLike[str] | None = None,
        templates_dir: str | os.PathLike[str] | None = None,
        current_name: str | None = None,
        other_vars_to_record: Sequence[str] = (),
        slider_vars: Sequence[str] = (),
        general: GeneralSettings | None = None,
    ) -> TunerSettings:
        """Read bmtool's two dicts (keys in the module docstring); ``general`` gives the isf
        defaults the dicts do not set (e.g. ``cvode``)."""
        _check_keys("general_settings", general_settings, list(GENERAL_KEYS), "general_settings")
        base = general if general is not None else GeneralSettings()
        mapped = {GENERAL_KEYS[k]: v for k, v in general_settings.items()}
        conn_defaults = {k: mapped.pop(k) for k in _CONNECTION_FROM_GENERAL if k in mapped}
        general_value = attrs.evolve(base, **mapped)
        if not isinstance(conn_type_settings, Mapping) or not conn_type_settings:
            raise ModelValueError(
                "conn_type_settings", "conn_type_settings", conn_type_settings, "a non-empty mapping name -> connection"
            )
        connections = {}
        for name, conn in conn_type_settings.items():
            where = f"conn_type_settings[{name!r}]"
            _check_keys(where, conn, CONNECTION_KEYS, where)
            spec = dict(conn.get("spec_settings", {}))
            _check_keys(f"{where}.spec_settings", spec, SPEC_KEYS, f"{where}.spec_settings")
            if "level_of_detail" not in spec:
                raise ModelValueError(
                    f"{where}.spec_settings", "level_of_detail", None, "the synapse's POINT_PROCESS name"
                )
            post = spec.get("post_cell")
            cell: Cell | HocTemplateCell | None
            if post is None or isinstance(post, Cell):
                cell = post
            elif isinstance(post, str):
                cell = HocTemplateCell(post, Path(templates_dir) if templates_dir is not None else None)
            else:
                raise ModelValueError(
                    f"{where}.spec_settings", "post_cell", post, "a hoc template name, an isf Cell, or omitted"
                )
            site = SectionSite(int(spec["sec_id"]), spec.get("sec_x", 0.5)) if "sec_id" in spec else Soma()
            if "sec_id" not in spec and "sec_x" in spec:
                site = SectionSite(0, spec["sec_x"])
            connections[str(name)] = ConnectionSettings(
                mechanism=spec["level_of_detail"],
                parameters=dict(conn.get("spec_syn_param", {})),
                site=site,
                cell=cell,
                hold_mV=spec.get("vclamp_amp"),
                current_name=current_name,
                record=tuple(other_vars_to_record),
                mechanisms_dir=Path(mechanisms_dir) if mechanisms_dir is not None else None,
                **conn_defaults,
            )
        return cls(general_value, connections, tuple(slider_vars))

    def slider_names(self, connection: str) -> tuple[str, ...]:
        """The slider parameters of one connection: ``slider_vars``, else its given parameters."""
        return self.slider_vars or tuple(self.connections[connection].parameters)


def read_tuner_settings(path: str | os.PathLike[str], general: GeneralSettings | None = None) -> TunerSettings:
    """Read a JSON (``.json``) or YAML (``.yaml``/``.yml``) file of bmtool settings (module docstring);
    relative ``mechanisms_dir`` and ``templates_dir`` are taken from the file's folder."""
    path = Path(path)
    try:
        text = path.read_text()
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise FileFormatError(path, None, f"not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from None
    if not isinstance(data, dict):
        raise FileFormatError(path, None, "expected a mapping with general_settings and conn_type_settings")
    for key in data:
        if key not in _FILE_KEYS:
            raise FileFormatError(path, None, f"unknown key {key!r}: allowed are {', '.join(_FILE_KEYS)}")

    def folder(key: str) -> Path | None:
        value = data.get(key)
        return None if value is None else (path.parent / Path(value).expanduser()).resolve()

    return TunerSettings.from_bmtool(
        data.get("general_settings", {}),
        data.get("conn_type_settings", {}),
        mechanisms_dir=folder("mechanisms_dir"),
        templates_dir=folder("templates_dir"),
        current_name=data.get("current_name"),
        other_vars_to_record=data.get("other_vars_to_record", ()),
        slider_vars=data.get("slider_vars", ()),
        general=general,
    )


#: general settings of the shipped example (bmtool keys): soma clamped, 20 °C, first spike at 50 ms
EXAMPLE_GENERAL_SETTINGS: Mapping[str, Any] = {
    "vclamp": True,
    "rise_interval": (0.1, 0.9),
    "tstart": 50.0,
    "tdur": 60.0,
    "threshold": -15.0,
    "delay": 1.3,
    "weight": 0.002,
    "dt": 0.025,
    "celsius": 20.0,
}
#: the example's two connections (bmtool's demo pair) on the shipped ``BallAndStick`` template with
#: the user-style ``stp_exp2syn``: a facilitating excitatory one on the dendrite and a depressing
#: inhibitory one on the soma (held at −50 mV, so the IPSC is outward)
EXAMPLE_CONN_TYPE_SETTINGS: Mapping[str, Mapping[str, Any]] = {
    "excitatory (facilitating)": {
        "spec_settings": {
            "post_cell": "BallAndStick",
            "vclamp_amp": -70.0,
            "sec_id": 1,
            "sec_x": 0.3,
            "level_of_detail": "stp_exp2syn",
        },
        "spec_syn_param": {"Use": 0.1, "Dep": 100.0, "Fac": 300.0, "tau_rise": 0.3, "tau_decay": 3.0, "e": 0.0},
    },
    "inhibitory (depressing)": {
        "spec_settings": {
            "post_cell": "BallAndStick",
            "vclamp_amp": -50.0,
            "sec_id": 0,
            "sec_x": 0.5,
            "level_of_detail": "stp_exp2syn",
        },
        "spec_syn_param": {"Use": 0.6, "Dep": 800.0, "Fac": 0.0, "tau_rise": 0.5, "tau_decay": 8.0, "e": -75.0},
    },
}


def example_settings(general: GeneralSettings | None = None) -> TunerSettings:
    """The shipped example (:data:`EXAMPLE_GENERAL_SETTINGS`, :data:`EXAMPLE_CONN_TYPE_SETTINGS`,
    ``isf.data.synapse_tuner_example()``'s template and mechanism), recording ``u`` and ``R``,
    with sliders for ``Use``, ``Dep``, ``Fac`` and ``tau_decay``."""
    from isf.data import synapse_tuner_example

    return TunerSettings.from_bmtool(
        EXAMPLE_GENERAL_SETTINGS,
        EXAMPLE_CONN_TYPE_SETTINGS,
        mechanisms_dir=synapse_tuner_example("mechanisms"),
        templates_dir=synapse_tuner_example("templates"),
        current_name="i",
        other_vars_to_record=("u", "R"),
        slider_vars=("Use", "Dep", "Fac", "tau_decay"),
        general=general,
    )
