"""``isf mechanisms``: list and check (compile if needed, load, every declared name known to NEURON)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from isf.backends.neuron.mechanisms import available_mechanisms


def test_list(isf_cli) -> None:
    code, out, _ = isf_cli("mechanisms", "list")
    assert code == 0 and out.split() == list(available_mechanisms())


def test_check_loads_every_mechanism(isf_cli) -> None:
    code, out, _ = isf_cli("mechanisms", "check")
    assert code == 0
    names = available_mechanisms()
    assert {"Ih", "NaTa_t", "glutamate_syn", "gaba_syn"} <= set(names)
    for name in names:
        assert f"ok {name}\n" in out
    assert f"{len(names)} mechanisms loaded into NEURON" in out


def test_check_fails_on_a_broken_mod_file(tmp_path: Path, one_line_error) -> None:
    # a fresh process: a mechanism set is loaded once per process, and this one must not compile
    (tmp_path / "broken.mod").write_text(
        "NEURON { SUFFIX broken_isf_test }\nBREAKPOINT { x = }\n"
    )
    env = {
        **__import__("os").environ,
        "ISF_MECHANISMS_DIR": str(tmp_path),
        "ISF_CACHE_DIR": str(tmp_path / "c"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "isf", "mechanisms", "check"],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "broken.mod" in one_line_error(proc.stderr)
