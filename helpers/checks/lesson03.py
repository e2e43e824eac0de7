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
    OUTCOME_SEED,
    Reject,
    _Stub,
    as_array,
    as_number,
    call,
    diagnose,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    need_callable,
    one_mistake,
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

# The outcome the exercise states: this validation accuracy on one pair of spirals (drawn with
# OUTCOME_SEED, with the lesson's initialisation) after TRAIN_EPOCHS epochs of batches of
# TRAIN_BATCH at TRAIN_LR; only the shuffling seed is fresh on each call. The pair is fixed
# because a fresh pair made the outcome a lottery: a right loop reached 0.825 on one pair in a
# CI run. Measured on this pair: two right loops written differently, 150 shuffling seeds each,
# reached 0.944-1.000 (mean 0.991, standard deviation 0.008); the lesson's buggy loop stays near
# 0.5. The steps themselves are checked exactly, on cases drawn fresh on each call.
TARGET_ACCURACY, TRAIN_EPOCHS, TRAIN_BATCH, TRAIN_LR = 0.85, 300, 32, 0.5
_STEP_RTOL, _STEP_ATOL = 1e-9, 1e-12


def _init_mlp(sizes, rng):
    """The lesson's initialisation: W (fan_in, fan_out) with std 1/sqrt(fan_in), zero b."""
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=(fan_in, fan_out))
        params[f"b{i}"] = np.zeros(fan_out)
    return params


def _mlp_logits(params, x):
    """Logits (n,) of a tanh MLP and the input of each layer."""
    layers = len(params) // 2
    hs = [np.asarray(x, dtype=float)]
    for i in range(1, layers):
        hs.append(np.tanh(hs[-1] @ params[f"W{i}"] + params[f"b{i}"]))
    return (hs[-1] @ params[f"W{layers}"] + params[f"b{layers}"])[:, 0], hs


def _mlp_loss_and_grads(params, x, y):
    """Mean binary cross-entropy of the MLP on (x, y) and its gradients (by backprop)."""
    z, hs = _mlp_logits(params, x)
    y = np.asarray(y, dtype=float)
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
    layers = len(params) // 2
    grads, delta = {}, ((_sigmoid(z) - y) / len(y))[:, None]
    for i in range(layers, 0, -1):
        grads[f"W{i}"] = hs[i - 1].T @ delta
        grads[f"b{i}"] = delta.sum(axis=0)
        if i > 1:
            delta = (delta @ params[f"W{i}"].T) * (1 - hs[i - 1] ** 2)
    return loss, grads


