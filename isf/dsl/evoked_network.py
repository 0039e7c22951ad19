"""Building the legacy evoked network parameter dict of a whisker deflection (LEGACY_FORMATS §4.8).

:func:`create_evoked_network` reproduces ISF's ``create_network_parameter``
(``singlecell_input_mapper/evoked_network_param_from_template.py``, "model run1" PSTH files):

1. ``info`` and ``NMODL_mechanisms`` are the template's.
2. For each cell type of the template (template order) and each column of that type in the
   connected-cell counts (their order): skip when the count is 0 (unless ``write_all_celltypes``);
   population ``<type>_<column>`` = a copy of the template entry with ``cellNr`` = count and
   ``synapses.distributionFile``/``connectionFile`` = the given ``.syn``/``.con`` names.
3. If the column lies in the 3×3 neighbourhood of the deflected whisker (:data:`SURROUND_COLUMNS`)
   and the cell type has a PSTH file (:data:`PSTH_FILES`), the PSTH recorded in C2 for the
   point-reflected whisker (:data:`SURROUND_PSTH_WHISKER`, entry ``<type>_<whisker>``) becomes the
   population's evoked activity: ``celltype = {"pointcell": {<PSTH entry>, "offset": offset},
   "spiketrain": {"interval": <template interval>}}`` (``pointcell`` first, as in ISF's files).
   Otherwise the population keeps ``celltype: "spiketrain"`` with its top-level ``interval``.

:func:`evoked_network_param` does the same with isf's shipped templates (:func:`isf.data.network_templates`:
the ongoing template and the complete PSTH library, L1 included) and a cell's embedding folder
(:class:`EmbeddingFiles`: ``NumberOfConnectedCells.csv``, ``.syn``, ``.con``); :func:`evoked_network`
turns it into a typed :class:`~isf.model.network.Network` of the cell's morphology.

Differences from ISF: a cell type of the template missing from the counts gets no populations
(ISF raises KeyError); a missing PSTH file is an error naming it unless
``missing_psth="ongoing"`` (then that type keeps ongoing activity only, with a warning), whereas
ISF fails on import.
"""

from __future__ import annotations

import copy
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from isf.data import network_templates
from isf.dsl.connected_cells import read_connected_cells
from isf.dsl.network_param import network_from_param_dict
from isf.dsl.param_format import read_param
from isf.errors import ArgumentValueError, LegacyFormatError, MissingFileError
from isf.model.morphology import Morphology
from isf.model.network import Network

__all__ = [
    "CONNECTED_CELLS_FILE",
    "DEFLECTION_OFFSET_MS",
    "ONGOING_TEMPLATE",
    "PSTH_FILES",
    "SURROUND_COLUMNS",
    "SURROUND_PSTH_WHISKER",
    "WHISKERS",
    "EmbeddingFiles",
    "create_evoked_network",
    "default_psth_folder",
    "default_template",
    "evoked_network",
    "evoked_network_param",
    "evoked_psth",
]

#: Stimulus onset used by ISF (to match the analysis windows of de Kock et al. 2007), ms.
DEFLECTION_OFFSET_MS = 245.0

_INH_PSTH = "{}_PSTH_active_timing_normalized_PW_1.0_SuW_0.5.param"
#: PSTH file of each cell type ("model run1" of ISF's ``evoked_network_param_from_template``).
PSTH_FILES: Mapping[str, str] = {
    **{t: f"{t}_3x3_PSTH_UpState.param"
       for t in ("L2", "L34", "L4py", "L4sp", "L4ss", "L5st", "L5tt", "L6cc", "L6ccinv", "L6ct")},
    "VPM": "VPM_3x3_PSTH.param",
    "L1": "L1_3x3_PSTH_template_PW_0-50_10ms.param",
    **{t: _INH_PSTH.format(t) for t in ("L23Trans", "L45Peak", "L45Sym", "L56Trans", "SymLocal1", "SymLocal2",
                                        "SymLocal3", "SymLocal4", "SymLocal5", "SymLocal6")},
}

