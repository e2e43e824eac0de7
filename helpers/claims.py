"""Checked claims: every figure a lesson's prose states is asserted right after it.

    claim("test accuracy", acc, at_least=0.95)

prints `✓ test accuracy = 0.9731 (claimed ≥ 0.95)` and raises `ClaimFailed` when the value is
off. Set HELPERS_METRICS_FILE to a path and every claim is also appended there as a JSON
line; bench/notebooks.py uses that to report each lesson's headline figures.
"""

import json
import math
import os


class ClaimFailed(AssertionError):
    """A figure the lesson states did not hold on this run."""


def _fmt(x):
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def claim(name, value, *, at_least=None, at_most=None, headline=False):
    """Assert `at_least <= value <= at_most` and print the verdict.

    `headline=True` marks the lesson's main figure for bench/ tables.
    """
    if at_least is None and at_most is None:
        raise ValueError("claim() needs at_least=, at_most= or both.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ClaimFailed(f"{name} should be a number; got {value!r}.") from None
    bounds = []
    if at_least is not None:
        bounds.append(f"≥ {_fmt(at_least)}")
    if at_most is not None:
        bounds.append(f"≤ {_fmt(at_most)}")
    claimed = " and ".join(bounds)
    ok = (
        not math.isnan(number)
        and (at_least is None or number >= at_least)
        and (at_most is None or number <= at_most)
    )
    _record(name, number, at_least, at_most, headline, ok)
    if not ok:
        raise ClaimFailed(
            f"The lesson claims {name} {claimed}, but this run measured {_fmt(number)}. "
            "Re-run the notebook from the top (Kernel > Restart and Run All); if it still "
            "fails, please report it."
        )
    print(f"✓ {name} = {_fmt(number)} (claimed {claimed})")


def _record(name, value, at_least, at_most, headline, ok):
    path = os.environ.get("HELPERS_METRICS_FILE")
    if not path:
        return
    as_float = lambda v: None if v is None else float(v)  # noqa: E731  (NumPy scalars too)
    row = {"name": name, "value": value, "at_least": as_float(at_least),
           "at_most": as_float(at_most), "headline": bool(headline), "ok": bool(ok)}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
