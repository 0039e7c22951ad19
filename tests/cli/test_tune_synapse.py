"""``isf tune-synapse`` on the built-in cell and on the shipped cell 86."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from isf.data import cell86


def _isf(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "isf", "tune-synapse", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_tune_synapse_writes_metrics_and_plots(tmp_path: Path) -> None:
    out = tmp_path / "tuned"
    proc = _isf(
        "--synapse",
        "tm_gabaa",
        "--param",
        "Use=0.5",
        "--param",
        "Fac=0",
        "--param",
        "tau_d_GABAA=5",
        "--freq",
        "20",
        "--freqs",
        "10,40",
        "--hold",
        "-50",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = pd.read_csv(out / "metrics.csv").set_index("metric")
    assert table.loc["sign", "value"] == 1  # outward GABA_A current at −50 mV
    # 1 nS · Use 0.5 · (−50 − (−80)) mV = 15 pA
    assert table.loc["amplitude", "value"] == pytest.approx(0.015, rel=0.01)
    assert table.loc["decay_tau_ms", "value"] == pytest.approx(5.0, rel=0.02)
    assert table.loc["ppr", "value"] < 0
    freq = pd.read_csv(out / "frequency_response.csv")
    assert list(freq["frequency_Hz"]) == [10.0, 40.0]
    assert {p.name for p in out.iterdir()} == {
        "metrics.csv",
        "event.png",
        "train.png",
        "frequency_response.csv",
        "frequency_response.png",
    }


def test_tune_synapse_on_cell86_with_a_legacy_synapse(tmp_path: Path) -> None:
    out = tmp_path / "legacy"
    proc = _isf(
        "--synapse",
        "glutamate_syn",
        "--weight",
        "1",
        "--weight",
        "0.5",
        "--cell",
        str(cell86("86_C2_center.param")),
        "--section",
        "40",
        "--cvode",
        "--hold",
        "-75",
        "--tstart",
        "20",
        "--tdur",
        "50",
        "--pulses",
        "3",
        "--recovery-pulses",
        "1",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = pd.read_csv(out / "metrics.csv").set_index("metric")
    assert table.loc["sign", "value"] == -1 and table.loc["amplitude", "value"] < 0
    assert table.loc["ppr", "value"] < 0  # glutamate_syn depresses by default (decayampa 0.5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--synapse", "tm_gabaa", "--param", "tau1=2"],
            "ConnectionSettings.parameters",
        ),
        (["--synapse", "gaba_syn", "--stochastic"], "ConnectionSettings.stochastic"),
        (["--synapse", "tm_gabaa", "--pulses", "1"], "TrainSettings.n_pulses"),
    ],
)
def test_bad_input_gives_a_one_line_error(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "bad"
    proc = _isf(*args, "--out", str(out))
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.startswith("isf: error:")]
    assert len(errors) == 1 and message in errors[0]
    assert not (out / "metrics.csv").exists()


def test_tune_synapse_from_a_bmtool_settings_file(tmp_path: Path) -> None:
    import yaml

    from isf.data import synapse_tuner_example
    from isf.synapse_tuner.bmtool_settings import EXAMPLE_CONN_TYPE_SETTINGS, EXAMPLE_GENERAL_SETTINGS

    settings = {
        "general_settings": {**EXAMPLE_GENERAL_SETTINGS, "rise_interval": [0.1, 0.9]},
        "conn_type_settings": EXAMPLE_CONN_TYPE_SETTINGS,
        "mechanisms_dir": str(synapse_tuner_example("mechanisms")),
        "templates_dir": str(synapse_tuner_example("templates")),
        "other_vars_to_record": ["u"],
    }
    path = tmp_path / "tuner.yaml"
    path.write_text(yaml.safe_dump(settings))
    out = tmp_path / "tuned"
    proc = _isf("--settings", str(path), "--freq", "20", "--pulses", "4", "--recovery-pulses", "2", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == ["excitatory_facilitating", "inhibitory_depressing"]
    exc = pd.read_csv(out / "excitatory_facilitating" / "metrics.csv").set_index("metric")["value"]
    inh = pd.read_csv(out / "inhibitory_depressing" / "metrics.csv").set_index("metric")["value"]
    assert exc["sign"] == -1 and exc["ppr"] > 0  # inward, facilitating
    assert inh["sign"] == 1 and inh["ppr"] < 0  # outward at −50 mV, depressing
    path.write_text(yaml.safe_dump({**settings, "slider_var": ["Use"]}))
    proc = _isf("--settings", str(path), "--out", str(tmp_path / "bad"))
    errors = [line for line in proc.stderr.splitlines() if line.startswith("isf: error:")]
    assert proc.returncode != 0 and len(errors) == 1 and "'slider_var'" in errors[0] and "slider_vars" in errors[0]
