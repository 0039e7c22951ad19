"""Generate the small synthetic dense-connectome model shipped in ``isf/data/synthetic_connectome/``.

Run ``python scripts/make_synthetic_connectome.py [--out DIR] [--seed 20240607] [--force]``.

The model is made up — it only has the *shape* of the rat barrel-cortex model (Egger et al.
2014; Udvary et al. 2022) so that the embedding workflow runs on a fresh machine: five
presynaptic cell types (three excitatory, two inhibitory) in three barrel columns (C2, C1, D2),
three reconstructed "axons" per (column, cell type), on a 50 µm lattice around morphology 86
(``isf/data/cell86``) in its C2 reference frame (z = cortical depth axis, pia near z = 720 µm).

* Bouton fields: Gaussian blobs (boutons per voxel) centred at a layer depth per cell type and a
  column centre per area, with per-axon jitter of centre and amplitude drawn from the seeded
  generator; voxels below 2 % of the peak are 0, and each field is cropped to its non-zero voxels.
* PST normalisation fields: a smooth depth profile of the summed postsynaptic targets per voxel,
  scaled so that cell 86 (as an L5tt) receives about ``--target-synapses`` synapses per realisation.
* Connections spreadsheet: invented PST constants for the postsynaptic types L5tt and L2.

Values are rounded to 3 significant digits to keep the files small.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np

from isf.data import cell86
from isf.dsl.hoc import read_hoc
from isf.embedding.connectome import DenseConnectome, write_connectome
from isf.embedding.mapper import prepare
from isf.model.density_field import ScalarField
from isf.model.pst import PSTDensities

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "isf" / "data" / "synthetic_connectome"

SPACING_UM = 50.0
#: Lattice: x, y, z lower corner (µm) and voxel counts, covering cell 86 with a margin.
LATTICE_ORIGIN_UM = (-550.0, -50.0, -650.0)
LATTICE_SHAPE = (20, 18, 30)
#: Column centres (x, y), µm: C2 holds cell 86; C1 and D2 are neighbours ~400 µm away.
COLUMNS = {"C2": (-115.0, 387.0), "C1": (-515.0, 387.0), "D2": (-115.0, -13.0)}
#: Cell type → (class, depth z of the bouton cloud, lateral SD, depth SD, peak boutons per voxel), µm.
CELL_TYPES = {
    "L4ss": ("EXC", 20.0, 150.0, 110.0, 40.0),
    "L5tt": ("EXC", -380.0, 220.0, 200.0, 25.0),
    "VPM": ("EXC", -20.0, 130.0, 150.0, 60.0),
    "L45Sym": ("INH", -120.0, 180.0, 200.0, 30.0),
    "SymLocal1": ("INH", -330.0, 120.0, 160.0, 50.0),
}
#: Cells per (column, cell type): the home column holds most.
CELL_COUNTS = {
    "C2": {"L4ss": 420, "L5tt": 240, "VPM": 260, "L45Sym": 45, "SymLocal1": 60},
    "C1": {"L4ss": 380, "L5tt": 230, "VPM": 240, "L45Sym": 40, "SymLocal1": 55},
    "D2": {"L4ss": 400, "L5tt": 250, "VPM": 250, "L45Sym": 42, "SymLocal1": 58},
}
AXONS_PER_TYPE = 3
#: Invented PST constants (targets per µm, per µm²): soma/apical/basal length, soma/apical/basal area.
CONNECTIONS = {
    "L5tt": {
        "EXC": (0.0, 0.6, 0.8, 0.0, 0.02, 0.03),
        "INH": (0.05, 0.15, 0.2, 0.03, 0.005, 0.006),
    },
    "L2": {
        "EXC": (0.0, 0.7, 0.9, 0.0, 0.02, 0.03),
        "INH": (0.05, 0.2, 0.25, 0.03, 0.006, 0.007),
    },
}


def _round3(values: np.ndarray) -> np.ndarray:
    out = np.zeros_like(values)
    nz = values != 0
    out[nz] = np.array([float(f"{v:.3g}") for v in values[nz]])
    return out


def _centres() -> np.ndarray:
    index = np.stack(
        np.meshgrid(*(np.arange(n) for n in LATTICE_SHAPE), indexing="ij"), axis=-1
    )
    return np.array(LATTICE_ORIGIN_UM) + (index + 0.5) * SPACING_UM


def bouton_field(
    centre: tuple[float, float, float], sd_xy: float, sd_z: float, peak: float
) -> ScalarField:
    """A Gaussian bouton cloud on the model lattice, zero below 2 % of its peak, cropped."""
    c = _centres()
    d2 = ((c[..., 0] - centre[0]) ** 2 + (c[..., 1] - centre[1]) ** 2) / sd_xy**2 + (
        c[..., 2] - centre[2]
    ) ** 2 / sd_z**2
    values = peak * np.exp(-0.5 * d2)
    values[values < 0.02 * peak] = 0.0
    return ScalarField(LATTICE_ORIGIN_UM, (SPACING_UM,) * 3, _round3(values)).cropped()


def normalisation_profile(klass: str) -> np.ndarray:
    """Relative summed PST per voxel: denser in L4/L5 (excitatory) or around L5 (inhibitory)."""
    z = _centres()[..., 2]
    if klass == "EXC":
        return 1.0 + 0.6 * np.exp(-0.5 * ((z + 100.0) / 300.0) ** 2)
    return 1.0 + 0.4 * np.exp(-0.5 * ((z + 300.0) / 350.0) ** 2)


def build(seed: int, target_synapses: float) -> tuple[DenseConnectome, float]:
    """The synthetic model, with normalisation fields scaled to give ``target_synapses`` on cell 86."""
    rng = np.random.default_rng(seed)
    boutons = {}
    classes = {}
    for area, (cx, cy) in COLUMNS.items():
        for celltype, (klass, z, sd_xy, sd_z, peak) in CELL_TYPES.items():
            classes[celltype] = klass
            fields = []
            for _ in range(AXONS_PER_TYPE):
                jitter = rng.normal(0.0, [60.0, 60.0, 40.0])
                scale = rng.uniform(0.6, 1.4)
                fields.append(
                    bouton_field(
                        (cx + jitter[0], cy + jitter[1], z + jitter[2]),
                        sd_xy,
                        sd_z,
                        peak * scale,
                    )
                )
            boutons[(area, celltype)] = tuple(fields)
    connections = {
        post: {k: PSTDensities(k, post, *v) for k, v in per_class.items()}
        for post, per_class in CONNECTIONS.items()
    }
    shape = {k: normalisation_profile(k) for k in ("EXC", "INH")}

    def model(scale: float) -> DenseConnectome:
        norm = {
            k: ScalarField(LATTICE_ORIGIN_UM, (SPACING_UM,) * 3, _round3(v * scale))
            for k, v in shape.items()
        }
        return DenseConnectome(CELL_COUNTS, connections, norm, classes, boutons)

    morphology = read_hoc(cell86("86_C2_center.hoc"))
    expected = sum(prepare(morphology, "L5tt", model(1.0)).expected_synapses().values())
    scale = float(f"{expected / target_synapses:.3g}")
    return model(scale), scale


NOTICE = """Synthetic dense-connectome model (made up, for tutorials and tests)

