"""Checkers for lesson 00 (Set-up and hardware).

Every checker accepts answers computed with NumPy or with `keras.ops` (tensors are read back
with `np.asarray`), Python numbers or 0-d arrays, lists or arrays. Each mixes fixed edge cases
with cases drawn from the kit's `rng`, fresh on every call.
"""

import math

import numpy as np

from helpers.checks import (
    Reject,
    as_array,
    as_number,
    call,
    exercise,
    expect_finite,
    expect_shape,
    need_callable,
    one_mistake,
    short,
)

# Exercise 0.1 ------------------------------------------------------------------------------

_FIXED_SHAPES = [(2, 3, 4), (1, 1, 1), (4, 3, 2), (1, 5, 1), (7, 1, 3), (3, 8, 1),
                 (16, 16, 16), (32, 784, 256), (4096, 4096, 4096)]


def _flop_cases(rng):
    """(m, k, n): fixed edge cases (ones, unequal sides, a count past 2³¹), then drawn ones."""
    def side(low, high):
        return int(math.exp(rng.uniform(math.log(low), math.log(high))))

    drawn = [(side(1, 3000), side(1, 3000), side(1, 3000)) for _ in range(8)]
    drawn.append((1, side(2, 5000), side(2, 5000)))                 # one row
    drawn.append((side(10_000, 100_000), side(10_000, 100_000),     # up to 2·10¹⁵ flops
                  side(10_000, 100_000)))
    return _FIXED_SHAPES + drawn


def _flop_hint(got, m, k, n):
    """A sentence naming the slip when `got` is what exactly one known slip gives, or ''."""
    want = 2 * m * k * n
    candidates = [
        (m * k * n, " That counts the multiplications only; the task also counts an "
                    "addition for every term."),
        (m * n * (2 * k - 1), " That is m·n·(2k − 1), the exact count without the first "
                              "addition of each dot product; the task counts one "
                              "multiplication and one addition for every term."),
        (-want, " The sign is flipped: a count is never negative."),
        (2 * m * n, " That counts one multiply-add per output; every one of the m·n outputs "
                    "is a dot product of length k."),
    ]
    if want >= 2**31:
        wrapped = (want + 2**31) % 2**32 - 2**31
        candidates.append((wrapped, f" That is {want:,} wrapped around at 2³¹: a 32-bit "
                                    "integer overflowed. Compute with Python integers (or "
                                    "64-bit ones)."))
    candidates = [(v, text) for v, text in candidates if v != want]
    found = one_mistake(got, candidates, lambda a, b: a == b)
    return found or ""


@exercise("0.1")
def matmul_flops(answer, rng):
    """Fixed shapes (ones, unequal sides, 4096³), then shapes drawn up to 10⁵ a side."""
    need_callable(answer, "matmul_flops")
    cases = _flop_cases(rng)
    for m, k, n in cases:
        what = f"matmul_flops({m}, {k}, {n})"
        got = as_number(call(answer, m, k, n, name="matmul_flops"), what)
        want = 2 * m * k * n
        # rtol 1e-7: a float32 result is fine; every slip above is off by more than 1e-5
        if not np.isfinite(got) or not math.isclose(got, want, rel_tol=1e-7):
            raise Reject(f"{what} should be {want:,}; yours gave {short(got)}."
                         f"{_flop_hint(got, m, k, n)}")
    return (f"right for {len(cases)} shapes, from (1, 1) @ (1, 1) to past 10¹⁵ flops, "
            "including shapes drawn at random.")


# Exercise 0.2 ------------------------------------------------------------------------------

def _columns(rng, rows, scales, shift_ratio=10.0):
    """A float32 (rows, len(scales)) matrix: column j has spread scales[j] and a mean up to
    `shift_ratio` spreads from 0 (float32 keeps a right answer well inside the tolerance)."""
    scales = np.asarray(scales, dtype=float)
    shift = rng.uniform(-shift_ratio, shift_ratio, scales.size) * scales
    return (rng.standard_normal((rows, scales.size)) * scales + shift).astype("float32")