def _spirals(rng, n_train, n_val):
    """A pair of spirals drawn from `rng`, turned by a random angle: (x_train, y_train, x_val,
    y_val)."""
    from helpers.data import make_spirals

    x, y = make_spirals(n=2 * ((n_train + n_val + 1) // 2), seed=int(rng.integers(2**31)))
    angle = rng.uniform(0, 2 * np.pi)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    order = rng.permutation(len(x))
    x, y = x[order] @ turn, y[order]
    return x[:n_train], y[:n_train], x[n_train:n_train + n_val], y[n_train:n_train + n_val]


class _Recorder:
    """The grad_fn handed to the learner's loop: it records what each call received."""

    def __init__(self, limit):
        self.calls, self.limit = [], limit

    def __call__(self, params, x_batch, y_batch):
        if len(self.calls) >= self.limit:
            raise Reject(f"your loop asked for more than {self.limit} gradients, more than one "
                         "per batch of every epoch: it does not stop where it should.")
        try:
            params = {name: np.array(theta, dtype=float) for name, theta in params.items()}
        except (AttributeError, TypeError, ValueError):
            raise Reject("grad_fn should receive the params dict (names W1, b1, ... to "
                         "arrays); yours passed something else.") from None
        x_batch, y_batch = np.array(x_batch, dtype=float), np.array(y_batch)
        loss, grads = _mlp_loss_and_grads(params, x_batch, y_batch)
        self.calls.append((params, x_batch, y_batch, grads))
        return loss, {name: g.copy() for name, g in grads.items()}


def _row_index(x):
    return {row.tobytes(): i for i, row in enumerate(np.asarray(x, dtype=float))}


def _check_batches(calls, x, y, epochs, batch_size, given):
    """Every epoch shows every point exactly once, in batches of at most batch_size, each
    point with its own label."""
    n = len(x)
    per_epoch = -(-n // batch_size)
    if len(calls) != epochs * per_epoch:
        raise Reject(f"For {given}, your loop computed {len(calls)} gradients; {epochs} epochs "
                     f"of batches of {batch_size} over n = {n} points make {per_epoch} per "
                     f"epoch (the last one partial when {batch_size} does not divide {n}), "
                     f"{epochs * per_epoch} in all.")
    index = _row_index(x)
    for epoch in range(epochs):
        seen = []
        for k, (_, xb, yb, _) in enumerate(calls[epoch * per_epoch:(epoch + 1) * per_epoch]):
            where = f"epoch {epoch + 1}, batch {k + 1}"
            if xb.ndim != 2 or xb.shape[1] != x.shape[1] or not 1 <= len(xb) <= batch_size:
                raise Reject(f"For {given}, in {where} grad_fn received points of shape "
                             f"{xb.shape}; a batch holds 1 to {batch_size} rows of x.")
            if yb.shape != (len(xb),):
                raise Reject(f"For {given}, in {where} grad_fn received {len(xb)} points and "
                             f"labels of shape {yb.shape}.")
            rows = [index.get(row.tobytes()) for row in xb]
            if None in rows:
                raise Reject(f"For {given}, in {where} grad_fn received a point that is not a "
                             "row of x: pass rows of the training points themselves.")
            wrong = int(np.sum(y[rows] != yb))
            if wrong:
                raise Reject(f"For {given}, in {where}: {wrong} of the {len(xb)} labels passed to "
                             "grad_fn belong to other points: the labels must travel with "
                             "their points when you shuffle (one permutation for both).")
            seen += rows
        counts = np.bincount(seen, minlength=n)
        if counts.max() > 1 or counts.min() < 1:
            raise Reject(f"For {given}, epoch {epoch + 1} showed {int(np.sum(counts == 0))} of "
                         f"the {n} points not at all and {int(np.sum(counts > 1))} more than "
                         "once; an epoch shows every point exactly once.")


def _same_params(a, b):
    return all(np.allclose(a[name], b[name], rtol=_STEP_RTOL, atol=_STEP_ATOL) for name in b)


def _check_steps(calls, start, final, lr, given):
    """The params of each call are those of the one before, moved by −lr times its gradient;
    the first are `start` and the result is one step after the last."""
    if set(calls[0][0]) != set(start) or not _same_params(calls[0][0], start):
        raise Reject(f"For {given}, the first gradient was computed at parameters other than "
                     "the `params` your loop was given: start from those.")
    after = [c[0] for c in calls[1:]] + [final]
    for k, (before, _, _, grads) in enumerate(calls):
        now = after[k]
        if set(now) != set(before):
            raise Reject(f"For {given}, the parameter names changed from {sorted(before)} to "
                         f"{sorted(now)}.")
        right = {name: before[name] - lr * grads[name] for name in before}
        if _same_params(now, right):
            continue
        which = "the params you returned" if k == len(calls) - 1 else \
            f"the params of gradient {k + 2}"
        if _same_params(now, {name: before[name] + lr * grads[name] for name in before}):
            raise Reject(f"For {given}, {which} are the params before plus lr times the "
                         "gradient: that step climbs the loss. Gradient descent steps against "
                         "the gradient.")
        if _same_params(now, before):
            raise Reject(f"For {given}, {which} are the params before, unchanged: the step "
                         "did not reach them.")
        name = next(name for name in before if not np.allclose(now[name], right[name],
                                                                rtol=_STEP_RTOL,
                                                                atol=_STEP_ATOL))
        raise Reject(f"For {given}, {which} should be the params before minus lr = {lr:g} "
                     f"times that gradient; {name} is not.")


def _as_params(out, names, what):
    if not isinstance(out, dict):
        raise Reject(f"{what} should return the trained params, a dict like the one it was "
                     f"given; yours returned {short(out, 40)}.")
    if set(out) != set(names):
        raise Reject(f"{what} should return a dict with the names {sorted(names)}; yours has "
                     f"{sorted(out)}.")
    return {name: as_array(out[name], f"{name} from {what}") for name in names}


def _train_cases(rng):
    """(sizes, n_train, n_val, lr, epochs, batch_size, outcome?): small fixed cases that test
    the mechanics, then the stated outcome on the checker's pair of spirals."""
    yield [2, 3, 1], 5, 0, 0.1, 2, 2, False           # 3 batches: 2, 2, then 1
    yield [2, 4, 4, 1], 8, 0, 0.3, 3, 4, False        # batches that divide n exactly
    yield [2, 3, 1], 3, 0, 0.2, 2, 5, False           # one batch larger than the data
    yield [2, 5, 1], 7, 0, 0.05, 1, 1, False          # batches of one
    yield [2, 32, 32, 1], 240, 160, TRAIN_LR, TRAIN_EPOCHS, TRAIN_BATCH, True


@exercise("3.2", forbid=BY_HAND)
def train_minibatch(answer, rng):
    """Mechanics on small fixed shapes (data drawn from `rng`), then the outcome: the learner's
    loop trains the lesson's 2-32-32-1 network on the checker's spirals (a fixed pair, with a
    fresh shuffling seed) and reaches the target."""
    need_callable(answer, "train_minibatch")
    for sizes, n_train, n_val, lr, epochs, batch_size, outcome in _train_cases(rng):
        if outcome:
            fixed = np.random.default_rng(OUTCOME_SEED)
            x, y, x_val, y_val = _spirals(fixed, n_train, n_val)
            params = _init_mlp(sizes, fixed)
        else:
            x, y = rng.normal(size=(n_train, 2)), rng.permutation(np.arange(n_train) % 2)
            params = _init_mlp(sizes, rng)
        seed = int(rng.integers(2**31))
        given = (f"a {'-'.join(map(str, sizes))} network, n = {n_train} points, lr = {lr:g}, "
                 f"epochs = {epochs}, batch_size = {batch_size}")
        per_epoch = -(-n_train // batch_size)
        grad_fn = _Recorder(limit=epochs * per_epoch + 5)
        out = call(answer, params, x, y, grad_fn, lr, epochs, batch_size, seed,
                   name="train_minibatch")
        trained = _as_params(out, params, "train_minibatch")
        if not grad_fn.calls:
            raise Reject(f"For {given}, your loop never called grad_fn.")
        _check_batches(grad_fn.calls, x, y, epochs, batch_size, given)
        _check_steps(grad_fn.calls, params, trained, lr, given)
        if outcome:
            accuracy = float(np.mean((_mlp_logits(trained, x_val)[0] > 0) == y_val))
            if accuracy < TARGET_ACCURACY:
                raise Reject(f"For {given}, your trained network reached a validation accuracy "
                             f"of {accuracy:.3f}; the target is {TARGET_ACCURACY}.")
    return (f"every step right on 5 runs, and on the checker's spirals your loop reached "
            f"{accuracy:.1%} validation accuracy in {TRAIN_EPOCHS} epochs (target "
            f"{TARGET_ACCURACY:.0%}).")


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

class _Node:
    """The checker's own scalar autodiff, with the known slips as options (for diagnoses)."""

    def __init__(self, value, parents=()):
        self.value, self.grad, self.parents = float(value), 0.0, parents

    def backward(self, slip=None):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent, _ in node.parents:
                    visit(parent)
                order.append(node)

        if slip == "bfs":   # each node passes its gradient on the first time it is reached
            self.grad, queue, done = 1.0, [self], set()
            while queue:
                node = queue.pop(0)
                if id(node) in done:
                    continue
                done.add(id(node))
                for parent, local in node.parents:
                    parent.grad += local * node.grad
                    queue.append(parent)
            return
        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node.parents:
                if slip == "overwrite":
                    parent.grad = local * node.grad
                else:
                    parent.grad += local * node.grad


def _node_op(op, a, b=None, c=None, left=False):
    """One operation of a program on _Node values (`left` changes nothing here)."""
    if op in ("add", "mul", "sub", "div"):
        x, y = a.value, b.value
        if op == "add":
            value, locals_ = x + y, (1.0, 1.0)
        elif op == "mul":
            value, locals_ = x * y, (y, x)
        elif op == "sub":
            value, locals_ = x - y, (1.0, -1.0)
        else:
            value, locals_ = x / y, (1 / y, -x / y**2)
        return _Node(value, ((a, locals_[0]), (b, locals_[1])))
    x = a.value
    if op == "neg":
        value, local = -x, -1.0
    elif op == "addc":
        value, local = x + c, 1.0
    elif op == "mulc":
        value, local = c * x, c
    elif op == "rsubc":
        value, local = c - x, -1.0
    elif op == "rdivc":
        value, local = c / x, -c / x**2
    elif op == "pow":
        value, local = x**c, c * x ** (c - 1)
    elif op == "tanh":
        value = float(np.tanh(x))
        local = 1 - value**2
    elif op == "exp":
        value = local = float(np.exp(x))
    else:
        value, local = float(np.log(x)), 1 / x
    return _Node(value, ((a, local),))


def _text(op, a, b=None, c=None, left=False):
    """How an instruction reads, in the learner's API."""
    return {"add": f"{a} + {b}", "mul": f"{a} * {b}", "sub": f"{a} - {b}", "div": f"{a} / {b}",
            "neg": f"-{a}", "addc": f"{c:g} + {a}" if left else f"{a} + {c:g}",
            "mulc": f"{c:g} * {a}" if left else f"{a} * {c:g}", "rsubc": f"{c:g} - {a}",
            "rdivc": f"{c:g} / {a}", "pow": f"{a} ** {c:g}", "tanh": f"{a}.tanh()",
            "exp": f"{a}.exp()", "log": f"{a}.log()"}[op]


def _apply(op, a, b=None, c=None, left=False):
    """The instruction on the learner's Scalars (and on TensorFlow tensors, with `tf`)."""
    if op == "add":
        return a + b
    if op == "mul":
        return a * b
    if op == "sub":
        return a - b
    if op == "div":
        return a / b
    if op == "neg":
        return -a
    if op == "addc":
        return c + a if left else a + c
    if op == "mulc":
        return c * a if left else a * c
    if op == "rsubc":
        return c - a
    if op == "rdivc":
        return c / a
    if op == "pow":
        return a ** c
    return getattr(a, op)()


def _tf_apply(tf, op, a, b=None, c=None, left=False):
    if op in ("tanh", "exp"):
        return getattr(tf, op)(a)
    if op == "log":
        return tf.math.log(a)
    return _apply(op, a, b, c, left)


def _program(rng, inputs):
    """A random program: instructions (op, i, j, c, left) over `inputs` start values, each
    operand an earlier slot; ops chosen so that every value stays finite and well away from
    the edges of log, division and powers. The output is the last slot."""
    values = list(inputs)
    program = []
    steps = int(rng.integers(5, 12))
    for _ in range(steps):
        i = int(rng.integers(len(values)))
        j = int(rng.integers(len(values)))
        x, y = values[i], values[j]
        choices = ["add", "mul", "sub", "neg", "addc", "mulc", "rsubc", "tanh"]
        if abs(y) > 0.3:
            choices.append("div")
        if abs(x) > 0.3:
            choices.append("rdivc")
        if x > 0.2:
            choices += ["log", "pow"]
        if abs(x) < 3:
            choices += ["exp", "pow"]
        op = str(rng.choice(choices))
        c = float(np.round(rng.uniform(-2, 2), 2)) or 0.5
        if op == "pow":
            c = float(rng.choice([2, 3, -1, 0.5, -0.5, 1.5])) if x > 0.2 else \
                float(rng.choice([2, 3]))
        instruction = (op, i, j, c, bool(rng.random() < 0.5))
        value = _node_op(op, _Node(x), _Node(y), c).value
        if not np.isfinite(value) or abs(value) > 30:
            instruction = ("tanh", i, j, c, False)
            value = float(np.tanh(x))
        program.append(instruction)
        values.append(value)
    # The output also depends on the inputs directly, so that every input has a gradient.
    for i in range(len(inputs)):
        program.append(("add", len(values) - 1, i, 0.0, False))
        values.append(values[-1] + values[i])
    return program


def _run_program(program, leaves, apply):
    slots = list(leaves)
    for op, i, j, c, left in program:
        slots.append(apply(op, slots[i], slots[j], c, left))
    return slots[-1]


def _describe(program, n_inputs):
    names = [chr(ord("a") + k) for k in range(n_inputs)]
    lines = []
    for k, (op, i, j, c, left) in enumerate(program):
        name = f"t{k + 1}"
        lines.append(f"{name} = {_text(op, names[i], names[j], c, left)}")
        names.append(name)
    return "; ".join(lines)


def _scalar_guarded(thunk, what):
    """Run the learner's code; an exception (other than a stub) becomes a verdict."""
    try:
        return thunk()
    except (NotImplementedError, _Stub, Reject):
        raise
    except Exception as error:
        raise Reject(f"`{what}` raised {type(error).__name__}: {error}") from None


def _number_of(obj, attribute, what):
    if not hasattr(obj, attribute):
        raise Reject(f"{what} has no `.{attribute}`; a Scalar keeps its number in `.value` and "
                     "its gradient in `.grad`.")
    return as_number(getattr(obj, attribute), f"{what}.{attribute}")


_ONE_OP = [  # (op, the inputs' values, constant, left?): the operations the others build on first
    ("add", (1.5, -2.0), 0.0, False), ("mul", (2.0, -3.0), 0.0, False),
    ("addc", (0.7,), 3.0, False), ("addc", (0.7,), 3.0, True),
    ("mulc", (-1.2,), 2.5, False), ("mulc", (-1.2,), 2.5, True),
    ("pow", (1.5,), 3.0, False), ("pow", (2.0,), -0.5, False), ("neg", (2.5,), 0.0, False),
    ("sub", (0.5, 2.0), 0.0, False), ("rsubc", (1.25,), 4.0, False),
    ("div", (3.0, -1.5), 0.0, False), ("rdivc", (0.8,), 1.0, False),
    ("tanh", (0.7,), 0.0, False), ("exp", (-0.4,), 0.0, False), ("log", (2.5,), 0.0, False),
]

_SHARED = [  # programs where a value is used more than once: (description, inputs, program)
    ("a * a", (1.5,), [("mul", 0, 0, 0.0, False)]),
    ("(a * b + a).tanh()", (0.4, -0.8), [("mul", 0, 1, 0.0, False), ("add", 2, 0, 0.0, False),
                                         ("tanh", 3, 0, 0.0, False)]),
    ("c = a * b; d = c + c.exp(); d * c", (0.6, -0.5),
     [("mul", 0, 1, 0.0, False), ("exp", 2, 2, 0.0, False), ("add", 2, 3, 0.0, False),
      ("mul", 4, 2, 0.0, False)]),
]


def _leaves(answer, values):
    return [_scalar_guarded(lambda v=v: call(answer, v, name="Scalar"), f"Scalar({v:g})")
            for v in values]


def _compare(answer, values, program, what, tf=None):
    """Run `program` on the learner's Scalars; compare value and gradients with the reference
    (and with GradientTape when `tf` is given). Returns the largest gradient difference."""
    names = [chr(ord("a") + k) for k in range(len(values))]
    at = ", ".join(f"{n} = {v:g}" for n, v in zip(names, values))
    leaves = _leaves(answer, values)
    out = _scalar_guarded(lambda: _run_program(program, leaves, _apply), what)
    _scalar_guarded(lambda: out.backward(), f"({what}).backward()")
    got_value = _number_of(out, "value", f"the result of `{what}`")
    got = np.array([_number_of(leaf, "grad", f"Scalar {n}") for leaf, n in zip(leaves, names)])

    ref_leaves = [_Node(v) for v in values]
    ref_out = _run_program(program, ref_leaves, _node_op)
    ref_out.backward()
    want = np.array([leaf.grad for leaf in ref_leaves])
    if tf is not None:   # GradientTape, float64, as the exercise promises
        variables = [tf.Variable(v, dtype=tf.float64) for v in values]
        with tf.GradientTape() as tape:
            tf_out = _run_program(program, variables,
                                  lambda *args: _tf_apply(tf, *args))
        tape_grads = tape.gradient(tf_out, variables)
        want = np.array([0.0 if g is None else float(g) for g in tape_grads])
        want_value = float(tf_out)
    else:
        want_value = ref_out.value
    if not np.isclose(got_value, want_value, rtol=1e-9, atol=1e-12):
        raise Reject(f"`{what}` at {at}: the value should be {want_value:.6g}; yours gave "
                     f"{got_value:.6g}.")
    expect_finite(got, f"the gradients of `{what}` at {at}")
    if not np.allclose(got, want, rtol=1e-7, atol=1e-10):
        def same(a, b):
            return bool(np.allclose(a, b, rtol=1e-7, atol=1e-10))

        mistakes = []
        for slip, message in (("overwrite", "a value used more than once gets only the "
                                            "gradient of its last use: gradients arriving by "
                                            "different paths add up."),
                              ("bfs", "a value passes its gradient on before all of its users "
                                      "have sent theirs: visit the nodes in reverse "
                                      "topological order (every user before the value it "
                                      "uses).")):
            slipped = [_Node(v) for v in values]
            slipped_out = _run_program(program, slipped, _node_op)
            slipped_out.backward(slip)
            mistakes.append((np.array([leaf.grad for leaf in slipped]), message))
        found = one_mistake(got, [(r, m) for r, m in mistakes if not same(r, want)], same)
        k = int(np.argmax(~np.isclose(got, want, rtol=1e-7, atol=1e-10)))
        raise Reject(f"For `{what}` at {at}, ∂/∂{names[k]} should be {want[k]:.6g}; yours "
                     f"gave {got[k]:.6g}." + (f" It looks as if {found}" if found else ""))
    return float(np.max(np.abs(got - want))) if len(got) else 0.0


@exercise("3.4", forbid=BY_HAND)
def scalar_engine(answer, rng):
    """Each operation alone, values used more than once, an unused input, then random
    programs checked against GradientTape."""
    need_callable(answer, "Scalar")
    start = _leaves(answer, [1.5])[0]
    if _number_of(start, "value", "Scalar(1.5)") != 1.5 or \
            _number_of(start, "grad", "Scalar(1.5)") != 0.0:
        raise Reject("Scalar(1.5) should have .value 1.5 and .grad 0.0 (no gradient yet).")
    for op, values, c, left in _ONE_OP:
        program = [(op, 0, len(values) - 1, c, left)]
        _compare(answer, values, program, _text(op, "a", "b", c, left))
    for what, values, program in _SHARED:
        _compare(answer, values, program, what)
    # An input the output does not depend on keeps a gradient of 0.
    a, b = _leaves(answer, [0.3, -1.1])
    out = _scalar_guarded(lambda: (a * 2.0).tanh(), "(a * 2).tanh()")
    _scalar_guarded(lambda: out.backward(), "(a * 2).tanh().backward()")
    if _number_of(b, "grad", "Scalar b") != 0.0:
        raise Reject("After `(a * 2).tanh().backward()`, an unrelated Scalar b has .grad "
                     f"{b.grad}; it should stay 0.0.")
    tf = _import_tf()
    worst = 0.0
    for _ in range(6):
        values = [float(np.round(v, 3)) for v in rng.uniform(-1.5, 1.5, int(rng.integers(2, 5)))]
        program = _program(rng, values)
        worst = max(worst, _compare(answer, values, program, _describe(program, len(values)),
                                    tf=tf))
    return (f"every operation right alone and in shared and random programs; on 6 random "
            f"programs your gradients match GradientTape's to {worst:.0e}.")


def _import_tf():
    from helpers.startup import import_tensorflow

    return import_tensorflow()
