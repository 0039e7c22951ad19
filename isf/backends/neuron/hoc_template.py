"""A postsynaptic cell from a hoc template (``begintemplate Name … endtemplate Name``), as bmtool
users bring them: every ``.hoc`` file of a templates folder is loaded once per process, and
``Name()`` builds one cell.

:class:`HocTemplateCell` names the template (a NEURON-free value); :func:`build_template_cell`
instantiates it and returns a :class:`BuiltTemplate` that locates segments by section index
(``sec_id`` into the template's ``all`` SectionList, bmtool's convention) and the soma
(``soma[0]`` or ``soma``).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import attrs

from isf.errors import MissingFileError, SimulationError, UnknownNameError

__all__ = ["BuiltTemplate", "HocTemplateCell", "build_template_cell", "template_names"]

_BEGIN = re.compile(r"^\s*begintemplate\s+([A-Za-z_]\w*)", re.M)
_LOCK = threading.RLock()
_LOADED_FILES: set[Path] = set()


def _folder(value: Any) -> Path | None:
    return None if value is None else Path(value).expanduser().resolve()


@attrs.frozen
class HocTemplateCell:
    """A cell built from the hoc template ``name``.

    Attributes:
        name: the template name (``begintemplate name``).
        templates_dir: folder whose ``.hoc`` files define it (all are loaded, so templates may use
            each other); ``None``: the template is already defined in NEURON.
    """

    name: str
    templates_dir: Path | None = attrs.field(default=None, converter=_folder)


def template_names(folder: Path) -> dict[str, Path]:
    """Template names defined by the ``.hoc`` files of ``folder`` → the file defining each."""
    if not folder.is_dir():
        raise MissingFileError(f"templates folder {folder} does not exist or is not a directory", folder)
    names: dict[str, Path] = {}
    for path in sorted(folder.glob("*.hoc")):
        for name in _BEGIN.findall(path.read_text(errors="replace")):
            names.setdefault(name, path)
    return names


def _load_folder(template: HocTemplateCell) -> None:
    from neuron import h

    h.load_file("stdrun.hoc")  # templates commonly use stdlib procedures
    if template.templates_dir is None:
        if not hasattr(h, template.name):
            raise UnknownNameError(
                f"hoc template {template.name!r} is not defined in NEURON; give templates_dir, the folder "
                "of the .hoc file that defines it"
            )
        return
    names = template_names(template.templates_dir)
    if template.name not in names:
        raise UnknownNameError(
            f"no hoc template {template.name!r} in {template.templates_dir}: the .hoc files there define "
            f"{', '.join(sorted(names)) or 'no template'}"
        )
    with _LOCK:
        for path in sorted(set(names.values())):
            if path in _LOADED_FILES:
                continue
            defined = [n for n, p in names.items() if p == path and hasattr(h, n)]
            # NEURON cannot redefine a template: a file whose templates exist is not loaded again
            if not defined and not h.load_file(str(path)):
                raise SimulationError(f"NEURON could not load the hoc file {path} (see NEURON's message above)")
            _LOADED_FILES.add(path)


class BuiltTemplate:
    """One instance of a hoc template; dropping it (``close``) frees its sections."""

    def __init__(self, template: HocTemplateCell) -> None:
        from neuron import h

        _load_folder(template)
        try:
            self.cell: Any = getattr(h, template.name)()
        except (RuntimeError, TypeError) as exc:
            raise SimulationError(f"hoc template {template.name!r} could not be instantiated: {exc}") from None
        self.template = template
        if hasattr(self.cell, "all"):
            self.sections = list(self.cell.all)
        else:  # a template without an `all` list: its own sections, in creation order
            self.sections = [s for s in h.allsec() if s.cell() == self.cell]
        if not self.sections:
            raise SimulationError(f"hoc template {template.name!r} creates no sections")

    def segment(self, sec_id: int, x: float) -> Any:
        """The segment at ``x`` of the template's ``sec_id``-th section (of its ``all`` list)."""
        if not 0 <= sec_id < len(self.sections):
            raise SimulationError(
                f"sec_id = {sec_id} is invalid for template {self.template.name!r}: allowed is 0.."
                f"{len(self.sections) - 1} ({', '.join(s.name() for s in self.sections[:8])}"
                f"{', …' if len(self.sections) > 8 else ''})"
            )
        return self.sections[sec_id](x)

    def soma(self) -> Any:
        """The soma centre: ``soma[0](0.5)`` (``soma(0.5)``), else the first section's centre."""
        soma = getattr(self.cell, "soma", None)
        if soma is None:
            return self.sections[0](0.5)
        try:
            return soma[0](0.5)
        except TypeError:
            return soma(0.5)

    def close(self) -> None:
        """Release the instance (NEURON frees its sections when the last reference goes)."""
        self.sections = []
        self.cell = None


def build_template_cell(template: HocTemplateCell) -> BuiltTemplate:
    """Load the templates folder (once per process) and instantiate ``template``."""
    return BuiltTemplate(template)
