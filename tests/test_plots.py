"""helpers.plots: every figure has a title and labelled axes, and draws what it is given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import data, plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def labelled(ax):
    return ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


@pytest.mark.parametrize("predict", [
    lambda g: (g[:, 0] > 0).astype(int),                    # labels
    lambda g: 1 / (1 + np.exp(-g[:, 0])),                   # probabilities
    lambda g: g[:, 0],                                      # raw scores
    lambda g: np.stack([-g[:, 0], g[:, 0]], axis=1),        # class scores
])
def test_decision_boundary_accepts_every_kind_of_prediction(predict):
    x, y = data.make_xor(n=60)
    ax = plots.plot_decision_boundary(predict, x, y, title="XOR")
    assert labelled(ax) and ax.get_title() == "XOR"
    assert len(ax.collections) >= 3  # the shaded regions and one scatter per class


def test_grid_covers_the_points_with_padding():
    x = np.array([[0.0, 0.0], [1.0, 2.0]])
    grid, xx, yy = plots.grid_over(x, resolution=5, padding=0.5)
    assert grid.shape == (25, 2)
    assert xx.min() == -0.5 and xx.max() == 1.5 and yy.max() == 2.5


def test_history_has_one_labelled_panel_per_metric_with_validation():
    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8],
               "val_accuracy": [0.4, 0.7]}
    fig = plots.plot_history(history)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert all(labelled(ax) and len(ax.lines) == 2 for ax in fig.axes)


def test_curves_draw_each_series_on_log_axes():
    ax = plots.plot_curves([16, 64, 256], {"NumPy": [1, 5, 20], "TensorFlow": [0.5, 4, 30]},
                           "n", "GFLOP/s", "Matrix products", logx=True, logy=True)
    assert labelled(ax) and len(ax.lines) == 2 and ax.get_xscale() == "log"


def test_image_grid_captions_each_image():
    split = data.load_digits()
    fig = plots.plot_image_grid(split.x_train[:12], split.y_train[:12], ncols=6)
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titled == [str(v) for v in split.y_train[:12]]
    assert fig.get_suptitle() == "Images"
