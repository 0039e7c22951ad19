"""The interactive synapse tuner: ipywidgets in JupyterLab, Jupyter Notebook or Voilà, and the same
object scriptable from Python.

:class:`InteractiveTuner` shows a connection dropdown, one slider per tuned parameter
(``slider_vars``; range from the parameter's value), the train frequency and recovery delay,
"single event" and "train" buttons, the traces (with the recorded variables) and the metrics
table. Moving a slider re-runs the last protocol on the open :class:`SynapseTuner` and redraws::

    ui = InteractiveTuner(TunerSettings.from_bmtool(general_settings, conn_type_settings, …))
    ui                                  # the widget, in a notebook
    ui.set_value("Use", 0.3)            # from Python: what dragging the slider does
    ui.metrics["amplitude"]             # metrics of the last run
    ui.close()

Only one tuner is open at a time (NEURON simulates every cell): choosing another connection closes
the current one and builds the next. The figure is drawn by matplotlib's Agg canvas into a PNG
``Image`` widget, which every front end (Voilà included) shows without a matplotlib backend.
"""

from __future__ import annotations

import io
import math
import time
from typing import Any, Literal

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from isf.errors import UnknownNameError
from isf.synapse_tuner.bmtool_settings import TunerSettings
from isf.synapse_tuner.plot import draw_result, metrics_table
from isf.synapse_tuner.settings import TrainSettings
from isf.synapse_tuner.tuner import EventResult, SynapseTuner, TrainResult

__all__ = ["InteractiveTuner", "slider_range"]

Mode = Literal["event", "train"]
_FRACTIONS = frozenset({"Use", "u0", "NMDA_ratio"})


def slider_range(name: str, value: float) -> tuple[float, float, float]:
    """``(min, max, step)`` of a parameter's slider: 0 … 3·value (0 … 1 for fractions such as
    ``Use``), value·3 … 0 for a negative value, 0 … 1000 (ms) for ``Dep``/``Fac`` at 0, else 0 … 1;
    200 steps."""
    if name in _FRACTIONS:
        low, high = 0.0, 1.0
    elif value > 0:
        low, high = 0.0, 3.0 * value
    elif value < 0:
        low, high = 3.0 * value, 0.0
    else:
        low, high = 0.0, 1000.0 if name in ("Dep", "Fac") else 1.0
    return low, high, (high - low) / 200.0


