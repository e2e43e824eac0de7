"""Checkers for lesson 06 (Training deep networks).

Each checker compares the learner's answer with an exact reference on fixed edge cases and on
cases drawn afresh on every call, and with Keras' or TensorFlow's own version where one exists
(initialisers, BatchNormalization, tf.clip_by_global_norm, a model built from the learner's
block). A mistake is named only when the answer's result equals what that mistake produces
(and no other known mistake's); otherwise the message says what was expected, what came back,
and for which input.

From scratch: 6.2 and 6.3 ask for batch normalisation and global-norm clipping written by
hand, so the library versions of those two operations are refused. The statistics themselves
(`x.mean`, `x.var`, `tf.nn.moments`) are the exercise's hints, not its subject, and are allowed.

An outcome: 6.4 is judged by what the learner's network does. The checker draws a depth and a
seed, builds the network with the learner's function, checks the rules (sigmoid layers of 64
units, none wider, probabilities out, untrained), trains it for one epoch with fixed settings
and measures its validation accuracy itself; it never trusts a number the learner reports.
"""

import functools
import math

import numpy as np

from helpers.checks import (
    OUTCOME_SEED,
    Reject,
    as_array,
    as_number,
    call,
    diagnose,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    need_callable,
    short,
)


def _matches(actual, variant, rtol=1e-4, atol=1e-6):
    actual = np.asarray(actual, dtype=float)
    variant = np.asarray(variant, dtype=float)
    return actual.shape == variant.shape and bool(np.all(np.isfinite(actual))) and \
        bool(np.all(np.isfinite(variant))) and np.allclose(actual, variant, rtol=rtol, atol=atol)


def _diagnose(actual, right, mistakes, rtol=1e-4, atol=1e-6, same=_matches):
    """`diagnose` (the kit's) with this lesson's comparison."""
    diagnose(actual, right, mistakes, lambda a, b: same(a, b, rtol, atol))


def _log_uniform_int(rng, low, high):
    return int(round(math.exp(rng.uniform(math.log(low), math.log(high)))))


# 6.1 -----------------------------------------------------------------------------------------

FANS = [(784, 64), (64, 64), (64, 10), (3, 500), (1, 1)]


def _keras_statistics(fan_in, fan_out):
    """Largest |w| drawn by GlorotUniform and the std drawn by HeNormal, for one layer shape."""
    from helpers.startup import import_keras

    keras = import_keras()
    shape = (fan_in, fan_out)
    glorot = np.asarray(keras.initializers.GlorotUniform(seed=6)(shape))
    he = np.asarray(keras.initializers.HeNormal(seed=6)(shape))
    return float(np.abs(glorot).max()), float(he.std())


def _glorot_mistakes(i, o, mine):
    call_ = f"glorot_limit({i}, {o}) = {mine:.4g}"
    return [
        (math.sqrt(2 / (i + o)),
         f"{call_} is the *standard deviation* Glorot's variance 2 / (fan_in + fan_out) asks "
         "for. The limit a is not that number: a uniform distribution on [−a, a] has variance "
         "a²/3, so solve a²/3 = 2 / (fan_in + fan_out) for a."),
        (math.sqrt(6 / i), f"{call_} uses fan_in alone; Glorot's variance depends on both fans."),
        (math.sqrt(6 / o), f"{call_} uses fan_out alone; Glorot's variance depends on both "
                           "fans."),
        (6 / (i + o), f"{call_} is the square of the limit: a² rather than a."),
        (math.sqrt(6) / (i + o), f"{call_}: your square root covers only the numerator, not "
                                 "the whole fraction."),
    ]


def _he_mistakes(i, mine):
    call_ = f"he_std({i}) = {mine:.4g}"
    return [
        (math.sqrt(1 / i), f"{call_} is LeCun's standard deviation, for a variance of "
                           "1 / fan_in. He doubles that variance, because a ReLU zeroes half "
                           "of its inputs."),
        (2 / i, f"{call_} is a variance; return the standard deviation."),
        (math.sqrt(6 / i), f"{call_} is the limit of He's *uniform* variant, not the standard "
                           "deviation of HeNormal."),
        (math.sqrt(2) / i, f"{call_}: your square root covers only the numerator, not the "
                           "whole fraction."),
    ]


