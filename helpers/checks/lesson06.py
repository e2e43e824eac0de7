"""Checkers for lesson 06 (Training deep networks).

Each checker compares the learner's answer with an exact reference on seeded inputs and with
Keras' or TensorFlow's own version where one exists (initialisers, BatchNormalization,
tf.clip_by_global_norm, a model built from the learner's block), and names the usual
mistakes: a Glorot *normal* standard deviation for the uniform limit, an unbiased variance,
a forgotten epsilon, clipping each array on its own, clipping gradients that are already small.
"""

import math

import numpy as np

from helpers.checks import Reject, as_array, as_number, call, exercise, expect_close, \
    expect_finite, expect_shape, need_callable, short


def _matches(actual, variant, rtol=1e-4, atol=1e-6):
    variant = np.asarray(variant, dtype=float)
    return actual.shape == variant.shape and bool(np.all(np.isfinite(actual))) and \
        np.allclose(actual, variant, rtol=rtol, atol=atol)


def _diagnose(actual, right, mistakes, rtol=1e-4, atol=1e-6):
    """Reject with the mistake's own message when `actual` is not `right` but equals a known
    wrong answer."""
    if _matches(actual, right, rtol, atol):
        return
    for variant, message in mistakes:
        if _matches(actual, variant, rtol, atol):
            raise Reject(message)


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


@exercise("6.1")
def init_scales(glorot_limit, he_std):
    need_callable(glorot_limit, "glorot_limit")
    need_callable(he_std, "he_std")
    for fan_in, fan_out in FANS:
        given = f"fan_in = {fan_in}, fan_out = {fan_out}"
        mine = as_number(call(glorot_limit, fan_in, fan_out, name="glorot_limit"),
                         f"glorot_limit({fan_in}, {fan_out})")
        right = math.sqrt(6 / (fan_in + fan_out))
        _diagnose(np.asarray(mine), right, [
            (math.sqrt(2 / (fan_in + fan_out)),
             f"glorot_limit({fan_in}, {fan_out}) gave sqrt(2 / (fan_in + fan_out)) = "
             f"{mine:.4g}: that is the *standard deviation* Glorot asks for. A uniform "
             "distribution on [−a, a] has variance a²/3, so the limit is sqrt(3) times it: "
             "sqrt(6 / (fan_in + fan_out))."),
            (math.sqrt(6 / fan_in),
             f"glorot_limit({fan_in}, {fan_out}) used fan_in alone: Glorot averages the two "
             "fans, sqrt(6 / (fan_in + fan_out))."),
            (6 / (fan_in + fan_out),
             f"glorot_limit({fan_in}, {fan_out}) = {mine:.4g} is 6 / (fan_in + fan_out): "
             "take its square root."),
            (math.sqrt(6) / (fan_in + fan_out),
             f"glorot_limit({fan_in}, {fan_out}) = {mine:.4g}: the square root covers the "
             "whole fraction, sqrt(6 / (fan_in + fan_out))."),
        ])
        expect_close(mine, right, "glorot_limit", rtol=1e-6, given=given)

        mine_he = as_number(call(he_std, fan_in, name="he_std"), f"he_std({fan_in})")
        right_he = math.sqrt(2 / fan_in)
        if fan_in > 1:
            _diagnose(np.asarray(mine_he), right_he, [
                (math.sqrt(1 / fan_in),
                 f"he_std({fan_in}) = {mine_he:.4g} is sqrt(1 / fan_in), LeCun's choice: a "
                 "ReLU zeroes half of its inputs, so He doubles the variance: sqrt(2 / fan_in)."),
                (2 / fan_in,
                 f"he_std({fan_in}) = {mine_he:.4g} is the variance 2 / fan_in; return the "
                 "standard deviation, its square root."),
                (math.sqrt(6 / fan_in),
                 f"he_std({fan_in}) = {mine_he:.4g} is sqrt(6 / fan_in), the limit of He's "
                 "*uniform* variant; the standard deviation is sqrt(2 / fan_in)."),
                (math.sqrt(2) / fan_in,
                 f"he_std({fan_in}) = {mine_he:.4g}: the square root covers the whole "
                 "fraction, sqrt(2 / fan_in)."),
            ])
        expect_close(mine_he, right_he, "he_std", rtol=1e-6, given=f"fan_in = {fan_in}")

    keras_max, keras_std = _keras_statistics(784, 64)
    limit = math.sqrt(6 / (784 + 64))
    return (f"both right for five layer shapes. For a 784 → 64 layer Keras' GlorotUniform "
            f"drew values up to {keras_max:.4f} (your limit {limit:.4f}) and HeNormal a "
            f"standard deviation of {keras_std:.4f} (yours {math.sqrt(2 / 784):.4f}).")


