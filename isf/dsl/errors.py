"""The error raised by every legacy-file reader (one of :mod:`isf.errors`)."""

from __future__ import annotations

from isf.errors import LegacyFormatError

__all__ = ["LegacyFormatError"]
