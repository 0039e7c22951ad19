"""Network modifiers (LEGACY_FORMATS §4.7), each a frozen value with its legacy function name.

Two kinds:

* **after wiring** (legacy ``network_modify_functions``): :class:`SilenceBySomaDistance` and
  :class:`SilenceBySomaDistanceAndSource` remove releases of one drawn trial
  (:func:`isf.model.trial_input.realize_input` applies them after the release draws, so the
  other draws of the trial do not change);
* **on the parameters before the run** (legacy ``network_param_modify_functions``):
  :class:`ChangeOngoingInterval`, :class:`SetStimulusOnset`, :class:`ChangeGlutamateWeights`,
  :class:`ChangeEvokedInhibitionScaling`, :class:`InactivateEvokedActivity`,
  :class:`InactivateActivity`, :class:`MultiStimulusTrial` — each maps one population to a
  changed population (:meth:`apply`), named ``<celltype>_<column>``.

Populations are handled by duck typing (``name``, ``activity``, ``receptors``) so this module
does not import :mod:`isf.model.network`, which holds the modifiers.
"""

from __future__ import annotations

from typing import Any, ClassVar, Union

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.model.activity import PSTH, Activity, Poisson
from isf.model.cell_types import ISF_EXCITATORY_CELL_TYPES
from isf.model.spike_trains import SPIKE_SOURCES, source_code
from isf.model.validation import fail, finite, non_negative, positive_int, to_float