@exercise("6.1")
def init_scales(glorot_limit, he_std, rng):
    need_callable(glorot_limit, "glorot_limit")
    need_callable(he_std, "he_std")
    drawn = [(_log_uniform_int(rng, 1, 5000), _log_uniform_int(rng, 1, 5000)) for _ in range(6)]
    for fan_in, fan_out in FANS + drawn:
        given = f"fan_in = {fan_in}, fan_out = {fan_out}"
        mine = as_number(call(glorot_limit, fan_in, fan_out, name="glorot_limit"),
                         f"glorot_limit({fan_in}, {fan_out})")
        right = math.sqrt(6 / (fan_in + fan_out))
        _diagnose(mine, right, _glorot_mistakes(fan_in, fan_out, mine), rtol=1e-6, atol=0)
        expect_close(mine, right, "glorot_limit", rtol=1e-6, atol=0, given=given)

        mine_he = as_number(call(he_std, fan_in, name="he_std"), f"he_std({fan_in})")
        right_he = math.sqrt(2 / fan_in)
        _diagnose(mine_he, right_he, _he_mistakes(fan_in, mine_he), rtol=1e-6, atol=0)
        expect_close(mine_he, right_he, "he_std", rtol=1e-6, atol=0, given=f"fan_in = {fan_in}")

    keras_max, keras_std = _keras_statistics(784, 64)
    limit = math.sqrt(6 / (784 + 64))
    return (f"both right for {len(FANS) + len(drawn)} layer shapes, from 1 → 1 to thousands of "
            f"units. For a 784 → 64 layer Keras' GlorotUniform drew values up to "
            f"{keras_max:.4f} (your limit {limit:.4f}) and HeNormal a standard deviation of "
            f"{keras_std:.4f} (yours {math.sqrt(2 / 784):.4f}).")


# 6.2 -----------------------------------------------------------------------------------------

def _batch_norm(x, gamma, beta, eps, ddof=0, axis=0):
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, ddof=ddof, keepdims=True) if x.shape[0] > ddof else \
        np.full_like(mean, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):  # eps = 0 is one of the mistakes
        return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _keras_batch_norm(x, gamma, beta, eps):
    """keras.layers.BatchNormalization in training mode, with the given scale and offset."""
    from helpers.startup import import_keras

    keras = import_keras()
    layer = keras.layers.BatchNormalization(epsilon=eps)
    layer.build(x.shape)
    layer.gamma.assign(gamma.astype("float32"))
    layer.beta.assign(beta.astype("float32"))
    return np.asarray(layer(x.astype("float32"), training=True), dtype=float)


def _bn_cases():
    """Fixed edge cases (the same on every call)."""
    fixed = np.random.default_rng(62)
    cases = []
    x = fixed.normal(3.0, 2.0, (8, 5))
    x[:, 1] = 0.5 + 0.01 * fixed.normal(size=8)   # a feature with variance near 1e-4, below eps
    x[:, 3] = 7.0                                 # a constant feature: variance 0
    cases.append(("x of shape (8, 5) with a constant column 3, eps = 1e-3", x,
                  fixed.normal(1, 0.5, 5), fixed.normal(0, 1, 5), 1e-3))
    cases.append(("x of shape (6, 3), eps = 1e-5", fixed.normal(-1, 3, (6, 3)),
                  np.array([2.0, -1.0, 0.5]), np.array([0.0, 1.0, -2.0]), 1e-5))
    cases.append(("x of shape (2, 4), eps = 0.1", fixed.normal(0, 1, (2, 4)),
                  np.ones(4), np.zeros(4), 0.1))
    cases.append(("a batch of one, x of shape (1, 4), eps = 1e-3", fixed.normal(0, 1, (1, 4)),
                  np.array([1.5, -0.5, 1.0, 2.0]), np.array([0.25, 0.0, -1.0, 3.0]), 1e-3))
    return cases