Generated by scripts/make_synthetic_connectome.py (seed {seed}, normalisation scale {scale}):
five presynaptic cell types (L4ss, L5tt, VPM excitatory; L45Sym, SymLocal1 inhibitory) in three
barrel columns (C2, C1, D2), {axons} Gaussian "axon" bouton fields per (column, cell type), PST
normalisation fields and invented PST constants, on a 50 um lattice around morphology 86 in its
C2 reference frame. Nothing here is measured data: do not draw scientific conclusions from it.

It is derived from morphology 86 (isf/data/cell86/86_C2_center.hoc), whose origin and licence
(GPL-3.0, Max Planck Institute for Neurobiology of Behavior) are stated in isf/data/cell86/NOTICE.
The layout is the one of ISF's input mapper (nrCells.csv, ConnectionsV8.csv, PST/*.am,
singleaxon_boutons_ascii/<area>/<celltype>/*.am); see docs/embedding.md.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"model folder (default {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=20240607,
        help="seed of the axon jitter (default 20240607)",
    )
    parser.add_argument(
        "--target-synapses",
        type=float,
        default=4000.0,
        help="expected synapses on cell 86 as L5tt (default 4000)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an existing folder"
    )
    args = parser.parse_args(argv)
    model, scale = build(args.seed, args.target_synapses)
    staging = args.out.with_name(args.out.name + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    write_connectome(staging, model)
    (staging / "NOTICE").write_text(
        NOTICE.format(seed=args.seed, scale=scale, axons=AXONS_PER_TYPE),
        encoding="utf-8",
    )
    if args.out.exists():
        if not args.force:
            shutil.rmtree(staging)
            raise SystemExit(f"{args.out} exists; pass --force to replace it")
        shutil.rmtree(args.out)
    staging.rename(args.out)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"wrote {args.out} ({size / 1e6:.2f} MB, normalisation scale {scale})")


if __name__ == "__main__":
    main()
