"""Errors of the fitting workflow (one of :mod:`isf.errors`)."""

from __future__ import annotations

from isf.errors import FittingError

__all__ = ["FittingError"]
