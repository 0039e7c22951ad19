"""Random-walk exploration from a seedpoint (LEGACY_FORMATS §8.9), resumable.

In normalised space ``p̂ = (p − min)/(max − min)`` each iteration draws a direction ``N(0, I)`` scaled to
unit length and a step ``U(min_step, max_step)``, redrawing until the proposal lies in ``[0, 1]`` (and,
in ``expand`` mode, moves away from the seed). The proposal is evaluated incrementally (protocols in
order, stopping at the first over its cutoff) and **accepted iff it is inside** — no Metropolis step.
Every evaluation is stored with ``iteration``, ``n_suggestion`` (draws needed) and ``inside``.

Files, per particle ``<out>/particle_<id>/``: ``evaluations_<first>_<last>.h5`` every ``save_every``
iterations and ``state.pickle`` (iteration, current point, the ``numpy`` generator state), both written
atomically. Calling :func:`explore` again continues after the last saved iteration with the same draws
an uninterrupted walk would have made.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from isf.backends.parallel import Parallel, map_unordered
from isf.errors import FittingError
from isf.fitting.optimize import _atomic_pickle, write_table
from isf.fitting.parameters import ParameterSpace
from isf.fitting.setup import DEFAULT_CUTOFFS, HaySetup
from isf.model.validation import (
    fail,
    non_negative,
    non_negative_int,
    positive_int,
    to_float,
)

STATE = "state.pickle"
InsideTest = Callable[[Mapping[str, float]], tuple[bool, pd.Series]]


def _mode(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in (None, "expand"):
        fail(instance, attribute, value, "None or 'expand'")


@attrs.frozen
class WalkSettings:
    """Settings of a random walk.

    Attributes:
        seed: seed of the walk's ``numpy`` generator (particle ``k`` draws from ``default_rng([seed, k])``).
        n_iterations: iterations after the seedpoint (iteration 0) at which the walk stops.
        min_step, max_step: step length range in normalised units.
        save_every: iterations per evaluations file / checkpoint.
        mode: ``None`` or ``"expand"`` (only proposals farther from the seed).
    """

    seed: int = attrs.field(validator=non_negative_int)
    n_iterations: int = attrs.field(default=60000, validator=positive_int)
    min_step: float = attrs.field(default=0.0, converter=to_float, validator=non_negative)
    max_step: float = attrs.field(default=0.02, converter=to_float, validator=non_negative)
    save_every: int = attrs.field(default=100, validator=positive_int)
    mode: str | None = attrs.field(default=None, validator=_mode)

    def __attrs_post_init__(self) -> None:
        if self.max_step < self.min_step or self.max_step == 0:
            raise FittingError(f"WalkSettings: need 0 < max_step and min_step <= max_step, found "
                                  f"[{self.min_step}, {self.max_step}]")

    def identity(self) -> dict[str, Any]:
        """What must match to resume (all but ``n_iterations``)."""
        d = attrs.asdict(self)
        d.pop("n_iterations")
        return d


@attrs.frozen(eq=False)
class HayInsideTest:
    """Incremental Hay evaluation as the inside test (picklable for worker processes).

    Attributes:
        setup: the fitting set-up.
        cutoffs: per-protocol cutoffs, σ (default ISF's 3.2 / 3.2 / 4.5).
    """

    setup: HaySetup
    cutoffs: dict[str, float] = attrs.field(factory=lambda: dict(DEFAULT_CUTOFFS))

    def __call__(self, params: Mapping[str, float]) -> tuple[bool, pd.Series]:
        return self.setup.evaluate_incremental(params, self.cutoffs)


def _propose(rng: np.random.Generator, current: np.ndarray, seed: np.ndarray, s: WalkSettings) -> tuple[np.ndarray, int]:
    n = 0
    while True:
        n += 1
        direction = rng.standard_normal(current.size)
        direction /= np.linalg.norm(direction)
        proposal = current + rng.uniform(s.min_step, s.max_step) * direction
        if np.all((proposal >= 0.0) & (proposal <= 1.0)) and (
                s.mode != "expand" or np.linalg.norm(proposal - seed) > np.linalg.norm(current - seed)):
            return proposal, n


def explore(inside_test: InsideTest, space: ParameterSpace, seed_point: Mapping[str, float] | pd.Series,
            out_dir: str | os.PathLike[str], settings: WalkSettings, *, particle_id: int = 0,
            progress: bool = True) -> Path:
    """Run (or resume) one walker; returns its folder. ``seed_point`` must be inside (checked)."""
    folder = Path(out_dir) / f"particle_{particle_id}"
    folder.mkdir(parents=True, exist_ok=True)
    seed_norm = space.normalize(space.vector(seed_point))
    identity = {"settings": settings.identity(), "particle_id": particle_id, "parameters": list(space.names),
                "seed_point": seed_norm.tolist()}
    state_path = folder / STATE
    rows: list[pd.Series] = []
    if state_path.exists():
        with open(state_path, "rb") as handle:
            state = pickle.load(handle)
        if state["identity"] != identity:
            raise FittingError(f"{state_path}: this walk was started with other settings or another seed "
                                  "point; use another folder")
        iteration, current = int(state["iteration"]), np.asarray(state["current"])
        rng = np.random.default_rng()
        rng.bit_generator.state = state["rng_state"]
    else:
        rng = np.random.default_rng([settings.seed, particle_id])
        inside, evaluation = inside_test(dict(space.series(space.denormalize(seed_norm))))
        if not inside:
            raise FittingError("the seed point is not inside (its incremental evaluation fails a cutoff)")
        iteration, current = 0, seed_norm
        rows.append(_row(evaluation, 0, 0, True, particle_id))
        _save(folder, rows, iteration, current, rng, identity)
        rows = []
    first = iteration + 1
    with tqdm(total=settings.n_iterations, initial=min(iteration, settings.n_iterations), desc=f"walk {particle_id}",
              unit="it", disable=not progress) as bar:
        accepted = 0
        while iteration < settings.n_iterations:
            iteration += 1
            proposal, n_suggestion = _propose(rng, current, seed_norm, settings)
            inside, evaluation = inside_test(dict(space.series(space.denormalize(proposal))))
            if inside:
                current, accepted = proposal, accepted + 1
            rows.append(_row(evaluation, iteration, n_suggestion, inside, particle_id))
            if iteration % settings.save_every == 0 or iteration == settings.n_iterations:
                _save(folder, rows, iteration, current, rng, identity, first)
                rows, first = [], iteration + 1
            bar.update(1)
            bar.set_postfix(accepted=accepted)
    return folder


def _row(evaluation: pd.Series, iteration: int, n_suggestion: int, inside: bool, particle_id: int) -> pd.Series:
    meta = pd.Series({"particle_id": particle_id, "iteration": iteration, "n_suggestion": n_suggestion,
                      "inside": inside}, dtype=object)
    return pd.concat([meta, evaluation.drop(labels=["inside"], errors="ignore")])


def _save(folder: Path, rows: Sequence[pd.Series], iteration: int, current: np.ndarray, rng: np.random.Generator,
          identity: dict[str, Any], first: int = 0) -> None:
    if rows:
        write_table(pd.DataFrame(list(rows)), folder / f"evaluations_{first:06d}_{iteration:06d}.h5")
    _atomic_pickle({"identity": identity, "iteration": iteration, "current": current.tolist(),
                    "rng_state": rng.bit_generator.state}, folder / STATE)


def load_exploration(out_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Every stored evaluation of every particle under ``out_dir`` as one DataFrame, ordered by particle and
    iteration (evaluations of iterations redone after a crash appear once)."""
    files = sorted(Path(out_dir).glob("particle_*/evaluations_*.h5"))
    if not files:
        raise FileNotFoundError(f"no particle_*/evaluations_*.h5 files under {out_dir}")
    frame = pd.concat([pd.read_hdf(f, "evaluations") for f in files], ignore_index=True)
    frame = frame.drop_duplicates(subset=["particle_id", "iteration"], keep="last")
    frame["inside"] = frame["inside"].astype(bool)
    return frame.sort_values(["particle_id", "iteration"]).reset_index(drop=True)


def _walk(shared: tuple[InsideTest, ParameterSpace, dict[str, float], str, WalkSettings], particle: int) -> str:
    inside_test, space, seed_point, out_dir, settings = shared
    return str(explore(inside_test, space, seed_point, out_dir, settings, particle_id=particle, progress=False))


def explore_particles(inside_test: InsideTest, space: ParameterSpace, seed_point: Mapping[str, float] | pd.Series,
                      out_dir: str | os.PathLike[str], settings: WalkSettings, n_particles: int, *,
                      parallel: Parallel = Parallel()) -> list[Path]:
    """Run ``n_particles`` independent walkers from the same seed point in parallel (resumable).

    ``parallel`` says where the walkers run and whether to show a progress bar over walkers; its
    ``batch_size`` defaults to one walker per task here (each walker is a long job of its own).
    """
    shared = (inside_test, space, {k: float(v) for k, v in dict(seed_point).items()}, str(out_dir), settings)
    out: list[Path] = []
    parallel = attrs.evolve(parallel, batch_size=parallel.batch_size or 1)
    with parallel.progress_bar(n_particles, "walkers", "walker") as bar:
        for _, path in map_unordered(_walk, shared, list(range(n_particles)), parallel):
            out.append(Path(path))
            bar.update(1)
    return sorted(out)
