"""Single-event metrics on analytic dual-exponential responses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isf.synapse_tuner.metrics import (
    dual_exponential_rise_time,
    event_metrics,
    fit_dual_exponential,
)


def dual_exp(t: np.ndarray, t0: float, a: float, tau_r: float, tau_d: float) -> np.ndarray:
    s = np.maximum(t - t0, 0.0)
    return a * (np.exp(-s / tau_d) - np.exp(-s / tau_r))


def peak_of(a: float, tau_r: float, tau_d: float) -> tuple[float, float]:
    tp = tau_r * tau_d / (tau_d - tau_r) * math.log(tau_d / tau_r)
    return tp, a * (math.exp(-tp / tau_d) - math.exp(-tp / tau_r))


@settings(max_examples=25, deadline=None)
@given(
    tau_r=st.floats(0.1, 3.0),
    ratio=st.floats(3.0, 60.0),
    a=st.floats(0.01, 50.0),
    sign=st.sampled_from([-1.0, 1.0]),
    baseline=st.floats(-80.0, 1.0),
)
def test_dual_exponential_metrics_are_recovered(
    tau_r: float, ratio: float, a: float, sign: float, baseline: float
) -> None:
    tau_d = tau_r * ratio
    t0 = 20.0
    dt = min(0.025, tau_r / 20)  # linear interpolation of the 90 % crossing: error ~ dt²
    t = np.arange(0.0, t0 + 12 * tau_d, dt)
    y = baseline + sign * dual_exp(t, t0, a, tau_r, tau_d)
    m = event_metrics(t, y, t0)
    tp, peak = peak_of(a, tau_r, tau_d)
    assert m.sign == int(sign)
    assert m.baseline == pytest.approx(baseline, abs=1e-9)
    assert m.amplitude == pytest.approx(sign * peak, rel=1e-3)
    assert m.time_to_peak_ms == pytest.approx(tp, abs=dt)
    assert m.rise_tau_ms == pytest.approx(tau_r, rel=0.01)
    assert m.decay_tau_ms == pytest.approx(tau_d, rel=0.01)
    assert m.rise_time_ms == pytest.approx(dual_exponential_rise_time(tau_r, tau_d), rel=0.02, abs=dt / 2)
    # ∫ a (e^{−s/τd} − e^{−s/τr}) ds = a (τd − τr), less the tail beyond 12 τd
    assert m.charge == pytest.approx(sign * a * (tau_d - tau_r), rel=2e-3)


def test_half_width_and_latency_on_a_known_shape() -> None:
    tau_r, tau_d, a, t0 = 0.5, 10.0, 1.0, 5.0
    t = np.arange(0.0, 150.0, 0.005)
    m = event_metrics(t, dual_exp(t, t0, a, tau_r, tau_d), t0)
    _, peak = peak_of(a, tau_r, tau_d)
    from scipy.optimize import brentq

    def shape(s: float) -> float:
        return a * (math.exp(-s / tau_d) - math.exp(-s / tau_r))

    tp = peak_of(a, tau_r, tau_d)[0]
    up = brentq(lambda s: shape(s) - 0.5 * peak, 0, tp)
    down = brentq(lambda s: shape(s) - 0.5 * peak, tp, 200)
    assert m.half_width_ms == pytest.approx(down - up, abs=0.01)
    assert m.latency_ms == pytest.approx(brentq(lambda s: shape(s) - 0.1 * peak, 0, tp), abs=0.01)


def test_nonuniform_time_points_are_handled() -> None:
    rng = np.random.default_rng(3)
    t = np.sort(np.concatenate([[0.0, 10.0], rng.uniform(0.0, 200.0, 4000)]))
    y = -dual_exp(t, 10.0, 2.0, 0.4, 8.0)
    m = event_metrics(t, y, 10.0)
    assert m.sign == -1
    assert m.decay_tau_ms == pytest.approx(8.0, rel=0.01)
    assert m.rise_tau_ms == pytest.approx(0.4, rel=0.03)


def test_no_response_gives_zero_amplitude_and_nans() -> None:
    t = np.arange(0.0, 50.0, 0.1)
    m = event_metrics(t, np.full_like(t, -70.0), 10.0)
    assert m.amplitude == 0.0 and math.isnan(m.rise_time_ms) and math.isnan(m.decay_tau_ms)


def test_fit_returns_nan_for_a_trace_without_a_peak() -> None:
    t = np.arange(0.0, 10.0, 0.1)
    assert all(math.isnan(v) for v in fit_dual_exponential(t, np.zeros_like(t), 0.0))


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="equal length"):
        event_metrics(np.arange(5.0), np.arange(4.0), 1.0)
    with pytest.raises(ValueError, match="fewer than 3 samples"):
        event_metrics(np.arange(5.0), np.arange(5.0), 4.5)
