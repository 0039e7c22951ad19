"""Per-trial, per-group counts of synapse activations in 1-ms bins (REDUCED_MODELS §1.3–1.5): the input
of the reduced models.

Sources: a pandas frame of activations (isf's long form — ``population``, ``soma_distance_um``,
``time_ms``, indexed by trial — or ISF's wide ``synapse_activation`` table with ``synapse_type``,
``soma_distance`` and integer-named time columns), a :class:`~isf.store.RunStore`, a
:class:`~isf.store.StudyView` or any dask frame of the long form. Every path reduces its rows to the
same sparse table (trial, group values…, bin, count) with one function, :func:`sparse_counts`; the dask
path sums these tables over the partitions, so its result does not depend on the partitioning (even a
trial split over partitions gives one row), and :func:`dense_counts` lays them out as arrays.

Binning follows ISF (a :func:`numpy.histogram` over the edges ``0, 1, …, maxtime``): bins are
``[t, t+1)`` except the last, which is closed (a time equal to ``maxtime`` counts in it); times below 0
or above ``maxtime`` are dropped; every release time counts once (a synapse released three times in a
bin adds 3). Differences from ISF, all so that rows line up by key rather than by storage order:

* rows are keyed by trial (:attr:`BinnedInput.trials`, sorted ascending), and trials named in
  ``trials=`` without any activation get zero rows (ISF leaves them out);
* arrays are always int64 (ISF turns them into float64 when it fills in a zero row);
* groups are the combinations that occur anywhere in the data, as in ISF (no key for an empty
  distance bin); :meth:`BinnedInput.space_time` makes the distance axis dense.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from isf.analysis.psth import bin_edges
from isf.errors import ArgumentValueError, UnknownNameError
from isf.reduced.groups import (
    DISTANCE_BIN_UM,
    EI_TABLE_PRE_2025,
    EITable,
    distance_bin_lower_um,
    group_values,
)

if TYPE_CHECKING:
    from isf.store import RunStore, StudyView

__all__ = [
    "BinnedInput",
    "bin_activations",
    "bin_dask",
    "bin_store",
    "bin_study",
    "concat_binned",
    "dense_counts",
    "legacy_to_long",
    "sparse_counts",
]

#: Default end of the binned time, ms (ISF's ``maxtime``).
MAXTIME_MS = 400
#: Largest trials × group combinations × bins counted in one dense array (larger: through the sparse table).
_DENSE_LIMIT = 50_000_000


def _key(values: tuple[Any, ...]) -> Any:
    """ISF's dict key: the value itself for one grouping column, the tuple for several."""
    return values[0] if len(values) == 1 else values


