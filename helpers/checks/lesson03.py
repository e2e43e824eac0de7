"""Checkers for lesson 03 (Backpropagation).

Every checker compares the learner's gradient with an exact reference, on fixed edge cases
(a batch of one, square and non-square shapes, logits near ±1000, a step h other than the
default) and on cases drawn fresh from `rng`; it reports the relative error against centred
finite differences (the gradient check of the lesson). A known mistake is named only when the
answer's output equals what that mistake produces; otherwise the message says what the right
result was and what the answer gave, on which input.
"""

import numpy as np

from helpers.checks import (
    Reject,
    as_array,
    call,
    diagnose,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    need_callable,
    short,
)

# Loose enough for an answer computed in float32 (off by ~1e-7 in absolute terms where
# results cancel, as in 1 − σ(z) or p − 1), far tighter than any mistake.
RTOL, ATOL = 1e-5, 1e-6
BIG_RTOL, BIG_ATOL = 1e-4, 1e-4  # logits near ±1000: a float32 answer loses ~1e-4 there

# The lesson writes its backward passes by hand; automatic differentiation would do it all.
BY_HAND = ("tf.GradientTape",)


# References (float64) ------------------------------------------------------------------------

def _sigmoid(z):
    """σ(z) without overflow warnings for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def _mean_cross_entropy(logits, y):
    """Mean softmax cross-entropy of logits (n, k) against integer labels y (n,)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(len(y)), y])


