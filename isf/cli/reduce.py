"""``isf reduce fit|apply``: reduced LDA models of simulated trials (``docs/reduced_models.md``).

``fit`` bins the synapse activations of run stores (or of every labelled run of a study database),
fits the model with ISF's defaults unless told otherwise, prints the scores and the kernels' peaks and
keeps the model as JSON (a file, or an item of the database). ``apply`` predicts, per trial of run
stores, the spike probability in the output window, and the rolling PSTH against the simulated one.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _inputs(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """(binned input, spike times, database or None) of the sources named on the command line."""
    from isf.reduced.groups import EI_TABLE_ISF_2025, EI_TABLE_PRE_2025
    from isf.reduced.runs import binned_runs, binned_study
    from isf.store import Database

    table = EI_TABLE_ISF_2025 if args.ei_table == "isf_2025" else EI_TABLE_PRE_2025
    groupby = tuple(args.groupby.split(","))
    if args.db is not None:
        db = Database(args.db, create=False)
        binned, spikes = binned_study(db, groupby, maxtime_ms=args.maxtime, bin_ms=args.bin_ms, ei_table=table)
        return binned, spikes, db
    if not args.stores:
        raise ValueError("give run-store files or --db DATABASE")
    binned, spikes = binned_runs(args.stores, groupby, maxtime_ms=args.maxtime, bin_ms=args.bin_ms, ei_table=table)
    return binned, spikes, None


def fit(args: argparse.Namespace) -> int:
    """Fit, print the scores and kernel peaks, save the model."""
    import numpy as np

    from isf.reduced.lda import blocks_of, fit_lda
    from isf.reduced.lda_settings import LdaSettings
    from isf.reduced.persistence import save_model

    binned, spikes, db = _inputs(args)
    # the input window in bins: it ends with the output window (ISF's default), args.window_width ms long
    end = int(round(args.output_window[1] / args.bin_ms))
    settings = LdaSettings(window_width_ms=None, window_min_ms=end - int(round(args.window_width / args.bin_ms)),
                           window_max_ms=end, output_window_min_ms=args.output_window[0],
                           output_window_max_ms=args.output_window[1], refractory_period_ms=args.refractory,
                           lookup_step=args.lookup_step, n_fits=args.fits, seed=args.seed,
                           regularize=args.regularize)
    model = fit_lda(blocks_of(binned), spikes, settings, binned.trials.tolist())
    print(f"{len(binned.trials)} trials, {int(model.y.sum())} with a spike in "
          f"[{settings.output_window_min_ms:g}, {settings.output_window_max_ms:g}) ms")
    print(model.scores.table().round(3).to_string())
    lo, _ = model.window
    for label in model.labels:
        k = model.kernel(label)
        peak = int(np.argmax(np.abs(k)))
        start = (lo + peak) * args.bin_ms
        print(f"kernel {label}: peak {k[peak]:+.3f} in the bin starting at {start:g} ms "
              f"({settings.output_window_max_ms - start:g} ms before the output window's end)")
    print(f"held-out AUROC (median of {settings.n_fits} fits): {model.auroc:.3f}")
    if args.key is not None:
        if db is None:
            raise ValueError("--key stores the model in the --db database; give --db")
        save_model(model, db, tuple(args.key.split("/")))
        print(f"saved to {args.db} key {args.key}")
    if args.out is not None:
        save_model(model, args.out)
        print(f"saved to {args.out}")
    return 0


def apply(args: argparse.Namespace) -> int:
    """Static spike probabilities per trial, and the rolling PSTH against the simulated one."""
    import numpy as np
    import pandas as pd

    from isf.reduced.apply import apply_rolling, apply_static
    from isf.reduced.lda import blocks_of
    from isf.reduced.persistence import load_model
    from isf.reduced.targets import spike_in_interval
    from isf.store import Database

    if args.model_key is not None:
        if args.db is None:
            raise ValueError("--model-key reads the model from the --db database; give --db")
        model = load_model(Database(args.db, create=False), tuple(args.model_key.split("/")))
    elif args.model is not None:
        model = load_model(args.model)
    else:
        raise ValueError("give --model FILE or --db DATABASE --model-key KEY")
    binned, spikes, _ = _inputs(args)
    data = blocks_of(binned)
    static = apply_static(model, data, args.fit)
    s = model.settings
    table = pd.DataFrame({"wni": static.wni, "p_spike": static.p_spike,
                          "spike": spike_in_interval(spikes, s.output_window_min_ms, s.output_window_max_ms)},
                         index=binned.trials)
    rolled = apply_rolling(model, data, args.fit)
    t = binned.edges_ms[:-1]
    finite = spikes[~np.isnan(spikes)]
    simulated = np.histogram(finite, bins=binned.edges_ms)[0] / max(1, spikes.shape[0])
    print(f"{len(table)} trials: mean predicted P(spike in [{s.output_window_min_ms:g}, "
          f"{s.output_window_max_ms:g}) ms) {table.p_spike.mean():.3f}, observed {table.spike.mean():.3f}")
    window = (t >= s.output_window_min_ms) & (t < s.output_window_max_ms)
    print(f"rolling PSTH in the output window: predicted {rolled.psth[window].sum():.3f}, "
          f"simulated {simulated[window].sum():.3f} spikes per trial")
    if args.out is not None:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out)
        print(f"per-trial predictions written to {args.out}")
    return 0


def _sources(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stores", nargs="*", help="run-store files (.h5)")
    parser.add_argument("--db", help="a study database: every labelled run in it (instead of stores)")
    parser.add_argument("--groupby", default="EI",
                        help="grouping columns, comma-separated (EI, celltype, binned_somadist, proximal, …)")
    parser.add_argument("--ei-table", choices=("isf_pre_2025", "isf_2025"), default="isf_pre_2025",
                        help="EXC/INH lists (isf_2025 counts L1 as EXC, as ISF since 2025)")
    parser.add_argument("--maxtime", type=float, default=400.0, help="end of the binned time, ms (400)")
    parser.add_argument("--bin-ms", type=float, default=1.0, help="time bin, ms (1, as ISF)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``reduce`` verb."""
    reduce = sub.add_parser("reduce", help="reduced LDA models of simulated trials",
                            description="Fit and apply ISF's reduced LDA model (docs/reduced_models.md).")
    verbs = reduce.add_subparsers(dest="reduce_command", required=True)
    fit_ = verbs.add_parser("fit", help="fit a model to run stores or a study database")
    _sources(fit_)
    fit_.add_argument("--out", type=Path, help="write the model as a JSON file")
    fit_.add_argument("--key", help="keep the model in the --db database under this key (a/b/c)")
    fit_.add_argument("--window-width", type=float, default=80.0,
                      help="input window, ms before the end of the output window (80)")
    fit_.add_argument("--output-window", nargs=2, type=float, default=(255.0, 265.0), metavar=("START", "STOP"),
                      help="label: a spike in [START, STOP) ms (255 265)")
    fit_.add_argument("--refractory", type=float, default=0.0, help="refractory period, ms (0)")
    fit_.add_argument("--lookup-step", type=int, default=5, help="WNI bin width of the lookup table (5)")
    fit_.add_argument("--fits", type=int, default=5, help="number of fits (5)")
    fit_.add_argument("--seed", type=int, default=0, help="seed of the class balancing (0)")
    fit_.add_argument("--regularize", action="store_true",
                      help="Ledoit-Wolf shrinkage of the covariance (fine bins on few trials; ISF: off)")
    fit_.set_defaults(func=fit)
    apply_ = verbs.add_parser("apply", help="predict spike probabilities and the PSTH of run stores")
    _sources(apply_)
    apply_.add_argument("--model", type=Path, help="the model's JSON file")
    apply_.add_argument("--model-key", help="or the model's key in the --db database")
    apply_.add_argument("--fit", type=int, default=0, help="which of the fits (0)")
    apply_.add_argument("--out", type=Path, help="write per-trial WNI, probability and label as CSV")
    apply_.set_defaults(func=apply)