@attrs.frozen(eq=False)
class BinnedInput:
    """Binned activations: one ``(n_trials, n_bins)`` int64 array per group.

    Attributes:
        trials: the row keys (trial numbers, ``study_trial`` or ``sim_trial_index``), ascending.
        groupby: the grouping columns (e.g. ``("EI",)``, ``("EI", "binned_somadist")``).
        edges_ms: the time-bin edges, ms (bin ``j`` is ``[edges[j], edges[j+1])``, the last one closed).
        arrays: group key → counts (rows = :attr:`trials`, columns = bins); the key is the value for one
            grouping column, the tuple of values for several; sorted.
        ei_table: name of the EXC/INH table used for ``EI``.
    """

    trials: pd.Index
    groupby: tuple[str, ...]
    edges_ms: NDArray[np.float64]
    arrays: Mapping[Any, NDArray[np.int64]]
    ei_table: str = EI_TABLE_PRE_2025.name

    def __getitem__(self, key: Any) -> NDArray[np.int64]:
        try:
            return self.arrays[key]
        except KeyError:
            raise UnknownNameError(f"no binned group {key!r}; the groups are {list(self.arrays)}") from None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.arrays)

    def __len__(self) -> int:
        return len(self.arrays)

    def keys(self) -> list[Any]:
        """The group keys (sorted)."""
        return list(self.arrays)

    @property
    def n_bins(self) -> int:
        """Number of time bins."""
        return int(self.edges_ms.shape[0] - 1)

    def reindex(self, trials: Sequence[Any] | pd.Index) -> BinnedInput:
        """The same counts with rows in the order of ``trials`` (e.g. a spike-time table's index);
        trials not binned get zero rows."""
        index = pd.Index(trials)
        pos = self.trials.get_indexer(index)
        found = pos >= 0
        arrays = {}
        for key, arr in self.arrays.items():
            out = np.zeros((index.shape[0], arr.shape[1]), dtype=np.int64)
            out[found] = arr[pos[found]]
            arrays[key] = out
        return attrs.evolve(self, trials=index, arrays=arrays)

    def space_time(self, distance_column: str = "binned_somadist") -> tuple[dict[Any, NDArray[np.int64]],
                                                                           NDArray[np.float64]]:
        """Per-trial space × time tensors (REDUCED_MODELS §4.2) from a binning by ``distance_column``.

        Returns:
            (group (the key without the distance value) → array ``(n_trials, n_bins, n_distance_bins)``,
            lower edges of the distance bins, µm). The distance axis is dense from 0 to the largest bin
            seen in any group, bins without activations are zero (ISF stacks only the bins that exist,
            so its axes can have gaps; a documented deviation).
        """
        if distance_column not in self.groupby:
            raise ArgumentValueError(f"the input is not binned by {distance_column!r} (groupby {self.groupby})",
                                     field="distance_column", value=distance_column, allowed=str(self.groupby))
        p = self.groupby.index(distance_column)
        as_tuple = {(k if isinstance(k, tuple) else (k,)): v for k, v in self.arrays.items()}
        lowers = {k: distance_bin_lower_um(str(k[p])) for k in as_tuple}
        widths = [float(str(k[p]).split("to")[1]) - lowers[k] for k in as_tuple]
        width = widths[0] if widths else DISTANCE_BIN_UM
        n_z = int(round(max(lowers.values(), default=0.0) / width)) + 1
        out: dict[Any, NDArray[np.int64]] = {}
        for k, arr in as_tuple.items():
            group = _key(k[:p] + k[p + 1:]) if len(k) > 1 else "all"
            if group not in out:
                out[group] = np.zeros((arr.shape[0], arr.shape[1], n_z), dtype=np.int64)
            out[group][:, :, int(round(lowers[k] / width))] += arr
        return dict(sorted(out.items(), key=lambda kv: str(kv[0]))), width * np.arange(n_z, dtype=np.float64)


def concat_binned(parts: Sequence[BinnedInput], names: Sequence[str]) -> BinnedInput:
    """Several binnings (e.g. one per run store) as one: rows in order, keyed ``"<name>/<trial>"``; a group
    missing from a part gets zero rows there.

    Raises:
        ArgumentValueError: the parts differ in grouping or time bins, or names and parts differ in number.
    """
    if not parts or len(parts) != len(names):
        raise ArgumentValueError(f"{len(parts)} binnings and {len(names)} names", field="names", value=len(names),
                                 allowed="one name per binning (at least one)")
    first = parts[0]
    for part in parts[1:]:
        if part.groupby != first.groupby or not np.array_equal(part.edges_ms, first.edges_ms):
            raise ArgumentValueError("binnings with different groupby or time bins cannot be joined",
                                     field="parts", value=(part.groupby, part.n_bins),
                                     allowed=f"groupby {first.groupby}, {first.n_bins} bins")
    keys = sorted({k for part in parts for k in part.keys()}, key=lambda k: tuple(map(str, np.atleast_1d(k)))
                  if isinstance(k, tuple) else str(k))
    arrays = {k: np.concatenate([part.arrays[k] if k in part.arrays
                                 else np.zeros((part.trials.shape[0], part.n_bins), dtype=np.int64) for part in parts])
              for k in keys}
    trials = pd.Index([f"{name}/{t}" for part, name in zip(parts, names) for t in part.trials])
    return BinnedInput(trials, first.groupby, first.edges_ms, arrays, first.ei_table)


