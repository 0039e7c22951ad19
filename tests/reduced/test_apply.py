"""Rolling application and the refractory correction (REDUCED_MODELS §6.3 g, h)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from isf.reduced import Lookup, fraction_able_to_spike, rolling


def test_isf_rolling_self_test() -> None:
    data = {"EXC": np.array([[0, 1, 1, 0, 0, 0]]), "INH": np.array([[0, 1, 1, 0, 0, 0]])}
    kernels = {"EXC": [0, 0, 1], "INH": [0, 1, 1]}
    result = rolling(kernels, data, Lookup(-1, np.array([0.0, 0.0, 1.0, 1.0])), 0)
    assert result.convolutions["EXC"][0].tolist() == [0, 0, 1, 1, 0, 0]
    assert result.convolutions["INH"][0].tolist() == [0, 0, 1, 2, 1, 0]
    assert result.wni[0].tolist() == [0, 0, 2, 3, 1, 0]
    assert result.p_spike[0].tolist() == [0, 0, 1, 1, 1, 0]
    assert result.raw_psth.tolist() == [0, 0, 1, 1, 1, 0]
    assert result.psth.tolist() == [0, 0, 1, 1, 1, 0] and result.able_to_spike.tolist() == [1.0] * 7


@settings(max_examples=40, deadline=None)
@given(raw=st.lists(st.floats(0.0, 0.5), min_size=1, max_size=60), rp=st.integers(1, 8))
def test_refractory_identity(raw: list[float], rp: int) -> None:
    able = fraction_able_to_spike(raw, rp)
    fired = able[:-1] * np.asarray(raw)
    for t in range(len(raw) + 1):
        assert abs(able[t] + fired[max(0, t - rp):t].sum() - 1.0) < 1e-12


def test_constant_rate_reaches_the_steady_state() -> None:
    p, rp = 0.05, 4
    able = fraction_able_to_spike(np.full(400, p), rp)
    assert abs(able[-1] - 1.0 / (1.0 + rp * p)) < 1e-6
    assert np.array_equal(fraction_able_to_spike(np.full(5, p), 0), np.ones(6))
