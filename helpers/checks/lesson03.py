"""Checkers for lesson 03 (Backpropagation).

Every checker compares the learner's gradient with an exact reference on seeded random
float64 inputs, reports its relative error against centred finite differences (the gradient
check of the lesson), and names the usual mistakes: a flipped sign, a forgotten 1/n, a
transposed weight gradient, a bias gradient summed over the wrong axis.
"""

import numpy as np

from helpers.checks import Reject, as_array, call, exercise, expect_close, expect_finite, \
    expect_shape, need_callable, short

RTOL, ATOL = 1e-5, 1e-8  # loose enough for a float32 answer, far tighter than any mistake


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


def _relative_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖), 0 when both are 0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def _matches(actual, variant):
    variant = np.asarray(variant, dtype=float)
    return actual.shape == variant.shape and np.allclose(actual, variant, rtol=RTOL, atol=ATOL)


def _diagnose(actual, right, mistakes):
    """Reject with the mistake's own message when `actual` is not `right` but equals a known
    wrong answer."""
    if _matches(actual, right):
        return
    for variant, message in mistakes:
        if _matches(actual, variant):
            raise Reject(message)


# 3.1 -----------------------------------------------------------------------------------------

@exercise("3.1")
def sigmoid_backward(answer):
    need_callable(answer, "sigmoid_backward")
    rng = np.random.default_rng(31)
    cases = [("z of shape (7,)", rng.normal(0, 2, 7), rng.normal(0, 1, 7)),
             ("z of shape (4, 3)", rng.normal(0, 2, (4, 3)), rng.normal(0, 1, (4, 3))),
             ("z = [-40, -3, 0, 3, 40]", np.array([-40.0, -3, 0, 3, 40]),
              np.array([2.0, -1.0, 3.0, 0.5, -2.0]))]
    worst = 0.0
    for given, z, upstream in cases:
        out = call(answer, z.copy(), upstream.copy(), name="sigmoid_backward")
        out = as_array(out, f"sigmoid_backward for {given}")
        expect_shape(out, z.shape, f"the result for {given}")
        expect_finite(out, f"sigmoid_backward for {given}")
        s = _sigmoid(z)
        right = upstream * s * (1 - s)
        _diagnose(out, right, [
            (-right, f"For {given} your gradient has the wrong sign: σ'(z) = σ(z)(1 − σ(z)) "
                     "is never negative, so the result has the sign of `upstream`."),
            (s * (1 - s), f"For {given} you returned σ'(z) alone: multiply it by `upstream` "
                          "(the chain rule: gradient in = gradient out × local derivative)."),
            (upstream * z * (1 - z), f"For {given} you used z(1 − z): the derivative is "
                                     "σ(z)(1 − σ(z)); compute s = σ(z) first."),
            (upstream * s, f"For {given} you returned upstream × σ(z): the local derivative "
                           "of σ is σ(z)(1 − σ(z))."),
        ])
        expect_close(out, right, f"sigmoid_backward(z, upstream) for {given}", rtol=RTOL,
                     atol=ATOL)
        numeric = _centred(lambda v: float(np.sum(upstream * _sigmoid(v))), z)
        worst = max(worst, _relative_error(out, numeric))
    return (f"right on three inputs, including |z| = 40; relative error against centred "
            f"finite differences {worst:.0e}.")


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


