"""Synapse statistics by presynaptic cell type: anatomy (a :class:`~isf.model.network.Network`) and
activity (the long ``synapse_activations`` frame of a run store).

Every function is pure: it reads its arguments and returns a new :class:`pandas.DataFrame`.
Units: distances in µm (geometric path length to the soma, ISF's synapse-file definition),
times in ms, rates in Hz.

Population names are ``<celltype>_<column>`` (``L5tt_C2``); the cell type is the part before the
first ``_``, the column the rest (LEGACY_FORMATS §4.1).

**Excitatory / inhibitory.** ``EI`` columns use :func:`isf.model.cell_types.ei_class`: by default
ISF's grouping (:data:`~isf.model.cell_types.ISF_EXCITATORY_CELL_TYPES`, which counts ``L1`` as
excitatory), so they agree with ISF's analyses. ``L1`` cells are GABAergic interneurons and their
receptors here are ``gaba_syn``: pass ``excitatory=EXCITATORY_CELL_TYPES`` (from
:mod:`isf.model.cell_types`) to count them as inhibitory.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from isf.analysis.psth import bin_edges
from isf.errors import ArgumentValueError
from isf.model.cell_types import EXCITATORY_CELL_TYPES, INHIBITORY_CELL_TYPES, ISF_EXCITATORY_CELL_TYPES, ei_class
from isf.model.morphology import canonical_label
from isf.model.network import Network

__all__ = [
    "LABEL_GROUPS",
    "PROXIMAL_LIMIT_UM",
    "activation_summary",
    "activations_per_trial",
    "binned_activations",
    "cell_type_of",
    "celltype_synapse_table",
    "column_of",
    "network_synapses",
    "order_cell_types",
    "population_synapse_table",
    "with_groups",
]

#: Synapse-count columns and the canonical section labels they count (other labels: ``n_other``).
LABEL_GROUPS: dict[str, str] = {"apic": "n_apical", "dend": "n_basal", "soma": "n_soma"}

#: ISF's proximal/distal split of synapse-activation binning: ``prox`` below this soma distance, µm.
PROXIMAL_LIMIT_UM = 500.0

GroupBy = Literal["cell_type", "population", "EI", "column", "label", "proximal"]


def cell_type_of(population: str) -> str:
    """Cell type of a population name: the part before the first ``_`` (``L5tt_C2`` → ``L5tt``)."""
    return population.split("_", 1)[0]


def column_of(population: str) -> str:
    """Anatomical column of a population name: the part after the first ``_`` (``L5tt_C2`` → ``C2``;
    ``""`` if the name has no ``_``)."""
    parts = population.split("_", 1)
    return parts[1] if len(parts) == 2 else ""


def order_cell_types(cell_types: Iterable[str], excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES) -> list[str]:
    """Distinct cell types, excitatory first, each group in the order of :data:`~isf.model.cell_types.EXCITATORY_CELL_TYPES`
    then :data:`~isf.model.cell_types.INHIBITORY_CELL_TYPES` (unknown types last, alphabetically)."""
    known = {name: i for i, name in enumerate((*EXCITATORY_CELL_TYPES, *INHIBITORY_CELL_TYPES))}
    distinct = set(cell_types)
    return sorted(distinct, key=lambda c: (ei_class(c, excitatory) != "EXC", c not in known, known.get(c, 0), c))


def _label_group(label: str) -> str:
    try:
        canonical = canonical_label(label)
    except ValueError:
        return "n_other"
    return LABEL_GROUPS.get(canonical, "n_other")


# ---------------------------------------------------------------------------------------- anatomy


def network_synapses(network: Network, excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES) -> pd.DataFrame:
    """Every anatomical synapse of a network, one row each (populations in network order, synapse
    IDs ascending).

    Columns: ``population``, ``cell_type``, ``column``, ``EI``, ``synapse_id``, ``section_id``,
    ``x`` (relative position on the section, 0–1), ``soma_distance_um`` (µm), ``label`` (ISF label),
    ``connected`` (owned by a presynaptic cell: such a synapse can release; others never do).
    """
    parts = []
    for pop in network.populations:
        syn = pop.synapses
        n = len(syn)
        connected = np.zeros(n, dtype=bool)
        connected[pop.connectivity.synapse_id] = True
        parts.append(pd.DataFrame({
            "population": np.full(n, pop.name, dtype=object),
            "cell_type": np.full(n, pop.cell_type, dtype=object),
            "column": np.full(n, pop.column, dtype=object),
            "EI": np.full(n, ei_class(pop.cell_type, excitatory), dtype=object),
            "synapse_id": np.arange(n, dtype=np.int64),
            "section_id": syn.section_id,
            "x": syn.x,
            "soma_distance_um": syn.soma_distance_um,
            "label": np.array(syn.labels, dtype=object),
            "connected": connected,
        }))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
            ("population", object), ("cell_type", object), ("column", object), ("EI", object),
            ("synapse_id", np.int64), ("section_id", np.int64), ("x", float), ("soma_distance_um", float),
            ("label", object), ("connected", bool))})
    return pd.concat(parts, ignore_index=True)


def _anatomy_rows(network: Network, excitatory: Collection[str], ddof: int) -> pd.DataFrame:
    rows = []
    for pop in network.populations:
        syn = pop.synapses
        d = syn.soma_distance_um
        counts = dict.fromkeys((*LABEL_GROUPS.values(), "n_other"), 0)
        for label in syn.labels:
            counts[_label_group(label)] += 1
        rows.append({
            "population": pop.name,
            "cell_type": pop.cell_type,
            "column": pop.column,
            "EI": ei_class(pop.cell_type, excitatory),
            "n_cells": pop.cell_count,
            "n_connected_cells": int(np.unique(pop.connectivity.cell_id).size),
            "n_synapses": len(syn),
            "n_connected_synapses": int(np.unique(pop.connectivity.synapse_id).size),
            "soma_distance_mean_um": float(d.mean()) if d.size else np.nan,
            "soma_distance_sd_um": float(d.std(ddof=ddof)) if d.size > ddof else np.nan,
            **counts,
        })
    return pd.DataFrame(rows, columns=list(_ANATOMY_COLUMNS))


_ANATOMY_COLUMNS = {
    "population": object, "cell_type": object, "column": object, "EI": object, "n_cells": np.int64,
    "n_connected_cells": np.int64, "n_synapses": np.int64, "n_connected_synapses": np.int64,
    "soma_distance_mean_um": float, "soma_distance_sd_um": float, "n_apical": np.int64, "n_basal": np.int64,
    "n_soma": np.int64, "n_other": np.int64,
}
_COUNT_COLUMNS = ("n_cells", "n_connected_cells", "n_synapses", "n_connected_synapses", "n_apical", "n_basal",
                  "n_soma", "n_other")


def population_synapse_table(network: Network, excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES,
                             ddof: int = 0) -> pd.DataFrame:
    """Anatomical synapse statistics per population (rows in network order, index ``population``).

    Columns:
        cell_type, column, EI: from the name (see :func:`~isf.model.cell_types.ei_class` for ``EI``).
        n_cells: presynaptic cells of the population (legacy ``cellNr``).
        n_connected_cells: presynaptic cells owning at least one synapse (``.con`` file).
        n_synapses: anatomical synapses (``.syn`` file).
        n_connected_synapses: synapses owned by a presynaptic cell.
        soma_distance_mean_um, soma_distance_sd_um: mean and standard deviation (``ddof``; default 0,
            the SD of the synapses themselves) of the geometric soma distance of all its synapses, µm
            (NaN without synapses).
        n_apical, n_basal, n_soma, n_other: synapses on ``ApicalDendrite``, ``Dendrite`` (basal),
            ``Soma`` sections, and on anything else (AIS, axon …).
    """
    table = _anatomy_rows(network, excitatory, ddof).astype(_ANATOMY_COLUMNS)
    return table.set_index("population")


def celltype_synapse_table(network: Network, excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES,
                           ddof: int = 0) -> pd.DataFrame:
    """Anatomical synapse statistics per presynaptic cell type, over all its populations (columns).

    Index ``cell_type``, excitatory types first (:func:`order_cell_types`). Columns: ``EI``,
    ``n_populations`` and the columns of :func:`population_synapse_table` summed over the type's
    populations; ``soma_distance_mean_um`` / ``soma_distance_sd_um`` are over *all* synapses of the
    type pooled (not a mean of population means), µm.
    """
    synapses = network_synapses(network, excitatory)
    per_pop = _anatomy_rows(network, excitatory, ddof).astype(_ANATOMY_COLUMNS)
    order = order_cell_types(per_pop["cell_type"], excitatory)
    grouped = per_pop.groupby("cell_type", sort=False)
    table = grouped[list(_COUNT_COLUMNS)].sum()
    table.insert(0, "n_populations", grouped.size())
    table.insert(0, "EI", [ei_class(c, excitatory) for c in table.index])
    distance = synapses.groupby("cell_type", sort=False)["soma_distance_um"]
    table["soma_distance_mean_um"] = distance.mean()
    table["soma_distance_sd_um"] = distance.std(ddof=ddof)
    columns = ["EI", "n_populations", "n_cells", "n_connected_cells", "n_synapses", "n_connected_synapses",
               "soma_distance_mean_um", "soma_distance_sd_um", "n_apical", "n_basal", "n_soma", "n_other"]
    table = table.reindex(order)[columns]
    table.index.name = "cell_type"
    return table.astype({c: np.int64 for c in (*_COUNT_COLUMNS, "n_populations")})


# ---------------------------------------------------------------------------------------- activity


def _population_codes(population: pd.Series) -> tuple[NDArray[np.intp], list[str]]:
    cat = population if isinstance(population.dtype, pd.CategoricalDtype) else population.astype("category")
    return np.asarray(cat.cat.codes, dtype=np.intp), [str(c) for c in cat.cat.categories]


def _categorical_from(codes: NDArray[np.intp], per_category: Sequence[str], order: Sequence[str] | None = None
                      ) -> pd.Categorical:
    """Categorical of ``per_category[codes]`` (vectorised over the codes)."""
    names = order if order is not None else sorted(set(per_category))
    position = {n: i for i, n in enumerate(names)}
    mapped = np.array([position[v] for v in per_category], dtype=np.intp)
    return pd.Categorical.from_codes(mapped[codes] if codes.size else codes, categories=list(names))


def with_groups(activations: pd.DataFrame, excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES,
                proximal_limit_um: float = PROXIMAL_LIMIT_UM) -> pd.DataFrame:
    """A copy of a long synapse-activation frame (``store["synapse_activations"]``: columns
    ``population``, ``soma_distance_um``, ``time_ms`` …) with ISF's grouping columns added
    (LEGACY_FORMATS §10.1), all categorical:

    * ``cell_type`` (categories ordered by :func:`order_cell_types`) and ``column``, from ``population``;
    * ``EI``: ``EXC`` / ``INH`` (:func:`~isf.model.cell_types.ei_class`; ``L1`` is ``EXC`` with the default list);
    * ``proximal``: ``prox`` if ``soma_distance_um`` < ``proximal_limit_um`` (µm), else ``dist``.
    """
    out = activations.copy()
    codes, populations = _population_codes(out["population"])
    types = [cell_type_of(p) for p in populations]
    out["cell_type"] = _categorical_from(codes, types, order_cell_types(types, excitatory))
    out["column"] = _categorical_from(codes, [column_of(p) for p in populations])
    out["EI"] = _categorical_from(codes, [ei_class(t, excitatory) for t in types], ["EXC", "INH"])
    near = np.asarray(out["soma_distance_um"], dtype=float) < proximal_limit_um
    out["proximal"] = pd.Categorical.from_codes(np.where(near, 0, 1), categories=["prox", "dist"])
    return out


def _window(activations: pd.DataFrame, t0_ms: float | None, t1_ms: float | None) -> pd.DataFrame:
    """Rows with times in ``[t0_ms, t1_ms)``; the index (trial) named ``trial``."""
    activations = activations.rename_axis("trial")
    if t0_ms is None and t1_ms is None:
        return activations
    t = np.asarray(activations["time_ms"], dtype=float)
    keep = np.ones(t.shape[0], dtype=bool)
    if t0_ms is not None:
        keep &= t >= t0_ms
    if t1_ms is not None:
        keep &= t < t1_ms
    return activations[keep]


def _grouped(activations: pd.DataFrame, by: str, excitatory: Collection[str]) -> pd.DataFrame:
    if by in activations.columns:
        return activations
    if by in ("cell_type", "column", "EI", "proximal"):
        return with_groups(activations, excitatory)
    raise ArgumentValueError(
        f"by={by!r}: choose population, cell_type, column, EI, proximal or a column of the frame",
        field="by",
        value=by,
    )


def _trial_index(activations: pd.DataFrame, trials: ArrayLike | None) -> pd.Index:
    if trials is not None:
        return pd.Index(np.asarray(trials, dtype=np.int64), name="trial")
    return pd.Index(np.unique(np.asarray(activations.index, dtype=np.int64)), name="trial")


def activations_per_trial(
    activations: pd.DataFrame,
    by: GroupBy | str = "cell_type",
    *,
    trials: ArrayLike | None = None,
    t0_ms: float | None = None,
    t1_ms: float | None = None,
    count: Literal["releases", "synapses"] = "releases",
    excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES,
) -> pd.DataFrame:
    """Synapse activations per trial and group.

    Args:
        activations: long frame indexed by trial (``store["synapse_activations"]``).
        by: grouping: ``cell_type``, ``population``, ``EI``, ``column``, ``proximal``, ``label`` or
            any column of the frame.
        trials: the run's trials (e.g. ``store["trials"].index``): trials without any activation are
            missing from a long frame, and appear here as rows of zeros. Default: the trials present.
        t0_ms, t1_ms: count times in ``[t0_ms, t1_ms)`` only, ms (the store also holds releases
            scheduled after the end of the simulation: pass ``t1_ms=tstop`` to drop them).
        count: ``releases`` (rows: every release counts) or ``synapses`` (distinct active synapses:
            population and synapse ID).
        excitatory: cell types counted as excitatory for ``EI`` (:func:`~isf.model.cell_types.ei_class`).

    Returns:
        Index ``trial``, one integer column per group (all categories of the grouping column, in its
        category order, also those without activations).
    """
    frame = _grouped(_window(activations, t0_ms, t1_ms), by, excitatory)
    index = _trial_index(activations, trials)
    if count == "synapses":
        frame = frame.reset_index().drop_duplicates(["trial", "population", "synapse_id"]).set_index("trial")
    elif count != "releases":
        raise ArgumentValueError(
            f"count={count!r}: choose 'releases' or 'synapses'",
            field="count",
            value=count,
            allowed="'releases' or 'synapses'",
        )
    group = frame[by]
    if not isinstance(group.dtype, pd.CategoricalDtype):
        group = group.astype("category")
    table = pd.crosstab(np.asarray(frame.index, dtype=np.int64), group, dropna=False)
    table = table.reindex(index=index, columns=list(group.cat.categories), fill_value=0).astype(np.int64)
    table.columns = pd.Index([str(c) for c in table.columns], name=by)
    table.index.name = "trial"
    return table


def activation_summary(
    activations: pd.DataFrame,
    by: GroupBy | str = "cell_type",
    *,
    n_trials: int | None = None,
    t0_ms: float | None = None,
    t1_ms: float | None = None,
    excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES,
    ddof: int = 0,
) -> pd.DataFrame:
    """Synapse activations per group over a run.

    Args:
        activations: long frame indexed by trial (``store["synapse_activations"]``).
        by: grouping (see :func:`activations_per_trial`).
        n_trials: trials of the run (default: trials with any activation in the frame).
        t0_ms, t1_ms: times in ``[t0_ms, t1_ms)`` only, ms.
        excitatory: cell types counted as excitatory (:func:`~isf.model.cell_types.ei_class`).
        ddof: delta degrees of freedom of the SD.

    Returns:
        Index = the groups (category order). Columns: ``n_activations`` (releases over all trials),
        ``activations_per_trial`` (mean releases per trial), ``active_synapses_per_trial`` (mean
        distinct active synapses per trial), ``soma_distance_mean_um`` / ``soma_distance_sd_um``
        (over releases: a synapse releasing twice counts twice, µm; NaN without releases), and
        ``EI`` when grouping by ``cell_type`` or ``population``.
    """
    frame = _grouped(_window(activations, t0_ms, t1_ms), by, excitatory)
    if n_trials is None:
        n_trials = int(np.unique(np.asarray(activations.index)).size)
    group = frame[by]
    if not isinstance(group.dtype, pd.CategoricalDtype):
        group = group.astype("category")
    categories = [str(c) for c in group.cat.categories]
    key = np.asarray(group.astype(str)) if len(frame) else np.zeros(0, dtype=object)
    distance = pd.Series(np.asarray(frame["soma_distance_um"], dtype=float)).groupby(key)
    n = distance.size().reindex(categories, fill_value=0)
    active = frame.reset_index().assign(_g=key).drop_duplicates(["trial", "population", "synapse_id"])
    n_active = active.groupby("_g").size().reindex(categories, fill_value=0)
    per = max(1, n_trials)
    table = pd.DataFrame({
        "n_activations": n.astype(np.int64),
        "activations_per_trial": n / per,
        "active_synapses_per_trial": n_active / per,
        "soma_distance_mean_um": distance.mean().reindex(categories),
        "soma_distance_sd_um": distance.std(ddof=ddof).reindex(categories),
    }, index=pd.Index(categories, name=by))
    if by in ("cell_type", "population"):
        table.insert(0, "EI", [ei_class(cell_type_of(c), excitatory) for c in categories])
    return table


def binned_activations(
    activations: pd.DataFrame,
    by: GroupBy | str = "EI",
    *,
    bin_ms: float = 1.0,
    t_start_ms: float = 0.0,
    t_stop_ms: float,
    n_trials: int | None = None,
    excitatory: Collection[str] = ISF_EXCITATORY_CELL_TYPES,
) -> tuple[NDArray[np.float64], pd.DataFrame]:
    """Synapse activations per trial per bin, by group (ISF's ``synapse_activation_binning``, averaged
    over trials).

    Args:
        activations: long frame indexed by trial.
        by: grouping (see :func:`activations_per_trial`).
        bin_ms: bin width, ms.
        t_start_ms, t_stop_ms: range, ms; bins are ``[t_start + k·bin, t_start + (k+1)·bin)``, the last
            one closed, as many as needed to reach ``t_stop_ms``.
        n_trials: trials to average over (default: trials present in the frame).

    Returns:
        (bin edges in ms, frame with one row per bin — index = left edge, ms — and one column per
        group: mean activations per trial in that bin; divide by ``bin_ms / 1000`` for Hz).
    """
    if not t_stop_ms > t_start_ms:
        raise ArgumentValueError(f"t_stop_ms ({t_stop_ms}) must be > t_start_ms ({t_start_ms})")
    edges = bin_edges(bin_ms, t_start_ms, t_stop_ms)
    frame = _grouped(activations, by, excitatory)
    if n_trials is None:
        n_trials = int(np.unique(np.asarray(activations.index)).size)
    group = frame[by]
    if not isinstance(group.dtype, pd.CategoricalDtype):
        group = group.astype("category")
    codes = np.asarray(group.cat.codes, dtype=np.intp)
    t = np.asarray(frame["time_ms"], dtype=float)
    out = {}
    for i, name in enumerate(group.cat.categories):
        counts, _ = np.histogram(t[codes == i], bins=edges)
        out[str(name)] = counts / max(1, n_trials)
    table = pd.DataFrame(out, index=pd.Index(edges[:-1], name="t_ms"), columns=[str(c) for c in group.cat.categories])
    table.columns.name = by
    return edges, table
