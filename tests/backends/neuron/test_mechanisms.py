"""Tests for isf.backends.neuron.mechanisms and the NMODL files in mechanisms/.

The compile tests use a private cache (``ISF_CACHE_DIR`` in a pytest temporary
directory).  The repository's mechanism set is compiled once per session (see
the ``loaded`` fixture); the broken-file test runs nrnivmodl once more and
fails early.  All physics is checked against the formulas of
LEGACY_FORMATS.md §6.3/§6.6, re-implemented here with numpy.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

neuron = pytest.importorskip("neuron")
from neuron import h  # noqa: E402

from isf.backends.neuron import mechanisms as mech  # noqa: E402
from isf.backends.neuron.mechanisms import cache, diagnostics, loader, toolchain  # noqa: E402

h.load_file("stdrun.hoc")

QT = 2.3 ** ((34.0 - 21.0) / 10.0)
FARADAY = 96485.33212331001  # C/mol (CODATA 2018, NEURON >= 8 default units)

EXPECTED_NAMES = {
    "NaTa_t",
    "Nap_Et2",
    "K_Pst",
    "K_Tst",
    "SK_E2",
    "SKv3_1",
    "Ca_HVA",
    "Ca_LVAst",
    "CaDynamics_E2",
    "CaDynamics_E2_v2",
    "Ih",
    "Im",
    "epsp",
    "glutamate_syn",
    "gaba_syn",
    "tm_ampa_nmda",
    "tm_gabaa",
    "VecStim",
    "ProbAMPANMDA2",
    "ProbUDFsyn2",
}


# --------------------------------------------------------------------------- spec formulas
# Each function returns {gate: (x_inf, tau_x)} at membrane potential v (mV).


def _nudge(v: float, singular: float) -> float:
    return v + 1e-4 if v == singular else v


def _nata_m_rates(v: float) -> tuple[float, float]:
    v = _nudge(v, -38.0)
    am = 0.182 * (v + 38) / (1 - math.exp(-(v + 38) / 6))
    bm = 0.124 * (-v - 38) / (1 - math.exp(-(-v - 38) / 6))
    return am, bm


def k_nata(v: float) -> dict[str, tuple[float, float]]:
    am, bm = _nata_m_rates(v)
    vh = _nudge(v, -66.0)
    ah = -0.015 * (vh + 66) / (1 - math.exp((vh + 66) / 6))
    bh = -0.015 * (-vh - 66) / (1 - math.exp((-vh - 66) / 6))
    return {"m": (am / (am + bm), 1 / ((am + bm) * QT)), "h": (ah / (ah + bh), 1 / ((ah + bh) * QT))}


def k_nap(v: float) -> dict[str, tuple[float, float]]:
    am, bm = _nata_m_rates(v)
    va = _nudge(v, -17.0)
    vb = _nudge(v, -64.4)
    ah = -2.88e-6 * (va + 17) / (1 - math.exp((va + 17) / 4.63))
    bh = 6.94e-6 * (vb + 64.4) / (1 - math.exp(-(vb + 64.4) / 2.63))
    return {
        "m": (1 / (1 + math.exp(-(v + 52.6) / 4.6)), 6 / ((am + bm) * QT)),
        "h": (1 / (1 + math.exp((v + 48.8) / 10)), 1 / ((ah + bh) * QT)),
    }


def k_kp(v: float) -> dict[str, tuple[float, float]]:
    vs = v + 10
    if vs < -50:
        tm = (1.25 + 175.03 * math.exp(0.026 * vs)) / QT
    else:
        tm = (1.25 + 13 * math.exp(-0.026 * vs)) / QT
    th = (360 + (1010 + 24 * (vs + 55)) * math.exp(-(((vs + 75) / 48) ** 2))) / QT
    return {"m": (1 / (1 + math.exp(-(vs + 1) / 12)), tm), "h": (1 / (1 + math.exp((vs + 54) / 11)), th)}


def k_kt(v: float) -> dict[str, tuple[float, float]]:
    vs = v + 10
    return {
        "m": (1 / (1 + math.exp(-vs / 19)), (0.34 + 0.92 * math.exp(-(((vs + 71) / 59) ** 2))) / QT),
        "h": (1 / (1 + math.exp((vs + 66) / 10)), (8 + 49 * math.exp(-(((vs + 73) / 23) ** 2))) / QT),
    }


def k_skv31(v: float) -> dict[str, tuple[float, float]]:
    return {"m": (1 / (1 + math.exp(-(v - 18.7) / 9.7)), 4 / (1 + math.exp(-(v + 46.56) / 44.14)))}


def k_im(v: float) -> dict[str, tuple[float, float]]:
    am = 3.3e-3 * math.exp(0.1 * (v + 35))
    bm = 3.3e-3 * math.exp(-0.1 * (v + 35))
    return {"m": (am / (am + bm), 1 / ((am + bm) * QT))}


def k_ih(v: float) -> dict[str, tuple[float, float]]:
    va = _nudge(v, -154.9)
    am = 6.43e-3 * (va + 154.9) / (math.exp((va + 154.9) / 11.9) - 1)
    bm = 0.193 * math.exp(v / 33.1)
    return {"m": (am / (am + bm), 1 / (am + bm))}


def k_cahva(v: float) -> dict[str, tuple[float, float]]:
    va = _nudge(v, -27.0)
    am = 0.055 * (-27 - va) / (math.exp((-27 - va) / 3.8) - 1)
    bm = 0.94 * math.exp((-75 - v) / 17)
    ah = 4.57e-4 * math.exp((-13 - v) / 50)
    bh = 0.0065 / (math.exp((-v - 15) / 28) + 1)
    return {"m": (am / (am + bm), 1 / (am + bm)), "h": (ah / (ah + bh), 1 / (ah + bh))}


def k_calva(v: float) -> dict[str, tuple[float, float]]:
    vs = v + 10
    return {
        "m": (1 / (1 + math.exp(-(vs + 30) / 6)), (5 + 20 / (1 + math.exp((vs + 25) / 5))) / QT),
        "h": (1 / (1 + math.exp((vs + 80) / 6.4)), (20 + 50 / (1 + math.exp((vs + 40) / 7))) / QT),
    }


def sk_zinf(cai: float) -> float:
    if cai < 1e-7:
        cai = cai + 1e-7
    return 1 / (1 + (0.00043 / cai) ** 4.8)


Kinetics = Callable[[float], dict[str, tuple[float, float]]]

# name -> (gbar, g, current, reversal attribute, {gate: exponent}, kinetics, singular potentials)
CHANNELS: dict[str, tuple[str, str, str, str, dict[str, int], Kinetics, tuple[float, ...]]] = {
    "NaTa_t": ("gNaTa_tbar", "gNaTa_t", "ina", "ena", {"m": 3, "h": 1}, k_nata, (-38.0, -66.0)),
    "Nap_Et2": ("gNap_Et2bar", "gNap_Et2", "ina", "ena", {"m": 3, "h": 1}, k_nap, (-38.0, -17.0, -64.4)),
    "K_Pst": ("gK_Pstbar", "gK_Pst", "ik", "ek", {"m": 2, "h": 1}, k_kp, (-60.0,)),
    "K_Tst": ("gK_Tstbar", "gK_Tst", "ik", "ek", {"m": 4, "h": 1}, k_kt, ()),
    "SKv3_1": ("gSKv3_1bar", "gSKv3_1", "ik", "ek", {"m": 1}, k_skv31, ()),
    "Im": ("gImbar", "gIm", "ik", "ek", {"m": 1}, k_im, ()),
    "Ih": ("gIhbar", "gIh", "ihcn", "", {"m": 1}, k_ih, (-154.9,)),
    "Ca_HVA": ("gCa_HVAbar", "gCa_HVA", "ica", "eca", {"m": 2, "h": 1}, k_cahva, (-27.0,)),
    "Ca_LVAst": ("gCa_LVAstbar", "gCa_LVAst", "ica", "eca", {"m": 2, "h": 1}, k_calva, ()),
}

# (channel, gate, v_hold, v_step): steps with a large change of the steady state
STEPS: list[tuple[str, str, float, float]] = [
    ("NaTa_t", "m", -90.0, -35.0),
    ("NaTa_t", "h", -90.0, -60.0),
    ("Nap_Et2", "m", -90.0, -50.0),
    ("Nap_Et2", "h", -90.0, -30.0),
    ("K_Pst", "m", -90.0, -20.0),
    ("K_Pst", "h", -100.0, -50.0),
    ("K_Tst", "m", -90.0, -10.0),
    ("K_Tst", "h", -100.0, -60.0),
    ("SKv3_1", "m", -60.0, 20.0),
    ("Im", "m", -80.0, -20.0),
    ("Ih", "m", -50.0, -110.0),
    ("Ca_HVA", "m", -70.0, -10.0),
    ("Ca_HVA", "h", -70.0, 0.0),
    ("Ca_LVAst", "m", -90.0, -40.0),
    ("Ca_LVAst", "h", -100.0, -70.0),
]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Compile the repository's mechanisms once into a private cache."""
    root = tmp_path_factory.mktemp("isf-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ISF_CACHE_DIR", str(root))
        lib = mech.compile_mechanisms()
    return root, lib


