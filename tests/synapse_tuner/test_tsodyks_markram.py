"""The closed-form Tsodyks–Markram recursion (pure numpy)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from isf.synapse_tuner.tsodyks_markram import tm_release

uses = st.floats(0.01, 1.0)
taus = st.floats(1.0, 2000.0)
intervals = st.floats(1.0, 500.0)


@given(uses, taus, taus, st.lists(intervals, min_size=1, max_size=12))
def test_first_event_releases_use_and_all_fractions_are_probabilities(
    use: float, dep: float, fac: float, gaps: list[float]
) -> None:
    times = 10.0 + np.concatenate([[0.0], np.cumsum(gaps)])
    p = tm_release(times, use, dep, fac)
    assert p[0] == pytest.approx(use)
    assert np.all((p >= 0) & (p <= 1 + 1e-12))


@given(uses, taus, intervals)
def test_depressing_train_approaches_the_analytic_steady_state(use: float, dep: float, gap: float) -> None:
    # Without facilitation u = U at every spike and R obeys a linear map with fixed point
    # R* = (1 − e) / (1 − (1 − U) e), e = exp(−Δ/D).
    e = math.exp(-gap / dep)
    n = int(math.log(1e-12) / math.log((1 - use) * e)) + 2 if (1 - use) * e > 0 else 2
    times = gap * np.arange(n)
    p = tm_release(times, use, dep, 0.0)
    r_star = (1 - e) / (1 - (1 - use) * e)
    assert p[-1] == pytest.approx(use * r_star, rel=1e-6, abs=1e-12)


def test_two_pulses_by_hand() -> None:
    use, dep, fac, gap = 0.2, 100.0, 50.0, 20.0
    p = tm_release([0.0, gap], use, dep, fac)
    u2 = use * math.exp(-gap / fac)
    u2 = u2 + use * (1 - u2)
    r2 = 1 - (1 - (1 - use)) * math.exp(-gap / dep)
    assert p[1] == pytest.approx(u2 * r2, rel=1e-12)
    # long gaps: full recovery, no facilitation left
    assert tm_release([0.0, 1e6], use, dep, fac)[1] == pytest.approx(use)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"use": 1.5}, "use"),
        ({"dep_ms": 0.0}, "dep_ms"),
        ({"fac_ms": -1.0}, "fac_ms"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, float], match: str) -> None:
    args = {"use": 0.5, "dep_ms": 100.0, "fac_ms": 0.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        tm_release([1.0, 2.0], **args)


def test_unsorted_times_are_refused() -> None:
    with pytest.raises(ValueError, match="sorted"):
        tm_release([5.0, 1.0], 0.5, 100.0, 0.0)
