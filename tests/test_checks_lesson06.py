"""Unit tests of lesson 06's checkers (Training deep networks): right answers written
differently pass; realistic wrong ones (wrong formulas, missed edge cases, lookup tables of
earlier cases, answers that change their inputs, library calls the exercise asks to replace)
fail with a specific message; odd answers get a verdict rather than a crash."""

import math
import re

import numpy as np
import pytest
from answers import SEED_NOTE, args_key, raises_value_error, rejects, stub_for

from helpers.checks import ExerciseFailed
from helpers.checks import lesson06 as check
from helpers.startup import import_keras, import_tensorflow

keras = import_keras()
tf = import_tensorflow()


def recorded(right, checker, *others):
    """The answers `right` gave on one whole run of `checker`, keyed by their inputs."""
    table = {}

    def recording(*args):
        out = right(*args)
        table[args_key(args)] = out
        return out

    assert checker(recording, *others) is True
    return table


# Exercise 6.1: glorot_limit(fan_in, fan_out), he_std(fan_in) --------------------------------

def glorot(fan_in, fan_out):
    return math.sqrt(6 / (fan_in + fan_out))


def he(fan_in):
    return math.sqrt(2 / fan_in)


@pytest.mark.parametrize("glorot_answer, he_answer", [
    (glorot, he),
    (lambda i, o: np.sqrt(3.0) * np.sqrt(2.0 / (i + o)), lambda i: np.sqrt(2) / np.sqrt(i)),
    (lambda i, o: np.float32(np.sqrt(6 / (i + o))), lambda i: np.array([(2 / i) ** 0.5])),
    (lambda i, o: tf.sqrt(6.0 / float(i + o)), lambda i: tf.constant(2.0 / i) ** 0.5),
    (lambda i, o: keras.ops.sqrt(6.0 / (i + o)), lambda i: math.sqrt(2) / math.sqrt(i)),
])
def test_init_scales_accepts_right_answers_written_differently(glorot_answer, he_answer):
    assert check.init_scales(glorot_answer, he_answer) is True


