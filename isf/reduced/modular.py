"""The modular reduced model (REDUCED_MODELS §4; Bast, Fruengel et al. 2024): one separable space × time
filter per input group, built from raised-cosine bases and fitted by maximising the ROC-AUC between the
filtered input (the WNI) and the spike label.

For group ``g`` with per-trial input ``D_g[n, τ, z]`` (time window × soma-distance bins),
``WNI_n = Σ_g Σ_τ Σ_z w^t_g(τ) · w^z_g(z) · D_g[n, τ, z]`` with ``w^t_g = Σ_j x_{g,j} f_j`` (temporal
basis) and ``w^z_g = Σ_i u_{g,i} g_i`` (spatial basis). The basis projections
``B_g[i, j, n] = Σ_τ Σ_z D_g[n, τ, z] g_i(z) f_j(τ)`` are computed once (float32). Parameters per group
(sorted): the spatial weights, then the temporal weights. The objective is ``−AUROC`` on the training
trials (ties count ½), minimised by COBYLA from ``x0 ~ U[−1, 1)``.

Deviations from ISF (whose code for this is Python 2 and broken under Python 3), documented as the
specification asks:

* **Splits are shuffled and seeded** (:func:`random_split`, ``seed``). ISF shuffles a temporary copy,
  so its "random" splits are contiguous blocks in storage order and all identical;
  ``random_split(..., shuffle=False)`` reproduces that.
* **Restarts are seeded** (ISF draws ``x0`` from numpy's global generator).
* **The distance axis is dense** (zeros for bins without activations; see
  :meth:`~isf.reduced.binning.BinnedInput.space_time`).
* **Label the groups' classes explicitly**: :func:`normalize` scales each group's temporal filter to
  peak at +1, or at −1 for groups in ``inhibitory`` (ISF assumes exactly the groups EXC and INH). The
  EXC/INH classification of the input itself comes from the binning's explicit
  :class:`~isf.reduced.groups.EITable` (ISF's L1 regression is not the default).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from isf.errors import ArgumentValueError
from isf.reduced.isi_terms import IsiTerms
from isf.reduced.raised_cosine import SPATIAL_BASIS, TEMPORAL_BASIS, RaisedCosineBasis

__all__ = ["SPATIAL_BASIS", "TEMPORAL_BASIS", "ModularFit", "RaisedCosineBasis", "SeparableProblem", "Split",
           "auroc", "fit_modular", "isi_split", "normalize", "random_split"]
# RaisedCosineBasis and the two bases live in isf.reduced.raised_cosine; re-exported here, where they are used


def auroc(y: ArrayLike, score: ArrayLike) -> float:
    """ROC-AUC of ``score`` for the labels ``y`` (ties count ½: the Mann–Whitney statistic).

    Raises:
        ArgumentValueError: ``y`` holds one class only.
    """
    from scipy.stats import rankdata

    y = np.asarray(y, dtype=bool)
    n1 = int(y.sum())
    n0 = y.shape[0] - n1
    if n1 == 0 or n0 == 0:
        raise ArgumentValueError("ROC-AUC needs trials of both classes", field="y", value=(n1, n0),
                                 allowed="spike and no-spike trials")
    ranks = rankdata(np.asarray(score, dtype=np.float64))
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


@attrs.frozen(eq=False)
class Split:
    """Trial positions of a split: ``train``, ``test`` and the two halves of ``test``."""

    train: NDArray[np.int64]
    test: NDArray[np.int64]
    subtest1: NDArray[np.int64]
    subtest2: NDArray[np.int64]

    def parts(self) -> dict[str, NDArray[np.int64]]:
        """``{name: positions}``."""
        return {"train": self.train, "test": self.test, "subtest1": self.subtest1, "subtest2": self.subtest2}


def random_split(n_or_positions: int | ArrayLike, train_fraction: float = 0.7, seed: int = 0,
                 shuffle: bool = True) -> Split:
    """Train = the first ``⌊f·n⌋`` positions (after a seeded shuffle), test = the rest, subtest1/2 = the
    halves of test. ``shuffle=False`` gives ISF's effective contiguous blocks."""
    positions = (np.arange(int(np.asarray(n_or_positions))) if np.ndim(n_or_positions) == 0
                 else np.asarray(n_or_positions, dtype=np.int64))
    if not 0.0 < train_fraction < 1.0:
        raise ArgumentValueError(f"train_fraction must be in (0, 1), got {train_fraction}", field="train_fraction",
                                 value=train_fraction, allowed="0 < f < 1")
    if shuffle:
        positions = np.random.default_rng(seed).permutation(positions)
    k = int(np.floor(train_fraction * positions.shape[0]))
    test = positions[k:]
    half = test.shape[0] // 2
    return Split(positions[:k], test, test[:half], test[half:])