def _centred(f, x, h=1e-6):
    """Centred finite differences of a scalar function f at x (any shape); x is left as is."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def _one_sided(f, x, h, direction=1):
    """(f(x + h e_i) − f(x)) / h (direction 1) or (f(x) − f(x − h e_i)) / h (direction −1)."""
    x = np.array(x, dtype=float)
    here = f(x)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + direction * h
        grad[i] = direction * (f(x) - here) / h
        x[i] = old
    return grad


def _relative_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def _matches(actual, variant, rtol=RTOL, atol=ATOL):
    """True if `actual` equals `variant` (same shape; NaN and infinity in the same places)."""
    actual, variant = np.asarray(actual, dtype=float), np.asarray(variant, dtype=float)
    if actual.shape != variant.shape:
        return False
    finite = np.isfinite(variant)
    if not np.array_equal(np.isnan(actual), np.isnan(variant)) or \
            not np.array_equal(actual[np.isinf(variant)], variant[np.isinf(variant)]) or \
            not np.array_equal(np.isfinite(actual), finite):
        return False
    return bool(np.allclose(actual[finite], variant[finite], rtol=rtol, atol=atol))


def _diagnose(actual, right, mistakes, rtol=RTOL, atol=ATOL):
    """`diagnose` (the kit's) with this lesson's comparison."""
    diagnose(actual, right, mistakes, lambda a, b: _matches(a, b, rtol, atol))


# 3.1 -----------------------------------------------------------------------------------------

def _sigmoid_cases(rng):
    """(z, upstream): fixed edge cases first, then cases drawn from `rng` (drawn only once
    the fixed ones passed, so a failure on a fixed case carries no seed)."""
    fixed = np.random.default_rng(31)  # edge cases: always the same
    yield np.array([-40.0, -3, 0, 3, 40]), np.array([2.0, -1.0, 3.0, 0.5, -2.0])
    yield np.array([0.7]), np.array([-1.3])                           # a batch of one
    yield fixed.normal(0, 2, (4, 3)), fixed.normal(0, 1, (4, 3))       # non-square
    yield fixed.normal(0, 2, (2, 3)), np.zeros((2, 3))                 # nothing from above
    yield fixed.normal(0, 2, (2, 3, 4)), fixed.normal(0, 1, (2, 3, 4))
    for _ in range(3):
        shape = tuple(int(s) for s in rng.integers(1, 7, size=rng.integers(1, 4)))
        yield rng.normal(0, 3, shape), rng.normal(0, 1, shape)


@exercise("3.1", forbid=BY_HAND)
def sigmoid_backward(answer, rng):
    need_callable(answer, "sigmoid_backward")
    worst = 0.0
    for z, upstream in _sigmoid_cases(rng):
        given = f"z = {short(z, 60)} (shape {z.shape}), upstream = {short(upstream, 50)}"
        out = as_array(call(answer, z, upstream, name="sigmoid_backward"),
                       f"sigmoid_backward for {given}")
        expect_shape(out, z.shape, f"the result for {given}")
        expect_finite(out, f"sigmoid_backward for {given}")
        s = _sigmoid(z)
        right = upstream * s * (1 - s)
        _diagnose(out, right, [
            (-right, f"For {given} your gradient is the right one with the sign flipped: σ'(z) "
                     "is never negative, so each entry has the sign of `upstream`."),
            (s * (1 - s), f"For {given} your result ignores `upstream`: it is σ's local "
                          "derivative alone. The chain rule passes on the gradient from above "
                          "times the local derivative."),
            (upstream * z * (1 - z), f"For {given} your result is upstream·z(1 − z): the "
                                     "local derivative is written in σ(z), not in z."),
            (upstream * s, f"For {given} your result is upstream·σ(z), which is not σ's "
                           "derivative."),
        ])
        expect_close(out, right, "sigmoid_backward(z, upstream)", rtol=RTOL, atol=ATOL,
                     given=given)
        numeric = _centred(lambda v, upstream=upstream: float(np.sum(upstream * _sigmoid(v))), z)
        worst = max(worst, _relative_error(out, numeric))
    return (f"right on 8 inputs of 1 to 3 dimensions, including |z| = 40, a batch of one and a "
            f"zero upstream; relative error against centred finite differences {worst:.0e}.")


# 3.2 -----------------------------------------------------------------------------------------

def _three(out, what):
    """The learner's (dx, dw, db) as three float arrays."""
    if out is None:
        raise Reject(f"{what} returned None: return the tuple (dx, dw, db).")
    if isinstance(out, (tuple, list)) and len(out) != 3:
        raise Reject(f"{what} should return three arrays (dx, dw, db); yours returned "
                     f"{len(out)}.")
    if not isinstance(out, (tuple, list)):
        raise Reject(f"{what} should return the tuple (dx, dw, db); got "
                     f"{type(out).__name__} {short(out, 40)}.")
    return [as_array(part, f"{name} from {what}") for part, name in zip(out, ("dx", "dw", "db"))]


def _dense_shapes(rng):
    """(n, d, k, where to draw the arrays from): fixed shapes (n = 1, a square w, all
    square), then shapes drawn from `rng`."""
    fixed = np.random.default_rng(32)  # edge cases: always the same
    for n, d, k in [(5, 4, 3), (6, 3, 3), (1, 2, 4), (3, 3, 3)]:
        yield n, d, k, fixed
    for _ in range(3):
        yield (*(int(v) for v in rng.integers(1, 8, 3)), rng)


@exercise("3.2", forbid=BY_HAND)
def dense_backward(answer, rng):
    need_callable(answer, "dense_backward")
    worst = 0.0
    for n, d, k, source in _dense_shapes(rng):
        x, w = source.normal(size=(n, d)), source.normal(size=(d, k))
        b, upstream = source.normal(size=k), source.normal(size=(n, k))
        given = (f"x {x.shape} = {short(x, 40)}, w {w.shape} = {short(w, 40)}, upstream "
                 f"{upstream.shape} = {short(upstream, 40)}")
        what = f"dense_backward(x {x.shape}, w {w.shape}, upstream {upstream.shape})"
        dx, dw, db = _three(call(answer, x, w, upstream, name="dense_backward"), what)
        right = {"dx": upstream @ w.T, "dw": x.T @ upstream, "db": upstream.sum(axis=0)}

        if dw.shape == (k, d) and d != k:
            raise Reject(f"For {given}, dw has shape {dw.shape}, the shape of w transposed; "
                         f"it should have the shape of w, {(d, k)}.")
        if db.shape in ((n,), (n, 1)) and n != k:
            raise Reject(f"For {given}, db has shape {db.shape}: one entry per example of the "
                         f"batch. b has one entry per unit of the layer, shape {(k,)}.")
        if db.shape == (1, k):
            raise Reject(f"For {given}, db has shape {db.shape}; b, and so db, has shape "
                         f"{(k,)}.")
        for name, mine in (("dx", dx), ("dw", dw), ("db", db)):
            expect_shape(mine, right[name].shape, f"{name} for {given} (the shape of "
                         f"{'x' if name == 'dx' else name[1]})")
            expect_finite(mine, f"{name} for {given}")
        dw_mistakes = [(-right["dw"], f"For {given}, dw is the right one with the sign "
                                      "flipped."),
                       (right["dw"] / n, f"For {given}, dw is divided by n = {n}: if the loss "
                                         "is a mean, its 1/n is already inside `upstream`.")]
        dx_mistakes = [(-right["dx"], f"For {given}, dx is the right one with the sign "
                                      "flipped.")]
        db_mistakes = [(-right["db"], f"For {given}, db is the right one with the sign "
                                      "flipped."),
                       (right["db"] / n, f"For {given}, db is the mean over the batch; the "
                                         "bias was added to every example, so its gradient "
                                         "is their sum.")]
        if d == k:
            dw_mistakes.append((upstream.T @ x, f"For {given}, dw is the transpose of the "
                                                "right one (w is square here, so the shape "
                                                "did not give it away)."))
            dx_mistakes.append((upstream @ w, f"For {given}, dx is upstream @ w: w needs a "
                                              "transpose there (w is square here, so the "
                                              "shape did not give it away)."))
        if n == k:
            db_mistakes.append((upstream.sum(axis=1), f"For {given}, db sums upstream over the "
                                                      "units of each example instead of over "
                                                      "the examples (n = k here, so the "
                                                      "shape did not give it away)."))
        _diagnose(dw, right["dw"], dw_mistakes)
        _diagnose(dx, right["dx"], dx_mistakes)
        _diagnose(db, right["db"], db_mistakes)
        for name, mine in (("dx", dx), ("dw", dw), ("db", db)):
            expect_close(mine, right[name], f"{name}", rtol=RTOL, atol=ATOL, given=given)

        # The gradient check: L = sum(upstream * (x @ w + b)) has exactly these gradients.
        def loss_of(xx, ww, bb, upstream=upstream):
            return float(np.sum(upstream * (xx @ ww + bb)))
        numeric = [_centred(lambda v, w=w, b=b: loss_of(v, w, b), x),
                   _centred(lambda v, x=x, b=b: loss_of(x, v, b), w),
                   _centred(lambda v, x=x, w=w: loss_of(x, w, v), b)]
        worst = max([worst] + [_relative_error(a, nu) for a, nu in zip((dx, dw, db), numeric)])
    return (f"dx, dw and db right for 7 shapes, including n = 1 and square ones; relative "
            f"error against centred finite differences {worst:.0e}.")


# 3.3 -----------------------------------------------------------------------------------------

def _softmax_grad_cases(rng):
    """(logits, y, large?) : fixed edge cases, then cases drawn from `rng`."""
    fixed = np.random.default_rng(33)
    near_1000 = fixed.normal(0, 2, (3, 4)) + np.array([[1000.0], [-1000.0], [500.0]])
    yield (np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 3.0], [-1.0, 1.0, 0.0]]),
           np.array([0, 1, 1, 2]), False)
    yield (np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 1.0], [3.0, 2.0, 1.0]]),
           np.array([2, 0, 2]), True)                                 # a gap of 1,000 in a row
    yield near_1000, np.array([0, 3, 1]), True                        # rows near ±1000
    yield np.array([[0.5, -0.5]]), np.array([1]), False               # a batch of one
    yield np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]]), np.array([3, 0]), False  # ties
    for _ in range(3):
        n, k = int(rng.integers(1, 9)), int(rng.integers(2, 8))
        yield rng.normal(0, 3, (n, k)), rng.integers(0, k, n), False
    n, k = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    large = rng.normal(0, 3, (n, k)) + rng.uniform(-1200, 1200, (n, 1))
    large[np.arange(n), rng.integers(0, k, n)] += rng.choice([-1, 1], n) * rng.uniform(500, 1000, n)
    yield large, rng.integers(0, k, n), True


