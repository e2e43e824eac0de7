"""Figures the lessons share (lessons 00-03 onwards). Every function labels its axes, sets a
title and returns the matplotlib Axes (or Figure) it drew on, so a lesson can add to it."""

import matplotlib.pyplot as plt
import numpy as np

CLASS_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _axes(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def grid_over(x, resolution=200, padding=0.3):
    """A (resolution², 2) grid covering the 2-D points x with some padding, and its two axes."""
    x = np.asarray(x)
    lo, hi = x.min(axis=0) - padding, x.max(axis=0) + padding
    g0, g1 = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(g0, g1)
    return np.stack([xx.ravel(), yy.ravel()], axis=1).astype("float32"), xx, yy


def plot_decision_boundary(predict, x, y, ax=None, title="Decision boundary", resolution=200,
                           labels=("x₁", "x₂"), point_size=14):
    """Shade the plane by `predict` and draw the points (x (n, 2), y (n,) class labels).

    `predict` maps an (m, 2) array to (m,) labels or scores, or to (m, k) class scores.
    Scores in [0, 1] (one column) are cut at 0.5, other single scores at 0.
    """
    ax = _axes(ax)
    x, y = np.asarray(x), np.asarray(y)
    grid, xx, yy = grid_over(x, resolution)
    out = np.asarray(predict(grid))
    if out.ndim == 2 and out.shape[1] > 1:
        regions = out.argmax(axis=1)
    else:
        out = out.reshape(-1)
        is_prob = out.min() >= 0 and out.max() <= 1
        regions = out if np.array_equal(out, out.astype(int)) else \
            (out > (0.5 if is_prob else 0.0)).astype(int)
    classes = np.unique(np.concatenate([np.unique(y), np.unique(regions)])).astype(int)
    colours = [CLASS_COLOURS[c % len(CLASS_COLOURS)] for c in range(classes.max() + 1)]
    cmap = plt.matplotlib.colors.ListedColormap(colours)
    ax.contourf(xx, yy, regions.reshape(xx.shape), levels=np.arange(len(colours) + 1) - 0.5,
                cmap=cmap, alpha=0.25)
    for c in np.unique(y).astype(int):
        ax.scatter(*x[y == c].T, s=point_size, color=colours[c], edgecolor="white", linewidth=0.4,
                   label=f"class {c}")
    ax.set(title=title, xlabel=labels[0], ylabel=labels[1])
    ax.legend(loc="best", fontsize=9)
    return ax


def plot_history(history, metrics=None, title="Training history"):
    """Loss and metrics per epoch from a Keras `History` (or its `.history` dict).

    One panel per metric, training and validation together. Returns the Figure.
    """
    h = getattr(history, "history", history)
    names = metrics or [k for k in h if not k.startswith("val_")]
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.6), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(h[name]) + 1)
        ax.plot(epochs, h[name], label="training")
        if f"val_{name}" in h:
            ax.plot(epochs, h[f"val_{name}"], label="validation")
        ax.set(title=name, xlabel="epoch", ylabel=name)
        ax.legend()
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def plot_curves(x, series, xlabel, ylabel, title, logx=False, logy=False, ax=None,
                marker="o"):
    """Several named curves over the same x: `series` maps label -> y values."""
    ax = _axes(ax)
    for label, values in series.items():
        ax.plot(x, values, marker=marker, label=label)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return ax


def plot_image_grid(images, labels=None, ncols=10, title="Images", cmap="gray_r",
                    size=1.0):
    """Small images (n, h, w) or (n, h, w, 3) in a grid, each captioned by its label."""
    images = np.asarray(images)
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.6),
                             squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=9, fontweight="normal")
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig
