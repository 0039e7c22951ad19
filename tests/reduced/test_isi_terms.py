"""The ISI terms of the modular model (REDUCED_MODELS §4.4): the raised-cosine term and the cutoff by
hand, normalisation keeps the ranking, and a planted refractory period is found by the fit."""

from __future__ import annotations

import numpy as np
import pytest

from isf.errors import ArgumentValueError
from isf.reduced import ISI_BASIS, IsiTerms, RaisedCosineBasis, SeparableProblem, auroc, fit_modular, normalize


def test_raised_cosine_term_by_hand() -> None:
    isi = np.array([np.nan, -0.5, -1.0, -3.7, -79.0, -200.0])
    terms = IsiTerms.build(isi)
    assert terms.index.tolist() == [79, -1, 0, 2, 78, 79]  # Δ in [0, 1) → −1, ISF's quirk: the last element
    x = np.random.default_rng(0).uniform(-5, 5, terms.n_parameters)
    filt = x.astype(np.float32) @ ISI_BASIS.values()
    np.testing.assert_allclose(terms.score(x), filt[[79, 79, 0, 2, 78, 79]], rtol=1e-6)
    assert terms.filter(x).shape == (80,) and terms.cutoff(x) is None


def test_cutoff_term_by_hand() -> None:
    isi = np.array([np.nan, -1.0, -5.0, -9.0])
    terms = IsiTerms.build(isi, basis=None, cutoff=True)
    assert terms.n_parameters == 1
    assert terms.score([5.0]).tolist() == [0.0, -1e10, 0.0, 0.0]  # vetoed: the last spike less than 5 ms ago
    assert terms.score([9.5]).tolist() == [0.0, -1e10, -1e10, -1e10]  # no spike counts as −100 ms
    assert 0.0 <= terms.x0(np.random.default_rng(1))[0] < 4.0
    with pytest.raises(ArgumentValueError, match="<= 0 ms"):
        IsiTerms.build(np.array([1.0]))
    with pytest.raises(ArgumentValueError, match="a basis or the cutoff"):
        IsiTerms.build(isi, basis=None)


def _planted(seed: int, n: int = 1500) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """EXC input drives spikes, but not within 8 ms of the last spike (a refractory period)."""
    rng = np.random.default_rng(seed)
    exc = rng.poisson(1.0, (n, 20, 3)).astype(float)
    inh = rng.poisson(1.0, (n, 20, 3)).astype(float)
    drive = exc[:, -8:, :].sum(axis=(1, 2)) - 0.5 * inh[:, -8:, :].sum(axis=(1, 2))
    recent = rng.uniform(size=n) < 0.35
    old = np.where(rng.uniform(size=n) < 0.5, np.nan, -rng.uniform(60, 99, n))  # no spike, or long ago
    isi = np.where(recent, -rng.uniform(0.0, 8.0, n), old)
    y = (drive + rng.normal(0, 2, n) > np.quantile(drive, 0.5)) & ~recent
    return {"EXC": exc, "INH": inh}, y, isi


def test_normalize_keeps_the_ranking_with_isi_terms() -> None:
    tensors, y, isi = _planted(3, 400)
    terms = IsiTerms.build(isi, basis=RaisedCosineBasis(2.0, 1.0, (1.0, 2.0, 3.0), 80), cutoff=True)
    problem = SeparableProblem.build(tensors, y, RaisedCosineBasis(2, 1, (1.0, 2.0, 3.0), 20, True),
                                     RaisedCosineBasis(3, 5, (3.0, 4.5), 3), isi=terms)
    x = problem.x0(np.random.default_rng(2))
    assert x.shape == (problem.n_parameters,) == ((3 + 2) * 2 + 3 + 1,)
    assert auroc(y, problem.score(normalize(problem, x))) == pytest.approx(auroc(y, problem.score(x)), abs=1e-12)


def test_the_fit_finds_a_planted_refractory_period() -> None:
    tensors, y, isi = _planted(5)
    bases = {"temporal": RaisedCosineBasis(2, 1, (1.0, 2.0, 3.0, 4.0), 20, True),
             "spatial": RaisedCosineBasis(3, 5, (3.0, 4.5), 3)}
    plain = fit_modular(tensors, y, n_restarts=2, seed=1, maxiter=1500, **bases)
    with_cutoff = fit_modular(tensors, y, n_restarts=2, seed=1, maxiter=1500,
                              isi=IsiTerms.build(isi, basis=None, cutoff=True), **bases)
    _, cutoff = with_cutoff.isi()
    assert cutoff is not None and 7.9 <= cutoff <= 60.0  # vetoes every recent spike, keeps the old ones
    best_plain = plain.scores.loc[plain.best, "test"]
    best_cut = with_cutoff.scores.loc[with_cutoff.best, "test"]
    assert best_cut >= best_plain + 0.1, (best_plain, best_cut)


def test_the_isi_filter_learns_the_refractory_period() -> None:
    tensors, y, isi = _planted(5)
    fit = fit_modular(tensors, y, n_restarts=1, seed=1, maxiter=1500, isi=IsiTerms.build(isi),
                      temporal=RaisedCosineBasis(2, 1, (1.0, 2.0, 3.0, 4.0), 20, True),
                      spatial=RaisedCosineBasis(3, 5, (3.0, 4.5), 3))
    isi_filter, cutoff = fit.isi()
    assert cutoff is None and isi_filter.shape == (80,)
    assert isi_filter[1:7].max() < isi_filter[60:].min()  # a spike 2-7 ms ago counts against spiking
    assert fit.scores.loc[fit.best, "test"] > 0.85