# ---------------------------------------------------------------------------------------- row tables

def legacy_to_long(frame: pd.DataFrame) -> pd.DataFrame:
    """ISF's wide ``synapse_activation`` table (``synapse_type``, ``soma_distance``, time columns whose
    names parse as integers, NaN-padded) as isf's long form (``population``, ``soma_distance_um``,
    ``time_ms``; one row per release, index kept)."""
    time_columns = [c for c in frame.columns if _is_int_name(c)]
    times = frame[time_columns].to_numpy(np.float64) if time_columns else np.zeros((len(frame), 0))
    row, col = np.nonzero(~np.isnan(times))
    return pd.DataFrame({
        "population": pd.Categorical(frame["synapse_type"].to_numpy()[row]),
        "soma_distance_um": frame["soma_distance"].to_numpy(np.float64)[row],
        "time_ms": times[row, col],
    }, index=frame.index[row])


def _is_int_name(name: Any) -> bool:
    try:
        int(str(name))
    except ValueError:
        return False
    return True


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    if "time_ms" in frame.columns:
        return frame
    if "synapse_type" in frame.columns:
        return legacy_to_long(frame)
    raise ArgumentValueError("an activation frame needs isf's columns (population, soma_distance_um, time_ms) "
                             "or ISF's (synapse_type, soma_distance, '0', '1', …)", field="activations",
                             value=list(frame.columns)[:8], allowed="isf long or ISF wide activation frames")


def _codes(values: NDArray[Any]) -> tuple[NDArray[np.int64], list[Any]]:
    """(code per row, the distinct values sorted by their text)."""
    uniques = sorted(set(values.tolist()), key=str)
    lookup = {u: i for i, u in enumerate(uniques)}
    return np.fromiter((lookup[v] for v in values.tolist()), dtype=np.int64, count=values.shape[0]), uniques


def _group_columns(rows: pd.DataFrame, groupby: Sequence[str], ei_table: EITable,
                   distance_bin_um: float) -> list[tuple[NDArray[np.int64], list[Any]]]:
    """Per grouping column: (code per row, values). Computed per population category or distance bin,
    not per row, so a million rows cost little."""
    population = rows["population"]
    if not isinstance(population.dtype, pd.CategoricalDtype):
        population = population.astype("category")
    pop_codes = population.cat.codes.to_numpy(np.int64)
    names = np.asarray(population.cat.categories.astype(str), dtype=object)
    distance = rows["soma_distance_um"].to_numpy(np.float64)
    out = []
    for column in groupby:
        if column == "binned_somadist":
            k = np.floor(distance / distance_bin_um).astype(np.int64)
            uniq, inv = np.unique(k, return_inverse=True)
            labels = group_values(column, np.zeros(uniq.shape[0], dtype=object), uniq * distance_bin_um,
                                  ei_table, distance_bin_um)
            out.append((inv.reshape(-1).astype(np.int64), list(labels)))
        elif column == "proximal":
            codes, values = _codes(group_values(column, np.zeros(distance.shape[0], dtype=object), distance))
            out.append((codes, values))
        else:
            per_name = group_values(column, names, np.zeros(names.shape[0]), ei_table, distance_bin_um)
            codes, values = _codes(per_name)
            out.append((codes[pop_codes], values))
    return out