def _bn_drawn(rng, count=3):
    """Random batches: each feature its own mean and spread, one with a variance near eps (so
    that eps shows), an eps that is rarely Keras' default."""
    cases = []
    for _ in range(count):
        n, d = int(rng.integers(3, 40)), int(rng.integers(2, 9))
        n += n == d
        eps = float(10 ** rng.uniform(-4, -0.5))
        mean = rng.uniform(-3, 3, d)
        std = 10 ** rng.uniform(-1, 0.7, d)
        low = int(rng.integers(d))
        mean[low] = rng.uniform(-0.5, 0.5)
        std[low] = math.sqrt(eps) * rng.uniform(0.5, 2.0)
        x = mean + std * rng.standard_normal((n, d))
        cases.append((f"a random x of shape ({n}, {d}) (column {low} has variance near eps), "
                      f"eps = {eps:.3g}", x, rng.normal(1, 0.5, d), rng.normal(0, 1, d), eps))
    return cases


def _bn_mistakes(given, x, gamma, beta, eps):
    n = len(x)
    mean, var, std = x.mean(0), x.var(0), x.std(0)
    mistakes = [
        (_batch_norm(x, gamma, beta, eps, ddof=1),
         f"For {given} you used the unbiased variance (dividing by n − 1 = {n - 1}); batch "
         "normalisation, like Keras, divides by n."),
        (_batch_norm(x, gamma, beta, 1e-12),
         f"For {given} your result ignores eps: it equals the result with no eps at all."),
        (gamma * (x - mean) / (std + eps) + beta,
         f"For {given} you added eps to the standard deviation; it belongs next to the "
         "variance."),
        (_batch_norm(x, 1.0, 0.0, eps),
         f"For {given} you returned the normalised x without applying gamma and beta."),
        (_batch_norm(x, beta, gamma, eps),
         f"For {given} gamma and beta are swapped: gamma scales, beta shifts."),
        (gamma * (x - mean) / (var + eps) + beta,
         f"For {given} you divided by the variance (+ eps), not by a standard deviation."),
        (_batch_norm(x, 1.0, 0.0, eps, axis=1) * gamma + beta,
         f"For {given} you normalised each example (row) over its features; batch "
         "normalisation normalises each feature (column) over the batch."),
        (_batch_norm(x, 1.0, 0.0, eps, axis=None) * gamma + beta,
         f"For {given} you used one mean and one variance for the whole batch; each feature "
         "(column) gets its own."),
    ]
    no_eps = mistakes[1][0]
    for default in (1e-3, 1e-5):
        variant = _batch_norm(x, gamma, beta, default)
        # Named only where it differs from no eps at all (else "ignores eps" says it).
        if not math.isclose(default, eps, rel_tol=0.5) and \
                not _matches(variant, no_eps, 1e-4, 1e-5):
            mistakes.append((variant,
                             f"For {given} your result uses eps = {default:g}, not the `eps` "
                             "it was given: use the argument."))
    return mistakes


def _bn_non_finite(out, given, x, gamma, beta):
    """Reject non-finite values; name a forgotten eps when that is what they are."""
    if np.all(np.isfinite(out)):
        return
    bad = ~np.all(np.isfinite(out), axis=0)
    constant = x.var(axis=0) == 0
    no_eps = _batch_norm(x, gamma, beta, 0.0)
    if len(x) > 1 and constant.any() and np.all(constant[bad]) and \
            _matches(out[:, ~bad], no_eps[:, ~bad], 1e-4, 1e-5):
        columns = ", ".join(str(j) for j in np.flatnonzero(bad))
        raise Reject(f"For {given} your result has NaN or infinity in column {columns}, a "
                     "feature that is constant over the batch (variance 0), and elsewhere it "
                     "equals the result without eps: eps is what keeps that division finite.")
    expect_finite(out, f"batch_norm_forward for {given}")


@exercise("6.2", forbid=("keras.layers.BatchNormalization", "keras.ops.batch_normalization",
                         "tf.nn.fused_batch_norm", "tf.nn.batch_normalization"))
