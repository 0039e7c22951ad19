"""Typed set-up of a synapse-tuning experiment: the connection, the run, the train protocol.

Every value is a frozen ``attrs`` class validated on construction; a wrong value fails where it was
written with the class, field, value and what is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.backends.neuron.hoc_template import HocTemplateCell
from isf.errors import UnknownNameError
from isf.model.cell import Cell
from isf.model.site import ApicalTrunk, Landmark, SectionSite, Soma
from isf.model.validation import (
    fail,
    finite,
    finite_mapping,
    non_negative,
    non_negative_int,
    positive,
    positive_int,
    to_float,
    to_float_dict,
)
from isf.synapse_tuner.synapse_types import SYNAPSE_TYPES, SynapseType

_SITES = (Soma, SectionSite, ApicalTrunk, Landmark)


def _weights(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (float(value),)
    if isinstance(value, (list, tuple)):
        return tuple(to_float(v) for v in value)
    return value


_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")


def _check_mechanism(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        fail(
            instance,
            attribute,
            value,
            "a POINT_PROCESS name with a NET_RECEIVE block: one of "
            + ", ".join(repr(k) for k in SYNAPSE_TYPES)
            + ", or a user mechanism (compiled from mechanisms_dir)",
        )


def _check_parameters(instance: ConnectionSettings, attribute: attrs.Attribute[Any], value: Any) -> None:
    finite_mapping(instance, attribute, value)
    if instance.mechanism not in SYNAPSE_TYPES:
        return  # a user mechanism: checked against NEURON's description when the tuner loads it
    allowed = SYNAPSE_TYPES[instance.mechanism].parameters
    unknown = sorted(set(value) - allowed)
    if unknown:
        fail(
            instance,
            attribute,
            unknown,
            f"parameters of {instance.mechanism}: {', '.join(sorted(allowed))}",
        )


def _check_weights(instance: ConnectionSettings, attribute: attrs.Attribute[Any], value: Any) -> None:
    known = SYNAPSE_TYPES.get(instance.mechanism)
    n = known.n_weights if known is not None else len(value) if isinstance(value, tuple) and value else 1
    if not isinstance(value, tuple) or len(value) != n:
        fail(
            instance,
            attribute,
            value,
            f"{n} NetCon weight(s) in nS for {instance.mechanism}",
        )
    for w in value:
        non_negative(instance, attribute, w)


def _check_site(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, _SITES):
        fail(
            instance,
            attribute,
            value,
            "a site: " + ", ".join(c.__name__ for c in _SITES),
        )


def _check_cell(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, (Cell, HocTemplateCell)):
        fail(
            instance,
            attribute,
            value,
            "an isf Cell, a HocTemplateCell, or None for the built-in one-compartment cell",
        )


def _check_stochastic(instance: ConnectionSettings, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        fail(instance, attribute, value, "True or False")
    known = SYNAPSE_TYPES.get(instance.mechanism)
    if value and (known is None or not known.stochastic):
        stochastic = [k for k, v in SYNAPSE_TYPES.items() if v.stochastic]
        fail(
            instance,
            attribute,
            value,
            f"False for {instance.mechanism} (stochastic release: {stochastic})",
        )


def _boolean(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        fail(instance, attribute, value, "True or False")


def _optional_name(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not _IDENTIFIER.match(value)):
        fail(instance, attribute, value, "None or a variable name of the synapse (e.g. 'i')")


def _names(value: Any) -> Any:
    return (value,) if isinstance(value, str) else tuple(value) if isinstance(value, (list, tuple)) else value


def _check_names(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) and _IDENTIFIER.match(v) for v in value):
        fail(instance, attribute, value, "a list of variable names")


def _optional_folder(value: Any) -> Any:
    return None if value is None else Path(value).expanduser().resolve() if isinstance(value, (str, Path)) else value


def _optional_float(value: Any) -> Any:
    return None if value is None else to_float(value)


def _check_optional_finite(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        finite(instance, attribute, value)


def _check_seed(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    non_negative_int(instance, attribute, value)
    if value >= 2**53:
        fail(instance, attribute, value, "an integer in [0, 2**53)")


@attrs.frozen
class ConnectionSettings:
    """One synapse on a postsynaptic cell, driven by a presynaptic spike source.

    Attributes:
        mechanism: synapse point process, one of :data:`~isf.synapse_tuner.synapse_types.SYNAPSE_TYPES`
            (``tm_ampa_nmda``, ``tm_gabaa``, legacy ``glutamate_syn``, ``gaba_syn``).
        weights_nS: NetCon weight(s), nS (``glutamate_syn``: AMPA and NMDA; the others: one).
        parameters: RANGE parameters of the point process in its units (ms, mV, mM, 1),
            e.g. ``{"Use": 0.2, "Dep": 50, "Fac": 300}``; unset ones keep the mod file's defaults.
        site: where the synapse sits (default the soma centre).
        cell: the postsynaptic :class:`~isf.Cell` or a hoc template (:class:`HocTemplateCell`, bmtool's
            ``post_cell``); ``None`` = the built-in one-compartment cell
            (:func:`~isf.synapse_tuner.cell.simple_cell`).
        delay_ms: NetCon delay between the presynaptic spike and the conductance onset, ms.
        threshold_mV: NetCon threshold (irrelevant for the artificial spike source; kept for
            completeness), mV.
        stochastic: binary release with probability ``u·R`` (Tsodyks–Markram types only).
        seed: integer seed of the synapse's release generator (recorded in every result).
        hold_mV: this connection's holding potential in voltage clamp (bmtool's ``vclamp_amp``),
            mV; also its initial potential. ``None``: the general settings' ``hold_mV``.
        current_name: the synapse's current variable measured in voltage clamp (nA); ``None``:
            the known type's currents, else ``i``.
        record: further variables to record and plot (bmtool's ``other_vars_to_record``): the
            point process's (``g_NMDA``, ``u``, ``R`` …) or RANGE variables of its segment.
        mechanisms_dir: a folder of the user's ``.mod`` files (compiled with isf's content-hashed
            cache and loaded before the synapse is made); ``None``: the project's mechanisms only.
    """

    mechanism: str = attrs.field(validator=_check_mechanism)
    weights_nS: tuple[float, ...] = attrs.field(default=(1.0,), converter=_weights, validator=_check_weights)
    parameters: dict[str, float] = attrs.field(factory=dict, converter=to_float_dict, validator=_check_parameters)
    site: Soma | SectionSite | ApicalTrunk | Landmark = attrs.field(factory=Soma, validator=_check_site)
    cell: Cell | HocTemplateCell | None = attrs.field(default=None, validator=_check_cell, repr=False)
    delay_ms: float = attrs.field(default=0.0, converter=to_float, validator=non_negative)
    threshold_mV: float = attrs.field(default=0.0, converter=to_float, validator=finite)
    stochastic: bool = attrs.field(default=False, validator=_check_stochastic)
    seed: int = attrs.field(default=0, validator=_check_seed)
    hold_mV: float | None = attrs.field(default=None, converter=_optional_float, validator=_check_optional_finite)
    current_name: str | None = attrs.field(default=None, validator=_optional_name)
    record: tuple[str, ...] = attrs.field(default=(), converter=_names, validator=_check_names)
    mechanisms_dir: Path | None = attrs.field(default=None, converter=_optional_folder)

    @property
    def synapse_type(self) -> SynapseType:
        """The :class:`~isf.synapse_tuner.synapse_types.SynapseType` of a known :attr:`mechanism`
        (a user mechanism's is read from NEURON by the tuner: ``SynapseTuner.synapse_type``)."""
        known = SYNAPSE_TYPES.get(self.mechanism)
        if known is None:
            raise UnknownNameError(
                f"{self.mechanism!r} is not a built-in synapse type ({', '.join(SYNAPSE_TYPES)}): a user "
                "mechanism's type is read from NEURON when the tuner opens (SynapseTuner.synapse_type)"
            )
        return known

    def with_parameters(self, **parameters: float) -> ConnectionSettings:
        """A copy with some parameters changed (validated)."""
        return attrs.evolve(self, parameters={**self.parameters, **parameters})


def _pair(value: Any) -> Any:
    return tuple(to_float(v) for v in value) if isinstance(value, (list, tuple)) else value


def _check_rise_interval(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(v, float) for v in value)
        or not 0.0 < value[0] < value[1] < 1.0
    ):
        fail(
            instance,
            attribute,
            value,
            "two fractions (low, high) with 0 < low < high < 1",
        )


