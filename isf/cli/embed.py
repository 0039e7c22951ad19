"""``isf embed``: anatomical synapses of a cell from a dense-connectome model (.syn, .con, summary)."""

from __future__ import annotations

import argparse

from isf.errors import ArgumentValueError


def run(args: argparse.Namespace) -> int:
    """Embed the cell of ``args`` in the connectome model and write the outputs; exit code 0."""
    from isf.backends.parallel import Parallel
    from isf.dsl.hoc import read_hoc
    from isf.embedding.connectome import read_connectome
    from isf.embedding.mapper import embed, prepare
    from isf.embedding.output import write_embedding

    if args.samples < 1:
        raise ArgumentValueError(
            f"--samples must be >= 1, got {args.samples}",
            field="--samples",
            value=args.samples,
            allowed=">= 1",
        )
    # Built first: a bad --workers or --backend fails before the model is read or a bar is shown.
    parallel = Parallel(backend=args.backend, workers=args.workers, progress=not args.quiet)
    if args.model is None:
        from isf.data import synthetic_connectome

        args.model = synthetic_connectome()
    model = read_connectome(args.model, progress=not args.quiet)
    setup = prepare(
        read_hoc(args.hoc),
        args.cell_type,
        model,
        legacy_compatible=not args.no_legacy,
        cell_name=args.name,
    )
    result = embed(setup, args.samples, seed=args.seed, parallel=parallel)
    files = write_embedding(result, args.out, all_samples=args.all_samples)
    chosen = result.chosen
    print(
        f"representative sample {result.representative} of {args.samples}: {chosen.n_synapses} synapses"
    )
    for celltype, n in sorted(chosen.synapses_per_cell_type().items()):
        print(f"  {celltype}\t{n}")
    print(f"wrote {files['folder']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``embed`` verb."""
    parser = sub.add_parser(
        "embed",
        help="map synapses onto a morphology from a dense-connectome model",
        description="Draw N anatomical realisations of a cell's synapses from bouton and postsynaptic-target "
        "density fields, pick the representative one and write .syn, .con, "
        "NumberOfConnectedCells.csv and a summary into <out>/<cell>_synapses_seed<seed>/. "
        "Example: isf embed --hoc 86_C2_center.hoc --cell-type L5tt --samples 50 --seed 1 --out emb "
        "(without --model: the synthetic model shipped with isf)",
    )
    parser.add_argument(
        "--hoc",
        required=True,
        help="postsynaptic morphology (.hoc), in the model's reference frame",
    )
    parser.add_argument(
        "--cell-type",
        required=True,
        help="postsynaptic cell type (a row of ConnectionsV8.csv)",
    )
    parser.add_argument(
        "--model",
        default=None,
        help="dense-connectome folder (nrCells.csv, ConnectionsV8.csv, PST/, singleaxon_boutons_ascii/)",
    )
    parser.add_argument(
        "--samples", type=int, default=50, help="realisations to draw (default 50)"
    )
    parser.add_argument("--seed", type=int, required=True, help="run seed")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument(
        "--name",
        default=None,
        help="cell name for file names (default: the hoc base name)",
    )
    parser.add_argument(
        "--all-samples", action="store_true", help="also write every realisation"
    )
    parser.add_argument(
        "--no-legacy",
        action="store_true",
        help="true radii (diameter/2) and true SDs instead of ISF's quirks",
    )
    parser.add_argument(
        "--backend", choices=("loky", "dask", "sequential"), default="loky"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes (loky)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)