@pytest.mark.parametrize("glorot_answer, he_answer, message", [
    (lambda i, o: math.sqrt(2 / (i + o)), he, r"is the \*standard deviation\*"),
    (lambda i, o: math.sqrt(6 / i), he, "uses fan_in alone"),
    (lambda i, o: math.sqrt(6 / o), he, "uses fan_out alone"),
    (lambda i, o: 6 / (i + o), he, "is the square of the limit"),
    (lambda i, o: math.sqrt(6) / (i + o), he, "covers only the numerator"),
    (lambda i, o: -glorot(i, o), he, r"glorot_limit should be 0\.08\d+ for fan_in = 784"),
    (lambda i, o: math.sqrt(6 / (i + o + 1)), he, "should be 0.0841"),            # off by one
    (lambda i, o: 0.1, he, "should be 0.0841"),                                   # constant
    (lambda i, o: (6 // (i + o)) ** 0.5, he, "should be 0.0841"),         # integer division
    (lambda i, o: [glorot(i, o)] * 2, he, r"single number; got shape \(2,\)"),   # wrong shape
    (glorot, lambda i: math.sqrt(1 / i), "LeCun's standard deviation"),
    (glorot, lambda i: 2 / i, "is a variance"),
    (glorot, lambda i: math.sqrt(6 / i), r"He's \*uniform\* variant"),
    (glorot, lambda i: math.sqrt(2) / i, "covers only the numerator"),
    (glorot, lambda i: -he(i), "he_std should be 0.0505"),
    (glorot, lambda i: he(i + 1), "he_std should be 0.0505"),                   # off by one
    (glorot, lambda i: None, "did you forget a `return`"),
    (glorot, lambda i: "0.05", "got the text"),
    (glorot, lambda i: float("nan"), "NaN or infinity"),
])
def test_init_scales_rejects_wrong_answers_specifically(glorot_answer, he_answer, message):
    rejects(check.init_scales, glorot_answer, he_answer, match=message)


def test_init_scales_does_not_call_a_right_he_std_at_fan_in_1_a_misplaced_root():
    # sqrt(2) / fan_in equals sqrt(2 / fan_in) at fan_in = 1 only; the (1, 1) layer must not
    # make a right answer look like that mistake, nor the mistake pass elsewhere.
    assert check.init_scales(glorot, lambda i: math.sqrt(2) / math.sqrt(i)) is True
    rejects(check.init_scales, glorot, lambda i: math.sqrt(2) / i, match="only the numerator")


def test_init_scales_rejects_a_table_of_the_fixed_layer_shapes():
    table = {(i, o): glorot(i, o) for i, o in check.FANS}
    message = rejects(check.init_scales, lambda i, o: table.get((i, o), 0.0123456), he,
                      match=r"glorot_limit should be .* for fan_in = \d+, fan_out = \d+")
    assert "seed" in message
    he_table = {i: he(i) for i, _ in check.FANS}
    rejects(check.init_scales, glorot, lambda i: he_table.get(i, 0.0123456),
            match=r"he_std should be .* for fan_in = \d+.*seed")


def test_init_scales_rejects_none_non_callable_and_crashes():
    rejects(check.init_scales, None, he, match="`glorot_limit` is None")
    rejects(check.init_scales, glorot, 0.05, match="`he_std` should be a function; got a float")
    rejects(check.init_scales, raises_value_error, he, match="raised ValueError: boom")
    rejects(check.init_scales, glorot, raises_value_error, match="raised ValueError: boom")


def test_init_scales_stub_says_exercise_is_yours():
    stub = stub_for("6.1", "implement glorot_limit(fan_in, fan_out) and he_std(fan_in)")
    rejects(check.init_scales, stub, he, match=r"^Exercise 6\.1 is yours")
    rejects(check.init_scales, glorot, stub, match=r"^Exercise 6\.1 is yours")


def test_init_scales_reports_keras_statistics():
    max_glorot, std_he = check._keras_statistics(784, 64)
    assert max_glorot <= glorot(784, 64) and max_glorot > 0.98 * glorot(784, 64)
    assert abs(std_he - he(784)) < 0.03 * he(784)


# Exercise 6.2: batch_norm_forward(x, gamma, beta, eps) --------------------------------------

def bn(x, gamma, beta, eps=1e-3):
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta


def bn_loops(x, gamma, beta, eps):
    n, d = x.shape
    out = []
    for i in range(n):
        row = []
        for j in range(d):
            column = [float(x[k][j]) for k in range(n)]
            mean = sum(column) / n
            var = sum((v - mean) ** 2 for v in column) / n
            row.append(gamma[j] * (x[i][j] - mean) / math.sqrt(var + eps) + beta[j])
        out.append(row)
    return out


def bn_float32(x, gamma, beta, eps):
    x = keras.ops.convert_to_tensor(x, "float32")
    mean, var = keras.ops.mean(x, axis=0), keras.ops.var(x, axis=0)
    return keras.ops.cast(gamma, "float32") * (x - mean) / keras.ops.sqrt(var + eps) + \
        keras.ops.cast(beta, "float32")


def bn_moments(x, gamma, beta, eps):
    # tf.nn.moments only computes the statistics, which the exercise does not ask to be
    # written by hand (its hints use x.mean and x.var).
    mean, var = tf.nn.moments(tf.constant(x), axes=[0])
    return gamma * (x - mean.numpy()) * (var.numpy() + eps) ** -0.5 + beta


@pytest.mark.parametrize("answer", [bn, bn_loops, bn_float32, bn_moments])
def test_batch_norm_forward_accepts_right_answers_written_differently(answer):
    assert check.batch_norm_forward(answer) is True


def test_reference_batch_norm_matches_keras():
    for _, x, gamma, beta, eps in check._bn_cases() + check._bn_drawn(np.random.default_rng()):
        expected = check._batch_norm(x, gamma, beta, eps)
        assert np.allclose(check._keras_batch_norm(x, gamma, beta, eps), expected, atol=1e-4)


def bn_keras_layer(x, gamma, beta, eps):
    layer = keras.layers.BatchNormalization(epsilon=eps)
    layer.build(x.shape)
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    return layer(x, training=True)


@pytest.mark.parametrize("answer, name", [
    (bn_keras_layer, "keras.layers.BatchNormalization"),
    (lambda x, g, b, eps: tf.nn.batch_normalization(x, x.mean(0), x.var(0), b, g, eps),
     "tf.nn.batch_normalization"),
    (lambda x, g, b, eps: keras.ops.batch_normalization(x, x.mean(0), x.var(0), 0, b, g, eps),
     "keras.ops.batch_normalization"),
])
def test_batch_norm_forward_refuses_the_library_versions(answer, name):
    rejects(check.batch_norm_forward, answer, match=f"your answer uses `{name}`")


def bn_in_place(x, gamma, beta, eps):
    x -= x.mean(axis=0)
    x /= np.sqrt(x.var(axis=0) + eps)
    return gamma * x + beta


def bn_squeezed(x, gamma, beta, eps):
    x = np.squeeze(x)            # a batch of one loses its batch axis
    return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:Degrees of freedom:RuntimeWarning")
@pytest.mark.parametrize("answer, message", [
    (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + b,
     r"unbiased variance \(dividing by n − 1 = 7\)"),
    (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0)) + b,
     "column 3, a feature that is constant .* eps is what keeps that division finite"),
    (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-12) + b,
     "ignores eps"),
    (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3) + b,
     r"uses eps = 0\.001, not the `eps` it was given"),
    (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5) + b,
     r"eps = 1e-3.* uses eps = 1e-05, not the `eps`"),
    (lambda x, g, b, eps: g * (x - x.mean(0)) / (x.std(0) + eps) + b,
     "added eps to the standard deviation"),
    (lambda x, g, b, eps: (x - x.mean(0)) / np.sqrt(x.var(0) + eps),
     "without applying gamma and beta"),
    (lambda x, g, b, eps: b * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + g,
     "gamma and beta are swapped"),
    (lambda x, g, b, eps: g * (x - x.mean(0)) / (x.var(0) + eps) + b,
     "divided by the variance"),
    (lambda x, g, b, eps: g * ((x - x.mean(1, keepdims=True))
                               / np.sqrt(x.var(1, keepdims=True) + eps)) + b,
     r"normalised each example \(row\)"),
    (lambda x, g, b, eps: g * (x - x.mean()) / np.sqrt(x.var() + eps) + b,
     "one mean and one variance for the whole batch"),
    (lambda x, g, b, eps: -bn(x, g, b, eps), "is wrong at index"),                  # sign
    (lambda x, g, b, eps: bn(x, g, b, eps)[:-1], r"should have shape \(8, 5\)"),     # shape
    (lambda x, g, b, eps: bn(x, g, b, eps).T, r"should have shape \(8, 5\)"),
    (lambda x, g, b, eps: bn(x, g, b, eps) + 1, "is wrong at index"),               # off by one
    (lambda x, g, b, eps: np.zeros_like(x), "is wrong at index"),                  # constant
    (bn_squeezed, r"a batch of one.*should have shape \(1, 4\)"),                   # batch of 1
    (bn_in_place, r"changed its input `x` in place"),
    (lambda x, g, b, eps: None, "did you forget a `return`"),
    (lambda x, g, b, eps: "normalised", "got the text"),
    (None, "`batch_norm_forward` is None"),
    ([1, 2, 3], "should be a function; got a list"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_batch_norm_forward_rejects_wrong_answers_specifically(answer, message):
    rejects(check.batch_norm_forward, answer, match=message)


def test_batch_norm_forward_rejects_a_table_of_the_fixed_batches():
    table = recorded(bn, check.batch_norm_forward)
    fixed = {args_key((x, g, b, eps)) for _, x, g, b, eps in check._bn_cases()}
    table = {k: v for k, v in table.items() if k in fixed}
    message = rejects(check.batch_norm_forward,
                      lambda x, g, b, eps: table.get(args_key((x, g, b, eps)), np.zeros_like(x)),
                      match=r"for a random x of shape \(\d+, \d+\).*is wrong at index")
    assert "seed" in message


def test_batch_norm_forward_catches_an_eps_ignored_on_random_batches_only():
    # Right on the fixed batches, ignoring eps elsewhere: each random batch has a feature
    # whose variance is close to eps, so the difference shows every time.
    fixed = {args_key(x) for _, x, *_ in check._bn_cases()}

    def answer(x, g, b, eps):
        return bn(x, g, b, eps if args_key(x) in fixed else 1e-12)
    rejects(check.batch_norm_forward, answer, match="random x .* ignores eps")


def test_batch_norm_forward_stub_says_exercise_is_yours():
    stub = stub_for("6.2", "implement batch_norm_forward(x, gamma, beta, eps)")
    rejects(check.batch_norm_forward, stub, match=r"^Exercise 6\.2 is yours")


# Exercise 6.3: clip_by_global_norm(grads, max_norm) -----------------------------------------

def clip(grads, max_norm):
    norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
    return [g * min(1.0, max_norm / norm) if norm > 0 else g for g in grads]


def clip_flat(grads, max_norm):
    flat = np.concatenate([np.ravel(g) for g in grads])
    scale = max_norm / max(np.linalg.norm(flat), max_norm)
    return tuple(np.asarray(g) * scale for g in grads)


def clip_float32(grads, max_norm):
    grads = [keras.ops.convert_to_tensor(g, "float32") for g in grads]
    norm = keras.ops.sqrt(sum(keras.ops.sum(g * g) for g in grads))
    scale = keras.ops.where(norm >= max_norm, max_norm / keras.ops.maximum(norm, 1e-30), 1.0)
    return [g * scale for g in grads]


@pytest.mark.parametrize("answer", [clip, clip_flat, clip_float32])
def test_clip_by_global_norm_accepts_right_answers_written_differently(answer):
    assert check.clip_by_global_norm(answer) is True


@pytest.mark.parametrize("answer, name", [
    (lambda g, m: tf.clip_by_global_norm([tf.constant(x) for x in g], m)[0],
     "tf.clip_by_global_norm"),
    (lambda g, m: [tf.clip_by_norm(x, m) for x in g], "tf.clip_by_norm"),
])
def test_clip_by_global_norm_refuses_the_library_versions(answer, name):
    rejects(check.clip_by_global_norm, answer, match=f"your answer uses `{name}`")


def global_norm(grads):
    return math.sqrt(sum(float(np.sum(g ** 2)) for g in grads))


def per_array(grads, max_norm):
    return [g * min(1.0, max_norm / np.linalg.norm(g)) if np.linalg.norm(g) > 0 else g
            for g in grads]


def always(grads, max_norm):
    return [g * max_norm / global_norm(grads) for g in grads]


def never(grads, max_norm):
    return [np.array(g) for g in grads]


def if_elif(grads, max_norm):
    norm = global_norm(grads)
    if norm > max_norm:
        return [g * max_norm / norm for g in grads]
    elif norm < max_norm:
        return list(grads)


def with_slack(grads, max_norm):
    norm = global_norm(grads)
    return [g * max_norm / norm for g in grads] if norm > 1.01 * max_norm else list(grads)


def squared_test(grads, max_norm):
    norm = global_norm(grads)
    return [g * max_norm / norm for g in grads] if norm ** 2 > max_norm else list(grads)


def in_place(grads, max_norm):
    norm = global_norm(grads)
    for g in grads:
        g *= min(1.0, max_norm / norm) if norm else 1.0
    return grads


def nan_on_zero(grads, max_norm):
    norm = global_norm(grads)
    with np.errstate(invalid="ignore", divide="ignore"):
        return [g * min(1.0, max_norm / norm) if norm > 0 else g / norm for g in grads]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("answer, message", [
    (per_array, "clipped each array by its own norm"),
    (lambda g, m: [x * m / max(np.linalg.norm(x), m) for x in g],
     "clipped each array by its own norm"),
    (never, "global norm is above max_norm, yet your arrays came back unchanged"),
    (squared_test, r"each under max_norm = 0\.5.*came back unchanged\. Each array's own norm "
                   "is at most max_norm"),
    (lambda g, m: always(g, m) if global_norm(g) > 0 else g, "already at most max_norm"),
    (always, "already at most max_norm"),         # also NaN on zeros; the small case comes first
    (lambda g, m: [x * m / max(sum(np.linalg.norm(y) for y in g), m) for x in g],
     r"the \*sum\* of the arrays' norms"),
    (lambda g, m: [x * m / max(sum(np.sum(y ** 2) for y in g), m) for x in g],
     "without its square root"),
    (lambda g, m: [x * global_norm(g) / m if global_norm(g) > m else x for x in g],
     "inverse of the factor"),
    (lambda g, m: [x / global_norm(g) if global_norm(g) > m else x for x in g],
     r"very different sizes .* global norm of 1, not max_norm = 2\.5"),
    (lambda g, m: [-x for x in clip(g, m)], "wrong sign"),
    (nan_on_zero, "all-zero gradients .* NaN or infinity"),
    (if_elif, r"exactly max_norm = 5\.0.*returned None"),                           # boundary
    (with_slack, r"just above max_norm = 5\.0 the global norm is above max_norm, yet your "
                 "arrays came back unchanged"),
    (in_place, r"changed its input `grads` in place \(item 0"),
    (lambda g, m: [x * 1.01 for x in clip(g, m)], "is wrong at index"),          # off by a bit
    (lambda g, m: [np.ones_like(x) for x in g], "is wrong at index"),            # constant
    (lambda g, m: [x.ravel() for x in clip(g, m)], r"should have shape \(4, 3\)"),
    (lambda g, m: clip(g, m)[:-1], r"one array per gradient \(3\); yours returned 2"),
    (lambda g, m: np.concatenate([x.ravel() for x in clip(g, m)]), "return a list"),
    (lambda g, m: (clip(g, m), global_norm(g)), r"returned a pair \(clipped, norm\)"),
    (lambda g, m: None, "returned None"),
    (None, "`clip_by_global_norm` is None"),
    ("clip", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_clip_by_global_norm_rejects_wrong_answers_specifically(answer, message):
    rejects(check.clip_by_global_norm, answer, match=message)


def test_clip_by_global_norm_rejects_a_table_of_the_fixed_cases():
    table = recorded(clip, check.clip_by_global_norm)
    fixed = {args_key((g, m)) for _, g, m in check._clip_cases()}
    table = {k: v for k, v in table.items() if k in fixed}
    message = rejects(check.clip_by_global_norm,
                      lambda g, m: table.get(args_key((g, m)), list(g)),
                      match=r"random arrays of shapes .*came back unchanged|random arrays of "
                            r"shapes .* is wrong at index")
    assert "seed" in message


def test_clip_by_global_norm_catches_per_array_clipping_on_random_cases_only():
    fixed = {args_key(g) for _, g, _ in check._clip_cases()}

    def answer(grads, max_norm):
        return (clip if args_key(grads) in fixed else per_array)(grads, max_norm)
    rejects(check.clip_by_global_norm, answer,
            match=r"random arrays .*(clipped each array by its own norm|Each array's own norm "
                  r"is at most max_norm)")


def test_clip_by_global_norm_stub_says_exercise_is_yours():
    stub = stub_for("6.3", "implement clip_by_global_norm(grads, max_norm)")
    rejects(check.clip_by_global_norm, stub, match=r"^Exercise 6\.3 is yours")


# Exercise 6.4: deep_sigmoid_network(depth), judged by training it -------------------------
# Each case that reaches training costs one epoch of a 20- to 24-layer network (seconds).

def preactivation(depth, momentum=0.5):
    # The solution's design: residual blocks, batch normalisation before each sigmoid.
    inputs = keras.Input((784,))
    h = keras.layers.Dense(64)(inputs)
    for _ in range(depth):
        branch = keras.layers.BatchNormalization(momentum=momentum)(h)
        branch = keras.layers.Activation("sigmoid")(branch)
        h = keras.layers.Add()([h, keras.layers.Dense(64)(branch)])
    h = keras.layers.BatchNormalization(momentum=momentum)(h)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))


def preactivation_written_differently(depth):
    # The + operator, the sigmoid as a function, moving averages that keep only the last batch.
    inputs = keras.Input((784,))
    h = keras.layers.Dense(64, kernel_initializer="he_normal")(inputs)
    for _ in range(depth):
        branch = keras.layers.BatchNormalization(momentum=0.0)(h)
        branch = keras.layers.Activation(keras.activations.sigmoid)(branch)
        h = h + keras.layers.Dense(64)(branch)
    h = keras.layers.BatchNormalization(momentum=0.0)(h)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))