def batch_norm_forward(answer, rng):
    need_callable(answer, "batch_norm_forward")
    cases = _bn_cases() + _bn_drawn(rng)
    for given, x, gamma, beta, eps in cases:
        out = call(answer, x, gamma, beta, eps, name="batch_norm_forward")
        out = as_array(out, f"batch_norm_forward for {given}")
        expect_shape(out, x.shape, f"the result for {given} (the shape of x)")
        _bn_non_finite(out, given, x, gamma, beta)
        right = _batch_norm(x, gamma, beta, eps)
        _diagnose(out, right, _bn_mistakes(given, x, gamma, beta, eps), rtol=1e-4, atol=1e-5)
        expect_close(out, right, "batch_norm_forward(x, gamma, beta, eps)", rtol=1e-4,
                     atol=1e-5, given=given)
    given, x, gamma, beta, eps = cases[0]
    keras_out = _keras_batch_norm(x, gamma, beta, eps)
    mine = as_array(call(answer, x, gamma, beta, eps, name="batch_norm_forward"), "your result")
    gap = float(np.max(np.abs(mine - keras_out)))
    if gap > 1e-3:
        raise Reject(f"For {given} your result differs from keras.layers.BatchNormalization "
                     f"(training=True) by up to {gap:.3g}.")
    return (f"right for {len(cases)} batches, among them a constant feature, a batch of two, "
            f"a batch of one and eps from 1e-5 to 0.3; largest difference from "
            f"keras.layers.BatchNormalization(training=True): {gap:.1e} (float32).")


# 6.3 -----------------------------------------------------------------------------------------

def _global_norm(grads):
    return math.sqrt(sum(float(np.sum(np.square(g))) for g in grads))


def _clip(grads, max_norm):
    norm = _global_norm(grads)
    scale = max_norm / max(norm, max_norm)
    return [g * scale for g in grads], norm


def _clip_cases():
    """Fixed edge cases (the same on every call)."""
    fixed = np.random.default_rng(63)
    big = [fixed.normal(0, 2, (4, 3)), fixed.normal(0, 2, (3,)), fixed.normal(0, 2, (3, 2))]
    small = [fixed.normal(0, 0.05, (5, 2)), fixed.normal(0, 0.05, (2,)),
             fixed.normal(0, 0.05, (2, 1))]
    uneven = [fixed.normal(0, 5, (6,)), fixed.normal(0, 0.01, (2, 2)), np.array([0.3])]
    zeros = [np.zeros((3, 2)), np.zeros(2), np.zeros((2, 1))]
    each_under = [np.full((2, 2), 0.2), np.full(3, 0.25), np.array([0.3])]
    at = [np.array([3.0]), np.array([[0.0, 4.0]])]
    return [("three arrays with global norm {norm:.4g}, max_norm = 1.0", big, 1.0),
            ("three small arrays (global norm {norm:.4g}), max_norm = 1.0", small, 1.0),
            ("three arrays of very different sizes (global norm {norm:.4g}), max_norm = 2.5",
             uneven, 2.5),
            ("all-zero gradients, max_norm = 1.0", zeros, 1.0),
            ("three arrays each under max_norm = 0.5 but with global norm {norm:.4g}",
             each_under, 0.5),
            ("[array([3.]), array([[0., 4.]])], global norm exactly max_norm = 5.0", at, 5.0),
            ("[array([3.003]), array([[0., 4.004]])], global norm {norm:.4g}, just above "
             "max_norm = 5.0", [g * 1.001 for g in at], 5.0)]