def _naive_softmax(logits, shift):
    with np.errstate(all="ignore"):
        e = np.exp(logits - shift)
        return e / e.sum(axis=1, keepdims=True)


_NOT_BY_MAX = ("exactly what softmax gives when each row is shifted by something other than "
               "its maximum (its mean, or its minimum): a shifted logit can still be above "
               "about 709, where exp overflows. Shifted by the row's maximum, every logit is "
               "at most 0.")


def _first_bad_row(out):
    return int(np.argwhere(~np.isfinite(out))[0][0])


@exercise("3.3", forbid=BY_HAND)
def softmax_cross_entropy_grad(answer, rng):
    need_callable(answer, "softmax_cross_entropy_grad")
    worst = 0.0
    for logits, y, large in _softmax_grad_cases(rng):
        n, k = logits.shape
        given = f"logits {logits.shape} = {short(logits, 60)}, y = {short(y, 30)}"
        out = call(answer, logits, y, name="softmax_cross_entropy_grad")
        out = as_array(out, f"softmax_cross_entropy_grad for {given}")
        expect_shape(out, (n, k), f"the gradient for {given} (the shape of logits)")
        onehot = np.eye(k)[y]
        right = (_softmax(logits) - onehot) / n
        if not np.all(np.isfinite(out)):
            row = _first_bad_row(out)
            bad = f"For {given}, your gradient contains {short(out[row], 40)} in row {row}"
            unstable = [
                (0.0, "exactly what softmax gives when exp is taken of the raw logits: exp "
                      "overflows float64 above about 709 (exp(1000) is inf, inf/inf is NaN) and "
                      "underflows to 0 below about −745. Subtract each row's maximum from the "
                      "logits before np.exp: softmax does not change, and exp stays in range."),
                (logits.max(), "exactly what softmax gives when the whole batch is shifted by "
                               "one maximum: a row far below it has exp = 0 in every entry, "
                               "and 0/0 is NaN. Shift each row by its own maximum."),
                (logits.mean(axis=1, keepdims=True), _NOT_BY_MAX),
                (logits.min(axis=1, keepdims=True), _NOT_BY_MAX)]
            _diagnose(out, right, [((_naive_softmax(logits, shift) - onehot) / n,
                                    f"{bad}, {message}") for shift, message in unstable],
                      BIG_RTOL, BIG_ATOL)
            raise Reject(f"{bad}; the right gradient there is {short(right[row], 60)}, finite "
                         "everywhere.")
        mistakes = [(-right, f"For {given} your gradient is the right one with the sign "
                             "flipped.")]
        if n > 1:
            mistakes += [(right * n, f"For {given} your gradient is n = {n} times too large: "
                                     "the loss is the mean over the batch, not the sum."),
                         (right * n / (n - 1), f"For {given} your gradient is divided by "
                                               f"n − 1 = {n - 1}; the batch has n = {n} "
                                               "examples.")]
        mistakes += [(_softmax(logits) / n, f"For {given} your gradient is softmax / n: the "
                                            "label of each row has no part in it.")]
        rtol, atol = (BIG_RTOL, BIG_ATOL) if large else (RTOL, ATOL)
        _diagnose(out, right, mistakes, rtol, atol)
        expect_close(out, right, "the gradient", rtol=rtol, atol=atol, given=given)
        if not large:
            numeric = _centred(lambda v, y=y: _mean_cross_entropy(v, y), logits)
            worst = max(worst, _relative_error(out, numeric))
    return (f"right for 9 batches, including n = 1, ties, logits near ±1000 and a gap of 1,000 "
            f"inside a row; relative error against centred finite differences {worst:.0e}.")


