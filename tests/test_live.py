"""helpers.live: live training curves, in place in a notebook, one clean figure left behind."""

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

import helpers  # noqa: F401  (quiet TensorFlow import)
from helpers import live
from helpers.startup import import_keras

keras = import_keras()


def test_validation_curves_share_their_metric_panel_and_loss_comes_first():
    fig = live.LiveFigure("Run")
    for epoch in (1, 2, 3):
        fig.update(epoch, accuracy=0.5 + epoch / 10, loss=1 / epoch, val_loss=1.2 / epoch,
                   val_accuracy=0.5)
    fig.close()
    titles = [ax.get_title() for ax in fig.figure.axes]
    assert titles == ["loss", "accuracy"]
    loss_ax = fig.figure.axes[0]
    assert [line.get_label() for line in loss_ax.lines] == ["training", "validation"]
    assert loss_ax.get_xlabel() == "epoch" and loss_ax.get_ylabel() == "loss"
    assert fig.figure.get_suptitle() == "Run"


def test_explicit_panels_group_custom_metrics():
    fig = live.LiveFigure("GAN", "step", panels={"losses": ["d_loss", "g_loss"]})
    fig.update(1, d_loss=0.7, g_loss=0.9)
    fig.close()
    assert [ax.get_title() for ax in fig.figure.axes] == ["losses"]
    assert len(fig.figure.axes[0].lines) == 2


