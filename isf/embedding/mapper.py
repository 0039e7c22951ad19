"""Embedding a cell in a dense-connectome model: many realisations in parallel, one representative.

::

    setup = prepare(morphology, "L5tt", connectome)           # per-voxel targets and axon densities, once
    result = embed(setup, n_samples=50, seed=1)               # realisations on worker processes
    result.chosen                                             # the representative realisation
    write_embedding(result, "out/")                           # .syn, .con, NumberOfConnectedCells.csv, summary

Sample ``i`` of a run draws only from ``(seed, cell_index, i)``, so results do not depend on the
number of workers or the backend (``loky`` processes, a ``dask`` cluster, or ``sequential``: a
:class:`~isf.backends.parallel.Parallel` value).
The set-up reaches each worker once (:func:`isf.backends.parallel.map_unordered`), samples go in a
few large batches per worker and come back compact (:class:`CompactRealisation` + summary
numbers); :class:`Embedding` builds realisations and summary tables from them on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
from numpy.typing import NDArray

from isf.backends.parallel import Parallel, map_unordered
from isf.embedding.realisation import CompactRealisation, Realisation
from isf.embedding.sampling import expand_realisation, sample_compact, sample_realisation
from isf.embedding.summary import (
    celltype_order,
    compact_summary_values,
    representative_sample,
    summary_frame,
)
from isf.embedding.synapse_density import AxonDensities, axon_densities
from isf.embedding.targets import CellTargets, cell_targets

if TYPE_CHECKING:  # imported on use: worker processes need neither
    import pandas as pd

    from isf.embedding.connectome import DenseConnectome
    from isf.model.morphology import Morphology

__all__ = ["Embedding", "EmbeddingSetup", "embed", "embed_many", "prepare"]


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

    @property
    def cell_types(self) -> list[str]:
        """Presynaptic cell types of the model in ISF's summary order (the rows of every summary)."""
        return celltype_order(list(dict.fromkeys(d.cell_type for d in self.densities)))

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

    Workers return every sample in compact form (:class:`~isf.embedding.realisation.CompactRealisation`,
    ≈ 8 bytes per synapse) with its summary numbers; :attr:`realisations`, :attr:`chosen` and
    :attr:`summaries` are built from them on first use (equal to what
    :meth:`EmbeddingSetup.realise` and :func:`~isf.embedding.summary.sample_summary` give).

    Attributes:
        setup: the cell's targets and densities.
        seed: run seed (recorded in the output).
        cell_index: index of the cell in its run (part of every sample's seed).
        compact: every sample's draws, by sample index.
        summary_values: per-cell-type statistics of every sample (samples × :attr:`cell_types` ×
            :data:`~isf.embedding.summary.SUMMARY_COLUMNS`).
        representative: index of the representative sample.
    """

    setup: EmbeddingSetup
    seed: int
    cell_index: int
    compact: tuple[CompactRealisation, ...]
    summary_values: NDArray[np.float64]
    representative: int
    _cache: dict[str, Any] = attrs.field(factory=dict, init=False, repr=False)

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return len(self.compact)

    @property
    def cell_types(self) -> list[str]:
        """Rows of every summary: the presynaptic cell types in ISF's summary order."""
        return self.setup.cell_types

    def realisation(self, sample: int) -> Realisation:
        """Sample ``sample`` as a :class:`Realisation` (built on each call; :attr:`realisations` keeps them)."""
        built = self._cache.get("realisations")
        if built is not None:
            return built[sample]
        return expand_realisation(self.setup.targets, self.setup.densities, self.compact[sample])

    @property
    def realisations(self) -> tuple[Realisation, ...]:
        """Every sample, by sample index (built on first use)."""
        if "realisations" not in self._cache:
            chosen = self._cache.get("chosen")
            self._cache["realisations"] = tuple(
                chosen if i == self.representative and chosen is not None else self.realisation(i)
                for i in range(self.n_samples)
            )
        return self._cache["realisations"]

    @property
    def chosen(self) -> Realisation:
        """The representative realisation (built on first use)."""
        if "chosen" not in self._cache:
            self._cache["chosen"] = self.realisation(self.representative)
        return self._cache["chosen"]

    @property
    def summaries(self) -> tuple[pd.DataFrame, ...]:
        """Per-cell-type statistics of every sample (:func:`~isf.embedding.summary.sample_summary`), built on first use."""
        if "summaries" not in self._cache:
            types = self.cell_types
            self._cache["summaries"] = tuple(summary_frame(v, types) for v in self.summary_values)
        return self._cache["summaries"]

    def synapse_counts(self) -> pd.DataFrame:
        """Synapses per presynaptic cell type (columns, sorted by name) of every sample (rows)."""
        import pandas as pd

        types, table = _counts_by_type(self.setup, self.compact)
        return pd.DataFrame(table, columns=types, index=pd.RangeIndex(len(table), name="sample"))


def _counts_by_type(
    setup: EmbeddingSetup, compact: Sequence[CompactRealisation]
) -> tuple[list[str], NDArray[np.int64]]:
    """Cell types sorted by name and synapses of each (columns) in every sample (rows)."""
    types = sorted({d.cell_type for d in setup.densities})
    member = np.zeros((len(setup.densities), len(types)), np.int64)
    for p, d in enumerate(setup.densities):
        member[p, types.index(d.cell_type)] = 1
    per_population = np.array([c.population_counts() for c in compact], dtype=np.int64)
    return types, per_population.reshape(len(compact), len(setup.densities)) @ member


def _draw(shared: tuple[tuple[EmbeddingSetup, ...], int], item: tuple[int, int]) -> tuple[CompactRealisation, NDArray[np.float64]]:
    """Worker task: sample ``item[1]`` of cell ``item[0]``, compact, with its summary numbers."""
    setups, seed = shared
    j, sample = item
    setup = setups[j]
    compact = sample_compact(setup.targets, setup.densities, seed, sample, j)
    return compact, compact_summary_values(compact, setup.targets, setup.densities, setup.cell_types)


def embed_many(
    setups: Sequence[EmbeddingSetup],
    n_samples: int = 50,
    *,
    seed: int,
    parallel: Parallel = Parallel(),
) -> list[Embedding]:
    """``n_samples`` realisations of every cell in ``setups`` (cell ``j`` has cell index ``j``), in parallel.

    The set-ups travel to each worker once (:func:`isf.backends.parallel.map_unordered`); samples
    go in batches and come back compact (:class:`~isf.embedding.realisation.CompactRealisation`).

    Args:
        setups: prepared cells (:func:`prepare`).
        n_samples: realisations per cell (ISF's ``nrOfSamples``, default 50).
        seed: run seed; sample ``i`` of cell ``j`` draws from ``SeedSequence(seed, spawn_key=(j, i))``.
        parallel: where the samples are drawn (loky workers by default), samples per task
            (default :func:`~isf.backends.parallel.default_batch_size`: about four tasks per worker)
            and the progress bar. Results do not depend on it.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    items = [(j, i) for j in range(len(setups)) for i in range(n_samples)]
    found: list[list[Any]] = [[None] * n_samples for _ in setups]
    with parallel.progress_bar(len(items), "realisations", "sample") as bar:
        for pos, drawn in map_unordered(_draw, (tuple(setups), int(seed)), items, parallel):
            j, i = items[pos]
            found[j][i] = drawn
            bar.update(1)
    out = []
    for j, setup in enumerate(setups):
        compact = tuple(c for c, _ in found[j])
        values = np.stack([v for _, v in found[j]])
        _, counts = _counts_by_type(setup, compact)
        chosen = representative_sample(counts.astype(np.float64))
        out.append(Embedding(setup, int(seed), j, compact, values, chosen))
    return out


def embed(
    setup: EmbeddingSetup,
    n_samples: int = 50,
    *,
    seed: int,
    parallel: Parallel = Parallel(),
) -> Embedding:
    """``n_samples`` realisations of one cell and the representative one (see :func:`embed_many`)."""
    return embed_many([setup], n_samples, seed=seed, parallel=parallel)[0]
