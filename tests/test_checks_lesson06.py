"""Unit tests of lesson 06's checkers (Training deep networks): right answers written
differently pass; realistic wrong ones (wrong formulas, missed edge cases, lookup tables of
earlier cases, answers that change their inputs, library calls the exercise asks to replace)
fail with a specific message; odd answers get a verdict rather than a crash."""

import math

import numpy as np
import pytest
from answers import args_key, raises_value_error, stub_for

from helpers.checks import ExerciseFailed
from helpers.checks import lesson06 as check
from helpers.startup import import_keras, import_tensorflow

keras = import_keras()
tf = import_tensorflow()


def rejects(checker, *answers, match):
    with pytest.raises(ExerciseFailed, match=match) as info:
        checker(*answers)
    return str(info.value)


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


# Exercise 6.4: residual_block(x, units) -----------------------------------------------------

def block(x, units):
    h = keras.layers.Dense(units, activation="relu")(x)
    h = keras.layers.Dense(units)(h)
    return keras.layers.Add()([x, h])


def block_with_operator_and_relu_layer(x, units):
    h = keras.layers.Dense(units)(x)
    h = keras.layers.ReLU()(h)
    return x + keras.layers.Dense(units, use_bias=False)(h)


def block_with_zero_last_layer(x, units):
    # Starting a residual branch at the identity (Goyal et al., 2017): a known technique.
    h = keras.layers.Dense(units, activation="relu")(x)
    h = keras.layers.Dense(units, kernel_initializer="zeros")(h)
    return keras.layers.Add()([x, h])


@pytest.mark.parametrize("answer", [block, block_with_operator_and_relu_layer,
                                    block_with_zero_last_layer])
def test_residual_block_accepts_right_answers_written_differently(answer):
    assert check.residual_block(answer) is True


def no_skip(x, units):
    h = keras.layers.Dense(units, activation="relu")(x)
    return keras.layers.Dense(units)(h)


def relu_after_add(x, units):
    return keras.layers.Activation("relu")(block(x, units))


def with_activation(first, second=None):
    def answer(x, units):
        h = keras.layers.Dense(units, activation=first)(x)
        return keras.layers.Add()([x, keras.layers.Dense(units, activation=second)(h)])
    return answer


def relu6_layer(x, units):
    h = keras.layers.Dense(units)(x)
    h = keras.layers.ReLU(max_value=6.0)(h)
    return keras.layers.Add()([x, keras.layers.Dense(units)(h)])


def zero_initialised(x, units):
    h = keras.layers.Dense(units, activation="relu", kernel_initializer="zeros")(x)
    h = keras.layers.Dense(units, kernel_initializer="zeros")(h)
    return keras.layers.Add()([x, h])


def frozen(x, units):
    h = keras.layers.Dense(units, activation="relu", trainable=False)(x)
    return keras.layers.Add()([x, keras.layers.Dense(units)(h)])


def concatenated(x, units):
    h = keras.layers.Dense(units, activation="relu")(x)
    return keras.layers.Concatenate()([x, keras.layers.Dense(units)(h)])


def adds_hidden(x, units):
    h = keras.layers.Dense(units, activation="relu")(x)
    return keras.layers.Add()([h, keras.layers.Dense(units)(h)])


def wrong_width(x, units):
    h = keras.layers.Dense(units + 1, activation="relu")(x)
    return keras.layers.Add()([x, keras.layers.Dense(units)(h)])


def one_dense(x, units):
    return keras.layers.Add()([x, keras.layers.Dense(units, activation="relu")(x)])


def new_input(x, units):
    fresh = keras.Input((units,))
    return block(fresh, units)


def subtracts(x, units):
    h = keras.layers.Dense(units, activation="relu")(x)
    return keras.layers.Subtract()([x, keras.layers.Dense(units)(h)])


def doubled(x, units):
    return keras.layers.Add()([x, block(x, units)])


@pytest.mark.parametrize("answer, message", [
    (no_skip, "nothing carries x past the Dense layers"),
    (adds_hidden, "nothing carries x past the Dense layers"),
    (relu_after_add, r"outputs relu\(x\), not x: apply no activation after the Add"),
    (with_activation(None), "first Dense layer has no activation"),
    (with_activation("relu", "relu"), "second Dense layer has a ReLU"),
    (with_activation(None, "relu"), "activations are swapped"),
    (with_activation("relu6"), r"caps large values \(at 6"),
    (relu6_layer, r"caps large values \(at 6"),
    (with_activation("sigmoid"), "uses a sigmoid"),
    (with_activation("tanh"), "uses tanh"),
    (with_activation("elu"), "the block's output .* is wrong at index"),
    (with_activation("leaky_relu"), "the block's output .* is wrong at index"),
    (zero_initialised, "first Dense layer starts all zero"),
    (frozen, r"frozen \(trainable=False\)"),
    (concatenated, "that is a Concatenate"),
    (wrong_width, r"should have `units` = 8 units; one of yours has 9"),
    (one_dense, "should hold two Dense layers; yours has 1"),
    (new_input, "do not create a new keras.Input"),
    (subtracts, "the block's output .* is wrong at index"),                       # wrong sign
    (doubled, "should return x itself"),                                           # 2x + F
    (lambda x, units: keras.layers.Dense(units), "returned a Dense"),
    (lambda x, units: keras.layers.Add(), "returned a Add"),
    (lambda x, units: np.zeros((1, units)), "symbolic Keras tensor"),
    (lambda x, units: None, "returned None"),
    (None, "`residual_block` is None"),
    (3, "should be a function; got a int"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_residual_block_rejects_wrong_answers_specifically(answer, message):
    rejects(check.residual_block, answer, match=message)


def test_residual_block_rejects_a_block_remembered_from_an_earlier_call():
    # The block's input is a fresh keras.Input on every call, so a remembered output tensor
    # belongs to another graph.
    remembered = {}

    def answer(x, units):
        return remembered.setdefault(units, block(x, units))
    try:
        check.residual_block(answer)               # the first call fills the table
    except ExerciseFailed:
        pass
    rejects(check.residual_block, answer, match="do not create a new keras.Input")


def test_residual_block_stub_says_exercise_is_yours():
    stub = stub_for("6.4", "implement residual_block(x, units) with keras.layers.Add")
    rejects(check.residual_block, stub, match=r"^Exercise 6\.4 is yours")
