"""Readable summaries of model values and results: short text for ``repr`` and HTML tables for
notebooks (``_repr_html_``). Pure functions of the values; the model classes delegate to them.

The attrs default ``repr`` of a cell prints every 3D point of its morphology; these summaries
say what a scientist wants to see first: sections and segments per label, lengths (µm),
mechanisms per region, populations and synapses per cell type, recorded traces and spikes.
Spikes are counted with :func:`~isf.model.spikes.spike_times` at 0 mV.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from isf.model.spikes import spike_times

if TYPE_CHECKING:
    from isf.model.cell import Cell
    from isf.model.morphology import Morphology
    from isf.model.network import Network
    from isf.model.result import Result
    from isf.model.trial_result import TrialResult

__all__ = [
    "cell_html",
    "cell_text",
    "label_rows",
    "morphology_html",
    "morphology_text",
    "network_html",
    "network_text",
    "result_html",
    "result_text",
    "trial_result_html",
    "trial_result_text",
]

_MAX_ROWS = 40
#: Threshold of the spike counts in result tables, mV (ISF's somatic spike threshold).
_SPIKE_THRESHOLD_MV = 0.0
_STYLE = "border-collapse:collapse;font-size:90%"


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(
        f"<th style='text-align:left;padding:2px 8px'>{html.escape(h)}</th>"
        for h in header
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td style='padding:2px 8px'>{html.escape(str(c))}</td>" for c in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table style='{_STYLE}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _block(title: str, facts: Sequence[tuple[str, Any]], *tables: str) -> str:
    items = "".join(
        f"<li><b>{html.escape(k)}</b>: {html.escape(str(v))}</li>" for k, v in facts
    )
    return f"<div><b>{html.escape(title)}</b><ul style='margin:2px 0'>{items}</ul>{''.join(tables)}</div>"


def _details(summary: str, content: str) -> str:
    return f"<details><summary>{html.escape(summary)}</summary>{content}</details>"


# ----------------------------------------------------------------------------- morphology


def label_rows(
    morphology: Morphology, nseg: Sequence[int] | None = None
) -> list[tuple[Any, ...]]:
    """Per section label: ``(label, sections, total length in µm as text[, segments])``; the segment
    count only when ``nseg`` (segments per section) is given."""
    rows = []
    for label in dict.fromkeys(morphology.labels):
        ids = morphology.ids_with_label(label)
        length = float(sum(morphology.lengths[i] for i in ids))
        row: tuple[Any, ...] = (label, len(ids), f"{length:.0f}")
        if nseg is not None:
            row += (sum(nseg[i] for i in ids),)
        rows.append(row)
    return rows


def _extent(morphology: Morphology) -> str:
    pts = np.concatenate([s.points for s in morphology.sections])
    size = pts.max(0) - pts.min(0)
    return f"{size[0]:.0f} × {size[1]:.0f} × {size[2]:.0f} µm (x × y × z)"


def morphology_text(morphology: Morphology) -> str:
    """``Morphology(167 sections: soma 1, dend 87, apic 79; 11234 µm; from 86_C2_center.hoc)``."""
    counts = ", ".join(f"{lab} {n}" for lab, n in Counter(morphology.labels).items())
    source = f"; from {morphology.source}" if morphology.source else ""
    return (
        f"Morphology({len(morphology.sections)} sections: {counts}; "
        f"{float(morphology.lengths.sum()):.0f} µm{source})"
    )


def morphology_html(morphology: Morphology) -> str:
    """Sections, length (µm) per label, extent and source as HTML."""
    facts = [
        ("sections", len(morphology.sections)),
        ("total length", f"{float(morphology.lengths.sum()):.0f} µm"),
        ("extent", _extent(morphology)),
    ]
    if morphology.source:
        facts.append(("source", morphology.source))
    return _block(
        "Morphology",
        facts,
        _table(("label", "sections", "length (µm)"), label_rows(morphology, None)),
    )


# ----------------------------------------------------------------------------- cell


def cell_text(cell: Cell) -> str:
    """One line: name, sections, segments, regions with their mechanism counts, modifiers."""
    regions = ", ".join(
        f"{lab}: {len(r.mechanisms)} mech" for lab, r in cell.regions.items()
    )
    mods = ", ".join(type(m).__name__ for m in cell.modifiers) or "none"
    name = f"{cell.name!r}, " if cell.name else ""
    return (
        f"Cell({name}{len(cell.morphology.sections)} sections, {cell.n_segments} segments; "
        f"regions {{{regions}}}; modifiers: {mods})"
    )


def cell_html(cell: Cell) -> str:
    """Sections/segments/length per label and the mechanisms of every region as HTML."""
    facts: list[tuple[str, Any]] = [
        ("sections", len(cell.morphology.sections)),
        ("segments", cell.n_segments),
        ("modifiers", ", ".join(type(m).__name__ for m in cell.modifiers) or "none"),
    ]
    if cell.name:
        facts.insert(0, ("name", cell.name))
    if cell.morphology.source:
        facts.append(("morphology", cell.morphology.source))
    geometry = _table(
        ("label", "sections", "length (µm)", "segments"),
        label_rows(cell.morphology, cell.nseg),
    )
    rows = []
    for label, region in cell.regions.items():
        for mech in region.mechanisms:
            params = ", ".join(f"{k}={v:g}" for k, v in mech.parameters.items())
            rows.append((label, mech.name, type(mech.distribution).__name__, params))
    mechanisms = _details(
        f"{len(rows)} mechanisms in {len(cell.regions)} regions",
        _table(("region", "mechanism", "distribution", "parameters"), rows),
    )
    return _block("Cell", facts, geometry, mechanisms)


# ----------------------------------------------------------------------------- network


def _by_cell_type(network: Network) -> list[tuple[Any, ...]]:
    groups: dict[str, list[int]] = {}
    for pop in network.populations:
        g = groups.setdefault(pop.cell_type, [0, 0, 0])
        g[0] += 1
        g[1] += pop.cell_count
        g[2] += len(pop.synapses)
    return [
        (t, n, cells, syn)
        for t, (n, cells, syn) in sorted(groups.items(), key=lambda kv: -kv[1][2])
    ]


def network_text(network: Network) -> str:
    """One line: populations, cell types, presynaptic cells, synapses."""
    types = {p.cell_type for p in network.populations}
    cells = sum(p.cell_count for p in network.populations)
    return (
        f"Network({len(network.populations)} populations of {len(types)} cell types, "
        f"{cells} presynaptic cells, {network.n_synapses} synapses)"
    )


def network_html(network: Network) -> str:
    """Totals, a table per cell type and (folded) one row per population as HTML."""
    facts = [
        ("populations", len(network.populations)),
        ("presynaptic cells", sum(p.cell_count for p in network.populations)),
        ("synapses", network.n_synapses),
        ("connected synapses", network.n_connected_synapses),
    ]
    by_type = _table(
        ("cell type", "populations", "cells", "synapses"), _by_cell_type(network)
    )
    pops = [
        (
            p.name,
            p.cell_count,
            len(p.synapses),
            " + ".join(type(c).__name__ for c in p.activity.components),
            ", ".join(r.mechanism for r in p.receptors),
            "always" if p.release_probability is None else f"{p.release_probability:g}",
        )
        for p in network.populations[:_MAX_ROWS]
    ]
    more = len(network.populations) - len(pops)
    title = f"populations{f' (first {_MAX_ROWS} of {len(network.populations)})' if more > 0 else ''}"
    table = _table(
        ("population", "cells", "synapses", "activity", "receptors", "release p"), pops
    )
    return _block("Network", facts, by_type, _details(title, table))


# ----------------------------------------------------------------------------- results


def _trace_rows(
    t_ms: np.ndarray, traces: dict[str, np.ndarray]
) -> list[tuple[Any, ...]]:
    rows = []
    for key, values in list(traces.items())[:_MAX_ROWS]:
        finite = values[np.isfinite(values)]
        lo, hi = (
            (f"{finite.min():.4g}", f"{finite.max():.4g}")
            if finite.size
            else ("-", "-")
        )
        spikes = len(spike_times(t_ms, values, _SPIKE_THRESHOLD_MV)) if values.shape == t_ms.shape else "-"
        rows.append((key, lo, hi, spikes))
    return rows


def _time_span(t_ms: np.ndarray) -> str:
    return f"{t_ms[0]:g}–{t_ms[-1]:g} ms" if t_ms.size else "empty"


def result_text(result: Result) -> str:
    """One line: samples, time span, trace keys (the first few)."""
    keys = list(result.traces)
    shown = ", ".join(keys[:5]) + (f", … ({len(keys)} traces)" if len(keys) > 5 else "")
    return f"Result({result.t_ms.shape[0]} samples, {_time_span(result.t_ms)}; traces: {shown})"


def result_html(result: Result) -> str:
    """Time base and per trace its range and upward 0 mV crossings as HTML."""
    facts = [
        ("samples", result.t_ms.shape[0]),
        ("time", _time_span(result.t_ms)),
        ("traces", len(result.traces)),
    ]
    table = _table(
        ("trace", "min", "max", "spikes (0 mV)"),
        _trace_rows(result.t_ms, result.traces),
    )
    return _block("Result", facts, table)


def trial_result_text(trial: TrialResult) -> str:
    """One line: trial, seed, time span, soma spikes, releases."""
    releases = sum(int(p.release_counts.sum()) for p in trial.input.populations)
    return (
        f"TrialResult(trial {trial.trial_index}, run seed {trial.run_seed}, {_time_span(trial.t_ms)}, "
        f"{trial.spike_times_ms.shape[0]} soma spikes, {releases} synaptic releases)"
    )


def trial_result_html(trial: TrialResult) -> str:
    """Trial facts, soma spike times (ms) and the traces as HTML."""
    releases = sum(int(p.release_counts.sum()) for p in trial.input.populations)
    spikes = ", ".join(f"{t:.2f}" for t in trial.spike_times_ms[:20])
    if trial.spike_times_ms.shape[0] > 20:
        spikes += ", …"
    facts = [
        ("trial", trial.trial_index),
        ("run seed", trial.run_seed),
        ("time", _time_span(trial.t_ms)),
        ("soma spikes (ms)", spikes or "none"),
        ("synaptic releases", releases),
    ]
    table = _table(
        ("trace", "min", "max", "spikes (0 mV)"), _trace_rows(trial.t_ms, trial.traces)
    )
    return _block("TrialResult", facts, table)
