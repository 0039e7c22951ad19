"""The interactive tuner in a real browser: a local Voilà server on 127.0.0.1 renders a notebook
with the tuner on the shipped template; headless Chromium (the Debian package at /usr/bin/chromium,
driven by Playwright) types a new value into a slider and sees the traces and the metrics change.

Skips with the reason when Chromium, Playwright or Voilà is missing (CI installs Chromium in .ci/run).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.is_file():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install the Debian package (`apt-get install chromium`) to run the "
        "browser test of the interactive tuner",
        allow_module_level=True,
    )
pytest.importorskip("neuron")
pytest.importorskip("voila", reason="Voilà is not installed (pip install -r requirements.lock)")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
nbformat = pytest.importorskip("nbformat")

pytestmark = pytest.mark.slow

# a fresh profile, no network services, no sandbox (root in CI containers)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NOTEBOOK = """\
from isf.synapse_tuner import example_settings
from isf.synapse_tuner.interactive import InteractiveTuner

ui = InteractiveTuner(example_settings())
ui"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def voila_url(tmp_path: Path) -> Iterator[str]:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(NOTEBOOK)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "tuner.ipynb")
    port = _free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    log = (tmp_path / "voila.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "voila", "tuner.ipynb", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:  # listening (a page request would already start a kernel)
                with socket.create_connection(("127.0.0.1", port), timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("Voilà did not start:\n" + (tmp_path / "voila.log").read_text()[-3000:])
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_a_slider_redraws_traces_and_metrics_in_chromium(voila_url: str, tmp_path: Path) -> None:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.goto(voila_url, timeout=180_000)
            # Voilà executes the notebook (mechanisms, template, first single event) before the page shows
            page.wait_for_selector("table.isf-metrics", timeout=180_000)
            table = page.inner_text("table.isf-metrics")
            image = page.locator(".widget-image").first.get_attribute("src")
            assert "decay_tau_ms" in table and image
            assert page.locator(".widget-dropdown select").input_value() == "excitatory (facilitating)"
            readout = page.locator(".widget-slider", has_text="tau_decay").locator(".widget-readout")
            assert readout.inner_text() == "3.000"
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("6")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "old => document.querySelector('table.isf-metrics').innerText !== old", arg=table, timeout=60_000
            )
            page.wait_for_function(
                "old => document.querySelector('.widget-image').getAttribute('src') !== old",
                arg=image,
                timeout=60_000,
            )
            assert readout.inner_text() == "6.000"
            rows = dict(
                line.split("\t")[:2] for line in page.inner_text("table.isf-metrics").splitlines()[1:]
            )
            before = dict(line.split("\t")[:2] for line in table.splitlines()[1:])
            # the decay time constant followed the slider (3 ms → 6 ms)
            assert float(before["decay_tau_ms"]) == pytest.approx(3.0, rel=0.05)
            assert float(rows["decay_tau_ms"]) == pytest.approx(6.0, rel=0.05)
        finally:
            browser.close()
