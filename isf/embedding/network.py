"""A network parameter dict for an embedding, from a network ``.param`` used as a template.

An embedding says where synapses are and which presynaptic cell made each; how those cells fire
and what receptors they drive comes from a network model. :func:`network_param_for_embedding`
takes that from an existing network parameter dict (for example ISF's C2 ``network.param``):
every population ``<celltype>_<area>`` of the embedding gets a copy of the template's entry of
the same cell type (the template's own population of that name if it has one, else the first
population of that cell type), with ``cellNr`` = the connected presynaptic cells and the
embedding's ``.syn``/``.con`` files — as ISF's ``create_network_parameter`` does.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from typing import Any

from isf.embedding.realisation import Realisation
from isf.errors import UnknownNameError

__all__ = ["network_param_for_embedding"]


def network_param_for_embedding(
    template: Mapping[str, Any],
    realisation: Realisation,
    syn_path: str | os.PathLike[str],
    con_path: str | os.PathLike[str],
) -> dict[str, Any]:
    """The network parameter dict of ``realisation`` (populations with synapses only).

    Raises:
        UnknownNameError (a KeyError): a cell type of the embedding has no population in the template.
    """
    populations = template.get("network", template)
    by_type: dict[str, Mapping[str, Any]] = {}
    for name, entry in populations.items():
        if isinstance(entry, Mapping) and "_" in name:
            by_type.setdefault(name.split("_", 1)[0], entry)
    network: dict[str, Any] = {}
    for pop in realisation.populations:
        if not len(pop):
            continue
        entry = populations.get(pop.name) or by_type.get(pop.cell_type)
        if entry is None:
            raise UnknownNameError(
                f"the template has no population of cell type {pop.cell_type!r} (needed for {pop.name})"
            )
        spec = copy.deepcopy(dict(entry))
        spec["cellNr"] = pop.n_connected
        synapses = dict(spec.get("synapses", {}))
        synapses["distributionFile"] = os.fspath(syn_path)
        synapses["connectionFile"] = os.fspath(con_path)
        spec["synapses"] = synapses
        network[pop.name] = spec
    top = template if "network" in template else {}
    return {
        "info": copy.deepcopy(top.get("info", {})),
        "NMODL_mechanisms": copy.deepcopy(top.get("NMODL_mechanisms", {})),
        "network": network,
    }
