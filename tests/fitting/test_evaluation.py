"""Evaluating many vectors: parallel equals sequential, incremental stops early, runaway runs time out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from isf.backends.parallel import Parallel
from isf.fitting.evaluation import evaluate_many
from isf.fitting.setup import TIMEOUT_SCORE, example_models, morphology89_setup


def test_parallel_equals_sequential_and_keeps_order() -> None:
    setup = morphology89_setup(protocols=("bAP",))
    vectors = example_models().iloc[[0, 3]]
    seq = evaluate_many(setup, vectors, parallel=Parallel(backend="sequential", progress=False))
    par = evaluate_many(setup, vectors, parallel=Parallel(backend="loky", workers=2, progress=False))
    assert list(par.index) == list(vectors.index)
    for name in setup.objective_names:
        assert np.allclose(seq[name].astype(float), par[name].astype(float))
    assert (par["ephys.NaTa_t.soma.gNaTa_tbar"] == vectors["ephys.NaTa_t.soma.gNaTa_tbar"]).all()


def test_incremental_evaluation_stops_at_the_first_failing_protocol() -> None:
    setup = morphology89_setup(protocols=("bAP", "BAC", "StepOne"))
    params = example_models().iloc[0]
    inside, ev = setup.evaluate_incremental(params, {"bAP": 0.5})  # model 0 scores ~2 σ on bAP
    assert not inside and "bAP_att2" in ev and "BAC_ISI" not in ev
    assert ev["scale_apical.scale"] == params["scale_apical.scale"]


def test_runaway_evaluation_is_cut_by_the_time_limit() -> None:
    setup = morphology89_setup(protocols=("bAP", "StepOne"), time_limit_s=0.02)
    frame = evaluate_many(setup, example_models().iloc[[0]], parallel=Parallel(backend="sequential", progress=False))
    row = frame.iloc[0]
    assert bool(row["timed_out"]) and not bool(row["inside"])
    assert all(float(row[n]) == TIMEOUT_SCORE for n in setup.objective_names)
    assert isinstance(frame, pd.DataFrame) and float(row["eval_s"]) < 5.0
