"""The pooled space × time histogram (REDUCED_MODELS §6.1 a): ISF's fixture, for 1, 2 and 3 partitions."""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from isf.errors import ArgumentValueError
from isf.reduced import pooled_histogram, pooled_histogram_dask

EXPECTED = [[0, 0, 6, 1, 0, 1], [0, 0, 0, 0, 4, 2]]


def fixture() -> pd.DataFrame:
    return pd.DataFrame({"distance": [0, 0, 1, 4, 5, 5.3, 5.4],
                         "1": [10, np.nan, 10, 11, 20, 20, 20],
                         "2": [15, np.nan, 11, 12, 21, 30, 30],
                         "3": [np.nan, np.nan, 11.5, 30, np.nan, np.nan, np.nan]})


def test_isf_fixture() -> None:
    assert pooled_histogram(fixture(), "distance", 5, 0, 30, 5).tolist() == EXPECTED


@pytest.mark.parametrize("npartitions", [1, 2, 3])
def test_any_partitioning(npartitions: int) -> None:
    ddf = dd.from_pandas(fixture(), npartitions=npartitions, sort=False)
    assert ddf.npartitions == npartitions
    assert pooled_histogram_dask(ddf, "distance", 5, 0, 30, 5).tolist() == EXPECTED


def test_long_form_equals_wide_form() -> None:
    wide = fixture()
    cols = ["1", "2", "3"]
    values = wide[cols].to_numpy()
    row, col = np.nonzero(~np.isnan(values))
    long = pd.DataFrame({"soma_distance_um": wide.distance.to_numpy()[row], "time_ms": values[row, col]})
    assert pooled_histogram(long, spatial_bin_um=5, max_time_ms=30, time_bin_ms=5).tolist() == EXPECTED


def test_bad_arguments() -> None:
    with pytest.raises(ArgumentValueError, match="no distance column"):
        pooled_histogram(fixture(), "depth")
    with pytest.raises(ArgumentValueError, match="spatial_bin_um"):
        pooled_histogram(fixture(), "distance", 0)