# 6.2 -----------------------------------------------------------------------------------------

def _batch_norm(x, gamma, beta, eps, ddof=0, axis=0):
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, ddof=ddof, keepdims=True)
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
    rng = np.random.default_rng(62)
    cases = []
    x = rng.normal(3.0, 2.0, (8, 5))
    x[:, 1] = 0.5 + 0.01 * rng.normal(size=8)   # a feature with variance near 1e-4, below eps
    x[:, 3] = 7.0                               # a constant feature: variance 0
    cases.append(("x of shape (8, 5), eps = 1e-3", x, rng.normal(1, 0.5, 5),
                  rng.normal(0, 1, 5), 1e-3))
    cases.append(("x of shape (6, 3), eps = 1e-5", rng.normal(-1, 3, (6, 3)),
                  np.array([2.0, -1.0, 0.5]), np.array([0.0, 1.0, -2.0]), 1e-5))
    cases.append(("x of shape (2, 4), eps = 0.1", rng.normal(0, 1, (2, 4)),
                  np.ones(4), np.zeros(4), 0.1))
    return cases


@exercise("6.2")
def batch_norm_forward(answer):
    need_callable(answer, "batch_norm_forward")
    for given, x, gamma, beta, eps in _bn_cases():
        out = call(answer, x.copy(), gamma.copy(), beta.copy(), eps, name="batch_norm_forward")
        out = as_array(out, f"batch_norm_forward for {given}")
        expect_shape(out, x.shape, f"the result for {given} (the shape of x)")
        right = _batch_norm(x, gamma, beta, eps)
        if not np.all(np.isfinite(out)) and x.shape == (8, 5) and \
                np.all(np.isfinite(np.delete(out, 3, axis=1))):
            raise Reject(f"For {given} your result has NaN or infinity in column 3, a feature "
                         "that is constant over the batch (variance 0): did you forget to add "
                         "eps to the variance before the square root?")
        expect_finite(out, f"batch_norm_forward for {given}")
        n = len(x)
        mistakes = [
            (_batch_norm(x, gamma, beta, eps, ddof=1),
             f"For {given} you used the unbiased variance (dividing by n − 1 = {n - 1}). Batch "
             "normalisation, and Keras, divide by n: np.var(x, axis=0) or ddof=0."),
            (_batch_norm(x, gamma, beta, 1e-12),
             f"For {given} your result ignores eps: divide by sqrt(variance + eps)."),
            (gamma * (x - x.mean(0)) / (x.std(0) + eps) + beta,
             f"For {given} you added eps to the standard deviation; add it to the variance, "
             "inside the square root: sqrt(variance + eps)."),
            (_batch_norm(x, 1.0, 0.0, eps),
             f"For {given} you returned the normalised x without gamma and beta: multiply by "
             "gamma, then add beta."),
            (_batch_norm(x, beta, gamma, eps),
             f"For {given} gamma and beta are swapped: gamma scales, beta shifts."),
            (gamma * (x - x.mean(0)) / (x.var(0) + eps) + beta,  # no square root
             f"For {given} you divided by the variance + eps; divide by its square root."),
        ]
        for fixed in (1e-3, 1e-5):
            if fixed != eps:
                mistakes.append((_batch_norm(x, gamma, beta, fixed),
                                 f"For {given} your result uses eps = {fixed:g}, not the `eps` "
                                 "it was given: use the argument."))
        if n != x.shape[1]:
            mistakes.append((_batch_norm(x, 1.0, 0.0, eps, axis=1) * gamma + beta,
                             f"For {given} you normalised each example (axis 1); batch "
                             "normalisation normalises each feature over the batch, axis 0."))
        _diagnose(out, right, mistakes, rtol=1e-4, atol=1e-5)
        expect_close(out, right, "batch_norm_forward(x, gamma, beta, eps)", rtol=1e-4,
                     atol=1e-5, given=given)
    given, x, gamma, beta, eps = _bn_cases()[0]
    keras_out = _keras_batch_norm(x, gamma, beta, eps)
    mine = as_array(call(answer, x.copy(), gamma.copy(), beta.copy(), eps), "your result")
    gap = float(np.max(np.abs(mine - keras_out)))
    if gap > 1e-3:
        raise Reject(f"For {given} your result differs from keras.layers.BatchNormalization "
                     f"(training=True) by up to {gap:.3g}.")
    return (f"right for three batches, including a constant feature and a batch of two; "
            f"largest difference from keras.layers.BatchNormalization(training=True): "
            f"{gap:.1e} (float32).")


# 6.3 -----------------------------------------------------------------------------------------