@exercise("3.2")
def dense_backward(answer):
    need_callable(answer, "dense_backward")
    rng = np.random.default_rng(32)
    worst = 0.0
    for n, d, k in [(5, 4, 3), (6, 3, 3), (1, 2, 4)]:
        x, w = rng.normal(size=(n, d)), rng.normal(size=(d, k))
        b, upstream = rng.normal(size=k), rng.normal(size=(n, k))
        given = f"x {x.shape}, w {w.shape}, upstream {upstream.shape}"
        what = f"dense_backward({given})"
        dx, dw, db = _three(call(answer, x.copy(), w.copy(), upstream.copy(),
                                 name="dense_backward"), what)
        right = {"dx": upstream @ w.T, "dw": x.T @ upstream, "db": upstream.sum(axis=0)}

        if dw.shape == (k, d) and d != k:
            raise Reject(f"dw should have the shape of w, {(d, k)}; yours has {dw.shape} "
                         f"(for {given}): is it transposed? dw = x.T @ upstream.")
        if db.shape in ((n,), (n, 1)) and n != k:
            raise Reject(f"db should have the shape of b, {(k,)}; yours has {db.shape} "
                         f"(for {given}): sum upstream over the batch, axis 0.")
        if db.shape == (1, k):
            raise Reject(f"db should have the shape of b, {(k,)}; yours has {db.shape} "
                         f"(for {given}): drop keepdims, or reshape to ({k},).")
        for name, mine in (("dx", dx), ("dw", dw), ("db", db)):
            expect_shape(mine, right[name].shape, f"{name} for {given} (the shape of "
                         f"{'x' if name == 'dx' else name[1]})")
            expect_finite(mine, f"{name} for {given}")
        dw_mistakes = [(-right["dw"], f"dw has the wrong sign (for {given}): dw = x.T @ "
                                      "upstream, no minus sign."),
                       (right["dw"] / n, f"dw is divided by n (for {given}): the 1/n of a "
                                         "mean loss is already inside `upstream`.")]
        if d == k:
            dw_mistakes.append((right["dw"].T, f"dw is transposed (for {given}): dw = x.T @ "
                                               "upstream, not upstream.T @ x."))
        _diagnose(dw, right["dw"], dw_mistakes)
        _diagnose(dx, right["dx"], [(-right["dx"], f"dx has the wrong sign (for {given}): "
                                                   "dx = upstream @ w.T.")])
        _diagnose(db, right["db"], [
            (-right["db"], f"db has the wrong sign (for {given}): db = upstream.sum(axis=0)."),
            (right["db"] / n, f"db is the mean over the batch (for {given}); it should be the "
                              "sum: upstream.sum(axis=0)."),
        ])
        for name, mine in (("dx", dx), ("dw", dw), ("db", db)):
            expect_close(mine, right[name], f"{name}", rtol=RTOL, atol=ATOL, given=given)

        # The gradient check: L = sum(upstream * (x @ w + b)) has exactly these gradients.
        def loss_of(xx, ww, bb, upstream=upstream):
            return float(np.sum(upstream * (xx @ ww + bb)))
        numeric = [_centred(lambda v: loss_of(v, w, b), x),
                   _centred(lambda v: loss_of(x, v, b), w),
                   _centred(lambda v: loss_of(x, w, v), b)]
        worst = max([worst] + [_relative_error(a, nu) for a, nu in zip((dx, dw, db), numeric)])
    return (f"dx, dw and db right for three shapes, including n = 1 and a square w; "
            f"relative error against centred finite differences {worst:.0e}.")


# 3.3 -----------------------------------------------------------------------------------------

