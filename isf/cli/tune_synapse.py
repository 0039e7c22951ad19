"""``isf tune-synapse``: single-event kinetics, train plasticity and frequency response of one synapse,
or of every connection of a bmtool-style settings file (``--settings``)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from isf.errors import ArgumentValueError


def _parameter(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        if not sep or not name:
            raise ValueError
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}") from None


def _frequencies(text: str) -> list[float]:
    try:
        return [float(f) for f in text.split(",") if f.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated frequencies in Hz, got {text!r}") from None


def _write(out: Path, name: str, tuner: Any, protocol: Any, freqs: list[float] | None) -> list[str]:
    """Run event, train (and frequency response) on ``tuner``; write tables and plots into ``out``."""
    from isf.dsl.atomic import atomic_write_text
    from isf.synapse_tuner import frequency_response
    from isf.synapse_tuner.plot import metrics_table, plot_frequency_response, plot_result, save_figure

    event = tuner.single_event()
    train = tuner.train(protocol)
    response = frequency_response(tuner, freqs, protocol) if freqs else None
    table = metrics_table(event, train)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "metrics.csv", table.to_csv(index=False))
    save_figure(plot_result(event), out / "event.png")
    save_figure(plot_result(train), out / "train.png")
    written = ["metrics.csv", "event.png", "train.png"]
    if response is not None:
        atomic_write_text(out / "frequency_response.csv", response.to_frame().to_csv())
        save_figure(plot_frequency_response(response, label=name), out / "frequency_response.png")
        written += ["frequency_response.csv", "frequency_response.png"]
    print(f"== {name}")
    print(table.to_string(index=False))
    return [str(out / w) for w in written]


def _run_settings(args: argparse.Namespace, out: Path) -> int:
    from isf.synapse_tuner import GeneralSettings, SynapseTuner, TrainSettings, read_tuner_settings

    settings = read_tuner_settings(args.settings, GeneralSettings(cvode=args.cvode))
    protocol = TrainSettings(args.freq, args.pulses, args.recovery_delay, args.recovery_pulses)
    written = []
    for name, connection in settings.connections.items():
        with SynapseTuner(connection, settings.general) as tuner:
            folder = out / (re.sub(r"[^\w.-]+", "_", name).strip("_") or "connection")
            written += _write(folder, name, tuner, protocol, args.freqs)
    print(f"wrote {', '.join(written)}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Tune the synapse of ``args`` (or every connection of ``--settings``) and write metrics and plots;
    exit code 0."""
    import matplotlib

    matplotlib.use("Agg")

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ArgumentValueError(f"--out {out} exists and is not a folder")
    if args.settings is not None:
        return _run_settings(args, out)
    if args.synapse is None:
        raise ArgumentValueError("give --synapse NAME or --settings FILE (bmtool-style JSON/YAML)", field="synapse")

    from isf.dsl.cell_param import read_cell_param
    from isf.model.site import SectionSite, Soma
    from isf.synapse_tuner import ConnectionSettings, GeneralSettings, SynapseTuner, TrainSettings

    cell = None
    if args.cell is not None:
        cell = read_cell_param(args.cell, search_roots=args.search).cell
    site = Soma() if args.section is None else SectionSite(args.section, args.x)
    connection = ConnectionSettings(
        args.synapse,
        weights_nS=tuple(args.weight) if args.weight else (1.0,) * (2 if args.synapse == "glutamate_syn" else 1),
        parameters=dict(args.param),
        site=site,
        cell=cell,
        delay_ms=args.delay,
        stochastic=args.stochastic,
        seed=args.seed,
        mechanisms_dir=args.mechanisms_dir,
    )
    general = GeneralSettings(
        vclamp=not args.current_clamp,
        hold_mV=args.hold,
        v_init_mV=args.hold if args.v_init is None else args.v_init,
        dt_ms=args.dt,
        cvode=args.cvode,
        celsius_degC=args.celsius,
        tstart_ms=args.tstart,
        tdur_ms=args.tdur,
    )
    protocol = TrainSettings(args.freq, args.pulses, args.recovery_delay, args.recovery_pulses)
    with SynapseTuner(connection, general) as tuner:
        written = _write(out, args.synapse, tuner, protocol, args.freqs)
    print(f"wrote {', '.join(written)}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``tune-synapse`` verb."""
    p = sub.add_parser(
        "tune-synapse",
        help="single event, train plasticity and frequency response of one synapse",
        description="Simulate one synapse on a cell (the built-in passive soma, or a legacy cell .param) "
        "and write its metrics table and plots. Example: isf tune-synapse --synapse tm_ampa_nmda "
        "--param Use=0.2 --param Fac=300 --freq 20 --freqs 5,10,20,50 --out tuned/ ; or every connection "
        "of a bmtool-style settings file: isf tune-synapse --settings tuner.yaml --out tuned/",
    )
    p.add_argument(
        "--synapse",
        default=None,
        help="the synapse's POINT_PROCESS: tm_ampa_nmda, tm_gabaa, glutamate_syn, gaba_syn, or one of "
        "--mechanisms-dir",
    )
    p.add_argument(
        "--settings",
        default=None,
        help="bmtool-style JSON/YAML (general_settings, conn_type_settings, mechanisms_dir, templates_dir, "
        "…): every connection into OUT/<name>/",
    )
    p.add_argument(
        "--mechanisms-dir",
        type=Path,
        default=None,
        help="folder of your .mod files (compiled and cached like isf's)",
    )
    p.add_argument(
        "--param",
        type=_parameter,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="synapse parameter (repeatable), e.g. Use=0.2, Dep=100 (ms)",
    )
    p.add_argument(
        "--weight",
        type=float,
        action="append",
        default=[],
        help="NetCon weight in nS (repeat twice for glutamate_syn: AMPA, NMDA); default 1",
    )
    p.add_argument(
        "--cell",
        default=None,
        help="legacy cell .param (default: built-in passive soma)",
    )
    p.add_argument(
        "--search",
        action="append",
        default=[],
        help="folder for files named in the .param, searched recursively (repeatable)",
    )
    p.add_argument(
        "--section",
        type=int,
        default=None,
        help="section ID of the synapse (default: soma)",
    )
    p.add_argument("--x", type=float, default=0.5, help="position on the section, 0-1")
    p.add_argument("--delay", type=float, default=0.0, help="NetCon delay, ms")
    p.add_argument(
        "--stochastic",
        action="store_true",
        help="stochastic release (Tsodyks-Markram types)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the release generator")
    p.add_argument(
        "--current-clamp",
        action="store_true",
        help="measure the soma PSP instead of the current",
    )
    p.add_argument("--hold", type=float, default=-70.0, help="holding potential, mV")
    p.add_argument(
        "--v-init",
        type=float,
        default=None,
        help="initial potential, mV (default: --hold)",
    )
    p.add_argument("--dt", type=float, default=0.025, help="time step, ms")
    p.add_argument("--cvode", action="store_true", help="variable time step")
    p.add_argument("--celsius", type=float, default=34.0, help="temperature, degC")
    p.add_argument("--tstart", type=float, default=100.0, help="first presynaptic spike, ms")
    p.add_argument(
        "--tdur",
        type=float,
        default=100.0,
        help="simulated time after the last spike, ms",
    )
    p.add_argument("--freq", type=float, default=50.0, help="train frequency, Hz")
    p.add_argument("--pulses", type=int, default=8, help="train pulses")
    p.add_argument(
        "--recovery-delay",
        type=float,
        default=250.0,
        help="last train pulse to first recovery pulse, ms",
    )
    p.add_argument("--recovery-pulses", type=int, default=4, help="recovery pulses")
    p.add_argument(
        "--freqs",
        type=_frequencies,
        default=None,
        help="frequency response at these Hz, e.g. 5,10,20",
    )
    p.add_argument("--out", required=True, help="output folder (metrics.csv and PNGs)")
    p.set_defaults(func=run)