def isi_split(isi_ms: ArrayLike, min_isi_ms: float = 10.0, train_fraction: float = 0.7, seed: int = 0,
              shuffle: bool = True) -> Split:
    """:func:`random_split` of the trials whose last spike is at least ``min_isi_ms`` before the reference
    time (``−ISI ≥ min_isi``), or that have none (ISI NaN); ISI from :func:`isf.reduced.targets.isi_before`."""
    isi = np.asarray(isi_ms, dtype=np.float64)
    keep = np.flatnonzero(np.isnan(isi) | (-isi >= min_isi_ms))
    return random_split(keep, train_fraction, seed, shuffle)


@attrs.frozen(eq=False)
class SeparableProblem:
    """Precomputed basis projections of the groups' input, and the labels.

    Attributes:
        groups: the group names, sorted.
        projections: per group ``B_g`` ``(n_spatial, n_temporal, n_trials)`` float32.
        y: labels.
        temporal: the temporal basis values ``(n_temporal, T)``.
        spatial: the spatial basis values ``(n_spatial, Z)``.
    """

    groups: tuple[str, ...]
    projections: tuple[NDArray[np.float32], ...]
    y: NDArray[np.bool_]
    temporal: NDArray[np.float32]
    spatial: NDArray[np.float32]
    #: terms of the cell's own last spike, added to the WNI (their parameters follow the groups')
    isi: IsiTerms | None = None

    @classmethod
    def build(cls, tensors: Mapping[Any, ArrayLike], y: ArrayLike, temporal: RaisedCosineBasis = TEMPORAL_BASIS,
              spatial: RaisedCosineBasis = SPATIAL_BASIS, isi: IsiTerms | None = None) -> SeparableProblem:
        """From ``{group: (n_trials, T, Z)}`` tensors (the bases are evaluated for their T and Z), and
        optional ISI terms (:class:`~isf.reduced.isi_terms.IsiTerms` of the same trials)."""
        if not tensors:
            raise ArgumentValueError("no input groups", field="tensors", value={}, allowed="{group: (n, T, Z)}")
        groups = tuple(sorted(tensors, key=str))
        first = np.asarray(tensors[groups[0]])
        if first.ndim != 3:
            raise ArgumentValueError(f"tensors must be (n_trials, T, Z), got shape {first.shape}", field="tensors",
                                     value=first.shape, allowed="3-D arrays")
        t_basis, z_basis = temporal.values(first.shape[1]), spatial.values(first.shape[2])
        projections = []
        for g in groups:
            D = np.asarray(tensors[g], dtype=np.float32)
            if D.shape[1:] != first.shape[1:]:
                raise ArgumentValueError(f"group {g!r} has shape {D.shape}, {groups[0]!r} {first.shape}",
                                         field="tensors", value=D.shape, allowed="one (T, Z) for all groups")
            projections.append(np.einsum("ntz,jt,iz->ijn", D, t_basis, z_basis, optimize=True).astype(np.float32))
        labels = np.asarray(y, dtype=bool)
        if labels.shape[0] != first.shape[0]:
            raise ArgumentValueError(f"{labels.shape[0]} labels for {first.shape[0]} trials", field="y",
                                     value=labels.shape[0], allowed=f"{first.shape[0]}")
        if isi is not None and isi.index.shape[0] != labels.shape[0]:
            raise ArgumentValueError(f"ISI terms of {isi.index.shape[0]} trials for {labels.shape[0]} trials",
                                     field="isi", value=isi.index.shape[0], allowed=f"{labels.shape[0]}")
        return cls(tuple(str(g) for g in groups), tuple(projections), labels, t_basis, z_basis, isi)

    @property
    def n_wni_parameters(self) -> int:
        """``(n_spatial + n_temporal) · n_groups``: the separable filters' parameters."""
        return (self.spatial.shape[0] + self.temporal.shape[0]) * len(self.groups)

    @property
    def n_parameters(self) -> int:
        """The filters' parameters, then the ISI terms'."""
        return self.n_wni_parameters + (0 if self.isi is None else self.isi.n_parameters)

    def x0(self, rng: np.random.Generator) -> NDArray[np.float64]:
        """Start values: ``U[−1, 1)`` for the filters (ISF's), the ISI terms' own."""
        start = rng.uniform(-1.0, 1.0, self.n_wni_parameters)
        return start if self.isi is None else np.concatenate([start, self.isi.x0(rng)])

    def _split(self, x: ArrayLike) -> list[tuple[NDArray[np.float32], NDArray[np.float32]]]:
        v = np.asarray(x, dtype=np.float32)
        nz, nt = self.spatial.shape[0], self.temporal.shape[0]
        return [(v[k * (nz + nt):k * (nz + nt) + nz], v[k * (nz + nt) + nz:(k + 1) * (nz + nt)])
                for k in range(len(self.groups))]

    def score(self, x: ArrayLike) -> NDArray[np.float32]:
        """The WNI of every trial for the parameters ``x``, plus the ISI terms if any (float32)."""
        total = np.zeros(self.y.shape[0], dtype=np.float32)
        for (u, w), B in zip(self._split(x), self.projections):
            total += w @ np.tensordot(u, B, axes=(0, 0))
        if self.isi is not None:
            total += self.isi.score(np.asarray(x)[self.n_wni_parameters:])
        return total

    def objective(self, x: ArrayLike, rows: NDArray[np.int64] | None = None) -> float:
        """``−AUROC`` of the WNI on the trials ``rows`` (all if ``None``)."""
        s = self.score(x)
        return -auroc(self.y if rows is None else self.y[rows], s if rows is None else s[rows])

    def filters(self, x: ArrayLike) -> dict[str, tuple[NDArray[np.float32], NDArray[np.float32]]]:
        """``{group: (temporal filter (T,), spatial filter (Z,))}``."""
        return {g: (w @ self.temporal, u @ self.spatial) for g, (u, w) in zip(self.groups, self._split(x))}


