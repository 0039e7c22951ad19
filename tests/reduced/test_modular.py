"""The modular reduced model (REDUCED_MODELS §6.4): basis values, the separable identity, normalisation,
planted recovery (scaled down), and the splits."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from isf.errors import ArgumentValueError
from isf.reduced import RaisedCosineBasis, SeparableProblem, auroc, fit_modular, isi_split, normalize, random_split


def test_basis_values_and_support() -> None:
    f = RaisedCosineBasis(2.0, 1.0, (1.0,), 80).values()[0]
    assert f.dtype == np.float32 and abs(f[0] - (0.5 * np.cos(-1.0) + 0.5)) < 1e-6 and abs(f[0] - 0.77015) < 1e-5
    assert np.flatnonzero(f > 0).max() == 6 and 6 < np.exp((1 + np.pi) / 2) - 1 < 7
    r = RaisedCosineBasis(2.0, 1.0, (1.0, 3.0), 80, True).values()
    assert np.array_equal(r, RaisedCosineBasis(2.0, 1.0, (1.0, 3.0), 80).values()[:, ::-1])
    assert RaisedCosineBasis().values(30).shape == (20, 30)


def small_problem(seed: int = 0) -> tuple[SeparableProblem, dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    tensors = {"EXC": rng.poisson(1.0, (300, 25, 5)).astype(float), "INH": rng.poisson(0.5, (300, 25, 5)).astype(float)}
    y = rng.uniform(size=300) < 0.3
    problem = SeparableProblem.build(tensors, y, RaisedCosineBasis(2, 1, (1.0, 2.0, 3.0, 4.0, 5.0), 25, True),
                                     RaisedCosineBasis(3, 5, (3.0, 4.5, 6.0), 5))
    return problem, tensors, y


def test_separable_identity() -> None:
    problem, tensors, _ = small_problem()
    x = np.random.default_rng(1).uniform(-1, 1, problem.n_parameters)
    direct = np.zeros(300)
    for g, (wt, wz) in problem.filters(x).items():
        direct += np.einsum("t,z,ntz->n", wt.astype(float), wz.astype(float), tensors[g])
    score = problem.score(x)
    assert score.dtype == np.float32 and problem.n_parameters == 16
    assert np.allclose(score, direct, rtol=1e-4, atol=1e-4 * np.abs(direct).max())


def test_normalisation_keeps_the_objective() -> None:
    problem, _, _ = small_problem(2)
    x = np.random.default_rng(3).uniform(-1, 1, problem.n_parameters)
    xn = normalize(problem, x)
    assert abs(problem.objective(xn) - problem.objective(x)) < 1e-6
    filters = problem.filters(xn)
    assert abs(filters["EXC"][0][np.argmax(np.abs(filters["EXC"][0]))] - 1.0) < 1e-5
    assert abs(filters["INH"][0][np.argmax(np.abs(filters["INH"][0]))] + 1.0) < 1e-5
    assert abs(np.abs(filters["EXC"][1]).max() - 1.0) < 1e-5


def test_auroc_matches_scikit_learn() -> None:
    rng = np.random.default_rng(4)
    y = rng.uniform(size=200) < 0.4
    s = rng.integers(0, 5, 200).astype(float)  # many ties
    assert abs(auroc(y, s) - roc_auc_score(y, s)) < 1e-12
    with pytest.raises(ArgumentValueError, match="both classes"):
        auroc(np.ones(3, bool), [1, 2, 3])


def test_planted_filters_are_recovered() -> None:
    rng = np.random.default_rng(6)
    temporal = RaisedCosineBasis(2, 1, (1.0, 2.0, 3.0, 4.0, 5.0, 6.0), 30, True)
    spatial = RaisedCosineBasis(3, 5, (3.0, 4.5, 6.0, 7.5), 6)
    D = rng.poisson(0.6, (4000, 30, 6)).astype(float)
    wt = np.array([0, 0, 0.3, 0.5, 1.0, 0.2]) @ temporal.values()
    wz = np.array([1.0, 0.6, 0.2, 0]) @ spatial.values()
    wni = np.einsum("ntz,t,z->n", D, wt, wz)
    beta = 1.1 / wni.std()
    y = rng.uniform(size=4000) < 1 / (1 + np.exp(-beta * (wni - np.median(wni))))
    split = random_split(4000, seed=2)
    planted_auroc = auroc(y[split.test], wni[split.test])
    assert 0.7 < planted_auroc < 0.9
    fit = fit_modular({"EXC": D}, y, temporal=temporal, spatial=spatial, n_restarts=2, seed=0, splits=split,
                      maxiter=1500)
    assert list(fit.scores.columns[:4]) == ["train", "test", "subtest1", "subtest2"]
    assert abs(fit.scores["test"].iloc[fit.best] - planted_auroc) < 0.01
    ft, fz = fit.filters()["EXC"]
    assert np.corrcoef(ft, wt)[0, 1] >= 0.9 and np.corrcoef(fz, wz)[0, 1] >= 0.9


def test_splits() -> None:
    legacy = random_split(10, shuffle=False)
    assert legacy.train.tolist() == list(range(7)) and legacy.subtest1.tolist() == [7]
    assert legacy.subtest2.tolist() == [8, 9]
    a, b = random_split(100, seed=1), random_split(100, seed=1)
    assert np.array_equal(a.train, b.train) and not np.array_equal(a.train, np.arange(70))
    assert sorted(np.concatenate([a.train, a.test]).tolist()) == list(range(100))
    isi = np.array([np.nan, -5.0, -10.0, -50.0, np.nan])
    s = isi_split(isi, min_isi_ms=10, shuffle=False)
    assert sorted(np.concatenate([s.train, s.test]).tolist()) == [0, 2, 3, 4]
    with pytest.raises(ArgumentValueError, match="train_fraction"):
        random_split(10, 1.0)
