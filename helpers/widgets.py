"""Interactive explorers: a figure redrawn as the learner moves sliders (lesson 02 onwards).

    def draw(ax, lr, epochs):
        ...                                   # draw on the matplotlib Axes `ax`
    widgets.explore(draw, title="Perceptron",
                    lr=widgets.log_slider(0.001, 1.0, 0.1),
                    epochs=widgets.int_slider(1, 30, 5))

In JupyterLab the sliders drive the figure. Where widgets cannot run (nbconvert, nbval,
GitHub's viewer, a closed kernel) the output shows a static figure drawn with the default
values, so "Run All" never waits and a saved notebook still shows something useful.
"""

import base64
import io

import ipywidgets
import matplotlib
from matplotlib.figure import Figure


def int_slider(lo, hi, value, step=1, description=""):
    """An integer slider (updates when released)."""
    return ipywidgets.IntSlider(value=value, min=lo, max=hi, step=step, description=description,
                                continuous_update=False)


def float_slider(lo, hi, value, step=None, description=""):
    """A float slider (updates when released)."""
    step = step if step is not None else (hi - lo) / 100
    return ipywidgets.FloatSlider(value=value, min=lo, max=hi, step=step,
                                  description=description, continuous_update=False)


def log_slider(lo, hi, value, description=""):
    """A slider over powers of ten from lo to hi (learning rates, regularisation)."""
    import math

    return ipywidgets.FloatLogSlider(value=value, base=10, min=math.log10(lo),
                                     max=math.log10(hi), step=0.1, description=description,
                                     continuous_update=False, readout_format=".3g")


def choice(options, value=None, description=""):
    """A drop-down of options (activations, data sets)."""
    options = list(options)
    return ipywidgets.Dropdown(options=options, value=options[0] if value is None else value,
                               description=description)


class Explorer:
    """A figure drawn by `draw(ax, **values)` from the current values of `controls`."""

    def __init__(self, draw, title="", ncols=1, figsize=None, **controls):
        if not controls:
            raise ValueError("explore() needs at least one control, e.g. lr=log_slider(...).")
        self.draw, self.title, self.ncols = draw, title, ncols
        self.figsize = figsize or (5.2 * ncols, 4.2)
        self.controls = controls
        for name, control in controls.items():
            if control.description in (None, ""):
                control.description = name
            control.style = {"description_width": "initial"}
        self.image = ipywidgets.Image(format="png")
        self.status = ipywidgets.HTML()
        self.widget = ipywidgets.VBox([ipywidgets.HBox(list(controls.values())), self.status,
                                       self.image])
        for control in controls.values():
            control.observe(self._on_change, names="value")
        self.image.value = self.render()

    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def render(self, **values):
        """PNG bytes of the figure for `values` (default: the controls' current values)."""
        values = values or self.values()
        fig = Figure(figsize=self.figsize, dpi=matplotlib.rcParams["figure.dpi"],
                     layout="constrained")
        axes = fig.subplots(1, self.ncols)
        self.draw(axes, **values)
        if self.title:
            fig.suptitle(self.title, fontweight="bold")
        png = io.BytesIO()
        fig.savefig(png, format="png")
        return png.getvalue()

    def _on_change(self, change):
        self.status.value = "<i>drawing ...</i>"
        try:
            self.image.value = self.render()
            self.status.value = ""
        except Exception as error:  # show the problem next to the sliders, keep the widget alive
            self.status.value = (f"<span style='color:#b71c1c'>{type(error).__name__}: "
                                 f"{error}</span>")

    def mimebundle(self):
        """The widget, with a static PNG of the current figure as the fallback."""
        bundle = self.widget._repr_mimebundle_()
        bundle = bundle[0] if isinstance(bundle, tuple) else bundle
        bundle["image/png"] = base64.b64encode(bytes(self.image.value)).decode("ascii")
        bundle["text/plain"] = f"Explorer: {self.title or self.draw.__name__} " \
                               f"({', '.join(self.controls)})"
        return bundle


def explore(draw, title="", ncols=1, figsize=None, **controls):
    """Show an interactive figure: `draw(ax, **values)` redrawn when a control changes.

    `ncols` > 1 gives `draw` a row of Axes instead of one. Returns nothing (the Explorer is
    displayed); use `Explorer` directly to keep a handle on it.
    """
    from IPython.display import display

    explorer = Explorer(draw, title=title, ncols=ncols, figsize=figsize, **controls)
    display(explorer.mimebundle(), raw=True)