#: Deflected whisker → {column of its 3×3 neighbourhood: position 1…9}, numbered row-major from
#: (row−1, arc−1) to (row+1, arc+1); 5 is the whisker's own column (ISF's ``surroundColumns``).
SURROUND_COLUMNS: Mapping[str, Mapping[str, int]] = {
    "A1": {"Alpha": 4, "A1": 5, "A2": 6, "B1": 8, "B2": 9},
    "A2": {"A1": 4, "A2": 5, "A3": 6, "B1": 7, "B2": 8, "B3": 9},
    "A3": {"A2": 4, "A3": 5, "A4": 6, "B2": 7, "B3": 8, "B4": 9},
    "A4": {"A3": 4, "A4": 5, "B3": 7, "B4": 8},
    "Alpha": {"Alpha": 5, "A1": 6, "Beta": 8, "B1": 9},
    "B1": {"Alpha": 1, "A1": 2, "A2": 3, "Beta": 4, "B1": 5, "B2": 6, "C1": 8, "C2": 9},
    "B2": {"A1": 1, "A2": 2, "A3": 3, "B1": 4, "B2": 5, "B3": 6, "C1": 7, "C2": 8, "C3": 9},
    "B3": {"A2": 1, "A3": 2, "A4": 3, "B2": 4, "B3": 5, "B4": 6, "C2": 7, "C3": 8, "C4": 9},
    "B4": {"A3": 1, "A4": 2, "B3": 4, "B4": 5, "C3": 7, "C4": 8},
    "Beta": {"Alpha": 2, "Beta": 5, "B1": 6, "Gamma": 8, "C1": 9},
    "C1": {"Beta": 1, "B1": 2, "B2": 3, "Gamma": 4, "C1": 5, "C2": 6, "D1": 8, "D2": 9},
    "C2": {"B1": 1, "B2": 2, "B3": 3, "C1": 4, "C2": 5, "C3": 6, "D1": 7, "D2": 8, "D3": 9},
    "C3": {"B2": 1, "B3": 2, "B4": 3, "C2": 4, "C3": 5, "C4": 6, "D2": 7, "D3": 8, "D4": 9},
    "C4": {"B3": 1, "B4": 2, "C3": 4, "C4": 5, "D3": 7, "D4": 8},
    "Gamma": {"Beta": 2, "Gamma": 5, "C1": 6, "Delta": 8, "D1": 9},
    "D1": {"Gamma": 1, "C1": 2, "C2": 3, "Delta": 4, "D1": 5, "D2": 6, "E1": 8, "E2": 9},
    "D2": {"C1": 1, "C2": 2, "C3": 3, "D1": 4, "D2": 5, "D3": 6, "E1": 7, "E2": 8, "E3": 9},
    "D3": {"C2": 1, "C3": 2, "C4": 3, "D2": 4, "D3": 5, "D4": 6, "E2": 7, "E3": 8, "E4": 9},
    "D4": {"C3": 1, "C4": 2, "D3": 4, "D4": 5, "E3": 7, "E4": 8},
    "Delta": {"Gamma": 2, "Delta": 5, "D1": 6, "E1": 9},
    "E1": {"Delta": 1, "D1": 2, "D2": 3, "E1": 5, "E2": 6},
    "E2": {"D1": 1, "D2": 2, "D3": 3, "E1": 4, "E2": 5, "E3": 6},
    "E3": {"D2": 1, "D3": 2, "D4": 3, "E2": 4, "E3": 5, "E4": 6},
    "E4": {"D3": 1, "D4": 2, "E3": 4, "E4": 5},
}

#: Neighbourhood position → the whisker whose deflection, recorded in C2, looks like it (point
#: reflection through C2: a C2 deflection seen from B1 is a D3 deflection seen from C2).
SURROUND_PSTH_WHISKER: Mapping[int, str] = {1: "D3", 2: "D2", 3: "D1", 4: "C3", 5: "C2", 6: "C1", 7: "B3", 8: "B2",
                                            9: "B1"}