def normalize(problem: SeparableProblem, x: ArrayLike, inhibitory: Collection[str] = ("INH",)) -> NDArray[np.float32]:
    """Parameters with the same WNI up to a positive factor (the objective is unchanged): each group's
    temporal filter peaks at +1 (−1 for ``inhibitory`` groups), and the largest |spatial filter| of the
    first excitatory group is 1 (ISF's ``normalize``, for any groups)."""
    parts = problem._split(x)
    out, scales = [], []
    for g, (u, w) in zip(problem.groups, parts):
        wt = w @ problem.temporal
        peak = float(wt[np.argmax(np.abs(wt))]) or 1.0
        scales.append(-peak if g in inhibitory else peak)
    reference = next((k for k, g in enumerate(problem.groups) if g not in inhibitory), 0)
    u_ref = parts[reference][0] * scales[reference]
    s = float(np.max(np.abs(u_ref @ problem.spatial))) or 1.0
    for (u, w), n in zip(parts, scales):
        out.extend([u * n / s, w / n])
    if problem.isi is not None:  # scaled with the filters (by 1/s), so the score ranks the trials as before
        out.append(problem.isi.scaled(np.asarray(x)[problem.n_wni_parameters:], 1.0 / s))
    return np.concatenate(out).astype(np.float32)


