"""The reduced LDA model (REDUCED_MODELS §3.3–3.6): Fisher discriminant kernels over a window of binned
input before the output window, the weighted net input (WNI) and the lookup table to spike probability.

Fitting (:func:`fit_lda`), as ISF's ``ReducedLdaModel.fit`` / ``prediction_rates``:

1. ``X`` = the blocks' columns ``[min, max)`` of the input window side by side (raw counts, no scaling);
   label ``y`` = a spike in the output window; trials with a spike in the refractory period before it
   are left out of the fit and the lookup table (they still get a WNI).
2. For each of ``n_fits`` fits ``i``: undersample the larger class to the smaller (seeded, spikes first),
   split off ``test_size`` of the trials (scikit-learn's ``train_test_split``, ``random_state=i``: shuffled,
   not stratified), fit scikit-learn's ``LinearDiscriminantAnalysis(solver="eigen")``. A failure (one
   class, a singular within-class covariance) redraws the balancing; after ``max_tries`` failures in all
   the next one raises :class:`~isf.errors.FittingError`.
3. The direction ``w = Σ_w⁻¹(μ₁ − μ₀)`` is scaled to the L2 norm :data:`~isf.reduced.lda_settings.KERNEL_NORM`
   and cut into one kernel per block: entry ``j`` weights bin ``min + j`` (last entry = most recent bin;
   positive = more input there pushes toward a spike). The intercept is kept unscaled, as in ISF.
4. WNI of every trial and fit = ``X · w``; the lookup table per fit from the WNI of the kept trials.

Scores per fit (held-out part): accuracy, true-positive and true-negative rates, ROC-AUC of ``X_test · w``;
and the ROC-AUC on all kept trials. The 5 fits are 5 alternative models (``fit`` 0…4), not averaged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from isf.errors import ArgumentValueError, FittingError, UnknownNameError
from isf.reduced.binning import BinnedInput
from isf.reduced.lda_settings import KERNEL_NORM, LdaSettings
from isf.reduced.lookup import Lookup, lookup_from_wni
from isf.reduced.targets import spike_in_interval, spike_matrix, spike_times_aligned

__all__ = ["LdaModel", "LdaScores", "block_label", "block_wni", "blocks_of", "fisher_direction", "fit_lda",
           "fit_lda_binned", "normalize_kernel", "total_wni"]


def block_label(key: Any) -> str:
    """Text label of a group key: the value, or the tuple's values joined by ``/`` (``"EXC/0to50"``)."""
    return "/".join(map(str, key)) if isinstance(key, tuple) else str(key)


def blocks_of(binned: BinnedInput, keys: Sequence[Any] | None = None) -> dict[str, NDArray[np.int64]]:
    """``{label: array}`` of some groups of a binning (default all), in the order of ``keys``."""
    return {block_label(k): binned[k] for k in (binned.keys() if keys is None else keys)}


@attrs.frozen(eq=False)
class LdaScores:
    """Scores of each fit (arrays of length ``n_fits``).

    Attributes:
        accuracy: held-out accuracy.
        tpr: held-out accuracy on spike trials (true-positive rate).
        tnr: held-out accuracy on no-spike trials (true-negative rate).
        auroc: held-out ROC-AUC of the WNI.
        auroc_all: ROC-AUC of the WNI on all trials kept for fitting (unbalanced).
        n_train_spike: spike trials in the training part.
        n_train_nospike: no-spike trials in the training part.
    """

    accuracy: NDArray[np.float64]
    tpr: NDArray[np.float64]
    tnr: NDArray[np.float64]
    auroc: NDArray[np.float64]
    auroc_all: NDArray[np.float64]
    n_train_spike: NDArray[np.int64]
    n_train_nospike: NDArray[np.int64]

    @property
    def score(self) -> float:
        """ISF's ``score``: median TPR + median TNR (0…2, twice the balanced accuracy)."""
        return float(np.median(self.tpr) + np.median(self.tnr))

    def table(self) -> pd.DataFrame:
        """One row per fit."""
        return pd.DataFrame({f.name: getattr(self, f.name) for f in attrs.fields(LdaScores)})