@attrs.frozen(eq=False)
class _Codes:
    """Every kept release as integer codes: trial position, group combination, time bin."""

    trial_keys: NDArray[Any]
    trial_pos: NDArray[np.int64]
    values: list[list[Any]]  # per grouping column, its values
    group: NDArray[np.int64]  # mixed-radix code of the combination of the columns' values
    time_bin: NDArray[np.int64]
    n_bins: int

    @property
    def n_groups(self) -> int:
        return int(np.prod([len(v) for v in self.values]))

    def decode(self, group: NDArray[np.int64]) -> list[NDArray[Any]]:
        """Each column's value of the group codes."""
        out, rest = [], group
        for values in reversed(self.values):
            out.append(np.asarray(values, dtype=object)[rest % len(values)])
            rest = rest // len(values)
        return out[::-1]


def _release_codes(activations: pd.DataFrame, groupby: tuple[str, ...], maxtime_ms: float, bin_ms: float,
                   ei_table: EITable, distance_bin_um: float) -> _Codes:
    if not groupby:
        raise ArgumentValueError("groupby needs at least one column", field="groupby", value=groupby,
                                 allowed="e.g. ('EI',)")
    rows = _long(activations)
    edges = bin_edges(bin_ms, 0.0, float(maxtime_ms))
    n_bins = edges.shape[0] - 1
    t = rows["time_ms"].to_numpy(np.float64)
    keep = (t >= edges[0]) & (t <= edges[-1])
    if not keep.all():
        rows, t = rows[keep], t[keep]
    if bin_ms == 1.0:  # edges 0, 1, 2, …: the bin is the integer part (exact), faster than a search
        time_bin = np.minimum(t.astype(np.int64), n_bins - 1)
    else:
        time_bin = np.minimum(np.searchsorted(edges, t, side="right") - 1, n_bins - 1)
    trial_pos, trial_keys = pd.factorize(rows.index, sort=True)
    columns = _group_columns(rows, groupby, ei_table, distance_bin_um)
    group = np.zeros(t.shape[0], dtype=np.int64)
    for codes, values in columns:
        group = group * len(values) + codes
    return _Codes(np.asarray(trial_keys), trial_pos.astype(np.int64), [v for _, v in columns], group,
                  time_bin.astype(np.int64), n_bins)