def _clip_drawn(rng):
    """Random lists of arrays: above, below, and each array under max_norm but not together."""
    cases = []
    for kind in ("above", "below", "each under"):
        count = int(rng.integers(2, 6))
        shapes = [tuple(int(s) for s in rng.integers(1, 6, size=int(rng.integers(1, 4))))
                  for _ in range(count)]
        grads = [rng.normal(0, 1, shape) * 10 ** rng.uniform(-1, 1) for shape in shapes]
        max_norm = float(10 ** rng.uniform(-1, 1))
        if kind == "each under":
            # own norms 0.75 to 0.95 of max_norm: together, at least sqrt(2) · 0.75 > 1 times
            grads = [g * (rng.uniform(0.75, 0.95) * max_norm / np.linalg.norm(g)) for g in grads]
        else:
            ratio = rng.uniform(1.2, 10) if kind == "above" else rng.uniform(0.1, 0.9)
            grads = [g * (ratio * max_norm / _global_norm(grads)) for g in grads]
        cases.append((f"{count} random arrays of shapes {', '.join(map(str, shapes))} with "
                      f"global norm {{norm:.4g}}, max_norm = {max_norm:.4g}", grads, max_norm))
    return cases


def _as_list(out, grads, given):
    if out is None:
        raise Reject(f"For {given} your function returned None: return the list of clipped "
                     "arrays.")
    if isinstance(out, tuple) and len(out) == 2 and len(grads) != 2 and \
            np.ndim(out[1]) == 0 and isinstance(out[0], (list, tuple)):
        raise Reject("Your function returned a pair (clipped, norm), as tf.clip_by_global_norm "
                     "does; return only the list of clipped arrays.")
    if not isinstance(out, (list, tuple)):
        raise Reject(f"For {given} return a list with one clipped array per gradient; got "
                     f"{type(out).__name__} {short(out, 40)}.")
    if len(out) != len(grads):
        raise Reject(f"For {given} return one array per gradient ({len(grads)}); yours "
                     f"returned {len(out)}.")
    return [as_array(a, f"clipped array {i} for {given}") for i, a in enumerate(out)]


def _all_match(out, variant, rtol=1e-5, atol=1e-7):
    return all(_matches(m, v, rtol, atol) for m, v in zip(out, variant))


def _clip_diagnose(out, right, grads, max_norm, norm, given):
    """Name the mistake whose result `out` equals, when exactly one does."""
    if _all_match(out, right):
        return
    own = [float(np.linalg.norm(g)) for g in grads]
    if norm > max_norm and _all_match(out, grads):
        each = (" Each array's own norm is at most max_norm; only together are they above it."
                if max(own) <= max_norm else "")
        raise Reject(f"For {given} the global norm is above max_norm, yet your arrays came "
                     f"back unchanged.{each}")
    summed = sum(own)
    mistakes = [
        ([g * max_norm / max(n, max_norm) for g, n in zip(grads, own)],
         f"For {given} you clipped each array by its own norm, so the arrays were scaled by "
         "different factors. Clip by the *global* norm of all arrays together: one factor for "
         "every array keeps the direction of the whole gradient."),
        ([g * max_norm / norm for g in grads] if norm > 0 else grads,
         f"For {given} the global norm is already at most max_norm, so the gradients must come "
         "back unchanged; yours were scaled up to max_norm."),
        ([g * max_norm / max(summed, max_norm) for g in grads],
         f"For {given} your result is what the *sum* of the arrays' norms gives; the global "
         "norm combines them as the task's formula says."),
        ([g * max_norm / max(norm ** 2, max_norm) for g in grads],
         f"For {given} your result is what the sum of squares gives, used as the norm without "
         "its square root."),
        ([g * norm / max_norm if norm > max_norm else g for g in grads],
         f"For {given} your arrays grew: you scaled them by the inverse of the factor."),
        ([g / norm if norm > max_norm else g for g in grads],
         f"For {given} your clipped arrays have a global norm of 1, not max_norm = "
         f"{max_norm:g}."),
        ([-r for r in right],
         f"For {given} your arrays have the wrong sign: clipping only shrinks the gradients, "
         "it never flips them."),
    ]
    _diagnose(out, right, mistakes, same=lambda a, b, rtol, atol: _all_match(a, b))


