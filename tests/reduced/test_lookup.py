"""The lookup table built by hand (REDUCED_MODELS §6.3 f) and its degenerate cases."""

from __future__ import annotations

import numpy as np
import pytest

from isf.errors import FittingError
from isf.reduced import Lookup, lookup_from_wni


def test_lut_by_hand() -> None:
    lut = lookup_from_wni([0, 0, 10, 10], [False, False, True, True], step=5)
    assert lut.grid.tolist() == list(range(-3, 13))
    table = lut.as_dict()
    assert [table[g] for g in (-3, -2, -1, 0)] == [0.0, 0.0, 0.0, 0.0]
    assert table[5] == 0.5 and table[10] == table[11] == table[12] == 1.0


def test_half_to_even_keys_and_exclusion() -> None:
    # 2.5 → key 0 (half to even with step 5), 7.5 → key 10
    lut = lookup_from_wni([2.5, 7.5, 7.5, 100.0], [False, True, False, True], step=5, exclude=[0, 0, 1, 0])
    assert lut.as_dict()[0] == 0.0 and lut.as_dict()[10] == 1.0 and lut.as_dict()[100] == 1.0


def test_a_single_bin_is_an_error() -> None:
    with pytest.raises(FittingError, match="too few bins"):
        lookup_from_wni([1.0, 2.0], [True, False], step=5)
    with pytest.raises(FittingError, match="no trials"):
        lookup_from_wni([1.0], [True], exclude=[True])


def test_application_rounds_and_clips() -> None:
    lut = Lookup(-1, np.array([0.0, 0.0, 1.0, 1.0]))
    assert lut([0.4, 0.5, 1.5, -7.0, 9.0], warn=False).tolist() == [0.0, 0.0, 1.0, 0.0, 1.0]
