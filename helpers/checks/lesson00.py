"""Checkers for lesson 00 (Set-up and hardware).

Every checker accepts answers computed with NumPy or with `keras.ops` (tensors are read back
with `np.asarray`), Python numbers or 0-d arrays, lists or arrays. Each mixes fixed edge cases
with cases drawn from the kit's `rng`, fresh on every call.
"""

import functools
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

class _Raised:
    """What the learner's `broadcast_shape` did instead of returning: it raised ValueError."""

    def __init__(self, error):
        self.error = error

    def __repr__(self):
        return f"ValueError({str(self.error)!r})"


def _broadcast(a, b):
    """The right result: a tuple, or _Raised when the shapes do not broadcast."""
    try:
        return tuple(int(v) for v in np.broadcast_shapes(tuple(a), tuple(b)))
    except ValueError as error:
        return _Raised(error)


def _aligned(a, b, side, size=max, pad=True):
    """Broadcasting with one rule changed, as a slip would: shapes lined up on `side`
    ('right' is the rule), the result's size on an axis chosen by `size`, the longer
    shape's extra axes kept (`pad`) or dropped. A tuple, or _Raised."""
    a, b = list(a), list(b)
    if pad:
        fill = [1] * abs(len(a) - len(b))
        if side == "right":
            a, b = (fill + a, b) if len(a) < len(b) else (a, fill + b)
        else:
            a, b = (a + fill, b) if len(a) < len(b) else (a, b + fill)
    pairs = list(zip(a[::-1], b[::-1]))[::-1] if side == "right" else list(zip(a, b))
    out = []
    for x, y in pairs:
        if x != y and 1 not in (x, y):
            return _Raised(ValueError("no"))
        out.append(size(x, y))
    return tuple(out)


def _shape_pairs(rng):
    """Fixed pairs (the lesson's four, a scalar's shape, equal shapes, 1 against 1, a clash
    hidden behind a match), then pairs drawn at random: about half broadcast."""
    fixed = [((3, 1), (4,)), ((32, 10), (10,)), ((2, 3, 4), (3, 1)), ((5, 4), (4, 5)),
             ((), (3, 2)), ((4, 1, 7), ()), ((), ()), ((6, 6), (6, 6)), ((1,), (1, 1, 1)),
             ((8, 1, 6, 1), (7, 1, 5)), ((2, 1), (8, 4, 3)), ((3,), (4,)), ((1, 5), (5, 1)),
             ((7, 3, 1), (1, 3, 9)), ((2, 5, 3), (5, 1)), ((4, 2), (2, 4, 2))]
    drawn = []
    for _ in range(24):
        rank = int(rng.integers(1, 6))
        a = [1 if rng.random() < 0.3 else int(rng.integers(2, 10)) for _ in range(rank)]
        # b: a's sizes, some swapped for 1 (or, against a 1, for any size), lined up from
        # the right, sometimes with one clash put in
        b = [1 if rng.random() < 0.4 else (int(rng.integers(2, 10)) if v == 1 else v)
             for v in a][int(rng.integers(0, rank)):]
        if rng.random() < 0.5:
            j = int(rng.integers(0, len(b)))
            other = a[rank - len(b) + j]
            b[j] = int(rng.choice([v for v in range(2, 12) if v != other]))
        if rng.random() < 0.5:
            a, b = b, a
        drawn.append((tuple(a), tuple(b)))
    return fixed + drawn


def _as_shape(value, what):
    """The learner's result as a tuple of ints (a list, a tuple, a TensorShape, an array)."""
    if isinstance(value, _Raised):
        return value
    if value is None:
        raise Reject(f"{what} is None: did you forget a `return`?")
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise Reject(f"{what} should be a tuple of ints, like (3, 4); got "
                     f"{short(value, 30)}.")
    try:
        items = list(value)
        shape = tuple(int(v) for v in items)
    except (TypeError, ValueError):
        raise Reject(f"{what} should be a tuple of ints, like (3, 4); got "
                     f"{short(value, 40)}.") from None
    if any(float(v) != s for v, s in zip(items, shape)):
        raise Reject(f"{what} should be a tuple of ints; got {short(value, 40)}.")
    return shape


def _shape_text(result):
    return "a ValueError" if isinstance(result, _Raised) else str(result)


