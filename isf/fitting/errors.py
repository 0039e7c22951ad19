"""Errors of the fitting workflow."""

from __future__ import annotations


class FittingError(ValueError):
    """Invalid fitting input (parameter vector, settings, run folder); the message says what and why."""
