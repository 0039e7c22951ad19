"""Spike-in-window labels and the time since the last spike (REDUCED_MODELS §6.2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from isf.errors import ArgumentValueError
from isf.reduced import isi_before, spike_in_interval, spike_table_from_traces
from isf.reduced.targets import spike_times_aligned


def test_left_closed_right_open() -> None:
    spikes = [[255.0], [265.0], [], [np.nan], [240.0, 260.0]]
    assert spike_in_interval(spikes, 255, 265).tolist() == [True, False, False, False, True]
    assert not spike_in_interval(spikes, 255, 255).any()
    wide = pd.DataFrame([[255.0, np.nan], [265.0, np.nan]])
    assert spike_in_interval(wide, 255, 265).tolist() == [True, False]


def test_isi_and_the_input_is_not_modified() -> None:
    table = np.array([[240.0, 255.0, 300.0], [np.nan, np.nan, np.nan], [270.0, np.nan, np.nan]])
    before = table.copy()
    isi = isi_before(table, 255.0)
    assert isi[0] == 0.0 and np.isnan(isi[1]) and np.isnan(isi[2])
    assert np.array_equal(table, before, equal_nan=True)


def test_alignment_by_trial_key() -> None:
    table = pd.DataFrame([[1.0], [np.nan], [3.0]], index=[10, 11, 12])
    assert spike_times_aligned(table, [12, 10])[:, 0].tolist() == [3.0, 1.0]
    with pytest.raises(ArgumentValueError, match="no row"):
        spike_times_aligned(table, [13])


def test_spikes_from_traces_use_the_one_detector() -> None:
    t = np.arange(0, 10, 1.0)
    v = np.array([-70, -70, 5, 10, -60, -70, 1, -70, -70, -70.0])
    table = spike_table_from_traces(pd.DataFrame([v, np.full(10, -70.0)], columns=t, index=[3, 4]))
    assert table.loc[3].tolist() == [2.0, 6.0] and table.loc[4].isna().all()