def _clip(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
    scale = max_norm / max(norm, max_norm)
    return [g * scale for g in grads], norm


def _clip_cases():
    rng = np.random.default_rng(63)
    big = [rng.normal(0, 2, (4, 3)), rng.normal(0, 2, (3,)), rng.normal(0, 2, (3, 2))]
    small = [rng.normal(0, 0.05, (5, 2)), rng.normal(0, 0.05, (2,)), rng.normal(0, 0.05, (2, 1))]
    uneven = [rng.normal(0, 5, (6,)), rng.normal(0, 0.01, (2, 2)), np.array([0.3])]
    zeros = [np.zeros((3, 2)), np.zeros(2), np.zeros((2, 1))]
    return [("three arrays with global norm {norm:.3g} and max_norm = 1.0", big, 1.0),
            ("three small arrays (global norm {norm:.3g}) and max_norm = 1.0", small, 1.0),
            ("three arrays of very different sizes (global norm {norm:.3g}), max_norm = 2.5",
             uneven, 2.5),
            ("all-zero gradients and max_norm = 1.0", zeros, 1.0)]


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
    return [as_array(a, f"clipped array {i}") for i, a in enumerate(out)]


@exercise("6.3")
def clip_by_global_norm(answer):
    need_callable(answer, "clip_by_global_norm")
    from helpers.startup import import_tensorflow

    tf = import_tensorflow()
    for template, grads, max_norm in _clip_cases():
        right, norm = _clip(grads, max_norm)
        given = template.format(norm=norm)
        out = _as_list(call(answer, [g.copy() for g in grads], max_norm,
                            name="clip_by_global_norm"), grads, given)
        for i, (mine, g) in enumerate(zip(out, grads)):
            expect_shape(mine, g.shape, f"clipped array {i} for {given} (the shape of grads[{i}])")
            if not np.all(np.isfinite(mine)):
                if norm == 0:
                    raise Reject("For all-zero gradients your result has NaN: the global norm is "
                                 "0, and 0 / 0 is NaN. Gradients under max_norm (zero ones "
                                 "included) must come back unchanged.")
                expect_finite(mine, f"clipped array {i} for {given}")
        per_array = [g * max_norm / max(np.linalg.norm(g), max_norm) for g in grads]
        always = [g * max_norm / norm for g in grads] if norm > 0 else grads
        wrong_norm = sum(float(np.linalg.norm(g)) for g in grads)
        summed = [g * max_norm / max(wrong_norm, max_norm) for g in grads]
        squared = [g * max_norm / max(norm ** 2, max_norm) for g in grads]
        if all(_matches(m, r) for m, r in zip(out, right)):
            continue
        for variant, message in [
            (per_array, f"For {given} you clipped each array by its own norm. Clip by the "
                        "*global* norm, sqrt of the sum of squares over all arrays together, "
                        "so that every array is scaled by the same factor and the direction "
                        "of the whole gradient is kept."),
            (always, f"For {given} the global norm {norm:.3g} is already at most max_norm, "
                     "so the gradients must come back unchanged; yours were scaled up to "
                     "max_norm. Scale by max_norm / max(norm, max_norm)."),
            (summed, f"For {given} you added up the arrays' norms; the global norm is "
                     "sqrt(sum of all squared entries) = sqrt(Σ‖g‖²)."),
            (squared, f"For {given} you used the sum of squares without its square root as "
                      "the norm."),
            ([-r for r in right], f"For {given} your arrays have the wrong sign: clipping "
                                  "only shrinks the gradients, it never flips them."),
        ]:
            if all(_matches(m, v) for m, v in zip(out, variant)):
                raise Reject(message)
        for i, (mine, r) in enumerate(zip(out, right)):
            expect_close(mine, r, f"clipped array {i}", rtol=1e-5, atol=1e-7, given=given)
    template, grads, max_norm = _clip_cases()[0]
    tf_clipped, _ = tf.clip_by_global_norm([tf.constant(g) for g in grads], max_norm)
    mine = _as_list(call(answer, [g.copy() for g in grads], max_norm), grads, "the first case")
    gap = max(float(np.max(np.abs(m - t.numpy()))) for m, t in zip(mine, tf_clipped))
    return (f"right above, below and far below max_norm and for zero gradients; largest "
            f"difference from tf.clip_by_global_norm {gap:.1e}.")


# 6.4 -----------------------------------------------------------------------------------------

def _block_model(answer, units):
    """keras.Input((units,)) → the learner's block → a Model, or a Reject saying why not."""
    from helpers.startup import import_keras

    keras = import_keras()
    inputs = keras.Input((units,))
    out = call(answer, inputs, units, name="residual_block")
    if out is None:
        raise Reject("residual_block returned None: return the block's output tensor (the "
                     "result of the Add).")
    if isinstance(out, keras.layers.Layer) or isinstance(out, keras.Model):
        raise Reject(f"residual_block returned a {type(out).__name__}; return the output "
                     "*tensor*: call the layer on its inputs, e.g. keras.layers.Add()([x, h]).")
    if not keras.backend.is_keras_tensor(out):
        raise Reject(f"residual_block should return a symbolic Keras tensor built from x; got "
                     f"{type(out).__name__}.")
    try:
        model = keras.Model(inputs, out)
    except Exception as error:  # a disconnected graph, a second Input, ...
        raise Reject(f"Keras could not build a model from x to your output ({type(error).__name__}:"
                     f" {short(str(error), 160)}). Build the block from the x you are given; "
                     "do not create a new keras.Input inside it.") from None
    return keras, model


def _dense_layers(keras, model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


@exercise("6.4")
def residual_block(answer):
    need_callable(answer, "residual_block")
    rng = np.random.default_rng(64)
    for units in (8, 5):
        keras, model = _block_model(answer, units)
        shape = tuple(model.output.shape)
        if shape == (None, 2 * units):
            raise Reject(f"For units = {units} your block's output has shape {shape}: that "
                         "is a Concatenate; a residual connection *adds* x, with "
                         "keras.layers.Add()([x, h]).")
        if shape != (None, units):
            raise Reject(f"For x of shape (None, {units}) the block's output should have shape "
                         f"(None, {units}), like x; yours has {shape}.")
        dense = _dense_layers(keras, model)
        if len(dense) != 2:
            raise Reject(f"The block should hold two Dense layers; yours has {len(dense)}.")
        for layer in dense:
            if layer.units != units:
                raise Reject(f"Each Dense layer should have `units` = {units} units; one of "
                             f"yours has {layer.units}.")
        x = rng.normal(0, 1, (16, units)).astype("float32")
        x[0] = -np.abs(x[0])  # an input with every entry negative: relu(x) ≠ x there

        # The skip connection: with every weight zero, the branch outputs 0 and out == x.
        saved = [layer.get_weights() for layer in dense]
        for layer in dense:
            layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
        out = np.asarray(model(x))
        if np.allclose(out, 0):
            raise Reject("With all Dense weights set to zero your block outputs zeros, so "
                         "nothing carries x past the Dense layers: add the block's *input* x "
                         "to the branch's output, keras.layers.Add()([x, h]).")
        if np.allclose(out, np.maximum(x, 0)):
            raise Reject("With all Dense weights set to zero your block outputs relu(x), not "
                         "x: apply no activation after the Add (the sum is the output).")
        if not np.allclose(out, x, atol=1e-6):
            raise Reject("With all Dense weights set to zero the branch gives 0, so the block "
                         "should return x itself; yours does not. The skip connection adds x, "
                         "unchanged, to the branch's output.")
        for layer, weights in zip(dense, saved):
            layer.set_weights(weights)

        # The branch: Dense with ReLU, then a linear Dense, in that order.
        (w1, b1), (w2, b2) = [(np.asarray(layer.kernel), np.asarray(layer.bias) if layer.use_bias
                               else np.zeros(units)) for layer in dense]
        hidden = x @ w1 + b1
        right = x + np.maximum(hidden, 0) @ w2 + b2
        out = np.asarray(model(x), dtype=float)
        _diagnose(out, right, [
            (x + hidden @ w2 + b2, "The first Dense layer has no activation: give it "
                                   "activation=\"relu\"."),
            (np.maximum(x + np.maximum(hidden, 0) @ w2 + b2, 0),
             "You applied a ReLU after the Add; the block's output is the plain sum."),
            (x + np.maximum(np.maximum(hidden, 0) @ w2 + b2, 0),
             "The second Dense layer has a ReLU; leave it linear so the branch can add "
             "negative corrections to x."),
            (x + 1 / (1 + np.exp(-hidden)) @ w2 + b2,
             "The first Dense layer uses a sigmoid; the task asks for relu."),
        ], rtol=1e-4, atol=1e-5)
        expect_close(out, right, "the block's output", rtol=1e-4, atol=1e-5,
                     given=f"units = {units} and 16 random inputs")
    adds = [layer for layer in model.layers if isinstance(layer, keras.layers.Add)]
    joined = "a keras.layers.Add layer" if adds else "an addition"
    return (f"two Dense layers (ReLU, then linear) and {joined} that carries x through "
            f"unchanged; outputs match x + Dense(relu(Dense(x))) for units = 8 and 5.")
