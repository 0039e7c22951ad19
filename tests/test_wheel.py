"""The acceptance of a real wheel: built from the checkout, installed into a fresh venv outside it,
isf runs the step-current quickstart there with its mechanisms compiled on first use.

Slow (about two minutes): it builds the sdist and the wheel, installs isf and its dependencies
(from pip's cache or the registry, constrained by ``requirements.lock``) and compiles the
packaged ``.mod`` files with ``nrnivmodl`` into a fresh cache.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Run inside the fresh venv, with the cwd outside the checkout: the quickstart's step current on
# cell 86 from the data shipped in the package (a short 1.507 nA step instead of 2 s).
SNIPPET = """
import json, sys
import isf
from isf.backends.neuron.mechanisms import MECHANISMS_DIR, cache_root, content_hash, load_mechanisms
from isf.backends.neuron.mechanisms.sources import mod_files
from isf.data import cell86

params = isf.read_cell_param(cell86("86_C2_center.param"))
experiment = isf.Experiment(
    params.cell,
    isf.Simulation(300.0, cvode=True, v_init_mV=params.simulation.v_init_mV,
                   celsius_degC=params.simulation.celsius_degC),
    [isf.CurrentStep(1.507, delay_ms=50, duration_ms=250)],
    [isf.Recording(isf.Soma())],
)
result = isf.simulate(experiment)
print(json.dumps({
    "isf_file": isf.__file__,
    "mechanisms_dir": str(MECHANISMS_DIR),
    "hash": content_hash(mod_files(MECHANISMS_DIR)),
    "library": str(load_mechanisms()),
    "cache_root": str(cache_root()),
    "spikes": len(result.spike_times("soma")),
}))
"""

#: Soma spikes of that step (the checkout gives the same; see test_checkout_gives_the_same_count).
EXPECTED_SPIKES = 7


def _run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _setuptools_at_least_77() -> bool:
    try:
        major = int(importlib.metadata.version("setuptools").split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return False
    return major >= 77


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would point the venv back at the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "ISF_MECHANISMS_DIR", "VIRTUAL_ENV"}}
    env.update(extra)
    return env


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_the_quickstart(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # sdist, then the wheel built from it (as `make dist` does): both must carry the .mod files;
    # the lock's setuptools builds without an isolated build env (no download), else pip fetches one
    isolation = ["--no-isolation"] if _setuptools_at_least_77() else []
    _run([sys.executable, "-m", "build", *isolation, "--outdir", str(dist), str(REPO)], cwd=tmp_path)
    (wheel,) = dist.glob("isf-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    mods = sorted(p.name for p in (REPO / "mechanisms").glob("*.mod"))
    assert sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("isf/_mechanisms/")) == mods
    assert "isf/data/cell86/86_C2_center.param" in names
    assert any(n.endswith("/hay_2011_targets.csv") for n in names)
    assert not any("__pycache__" in n for n in names)

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "-c", str(REPO / "requirements.lock"), str(wheel)],
        cwd=tmp_path,
        env=_clean_env(),
    )

    cache = tmp_path / "cache"
    env = _clean_env(ISF_CACHE_DIR=str(cache))
    version = _run([str(venv / "bin" / "isf"), "--version"], cwd=tmp_path, env=env)
    assert version.startswith("isf ") and "NEURON 9." in version

    out = _run([str(python), "-c", SNIPPET], cwd=tmp_path, env=env)
    report = json.loads(out.strip().splitlines()[-1])
    site = venv.resolve()
    # isf and its .mod files come from the venv, not the checkout
    assert Path(report["isf_file"]).resolve().is_relative_to(site)
    assert Path(report["mechanisms_dir"]).resolve() == Path(report["isf_file"]).resolve().parent / "_mechanisms"
    # compiled on first use into the fresh cache, under the same content hash as the checkout's files
    from isf.backends.neuron.mechanisms import content_hash
    from isf.backends.neuron.mechanisms.sources import mod_files

    assert report["hash"] == content_hash(mod_files(REPO / "mechanisms"))
    assert Path(report["library"]).is_relative_to(cache / "mechanisms" / report["hash"])
    assert report["spikes"] == EXPECTED_SPIKES


def test_checkout_gives_the_same_count(tmp_path: Path) -> None:
    """The snippet from the checkout: its own mechanisms/ folder, the same hash and spike count."""
    from isf.backends.neuron.mechanisms import content_hash
    from isf.backends.neuron.mechanisms.sources import mod_files

    out = _run([sys.executable, "-c", SNIPPET], cwd=REPO, env=_clean_env())
    report = json.loads(out.strip().splitlines()[-1])
    assert Path(report["mechanisms_dir"]) == (REPO / "mechanisms").resolve()
    assert report["hash"] == content_hash(mod_files(REPO / "mechanisms"))
    assert report["spikes"] == EXPECTED_SPIKES


def test_mechanism_folder_of_a_checkout_and_of_an_installed_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from isf.backends.neuron.mechanisms.sources import default_mechanisms_dir

    monkeypatch.delenv("ISF_MECHANISMS_DIR", raising=False)
    checkout = tmp_path / "checkout"
    (checkout / "isf").mkdir(parents=True)
    (checkout / "mechanisms").mkdir()
    (checkout / "pyproject.toml").write_text("")
    assert default_mechanisms_dir(checkout / "isf") == checkout / "mechanisms"

    # an installed wheel: site-packages/isf/_mechanisms, nothing of a checkout beside the package
    site = tmp_path / "site-packages"
    (site / "isf" / "_mechanisms").mkdir(parents=True)
    (site / "mechanisms").mkdir()  # another distribution's folder of that name is not ours
    assert default_mechanisms_dir(site / "isf") == site / "isf" / "_mechanisms"

    monkeypatch.setenv("ISF_MECHANISMS_DIR", str(tmp_path / "mine"))
    assert default_mechanisms_dir(site / "isf") == (tmp_path / "mine").resolve()