class InteractiveTuner:
    """Widgets driving a :class:`SynapseTuner` per connection (see the module docstring).

    Args:
        settings: the connections, general settings and slider variables.
        train: the train protocol (its frequency and recovery delay get sliders).
        connection: the connection shown first (default: the first).
        mode: the protocol run first and on every slider change: ``event`` or ``train``.
    """

    def __init__(
        self,
        settings: TunerSettings,
        train: TrainSettings | None = None,
        connection: str | None = None,
        mode: Mode = "event",
    ) -> None:
        self.settings = settings
        self.protocol = train if train is not None else TrainSettings(20.0)
        names = list(settings.connections)
        first = connection if connection is not None else names[0]
        if first not in settings.connections:
            raise UnknownNameError(f"no connection {first!r}: the settings have {', '.join(names)}")
        self.mode: Mode = mode
        self.tuner: SynapseTuner | None = None
        self.result: EventResult | TrainResult | None = None
        #: wall time of the last run and redraw, s
        self.last_update_s = math.nan
        self._quiet = False
        self._canvas: tuple[Figure, FigureCanvasAgg, list[Any]] | None = None
        self.connection_dropdown = widgets.Dropdown(options=names, value=first, description="connection")
        self.frequency_slider = widgets.FloatSlider(
            value=self.protocol.frequency_Hz, min=1.0, max=200.0, step=1.0, description="train (Hz)",
            continuous_update=False,
        )
        self.delay_slider = widgets.FloatSlider(
            value=self.protocol.recovery_delay_ms, min=10.0, max=2000.0, step=10.0, description="delay (ms)",
            continuous_update=False,
        )
        self.event_button = widgets.Button(description="Run single event", button_style="primary")
        self.train_button = widgets.Button(description="Run train", button_style="info")
        self.sliders: dict[str, widgets.FloatSlider] = {}
        self.slider_box = widgets.VBox()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="900px"))
        self.table = widgets.HTML()
        self.status = widgets.HTML()
        self.connection_dropdown.observe(self._on_connection, names="value")
        self.frequency_slider.observe(self._on_change, names="value")
        self.delay_slider.observe(self._on_change, names="value")
        self.event_button.on_click(lambda _: self.run_single_event())
        self.train_button.on_click(lambda _: self.run_train())
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.connection_dropdown, self.event_button, self.train_button]),
                widgets.HBox([self.frequency_slider, self.delay_slider]),
                self.slider_box,
                widgets.HBox([self.image, self.table]),
                self.status,
            ]
        )
        self._open(first)

    # ------------------------------------------------------------------ connections

    def _open(self, name: str) -> None:
        if self.tuner is not None:
            self.tuner.close()
            self.tuner = None
        self.tuner = SynapseTuner(self.settings.connections[name], self.settings.general)
        sliders = {}
        for var in self.settings.slider_names(name):
            value = self.tuner.parameter(var)
            low, high, step = slider_range(var, value)
            slider = widgets.FloatSlider(
                value=value, min=low, max=high, step=step, description=var, continuous_update=False,
                readout_format=".4g",
            )
            slider.observe(self._on_change, names="value")
            sliders[var] = slider
        self.sliders = sliders
        self.slider_box.children = tuple(sliders.values())
        self._run()

    def _on_connection(self, change: dict[str, Any]) -> None:
        self._open(str(change["new"]))

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._run()

    # ------------------------------------------------------------------ runs

    @property
    def connection(self) -> str:
        """Name of the connection shown."""
        return str(self.connection_dropdown.value)

    def select(self, connection: str) -> None:
        """Show another connection (what choosing it in the dropdown does)."""
        if connection not in self.settings.connections:
            raise UnknownNameError(
                f"no connection {connection!r}: the settings have {', '.join(self.settings.connections)}"
            )
        self.connection_dropdown.value = connection

    def set_value(self, name: str, value: float) -> None:
        """Set a slider (a parameter, ``frequency_Hz`` or ``recovery_delay_ms``) and re-run, as
        dragging it does; the slider's range widens to hold ``value``."""
        if name == "frequency_Hz":
            slider = self.frequency_slider
        elif name == "recovery_delay_ms":
            slider = self.delay_slider
        elif name in self.sliders:
            slider = self.sliders[name]
        else:
            raise UnknownNameError(
                f"no slider {name!r}: allowed are {', '.join([*self.sliders, 'frequency_Hz', 'recovery_delay_ms'])}"
            )
        self._quiet = True
        try:
            slider.min, slider.max = min(slider.min, value), max(slider.max, value)
        finally:
            self._quiet = False
        if slider.value == value:
            self._run()
        else:
            slider.value = value

    def _open_tuner(self) -> SynapseTuner:
        if self.tuner is None:
            raise UnknownNameError("the interactive tuner is closed")
        return self.tuner

    def run_single_event(self) -> EventResult:
        """Run one presynaptic spike with the sliders' values (and make it the slider protocol)."""
        self.mode = "event"
        result = self._run()
        assert isinstance(result, EventResult)
        return result

    def run_train(self) -> TrainResult:
        """Run the train with the sliders' values (and make it the slider protocol)."""
        self.mode = "train"
        result = self._run()
        assert isinstance(result, TrainResult)
        return result

    def _run(self) -> EventResult | TrainResult:
        started = time.perf_counter()
        tuner = self._open_tuner()
        tuner.set_parameters(**{name: float(s.value) for name, s in self.sliders.items()})
        result: EventResult | TrainResult
        if self.mode == "event":
            result = tuner.single_event()
        else:
            self.protocol = TrainSettings(
                float(self.frequency_slider.value),
                self.protocol.n_pulses,
                float(self.delay_slider.value),
                self.protocol.n_recovery,
            )
            result = tuner.train(self.protocol)
        self.result = result
        self._draw(result)
        self.last_update_s = time.perf_counter() - started
        self.status.value = (
            f"<small>{self.connection}: {'single event' if self.mode == 'event' else 'train'} "
            f"in {self.last_update_s:.2f} s</small>"
        )
        return result

    def _figure(self, n: int) -> tuple[Figure, FigureCanvasAgg, list[Any]]:
        """The figure with ``1 + n`` panels, made once: its axes and ticks are reused by every redraw
        (creating them dominates a redraw)."""
        if self._canvas is None or len(self._canvas[2]) != 1 + n:
            height = 3.2 + 1.3 * n
            fig = Figure(figsize=(7.0, height), dpi=80)
            canvas = FigureCanvasAgg(fig)
            grid = fig.subplots(1 + n, 1, sharex=True, gridspec_kw={"height_ratios": [3] + [1] * n})
            # a fixed layout: tight_layout would draw the figure twice
            fig.subplots_adjust(left=0.13, right=0.97, top=1 - 0.35 / height, bottom=0.45 / height, hspace=0.12)
            self._canvas = (fig, canvas, list(np.atleast_1d(grid)))
        fig, canvas, panels = self._canvas
        for ax in panels:
            for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.texts]:
                artist.remove()
            if ax.legend_ is not None:
                ax.legend_.remove()
        return fig, canvas, panels

    def _draw(self, result: EventResult | TrainResult) -> None:
        fig, canvas, axes = self._figure(len(result.trace.recorded))
        draw_result(result, axes)
        for ax in axes:
            ax.relim()
            ax.autoscale_view()
        canvas.draw()
        buffer = io.BytesIO()
        # fast PNG compression: the image is shown once, not stored
        PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
        self.image.value = buffer.getvalue()
        table = self.table_frame()
        self.table.value = table.to_html(index=False, float_format=lambda v: f"{v:.4g}", classes="isf-metrics")

    def table_frame(self) -> Any:
        """The metrics table of the last run (pandas DataFrame: metric, value, unit)."""
        if isinstance(self.result, EventResult):
            return metrics_table(event=self.result)
        return metrics_table(train=self.result)

    @property
    def metrics(self) -> dict[str, float]:
        """The last run's metrics by name (event metrics, or train metrics and amplitudes)."""
        frame = self.table_frame()
        return {str(k): float(v) for k, v in zip(frame["metric"], frame["value"])}

    # ------------------------------------------------------------------ display and lifetime

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Close the open tuner (its NEURON objects) and the widgets (idempotent)."""
        if self.tuner is not None:
            self.tuner.close()
            self.tuner = None

    def __enter__(self) -> InteractiveTuner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
