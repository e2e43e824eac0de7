"""Training curves that draw themselves while a model trains (lesson 03 onwards).

With `model.fit`:

    model.fit(x, y, epochs=50, validation_data=(xv, yv), verbose=0,
              callbacks=[helpers.live.LivePlot(title="Spirals MLP")])

In a custom training loop (GANs, reinforcement learning):

    with helpers.live.LiveProgress(total=2000, title="GAN") as live:
        for step in range(2000):
            ...
            live.update(step + 1, d_loss=d_loss, g_loss=g_loss)

Pictures beside the curves (a generator's samples, a reconstruction): pass `images=`, an
array (n, h, w) in grey or (n, h, w, 3) in colour (values in [0, 1]), with any update. The
latest grid is drawn in a panel of its own to the right of the curves, titled with its step,
and stays in the final figure:

    with helpers.live.LiveProgress(total=2000, title="GAN", image_range=(-1, 1)) as live:
        ...
            live.update(step + 1, d_loss=d_loss, g_loss=g_loss,
                        images=samples if step % 100 == 0 else None)

In JupyterLab one figure (and a progress bar) is updated in place. Run without a live front
end (nbval, nbconvert) the notebook keeps just the final, complete figure. Redraws are
spaced so that drawing takes at most about 5 % of training time.
"""

import io
import time
from collections import defaultdict

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from helpers.display import in_notebook as _in_notebook
from helpers.startup import import_keras

clock = time.perf_counter
DRAW_SHARE = 0.05     # drawing may take this share of the time between two redraws
MIN_INTERVAL_S = 1.0  # and never happens more often than this


def panel_of(name):
    """Which panel a metric goes in: 'val_loss' joins 'loss'."""
    return name[4:] if name.startswith("val_") else name


def mosaic(images, ncols=None, gap=1):
    """Images (n, h, w) or (n, h, w, c) tiled in one array, rows of `ncols` (default: about
    square), `gap` pixels apart; the gaps and empty cells hold NaN (drawn blank)."""
    images = np.asarray(images, dtype="float32")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(f"images should have shape (n, h, w) or (n, h, w, channels); got "
                         f"{images.shape}")
    n, h, w = images.shape[:3]
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    out = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap) + images.shape[3:],
                  np.nan, dtype="float32")
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = image
    return out


