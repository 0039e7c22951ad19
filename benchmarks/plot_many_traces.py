"""Many-trace plot benchmark: :func:`isf.plot.plot_traces` against a naive per-line matplotlib loop.

Run from the repository root inside the venv::

    python benchmarks/plot_many_traces.py [--traces 1000] [--samples 3000] [--repeats 3]

Data: ``--traces`` synthetic voltage traces of ``--samples`` samples each (0.1 ms steps): a resting
potential with noise and a few 1-ms spikes to +30 mV per trace, from a seeded generator (seed 0),
in two groups so both methods colour by group.

Every method draws into a new 10 × 3 inch figure at 100 dpi on an Agg canvas and writes a PNG of
the same size (1000 × 300 px); the time covers building the plot, drawing and writing the PNG:

* ``naive``: one ``ax.plot`` call per trace (alpha 0.1) — what a script typically does;
* ``lines``: ``plot_traces(method="lines")`` — one LineCollection;
* ``raster``: ``plot_traces(method="raster")`` — numpy rasterisation, one image (the default,
  ``method="auto"``, for more than 200 traces).

After one untimed warm-up draw per method, each method is timed ``--repeats`` times in rotation; medians are compared. The last line printed
is ``RESULT <json>`` with ``speedup_vs_naive`` = naive / raster (the default path) and
``speedup_lines_vs_naive`` = naive / lines.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread

from isf.plot import plot_traces

FIGSIZE = (10.0, 3.0)
DPI = 100
SEED = 0


def synthetic_traces(
    n: int, m: int, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``n`` voltage-like traces (mV) of ``m`` samples at 0.1 ms, and a group per trace."""
    rng = np.random.default_rng(seed)
    t = np.arange(m) * 0.1
    v = -70.0 + rng.normal(0.0, 1.0, (n, m)).cumsum(axis=1) * 0.05
    for i in range(n):
        for start in rng.integers(0, m - 10, size=rng.integers(0, 4)):
            v[i, start : start + 10] = 30.0
    groups = ["spiking" if i % 3 == 0 else "silent" for i in range(n)]
    return t, v, groups


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def naive(t: np.ndarray, v: np.ndarray, groups: list[str]) -> bytes:
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    colors = {"spiking": "C0", "silent": "C1"}
    for row, group in zip(v, groups):
        ax.plot(t, row, color=colors[group], alpha=0.1, lw=0.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V (mV)")
    return _png(fig)


def isf_method(method: str) -> Callable[[np.ndarray, np.ndarray, list[str]], bytes]:
    def run(t: np.ndarray, v: np.ndarray, groups: list[str]) -> bytes:
        fig = Figure(figsize=FIGSIZE, layout="constrained")
        plot_traces(
            t,
            v,
            groups=groups,
            colors={"spiking": "C0", "silent": "C1"},
            method=method,  # type: ignore[arg-type]
            alpha=0.1,
            ax=fig.add_subplot(),
        )
        return _png(fig)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    t, v, groups = synthetic_traces(args.traces, args.samples)
    methods = {
        "naive": naive,
        "lines": isf_method("lines"),
        "raster": isf_method("raster"),
    }
    times: dict[str, list[float]] = {k: [] for k in methods}
    sizes: dict[str, tuple[int, ...]] = {}
    for fn in methods.values():  # warm-up: first draws load fonts and caches
        fn(t, v[:10], groups[:10])
    for _ in range(args.repeats):
        for name, fn in methods.items():
            start = time.perf_counter()
            png = fn(t, v, groups)
            times[name].append(time.perf_counter() - start)
            sizes[name] = imread(io.BytesIO(png)).shape
    if len(set(sizes.values())) != 1:
        raise SystemExit(f"PNG sizes differ: {sizes}")
    med = {k: statistics.median(x) for k, x in times.items()}
    print(
        f"{args.traces} traces x {args.samples} samples, PNG {sizes['naive'][1]}x{sizes['naive'][0]} px, "
        f"median of {args.repeats}"
    )
    print(f"{'method':<10}{'median s':>10}{'min s':>10}{'speed-up':>10}")
    for name in methods:
        print(
            f"{name:<10}{med[name]:>10.3f}{min(times[name]):>10.3f}{med['naive'] / med[name]:>10.1f}"
        )
    result = {
        "n_traces": args.traces,
        "n_samples": args.samples,
        "png_px": list(sizes["naive"][:2]),
        "naive_s": round(med["naive"], 4),
        "lines_s": round(med["lines"], 4),
        "raster_s": round(med["raster"], 4),
        "speedup_vs_naive": round(med["naive"] / med["raster"], 2),
        "speedup_lines_vs_naive": round(med["naive"] / med["lines"], 2),
        "seed": SEED,
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
