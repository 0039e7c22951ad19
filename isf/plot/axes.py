"""Where a plot draws: the caller's axes or a new figure's, and the figure a plot function returns."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["figure_of", "new_axes"]


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax`` if given, else the axes of a new constrained-layout figure of ``figsize`` (inches).

    The figure is a plain :class:`~matplotlib.figure.Figure` (no pyplot), so plotting never opens a
    window or touches pyplot's global state."""
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def figure_of(ax: Axes) -> Figure:
    """The top-level figure ``ax`` is drawn in (also for axes in a sub-figure)."""
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure), "the axes are not in a figure"
    return fig
