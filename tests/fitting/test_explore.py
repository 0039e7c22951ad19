"""Random-walk exploration: accepts only inside models, stores every evaluation, resumes exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from zdt import ZDT1, ball_inside

from isf.backends.parallel import Parallel
from isf.errors import FittingError
from isf.fitting.explore import (
    HayInsideTest,
    WalkSettings,
    explore,
    explore_particles,
    load_exploration,
)
from isf.fitting.setup import example_models, morphology89_setup
from isf.model.validation import ModelValueError

CENTRE = {f"x{i}": 0.5 for i in range(5)}


def test_walk_accepts_only_inside_and_resumes(tmp_path: Path) -> None:
    settings = WalkSettings(seed=7, n_iterations=60, max_step=0.2, save_every=7)
    explore(ball_inside, ZDT1.space, CENTRE, tmp_path / "full", settings, progress=False)
    full = load_exploration(tmp_path / "full")
    assert list(full["iteration"]) == list(range(61))
    assert full["inside"].iloc[0] and 0 < full["inside"].sum() < 61
    # every accepted point lies inside; rejected proposals leave the walker in place
    accepted = full[full["inside"]]
    assert (accepted["distance"].astype(float) <= 0.3).all()
    assert (full["n_suggestion"].iloc[1:] >= 1).all()
    # interrupted after 20 iterations, then resumed
    explore(ball_inside, ZDT1.space, CENTRE, tmp_path / "part", WalkSettings(seed=7, n_iterations=20, max_step=0.2,
                                                                            save_every=7), progress=False)
    explore(ball_inside, ZDT1.space, CENTRE, tmp_path / "part", settings, progress=False)
    pd.testing.assert_frame_equal(load_exploration(tmp_path / "part"), full)


def test_steps_stay_in_bounds_and_have_the_right_length(tmp_path: Path) -> None:
    start = {f"x{i}": 0.99 for i in range(5)}
    explore(lambda p: (True, pd.Series(p, dtype=object)), ZDT1.space, start, tmp_path,
            WalkSettings(seed=1, n_iterations=30, min_step=0.01, max_step=0.05), progress=False)
    frame = load_exploration(tmp_path)
    points = frame[[f"x{i}" for i in range(5)]].to_numpy(float)
    assert np.all((points >= 0) & (points <= 1))
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    assert np.all((steps >= 0.01 - 1e-12) & (steps <= 0.05 + 1e-12))


def test_expand_mode_moves_away(tmp_path: Path) -> None:
    explore(lambda p: (True, pd.Series(p, dtype=object)), ZDT1.space, CENTRE, tmp_path,
            WalkSettings(seed=2, n_iterations=15, mode="expand"), progress=False)
    points = load_exploration(tmp_path)[[f"x{i}" for i in range(5)]].to_numpy(float)
    distance = np.linalg.norm(points - 0.5, axis=1)
    assert np.all(np.diff(distance) > 0)


def test_seed_point_must_be_inside_and_settings_must_match(tmp_path: Path) -> None:
    with pytest.raises(FittingError, match="not inside"):
        explore(ball_inside, ZDT1.space, {f"x{i}": 0.0 for i in range(5)}, tmp_path / "a",
                WalkSettings(seed=1, n_iterations=2), progress=False)
    explore(ball_inside, ZDT1.space, CENTRE, tmp_path / "b", WalkSettings(seed=1, n_iterations=2), progress=False)
    with pytest.raises(FittingError, match="other settings"):
        explore(ball_inside, ZDT1.space, CENTRE, tmp_path / "b", WalkSettings(seed=2, n_iterations=2), progress=False)
    with pytest.raises(ModelValueError):
        WalkSettings(seed=1, mode="shrink")


def test_particles_in_parallel_are_independent(tmp_path: Path) -> None:
    settings = WalkSettings(seed=3, n_iterations=10, max_step=0.2)
    explore_particles(ball_inside, ZDT1.space, CENTRE, tmp_path, settings, 2,
                      parallel=Parallel(workers=2, progress=False))
    frame = load_exploration(tmp_path)
    assert sorted(frame["particle_id"].unique()) == [0, 1]
    a, b = (frame[frame.particle_id == k][["x0", "x1"]].to_numpy(float) for k in (0, 1))
    assert not np.allclose(a[1:], b[1:])
    explore(ball_inside, ZDT1.space, CENTRE, tmp_path / "single", settings, particle_id=1, progress=False)
    single = load_exploration(tmp_path / "single")
    pd.testing.assert_frame_equal(single, frame[frame.particle_id == 1].reset_index(drop=True))


def test_hay_exploration_from_model_0(tmp_path: Path) -> None:
    setup = morphology89_setup(protocols=("bAP", "BAC"))
    test = HayInsideTest(setup)
    seed = example_models().iloc[0]
    settings = WalkSettings(seed=11, n_iterations=3, save_every=2, max_step=0.01)
    explore(test, setup.space, seed, tmp_path, WalkSettings(seed=11, n_iterations=1, save_every=2, max_step=0.01),
            progress=False)
    explore(test, setup.space, seed, tmp_path, settings, progress=False)  # resumed
    frame = load_exploration(tmp_path)
    assert list(frame["iteration"]) == [0, 1, 2, 3]
    accepted = frame[frame["inside"]]
    assert len(accepted) >= 2  # the seed and at least one small step
    for _, row in accepted.iterrows():
        assert max(float(row[n]) for n in setup.objective_names) <= 3.2
        assert setup.space.contains(setup.space.vector(row))
