"""helpers.widgets: explorers redraw on change and leave a static figure behind."""

import base64

import pytest

from helpers import widgets

PNG_MAGIC = b"\x89PNG"


def draw_line(ax, slope, kind="line"):
    ax.plot([0, 1], [0, slope], label=kind)
    ax.set(title=f"slope {slope}", xlabel="x", ylabel="y")


def test_explorer_draws_the_defaults_at_once():
    explorer = widgets.Explorer(draw_line, title="Lines", slope=widgets.float_slider(0, 2, 1.0))
    assert bytes(explorer.image.value).startswith(PNG_MAGIC)
    assert explorer.values() == {"slope": 1.0}


def test_moving_a_slider_redraws_the_figure():
    explorer = widgets.Explorer(draw_line, slope=widgets.float_slider(0, 2, 1.0),
                                kind=widgets.choice(["line", "other"]))
    before = explorer.image.value
    explorer.controls["slope"].value = 2.0
    assert explorer.image.value != before and explorer.status.value == ""


def test_an_error_while_drawing_is_shown_next_to_the_sliders():
    def broken(ax, n):
        raise ValueError(f"n={n} is too big")

    calls = iter([None])

    def draw(ax, n):
        if next(calls, "again") == "again":
            broken(ax, n)

    explorer = widgets.Explorer(draw, n=widgets.int_slider(1, 10, 2))
    explorer.controls["n"].value = 9
    assert "ValueError: n=9 is too big" in explorer.status.value


def test_the_displayed_bundle_has_the_widget_and_a_static_png_fallback():
    explorer = widgets.Explorer(draw_line, title="Lines", slope=widgets.log_slider(0.01, 10, 1))
    bundle = explorer.mimebundle()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]).startswith(PNG_MAGIC)
    assert bundle["text/plain"] == "Explorer: Lines (slope)"


def test_several_panels_get_a_row_of_axes():
    seen = {}

    def draw(axes, k):
        seen["n"] = len(axes)
        for ax in axes:
            ax.plot([0, k])

    widgets.Explorer(draw, ncols=2, k=widgets.int_slider(1, 3, 1))
    assert seen["n"] == 2


def test_an_explorer_needs_a_control():
    with pytest.raises(ValueError, match="at least one control"):
        widgets.Explorer(draw_line)


def test_log_slider_spans_powers_of_ten():
    slider = widgets.log_slider(0.001, 1.0, 0.1)
    assert (slider.min, slider.max, slider.value) == (-3, 0, 0.1)