def _names(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _check_names(instance: Any, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
    if not all(isinstance(v, str) and v for v in value):
        fail(instance, attribute, value, "non-empty names")


def _ranges(value: Any) -> dict[str, tuple[float, float]]:
    return {k: (float(v[0]), float(v[1])) for k, v in dict(value).items()}


def _check_ranges(instance: Any, attribute: attrs.Attribute[Any], value: dict[str, tuple[float, float]]) -> None:
    for name, (low, high) in value.items():
        if not isinstance(name, str) or "_" not in name or not np.isfinite([low, high]).all() or high < low:
            fail(instance, attribute, {name: (low, high)},
                 "population names '<celltype>_<column>' → [min, max) soma distances, µm, min <= max")


@attrs.frozen
class SilenceBySomaDistance:
    """Silence every synapse of the named populations whose geometric soma distance lies in
    ``[min, max)`` (legacy ``silence_synapses_by_somadist``).

    Attributes:
        ranges_um: population name → (min, max) soma distance, µm.
    """

    legacy_name: ClassVar[str] = "silence_synapses_by_somadist"
    ranges_um: dict[str, tuple[float, float]] = attrs.field(converter=_ranges, validator=_check_ranges)

    def silenced(self, name: str, distance_um: NDArray[np.float64], sources: NDArray[np.int8]) -> NDArray[np.bool_]:
        """Which releases (at synapses ``distance_um``, from spikes tagged ``sources``) are removed."""
        if name not in self.ranges_um:
            return np.zeros(distance_um.shape[0], dtype=bool)
        low, high = self.ranges_um[name]
        return (distance_um >= low) & (distance_um < high)


def _check_sources(instance: Any, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    unknown = [v for v in value if v not in SPIKE_SOURCES]
    if unknown:
        fail(instance, attribute, unknown, "spike-source tags: " + ", ".join(SPIKE_SOURCES))


@attrs.frozen
class SilenceBySomaDistanceAndSource:
    """Inside ``[min, max)`` keep only releases whose presynaptic spike carries one of ``sources``
    (legacy ``silence_synapses_by_somadist_and_spike_source``).

    Attributes:
        ranges_um: population name → (min, max) soma distance, µm.
        sources: spike-source tags to keep (:data:`~isf.model.spike_trains.SPIKE_SOURCES`).
    """

    legacy_name: ClassVar[str] = "silence_synapses_by_somadist_and_spike_source"
    ranges_um: dict[str, tuple[float, float]] = attrs.field(converter=_ranges, validator=_check_ranges)
    sources: tuple[str, ...] = attrs.field(converter=_names, validator=_check_sources)

    def silenced(self, name: str, distance_um: NDArray[np.float64], sources: NDArray[np.int8]) -> NDArray[np.bool_]:
        """Which releases (at synapses ``distance_um``, from spikes tagged ``sources``) are removed."""
        inside = SilenceBySomaDistance(self.ranges_um).silenced(name, distance_um, sources)
        kept = np.isin(sources, [source_code(s) for s in self.sources])
        return inside & ~kept


WiringModifier = Union[SilenceBySomaDistance, SilenceBySomaDistanceAndSource]


def _replace(activity: Activity, kind: type, change: Any) -> Activity:
    return Activity(tuple(change(c) if isinstance(c, kind) else c for c in activity.components))


@attrs.frozen
class ChangeOngoingInterval:
    """Multiply the ongoing (``spiketrain``) interval of the named cell types by ``factor``
    (legacy ``change_ongoing_interval``; factor 2 halves the ongoing rate).

    Attributes:
        factor: interval factor (> 0).
        cell_types: cell types affected (legacy ``pop``).
    """

    legacy_name: ClassVar[str] = "change_ongoing_interval"
    factor: float = attrs.field(converter=to_float, validator=finite)
    cell_types: tuple[str, ...] = attrs.field(converter=_names, validator=_check_names)

    @factor.validator
    def _positive(self, attribute: attrs.Attribute[float], value: float) -> None:
        if not value > 0:
            fail(self, attribute, value, "a factor > 0")

    def apply(self, population: Any) -> Any:
        """The population with its ongoing interval scaled (others unchanged)."""
        if population.cell_type not in self.cell_types:
            return population
        return attrs.evolve(population, activity=_replace(
            population.activity, Poisson, lambda p: attrs.evolve(p, interval_ms=p.interval_ms * self.factor)))


def _has_offset(component: Any) -> bool:
    return not isinstance(component, Poisson)


@attrs.frozen
class SetStimulusOnset:
    """Set the onset (``offset``) of every point-cell generator of populations that mix ongoing and
    evoked activity (legacy ``set_stim_onset``; ISF only touches the ``celltype`` dict form).

    Attributes:
        onset_ms: new onset, ms.
    """

    legacy_name: ClassVar[str] = "set_stim_onset"
    onset_ms: float = attrs.field(converter=to_float, validator=finite)

    def apply(self, population: Any) -> Any:
        """The population with its point-cell onsets moved."""
        components = population.activity.components
        if len(components) < 2:
            return population
        return attrs.evolve(population, activity=Activity(tuple(
            attrs.evolve(c, offset_ms=self.onset_ms) if _has_offset(c) else c for c in components)))


def _weights(value: Any) -> dict[str, tuple[float, float]]:
    out = {}
    for key, w in dict(value).items():
        pair = (w, w) if isinstance(w, (int, float)) else tuple(w)
        out[key] = (float(pair[0]), float(pair[1]))
    return out


@attrs.frozen
class ChangeGlutamateWeights:
    """Set the ``glutamate_syn`` weights (AMPA, NMDA) of the named cell types (legacy
    ``change_glutamate_syn_weights``): the key of ``weights_nS`` contained in the cell type
    (ISF's substring match, exactly one must match) gives its weights.

    Attributes:
        weights_nS: key → (AMPA, NMDA) peak conductances, nS (one number sets both).
        cell_types: cell types affected (legacy ``pop``; ISF's default: its excitatory list).
    """

    legacy_name: ClassVar[str] = "change_glutamate_syn_weights"
    weights_nS: dict[str, tuple[float, float]] = attrs.field(converter=_weights)
    cell_types: tuple[str, ...] = attrs.field(default=ISF_EXCITATORY_CELL_TYPES, converter=_names,
                                              validator=_check_names)

    @weights_nS.validator
    def _check(self, attribute: attrs.Attribute[Any], value: dict[str, tuple[float, float]]) -> None:
        if not value or not all(np.isfinite(w).all() and min(w) >= 0 for w in value.values()):
            fail(self, attribute, value, "cell type → (AMPA, NMDA) weights >= 0, nS")

    def apply(self, population: Any) -> Any:
        """The population with new glutamate weights.

        Raises:
            ModelValueError: not exactly one key of ``weights_nS`` is contained in its cell type.
        """
        cell_type = population.cell_type
        if cell_type not in self.cell_types:
            return population
        keys = [k for k in self.weights_nS if k in cell_type]
        if len(keys) != 1:
            fail(self, attrs.fields(ChangeGlutamateWeights).weights_nS, sorted(self.weights_nS),
                 f"exactly one key contained in cell type {cell_type!r} (found {keys})")
        weights = self.weights_nS[keys[0]]
        return attrs.evolve(population, receptors=tuple(
            attrs.evolve(r, weights_nS=weights) if r.mechanism == "glutamate_syn" else r
            for r in population.receptors))


@attrs.frozen
class ChangeEvokedInhibitionScaling:
    """Multiply the PSTH probabilities of the named cell types by ``factor`` (legacy
    ``change_evoked_INH_scaling``).

    Attributes:
        factor: probability factor.
        cell_types: cell types affected (legacy ``pop``; ISF's default list ``["INH"]`` matches
            no barrel-cortex cell type, so name the types).
    """

    legacy_name: ClassVar[str] = "change_evoked_INH_scaling"
    factor: float = attrs.field(converter=to_float, validator=finite)
    cell_types: tuple[str, ...] = attrs.field(default=("INH",), converter=_names, validator=_check_names)

    def apply(self, population: Any) -> Any:
        """The population with its PSTH probabilities scaled."""
        if population.cell_type not in self.cell_types:
            return population
        return attrs.evolve(population, activity=_replace(population.activity, PSTH, lambda p: attrs.evolve(
            p, probabilities=tuple(q * self.factor for q in p.probabilities))))


def _matches(population: Any, cell_types: tuple[str, ...], columns: tuple[str, ...]) -> bool:
    # ISF's rule: the column 'S1' stands for every column
    return population.cell_type in cell_types and (population.column in columns or "S1" in columns)


@attrs.frozen
class InactivateEvokedActivity:
    """Set the PSTH probabilities of the named cell types in the named columns to 0 (legacy
    ``inactivate_evoked_activity_by_celltype_and_column``; column ``S1`` = every column).

    Attributes:
        cell_types: cell types (legacy ``inact_celltypes``).
        columns: columns (legacy ``inact_column``).
    """

    legacy_name: ClassVar[str] = "inactivate_evoked_activity_by_celltype_and_column"
    cell_types: tuple[str, ...] = attrs.field(converter=_names, validator=_check_names)
    columns: tuple[str, ...] = attrs.field(converter=_names, validator=_check_names)

    def apply(self, population: Any) -> Any:
        """The population without evoked PSTH spikes."""
        if not _matches(population, self.cell_types, self.columns):
            return population
        return attrs.evolve(population, activity=_replace(population.activity, PSTH, lambda p: attrs.evolve(
            p, probabilities=(0.0,) * len(p.probabilities))))


@attrs.frozen
class InactivateActivity:
    """Silence the named cell types in the named columns entirely (legacy
    ``inactivate_evoked_and_ongoing_activity_by_celltype_and_column``, which deletes the populations;
    here they stay, with an activity of no generator, so trials keep their population order).

    Attributes:
        cell_types: cell types (legacy ``inact_celltypes``).
        columns: columns (legacy ``inact_column``; ``S1`` = every column).
    """

    legacy_name: ClassVar[str] = "inactivate_evoked_and_ongoing_activity_by_celltype_and_column"
    cell_types: tuple[str, ...] = attrs.field(converter=_names, validator=_check_names)
    columns: tuple[str, ...] = attrs.field(converter=_names, validator=_check_names)

    def apply(self, population: Any) -> Any:
        """The population, silent if it matches."""
        if not _matches(population, self.cell_types, self.columns):
            return population
        return attrs.evolve(population, activity=Activity(()))


def _optional_floats(value: Any) -> tuple[float, ...] | None:
    return None if value is None else tuple(float(v) for v in value)


@attrs.frozen
class MultiStimulusTrial:
    """Repeat every PSTH ``n_stimuli`` times, ``interval_ms`` apart, optionally scaling the
    probabilities of the k-th repeat by ``scale_factors[k]`` for the named cell types (legacy
    ``multi_stimulus_trial``).

    Attributes:
        interval_ms: time between stimuli (``inter_stimulus_interval``), ms.
        n_stimuli: number of stimuli (``stims``).
        scale_factors: one probability factor per stimulus, or ``None``.
        cell_types: cell types the factors apply to (``pop``); others repeat unscaled.
    """

    legacy_name: ClassVar[str] = "multi_stimulus_trial"
    interval_ms: float = attrs.field(default=100.0, converter=to_float, validator=non_negative)
    n_stimuli: int = attrs.field(default=100, validator=positive_int)
    scale_factors: tuple[float, ...] | None = attrs.field(default=None, converter=_optional_floats)
    cell_types: tuple[str, ...] = attrs.field(default=(), converter=_names, validator=_check_names)

    @scale_factors.validator
    def _check(self, attribute: attrs.Attribute[Any], value: tuple[float, ...] | None) -> None:
        if value is not None and len(value) != self.n_stimuli:
            fail(self, attribute, value, f"one factor per stimulus ({self.n_stimuli})")

    def _repeat(self, psth: PSTH, scaled: bool) -> PSTH:
        factors = self.scale_factors if scaled and self.scale_factors is not None else (1.0,) * self.n_stimuli
        intervals = [(t0 + self.interval_ms * k, t1 + self.interval_ms * k)
                     for k in range(len(factors)) for t0, t1 in psth.intervals_ms]
        probabilities = [p * f for f in factors for p in psth.probabilities]
        return attrs.evolve(psth, intervals_ms=intervals, probabilities=probabilities)

    def apply(self, population: Any) -> Any:
        """The population with its PSTHs repeated."""
        scaled = population.cell_type in self.cell_types
        return attrs.evolve(population, activity=_replace(population.activity, PSTH,
                                                          lambda p: self._repeat(p, scaled)))


ParameterModifier = Union[ChangeOngoingInterval, SetStimulusOnset, ChangeGlutamateWeights,
                          ChangeEvokedInhibitionScaling, InactivateEvokedActivity, InactivateActivity,
                          MultiStimulusTrial]
NetworkModifier = Union[WiringModifier, ParameterModifier]
#: Classes of each kind, and every class by its legacy function name.
WIRING_MODIFIERS: tuple[type, ...] = (SilenceBySomaDistance, SilenceBySomaDistanceAndSource)
PARAMETER_MODIFIERS: tuple[type, ...] = (ChangeOngoingInterval, SetStimulusOnset, ChangeGlutamateWeights,
                                         ChangeEvokedInhibitionScaling, InactivateEvokedActivity,
                                         InactivateActivity, MultiStimulusTrial)
NETWORK_MODIFIERS: dict[str, type] = {getattr(c, "legacy_name"): c for c in (*WIRING_MODIFIERS, *PARAMETER_MODIFIERS)}
