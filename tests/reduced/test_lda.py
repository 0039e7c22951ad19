"""The reduced LDA model (REDUCED_MODELS §6.3 a–e, i, j): closed form, ISF's planted kernel, static
application, out-of-range inputs, invariances, rolling = static, and the settings' window rules."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from isf.errors import FittingError, ModelValueError
from isf.reduced import (
    KERNEL_NORM,
    LdaSettings,
    apply_rolling,
    apply_static,
    fisher_direction,
    fit_lda,
    normalize_kernel,
    wni_static,
)
from isf.reduced.lda import _balanced

PLANTED = LdaSettings(window_width_ms=50, output_window_min_ms=99, output_window_max_ms=101)


def planted(seed: int, n_bins: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ISF's test set-up: X uniform 0…20 (5000 × 100), kernel 1 on columns 25…74, spike at 100 ms."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 21, (5000, n_bins))
    v = np.zeros(n_bins)
    v[25:75] = 1.0
    y = (X[:, :100] @ v[:100] - 500) / 20 > rng.uniform(size=5000)
    return X, np.where(y, 100.0, np.nan)[:, None], v


@pytest.fixture(scope="module")
def model_and_data():  # type: ignore[no-untyped-def]
    X, st, v = planted(7)
    return fit_lda({"EXC": X}, st, PLANTED), X, st, v


def test_closed_form_fisher_direction() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 6)) + rng.normal(size=6)
    y = rng.uniform(size=400) < 0.35
    w = fisher_direction(X, y)
    pri = np.array([np.mean(~y), np.mean(y)])
    covs = [np.cov(X[c], rowvar=False, bias=True) for c in (~y, y)]
    sw = pri[0] * covs[0] + pri[1] * covs[1]
    expected = np.linalg.solve(sw, X[y].mean(0) - X[~y].mean(0))
    cosine = w @ expected / np.linalg.norm(w) / np.linalg.norm(expected)
    assert abs(cosine - 1.0) < 1e-10
    assert abs(np.linalg.norm(normalize_kernel(w)) / KERNEL_NORM - 1.0) < 1e-12


def test_planted_kernel(model_and_data) -> None:  # type: ignore[no-untyped-def]
    model, X, st, v = model_and_data
    assert model.block_lengths == (49,) and model.window == (51, 101)
    assert 0.35 < model.y.mean() < 0.5
    assert np.corrcoef(model.kernel("EXC"), v[51:100])[0, 1] >= 0.90
    assert 200 < model.wni[0].mean() < 400
    assert model.auroc >= 0.75 and np.all(model.scores.auroc >= 0.75)
    assert model.kernels.shape == (5, 49)
    assert np.allclose(np.linalg.norm(model.kernels, axis=1), KERNEL_NORM, rtol=1e-12)
    lut = model.lookups[0]
    assert lut(150.0, warn=False) == 0.0 and lut(500.0, warn=False) == 1.0 and 0.1 < lut(350.0) < 0.9
    assert 0.0 <= model.scores.score <= 2.0 and len(model.scores.table()) == 5
    m = int(min(model.y.sum(), (~model.y).sum()))  # balanced: 2m trials, 60 % of them for training
    train = model.scores.n_train_spike + model.scores.n_train_nospike
    assert np.all(train == 2 * m - int(np.ceil(0.4 * 2 * m)))
    assert np.all(np.abs(model.scores.n_train_spike - model.scores.n_train_nospike) < 0.1 * train)


def test_balancing_keeps_equal_classes() -> None:
    rng = np.random.default_rng(0)
    X = np.arange(8.0).reshape(4, 2)
    Xb, yb = _balanced(X, np.array([0, 0, 1, 1], dtype=bool), rng)
    assert Xb.shape == (4, 2) and yb.tolist() == [True, True, False, False]
    Xb, yb = _balanced(X, np.array([0, 0, 0, 1], dtype=bool), rng)
    assert Xb.shape == (2, 2) and yb.tolist() == [True, False]


def test_seeded_fit_is_reproducible(model_and_data) -> None:  # type: ignore[no-untyped-def]
    model, X, st, _ = model_and_data
    again = fit_lda({"EXC": X}, st, PLANTED)
    assert np.array_equal(again.kernels, model.kernels)
    other = fit_lda({"EXC": X}, st, LdaSettings(50, None, None, 99, 101, seed=1))
    assert not np.array_equal(other.kernels, model.kernels)


def test_static_application_reproduces_the_fit_and_clips(model_and_data) -> None:  # type: ignore[no-untyped-def]
    model, X, _, _ = model_and_data
    result = apply_static(model, {"EXC": X})
    assert np.array_equal(result.wni, model.wni[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.all(apply_static(model, {"EXC": X - 10000}).p_spike == 0.0)
        assert np.all(apply_static(model, {"EXC": X + 10000}).p_spike == 1.0)
    with pytest.warns(RuntimeWarning, match="outside the lookup table"):
        apply_static(model, {"EXC": X + 10000})


def test_invariances_on_a_fixed_training_set() -> None:
    rng = np.random.default_rng(5)
    X = rng.poisson(3.0, (600, 10)).astype(float)
    y = X[:, 7:].sum(1) + rng.normal(0, 2, 600) > 9
    k = normalize_kernel(fisher_direction(X, y))
    perm = rng.permutation(600)
    for X2, y2 in ((2.5 * X, y), (X + 4.0, y), (np.vstack([X, X]), np.concatenate([y, y])), (X[perm], y[perm])):
        assert np.allclose(normalize_kernel(fisher_direction(X2, y2)), k, atol=1e-9)
    assert np.allclose(normalize_kernel(fisher_direction(X, ~y)), -k, atol=1e-9)


def test_wni_scales_and_shifts(model_and_data) -> None:  # type: ignore[no-untyped-def]
    model, X, _, _ = model_and_data
    base = wni_static(model, {"EXC": X})["EXC"]
    assert np.allclose(wni_static(model, {"EXC": 3.0 * X})["EXC"], 3.0 * base)
    assert np.allclose(wni_static(model, {"EXC": X + 2.0})["EXC"], base + 2.0 * model.kernel("EXC").sum())


def test_rolling_column_t_is_the_static_wni_of_the_window_before_t() -> None:
    X, st, _ = planted(11, n_bins=120)
    model = fit_lda({"EXC": X}, st, PLANTED)
    assert model.block_lengths == (50,)
    rolled = apply_rolling(model, {"EXC": X})
    assert np.allclose(rolled.wni[:, 101], model.wni[0])
    assert rolled.psth.shape == (120,) and np.array_equal(rolled.psth, rolled.raw_psth)  # rp 0: no correction


def test_errors() -> None:
    with pytest.raises(FittingError, match="failed 3 times"):
        fit_lda({"EXC": np.zeros((50, 300))}, [[260.0]] * 20 + [[]] * 30, LdaSettings())
    with pytest.raises(ModelValueError, match="window_width_ms"):
        LdaSettings(window_width_ms=10, window_min_ms=0, window_max_ms=20)
    with pytest.raises(ModelValueError, match="max \\+ width is not accepted"):
        LdaSettings(window_max_ms=100)
    assert LdaSettings().input_window() == (185, 265)
    assert LdaSettings(window_width_ms=None, window_min_ms=10, window_max_ms=30).input_window() == (10, 30)
    assert LdaSettings(window_min_ms=10).input_window() == (10, 90)
    with pytest.raises(ModelValueError, match="test_size"):
        LdaSettings(test_size=1.0)


def test_regularized_direction_is_the_ledoit_wolf_shrunk_fisher_direction() -> None:
    from sklearn.covariance import ledoit_wolf

    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 40)) * rng.uniform(0.5, 3.0, size=40) + rng.normal(size=40)
    y = rng.uniform(size=60) < 0.4
    pri = np.array([np.mean(~y), np.mean(y)])
    sw = np.zeros((40, 40))
    for p, rows in zip(pri, (X[~y], X[y])):  # each class: Ledoit–Wolf on standardised columns, scaled back
        scale = rows.std(axis=0)
        sw += p * scale[:, None] * ledoit_wolf((rows - rows.mean(0)) / scale)[0] * scale[None, :]
    expected = np.linalg.solve(sw, X[y].mean(0) - X[~y].mean(0))
    w = fisher_direction(X, y, regularize=True)
    assert abs(w @ expected / np.linalg.norm(w) / np.linalg.norm(expected) - 1.0) < 1e-10
    plain = fisher_direction(X, y)
    assert abs(plain @ expected / np.linalg.norm(plain) / np.linalg.norm(expected)) < 0.99  # it does shrink


def test_regularize_fits_more_features_than_training_trials() -> None:
    X, st, v = planted(11)
    settings = LdaSettings(window_width_ms=80, output_window_min_ms=99, output_window_max_ms=101)
    with pytest.raises(FittingError, match="failed"):  # ~55 training trials for 79 features: singular
        fit_lda({"EXC": X[:150]}, st[:150], settings)
    model = fit_lda({"EXC": X[:150]}, st[:150], LdaSettings(window_width_ms=80, output_window_min_ms=99,
                                                            output_window_max_ms=101, regularize=True))
    assert model.settings.regularize and model.auroc >= 0.75
    assert np.corrcoef(model.kernel("EXC"), v[21:100])[0, 1] > 0.3