#: Every whisker whose deflection can be built (the PSTHs recorded in C2 for its 3×3 neighbourhood
#: cover any whisker by point reflection): rows A–E, arcs 1–4, and the straddlers Alpha … Delta.
WHISKERS: tuple[str, ...] = tuple(SURROUND_COLUMNS)

#: The ongoing-activity template in :func:`isf.data.network_templates`.
ONGOING_TEMPLATE = "ongoing_activity/ongoing_activity_celltype_template_exc_conductances_fitted.param"
#: The file of connected-cell counts in an embedding folder (LEGACY_FORMATS §5.3).
CONNECTED_CELLS_FILE = "NumberOfConnectedCells.csv"


class _PSTHLibrary:
    def __init__(self, folder: Path, files: Mapping[str, str], missing: str) -> None:
        self.folder = folder
        self.files = files
        self.missing = missing
        self._loaded: dict[str, Mapping[str, Any] | None] = {}

    def table(self, celltype: str) -> Mapping[str, Any] | None:
        if celltype not in self._loaded:
            name = self.files.get(celltype)
            table: Mapping[str, Any] | None = None
            if name is not None:
                path = self.folder / name
                if path.is_file():
                    loaded = read_param(path)
                    if not isinstance(loaded, Mapping):
                        raise LegacyFormatError(path, None, f"expected a dict of PSTHs, found {type(loaded).__name__}")
                    table = loaded
                elif self.missing == "error":
                    raise MissingFileError(
                        f"PSTH file of {celltype} not found: {path}. Pass missing_psth='ongoing' to keep ongoing "
                        f"activity only for {celltype}, or psth_files={{...}} naming another file")
                else:
                    warnings.warn(f"PSTH file of {celltype} not found ({path}): {celltype} populations get ongoing "
                                  "activity only", stacklevel=4)
            self._loaded[celltype] = table
        return self._loaded[celltype]


def _check_whisker(whisker: str) -> None:
    """Raise :class:`ArgumentValueError` unless ``whisker`` is one of :data:`SURROUND_COLUMNS`."""
    if whisker not in SURROUND_COLUMNS:
        raise ArgumentValueError(
            f"unknown whisker {whisker!r}: allowed are {', '.join(SURROUND_COLUMNS)}",
            field="whisker",
            value=whisker,
            allowed=", ".join(SURROUND_COLUMNS),
        )


def evoked_psth(
    celltype: str, column: str, whisker: str, table: Mapping[str, Any], filename: str = "<PSTH>"
) -> dict[str, Any] | None:
    """The PSTH entry (a copy, without offset) of ``celltype`` in ``column`` for a deflection of
    ``whisker``, looked up in the C2-recorded PSTH table by point reflection; ``None`` when the
    column is outside the whisker's 3×3 neighbourhood."""
    _check_whisker(whisker)
    position = SURROUND_COLUMNS[whisker].get(column)
    if position is None:
        return None
    key = f"{celltype}_{SURROUND_PSTH_WHISKER[position]}"
    if key not in table:
        raise LegacyFormatError(filename, None, f"no PSTH entry {key!r} (needed for {celltype} in {column} "
                                f"when {whisker} is deflected)")
    entry = table[key]
    if not isinstance(entry, Mapping):
        raise LegacyFormatError(filename, None, f"{key}: expected a dict, found {type(entry).__name__}")
    return copy.deepcopy(dict(entry))