def _same_result(x, y):
    if isinstance(x, _Raised) or isinstance(y, _Raised):
        return isinstance(x, _Raised) and isinstance(y, _Raised)
    return x == y


def _broadcast_hint(got, cases):
    """The message of the one rule-change that gives the results `got` on every pair of
    `cases` (named only when it explains them all), or ''."""
    def same(xs, ys):
        return all(_same_result(x, y) for x, y in zip(xs, ys))

    def flipped(a, b):
        right = _broadcast(a, b)
        return tuple(reversed(right)) if isinstance(right, tuple) else right

    right = [_broadcast(a, b) for a, b in cases]
    mistakes = [
        ([_aligned(a, b, "left") for a, b in cases],
         " You lined the shapes up from the left; rule 1 lines them up from the right, padding "
         "the shorter one on its left."),
        ([_aligned(a, b, "right", pad=False) for a, b in cases],
         " The longer shape's leading axes are missing from your result: pad the shorter "
         "shape with 1s on the left, don't drop axes."),
        ([_aligned(a, b, "right", size=min) for a, b in cases],
         " Where one size is 1 your result kept the 1; that axis is stretched to the other "
         "size."),
        ([flipped(a, b) for a, b in cases],
         " Your result is in reverse order: did you build it from the last axis and forget to "
         "turn it round?"),
    ]
    return one_mistake(got, [(r, m) for r, m in mistakes if not same(r, right)], same) or ""


@exercise("0.1", forbid=("np.broadcast_shapes", "np.broadcast", "np.broadcast_to",
                         "np.broadcast_arrays", "keras.ops.broadcast_to",
                         "tf.broadcast_static_shape", "tf.broadcast_dynamic_shape"))
def broadcast_shape(answer, rng):
    """Fixed pairs (the lesson's, scalars' (), clashes), then pairs drawn at random."""
    need_callable(answer, "broadcast_shape")

    def guarded(a, b):  # a ValueError is the right answer for shapes that clash
        try:
            return answer(a, b)
        except ValueError as error:
            return _Raised(error)

    cases = _shape_pairs(rng)
    got = [_as_shape(call(guarded, a, b, name="broadcast_shape"), f"broadcast_shape({a}, {b})")
           for a, b in cases]
    for (a, b), result in zip(cases, got):
        what, want = f"broadcast_shape({a}, {b})", _broadcast(a, b)
        if _same_result(result, want):
            continue
        if isinstance(want, _Raised):
            raise Reject(f"{a} and {b} do not broadcast (lined up from the right, an axis has "
                         f"two different sizes, neither of them 1), so {what} should raise "
                         f"ValueError; yours returned {result}."
                         f"{_broadcast_hint(got, cases)}")
        verb = f"raised {result!r}" if isinstance(result, _Raised) else f"gave {result}"
        raise Reject(f"{what} should be {want}; yours {verb}.{_broadcast_hint(got, cases)}")
    clashes = sum(isinstance(_broadcast(a, b), _Raised) for a, b in cases)
    return (f"right on {len(cases)} pairs of shapes, with 0 to 5 axes: {len(cases) - clashes} "
            f"broadcast to the right shape and {clashes} that clash raise ValueError.")


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
        scales = 10 ** rng.uniform(-2, 4, cols)
        x = _columns(rng, rows, scales)
        # No column drawn nearly constant (two rows a hair apart): there a right answer's
        # guard against a zero spread, `std + 1e-8`, would be a visible share of the spread.
        while (x.astype(float).std(axis=0) < 0.1 * scales).any():
            x = _columns(rng, rows, scales)
        cases.append(x)
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


# Exercise 0.4 ------------------------------------------------------------------------------

def _chain_cost(dims):
    """The fewest flops for the chain with these dims (dynamic programming, Python ints)."""
    dims = [int(d) for d in dims]

    @functools.lru_cache(maxsize=None)
    def best(i, j):  # matrices i .. j-1, shapes (dims[i], dims[i+1]) ... (dims[j-1], dims[j])
        if j - i == 1:
            return 0
        return min(best(i, s) + best(s, j) + 2 * dims[i] * dims[s] * dims[j]
                   for s in range(i + 1, j))

    return best(0, len(dims) - 1)