# 3.4 -----------------------------------------------------------------------------------------

def _test_function(kind, shape, source):
    """(description, f) of a smooth scalar function of arrays of `shape`; its third
    derivative is far from 0, so a step h shows in the centred difference."""
    size = int(np.prod(shape))

    def shaped(v):
        v = np.asarray(v, dtype=float)
        if v.shape != tuple(shape):
            raise ValueError(f"f takes an array of x's shape {tuple(shape)}; it was given "
                             f"shape {v.shape}")
        return v

    if kind == "separable":
        c, d = source.uniform(-0.5, 0.5, shape), source.uniform(0.5, 2.0, shape)

        def f(v):
            v = shaped(v)
            return float(np.sum(c * np.sin(v) + d * v ** 2 / 2 + v ** 3 / 6))
        return "f(x) = sum(c·sin x + d·x²/2 + x³/6)", f
    if kind == "logsumexp":
        def f(v):
            v = shaped(v)
            return float(np.log(np.sum(np.exp(v))) + np.sum(v ** 3) / 6)
        return "f(x) = log(sum(exp x)) + sum(x³)/6", f
    a = source.normal(size=(size, size))

    def f(v):
        v = shaped(v)
        return float(np.sum((a @ v.ravel()) ** 2) / 2 + np.sum(v ** 3) / 6)
    return "f(x) = |A·x|²/2 + sum(x³)/6 (entries coupled)", f


