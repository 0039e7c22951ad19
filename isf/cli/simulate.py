"""``isf simulate``: a cell and a current step (or pulse) on the soma → traces as CSV and/or PNG."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from isf.errors import ArgumentValueError, MissingFileError

OUTPUT_SUFFIXES = (".csv", ".png")


def _check_outputs(paths: list[str], force: bool) -> list[Path]:
    outs = [Path(p) for p in paths]
    for out in outs:
        if out.suffix.lower() not in OUTPUT_SUFFIXES:
            raise ArgumentValueError(
                f"--out {out}: allowed suffixes are .csv (traces) and .png (plot)"
            )
        if out.exists() and not force:
            raise FileExistsError(f"{out} exists; use --force to replace it")
        if not out.parent.is_dir():
            raise MissingFileError(f"output folder not found: {out.parent}")
    return outs


def run(args: argparse.Namespace) -> int:
    """Simulate the step of ``args`` and write the outputs; exit code 0."""
    import pandas as pd
    from tqdm.auto import tqdm

    from isf.backends.neuron.simulate import simulate
    from isf.dsl.atomic import atomic_write_text
    from isf.dsl.cell_param import read_cell_param
    from isf.model.experiment import Experiment
    from isf.model.recording import Recording
    from isf.model.simulation import Simulation
    from isf.model.site import ApicalTrunk, Soma
    from isf.model.stimulus import CurrentStep
    from isf.plot.output import atomic_output

    outs = _check_outputs(args.out, args.force)
    if args.step_nA is None:
        raise ArgumentValueError(
            "--step-nA is required (amplitude of the soma current, nA; 0 for a resting run)"
        )
    bar = tqdm(total=3, desc="simulate", unit="step", disable=args.quiet)
    bar.set_postfix_str("reading")
    params = read_cell_param(args.cell, search_roots=args.search)
    cell = params.cell
    tstop = (
        args.tstop_ms
        if args.tstop_ms is not None
        else args.delay_ms + args.duration_ms + 100.0
    )
    recordings = [Recording(Soma())]
    recordings += [
        Recording(ApicalTrunk(d), name=f"trunk_{d:g}um") for d in args.trunk_um
    ]
    experiment = Experiment(
        cell,
        Simulation(
            tstop,
            dt_ms=args.dt_ms,
            cvode=args.cvode,
            v_init_mV=params.simulation.v_init_mV,
            celsius_degC=params.simulation.celsius_degC,
        ),
        [
            CurrentStep(
                args.step_nA, delay_ms=args.delay_ms, duration_ms=args.duration_ms
            )
        ],
        recordings,
    )
    bar.update()
    bar.set_postfix_str("running NEURON")
    result = simulate(experiment)
    bar.update()
    bar.set_postfix_str("writing")
    frame = pd.DataFrame(
        {"t_ms": result.t_ms, **{f"{k}_mV": v for k, v in result.traces.items()}}
    )
    for out in outs:
        if out.suffix.lower() == ".csv":
            atomic_write_text(out, frame.to_csv(index=False, float_format="%.6g"))
        else:
            from matplotlib.figure import Figure

            fig = Figure(figsize=(9, 3.5), layout="constrained")
            ax = fig.add_subplot()
            for key, values in result.traces.items():
                ax.plot(result.t_ms, values, lw=0.8, label=key)
            ax.set_xlabel("time (ms)")
            ax.set_ylabel("V (mV)")
            ax.set_title(
                f"{Path(args.cell).name}: {args.step_nA:g} nA for {args.duration_ms:g} ms "
                f"from {args.delay_ms:g} ms",
                fontsize=10,
            )
            ax.legend(fontsize=8, frameon=False)
            with atomic_output(out) as tmp:
                fig.savefig(tmp, dpi=100)
    bar.update()
    bar.close()
    spikes = result.spike_times("soma")
    print(
        f"{len(spikes)} soma spikes (0 mV crossings)"
        + (f", first at {spikes[0]:.2f} ms" if len(spikes) else "")
    )
    for out in outs:
        print(f"wrote {out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` verb."""
    sim = sub.add_parser(
        "simulate",
        help="run a cell with a current step on the soma; write traces (.csv) and/or a plot (.png)",
        description="Build a cell from its legacy .param, inject a current step (or a short pulse) into the "
        "soma, record the soma (and optionally apical-trunk) voltage, and write the traces.",
        epilog="examples:\n"
        "  isf simulate --cell 86_C2_center.param --step-nA 0.793 --delay-ms 100 --duration-ms 500 "
        "--out steps.csv --out steps.png\n"
        "  isf simulate --cell 86_C2_center.param --step-nA 1.9 --delay-ms 20 --duration-ms 5 "
        "--tstop-ms 60 --trunk-um 835 --out bap.png",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sim.add_argument("--cell", required=True, help="legacy cell .param")
    sim.add_argument(
        "--search",
        action="append",
        default=[],
        type=os.fspath,
        help=("folder where files named in the .param are looked for, recursively (the best "
              "match of the written path wins; repeatable)"),
    )
    sim.add_argument("--step-nA", type=float, help="current amplitude, nA")
    sim.add_argument(
        "--delay-ms", type=float, default=100.0, help="step onset, ms (default 100)"
    )
    sim.add_argument(
        "--duration-ms",
        type=float,
        default=500.0,
        help="step duration, ms (default 500)",
    )
    sim.add_argument(
        "--tstop-ms", type=float, help="run length, ms (default: step end + 100 ms)"
    )
    sim.add_argument(
        "--dt-ms", type=float, default=0.025, help="time step, ms (default 0.025)"
    )
    sim.add_argument("--cvode", action="store_true", help="variable time step (CVode)")
    sim.add_argument(
        "--trunk-um",
        type=float,
        action="append",
        default=[],
        help="also record the apical trunk at this soma distance, µm (repeatable)",
    )
    sim.add_argument(
        "--out", action="append", required=True, help="output .csv or .png (repeatable)"
    )
    sim.add_argument(
        "--force", action="store_true", help="replace existing output files"
    )
    sim.add_argument("--quiet", action="store_true", help="no progress bar")
    sim.set_defaults(func=run)
