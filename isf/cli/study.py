"""``isf study summary``: trials, P(spike in a window) and firing rate per condition of a study database."""

from __future__ import annotations

import argparse


def summary(args: argparse.Namespace) -> int:
    """Print a table: one row per condition (trials, P(spike), mean rate in the window, Hz)."""
    import pandas as pd

    from isf.analysis.study import psth_by_condition, spike_probability
    from isf.store import Database, StudyView

    start, stop = args.window
    view = StudyView.of_database(Database(args.db, create=False))
    if not view.runs:
        print(f"no labelled runs in {args.db} (runs are labelled by isf.backends.study_runs.run_condition)")
        return 1
    by = list(view.condition_names)
    table = view.trials.groupby(by, observed=True).size().rename("trials").to_frame()
    table[f"p_spike_{start:g}_{stop:g}_ms"] = spike_probability(view.spike_times, view.trials, (start, stop), by)
    rates = psth_by_condition(view.spike_times, view.trials, by, bin_ms=stop - start, t_start_ms=start,
                              t_stop_ms=stop)
    table["rate_hz"] = rates.iloc[:, 0]
    with pd.option_context("display.max_rows", None, "display.width", 120):
        print(table.round(4).to_string())
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``study`` verb."""
    study = sub.add_parser("study", help="summaries of the runs of a study database",
                           description="Analyses over every labelled run of a study database (docs/study.md).")
    verbs = study.add_subparsers(dest="study_command", required=True)
    summary_ = verbs.add_parser("summary", help="trials, P(spike) and rate per condition")
    summary_.add_argument("db", help="database folder")
    summary_.add_argument("--window", nargs=2, type=float, default=(245.0, 265.0), metavar=("START", "STOP"),
                          help="window in ms (default 245 265)")
    summary_.set_defaults(func=summary)
