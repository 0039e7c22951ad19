"""Embedding a cell in a dense-connectome model: many realisations in parallel, one representative.

::

    setup = prepare(morphology, "L5tt", connectome)           # per-voxel targets and axon densities, once
    result = embed(setup, n_samples=50, seed=1, n_jobs=2)     # realisations on worker processes
    result.chosen                                             # the representative realisation
    write_embedding(result, "out/")                           # .syn, .con, NumberOfConnectedCells.csv, summary

Sample ``i`` of a run draws only from ``(seed, cell_index, i)``, so results do not depend on the
number of workers or the backend (``loky`` processes, a ``dask`` cluster, or ``sequential``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import joblib
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from isf.embedding.connectome import DenseConnectome
from isf.embedding.realisation import Realisation
from isf.embedding.sampling import sample_realisation
from isf.embedding.summary import representative_sample, sample_summary
from isf.embedding.synapse_density import AxonDensities, axon_densities
from isf.embedding.targets import CellTargets, cell_targets
from isf.model.morphology import Morphology

__all__ = ["BACKENDS", "Embedding", "EmbeddingSetup", "embed", "embed_many", "prepare"]

BACKENDS = ("loky", "dask", "sequential")


@attrs.frozen(eq=False)
class EmbeddingSetup:
    """What every realisation of one cell needs (computed once, shipped to workers).

    Attributes:
        cell_name: name of the cell (written into ``.syn`` headers and file names).
        cell_type: postsynaptic cell type (selects the PST constants).
        targets: neurite, PST densities and 3D points per voxel.
        densities: sparse synapse densities of every presynaptic population, in write order.
        legacy_compatible: whether ISF's quirks were kept (diameters as radii; summary SD columns).
        connectome_source: the density model's folder, if it was read from one.
    """

    cell_name: str
    cell_type: str
    targets: CellTargets
    densities: tuple[AxonDensities, ...]
    legacy_compatible: bool = True
    connectome_source: str | None = None

    def realise(self, seed: int, sample: int, cell_index: int = 0) -> Realisation:
        """Draw one realisation (see :func:`~isf.embedding.sampling.sample_realisation`)."""
        return sample_realisation(
            self.targets, self.densities, seed, sample, cell_index
        )

    def expected_synapses(self) -> dict[str, float]:
        """Expected synapses per population (``<cell_type>_<area>``)."""
        return {d.name: d.expected_synapses() for d in self.densities}


def prepare(
    morphology: Morphology,
    cell_type: str,
    connectome: DenseConnectome,
    legacy_compatible: bool = True,
    cell_name: str | None = None,
) -> EmbeddingSetup:
    """Per-voxel targets of ``morphology`` and the synapse densities of every axon of ``connectome`` on it.

    Args:
        morphology: the postsynaptic cell, registered in the model's reference frame.
        cell_type: its cell type, a row of the connections spreadsheet (``"L5tt"``).
        connectome: the density model.
        legacy_compatible: keep ISF's quirks that change the numbers — point diameters used as
            radii for membrane area (``likeAmira``) and the averaged means in the summary's SD
            columns. On by default so results match ISF's; ``False`` uses true radii and SDs.
        cell_name: name for output files (default: the morphology file's base name, or ``"cell"``).
    """
    if cell_name is None:
        source = morphology.source or "cell"
        cell_name = source.replace("\\", "/").rsplit("/", 1)[-1]
        for suffix in (".hoc", ".HOC", ".swc"):
            cell_name = cell_name.removesuffix(suffix)
    if not cell_name or any(c.isspace() for c in cell_name):
        raise ValueError(
            f"cell_name {cell_name!r} must be a non-empty name without whitespace"
        )
    targets = cell_targets(
        morphology,
        connectome.pst(cell_type),
        connectome.normalisation["EXC"],
        legacy_compatible,
    )
    return EmbeddingSetup(
        cell_name,
        cell_type,
        targets,
        axon_densities(targets, connectome),
        legacy_compatible,
        connectome.source,
    )


@attrs.frozen(eq=False)
class Embedding:
    """Realisations of one cell and the representative one.

    Attributes:
        setup: the cell's targets and densities.
        seed: run seed (recorded in the output).
        cell_index: index of the cell in its run (part of every sample's seed).
        realisations: every sample, by sample index.
        summaries: per-cell-type statistics of every sample (:func:`~isf.embedding.summary.sample_summary`).
        representative: index of the representative sample.
    """

    setup: EmbeddingSetup
    seed: int
    cell_index: int
    realisations: tuple[Realisation, ...]
    summaries: tuple[pd.DataFrame, ...]
    representative: int

    @property
    def chosen(self) -> Realisation:
        """The representative realisation."""
        return self.realisations[self.representative]

    def synapse_counts(self) -> pd.DataFrame:
        """Synapses per presynaptic cell type (columns, sorted by name) of every sample (rows)."""
        rows = [r.synapses_per_cell_type() for r in self.realisations]
        types = sorted({t for row in rows for t in row})
        return pd.DataFrame(
            [[row.get(t, 0) for t in types] for row in rows],
            columns=types,
            index=pd.RangeIndex(len(rows), name="sample"),
        )


def _run_batch(
    setup: EmbeddingSetup, seed: int, cell_index: int, job: int, samples: Sequence[int]
) -> list[tuple[int, Realisation, pd.DataFrame]]:
    out = []
    for sample in samples:
        realisation = setup.realise(seed, sample, cell_index)
        out.append((job, realisation, sample_summary(realisation)))
    return out


def _execute(
    tasks: list[tuple[EmbeddingSetup, int, int, int, list[int]]],
    backend: str,
    n_jobs: int,
    dask_client: Any,
) -> Iterator[list[tuple[int, Realisation, pd.DataFrame]]]:
    if backend == "sequential" or (backend == "loky" and n_jobs == 1):
        for task in tasks:
            yield _run_batch(*task)
        return
    delayed = (joblib.delayed(_run_batch)(*task) for task in tasks)
    if backend == "dask":
        with joblib.parallel_backend(
            "dask", **({"client": dask_client} if dask_client is not None else {})
        ):
            yield from joblib.Parallel(return_as="generator_unordered")(delayed)
    else:
        yield from joblib.Parallel(
            n_jobs=n_jobs, backend="loky", return_as="generator_unordered"
        )(delayed)


def embed_many(
    setups: Sequence[EmbeddingSetup],
    n_samples: int = 50,
    *,
    seed: int,
    backend: str = "loky",
    n_jobs: int = 2,
    batch_size: int | None = None,
    progress: bool = True,
    dask_client: Any = None,
) -> list[Embedding]:
    """``n_samples`` realisations of every cell in ``setups`` (cell ``j`` has cell index ``j``), in parallel.

    Args:
        setups: prepared cells (:func:`prepare`).
        n_samples: realisations per cell (ISF's ``nrOfSamples``, default 50).
        seed: run seed; sample ``i`` of cell ``j`` draws from ``SeedSequence(seed, spawn_key=(j, i))``.
        backend: ``"loky"`` (local processes), ``"dask"`` (a dask.distributed cluster: pass
            ``dask_client`` or have one active) or ``"sequential"``.
        n_jobs: worker processes (loky).
        batch_size: samples per task (default: enough tasks for a smooth progress bar and load balance).
        progress: show a progress bar.
    """
    if backend not in BACKENDS:
        raise ValueError(
            f"backend {backend!r} is not available: choose one of {', '.join(BACKENDS)}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1, got {n_jobs}")
    total = n_samples * len(setups)
    if batch_size is None:
        batch_size = max(1, min(16, n_samples // (4 * n_jobs) or 1))
    tasks = [
        (setup, int(seed), j, j, list(range(start, min(start + batch_size, n_samples))))
        for j, setup in enumerate(setups)
        for start in range(0, n_samples, batch_size)
    ]
    found: list[dict[int, tuple[Realisation, pd.DataFrame]]] = [{} for _ in setups]
    with tqdm(
        total=total, desc="realisations", unit="sample", disable=not progress
    ) as bar:
        for batch in _execute(tasks, backend, n_jobs, dask_client):
            for job, realisation, summary in batch:
                found[job][realisation.sample] = (realisation, summary)
            bar.update(len(batch))
    out = []
    for j, setup in enumerate(setups):
        realisations = tuple(found[j][i][0] for i in range(n_samples))
        summaries = tuple(found[j][i][1] for i in range(n_samples))
        chosen = representative_sample(
            [r.synapses_per_cell_type() for r in realisations]
        )
        out.append(Embedding(setup, int(seed), j, realisations, summaries, chosen))
    return out


def embed(
    setup: EmbeddingSetup,
    n_samples: int = 50,
    *,
    seed: int,
    backend: str = "loky",
    n_jobs: int = 2,
    batch_size: int | None = None,
    progress: bool = True,
    dask_client: Any = None,
) -> Embedding:
    """``n_samples`` realisations of one cell and the representative one (see :func:`embed_many`)."""
    return embed_many(
        [setup],
        n_samples,
        seed=seed,
        backend=backend,
        n_jobs=n_jobs,
        batch_size=batch_size,
        progress=progress,
        dask_client=dask_client,
    )[0]