def create_evoked_network(
    template: Mapping[str, Any] | str | os.PathLike[str],
    connected_cells: Mapping[str, Mapping[str, int]] | str | os.PathLike[str],
    syn_path: str | os.PathLike[str],
    con_path: str | os.PathLike[str],
    whisker: str,
    psth_folder: str | os.PathLike[str],
    offset_ms: float = DEFLECTION_OFFSET_MS,
    write_all_celltypes: bool = False,
    psth_files: Mapping[str, str] = PSTH_FILES,
    missing_psth: Literal["error", "ongoing"] = "error",
) -> dict[str, Any]:
    """The legacy network parameter dict of a deflection of ``whisker`` (LEGACY_FORMATS §4.8).

    Args:
        template: the ongoing template (parsed dict or ``.param`` path): one population per cell
            type, ``celltype: "spiketrain"`` with ``interval``, plus ``synapses``.
        connected_cells: ``{celltype: {column: n}}`` or a ``NumberOfConnectedCells.csv`` path.
        syn_path: written as every population's ``synapses.distributionFile``.
        con_path: written as every population's ``synapses.connectionFile``.
        whisker: the deflected whisker (``"C2"``).
        psth_folder: folder with the PSTH files named by ``psth_files``.
        offset_ms: stimulus onset added as the PSTH ``offset``.
        write_all_celltypes: also write populations with 0 connected cells.
        psth_files: cell type → PSTH file name (cell types without one get ongoing activity only).
        missing_psth: ``"error"`` (default) if a listed PSTH file is absent, or ``"ongoing"`` to warn
            and give that cell type ongoing activity only.

    Returns:
        ``{"info", "NMODL_mechanisms", "network"}``, ready for :func:`~isf.dsl.param_format.write_param`
        or :func:`~isf.dsl.network_param.network_from_param_dict`.
    """
    _check_whisker(whisker)
    if missing_psth not in ("error", "ongoing"):
        raise ArgumentValueError(
            f"missing_psth must be 'error' or 'ongoing', not {missing_psth!r}",
            field="missing_psth",
            value=missing_psth,
            allowed="'error' or 'ongoing'",
        )
    template_name = "<template>"
    if not isinstance(template, Mapping):
        template_name = os.fspath(template)
        template = read_param(template)
    if not isinstance(template, Mapping) or not isinstance(template.get("network"), Mapping):
        raise LegacyFormatError(template_name, None, "the template needs a 'network' dict of cell types")
    counts = connected_cells if isinstance(connected_cells, Mapping) else read_connected_cells(connected_cells)
    library = _PSTHLibrary(Path(psth_folder), psth_files, missing_psth)
    network: dict[str, Any] = {}
    for celltype, entry in template["network"].items():
        if not isinstance(entry, Mapping):
            raise LegacyFormatError(template_name, None, f"network.{celltype}: expected a dict, found {entry!r}")
        for column, n in counts.get(celltype, {}).items():
            if n == 0 and not write_all_celltypes:
                continue
            population = copy.deepcopy(dict(entry))
            table = library.table(celltype) if column in SURROUND_COLUMNS[whisker] else None
            psth = None
            if table is not None:
                psth = evoked_psth(celltype, column, whisker, table, str(Path(psth_folder) / psth_files[celltype]))
            if psth is not None:
                if "interval" not in population:
                    raise LegacyFormatError(template_name, None,
                                            f"network.{celltype}: no 'interval' to move into celltype.spiketrain")
                interval = population.pop("interval")
                population["celltype"] = {"pointcell": {**psth, "offset": offset_ms},
                                          "spiketrain": {"interval": interval}}
            population["cellNr"] = n
            synapses = population.setdefault("synapses", {})
            if not isinstance(synapses, dict):
                raise LegacyFormatError(template_name, None, f"network.{celltype}.synapses: expected a dict")
            synapses["distributionFile"] = os.fspath(syn_path)
            synapses["connectionFile"] = os.fspath(con_path)
            network[f"{celltype}_{column}"] = population
    return {
        "info": copy.deepcopy(template.get("info", {})),
        "NMODL_mechanisms": copy.deepcopy(template.get("NMODL_mechanisms", {})),
        "network": network,
    }


def default_template() -> Path:
    """The shipped ongoing-activity template (``isf/data/network_templates``, see its NOTICE)."""
    return network_templates(ONGOING_TEMPLATE)


def default_psth_folder() -> Path:
    """The shipped evoked PSTH library, one file per cell type (:data:`PSTH_FILES`, L1 included)."""
    return network_templates("evoked_activity")