@attrs.frozen(eq=False)
class LdaModel:
    """A fitted reduced LDA model.

    Attributes:
        settings: how it was fitted.
        labels: the input blocks, in column order.
        block_lengths: columns of each block (the window width, or fewer if an array ended earlier).
        kernels: ``(n_fits, n_columns)`` normalised Fisher directions.
        intercepts: ``(n_fits,)`` the discriminants' intercepts (not rescaled).
        scores: per-fit scores.
        wni: ``(n_fits, n_trials)`` weighted net input of every trial.
        spike_times: ``(n_trials, k)`` the trials' spike times, NaN-padded, ms.
        lookups: the lookup table of each fit.
        trials: the trials' keys, as text (for reference).
    """

    settings: LdaSettings
    labels: tuple[str, ...]
    block_lengths: tuple[int, ...]
    kernels: NDArray[np.float64]
    intercepts: NDArray[np.float64]
    scores: LdaScores
    wni: NDArray[np.float64]
    spike_times: NDArray[np.float64]
    lookups: tuple[Lookup, ...]
    trials: tuple[str, ...] = ()

    @property
    def window(self) -> tuple[int, int]:
        """The input window ``[min, max)``, bins."""
        return self.settings.input_window()

    @property
    def y(self) -> NDArray[np.bool_]:
        """Spike in the output window, per trial."""
        return spike_in_interval(self.spike_times, self.settings.output_window_min_ms,
                                 self.settings.output_window_max_ms)

    def spike_before(self, refractory_period_ms: float | None = None) -> NDArray[np.bool_]:
        """Trials with a spike in ``[output_min − rp, output_min)`` (rp from the settings by default)."""
        rp = self.settings.refractory_period_ms if refractory_period_ms is None else refractory_period_ms
        start = self.settings.output_window_min_ms
        return spike_in_interval(self.spike_times, start - rp, start)

    @property
    def auroc(self) -> float:
        """Median held-out ROC-AUC over the fits."""
        return float(np.median(self.scores.auroc))

    def _bounds(self) -> dict[str, tuple[int, int]]:
        ends = np.cumsum((0, *self.block_lengths))
        return {label: (int(ends[i]), int(ends[i + 1])) for i, label in enumerate(self.labels)}

    def kernel(self, label: str, fit: int = 0) -> NDArray[np.float64]:
        """The kernel of one block (entry ``j`` weights bin ``window[0] + j``)."""
        bounds = self._bounds()
        if label not in bounds:
            raise UnknownNameError(f"no block {label!r}; the model's blocks are {list(self.labels)}")
        lo, hi = bounds[label]
        return self.kernels[fit, lo:hi]

    def kernel_dict(self, fit: int = 0) -> dict[str, NDArray[np.float64]]:
        """``{label: kernel}`` of one fit."""
        return {label: self.kernel(label, fit) for label in self.labels}

    def lookup_for(self, refractory_period_ms: float | None = None, fit: int = 0) -> Lookup:
        """The lookup table of a fit, rebuilt with another refractory period (trials with a spike in
        ``[output_min − rp, output_min)`` left out); the stored one if ``None``."""
        if refractory_period_ms is None:
            return self.lookups[fit]
        return lookup_from_wni(self.wni[fit], self.y, self.settings.lookup_step, self.spike_before(refractory_period_ms))