@pytest.mark.parametrize("answer", [preactivation, preactivation_written_differently])
def test_deep_sigmoid_network_accepts_networks_that_reach_the_target(answer):
    assert check.deep_sigmoid_network(answer) is True


def plain(depth, activation="sigmoid", width=64, softmax=True, shape=(784,)):
    inputs = keras.Input(shape)
    h = keras.layers.Flatten()(inputs) if len(shape) > 1 else inputs
    for _ in range(depth):
        h = keras.layers.Dense(width, activation=activation)(h)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax" if softmax else None)(h))


def lesson_batchnorm(depth):
    # Section 4's network, copied: momentum 0.9, so the moving averages lag in epoch 1.
    inputs = keras.Input((784,))
    h = inputs
    for _ in range(depth):
        h = keras.layers.Dense(64, use_bias=False)(h)
        h = keras.layers.BatchNormalization(momentum=0.9)(h)
        h = keras.layers.Activation("sigmoid")(h)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))


def one_layer_short(depth):
    return preactivation(depth - 1)


def wide_entrance(depth):
    inputs = keras.Input((784,))
    h = keras.layers.Dense(256, activation="relu")(inputs)
    h = keras.layers.Dense(64)(h)
    for _ in range(depth):
        h = keras.layers.Add()([h, keras.layers.Dense(64, activation="sigmoid")(h)])
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))