def _one_file(folder: Path, pattern: str, stem: str | None = None) -> Path:
    found = sorted(folder.glob(pattern))
    if stem is not None and len(found) > 1:
        found = [p for p in found if p.stem == stem] or found
    if len(found) != 1:
        names = ", ".join(p.name for p in found) or "none"
        raise MissingFileError(f"{folder}: expected exactly one {pattern} file of the cell's embedding, found {names}; "
                               "name the files with EmbeddingFiles(connected_cells=…, syn=…, con=…)", folder)
    return found[0]


@attrs.frozen
class EmbeddingFiles:
    """The files of a cell's anatomical embedding that a network is built from (LEGACY_FORMATS §5).

    Attributes:
        connected_cells: ``NumberOfConnectedCells.csv`` (connected presynaptic cells per column and type).
        syn: the ``.syn`` file (synapse locations).
        con: the ``.con`` file (which presynaptic cell owns which synapse).
    """

    connected_cells: Path = attrs.field(converter=Path)
    syn: Path = attrs.field(converter=Path)
    con: Path = attrs.field(converter=Path)

    @classmethod
    def of_folder(cls, folder: str | os.PathLike[str]) -> EmbeddingFiles:
        """The embedding files in ``folder``: its ``NumberOfConnectedCells.csv``, its one ``.syn`` and the
        ``.con`` of the same name (or its one ``.con``).

        Raises:
            MissingFileError: the folder or one of the files is missing, or a kind is ambiguous.
        """
        path = Path(folder).resolve()
        if not path.is_dir():
            raise MissingFileError(f"no embedding folder {path} (expected {CONNECTED_CELLS_FILE}, a .syn and a .con "
                                   "file in it)", path)
        counts = path / CONNECTED_CELLS_FILE
        if not counts.is_file():
            raise MissingFileError(f"{path}: no {CONNECTED_CELLS_FILE} (connected cells per column and type)", counts)
        syn = _one_file(path, "*.syn")
        return cls(counts, syn, _one_file(path, "*.con", stem=syn.stem))


def evoked_network_param(
    whisker: str,
    embedding: EmbeddingFiles | str | os.PathLike[str],
    *,
    template: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    psth_folder: str | os.PathLike[str] | None = None,
    offset_ms: float = DEFLECTION_OFFSET_MS,
    write_all_celltypes: bool = False,
) -> dict[str, Any]:
    """The legacy network parameter dict of a deflection of ``whisker`` for a cell's embedding.

    Args:
        whisker: the deflected whisker, one of :data:`WHISKERS` (``"C2"``, ``"B1"``, …, ``"E2"``).
        embedding: the embedding files, or a folder holding them (:meth:`EmbeddingFiles.of_folder`);
            the ``.syn``/``.con`` paths are written as absolute paths.
        template: the ongoing template (default: the shipped one, :func:`default_template`).
        psth_folder: the PSTH library (default: the shipped one, :func:`default_psth_folder`).
        offset_ms: stimulus onset, ms (245 ms as ISF).
        write_all_celltypes: also write populations with 0 connected cells.

    Raises:
        ArgumentValueError: an unknown whisker (the message lists the allowed ones).
        MissingFileError: a missing embedding file or PSTH file.
    """
    _check_whisker(whisker)
    files = embedding if isinstance(embedding, EmbeddingFiles) else EmbeddingFiles.of_folder(embedding)
    return create_evoked_network(
        default_template() if template is None else template,
        files.connected_cells,
        files.syn.resolve(),
        files.con.resolve(),
        whisker,
        default_psth_folder() if psth_folder is None else psth_folder,
        offset_ms=offset_ms,
        write_all_celltypes=write_all_celltypes,
    )


def evoked_network(
    whisker: str,
    morphology: Morphology,
    embedding: EmbeddingFiles | str | os.PathLike[str],
    **options: Any,
) -> Network:
    """The typed network of a deflection of ``whisker`` onto ``morphology`` (the cell the embedding was
    made for): :func:`evoked_network_param` (``options`` are its keywords) read as an
    :class:`~isf.model.network.Network`."""
    params = evoked_network_param(whisker, embedding, **options)
    return network_from_param_dict(params, morphology).network
