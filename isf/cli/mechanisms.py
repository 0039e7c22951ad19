"""``isf mechanisms compile|list|check``: the project's NMODL mechanisms."""

from __future__ import annotations

import argparse

from isf.errors import MechanismError


def check() -> list[str]:
    """Compile (if needed) and load the mechanisms, then confirm NEURON knows every name the
    ``.mod`` files declare; returns the names.

    Raises:
        MechanismError (a RuntimeError): one line naming the mechanisms NEURON does not know after loading.
    """
    from isf.backends.neuron import mechanisms

    declared = mechanisms.available_mechanisms()
    mechanisms.load_mechanisms()
    known = mechanisms.neuron_mechanism_names()
    missing = [name for name in declared if name not in known]
    if missing:
        raise MechanismError(
            f"NEURON does not know {', '.join(missing)} after loading the compiled mechanisms"
        )
    return list(declared)


def run(args: argparse.Namespace) -> int:
    """Compile, list or check the mechanisms (``args.action``); exit code 0."""
    from isf.backends.neuron import mechanisms

    if args.action == "list":
        for name in mechanisms.available_mechanisms():
            print(name)
        return 0
    if args.action == "check":
        try:
            names = check()
        except mechanisms.MechanismError as exc:
            # compiler output spans many lines: keep the reason on one
            raise MechanismError(" ".join(str(exc).split())) from None
        for name in names:
            print(f"ok {name}")
        print(
            f"{len(names)} mechanisms loaded into NEURON from {mechanisms.compile_mechanisms()}"
        )
        return 0
    lib = mechanisms.compile_mechanisms(force=args.force)
    print(f"mechanisms compiled: {lib}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``mechanisms`` verb."""
    mech = sub.add_parser(
        "mechanisms",
        help="compile, list or check the NMODL mechanisms",
        description="Compile the project's NMODL mechanisms into the cache, list the mechanism names the .mod "
        "files declare, or check that they compile, load and are known to NEURON. The folder is "
        "<repo>/mechanisms in a checkout, the copy packed into the installed wheel otherwise, or "
        "$ISF_MECHANISMS_DIR.",
        epilog="examples:\n  isf mechanisms compile\n  isf mechanisms list\n  isf mechanisms check",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mech.add_argument("action", choices=("compile", "list", "check"))
    mech.add_argument(
        "--force", action="store_true", help="recompile even if cached (compile only)"
    )
    mech.set_defaults(func=run)