def trains_itself(depth):
    model = preactivation(depth)
    x, y, _, _ = check._mnist()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)
    return model


def two_outputs(depth):
    model = preactivation(depth)
    return keras.Model(model.inputs, [model.output, model.output])


@pytest.mark.parametrize("answer, message", [
    (lesson_batchnorm, r"reaches 0\.\d+ on the validation digits at prediction time, but "
                       r"0\.\d+ when each layer normalises with the batch's own statistics"),
    (plain, r"depth = \d\d is still guessing: 0\.\d+ validation accuracy \(target 0\.80"),
    (trains_itself, r"Before any training your model \(depth = \d\d\) already gets"),
])
def test_deep_sigmoid_network_rejects_networks_that_do_not_reach_the_target(answer, message):
    rejects(check.deep_sigmoid_network, answer, match=message)


@pytest.mark.parametrize("answer, message", [
    (one_layer_short, r"should have (\d\d) sigmoid layers of 64 units; yours has (\d\d)\."),
    (lambda depth: plain(depth, "relu"), "sigmoid layers of 64 units; yours has 0"),
    (lambda depth: plain(depth, "tanh"), "sigmoid layers of 64 units; yours has 0"),
    (lambda depth: plain(depth, width=32), r"yours has 0 \(\d\d more act on other widths\)"),
    (wide_entrance, r"`dense.*` has 256 units; the task allows at most 64"),
    (lambda depth: plain(depth, softmax=False), r"outputs for one image do not add up to 1"),
    (lambda depth: plain(depth, shape=(28, 28)),
     r"one input of shape \(None, 784\).*\(None, 28, 28\)"),
    (two_outputs, r"one output of shape \(None, 10\)"),
    (lambda depth: keras.layers.Dense(10), "should return a keras.Model; got Dense"),
    (lambda depth: None, "returned None"),
    (None, "`deep_sigmoid_network` is None"),
    ("model", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_deep_sigmoid_network_rejects_networks_that_break_the_rules(answer, message):
    rejects(check.deep_sigmoid_network, answer, match=message)


def test_deep_sigmoid_network_draws_the_depth_and_repeats_it_from_the_seed():
    depths = []

    def recording(depth):
        depths.append(depth)
        return plain(depth, "relu")            # rejected before any training
    for _ in range(8):
        message = rejects(check.deep_sigmoid_network, recording, match=SEED_NOTE)
    assert set(depths) <= set(range(check.DEPTHS[0], check.DEPTHS[1] + 1))
    assert len(set(depths)) > 1, "the depth should be drawn afresh on every call"
    seed, last = int(re.search(r"seed=(\d+)", message).group(1)), depths[-1]
    with pytest.raises(ExerciseFailed):
        check.deep_sigmoid_network(recording, seed=seed)
    assert depths[-1] == last


def test_deep_sigmoid_network_stub_says_exercise_is_yours():
    stub = stub_for("6.4", "build deep_sigmoid_network(depth)")
    rejects(check.deep_sigmoid_network, stub, match=r"^Exercise 6\.4 is yours")