@pytest.fixture
def shown(monkeypatch):
    """Pretend to be in a notebook; record display() and update() calls."""
    calls = []

    class Handle:
        def update(self, obj):
            calls.append("update")

    monkeypatch.setattr(live, "_in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, display_id=None: calls.append("display") or Handle())
    return calls


def test_quick_updates_draw_once_at_the_end(shown):
    fig = live.LiveFigure()
    for step in range(200):
        fig.update(step, loss=1.0 / (step + 1))
    assert shown == []
    fig.close()
    assert shown == ["display"] and fig.draws == 1


def test_slow_updates_redraw_in_place(shown, monkeypatch):
    clock = iter(range(0, 10_000, 2))  # every call to the clock: 2 s later
    monkeypatch.setattr(live, "clock", lambda: next(clock))
    monkeypatch.setattr(live, "DRAW_SHARE", 1.0)  # a "2 s" draw may take all the time
    fig = live.LiveFigure()
    for epoch in range(1, 6):
        fig.update(epoch, loss=1.0 / epoch)
    fig.close()
    assert shown[0] == "display" and set(shown[1:]) == {"update"} and len(shown) >= 4


def test_liveplot_records_every_epoch_of_a_real_fit():
    x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    callback = live.LivePlot(title="tiny")
    model.fit(x, y, epochs=4, validation_split=0.25, verbose=0, callbacks=[callback])
    assert [e for e, _ in callback.live.values["val_loss"]] == [1, 2, 3, 4]
    assert {ax.get_title() for ax in callback.live.figure.axes} == {"loss", "accuracy"}


def test_images_get_a_panel_of_their_own_beside_the_curves_showing_the_latest_grid():
    fig = live.LiveFigure("GAN", "step", panels={"losses": ["d_loss", "g_loss"]},
                          image_range=(-1, 1))
    first = np.full((4, 5, 5), -1.0)
    latest = np.full((4, 5, 5), 1.0)
    fig.update(10, d_loss=1.3, g_loss=0.8, images=first)
    fig.update(20, d_loss=1.2, g_loss=0.9)
    fig.update(30, d_loss=1.1, g_loss=1.0, images=latest)
    fig.update(40, d_loss=1.0, g_loss=1.1)
    fig.close()
    curves, pictures = fig.figure.axes
    assert curves.get_title() == "losses" and len(curves.lines) == 2
    assert pictures.get_title() == "samples at step 30"
    shown_grid = pictures.images[0].get_array()
    assert shown_grid.shape == (11, 11)  # 2 x 2 images of 5 x 5, one blank pixel between
    assert np.nanmin(shown_grid) == 1.0 and pictures.images[0].get_clim() == (-1, 1)
    assert [x for x, _ in fig.values["d_loss"]] == [10, 20, 30, 40]
    assert "images" not in fig.values


def test_without_images_the_figure_has_no_image_panel():
    fig = live.LiveFigure("Run")
    fig.update(1, loss=1.0)
    fig.close()
    assert len(fig.figure.axes) == 1 and not fig.figure.axes[0].images


def test_mosaic_tiles_grey_and_colour_images_with_blank_gaps():
    grey = live.mosaic(np.ones((5, 3, 4, 1)), ncols=3)
    assert grey.shape == (2 * 3 + 1, 3 * 4 + 2)
    assert np.isnan(grey[3]).all() and np.isnan(grey[:, 4]).all()  # gaps between cells
    assert np.isnan(grey[4:, 10:]).all() and np.nansum(grey) == 5 * 12  # the sixth cell empty
    colour = live.mosaic(np.zeros((4, 2, 2, 3)))
    assert colour.shape == (5, 5, 3)
    with pytest.raises(ValueError, match="shape"):
        live.mosaic(np.zeros((2, 2)))


def test_a_new_grid_of_images_is_redrawn_in_place(shown, monkeypatch):
    clock = iter(range(0, 10_000, 2))
    monkeypatch.setattr(live, "clock", lambda: next(clock))
    monkeypatch.setattr(live, "DRAW_SHARE", 1.0)
    fig = live.LiveFigure("GAN", "step")
    for step in range(1, 6):
        fig.update(step, loss=1.0 / step, images=np.full((2, 3, 3), float(step)))
    fig.close()
    assert shown[0] == "display" and set(shown[1:]) == {"update"} and len(shown) >= 4
    assert fig.figure.axes[-1].get_title() == "samples at step 5"
    assert np.nanmax(fig.figure.axes[-1].images[0].get_array()) == 5.0


def test_liveprogress_passes_images_on_and_keeps_them_out_of_its_bar(shown, monkeypatch):
    bars = []
    monkeypatch.setattr(live.LiveProgress, "_show_bar",
                        lambda self, metrics: bars.append(dict(metrics)))
    with live.LiveProgress(total=3, title="GAN", image_range=(0, 1)) as progress:
        for step in (1, 2, 3):
            progress.update(step, d_loss=0.5, images=np.zeros((9, 4, 4)))
    figure = progress.curves.figure
    assert [ax.get_title() for ax in figure.axes] == ["d_loss", "samples at step 3"]
    assert bars and all("images" not in b for b in bars)


@pytest.mark.slow
def test_in_a_kernel_one_final_figure_and_no_stderr_is_left_behind():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import helpers\nimport keras\nimport numpy as np\nfrom helpers import live\n"
        "helpers.setup()\n"
        "x = np.random.default_rng(0).normal(size=(256, 2)).astype('float32')\n"
        "y = (x[:, 0] * x[:, 1] > 0).astype('float32')\n"
        "model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation='relu'),"
        " keras.layers.Dense(1, activation='sigmoid')])\n"
        "model.compile('adam', 'binary_crossentropy', metrics=['accuracy'])\n"
        "model.fit(x, y, epochs=30, validation_split=0.25, verbose=0,"
        " callbacks=[live.LivePlot()]);\n"
        "with live.LiveProgress(total=50) as progress:\n"
        "    for step in range(50):\n"
        "        progress.update(step + 1, loss=1 / (step + 1))\n")]
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert stderr == []
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the fit's figure and the loop's figure, each updated in place
    bars = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(bars) == 1 and "50/50 steps" in bars[0]["data"]["text/plain"]


def test_the_image_panel_says_what_it_shows(shown, monkeypatch):
    monkeypatch.setattr(live.LiveProgress, "_show_bar", lambda self, metrics: None)
    with live.LiveProgress(total=2, title="Q-learning", xlabel="episode",
                           image_title="value table") as progress:
        for episode in (1, 2):
            progress.update(episode, success=0.5, images=np.zeros((1, 4, 4)))
    assert progress.curves.figure.axes[-1].get_title() == "value table at episode 2"