def _standardize_cases(rng):
    """Fixed matrices (a batch of two rows, one column, huge and tiny columns), then drawn."""
    fixed = np.random.default_rng(2)  # the edge cases are the same on every call
    cases = []
    for rows, cols in [(200, 3), (5, 1), (2, 4), (50, 7), (9, 2)]:
        cases.append(_columns(fixed, rows, fixed.uniform(0.5, 8.0, cols)))
    cases.append(_columns(fixed, 30, [1e4, 1e-2, 1.0, 3e3]))       # huge and tiny columns
    for _ in range(5):
        rows, cols = int(rng.integers(2, 120)), int(rng.integers(1, 9))
        cases.append(_columns(rng, rows, 10 ** rng.uniform(-2, 4, cols)))
    return cases


def _standardized(x, axis=0, ddof=0):
    x = np.asarray(x, dtype=float)
    return (x - x.mean(axis=axis, keepdims=True)) / x.std(axis=axis, ddof=ddof, keepdims=True)


def _standardize_hint(got, x):
    """Name the slip when `got` matches exactly one known wrong variant, else describe the
    columns (what is true of every wrong answer)."""
    def close(a, b):
        return a.shape == b.shape and np.allclose(a, b, rtol=1e-4, atol=1e-4)

    x64 = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        candidates = [
            (_standardized(x, ddof=1),
             "you divided by the sample standard deviation (ddof=1, divisor n − 1); the task "
             "asks for the population one (divisor n), as `ops.std` and `np.std` compute by "
             "default."),
            (_standardized(x, axis=1),
             "you standardised each row; the task standardises each column (reduce over "
             "axis 0, the rows)."),
            (-_standardized(x), "the sign is flipped: your values are the negatives of the "
                                "right ones."),
            (x64 - x64.mean(axis=0), "you subtracted the column means but did not divide by "
                                     "the column standard deviations."),
            (x64 / x64.std(axis=0), "you divided by the column standard deviations but did "
                                    "not subtract the column means."),
            ((x64 - x64.mean()) / x64.std(),
             "you used one mean and one standard deviation for the whole matrix; every "
             "column needs its own."),
            ((x64 - x64.mean(axis=0)) / x64.var(axis=0),
             "you divided by the column variances, not the standard deviations."),
        ]
    found = one_mistake(got, candidates, close)
    if found:
        return found
    means, stds = got.mean(axis=0), got.std(axis=0)
    return (f"its columns should have mean 0 and standard deviation 1; yours have means "
            f"{short(means, 50)} and standard deviations {short(stds, 50)}.")


@exercise("0.2", forbid=("sklearn.preprocessing.StandardScaler",
                         "sklearn.preprocessing.scale", "scipy.stats.zscore",
                         "keras.layers.Normalization"))
def standardize(answer, rng):
    """Fixed matrices from (2, 4) to (200, 3), huge and tiny columns, and drawn ones."""
    need_callable(answer, "standardize")
    cases = _standardize_cases(rng)
    for x in cases:
        what = f"standardize(x) for x of shape {x.shape}, x = {short(x, 50)}"
        got = as_array(call(answer, x, name="standardize"), what)
        expect_shape(got, x.shape, what)
        expect_finite(got, what)
        if not np.allclose(got, _standardized(x), rtol=1e-4, atol=1e-4):
            raise Reject(f"{what}: {_standardize_hint(got, x)}")
    return (f"right on {len(cases)} matrices, from (2, d) to (200, 3), with columns from "
            "0.01 to 10,000 in scale: every column has mean 0 and standard deviation 1.")


# Exercise 0.3 ------------------------------------------------------------------------------

def _points(rng, rows, d, scale=2.0):
    return (rng.standard_normal((rows, d)) * scale).astype("float32")