def _in_order(dims, last_first=False):
    """The flops of multiplying left to right (or right to left, `last_first`)."""
    dims = [int(d) for d in dims]
    if last_first:
        dims = dims[::-1]
    return sum(2 * dims[0] * dims[s] * dims[s + 1] for s in range(1, len(dims) - 1))


def _greedy(dims):
    """The flops of always doing the cheapest single product available next."""
    dims, total = [int(d) for d in dims], 0
    while len(dims) > 2:
        s = min(range(1, len(dims) - 1), key=lambda s: dims[s - 1] * dims[s] * dims[s + 1])
        total += 2 * dims[s - 1] * dims[s] * dims[s + 1]
        del dims[s]
    return total


def _worst(dims):
    dims = [int(d) for d in dims]

    @functools.lru_cache(maxsize=None)
    def most(i, j):
        if j - i == 1:
            return 0
        return max(most(i, s) + most(s, j) + 2 * dims[i] * dims[s] * dims[j]
                   for s in range(i + 1, j))

    return most(0, len(dims) - 1)


def _chain_cases(rng):
    """Fixed chains (one matrix, two, the textbook 10·30·5·60, a low-rank layer, chains where
    left-to-right, right-to-left or the cheapest-next-product greedy choice loses, sizes past
    2³¹ flops), then chains of 3 to 12 matrices drawn at random."""
    fixed = [[4, 7], [2, 3, 4], [10, 30, 5, 60], [64, 1000, 10, 1000], [1000, 10, 1000, 64],
             [5, 10, 3, 12, 5, 50, 6], [30, 35, 15, 5, 10, 20, 25], [1, 500, 1, 500, 1],
             [40, 20, 30, 10, 30], [4096, 4096, 4096, 4096], [3, 1, 9, 1, 3],
             [50, 20, 1, 10, 100]]

    def side():
        return int(np.exp(rng.uniform(0, np.log(600))))

    drawn = [[side() for _ in range(int(rng.integers(4, 14)))] for _ in range(10)]
    drawn.append([side() * 100 for _ in range(6)])
    return fixed + drawn


def _chain_hint(got, cases):
    """The message of the one known slip that gives the answers `got` on every chain of
    `cases` (a slip is named only when it explains them all), or ''."""
    want = [_chain_cost(d) for d in cases]
    mistakes = [
        ([w // 2 for w in want], " That counts the multiplications only; each term of a dot "
                                 "product also costs an addition (section 3)."),
        ([_in_order(d) for d in cases], " That is the cost of multiplying from left to right; "
                                        "another order is cheaper for this chain."),
        ([_in_order(d, last_first=True) for d in cases],
         " That is the cost of multiplying from right to left; another order is cheaper for "
         "this chain."),
        ([_greedy(d) for d in cases], " That is the cost of always doing the cheapest single "
                                      "product next; that greedy choice can lose: try every "
                                      "position for the last product."),
        ([_worst(d) for d in cases], " That is the most expensive order, not the cheapest."),
    ]
    return one_mistake(got, [(v, m) for v, m in mistakes if v != want],
                       lambda x, y: x == y) or ""


@exercise("0.4", forbid=("np.linalg.multi_dot", "np.einsum_path", "opt_einsum.contract_path",
                         "np.linalg._linalg._multi_dot_matrix_chain_order"))
def cheapest_chain(answer, rng):
    """Fixed chains (one matrix; orders that lose), then chains drawn at random."""
    need_callable(answer, "cheapest_chain")
    cases = _chain_cases(rng)
    got = []
    for dims in cases:
        what = f"cheapest_chain({dims})"
        value = as_number(call(answer, list(dims), name="cheapest_chain"), what)
        got.append(int(value) if np.isfinite(value) and value == int(value) else value)
    for dims, value in zip(cases, got):
        want = _chain_cost(dims)
        # rtol 1e-7: a float result is fine; every slip is off by far more
        if not np.isfinite(value) or not math.isclose(value, want, rel_tol=1e-7):
            raise Reject(f"cheapest_chain({dims}) should be {want:,}; yours gave "
                         f"{short(value)}.{_chain_hint(got, cases)}")
    return (f"right on {len(cases)} chains of 1 to 13 matrices, including ones where "
            "left-to-right, right-to-left and the greedy order all lose.")