@exercise("6.3", forbid=("tf.clip_by_norm", "tf.clip_by_global_norm"))
def clip_by_global_norm(answer, rng):
    need_callable(answer, "clip_by_global_norm")
    from helpers.startup import import_tensorflow

    tf = import_tensorflow()
    cases = _clip_cases() + _clip_drawn(rng)
    for template, grads, max_norm in cases:
        right, norm = _clip(grads, max_norm)
        given = template.format(norm=norm)
        out = _as_list(call(answer, grads, max_norm, name="clip_by_global_norm"), grads, given)
        for i, (mine, g) in enumerate(zip(out, grads)):
            expect_shape(mine, g.shape, f"clipped array {i} for {given} (the shape of grads[{i}])")
            if not np.all(np.isfinite(mine)):
                if norm == 0:
                    raise Reject("For all-zero gradients your result has NaN or infinity: the "
                                 "global norm is 0, and dividing by it is undefined. Gradients "
                                 "under max_norm (zero ones included) must come back "
                                 "unchanged.")
                expect_finite(mine, f"clipped array {i} for {given}")
        _clip_diagnose(out, right, grads, max_norm, norm, given)
        for i, (mine, r) in enumerate(zip(out, right)):
            expect_close(mine, r, f"clipped array {i}", rtol=1e-5, atol=1e-7, given=given)
    template, grads, max_norm = cases[0]
    tf_clipped, _ = tf.clip_by_global_norm([tf.constant(g) for g in grads], max_norm)
    mine = _as_list(call(answer, grads, max_norm, name="clip_by_global_norm"), grads,
                    "the first case")
    gap = max(float(np.max(np.abs(m - t.numpy()))) for m, t in zip(mine, tf_clipped))
    return (f"right on {len(cases)} lists of gradients: above, below, exactly at and just "
            f"above max_norm, arrays each under max_norm but not together, and all-zero "
            f"gradients; largest difference from tf.clip_by_global_norm {gap:.1e}.")


# 6.4 -----------------------------------------------------------------------------------------

WIDTH = 64
DEPTHS = (20, 24)          # the checker draws a depth in this range, ends included
BATCH, LEARNING_RATE = 128, 0.02
TARGET = 0.80              # validation accuracy after one epoch; trained from OUTCOME_SEED,
                           # the solution reaches 0.869-0.881 at each depth from 20 to 24


@functools.lru_cache(maxsize=1)
def _mnist():
    """The lesson's 3,000 training and 1,000 validation digits, flattened to 784 values."""
    from helpers import data

    mnist = data.load_mnist()
    return (mnist.x_train.reshape(-1, 784).astype("float32"), mnist.y_train,
            mnist.x_val.reshape(-1, 784).astype("float32"), mnist.y_val)


def _accuracy(model, x, y, training=False):
    probs = np.asarray(model(x, training=training))
    return float(np.mean(np.argmax(probs, axis=1) == y))


def _is_sigmoid(keras, layer):
    return getattr(layer, "activation", None) is keras.activations.sigmoid


def _network_of(keras, answer, depth):
    """The learner's model for `depth`, or a Reject saying why it is not the network asked for."""
    model = call(answer, depth, name="deep_sigmoid_network")
    if model is None:
        raise Reject("deep_sigmoid_network returned None: return the (uncompiled) keras.Model.")
    if not isinstance(model, keras.Model):
        raise Reject(f"deep_sigmoid_network({depth}) should return a keras.Model; got "
                     f"{type(model).__name__}.")
    shapes = [tuple(t.shape) for t in model.inputs], [tuple(t.shape) for t in model.outputs]
    if shapes[0] != [(None, 784)]:
        raise Reject(f"The model should take one input of shape (None, 784), the flattened "
                     f"pixels; yours takes {', '.join(map(str, shapes[0]))}.")
    if shapes[1] != [(None, 10)]:
        raise Reject(f"The model should return one output of shape (None, 10), a probability "
                     f"per digit; yours returns {', '.join(map(str, shapes[1]))}.")
    layers = model._flatten_layers(include_self=False)
    sigmoid = [la for la in layers if _is_sigmoid(keras, la)]
    on_64 = [la for la in sigmoid if tuple(la.output.shape) == (None, WIDTH)]
    if len(on_64) < depth:
        extra = (f" ({len(sigmoid) - len(on_64)} more act on other widths)"
                 if len(sigmoid) > len(on_64) else "")
        raise Reject(f"For depth = {depth} the model should have {depth} sigmoid layers of "
                     f"{WIDTH} units; yours has {len(on_64)}{extra}. Count a sigmoid given as a "
                     "Dense layer's `activation=\"sigmoid\"` or as an Activation(\"sigmoid\") "
                     "layer.")
    dense = [la for la in layers if isinstance(la, keras.layers.Dense)]
    wide = [la for la in dense if la.units > WIDTH]
    if wide:
        raise Reject(f"Your Dense layer `{wide[0].name}` has {wide[0].units} units; the task "
                     f"allows at most {WIDTH}, so that depth, not width, does the work.")
    if sum(la.units == WIDTH for la in dense) < depth:
        raise Reject(f"For depth = {depth} the model should have at least {depth} Dense layers "
                     f"of {WIDTH} units; yours has {sum(la.units == WIDTH for la in dense)}.")
    return model