@attrs.frozen
class GeneralSettings:
    """How the synapse is measured and the simulation run.

    Attributes:
        vclamp: ``True``: the soma is voltage-clamped at ``hold_mV`` and the measured trace is the
            synaptic current (nA, positive outward: EPSCs are negative); ``False``: current clamp,
            the measured trace is the soma membrane potential (mV).
        hold_mV: holding potential of the clamp, mV.
        v_init_mV: initial membrane potential, mV.
        series_resistance_MOhm: series resistance of the somatic voltage clamp (``SEClamp.rs``), MΩ.
        dt_ms: fixed time step, or CVode's first step, ms.
        cvode: variable time step (CVode) — much faster on a detailed cell; the traces keep the
            integrator's own time points.
        cvode_atol: CVode absolute tolerance.
        celsius_degC: temperature, °C.
        tstart_ms: time of the first presynaptic spike (the cell settles before it), ms.
        tdur_ms: time simulated after the last presynaptic spike, ms.
        baseline_ms: length of the window before the first spike whose mean is the baseline, ms.
        rise_interval: fractions of the amplitude between which the rise time is measured.
    """

    vclamp: bool = attrs.field(default=True, validator=_boolean)
    hold_mV: float = attrs.field(default=-70.0, converter=to_float, validator=finite)
    v_init_mV: float = attrs.field(default=-70.0, converter=to_float, validator=finite)
    series_resistance_MOhm: float = attrs.field(default=0.01, converter=to_float, validator=positive)
    dt_ms: float = attrs.field(default=0.025, converter=to_float, validator=positive)
    cvode: bool = attrs.field(default=False, validator=_boolean)
    cvode_atol: float = attrs.field(default=1e-5, converter=to_float, validator=positive)
    celsius_degC: float = attrs.field(default=34.0, converter=to_float, validator=finite)
    tstart_ms: float = attrs.field(default=100.0, converter=to_float, validator=positive)
    tdur_ms: float = attrs.field(default=100.0, converter=to_float, validator=positive)
    baseline_ms: float = attrs.field(default=5.0, converter=to_float, validator=positive)
    rise_interval: tuple[float, float] = attrs.field(
        default=(0.1, 0.9), converter=_pair, validator=_check_rise_interval
    )