class LiveFigure:
    """A figure of metric curves against steps or epochs, redrawn in place.

    `update(x, **metrics)` records values (at most every `MIN_INTERVAL_S` it also redraws);
    `close()` draws the final figure. Metrics sharing a panel: 'loss' and 'val_loss'.
    `update(x, images=...)` also keeps the latest grid of images, drawn in a last panel;
    `image_range` (low, high) fixes its grey scale (default: each grid's own range);
    `image_title` names what the grid shows ("samples", "value table"), before "at step N".
    """

    def __init__(self, title="Training", xlabel="epoch", panels=None, logy=(),
                 image_range=None, image_title="samples"):
        self.title, self.xlabel, self.logy = title, xlabel, set(logy)
        self.panels = panels  # optional {panel title: [metric names]}
        self.values = defaultdict(list)  # metric -> [(x, value)]
        self.images = None  # (x, mosaic) of the latest grid of images, if any
        self.image_range = image_range
        self.image_title = image_title
        self.picture = None  # the image panel's AxesImage
        self.figure = None
        self.handle = None
        self.live = _in_notebook()
        self.layout = None
        self.lines = {}
        self.last_draw = clock()  # the first redraw comes after MIN_INTERVAL_S
        self.draw_cost = 0.0
        self.draws = 0

    def update(self, x, images=None, **metrics):
        if images is not None:
            self.images = (x, mosaic(images))
        for name, value in metrics.items():
            if value is not None:
                self.values[name].append((x, float(value)))
        now = clock()
        if self.live and now - self.last_draw >= max(MIN_INTERVAL_S, self.draw_cost / DRAW_SHARE):
            self.draw()
            self.last_draw = clock()
            self.draw_cost = self.last_draw - now

    def _layout(self):
        if self.panels:
            return {title: [m for m in names if m in self.values]
                    for title, names in self.panels.items()}
        layout = defaultdict(list)
        for name in self.values:
            layout[panel_of(name)].append(name)
        return dict(sorted(layout.items(), key=lambda item: item[0] != "loss"))  # loss first

    def _build(self, layout):
        """A new figure with one panel per entry of `layout` and one line per metric, and a
        last panel for the images if there are any."""
        pictures = self.images is not None
        n = len(layout) + pictures
        self.figure = Figure(figsize=(min(4.6 * n, 14), 3.4),
                             dpi=matplotlib.rcParams["figure.dpi"])
        axes = self.figure.subplots(1, n, squeeze=False)[0]
        self.figure.subplots_adjust(left=0.1 / n + 0.04, right=0.98, bottom=0.16, top=0.8,
                                    wspace=0.3)
        self.lines = {}
        self.picture = None
        if pictures:
            image_ax = axes[-1]
            axes = axes[:-1]
            low, high = self.image_range or (None, None)
            self.picture = image_ax.imshow(self.images[1], cmap="gray_r", vmin=low, vmax=high,
                                           interpolation="nearest")
            image_ax.set_axis_off()
        for ax, (panel, names) in zip(axes, layout.items()):
            for name in names:
                label = "validation" if name.startswith("val_") else \
                    ("training" if f"val_{name}" in names else name)
                (self.lines[name],) = ax.plot([], [], label=label, marker="o", ms=3)
            if panel in self.logy:
                ax.set_yscale("log")
            ax.set(title=panel, xlabel=self.xlabel, ylabel=panel)
            ax.grid(True, alpha=0.3)
            ax.legend(loc="upper right")  # "best" is slow to place on long curves
        self.figure.suptitle(self.title, fontweight="bold")
        self.layout = layout

    def _draw_images(self):
        x, grid = self.images
        self.picture.set_data(grid)
        if self.image_range is None:
            self.picture.set_clim(np.nanmin(grid), np.nanmax(grid))
        self.picture.axes.set_title(f"{self.image_title} at {self.xlabel} {x}")

    def draw(self, final=False):
        """Redraw every panel and show the figure (in place after the first time)."""
        layout = self._layout()
        if not layout and self.images is None:
            return
        if self.figure is None or layout != self.layout or \
                (self.images is None) != (self.picture is None) or \
                (self.picture is not None and
                 self.picture.get_array().shape != self.images[1].shape):
            self._build(layout)
        if self.picture is not None:
            self._draw_images()
        for name, line in self.lines.items():
            xs, ys = zip(*self.values[name])
            line.set_data(xs, ys)
            if len(xs) >= 30:
                line.set_marker("")
        for ax in self.figure.axes:
            if ax.images:  # the image panel: nothing to rescale
                continue
            ax.relim()
            ax.autoscale_view()
            if final:  # place each legend where it hides least, once
                ax.legend(loc="best")
        self.draws += 1
        if self.live:
            from IPython.display import Image, display

            png = io.BytesIO()
            self.figure.savefig(png, format="png")
            image = Image(data=png.getvalue(), format="png")
            if self.handle is None:
                self.handle = display(image, display_id=True)
            else:
                self.handle.update(image)

    def close(self):
        """Draw the final figure (the one a saved notebook keeps)."""
        self.draw(final=True)


class LivePlot(import_keras().callbacks.Callback):
    """Keras callback: live curves of loss and metrics, training and validation, per epoch."""

    def __init__(self, title="Training", logy=()):
        super().__init__()
        self.title, self.logy = title, logy
        self.live = None

    def on_train_begin(self, logs=None):
        self.live = LiveFigure(self.title, "epoch", logy=self.logy)

    def on_epoch_end(self, epoch, logs=None):
        self.live.update(epoch + 1, **{k: v for k, v in (logs or {}).items()
                                       if k != "learning_rate"})

    def on_train_end(self, logs=None):
        self.live.close()


class LiveProgress:
    """Progress bar and live curves for a custom training loop (a context manager)."""

    def __init__(self, total, title="Training", xlabel="step", panels=None, logy=(),
                 image_range=None, image_title="samples"):
        self.total = total
        self.curves = LiveFigure(title, xlabel, panels=panels, logy=logy,
                                 image_range=image_range, image_title=image_title)
        self.start = None
        self.bar = None
        self.step = 0
        self.last_bar = 0.0

    def __enter__(self):
        self.start = clock()
        return self

    def update(self, step, images=None, **metrics):
        self.step = step
        self.curves.update(step, images=images, **metrics)
        now = clock()
        if self.curves.live and (now - self.last_bar >= 0.25 or step >= self.total):
            self._show_bar(metrics)
            self.last_bar = now

    def _show_bar(self, metrics):
        from IPython.display import display

        elapsed = clock() - self.start
        shown = " · ".join(f"{k} {float(v):.4g}" for k, v in metrics.items())
        text = f"{self.step}/{self.total} steps · {elapsed:.1f} s · {shown}"
        html = (f'<progress value="{self.step}" max="{self.total}" style="width:40%"></progress>'
                f' <span style="font-family:monospace">{text}</span>')
        bundle = {"text/html": html, "text/plain": text}
        if self.bar is None:
            self.bar = display(bundle, raw=True, display_id=True)
        else:
            self.bar.update(bundle, raw=True)

    def __exit__(self, *exc):
        self.curves.close()
        if self.curves.live and self.step:
            last = {k: v[-1][1] for k, v in self.curves.values.items()}
            self._show_bar(last)
        return False