@exercise("6.4")
def deep_sigmoid_network(answer, rng):
    need_callable(answer, "deep_sigmoid_network")
    from helpers.startup import import_keras, import_tensorflow

    keras, tf = import_keras(), import_tensorflow()
    x_train, y_train, x_val, y_val = _mnist()
    depth = int(rng.integers(DEPTHS[0], DEPTHS[1] + 1))
    seed = OUTCOME_SEED                      # the depth is drawn; the training run is not
    keras.utils.set_random_seed(seed)        # the model's initial weights and the batches' order
    model = _network_of(keras, answer, depth)

    probs = as_array(model(x_val[:5]), f"the output of deep_sigmoid_network({depth})")
    expect_finite(probs, f"the untrained model's output for depth = {depth}")
    if np.any(probs < -1e-6) or not np.allclose(probs.sum(axis=1), 1, atol=1e-3):
        raise Reject(f"For depth = {depth} your model's outputs for one image do not add up to "
                     f"1 (they add up to {probs.sum(axis=1)[0]:.4g}): end with a softmax, so "
                     "that it returns probabilities, as the loss expects.")
    before = _accuracy(model, x_val, y_val)
    if before > 0.3:
        raise Reject(f"Before any training your model (depth = {depth}) already gets "
                     f"{before:.0%} of the validation digits right: return a new, untrained "
                     "model; the checker trains it.")

    model.compile(optimizer=keras.optimizers.SGD(LEARNING_RATE, momentum=0.9),
                  loss="sparse_categorical_crossentropy")
    batches = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
               .shuffle(len(x_train), seed=seed).batch(BATCH))
    loss = model.fit(batches, epochs=1, shuffle=False, verbose=0).history["loss"][-1]
    acc = _accuracy(model, x_val, y_val)
    steps = math.ceil(len(x_train) / BATCH)
    done = (f"after one epoch ({steps} steps of SGD, lr {LEARNING_RATE}, momentum 0.9) your "
            f"network with depth = {depth}")
    if not math.isfinite(loss):
        raise Reject(f"Training diverged: {done} has a training loss of {loss}.")
    if acc >= TARGET:
        return (f"{done} reaches {acc:.3f} validation accuracy (target {TARGET:.2f}), from "
                f"{before:.2f} before training, with {depth} sigmoid layers of {WIDTH} units.")
    batch_acc = _accuracy(model, x_val, y_val, training=True)
    if batch_acc - acc > 0.2:
        # Confirmed by measurement: the same weights do much better with batch statistics.
        raise Reject(f"{done[0].upper()}{done[1:]} reaches {acc:.3f} on the validation digits "
                     f"at prediction time, but {batch_acc:.3f} when each layer normalises with "
                     "the batch's own statistics (training=True): its moving averages have not "
                     f"caught up yet (section 4). The target, {TARGET:.2f}, is for prediction "
                     "time.")
    if acc <= 0.2:
        raise Reject(f"{done[0].upper()}{done[1:]} is still guessing: {acc:.3f} validation "
                     f"accuracy (target {TARGET:.2f}, chance 0.10).")
    raise Reject(f"{done[0].upper()}{done[1:]} reaches {acc:.3f} validation accuracy; the "
                 f"target is {TARGET:.2f}.")
