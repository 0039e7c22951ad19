"""deap optimisation: seeded, checkpointed, resumable to the same result; IBEA selection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from zdt import ZDT1

from isf.backends.parallel import Parallel
from isf.errors import FittingError
from isf.fitting.ibea import indicator_fitness
from isf.fitting.optimize import (
    CHECKPOINT,
    OptimizerSettings,
    load_generations,
    optimize,
)
from isf.fitting.problem import HayProblem
from isf.fitting.setup import morphology89_setup
from isf.model.validation import ModelValueError


@pytest.mark.parametrize("selector", ["IBEA", "NSGA2"])
def test_resume_gives_the_uninterrupted_result(tmp_path: Path, selector: str) -> None:
    full = optimize(ZDT1(), OptimizerSettings(seed=3, offspring_size=12, max_generations=8, selector=selector),
                    tmp_path / "a", progress=False)
    optimize(ZDT1(), OptimizerSettings(seed=3, offspring_size=12, max_generations=3, selector=selector),
             tmp_path / "b", progress=False)
    resumed = optimize(ZDT1(), OptimizerSettings(seed=3, offspring_size=12, max_generations=8, selector=selector),
                       tmp_path / "b", progress=False)
    assert full.generation == resumed.generation == 8
    assert full.parents.equals(resumed.parents)
    assert load_generations(tmp_path / "a").equals(load_generations(tmp_path / "b"))
    other = optimize(ZDT1(), OptimizerSettings(seed=4, offspring_size=12, max_generations=8, selector=selector),
                     tmp_path / "c", progress=False)
    assert not other.parents.equals(full.parents)


def test_optimisation_improves_and_stores_every_generation(tmp_path: Path) -> None:
    result = optimize(ZDT1(), OptimizerSettings(seed=1, offspring_size=20, max_generations=25), tmp_path, progress=False)
    table = load_generations(tmp_path)
    assert sorted(table["generation"].unique()) == list(range(1, 26))
    assert (table["generation"] == 1).sum() == 20
    first = table[table.generation == 1][["f1", "f2"]].sum(axis=1).min()
    assert result.parents[["f1", "f2"]].sum(axis=1).min() < first
    space = ZDT1.space
    assert all(space.contains(row) for row in result.parents[list(space.names)].to_numpy())


def test_killed_run_resumes(tmp_path: Path) -> None:
    script = ("import sys; sys.path.insert(0, %r)\n"
              "from zdt import ZDT1\nfrom isf.fitting.optimize import OptimizerSettings, optimize\n"
              "optimize(ZDT1(), OptimizerSettings(seed=5, offspring_size=10, max_generations=6), %r, progress=False)\n"
              % (str(Path(__file__).parent), str(tmp_path / "killed")))
    env = {**os.environ, "ISF_TEST_CRASH_AFTER": "3"}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert (tmp_path / "killed" / CHECKPOINT).exists()
    assert not (tmp_path / "killed" / "generation_0004.h5").exists()
    resumed = optimize(ZDT1(), OptimizerSettings(seed=5, offspring_size=10, max_generations=6), tmp_path / "killed",
                       progress=False)
    full = optimize(ZDT1(), OptimizerSettings(seed=5, offspring_size=10, max_generations=6), tmp_path / "full",
                    progress=False)
    assert resumed.parents.equals(full.parents)
    assert not list((tmp_path / "killed").glob(".*tmp"))


def test_resume_refuses_other_settings(tmp_path: Path) -> None:
    optimize(ZDT1(), OptimizerSettings(seed=1, offspring_size=4, max_generations=1), tmp_path, progress=False)
    with pytest.raises(FittingError, match="other settings"):
        optimize(ZDT1(), OptimizerSettings(seed=1, offspring_size=6, max_generations=2), tmp_path, progress=False)


def test_settings_validation() -> None:
    with pytest.raises(ModelValueError, match="probability"):
        OptimizerSettings(seed=1, cxpb=1.5)
    with pytest.raises(ModelValueError, match="IBEA or NSGA2"):
        OptimizerSettings(seed=1, selector="SPEA2")


def test_ibea_fitness_prefers_dominating_points() -> None:
    objectives = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    fitness = indicator_fitness(objectives)
    assert fitness.argmax() == 0 and fitness.argmin() == 1
    assert fitness[2] == pytest.approx(fitness[3])


def test_hay_optimisation_of_bap_and_bac(tmp_path: Path) -> None:
    setup = morphology89_setup(protocols=("bAP", "BAC"))
    problem = HayProblem(setup, parallel=Parallel(backend="sequential", progress=False))
    assert problem.objective_names == ("bAP_somatic_spike", "bAP", "BAC_somatic", "BAC_caSpike", "BAC_spikecount")
    result = optimize(problem, OptimizerSettings(seed=2, offspring_size=3, max_generations=2), tmp_path, progress=False)
    table = load_generations(tmp_path)
    assert (table["generation"] == 1).sum() == 3 and set(table["generation"]) <= {1, 2}
    assert {"bAP_att2", "BAC_ISI.raw", "combined.bAP", "ephys.NaTa_t.soma.gNaTa_tbar"} <= set(table.columns)
    assert np.all(result.parents[list(problem.objective_names)].to_numpy() >= 0)
