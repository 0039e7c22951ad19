"""The ``isf`` command line: :func:`main` builds the parser from :data:`COMMANDS`, one module per verb
(``convert``, ``inspect``, ``mechanisms``, ``simulate``, ``trials``, ``fit``, ``embed``,
``tune-synapse``, ``export``, ``db``, ``study``), each with a ``register(sub)`` function; a verb's module
is imported only when the parser is built."""

from __future__ import annotations

from isf.cli.main import COMMANDS, main

__all__ = ["COMMANDS", "main"]
