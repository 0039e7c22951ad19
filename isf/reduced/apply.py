"""Applying a reduced LDA model (REDUCED_MODELS §3.7): statically, one prediction per trial from its
input window, or rolling over time into a predicted PSTH with the population refractory correction.

Rolling, per block ``k`` with kernel length ``L``: ``C_k[n, t] = Σ_j k[j] · X_k[n, t − L + j]`` (zero
before time 0) — bins ``t − L … t − 1``, not bin ``t``, so column ``t`` is the static WNI of the window
``[t − L, t)``. ``WNI = Σ_k C_k``; ``P = LUT(round(WNI))``; ``rawPSTH[t] = mean_n P[n, t]``. Refractory
correction (population level): ``a_0 = 1``, ``d_t = a_t · rawPSTH[t]``,
``a_{t+1} = a_t − d_t + d_{t−rp}`` (the last term for ``t ≥ rp``): a fraction that fires in bin ``s`` is
unavailable for bins ``s+1 … s+rp``; ``PSTH[t] = rawPSTH[t] · a_t``. With ``rp = 0`` nothing is
corrected. Out-of-grid WNI is clipped to the grid's ends (ISF substitutes the *probability* at the end
as if it were a WNI — a quirk not kept; both give the same result when the ends are flat).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from isf.errors import ArgumentValueError
from isf.reduced.lda import LdaModel, block_wni, total_wni
from isf.reduced.lookup import Lookup

__all__ = ["RollingResult", "StaticResult", "apply_rolling", "apply_static", "fraction_able_to_spike", "rolling",
           "wni_static"]


@attrs.frozen(eq=False)
class StaticResult:
    """A static prediction.

    Attributes:
        wni_by_block: ``{label: (n_trials,)}`` each block's part of the WNI.
        wni: ``(n_trials,)`` weighted net input.
        p_spike: ``(n_trials,)`` spike probability in the output window.
    """

    wni_by_block: dict[str, NDArray[np.float64]]
    wni: NDArray[np.float64]
    p_spike: NDArray[np.float64]


@attrs.frozen(eq=False)
class RollingResult:
    """A rolling prediction (arrays over time bins ``t = 0 … T−1``).

    Attributes:
        convolutions: ``{label: (n_trials, T)}`` each block's filtered input.
        wni: ``(n_trials, T)`` weighted net input.
        p_spike: ``(n_trials, T)`` spike probability per bin.
        raw_psth: ``(T,)`` mean probability per bin.
        able_to_spike: ``(T + 1,)`` fraction not refractory.
        psth: ``(T,)`` ``raw_psth · able_to_spike[:T]``, spikes per trial per bin.
    """

    convolutions: dict[str, NDArray[np.float64]]
    wni: NDArray[np.float64]
    p_spike: NDArray[np.float64]
    raw_psth: NDArray[np.float64]
    able_to_spike: NDArray[np.float64]
    psth: NDArray[np.float64]


def _blocks(model: LdaModel, data: Mapping[str, ArrayLike]) -> dict[str, NDArray[np.float64]]:
    missing = [label for label in model.labels if label not in data]
    if missing:
        raise ArgumentValueError(f"the input lacks the blocks {missing} of the model", field="data",
                                 value=list(data), allowed=f"a mapping with {list(model.labels)}")
    return {label: np.asarray(data[label], dtype=np.float64) for label in model.labels}


def wni_static(model: LdaModel, data: Mapping[str, ArrayLike], fit: int = 0) -> dict[str, NDArray[np.float64]]:
    """Each block's WNI over the model's input window: ``data[label][:, min:max] · kernel``."""
    lo, hi = model.window
    blocks = [X[:, lo:hi][:, :n] for X, n in zip(_blocks(model, data).values(), model.block_lengths)]
    return dict(zip(model.labels, block_wni(blocks, model.kernels[fit])))


def apply_static(model: LdaModel, data: Mapping[str, ArrayLike], fit: int = 0) -> StaticResult:
    """Spike probability of each trial of ``data`` (``{label: (n_trials, n_bins)}``) in the output window
    (ISF's ``apply_static``; the lookup table of ``fit``)."""
    parts = wni_static(model, data, fit)
    wni = total_wni(list(parts.values()))
    return StaticResult(parts, wni, model.lookups[fit](wni))


def fraction_able_to_spike(raw_psth: ArrayLike, refractory_period: int) -> NDArray[np.float64]:
    """The fraction of trials not refractory before each bin (length ``T + 1``; module text)."""
    raw = np.asarray(raw_psth, dtype=np.float64)
    n = raw.shape[0]
    if not refractory_period:
        return np.ones(n + 1)
    if refractory_period < 0:
        raise ArgumentValueError(f"refractory_period must be >= 0, got {refractory_period}",
                                 field="refractory_period", value=refractory_period, allowed=">= 0 bins")
    able = np.ones(n + 1)
    fired = np.zeros(n)
    for t in range(n):
        fired[t] = able[t] * raw[t]
        able[t + 1] = able[t] - fired[t] + (fired[t - refractory_period] if t >= refractory_period else 0.0)
    return able


def rolling(kernels: Mapping[str, ArrayLike], data: Mapping[str, ArrayLike], lookup: Lookup,
            refractory_period: int = 0) -> RollingResult:
    """The rolling application of kernels and a lookup table to binned input (module text).

    Args:
        kernels: ``{label: kernel}`` (entry ``j`` weights the bin ``L − j`` bins back).
        data: ``{label: (n_trials, T)}`` binned input from time 0.
        lookup: WNI → probability.
        refractory_period: bins a trial is unavailable after firing (0: no correction).
    """
    convolutions: dict[str, NDArray[np.float64]] = {}
    for label, kernel in kernels.items():
        k = np.asarray(kernel, dtype=np.float64)
        X = np.asarray(data[label], dtype=np.float64)
        n, T = X.shape
        L = k.shape[0]
        padded = np.concatenate([np.zeros((n, L)), X], axis=1)
        conv = np.zeros((n, T))
        for j in range(L):  # L shifted multiply-adds: fast for the kernel lengths used (≤ a few hundred)
            conv += k[j] * padded[:, j:j + T]
        convolutions[label] = conv
    wni = np.sum(list(convolutions.values()), axis=0)
    p = lookup(wni, warn=False)
    raw = p.mean(axis=0)
    able = fraction_able_to_spike(raw, int(refractory_period))
    return RollingResult(convolutions, wni, p, raw, able, raw * able[:-1])


def apply_rolling(model: LdaModel, data: Mapping[str, Any], fit: int = 0,
                  refractory_period_ms: float | None = None) -> RollingResult:
    """The model applied at every time bin (ISF's ``get_minimodel_rolling``); the lookup table rebuilt
    for ``refractory_period_ms`` (default: the model's), which is also the correction's period."""
    rp = model.settings.refractory_period_ms if refractory_period_ms is None else refractory_period_ms
    return rolling(model.kernel_dict(fit), _blocks(model, data), model.lookup_for(rp, fit), int(round(rp)))
