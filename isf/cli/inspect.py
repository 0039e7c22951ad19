"""``isf inspect FILE``: a short summary of a model file or a results file.

Understands cell and network ``.param``, ``.hoc``/``.swc``, ``.syn``, ``.con``, ``.landmarkAscii``,
typed ``.json``/``.yaml`` (any model value, or the tables ``isf convert`` writes for ``.syn``/``.con``)
and run stores (``.h5``) — also while a run appends to them: progress (trials done of requested,
rate, ETA), partial statistics and failed trials.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from isf.errors import ArgumentValueError, LegacyFormatError, MissingFileError

if TYPE_CHECKING:
    import pandas as pd


def _top(counter: Counter[str], n: int = 8) -> str:
    items = counter.most_common(n)
    more = f", … ({len(counter)} in all)" if len(counter) > n else ""
    return ", ".join(f"{k} {v}" for k, v in items) + more


def _param(path: Path, search: list[str]) -> list[str]:
    from isf.dsl.cell_param import read_cell_param
    from isf.dsl.param_format import read_param

    data = read_param(path)
    if isinstance(data, dict) and "neuron" in data:
        params = read_cell_param(path, search_roots=search)
        sim = params.simulation
        return [
            f"cell parameter file {path}",
            repr(params.cell),
            (
                f"simulation: tstop {sim.tstop_ms:g} ms, dt {sim.dt_ms:g} ms, v_init {sim.v_init_mV:g} mV, "
                f"{sim.celsius_degC:g} °C, cvode {'on' if sim.cvode else 'off'}"
            ),
            f"recording sites: {len(params.recording_sites)}",
        ]
    if isinstance(data, dict) and "network" in data:
        network = data["network"]
        cells = sum(
            int(spec.get("cellNr", 0))
            for spec in network.values()
            if isinstance(spec, dict)
        )
        types = Counter(name.split("_", 1)[0] for name in network)
        files = {
            spec.get("synapses", {}).get("distributionFile")
            for spec in network.values()
            if isinstance(spec, dict)
        }
        return [
            f"network parameter file {path}",
            f"{len(network)} populations, {cells} presynaptic cells",
            f"cell types (populations): {_top(types)}",
            f"synapse files: {', '.join(sorted(Path(f).name for f in files if f)) or 'none'}",
        ]
    raise LegacyFormatError(
        path, None, "neither a cell .param (no 'neuron' block) nor a network .param (no 'network' block)"
    )


def _populations(title: str, counts: Counter[str], totals: str) -> list[str]:
    """The summary of a per-population file: ``title``, the population count with ``totals``, the largest."""
    return [title, f"{len(counts)} populations, {totals}", f"largest: {_top(counts)}"]


def _syn(path: Path) -> list[str]:
    from isf.dsl.syn_file import read_syn_file

    syn = read_syn_file(path)
    counts = Counter({name: len(ids) for name, (ids, _) in syn.populations.items()})
    return _populations(f"synapse location file {path} (cell {syn.cell_name or '?'})", counts,
                        f"{syn.n_synapses} synapses")


def _con(path: Path) -> list[str]:
    from isf.dsl.con_file import read_con

    syn_name, pops = read_con(path)
    counts = Counter({name: len(c) for name, c in pops.items()})
    cells = sum(len(set(c.cell_id.tolist())) for c in pops.values())
    return _populations(f"connectivity file {path} (for {syn_name or '?'})", counts,
                        f"{sum(counts.values())} connections from {cells} presynaptic cells")


def _typed(path: Path) -> list[str]:
    from isf.dsl.serialization import load, read_envelope

    kind, table = read_envelope(path)
    if kind in ("SynapseLocations", "ConnectionTable"):
        pops = table["populations"]
        rows = sum(len(next(iter(p.values()))) for p in pops.values())
        return [f"{kind} {path}", f"{len(pops)} populations, {rows} rows"]
    value: Any = load(path)
    return [f"{kind} {path}", repr(value)]


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _progress(n_done: int, n_trials: int, finished: pd.Series, running: bool) -> str:
    """Trials done of requested, the rate over the last (up to) 50 trials and, if running, the ETA."""
    import pandas as pd

    line = f"progress: {n_done}/{n_trials} trials ({100.0 * n_done / max(n_trials, 1):.0f} %)"
    times = pd.to_datetime(finished, utc=True, errors="coerce").dropna().sort_values().iloc[-50:]
    span = (times.iloc[-1] - times.iloc[0]).total_seconds() if len(times) > 1 else 0.0
    if span > 0:
        rate = (len(times) - 1) / span
        line += f", {rate * 60:.3g} trials/min"
        left = n_trials - n_done
        if running and left > 0:
            line += f", ETA {_duration(left / rate)}"
    if n_done < n_trials and not running:
        line += "; not running (run the same isf trials command again to resume)"
    return line


def _statistics(store: Any) -> list[str]:
    """Partial statistics of the trials done so far (spikes, wall time, synaptic activations per trial)."""
    trials = store["trials"]
    if not len(trials):
        return []
    spikes = trials["n_spikes"]
    line = (f"statistics of the {len(trials)} trials done: soma spikes per trial {spikes.mean():.3g} "
            f"± {spikes.std(ddof=0):.2g} (mean ± SD)")
    wall = trials["wall_s"].dropna()
    if len(wall):
        line += f", wall time per trial {wall.mean():.3g} s"
    return [line]


def _store(path: Path) -> list[str]:
    from isf.store import RunStore
    from isf.store.session import writer_active

    running = writer_active(path)
    with RunStore.open(path) as store:
        done = store.completed_trials()
        prov = store.provenance
        failed = store.failed_trials()
        lines = [
            f"run store {path}" + (" (running: a process is appending to it)" if running else ""),
            f"run seed {store.run_seed}, {len(done)} of {store.n_trials} trials done"
            + (f", {len(failed)} failed" if len(failed) else ""),
            _progress(len(done), store.n_trials - len(failed), store["trials"]["finished_at"], running),
            *_statistics(store),
            f"tables: {', '.join(store.keys())}",
            f"traces: {', '.join(store.trace_keys())}",
        ]
        for trial, row in failed.head(5).iterrows():
            lines.append(f"failed trial {trial}: {row['reason']}")
        versions = prov.get("versions") if isinstance(prov, dict) else None
        if isinstance(versions, dict):
            lines.append(
                "versions: " + ", ".join(f"{k} {v}" for k, v in versions.items())
            )
    return lines


def _morphology(path: Path) -> list[str]:
    from isf.dsl.hoc import read_hoc
    from isf.dsl.swc import read_swc
    from isf.model.summary import label_rows

    morph = read_swc(path) if path.suffix.lower() == ".swc" else read_hoc(path)
    lines = [f"morphology {path}", repr(morph)]
    lines += [
        f"  {lab:<8}{n:>5} sections {length:>8} µm"
        for lab, n, length in label_rows(morph)
    ]
    return lines


def _landmarks(path: Path) -> list[str]:
    from isf.dsl.landmark import read_landmarks

    pts = read_landmarks(path)
    return [f"landmark file {path}: {pts.shape[0]} points"]


def summary(path: Path, search: list[str]) -> list[str]:
    """The summary lines of ``path``."""
    suffix = path.suffix.lower()
    if suffix == ".param":
        return _param(path, search)
    if suffix in (".hoc", ".swc"):
        return _morphology(path)
    if suffix == ".syn":
        return _syn(path)
    if suffix == ".con":
        return _con(path)
    if suffix in (".json", ".yaml", ".yml"):
        return _typed(path)
    if suffix in (".h5", ".hdf5"):
        return _store(path)
    if suffix == ".landmarkascii":
        return _landmarks(path)
    raise ArgumentValueError(
        f"{path}: cannot inspect {suffix or 'extension-less'!r} files: allowed are .param, .hoc, .swc, "
        ".syn, .con, .landmarkAscii, .json, .yaml, .yml, .h5"
    )


def run(args: argparse.Namespace) -> int:
    """Print the summary of ``args.file``; exit code 0."""
    path = Path(args.file)
    if not path.is_file():
        raise MissingFileError(f"file not found: {path}")
    print("\n".join(summary(path, args.search)))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``inspect`` verb."""
    insp = sub.add_parser(
        "inspect",
        help="summarise a model file (.param, .hoc, .swc, .syn, .con, .json/.yaml) or a run store (.h5)",
        description="Print a short summary of a legacy or typed model file or of a run store.",
        epilog="examples:\n  isf inspect 86_C2_center.param\n  isf inspect network.param\n"
        "  isf inspect example_embedding_86_C2_center.syn\n  isf inspect cell86.json\n  isf inspect c2.h5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    insp.add_argument("file", help="the file to summarise")
    insp.add_argument(
        "--search",
        action="append",
        default=[],
        type=os.fspath,
        help=("folder where files named in a .param are looked for, recursively (the best "
              "match of the written path wins; repeatable)"),
    )
    insp.set_defaults(func=run)
