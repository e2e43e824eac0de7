"""Checkers for lesson 00 (Set-up and hardware).

Every checker accepts answers computed with NumPy or with `keras.ops` (tensors are read back
with `np.asarray`), Python numbers or 0-d arrays, lists or arrays.
"""

import numpy as np

from helpers.checks import (Reject, as_array, as_number, call, exercise, expect_finite,
                            expect_shape, need_callable, short)


# Exercise 0.1 ------------------------------------------------------------------------------

def _flop_cases():
    """(m, k, n) triples: edge cases with ones, unequal sides, big ones, seeded random ones."""
    fixed = [(2, 3, 4), (1, 1, 1), (4, 3, 2), (1, 5, 1), (7, 1, 3), (3, 8, 1), (16, 16, 16),
             (32, 784, 256), (4096, 4096, 4096)]
    rng = np.random.default_rng(0)
    drawn = [tuple(int(v) for v in rng.integers(1, 300, size=3)) for _ in range(11)]
    return fixed + drawn


def _flop_hint(got, m, k, n):
    """A sentence naming the likely slip, or ''."""
    if np.isclose(got, m * k * n):
        return (" That counts the multiplications only: each of the k terms of a dot product "
                "is a multiplication and an addition, so count 2 flops per term.")
    if np.isclose(got, m * n * (2 * k - 1)):
        return (" That is m·n·(2k − 1), the exact count without the first addition; this "
                "course counts 2·m·k·n (one multiply-add per term is 2 flops).")
    if np.isclose(got, -2 * m * k * n):
        return " The sign is flipped: a count is never negative."
    if np.isclose(got, 2 * m * n) or np.isclose(got, 2 * (m * k + k * n)):
        return " Every one of the m·n outputs is a dot product of length k."
    return ""


@exercise("0.1")
def matmul_flops(answer):
    need_callable(answer, "matmul_flops")
    cases = _flop_cases()
    for m, k, n in cases:
        what = f"matmul_flops({m}, {k}, {n})"
        got = as_number(call(answer, m, k, n, name="matmul_flops"), what)
        want = 2 * m * k * n
        if not np.isfinite(got) or not np.isclose(got, want, rtol=1e-9, atol=0):
            raise Reject(f"{what} should be {want:,}; yours gave {short(got)}."
                         f"{_flop_hint(got, m, k, n)}")
    return (f"right for {len(cases)} shapes, from (1, 1) @ (1, 1) to "
            "(4096, 4096) @ (4096, 4096).")


# Exercise 0.2 ------------------------------------------------------------------------------

def _standardize_cases():
    """Float32 matrices whose columns have different means and scales (none constant)."""
    rng = np.random.default_rng(2)
    cases = []
    for rows, cols in [(200, 3), (5, 1), (2, 4), (50, 7), (9, 2)]:
        scale = rng.uniform(0.5, 8.0, cols)
        shift = rng.uniform(-10.0, 10.0, cols)
        cases.append((rng.standard_normal((rows, cols)) * scale + shift).astype("float32"))
    return cases


def _standardized(x, axis=0, ddof=0):
    x = np.asarray(x, dtype=float)
    return (x - x.mean(axis=axis, keepdims=True)) / x.std(axis=axis, ddof=ddof, keepdims=True)


def _standardize_hint(got, x):
    """Name the slip when `got` matches a known wrong variant, else describe the columns."""
    def close(other):
        return other.shape == got.shape and np.allclose(got, other, rtol=1e-4, atol=1e-4)

    x64 = np.asarray(x, dtype=float)
    if x.shape[0] > 1 and close(_standardized(x, ddof=1)):
        return ("you divided by the sample standard deviation (ddof=1, divisor n − 1); use the "
                "population one (divisor n), as `ops.std` and `np.std` compute by default.")
    if x.shape[1] > 1 and close(_standardized(x, axis=1)):
        return ("you standardised each row; standardise each column instead (reduce over "
                "axis 0, the rows).")
    if close(-_standardized(x)):
        return "the sign is flipped: subtract the mean from x, not x from the mean."
    if close(x64 - x64.mean(axis=0)):
        return "you subtracted the column means but did not divide by the column standard deviations."
    if close(x64 / x64.std(axis=0)):
        return "you divided by the column standard deviations but did not subtract the column means."
    means, stds = got.mean(axis=0), got.std(axis=0)
    return (f"its columns should have mean 0 and standard deviation 1; yours have means "
            f"{short(means, 50)} and standard deviations {short(stds, 50)}.")


@exercise("0.2")
def standardize(answer):
    need_callable(answer, "standardize")
    cases = _standardize_cases()
    for x in cases:
        what = f"standardize(x) for x of shape {x.shape}"
        got = as_array(call(answer, x.copy(), name="standardize"), what)
        expect_shape(got, x.shape, what)
        expect_finite(got, what)
        if not np.allclose(got, _standardized(x), rtol=1e-4, atol=1e-4):
            raise Reject(f"{what}: {_standardize_hint(got, x)}")
    return (f"right on {len(cases)} matrices, from (2, 4) to (200, 3): every column has mean 0 "
            "and standard deviation 1.")


# Exercise 0.3 ------------------------------------------------------------------------------

def _distance_cases():
    """(a, b) float32 pairs with n != m, d from 1 to 16, and rows shared by a and b."""
    rng = np.random.default_rng(3)
    cases = []
    for n, m, d in [(4, 6, 3), (1, 5, 2), (7, 3, 1), (30, 20, 16), (6, 9, 5)]:
        a = (rng.standard_normal((n, d)) * 2).astype("float32")
        b = (rng.standard_normal((m, d)) * 2).astype("float32")
        cases.append((a, b))
    a, b = cases[-1]
    b[:3] = a[2:5]  # some pairs are the same point: their distance is exactly 0
    return cases


def _squared_distances(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)


def _distance_hint(got, want):
    """Name the slip when `got` matches a known wrong variant, else point at one entry."""
    tol = 1e-4 * max(1.0, float(want.max()))
    if np.allclose(got, np.sqrt(want), rtol=1e-4, atol=tol):
        return "these are distances; the task asks for squared distances (no square root)."
    if np.allclose(got, -want, rtol=1e-4, atol=tol):
        return "the sign is flipped: a squared distance is never negative."
    i, j = (int(v) for v in np.argwhere(~np.isclose(got, want, rtol=1e-4, atol=tol))[0])
    return (f"entry [{i}, {j}] (row {i} of a and row {j} of b) should be "
            f"{want[i, j]:.6g}; yours gave {got[i, j]:.6g}.")


@exercise("0.3")
def squared_distances(answer):
    need_callable(answer, "squared_distances")
    cases = _distance_cases()
    for a, b in cases:
        n, m = len(a), len(b)
        what = f"squared_distances(a, b) for a of shape {a.shape} and b of shape {b.shape}"
        got = as_array(call(answer, a.copy(), b.copy(), name="squared_distances"), what)
        if got.shape == (m, n) and n != m:
            raise Reject(f"{what} should have shape ({n}, {m}), one row per row of a; yours has "
                         f"shape ({m}, {n}): did you swap a and b?")
        expect_shape(got, (n, m), what)
        expect_finite(got, what)
        want = _squared_distances(a, b)
        # float32 and the expansion |a|² + |b|² − 2 a·b both leave small absolute errors
        if not np.allclose(got, want, rtol=1e-4, atol=1e-4 * max(1.0, float(want.max()))):
            raise Reject(f"{what}: {_distance_hint(got, want)}")
    return (f"right on {len(cases)} pairs of point sets, d from 1 to 16, including points that "
            "a and b share (distance 0).")
