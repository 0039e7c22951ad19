"""Writing an embedding as ISF's file set (LEGACY_FORMATS §9.2 step 9), atomically.

``write_embedding(result, out)`` creates ``<out>/<cell>_synapses_seed<seed>/`` holding

* ``<cell>_synapses_seed<seed>_sample<k>.syn`` / ``.con`` — the representative sample k;
* ``NumberOfConnectedCells.csv`` — connected presynaptic cells per column and cell type;
* ``<cell>_summary_seed<seed>_sample<k>.csv`` — the three summary tables (population over all
  samples, representative sample, per column);
* ``embedding.json`` — provenance: seed, samples, representative, settings, model folder, counts;
* with ``all_samples=True`` also ``realisations/<cell>_synapses_seed<seed>_sample<i>.syn``/``.con``
  and a single-sample summary for every sample (ISF's ``create_network_embedding_for_simulations``).

The folder is assembled under a temporary name and renamed when complete: it appears whole or
not at all. The ``.syn``/``.con``/``.csv`` files are those :mod:`isf.dsl.syn_file`,
:mod:`isf.dsl.con_file` and :mod:`isf.dsl.connected_cells` read, so a network ``.param`` can name them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from isf._version import __version__
from isf.dsl.con_file import write_con
from isf.dsl.connected_cells import write_connected_cells
from isf.dsl.connectome_tables import write_summary
from isf.dsl.syn_file import write_syn
from isf.embedding.mapper import Embedding
from isf.embedding.realisation import Realisation
from isf.embedding.summary import sample_summary, summary_tables

__all__ = [
    "EmbeddingFiles",
    "embedding_folder_name",
    "write_embedding",
    "write_realisation",
]


class EmbeddingFiles(dict[str, Path]):
    """Paths of a written embedding: keys ``folder``, ``syn``, ``con``, ``connected_cells``, ``summary``, ``provenance``."""


def embedding_folder_name(result: Embedding) -> str:
    """``<cell>_synapses_seed<seed>``."""
    return f"{result.setup.cell_name}_synapses_seed{result.seed}"


def write_realisation(
    folder: str | os.PathLike[str], realisation: Realisation, cell_name: str
) -> tuple[Path, Path]:
    """Write one realisation's ``.syn`` and ``.con`` into ``folder``; returns their paths."""
    folder = Path(folder)
    stem = f"{cell_name}_synapses_seed{realisation.seed}_sample{realisation.sample}"
    syn, con = folder / f"{stem}.syn", folder / f"{stem}.con"
    write_syn(syn, realisation.syn_populations(), cell_name)
    write_con(con, realisation.connectivity(), syn.name)
    return syn, con


def write_embedding(
    result: Embedding, out: str | os.PathLike[str], all_samples: bool = False
) -> EmbeddingFiles:
    """Write ``result`` into a new folder ``<out>/<cell>_synapses_seed<seed>/`` (see module docstring).

    Raises:
        FileExistsError: that folder exists (choose another ``out`` or seed).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    final = out / embedding_folder_name(result)
    if final.exists():
        raise FileExistsError(f"{final} exists; choose another output folder or seed")
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=out))
    setup, chosen = result.setup, result.chosen
    try:
        syn, con = write_realisation(tmp, chosen, setup.cell_name)
        write_connected_cells(
            tmp / "NumberOfConnectedCells.csv", chosen.connected_cells()
        )
        summary = (
            tmp
            / f"{setup.cell_name}_summary_seed{result.seed}_sample{chosen.sample}.csv"
        )
        write_summary(
            summary, summary_tables(result.summaries, chosen, setup.legacy_compatible)
        )
        if all_samples:
            sub = tmp / "realisations"
            sub.mkdir()
            for realisation, table in zip(result.realisations, result.summaries):
                write_realisation(sub, realisation, setup.cell_name)
                stem = f"{setup.cell_name}_summary_seed{result.seed}_sample{realisation.sample}.csv"
                write_summary(
                    sub / stem,
                    {
                        "connectivity per cell type summary": table,
                        "connectivity per column per cell type summary": sample_summary(
                            realisation, by_area=True
                        ),
                    },
                )
        provenance = {
            "isf_version": __version__,
            "cell_name": setup.cell_name,
            "cell_type": setup.cell_type,
            "seed": result.seed,
            "cell_index": result.cell_index,
            "seed_rule": "sample i draws from numpy SeedSequence(seed, spawn_key=(cell_index, i)), spawned into "
            "(axon choice, Poisson count, point choice) generators",
            "n_samples": len(result.realisations),
            "representative_sample": result.representative,
            "legacy_compatible": setup.legacy_compatible,
            "connectome": setup.connectome_source,
            "synapses_per_cell_type": chosen.synapses_per_cell_type(),
            "synapse_counts_all_samples": result.synapse_counts().to_dict(
                orient="list"
            ),
            "files": {"syn": syn.name, "con": con.name, "summary": summary.name},
        }
        (tmp / "embedding.json").write_text(
            json.dumps(provenance, indent=2) + "\n", encoding="utf-8"
        )
        tmp.chmod(0o755)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return EmbeddingFiles(
        folder=final,
        syn=final / syn.name,
        con=final / con.name,
        connected_cells=final / "NumberOfConnectedCells.csv",
        summary=final / summary.name,
        provenance=final / "embedding.json",
    )