def _distance_cases(rng):
    """(a, b) float32 pairs: n != m, n = m, one point, d from 1 to 16, shared points, tiny and
    huge coordinates; then pairs drawn at random."""
    fixed = np.random.default_rng(3)  # the edge cases are the same on every call
    cases = [(_points(fixed, n, d), _points(fixed, m, d))
             for n, m, d in [(4, 6, 3), (1, 5, 2), (7, 3, 1), (30, 20, 16), (6, 9, 5),
                             (5, 5, 4), (8, 1, 3)]]
    a, b = cases[4]
    b[:3] = a[2:5]  # some pairs are the same point: their distance is exactly 0
    cases.append((_points(fixed, 5, 3, 1e-3), _points(fixed, 4, 3, 1e-3)))   # tiny
    cases.append((_points(fixed, 3, 6, 1e3), _points(fixed, 7, 6, 1e3)))     # huge
    for _ in range(4):
        n, m = int(rng.integers(2, 40)), int(rng.integers(2, 40))
        scale = 2 * 10 ** rng.uniform(-2, 2)
        d = int(rng.integers(1, 17))
        a, b = _points(rng, n, d, scale), _points(rng, m, d, scale)
        shared = int(rng.integers(0, min(n, m)))
        b[:shared] = a[rng.permutation(n)[:shared]]
        cases.append((a, b))
    return cases


def _squared_distances(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)


def _distance_hint(got, want, a, b, close):
    """Name the slip when `got` matches exactly one known wrong variant, else point at one
    entry."""
    found = one_mistake(got, [
        (np.sqrt(want), "these are distances; the task asks for squared distances."),
        (-want, "the sign is flipped: a squared distance is never negative."),
        (want.T, "your matrix is the transpose of the right one: row i should belong to "
                 "row i of a, column j to row j of b. Did you swap a and b?"),
        (want / a.shape[1], "you averaged over the d coordinates; the task sums them."),
    ], close)
    if found:
        return found
    bad = ~np.isclose(got, want, rtol=1e-4, atol=1e-4 * float(want.max()))
    i, j = (int(v) for v in np.argwhere(bad)[0])
    return (f"entry [{i}, {j}], for a[{i}] = {short(a[i], 40)} and b[{j}] = "
            f"{short(b[j], 40)}, should be {want[i, j]:.6g}; yours gave {got[i, j]:.6g} "
            f"({int(bad.sum())} of {bad.size} entries differ).")


@exercise("0.3", forbid=("scipy.spatial.distance.cdist",
                         "sklearn.metrics.pairwise.euclidean_distances",
                         "sklearn.metrics.pairwise_distances",
                         "scipy.spatial.distance_matrix"))
def squared_distances(answer, rng):
    """Fixed pairs (one point, d = 1, square, shared points, tiny and huge), then drawn."""
    need_callable(answer, "squared_distances")
    cases = _distance_cases(rng)
    for a, b in cases:
        n, m = len(a), len(b)
        what = f"squared_distances(a, b) for a of shape {a.shape} and b of shape {b.shape}"
        got = as_array(call(answer, a, b, name="squared_distances"), what)
        want = _squared_distances(a, b)
        if got.shape == (m, n) and n != m:
            swapped = np.allclose(got, want.T, rtol=1e-4, atol=1e-4 * float(want.max()))
            raise Reject(f"{what} should have shape ({n}, {m}), one row per row of a; yours "
                         f"has shape ({m}, {n})" + (": did you swap a and b?" if swapped
                                                    else "."))
        expect_shape(got, (n, m), what)
        expect_finite(got, what)
        # float32 and the expansion |a|² + |b|² − 2 a·b both leave small errors, relative to
        # the largest distance (the matrix's scale)
        tol = 1e-4 * float(want.max())

        def close(x, y, tol=tol):
            return x.shape == y.shape and np.allclose(x, y, rtol=1e-4, atol=tol)

        if not close(got, want):
            raise Reject(f"{what}: {_distance_hint(got, want, a, b, close)}")
    return (f"right on {len(cases)} pairs of point sets, d from 1 to 16, one point, tiny and "
            "huge coordinates, and points that a and b share (distance 0).")