def block_wni(blocks: Sequence[NDArray[np.float64]], kernel: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """Each block's WNI ``block · kernel part`` (the blocks already cut to the input window, in the
    model's order; the kernel of one fit). The one computation of the WNI, for fitting and applying."""
    out, start = [], 0
    for block in blocks:
        part = kernel[start:start + block.shape[1]]
        out.append(block @ part)
        start += block.shape[1]
    return out


def total_wni(parts: Sequence[NDArray[np.float64]]) -> NDArray[np.float64]:
    """The sum of the blocks' WNI, in block order."""
    total = np.zeros_like(parts[0])
    for part in parts:
        total = total + part
    return total


def normalize_kernel(w: ArrayLike) -> NDArray[np.float64]:
    """``w`` scaled to the L2 norm :data:`~isf.reduced.lda_settings.KERNEL_NORM` (ISF's convention)."""
    w = np.asarray(w, dtype=np.float64)
    return w * (KERNEL_NORM / np.linalg.norm(w))


def _lda(X: NDArray[np.float64], y: NDArray[np.bool_], regularize: bool = False) -> Any:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    return LinearDiscriminantAnalysis(n_components=1, shrinkage="auto" if regularize else None,
                                      solver="eigen").fit(X, y)


def fisher_direction(X: ArrayLike, y: ArrayLike, *, regularize: bool = False) -> NDArray[np.float64]:
    """The (unnormalised) Fisher direction ``Σ_w⁻¹(μ₁ − μ₀)`` of one fit of scikit-learn's LDA (eigen
    solver; ``Σ_w`` = prior-weighted biased class covariances, Ledoit–Wolf shrunk if ``regularize``)."""
    return np.asarray(_lda(np.asarray(X, dtype=np.float64), np.asarray(y, dtype=bool), regularize).coef_[0],
                      dtype=np.float64)


def _balanced(X: NDArray[np.float64], y: NDArray[np.bool_], rng: np.random.Generator
              ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Random undersampling of the larger class (spikes first, as ISF)."""
    spike, nospike = np.flatnonzero(y), np.flatnonzero(~y)
    m = min(spike.shape[0], nospike.shape[0])
    rows = np.concatenate([rng.permutation(spike)[:m], rng.permutation(nospike)[:m]])
    return X[rows], y[rows]


def _auroc(y: NDArray[np.bool_], score: NDArray[np.float64]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score)) if 0 < y.sum() < y.shape[0] else float("nan")


def _fits(X: NDArray[np.float64], y: NDArray[np.bool_], settings: LdaSettings) -> tuple[list[Any], LdaScores]:
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(settings.seed)
    fitted: list[Any] = []
    rows: list[tuple[float, ...]] = []
    failures = 0
    for i in range(settings.n_fits):
        while True:
            try:
                Xb, yb = _balanced(X, y, rng) if settings.normalize_group_size else (X, y)
                X_train, X_test, y_train, y_test = train_test_split(Xb, yb, test_size=settings.test_size,
                                                                    random_state=i)
                lda = _lda(X_train, y_train, settings.regularize)
                break
            except ValueError as exc:  # one class only, or a singular covariance (LinAlgError)
                failures += 1
                if failures > settings.max_tries:
                    raise FittingError(f"LDA fit {i} failed {failures} times in all ({exc}); the input needs "
                                       "trials of both classes and no constant columns", field="max_tries",
                                       value=settings.max_tries, allowed="more varied input") from exc
        w = np.asarray(lda.coef_[0], dtype=np.float64)
        predicted = lda.predict(X_test)
        spike_t = y_test.astype(bool)
        rows.append((
            float(np.mean(predicted == y_test)),
            float(np.mean(predicted[spike_t])) if spike_t.any() else float("nan"),
            float(np.mean(~predicted[~spike_t])) if (~spike_t).any() else float("nan"),
            _auroc(spike_t, X_test @ w),
            _auroc(y, X @ w),
            int(y_train.sum()),
            int((~y_train.astype(bool)).sum()),
        ))
        fitted.append(lda)
    cols = [np.asarray(c, dtype=np.float64) for c in zip(*rows)]
    scores = LdaScores(cols[0], cols[1], cols[2], cols[3], cols[4], cols[5].astype(np.int64), cols[6].astype(np.int64))
    return fitted, scores


def fit_lda(blocks: Mapping[str, ArrayLike], spike_times: Any, settings: LdaSettings = LdaSettings(),
            trials: Sequence[Any] = ()) -> LdaModel:
    """Fit the reduced LDA model.

    Args:
        blocks: ``{label: (n_trials, n_bins) array}`` of binned input (bin ``j`` = ``[j, j+1)`` ms for ISF's
            binning), rows aligned with ``spike_times``; e.g. :func:`blocks_of` of a binning by ``EI``.
        spike_times: the trials' spike times (a wide NaN-padded frame or array, or one list per trial), ms.
        settings: fitting settings (ISF's defaults).
        trials: the trials' keys (kept as text with the model).

    Raises:
        ArgumentValueError: no blocks, or blocks and spike times with different numbers of trials.
        FittingError: see the module text.
    """
    if not blocks:
        raise ArgumentValueError("no input blocks", field="blocks", value={}, allowed="{label: array}")
    lo, hi = settings.input_window()
    labels = tuple(blocks)
    parts = [np.asarray(blocks[k], dtype=np.float64)[:, lo:hi] for k in labels]
    st = spike_matrix(spike_times)
    for label, part in zip(labels, parts):
        if part.shape[0] != st.shape[0]:
            raise ArgumentValueError(f"block {label!r} has {part.shape[0]} trials, the spike times {st.shape[0]}",
                                     field="blocks", value=part.shape[0], allowed=f"{st.shape[0]} rows")
    X = np.hstack(parts)
    y = spike_in_interval(st, settings.output_window_min_ms, settings.output_window_max_ms)
    before = spike_in_interval(st, settings.output_window_min_ms - settings.refractory_period_ms,
                               settings.output_window_min_ms)
    fitted, scores = _fits(X[~before], y[~before], settings)
    kernels = np.stack([normalize_kernel(lda.coef_[0]) for lda in fitted])
    wni = np.stack([total_wni(block_wni(parts, kernel)) for kernel in kernels])
    lookups = tuple(lookup_from_wni(wni[m], y, settings.lookup_step, before) for m in range(len(fitted)))
    return LdaModel(settings, labels, tuple(p.shape[1] for p in parts), kernels,
                    np.asarray([float(lda.intercept_[0]) for lda in fitted]), scores, wni, st, lookups,
                    tuple(map(str, trials)))


def fit_lda_binned(binned: BinnedInput, spike_table: pd.DataFrame, keys: Sequence[Any] | None = None,
                   settings: LdaSettings = LdaSettings()) -> LdaModel:
    """:func:`fit_lda` on groups of a binning, with the spike times taken from ``spike_table`` (a wide
    table indexed by trial, as ``store["spike_times"]``) row by row for :attr:`BinnedInput.trials`."""
    return fit_lda(blocks_of(binned, keys), spike_times_aligned(spike_table, binned.trials), settings,
                   binned.trials.tolist())