@pytest.fixture(scope="session")
def loaded(private_cache: tuple[Path, Path]) -> Path:
    """Load the repository's mechanisms into this process (once)."""
    root, _ = private_cache
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ISF_CACHE_DIR", str(root))
        return mech.load_mechanisms()


@pytest.fixture
def fixed_step() -> Iterator[None]:
    h.cvode_active(0)
    old_dt = h.dt
    yield
    h.cvode_active(0)
    h.dt = old_dt


def _section(name: str) -> object:
    sec = h.Section(name=name)
    sec.L = sec.diam = 10.0
    sec.nseg = 1
    sec.cm = 1.0
    return sec


def _run(tstop: float, v_init: float, *, dt: float = 0.025, cvode: bool = False) -> None:
    h.cvode_active(1 if cvode else 0)
    if cvode:
        h.CVode().atol(1e-9)
        h.CVode().rtol(1e-7)
    h.dt = dt
    h.steps_per_ms = 1.0 / dt
    h.tstop = tstop
    h.v_init = v_init
    h.run()


# --------------------------------------------------------------------------- pure python


def test_mechanisms_dir_is_repo_folder() -> None:
    repo = Path(__file__).resolve().parents[3]
    assert mech.MECHANISMS_DIR == repo / "mechanisms"
    assert {p.stem for p in mech.MECHANISMS_DIR.glob("*.mod")} == EXPECTED_NAMES