def sparse_counts(activations: pd.DataFrame, groupby: Sequence[str] = ("EI",), *, maxtime_ms: float = MAXTIME_MS,
                  bin_ms: float = 1.0, ei_table: EITable = EI_TABLE_PRE_2025,
                  distance_bin_um: float = DISTANCE_BIN_UM) -> pd.DataFrame:
    """The nonzero counts of one frame of activations: columns ``trial``, the ``groupby`` columns,
    ``bin`` (time-bin number) and ``count``; one row per occupied (trial, group, bin).

    Args:
        activations: a pandas frame (isf long form or ISF wide form), indexed by trial.
        groupby: grouping columns (:data:`~isf.reduced.groups.GROUP_COLUMNS`).
        maxtime_ms: end of the binned time, ms (bins from 0, the last one closed at ``maxtime_ms``).
        bin_ms: bin width, ms (1 in ISF).
    """
    groupby = tuple(groupby)
    c = _release_codes(activations, groupby, maxtime_ms, bin_ms, ei_table, distance_bin_um)
    code = (c.trial_pos * c.n_groups + c.group) * c.n_bins + c.time_bin
    occupied, counts = np.unique(code, return_counts=True)
    frame = pd.DataFrame({"trial": c.trial_keys[occupied // (c.n_groups * c.n_bins)]})
    for name, values in zip(groupby, c.decode((occupied // c.n_bins) % c.n_groups)):
        frame[name] = values
    frame["bin"] = occupied % c.n_bins
    frame["count"] = counts.astype(np.int64)
    return frame


def dense_counts(counts: pd.DataFrame, groupby: Sequence[str], edges_ms: NDArray[np.float64],
                 trials: Sequence[Any] | pd.Index | None = None, ei_table: str = EI_TABLE_PRE_2025.name) -> BinnedInput:
    """Lay out a table of :func:`sparse_counts` (or the sum of several) as one array per group.

    Args:
        trials: the rows (default: the trials in ``counts``, ascending); trials without counts get zeros,
            counts of trials not listed are dropped.
    """
    groupby = tuple(groupby)
    index = pd.Index(np.unique(counts["trial"].to_numpy())) if trials is None else pd.Index(trials)
    n_bins = int(len(edges_ms) - 1)
    arrays: dict[Any, NDArray[np.int64]] = {}
    if len(counts):
        grouped = counts.groupby(list(groupby), sort=False, observed=True).indices
        for values, where in sorted(grouped.items(), key=lambda kv: tuple(map(str, np.atleast_1d(kv[0])))
                                    if isinstance(kv[0], tuple) else str(kv[0])):
            part = counts.iloc[where]
            pos = index.get_indexer(part["trial"].to_numpy())
            ok = pos >= 0
            arr = np.zeros((index.shape[0], n_bins), dtype=np.int64)
            np.add.at(arr, (pos[ok], part["bin"].to_numpy(np.int64)[ok]), part["count"].to_numpy(np.int64)[ok])
            key = values if isinstance(values, tuple) else (values,)
            arrays[_key(tuple(key))] = arr
    return BinnedInput(index, groupby, np.asarray(edges_ms, dtype=np.float64), arrays, ei_table)


def bin_activations(activations: pd.DataFrame, groupby: Sequence[str] = ("EI",), *, maxtime_ms: float = MAXTIME_MS,
                    bin_ms: float = 1.0, trials: Sequence[Any] | pd.Index | None = None,
                    ei_table: EITable = EI_TABLE_PRE_2025, distance_bin_um: float = DISTANCE_BIN_UM) -> BinnedInput:
    """Bin a pandas frame of activations (REDUCED_MODELS §1.3–1.4).

    Args:
        activations: isf long form (``population``, ``soma_distance_um``, ``time_ms``) or ISF's wide
            ``synapse_activation`` table, indexed by trial.
        groupby: grouping columns, e.g. ``("EI",)``, ``("celltype",)``, ``("EI", "binned_somadist")``.
        maxtime_ms: end of the binned time, ms (ISF: 400).
        bin_ms: bin width, ms.
        trials: the rows (default: the trials with activations, ascending; for ISF's wide table every
            trial it lists).
        ei_table: the EXC/INH table of ``EI`` (default ISF's pre-2025 lists).
        distance_bin_um: width of the ``binned_somadist`` bins, µm.
    """
    if trials is None and "time_ms" not in activations.columns:  # ISF's rows: every trial in the wide table
        trials = pd.Index(np.unique(activations.index.to_numpy()))
    groupby = tuple(groupby)
    c = _release_codes(activations, groupby, maxtime_ms, bin_ms, ei_table, distance_bin_um)
    if c.trial_keys.shape[0] * c.n_groups * c.n_bins > _DENSE_LIMIT:  # many combinations: via the sparse table
        counts = sparse_counts(activations, groupby, maxtime_ms=maxtime_ms, bin_ms=bin_ms, ei_table=ei_table,
                               distance_bin_um=distance_bin_um)
        return dense_counts(counts, groupby, bin_edges(bin_ms, 0.0, float(maxtime_ms)), trials, ei_table.name)
    # one bincount gives every (trial, group, bin) count at once
    dense = np.bincount((c.trial_pos * c.n_groups + c.group) * c.n_bins + c.time_bin,
                        minlength=c.trial_keys.shape[0] * c.n_groups * c.n_bins)
    dense = dense.reshape(c.trial_keys.shape[0], c.n_groups, c.n_bins).astype(np.int64, copy=False)
    present = np.flatnonzero(np.bincount(c.group, minlength=c.n_groups))
    keys = [_key(tuple(v)) for v in zip(*c.decode(present))]
    if trials is None:
        index, pos = pd.Index(c.trial_keys), None
    else:
        index = pd.Index(trials)
        pos = pd.Index(c.trial_keys).get_indexer(index)
    arrays = {}
    for key, g in zip(keys, present):
        block = np.ascontiguousarray(dense[:, g, :])
        if pos is not None:
            out = np.zeros((index.shape[0], c.n_bins), dtype=np.int64)
            out[pos >= 0] = block[pos[pos >= 0]]
            block = out
        arrays[key] = block
    order = sorted(arrays, key=lambda k: tuple(map(str, k)) if isinstance(k, tuple) else (str(k),))
    return BinnedInput(index, groupby, bin_edges(bin_ms, 0.0, float(maxtime_ms)), {k: arrays[k] for k in order},
                       ei_table.name)


def bin_store(store: RunStore | str, groupby: Sequence[str] = ("EI",), *, maxtime_ms: float = MAXTIME_MS,
              bin_ms: float = 1.0, ei_table: EITable = EI_TABLE_PRE_2025,
              distance_bin_um: float = DISTANCE_BIN_UM) -> BinnedInput:
    """Bin the activations of a run store (a :class:`~isf.store.RunStore` or its path); one row per
    completed trial, ascending trial number (rows line up with ``store["spike_times"]``)."""
    from isf.store import RunStore

    if not isinstance(store, RunStore):
        with RunStore.open(store) as opened:
            return bin_store(opened, groupby, maxtime_ms=maxtime_ms, bin_ms=bin_ms, ei_table=ei_table,
                             distance_bin_um=distance_bin_um)
    frame = store.read("synapse_activations", columns=["population", "soma_distance_um", "time_ms"])
    return bin_activations(frame, groupby, maxtime_ms=maxtime_ms, bin_ms=bin_ms,
                           trials=sorted(store.completed_trials()), ei_table=ei_table, distance_bin_um=distance_bin_um)


def bin_dask(activations: Any, groupby: Sequence[str] = ("EI",), *, maxtime_ms: float = MAXTIME_MS,
             bin_ms: float = 1.0, trials: Sequence[Any] | pd.Index | None = None,
             ei_table: EITable = EI_TABLE_PRE_2025, distance_bin_um: float = DISTANCE_BIN_UM,
             client: Any = None) -> BinnedInput:
    """Bin a dask frame of activations (long form, indexed by trial), partition by partition
    (REDUCED_MODELS §1.5): the partitions' :func:`sparse_counts` are summed, so the result is the same for
    any partitioning. Computes on ``client`` (a ``dask.distributed.Client``) or dask's threads."""
    import dask

    from isf.analysis.study import compute

    parts = [dask.delayed(sparse_counts)(p, groupby, maxtime_ms=maxtime_ms, bin_ms=bin_ms, ei_table=ei_table,
                                         distance_bin_um=distance_bin_um) for p in activations.to_delayed()]
    (tables,) = compute(parts, client=client)
    edges = bin_edges(bin_ms, 0.0, float(maxtime_ms))
    keys = ["trial", *groupby, "bin"]
    if tables:
        merged = pd.concat(tables, ignore_index=True).groupby(keys, sort=True)["count"].sum().reset_index()
    else:
        merged = pd.DataFrame({k: [] for k in [*keys, "count"]})
    return dense_counts(merged, groupby, edges, trials, ei_table.name)


def bin_study(view: StudyView, groupby: Sequence[str] = ("EI",), *, maxtime_ms: float = MAXTIME_MS,
              bin_ms: float = 1.0, ei_table: EITable = EI_TABLE_PRE_2025,
              distance_bin_um: float = DISTANCE_BIN_UM, client: Any = None) -> BinnedInput:
    """Bin every trial of a study view (rows keyed by ``study_trial``, every trial of ``view.trials``,
    also those without activations), with :func:`bin_dask`."""
    activations = view.synapse_activations[["population", "soma_distance_um", "time_ms"]]
    return bin_dask(activations, groupby, maxtime_ms=maxtime_ms, bin_ms=bin_ms, trials=view.trials.index,
                    ei_table=ei_table, distance_bin_um=distance_bin_um, client=client)
