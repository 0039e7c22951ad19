"""``isf replay``: simulate one stored trial again (isf run or legacy import), with extra recordings,
compare it with the stored soma trace, and optionally write the traces and an animation."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from isf.errors import ArgumentValueError, MissingFileError

#: Receptor of each synapse variable name (``--synapses g_ampa`` needs no receptor).
_RECEPTOR_OF = {"g_ampa": "glutamate_syn", "g_nmda": "glutamate_syn", "iampa": "glutamate_syn",
                "inmda": "glutamate_syn", "g": "gaba_syn", "i": "gaba_syn"}
TRACE_SUFFIXES = (".csv", ".npz")
ANIMATION_SUFFIXES = (".gif", ".mp4")


def parse_record(spec: str) -> Any:
    """``VARIABLE[@SITE]`` → a Recording; SITE is ``soma`` (default), ``trunk:<µm>`` or ``<section>:<x>``
    (``ica``, ``v@trunk:600``, ``cai@38:0.5``)."""
    from isf.model.recording import Recording
    from isf.model.site import ApicalTrunk, SectionSite, Soma

    variable, _, site = spec.partition("@")
    try:
        if site in ("", "soma"):
            return Recording(Soma(), variable)
        where, _, value = site.partition(":")
        if where == "trunk":
            return Recording(ApicalTrunk(float(value)), variable, name=f"trunk_{float(value):g}um.{variable}")
        section, x = int(where), float(value)
        return Recording(SectionSite(section, x), variable, name=f"{section}:{x:g}.{variable}")
    except ValueError as exc:
        raise ArgumentValueError(f"--record {spec!r}: expected VARIABLE[@soma|@trunk:<µm>|@<section>:<x>], e.g. "
                                 f"'ica', 'v@trunk:600', 'cai@38:0.5' ({exc})") from None


def parse_synapses(spec: str) -> Any:
    """``[RECEPTOR.]VARIABLE[:each]`` → a SynapseRecording (``g_ampa``, ``gaba_syn.g``, ``g_nmda:each``)."""
    from isf.backends.neuron.synapse_probe import SynapseRecording

    body, _, combine = spec.partition(":")
    receptor, _, variable = body.rpartition(".")
    receptor = receptor or _RECEPTOR_OF.get(variable, "")
    if not receptor or combine not in ("", "sum", "each"):
        raise ArgumentValueError(f"--synapses {spec!r}: expected [RECEPTOR.]VARIABLE[:sum|:each], e.g. 'g_ampa', "
                                 f"'gaba_syn.g', 'g_nmda:each' (variables without receptor: {', '.join(_RECEPTOR_OF)})")
    return SynapseRecording(variable, receptor, combine="each" if combine == "each" else "sum")


def _check_out(path: str | None, suffixes: tuple[str, ...], flag: str, force: bool) -> Path | None:
    if path is None:
        return None
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise ArgumentValueError(f"{flag} {out}: allowed suffixes are {', '.join(suffixes)}")
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists; use --force to replace it")
    if not out.parent.is_dir():
        raise MissingFileError(f"output folder not found: {out.parent}")
    return out


def _write_traces(path: Path, result: Any) -> None:
    import numpy as np
    import pandas as pd

    from isf.dsl.atomic import atomic_write_text
    from isf.plot.output import atomic_output

    if path.suffix.lower() == ".csv":
        frame = pd.DataFrame({"t_ms": result.t_ms, **result.traces})
        atomic_write_text(path, frame.to_csv(index=False))
    else:
        with atomic_output(path) as tmp, open(tmp, "wb") as handle:
            np.savez_compressed(handle, t_ms=result.t_ms, **result.traces)


def run(args: argparse.Namespace) -> int:
    """Replay the trial of ``args``; print how it compares with the stored one; exit code 0."""
    import numpy as np

    from isf.backends.replay import open_trial, replay_trial
    from isf.model.spikes import spike_times

    traces_out = _check_out(args.out, TRACE_SUFFIXES, "--out", args.force)
    animation_out = _check_out(args.animate, ANIMATION_SUFFIXES, "--animate", args.force)
    recordings = [parse_record(s) for s in args.record] + [parse_synapses(s) for s in args.synapses]
    cell = None
    if args.cell is not None:
        from isf.dsl.cell_param import read_cell_param

        cell = read_cell_param(args.cell, search_roots=args.search).cell
    stored = open_trial(args.store, args.trial, cell=cell, search_roots=args.search)
    segments = list(dict.fromkeys([*args.segments, *(["v"] if animation_out else [])]))
    if not args.quiet:
        print(f"replaying {stored!r}")
    result = replay_trial(stored, recordings=recordings, segments=segments)
    soma = stored.soma_key
    t_saved, v_saved = stored.stored.t_ms, stored.stored[soma]
    index = np.searchsorted(result.t_ms, t_saved - 1e-9)
    covered = index < result.t_ms.shape[0]
    same = bool(covered.all()) and np.array_equal(result.t_ms[index], t_saved) and np.array_equal(
        result[soma][index], v_saved)
    diff = np.abs(result[soma][index[covered]] - v_saved[covered])
    start = float(t_saved[0])
    replayed = result.spike_times(soma)
    saved = spike_times(t_saved, v_saved, 0.0)
    print(f"trial {stored.trial} ({stored.kind}): stored spikes {np.round(saved, 6).tolist()}, "
          f"replayed spikes {np.round(replayed[replayed >= start], 6).tolist()} (from {start:g} ms)")
    print(f"soma trace: {'identical (bit for bit)' if same else f'max |difference| {diff.max():.3g} mV'}")
    if traces_out is not None:
        _write_traces(traces_out, result)
        print(f"wrote {traces_out}")
    if animation_out is not None:
        from isf.plot.animation import animate_morphology, animate_voltage_vs_distance

        animate = animate_morphology if args.view == "morphology" else animate_voltage_vs_distance
        anim = animate(result, stored.cell, t_start_ms=args.t_start, t_stop_ms=args.t_stop, t_step_ms=args.t_step,
                       activations=stored.activations)
        anim.save(animation_out, fps=args.fps, progress=not args.quiet)
        print(f"wrote {animation_out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``replay`` verb."""
    parser = sub.add_parser(
        "replay", help="simulate a stored trial again with extra recordings, and animate it",
        description="Simulate one trial of a run store again (isf runs: bit for bit from the stored seed; legacy "
                    "imports: the saved synapse activations), with extra recordings. Example: isf replay run.h5 "
                    "--trial 3 --record ica --synapses g_ampa --out trial3.npz --animate trial3.gif")
    parser.add_argument("store", help="run store (.h5) of an isf run or a legacy import")
    parser.add_argument("--trial", type=int, required=True, help="trial index")
    parser.add_argument("--record", action="append", default=[], metavar="VARIABLE[@SITE]",
                        help="extra recording: 'ica' (soma), 'v@trunk:600', 'cai@38:0.5' (section:x); repeatable")
    parser.add_argument("--segments", action="append", default=[], metavar="VARIABLE",
                        help="record VARIABLE at every segment centre (e.g. v); repeatable")
    parser.add_argument("--synapses", action="append", default=[], metavar="[RECEPTOR.]VARIABLE[:each]",
                        help="synapse variable summed per population (or per synapse with :each): g_ampa, g_nmda, "
                             "iampa, inmda, gaba_syn.g, gaba_syn.i; repeatable")
    parser.add_argument("--cell", default=None, help="replay on this cell (.param) instead of the stored one")
    parser.add_argument("--search", action="append", default=[],
                        help="folder where files named in .param files are looked for (repeatable)")
    parser.add_argument("--out", default=None, help="write every trace (.csv or .npz)")
    parser.add_argument("--animate", default=None, help="write an animation (.gif, or .mp4 with ffmpeg)")
    parser.add_argument("--view", choices=("distance", "morphology"), default="distance",
                        help="animation: voltage against soma distance, or the 3D cell")
    parser.add_argument("--t-start", type=float, default=None, help="first frame, ms")
    parser.add_argument("--t-stop", type=float, default=None, help="last frame, ms")
    parser.add_argument("--t-step", type=float, default=None, help="time between frames, ms")
    parser.add_argument("--fps", type=int, default=10, help="frames per second of the animation")
    parser.add_argument("--force", action="store_true", help="replace existing output files")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.set_defaults(func=run)