@attrs.frozen
class TrainSettings:
    """A regular presynaptic train followed, after a pause, by recovery pulses.

    ``n_pulses`` spikes at ``frequency_Hz``, then ``n_recovery`` spikes at the same frequency,
    the first of them ``recovery_delay_ms`` after the last spike of the train (default 8 + 4
    after 250 ms).

    Attributes:
        frequency_Hz: spike frequency within the train and the recovery pulses, Hz.
        n_pulses: spikes in the train (≥ 2).
        recovery_delay_ms: interval from the last train spike to the first recovery spike, ms.
        n_recovery: recovery spikes (0 … n_pulses).
    """

    frequency_Hz: float = attrs.field(default=50.0, converter=to_float, validator=positive)
    n_pulses: int = attrs.field(default=8)
    recovery_delay_ms: float = attrs.field(default=250.0, converter=to_float, validator=positive)
    n_recovery: int = attrs.field(default=4)

    @n_pulses.validator
    def _check_n_pulses(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        positive_int(self, attribute, value)
        if value < 2:
            fail(
                self,
                attribute,
                value,
                "an integer >= 2 (the paired-pulse ratio needs two pulses)",
            )

    @n_recovery.validator
    def _check_n_recovery(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        non_negative_int(self, attribute, value)
        if value > self.n_pulses:
            fail(self, attribute, value, f"an integer in [0, n_pulses = {self.n_pulses}]")

    @property
    def interval_ms(self) -> float:
        """Interval between spikes of the train, ms."""
        return 1000.0 / self.frequency_Hz

    def spike_times(self, tstart_ms: float) -> NDArray[np.float64]:
        """Presynaptic spike times, ms, the first at ``tstart_ms``."""
        train = tstart_ms + self.interval_ms * np.arange(self.n_pulses)
        recovery = train[-1] + self.recovery_delay_ms + self.interval_ms * np.arange(self.n_recovery)
        return np.concatenate([train, recovery])