def _gradient_cases(rng):
    """(x, h or None for the default, f's kind, source of f's coefficients)."""
    fixed = np.random.default_rng(34)
    yield fixed.normal(size=(3, 4)), None, "separable", fixed        # the default h
    yield fixed.normal(size=5), 0.1, "separable", fixed              # a large h
    yield fixed.normal(size=(3, 4)), 1e-3, "coupled", fixed
    yield np.array([0.3]), 0.05, "separable", fixed                  # a single entry
    yield fixed.normal(size=(2, 2, 3)), 0.02, "logsumexp", fixed     # 3-D
    for kind in rng.permutation(["separable", "logsumexp", "coupled"]):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=rng.integers(1, 4)))
        yield rng.normal(size=shape), float(10 ** rng.uniform(-2, -0.7)), str(kind), rng


def _call_keeping_x(answer, f, x, h):
    """The learner's result; an x changed in place is rejected (by `call`), and one changed
    only in its last digits is told why."""
    before = x.copy()
    args = (f, x) if h is None else (f, x, h)
    try:
        return call(answer, *args, name="numerical_gradient")
    except Reject:
        if x.shape == before.shape and not np.array_equal(x, before) and \
                np.allclose(x, before, rtol=1e-12, atol=0):
            i = tuple(int(k) for k in np.argwhere(x != before)[0])
            raise Reject(f"numerical_gradient changed its input `x` in place: entry {list(i)} "
                         f"was {before[i]!r}, is now {x[i]!r}. Adding h and then subtracting "
                         "it does not always give back the same float; keep the old value "
                         "and put it back, or work on a copy.") from None
        raise


@exercise("3.4")
def numerical_gradient(answer, rng):
    need_callable(answer, "numerical_gradient")
    for x, h, kind, source in _gradient_cases(rng):
        description, f = _test_function(kind, x.shape, source)
        step = 1e-5 if h is None else h
        given = (f"{description}, x of shape {x.shape} = {short(x, 50)}, "
                 + ("h left at its default 1e-5" if h is None else f"h = {h:.6g}"))
        out = as_array(_call_keeping_x(answer, f, x, h), f"numerical_gradient for {given}")
        expect_shape(out, x.shape, f"the gradient for {given}")
        expect_finite(out, f"numerical_gradient for {given}")
        right = _centred(f, x, step)
        mistakes = [(-right, f"For {given} your gradient is the right one with the sign "
                             "flipped."),
                    (2 * right, f"For {given} your gradient is twice the centred difference: "
                                "the two points f is evaluated at are 2h apart."),
                    (right / 2, f"For {given} your gradient is half the centred difference: "
                                "the two points f is evaluated at are 2h apart, not 4h."),
                    (_one_sided(f, x, step, 1), f"For {given} you used the one-sided "
                                                "difference (f(x + h) − f(x)) / h; the "
                                                "exercise asks for the centred one."),
                    (_one_sided(f, x, step, -1), f"For {given} you used the one-sided "
                                                 "difference (f(x) − f(x − h)) / h; the "
                                                 "exercise asks for the centred one.")]
        _diagnose(out, right, mistakes, rtol=1e-7, atol=1e-9)
        if h is not None and not _matches(out, right, 1e-6, 1e-8):
            # An answer that ignores h: its result is the centred difference of a fixed,
            # much smaller step. Name the step that reproduces it best.
            steps = [small for small in (1e-3, 1e-4, 1e-5, 1e-6, 1e-7) if small < h / 3]
            tiny = {small: _centred(f, x, small) for small in steps}
            fits = [small for small in steps if not _matches(tiny[small], right, 1e-6, 1e-8)
                    and _matches(out, tiny[small], 1e-7, 1e-9)]
            if fits:
                best = min(fits, key=lambda small: float(np.max(np.abs(out - tiny[small]))))
                raise Reject(f"For {given} your result is what a step of {best:g} gives, not "
                             f"h = {h:.6g}: your function does not use the h it is given.")
        expect_close(out, right, "numerical_gradient", rtol=1e-6, atol=1e-8, given=given)
    return ("agrees with the centred difference for 8 functions and x of 1 to 3 dimensions, "
            "with the default h and with h from 0.001 to 0.2, and leaves x unchanged.")
