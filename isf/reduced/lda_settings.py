"""Settings of the reduced LDA model (REDUCED_MODELS §3.1–3.2), with ISF's defaults.

Windows are in bins of the binned input; for ISF's 1-ms bins starting at 0 ms a bin number is the time
in ms, hence the ``_ms`` names. Only the pattern of the given input-window fields matters:

=========================  ====================================================================
given                      input window ``[min, max)``
=========================  ====================================================================
width only (the default)   ``[output_max − width, output_max)`` — by default [185, 265), which
                           overlaps the output window [255, 265) (as in ISF)
min, max, width            ``[min, max)``; ``width`` must equal ``max − min``
min, width                 ``[min, min + width)``
min, max                   ``[min, max)``
anything else              an error (``ModelValueError``), as ISF's ``ValueError``
=========================  ====================================================================

Fields ISF fixes in code are settings here: ``n_fits`` (5), ``max_tries`` (2, retries counted over all
fits) and ``seed`` — ISF draws the class balancing from numpy's unseeded global generator; here it comes
from ``numpy.random.default_rng(seed)`` (the split seeds are ISF's: fit ``i`` uses ``random_state=i``).
"""

from __future__ import annotations

from typing import Any

import attrs

from isf.errors import ModelValueError
from isf.model.validation import non_negative, non_negative_int, positive_int

__all__ = ["KERNEL_NORM", "LdaSettings"]

#: L2 norm every kernel vector is scaled to (ISF's constant, kept for comparability with its results).
KERNEL_NORM = 7.260991424242837


def _optional_int(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ModelValueError(type(instance).__name__, attribute.name, value, "an int (bin number) or None")


def _fraction(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 < value < 1.0:
        raise ModelValueError(type(instance).__name__, attribute.name, value, "0 < test_size < 1")


@attrs.frozen
class LdaSettings:
    """How the reduced LDA model is fitted (ISF's ``ReducedLdaModel`` arguments and defaults).

    Attributes:
        window_width_ms: input-window width, bins (ISF ``synapse_activation_window_width``, 80).
        window_min_ms: input-window start, bins (``None``: from the table above).
        window_max_ms: input-window end (exclusive), bins.
        output_window_min_ms: the label is a spike in ``[output_window_min, output_window_max)``, ms (255).
        output_window_max_ms: end of the output window, ms (265).
        refractory_period_ms: trials with a spike in ``[output_min − rp, output_min)`` are left out of the
            fit and the lookup table (0: none), ms.
        normalize_group_size: undersample the larger class to the size of the smaller one before each fit.
        test_size: held-out fraction of each of the ``n_fits`` random splits (0.4).
        lookup_step: width of the WNI bins of the lookup table (5).
        n_fits: number of fits (alternative models), each on its own split (5).
        max_tries: failed fits (a single class, a singular covariance) redrawn in all before giving up (2).
        seed: seed of the class balancing.
        regularize: shrink the within-class covariance towards a scaled identity by the Ledoit–Wolf
            estimate (scikit-learn's ``shrinkage="auto"``), so that fine bins × long windows (more
            features than a few hundred trials can estimate, a singular covariance) can be fitted.
            ``False`` (ISF's model): no shrinkage.
    """

    window_width_ms: int | None = attrs.field(default=80, validator=_optional_int)
    window_min_ms: int | None = attrs.field(default=None, validator=_optional_int)
    window_max_ms: int | None = attrs.field(default=None, validator=_optional_int)
    output_window_min_ms: float = 255.0
    output_window_max_ms: float = 265.0
    refractory_period_ms: float = attrs.field(default=0.0, validator=non_negative)
    normalize_group_size: bool = True
    test_size: float = attrs.field(default=0.4, validator=_fraction)
    lookup_step: int = attrs.field(default=5, validator=positive_int)
    n_fits: int = attrs.field(default=5, validator=positive_int)
    max_tries: int = attrs.field(default=2, validator=non_negative_int)
    seed: int = attrs.field(default=0, validator=non_negative_int)
    regularize: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.output_window_max_ms > self.output_window_min_ms:
            raise ModelValueError("LdaSettings", "output_window_max_ms", self.output_window_max_ms,
                                  f"> output_window_min_ms ({self.output_window_min_ms})")
        lo, hi = self.input_window()
        if not hi > lo or lo < 0:
            raise ModelValueError("LdaSettings", "window_min_ms", (lo, hi), "an input window 0 <= min < max")

    def input_window(self) -> tuple[int, int]:
        """The input window ``[min, max)`` in bins (the module's table)."""
        lo, hi, width = self.window_min_ms, self.window_max_ms, self.window_width_ms
        if lo is not None and hi is not None:
            if width is not None and width != hi - lo:
                raise ModelValueError("LdaSettings", "window_width_ms", width,
                                      f"window_max_ms − window_min_ms = {hi - lo} (or None)")
            return lo, hi
        if lo is None and hi is None and width is not None:
            end = int(round(self.output_window_max_ms))
            return end - width, end
        if lo is not None and width is not None:
            return lo, lo + width
        raise ModelValueError("LdaSettings", "window_max_ms", (lo, hi, width),
                              "width only, min + width, min + max, or all three (max + width is not accepted)")