@attrs.frozen(eq=False)
class ModularFit:
    """The result of :func:`fit_modular`.

    Attributes:
        problem: the precomputed problem.
        x: ``(n_restarts, n_parameters)`` the optimum of each restart (normalised).
        scores: AUROC per restart (rows) and subsplit (columns train, test, subtest1, subtest2), plus
            ``success`` and ``n_evaluations``.
        splits: the split of each restart.
    """

    problem: SeparableProblem
    x: NDArray[np.float32]
    scores: pd.DataFrame
    splits: tuple[Split, ...]

    @property
    def best(self) -> int:
        """The restart with the highest training AUROC."""
        return int(np.argmax(self.scores["train"].to_numpy()))

    def filters(self, restart: int | None = None) -> dict[str, tuple[NDArray[np.float32], NDArray[np.float32]]]:
        """``{group: (temporal, spatial)}`` of a restart (default the best)."""
        return self.problem.filters(self.x[self.best if restart is None else restart])

    def isi(self, restart: int | None = None) -> tuple[NDArray[np.float32], float | None]:
        """(the raised-cosine ISI filter over 0 … W − 1 ms since the last spike, the fitted cutoff in ms) of a
        restart (default the best); empty and ``None`` for terms the fit did not have."""
        if self.problem.isi is None:
            return np.zeros(0, dtype=np.float32), None
        x = self.x[self.best if restart is None else restart][self.problem.n_wni_parameters:]
        return self.problem.isi.filter(x), self.problem.isi.cutoff(x)


def fit_modular(tensors: Mapping[Any, ArrayLike], y: ArrayLike, *, temporal: RaisedCosineBasis = TEMPORAL_BASIS,
                spatial: RaisedCosineBasis = SPATIAL_BASIS, n_restarts: int = 5, seed: int = 0,
                splits: Split | Sequence[Split] | None = None, maxiter: int = 5000,
                inhibitory: Collection[str] = ("INH",), isi: IsiTerms | None = None) -> ModularFit:
    """Fit separable raised-cosine filters by maximising the training AUROC (COBYLA), from ``n_restarts``
    seeded starts.

    Args:
        tensors: ``{group: (n_trials, T, Z)}`` input over the window before the prediction time (e.g.
            :meth:`~isf.reduced.binning.BinnedInput.space_time` cut to ``[tmax − T, tmax)``).
        y: labels (e.g. :func:`~isf.reduced.targets.spike_in_interval`).
        splits: one split for all restarts, or one per restart (cycled); default ``random_split(n, seed=seed)``.
        maxiter: COBYLA's iteration limit per restart.
        isi: terms of the last spike added to the WNI (:class:`~isf.reduced.isi_terms.IsiTerms`: the
            raised-cosine ISI filter and/or the refractory cutoff).
    """
    from scipy.optimize import minimize

    problem = SeparableProblem.build(tensors, y, temporal, spatial, isi)
    n = problem.y.shape[0]
    if splits is None:
        splits = random_split(n, seed=seed)
    split_list = [splits] if isinstance(splits, Split) else list(splits)
    rng = np.random.default_rng(seed)
    xs, rows, used = [], [], []
    for r in range(n_restarts):
        split = split_list[r % len(split_list)]
        x0 = problem.x0(rng)
        result = minimize(problem.objective, x0, args=(split.train,), method="COBYLA", options={"maxiter": maxiter})
        x = normalize(problem, result.x, inhibitory)
        score = problem.score(x)
        row: dict[str, Any] = {}
        for name, part in split.parts().items():
            labels = problem.y[part]
            row[name] = auroc(labels, score[part]) if 0 < labels.sum() < labels.shape[0] else float("nan")
        row.update(success=bool(result.success), n_evaluations=int(result.nfev))
        xs.append(x)
        rows.append(row)
        used.append(split)
    table = pd.DataFrame(rows, index=pd.RangeIndex(n_restarts, name="restart"))
    return ModularFit(problem, np.stack(xs), table, tuple(used))