@exercise("3.3")
def softmax_cross_entropy_grad(answer):
    need_callable(answer, "softmax_cross_entropy_grad")
    rng = np.random.default_rng(33)
    cases = []
    for n, k in [(6, 3), (4, 5), (1, 2)]:
        cases.append((f"logits of shape ({n}, {k})", rng.normal(0, 2, (n, k)),
                      rng.integers(0, k, n)))
    big = rng.normal(0, 2, (3, 4)) + np.array([[1000.0], [-1000.0], [500.0]])
    cases.append(("large logits (rows near ±1000)", big, np.array([0, 3, 1])))
    worst = 0.0
    for given, logits, y in cases:
        n, k = logits.shape
        out = call(answer, logits.copy(), y.copy(), name="softmax_cross_entropy_grad")
        out = as_array(out, f"softmax_cross_entropy_grad for {given}")
        expect_shape(out, (n, k), f"the gradient for {given} (the shape of logits)")
        if not np.all(np.isfinite(out)):
            extra = (" Subtract each row's maximum from the logits before np.exp: softmax does "
                     "not change, and exp no longer overflows.") if "large" in given else ""
            raise Reject(f"the gradient for {given} contains NaN or infinity.{extra}")
        p = _softmax(logits)
        onehot = np.eye(k)[y]
        right = (p - onehot) / n
        mistakes = [(-right, f"The gradient for {given} has the wrong sign: it is "
                             "(softmax − one_hot) / n, not (one_hot − softmax) / n.")]
        if n > 1:
            mistakes += [(right * n, f"The gradient for {given} is n = {n} times too large: "
                                     "the loss is the MEAN over the batch, so divide by n."),
                         (right * n / (n - 1), f"The gradient for {given} is divided by n − 1 "
                                               f"= {n - 1}; divide by n = {n}.")]
        mistakes += [(p / n, f"The gradient for {given} is softmax / n: subtract 1 at each "
                             "row's true class (softmax − one_hot).")]
        _diagnose(out, right, mistakes)
        expect_close(out, right, "the gradient", rtol=RTOL, atol=ATOL, given=given)
        numeric = _centred(lambda v: _mean_cross_entropy(v, y), logits)
        worst = max(worst, _relative_error(out, numeric))
    return (f"right for four batches, including n = 1 and logits near ±1000; relative "
            f"error against centred finite differences {worst:.0e}.")


# 3.4 -----------------------------------------------------------------------------------------

@exercise("3.4")
def numerical_gradient(answer):
    need_callable(answer, "numerical_gradient")
    rng = np.random.default_rng(34)
    c, d = rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, size=(3, 4))
    cases = [
        ("f(x) = sum(c·sin x + d·x²/2 + x³/6), x of shape (3, 4)",
         lambda x: float(np.sum(c * np.sin(x) + d * x ** 2 / 2 + x ** 3 / 6)),
         lambda x: c * np.cos(x) + d * x + x ** 2 / 2, rng.normal(size=(3, 4))),
        ("f(x) = log(sum(exp x)), x of shape (5,)",
         lambda x: float(np.log(np.sum(np.exp(x)))),
         lambda x: np.exp(x) / np.sum(np.exp(x)), rng.normal(size=5)),
    ]
    h = 1e-5
    worst = 0.0
    for given, f, exact, x in cases:
        original = x.copy()
        out = call(answer, f, x, h, name="numerical_gradient")
        out = as_array(out, f"numerical_gradient for {given}")
        if x.shape != original.shape or not np.allclose(x, original, rtol=0, atol=1e-12):
            raise Reject(f"numerical_gradient changed x (for {given}): after nudging an "
                         "entry, put its original value back.")
        expect_shape(out, x.shape, f"the gradient for {given}")
        expect_finite(out, f"numerical_gradient for {given}")
        right = exact(x)
        forward_diff = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            up = x.copy()
            up[i] += h
            forward_diff[i] = (f(up) - f(x)) / h
        mistakes = [(-right, f"Your gradient has the wrong sign (for {given}): "
                             "(f(x + h) − f(x − h)) / 2h."),
                    (2 * right, f"Your gradient is twice too large (for {given}): the two "
                                "points are 2h apart, so divide by 2h."),
                    (right / 2, f"Your gradient is half the right size (for {given}): divide "
                                "f(x + h) − f(x − h) by 2h, not 4h."),
                    (forward_diff, f"You used a one-sided difference (f(x + h) − f(x)) / h "
                                   f"(for {given}); its error is about h·f''/2. Use the "
                                   "centred (f(x + h) − f(x − h)) / 2h.")]
        # Tighter than RTOL: a one-sided difference is off by about 5e-6 here.
        for variant, message in mistakes:
            if out.shape == variant.shape and np.allclose(out, variant, rtol=1e-7, atol=1e-9):
                raise Reject(message)
        expect_close(out, right, "numerical_gradient", rtol=1e-6, atol=1e-8, given=given)
        worst = max(worst, _relative_error(out, right))
    return (f"agrees with the exact gradient to a relative error of {worst:.0e} on a 2-D and "
            "a 1-D x, and leaves x unchanged.")