def test_available_mechanisms_parses_names(tmp_path: Path) -> None:
    assert set(mech.available_mechanisms()) == EXPECTED_NAMES
    assert len(mech.available_mechanisms()) == len(EXPECTED_NAMES)
    (tmp_path / "a.mod").write_text(
        "COMMENT\nNEURON { SUFFIX fake }\nENDCOMMENT\n: SUFFIX nope\n"
        "NEURON {\n  POINT_PROCESS Foo : SUFFIX bar\n}\n"
    )
    (tmp_path / "b.mod").write_text("NEURON { SUFFIX b_mech  RANGE x }\n")
    assert mech.available_mechanisms(tmp_path) == ("Foo", "b_mech")


def test_cache_root_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ISF_CACHE_DIR", str(tmp_path / "c"))
    assert mech.cache_root() == tmp_path / "c"
    monkeypatch.delenv("ISF_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert mech.cache_root() == tmp_path / "xdg" / "isf"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert mech.cache_root() == tmp_path / "home" / ".cache" / "isf"


def test_content_hash_tracks_content_not_location(tmp_path: Path) -> None:
    files = sorted(mech.MECHANISMS_DIR.glob("*.mod"))
    base = mech.content_hash(files)
    assert len(base) == 16 and int(base, 16) >= 0
    copy = tmp_path / "copy"
    shutil.copytree(mech.MECHANISMS_DIR, copy)
    copied = sorted(copy.glob("*.mod"))
    assert mech.content_hash(copied) == base  # location does not matter
    assert mech.content_hash(list(reversed(copied))) == base  # order does not matter
    target = copy / "Im.mod"
    target.write_text(target.read_text() + "\n: edited\n")
    assert mech.content_hash(copied) != base
    renamed = copy / "Im2.mod"
    target.write_text((mech.MECHANISMS_DIR / "Im.mod").read_text())
    assert mech.content_hash(sorted(copy.glob("*.mod"))) == base
    target.rename(renamed)
    assert mech.content_hash(sorted(copy.glob("*.mod"))) != base


def test_missing_compiler_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("ISF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    with pytest.raises(mech.CompilerNotFoundError) as info:
        mech.compile_mechanisms()
    message = str(info.value)
    assert "no-such-cc" in message and "build-essential" in message
    assert not (tmp_path / "cache" / "mechanisms").exists() or not any(
        (tmp_path / "cache" / "mechanisms").iterdir()
    )
    # without CC, a PATH without compilers is reported as well
    monkeypatch.delenv("CC")
    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setattr(toolchain.sysconfig, "get_config_var", lambda name: None)
    with pytest.raises(mech.CompilerNotFoundError, match="C compiler"):
        mech.compile_mechanisms()


def test_missing_nrnivmodl_raises(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_python = tmp_path / "bin" / "python"
    fake_python.parent.mkdir()
    fake_python.touch()
    monkeypatch.setenv("ISF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(toolchain.sys, "executable", str(fake_python))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(mech.CompilerNotFoundError, match="nrnivmodl"):
        mech.compile_mechanisms()


def test_empty_source_dir_raises(tmp_path: Path) -> None:
    with pytest.raises(mech.MechanismError, match="no .mod files"):
        mech.compile_mechanisms(tmp_path)
    with pytest.raises(mech.MechanismError, match="does not exist"):
        mech.available_mechanisms(tmp_path / "missing")


def test_import_does_not_compile(tmp_path: Path) -> None:
    code = (
        "import sys, isf.backends.neuron.mechanisms as m; "
        "print(m.MECHANISMS_DIR); print('neuron' in sys.modules)"
    )
    env = dict(os.environ, ISF_CACHE_DIR=str(tmp_path / "cache"), ISF_MECHANISMS_DIR=str(tmp_path / "mods"))
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3]) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str((tmp_path / "mods").resolve()), "False"]
    assert not (tmp_path / "cache").exists()


def _fake_build(path: Path, payload: str) -> Path:
    lib = path / "x86_64" / "libnrnmech.so"
    lib.parent.mkdir(parents=True)
    lib.write_text(payload)
    return lib


def test_install_is_atomic_and_first_wins(tmp_path: Path) -> None:
    entries = tmp_path / "mechanisms"
    target = entries / "0123456789abcdef"
    # first build: plain rename
    lib = cache.install(_fake_build(entries / ".tmp-a", "first").parents[1], target, force=False)
    assert lib == target / "x86_64" / "libnrnmech.so" and lib.read_text() == "first"
    # a concurrent build that finishes later uses the winner's entry
    lib2 = cache.install(_fake_build(entries / ".tmp-b", "second").parents[1], target, force=False)
    assert lib2 == lib and lib.read_text() == "first"
    assert not (entries / ".tmp-b").exists()
    # force replaces the entry
    lib3 = cache.install(_fake_build(entries / ".tmp-c", "third").parents[1], target, force=True)
    assert lib3 == lib and lib.read_text() == "third"
    # an entry without a library (damaged by hand) is replaced
    shutil.rmtree(target / "x86_64")
    (target / "junk").write_text("x")
    lib4 = cache.install(_fake_build(entries / ".tmp-d", "fourth").parents[1], target, force=False)
    assert lib4.read_text() == "fourth"
    assert sorted(p.name for p in entries.iterdir()) == [target.name]


def test_stale_builds_are_cleaned(tmp_path: Path) -> None:
    entries = tmp_path / "mechanisms"
    old_tmp, new_tmp, old_fail = entries / ".tmp-aa-1", entries / ".tmp-bb-1", entries / ".failed-cc-1"
    for d in (old_tmp, new_tmp, old_fail):
        d.mkdir(parents=True)
    past = time.time() - 30 * 24 * 3600
    os.utime(old_tmp, (past, past))
    os.utime(old_fail, (past, past))
    cache.clean_stale(entries, "bb")
    assert sorted(p.name for p in entries.iterdir()) == [new_tmp.name]  # a running build is kept


def test_build_log_errors_are_mapped(tmp_path: Path) -> None:
    mods = [tmp_path / "Im.mod", tmp_path / "NaTa_t.mod"]
    env = {"CC": "gcc", "CXX": "g++"}
    log = (
        " -> NMODL ../Im.mod\nTranslating Im.mod into /x/x86_64/Im.cpp\n"
        " -> Compiling /x/x86_64/NaTa_t.cpp\n"
        "/x/x86_64/NaTa_t.cpp:12:5: error: expected ';' before '}' token\n"
        "make: *** [makemod2c_inc:7: NaTa_t.o] Error 1\n"
    )
    with pytest.raises(mech.MechanismCompilationError) as info:
        raise diagnostics.build_error(log, 2, mods, tmp_path / "log", env)
    assert info.value.mod_files == ("NaTa_t.mod",)
    assert "NaTa_t.cpp:12:5: error" in str(info.value) and "Im.mod" not in str(info.value)
    nmodl = "Translating Im.mod into /x/Im.cpp\nsyntax error:\n Illegal expression:\n Error: Illegal block at line 17 in file Im.mod\n"
    with pytest.raises(mech.MechanismCompilationError) as info:
        raise diagnostics.build_error(nmodl, 2, mods, tmp_path / "log", env)
    assert info.value.locations == (("Im.mod", 17, "Illegal block"),)
    assert f"{mods[0]}:17: Illegal block" in str(info.value)
    missing = "Translating Im.mod into /x/Im.cpp\n/bin/sh: 1: g++: not found\nmake: *** [Im.o] Error 127\n"
    with pytest.raises(mech.CompilerNotFoundError, match="g\\+\\+: not found"):
        raise diagnostics.build_error(missing, 2, mods, tmp_path / "log", env)


# --------------------------------------------------------------------------- compilation


def test_compile_and_load(
    private_cache: tuple[Path, Path], loaded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, lib = private_cache
    digest = mech.content_hash(sorted(mech.MECHANISMS_DIR.glob("*.mod")))
    entry = root / "mechanisms" / digest
    assert lib.is_file() and entry in lib.parents
    assert lib.name.startswith("libnrnmech")
    assert (entry / mech.MANIFEST_NAME).is_file()
    # nothing else left in the cache: no temporary or failed builds
    assert [p.name for p in (root / "mechanisms").iterdir()] == [digest]

    monkeypatch.setenv("ISF_CACHE_DIR", str(root))
    # cached: no recompilation (the library file is not touched)
    mtime = lib.stat().st_mtime_ns
    assert mech.compile_mechanisms() == lib
    assert lib.stat().st_mtime_ns == mtime
    # loading again is a no-op that returns the same path
    assert mech.load_mechanisms() == loaded
    assert mech.load_mechanisms(mech.MECHANISMS_DIR) == loaded
    assert loaded.is_file()
    known = loader.neuron_mechanism_names()
    assert EXPECTED_NAMES <= known


def test_conflicting_set_is_refused(loaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISF_CACHE_DIR", str(tmp_path / "cache"))
    changed = tmp_path / "changed"
    changed.mkdir()
    text = (mech.MECHANISMS_DIR / "Im.mod").read_text()
    (changed / "Im.mod").write_text(text + "\n: a different version of Im\n")
    with pytest.raises(mech.MechanismError, match="Im") as info:
        mech.load_mechanisms(changed)
    assert "already loaded" in str(info.value)
    # a set redefining a NEURON built-in is refused as well
    builtin = tmp_path / "builtin"
    builtin.mkdir()
    (builtin / "myhh.mod").write_text("NEURON { SUFFIX hh }\n")
    with pytest.raises(mech.MechanismError, match="hh"):
        mech.load_mechanisms(builtin)
    assert not (tmp_path / "cache").exists()  # refused before compiling


def test_broken_mod_file_raises_and_leaves_no_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("ISF_CACHE_DIR", str(cache))
    src = tmp_path / "mods"
    shutil.copytree(mech.MECHANISMS_DIR, src)
    broken = src / "K_Tst.mod"
    broken.write_text(broken.read_text().replace("ik = gK_Tst*(v - ek)", "ik = gK_Tst*(v - ek) +", 1))
    digest = mech.content_hash(sorted(src.glob("*.mod")))
    with pytest.raises(mech.MechanismCompilationError) as info:
        mech.compile_mechanisms(src)
    err = info.value
    message = str(err)
    assert "K_Tst.mod" in message
    assert err.mod_files == ("K_Tst.mod",)
    for other in EXPECTED_NAMES - {"K_Tst"}:
        assert f"{other}.mod" not in message
    assert err.log_path is not None and err.log_path.is_file() and str(err.log_path) in message
    assert "line" in message  # the nocmodl error line is quoted
    # the file and line of the user's source, first: nocmodl stops at or just after the edit
    edited = 1 + next(i for i, ln in enumerate(broken.read_text().splitlines()) if "(v - ek) +" in ln)
    assert len(err.locations) == 1
    name, line, reason = err.locations[0]
    assert name == "K_Tst.mod" and edited <= line <= edited + 2 and reason
    assert message.splitlines()[1].strip() == f"{broken.resolve()}:{line}: {reason}"
    entries = cache / "mechanisms"
    assert not (entries / digest).exists()
    assert not any(p.name.startswith(".tmp-") for p in entries.iterdir())
    assert all(p.name.startswith(".failed-") for p in entries.iterdir())
    assert len(message.splitlines()) < 30  # relevant lines, not the whole log


# --------------------------------------------------------------------------- steady states


def _single(mech_name: str) -> tuple[object, object]:
    sec = _section(f"sec_{mech_name}")
    sec.insert(mech_name)
    return sec, sec(0.5)


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_gates_start_at_steady_state(name: str, loaded: Path, fixed_step: None) -> None:
    gbar_name, g_name, cur_name, e_name, exponents, kinetics, singular = CHANNELS[name]
    sec, seg = _single(name)
    m = getattr(seg, name)
    setattr(m, gbar_name, 2e-3)
    for v0 in (-100.0, -75.0, -50.0, -38.0, -20.0, 0.0, 25.0, *singular):
        h.finitialize(v0)
        assert seg.v == v0
        expected = kinetics(v0)
        g = 2e-3
        for gate, exponent in exponents.items():
            value = getattr(m, gate)
            assert math.isfinite(value)
            assert value == pytest.approx(expected[gate][0], rel=1e-9, abs=0.0), (name, gate, v0)
            g *= value**exponent
        assert getattr(m, g_name) == pytest.approx(g, rel=1e-9, abs=1e-18)
        e_rev = h.ehcn_Ih if name == "Ih" else getattr(seg, e_name)
        assert getattr(m, cur_name) == pytest.approx(g * (v0 - e_rev), rel=1e-9, abs=1e-18)


@pytest.mark.parametrize("cvode", [False, True], ids=["fixed", "cvode"])
@pytest.mark.parametrize(("name", "gate", "v_hold", "v_step"), STEPS, ids=[f"{s[0]}.{s[1]}" for s in STEPS])
def test_gate_relaxation_time_constant(
    name: str, gate: str, v_hold: float, v_step: float, cvode: bool, loaded: Path, fixed_step: None
) -> None:
    sec, seg = _single(name)
    x_hold = CHANNELS[name][5](v_hold)[gate][0]
    x_inf, tau = CHANNELS[name][5](v_step)[gate]
    assert abs(x_inf - x_hold) > 0.05  # the step really moves the gate
    t_step = 1.0
    clamp = h.SEClamp(seg)
    clamp.rs = 1e-4
    clamp.dur1, clamp.amp1 = t_step, v_hold
    clamp.dur2, clamp.amp2 = 1e9, v_step
    tv = h.Vector().record(h._ref_t)
    xv = h.Vector().record(getattr(getattr(seg, name), f"_ref_{gate}"))
    vv = h.Vector().record(seg._ref_v)
    dt = next(d for d in (0.025, 0.005, 0.001, 0.0002) if d <= tau / 20)
    _run(t_step + 4 * tau, v_hold, dt=dt, cvode=cvode)
    t, x, v = np.array(tv), np.array(xv), np.array(vv)
    assert x[0] == pytest.approx(x_hold, rel=1e-9)
    window = (t > t_step + max(3 * dt, 0.05 * tau)) & (t < t_step + 3 * tau)
    assert window.sum() >= 8
    assert np.allclose(v[window], v_step, atol=1e-3)  # the clamp holds
    dist = np.abs(x[window] - x_inf)
    slope, _ = np.polyfit(t[window], np.log(dist), 1)
    assert -1.0 / slope == pytest.approx(tau, rel=0.02), (name, gate, tau)
    # and the approach really is exponential towards x_inf
    fit = np.polyval(np.polyfit(t[window], np.log(dist), 1), t[window])
    assert np.max(np.abs(fit - np.log(dist))) < 0.02


# --------------------------------------------------------------------------- SK_E2


def test_sk_e2_calcium_dependence_and_ztau(loaded: Path, fixed_step: None) -> None:
    sec, seg = _single("SK_E2")
    sk = seg.SK_E2
    assert sk.gSK_E2bar == pytest.approx(1e-6)
    assert h.zTau_SK_E2 == 1.0
    try:
        # no mechanism writes cai here, so NEURON leaves a value set on the
        # segment alone at finitialize()
        for cai in (5e-8, 1e-7, 1e-4, 4.3e-4, 1e-3, 1e-2):
            seg.cai = cai
            h.finitialize(-70.0)
            assert seg.cai == cai
            assert sk.z == pytest.approx(sk_zinf(cai), rel=1e-9, abs=0.0)
        # below 1e-7 mM, 1e-7 is added (not a floor)
        assert sk_zinf(5e-8) != sk_zinf(1e-7)

        # relaxation after a calcium step, for the default and a changed zTau
        for ztau in (1.0, 2.5):
            h.zTau_SK_E2 = ztau
            seg.cai = 1e-4
            h.dt = 0.005
            h.finitialize(-70.0)
            while h.t < 1.0 - 1e-9:
                h.fadvance()
            seg.cai = 1e-3
            t0, z0 = h.t, sk.z
            ts, zs = [], []
            while h.t < t0 + 3 * ztau:
                h.fadvance()
                ts.append(h.t - t0)
                zs.append(sk.z)
            expected = sk_zinf(1e-3) + (z0 - sk_zinf(1e-3)) * np.exp(-np.array(ts) / ztau)
            assert np.allclose(zs, expected, rtol=1e-6, atol=1e-9)
    finally:
        h.zTau_SK_E2 = 1.0


# --------------------------------------------------------------------------- Ih reversal


def test_ih_reverses_at_global_ehcn(loaded: Path, fixed_step: None) -> None:
    assert h.ehcn_Ih == -45.0
    sec, seg = _single("Ih")
    seg.Ih.gIhbar = 1.0
    try:
        for ehcn in (-45.0, -60.0):
            h.ehcn_Ih = ehcn
            h.finitialize(-80.0)
            gate = k_ih(-80.0)["m"][0]
            assert seg.Ih.ihcn == pytest.approx(1.0 * gate * (-80.0 - ehcn), rel=1e-9)
            _run(300.0, -80.0)
            assert seg.v == pytest.approx(ehcn, abs=1e-3)  # Ih is the only current
            assert abs(seg.Ih.ihcn) < 1e-6
    finally:
        h.ehcn_Ih = -45.0


# --------------------------------------------------------------------------- calcium dynamics


def test_cadynamics_initial_values(loaded: Path, fixed_step: None) -> None:
    sec1, seg1 = _single("CaDynamics_E2")
    sec2, seg2 = _single("CaDynamics_E2_v2")
    assert (seg1.CaDynamics_E2.gamma, seg1.CaDynamics_E2.decay) == (0.05, 80.0)
    assert (seg1.CaDynamics_E2.depth, seg1.CaDynamics_E2.minCai) == (0.1, 1e-4)
    assert h.cai0_ca_ion == 5e-5
    h.finitialize(-70.0)
    assert seg1.cai == 5e-5  # NEURON's cai0, no INITIAL block
    assert seg2.cai == 1e-4  # minCai
    cai0 = h.cai0_ca_ion
    try:
        h.cai0_ca_ion = 2e-4
        seg2.CaDynamics_E2_v2.minCai = 3e-4
        h.finitialize(-70.0)
        assert seg1.cai == 2e-4
        assert seg2.cai == 3e-4
    finally:
        h.cai0_ca_ion = cai0


def test_cadynamics_decay_without_influx(loaded: Path, fixed_step: None) -> None:
    sec, seg = _single("CaDynamics_E2")
    seg.CaDynamics_E2.decay = 50.0
    tv = h.Vector().record(h._ref_t)
    cv = h.Vector().record(seg._ref_cai)
    _run(200.0, -70.0)
    t, c = np.array(tv), np.array(cv)
    expected = 1e-4 + (5e-5 - 1e-4) * np.exp(-t / 50.0)
    assert np.allclose(c, expected, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("variant", ["CaDynamics_E2", "CaDynamics_E2_v2"])
def test_cadynamics_steady_state_with_calcium_current(variant: str, loaded: Path, fixed_step: None) -> None:
    sec = _section(f"sec_{variant}_hva")
    sec.insert("Ca_HVA")
    sec.insert(variant)
    seg = sec(0.5)
    seg.Ca_HVA.gCa_HVAbar = 1e-3
    dyn = getattr(seg, variant)
    dyn.gamma, dyn.decay, dyn.depth, dyn.minCai = 0.1, 40.0, 0.2, 2e-4
    clamp = h.SEClamp(seg)
    clamp.rs = 1e-4
    clamp.dur1, clamp.amp1 = 1e9, -10.0
    tv = h.Vector().record(h._ref_t)
    cv = h.Vector().record(seg._ref_cai)
    iv = h.Vector().record(seg._ref_ica)
    _run(3000.0, -10.0, dt=0.05)
    t, cai, ica = np.array(tv), np.array(cv), np.array(iv)
    assert ica[-1] < -1e-4  # inward calcium current
    assert abs(ica[-1] - ica[-200]) < 1e-6 * abs(ica[-1])  # stationary
    expected = 2e-4 - 40.0 * 1e4 * ica[-1] * 0.1 / (2 * FARADAY * 0.2)
    assert cai[-1] == pytest.approx(expected, rel=1e-6)
    assert cai[-1] > 10 * 2e-4  # the influx matters
    # the whole trajectory obeys the ODE: integrate it exactly per step with
    # the recorded ica (cnexp is exact for a current constant over a step)
    dt = 0.05
    sim = np.empty_like(cai)
    sim[0] = cai[0]
    for k in range(len(t) - 1):
        # step k -> k+1 uses the current computed (and recorded) in that step
        c_inf = 2e-4 - 40.0 * 1e4 * ica[k + 1] * 0.1 / (2 * FARADAY * 0.2)
        sim[k + 1] = c_inf + (sim[k] - c_inf) * math.exp(-dt / 40.0)
    assert np.allclose(sim, cai, rtol=1e-9, atol=1e-15)
    # eca follows Nernst with the computed cai ([Ca]o = 2 mM, T = celsius)
    nernst = 1e3 * 8.314462618 * (h.celsius + 273.15) / (2 * FARADAY) * math.log(2.0 / cai[-1])
    assert seg.eca == pytest.approx(nernst, rel=1e-4)


# --------------------------------------------------------------------------- epsp


def epsp_current(t: np.ndarray, onset: float, tau0: float, tau1: float, imax: float) -> np.ndarray:
    def cut(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where(x < -100, 0.0, np.exp(np.maximum(x, -100)))

    tpk = tau0 * tau1 * math.log(tau0 / tau1) / (tau0 - tau1)
    a = 1 / ((1 - cut(-tpk / tau0)) - (1 - cut(-tpk / tau1)))
    s = np.maximum(t - onset, 0.0)
    i = -imax * a * ((1 - cut(-s / tau0)) - (1 - cut(-s / tau1)))
    return np.where(t < onset, 0.0, i)


@pytest.mark.parametrize(("onset", "tau0", "tau1", "imax"), [(5.0, 0.2, 3.0, 0.5), (2.0, 1.0, 10.0, 1.5)])
def test_epsp_waveform(
    onset: float, tau0: float, tau1: float, imax: float, loaded: Path, fixed_step: None
) -> None:
    sec = _section("sec_epsp")
    sec.insert("pas")
    stim = h.epsp(sec(0.5))
    assert (stim.onset, stim.tau0, stim.tau1, stim.imax) == (0.0, 0.2, 3.0, 0.0)
    stim.onset, stim.tau0, stim.tau1, stim.imax = onset, tau0, tau1, imax
    tpk = tau0 * tau1 * math.log(tau0 / tau1) / (tau0 - tau1)

    # fixed step: NEURON evaluates currents at the midpoint of each step
    tv = h.Vector().record(h._ref_t)
    iv = h.Vector().record(stim._ref_i)
    vv = h.Vector().record(sec(0.5)._ref_v)
    _run(onset + 10 * tau1, -70.0, dt=0.025)
    t, i, v = np.array(tv), np.array(iv), np.array(vv)
    expected = epsp_current(t[1:] - 0.0125, onset, tau0, tau1, imax)
    assert np.allclose(i[1:], expected, rtol=1e-9, atol=1e-12 * imax)
    assert np.all(i[t < onset] == 0.0)
    assert v.max() > -70.0 + 0.1  # positive imax depolarises
    assert i.min() == pytest.approx(-imax, rel=1e-3)

    # variable step: recorded exactly at requested times, including the peak
    times = h.Vector(np.sort(np.r_[np.linspace(0, onset + 10 * tau1, 301), onset + tpk]))
    iv2 = h.Vector().record(stim._ref_i, times)
    _run(onset + 10 * tau1, -70.0, cvode=True)
    got = np.array(iv2)
    expected = epsp_current(np.array(times), onset, tau0, tau1, imax)
    assert np.allclose(got, expected, rtol=1e-9, atol=1e-12 * imax)
    assert got[np.argmin(np.abs(np.array(times) - (onset + tpk)))] == pytest.approx(-imax, rel=1e-9)
    assert got.min() == pytest.approx(-imax, rel=1e-9)


def test_epsp_not_skipped_by_cvode(loaded: Path, fixed_step: None) -> None:
    """A brief EPSP late in a quiet simulation is not stepped over by CVode."""
    sec = _section("sec_epsp_cvode")
    sec.insert("pas")
    sec.g_pas = 1e-4
    sec.e_pas = -70.0
    stim = h.epsp(sec(0.5))
    stim.onset, stim.tau0, stim.tau1, stim.imax = 300.0, 0.2, 1.0, 0.2
    vv = h.Vector().record(sec(0.5)._ref_v)
    _run(400.0, -70.0, cvode=True)
    v_cvode = np.array(vv).max()
    _run(400.0, -70.0, dt=0.01)
    v_fixed = np.array(vv).max()
    assert v_cvode > -69.0
    assert v_cvode == pytest.approx(v_fixed, abs=0.05)


# --------------------------------------------------------------------------- integration


def test_all_mechanisms_together_fixed_and_cvode(loaded: Path, fixed_step: None) -> None:
    """A soma with the full channel set fires the same spikes under both integrators."""
    sec = _section("soma_all")
    sec.L = sec.diam = 20.0
    for name in sorted(EXPECTED_NAMES - {"epsp", "CaDynamics_E2_v2", "glutamate_syn", "gaba_syn",
                                         "tm_ampa_nmda", "tm_gabaa", "VecStim", "ProbAMPANMDA2",
                                         "ProbUDFsyn2"}):
        sec.insert(name)
    sec.insert("pas")
    seg = sec(0.5)
    sec.ena, sec.ek = 50.0, -85.0
    sec.g_pas, sec.e_pas = 3e-5, -75.0
    seg.NaTa_t.gNaTa_tbar = 2.0
    seg.Nap_Et2.gNap_Et2bar = 1e-4
    seg.K_Pst.gK_Pstbar = 0.2
    seg.K_Tst.gK_Tstbar = 0.08
    seg.SKv3_1.gSKv3_1bar = 0.7
    seg.SK_E2.gSK_E2bar = 0.05
    seg.Ca_HVA.gCa_HVAbar = 1e-3
    seg.Ca_LVAst.gCa_LVAstbar = 3e-3
    seg.Ih.gIhbar = 8e-5
    seg.Im.gImbar = 1e-4
    seg.CaDynamics_E2.gamma, seg.CaDynamics_E2.decay = 5e-4, 500.0
    stim = h.IClamp(seg)
    stim.delay, stim.dur, stim.amp = 20.0, 100.0, 0.5
    spikes = {}
    for cvode in (False, True):
        times = h.Vector()
        nc = h.NetCon(seg._ref_v, None, sec=sec)
        nc.threshold = 0.0
        nc.record(times)
        _run(150.0, -75.0, dt=0.0025, cvode=cvode)
        spikes[cvode] = np.array(times)
        del nc
    assert len(spikes[False]) >= 2
    assert len(spikes[True]) == len(spikes[False])
    assert np.allclose(spikes[True], spikes[False], atol=0.2)
    assert seg.cai > 1e-4  # calcium entered during the spikes


# --------------------------------------------------------------------------- point processes


def test_point_process_info_reads_the_compiled_mechanism(loaded: Path) -> None:
    info = mech.point_process_info("tm_gabaa")
    # the mod file's PARAMETER defaults, as NEURON holds them
    assert info.parameters["Dep"] == 500.0 and info.parameters["tau_d_GABAA"] == 8.0
    assert {"i", "g"} <= set(info.assigned) and info.netcon_target and info.n_weights == 1
    assert mech.point_process_info("glutamate_syn").n_weights == 2  # NET_RECEIVE(weight_ampa, weight_nmda)
    assert "tm_gabaa" in mech.netcon_targets() and "IClamp" not in mech.netcon_targets()
    with pytest.raises(mech.MechanismError, match="no NET_RECEIVE"):
        mech.point_process_info("IClamp")
    with pytest.raises(KeyError, match="tm_gabaa"):  # lists the synapses NEURON knows
        mech.point_process_info("tm_gaba")
