"""Fixtures of the run-store tests (the data itself is built in ``store_data``)."""

from __future__ import annotations

import pytest
from store_data import N_TRIALS, build_network, make_result

from isf.model.network import Network
from isf.model.trial_result import TrialResult


@pytest.fixture(scope="module")
def network() -> Network:
    """The two-population network of :func:`store_data.build_network`."""
    return build_network()


@pytest.fixture(scope="module")
def results(network: Network) -> list[TrialResult]:
    """One synthetic trial per trial index of the run."""
    return [make_result(network, i) for i in range(N_TRIALS)]
