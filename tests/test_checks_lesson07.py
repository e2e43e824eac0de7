"""Unit tests of lesson 07's checkers (Convolutional networks): right answers pass, wrong ones
fail with a specific message, odd answers get a verdict rather than a crash."""

import math

import numpy as np
import pytest
from scipy import signal

from answers import raises_value_error, stub_for
from helpers.checks import ExerciseFailed
from helpers.checks import lesson07 as check


# Exercise 7.1: conv_output_size(n, k, stride, padding) ---------------------------------------

def size_with_math(n, k, stride, padding):
    if padding == "same":
        return math.ceil(n / stride)
    return math.floor((n - k) / stride) + 1


def size_by_counting(n, k, stride, padding):
    if padding == "same":
        return len(range(0, n, stride))
    return len(range(0, n - k + 1, stride))


@pytest.mark.parametrize("answer", [
    lambda n, k, stride, padding: (n - k) // stride + 1 if padding == "valid" else -(-n // stride),
    size_with_math,
    size_by_counting,
    lambda n, k, s, p: np.float64(np.ceil(n / s) if p == "same" else np.floor((n - k) / s) + 1),
    lambda n, k, s, p: np.array((n - k + 1 + s - 1) // s if p == "valid" else (n + s - 1) // s),
])
def test_conv_output_size_accepts_right_answers_written_differently(answer):
    assert check.conv_output_size(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`conv_output_size` is None"),
    ("(n - k) // s + 1", "should be a function; got a str"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda n, k, s, p: n - k if p == "valid" else -(-n // s), "off by one"),     # off by one
    (lambda n, k, s, p: (n - k) // s if p == "valid" else -(-n // s), "off by one"),
    (lambda n, k, s, p: n - k + 1 if p == "valid" else -(-n // s), "forgot the stride"),
    (lambda n, k, s, p: (n - k) // s + 1 if p == "valid" else n, "forgot the stride"),
    (lambda n, k, s, p: (n - k) // s + 1 if p == "valid" else n // s, "round up, not down"),
    (lambda n, k, s, p: (n - k) // s + 1 if p == "valid" else (n + 2 * (k // 2) - k) // s + 1,
     "whatever the kernel size"),
    (lambda n, k, s, p: -(-n // s) if p == "valid" else (n - k) // s + 1,
     "that is the 'same' size"),
    (lambda n, k, s, p: -((n - k) // s + 1) if p == "valid" else -(-n // s),      # wrong sign
     r"the output has 26 pixels; yours gave -26"),
    (lambda n, k, s, p: 28,                                                      # constant
     r"padding = 'valid' the output has 26 pixels; yours gave 28"),
    (lambda n, k, s, p: (n - k) / s + 1 if p == "valid" else n / s, "whole number of pixels"),
    (lambda n, k, s, p: None, "did you forget a `return`"),
    (lambda n, k, s, p: [26, 26], "single number"),                             # wrong shape
    (lambda n, k, s, p: float("nan"), "whole number of pixels"),
])
def test_conv_output_size_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.conv_output_size(answer)


def test_conv_output_size_stub_message_names_the_exercise():
    stub = stub_for("7.1", "implement `conv_output_size(n, k, stride, padding)`")
    with pytest.raises(ExerciseFailed, match=r"^Exercise 7\.1 is yours: implement "
                                             r"`conv_output_size\(n, k, stride, padding\)`"):
        check.conv_output_size(stub)


def test_output_size_reference_matches_keras_conventions():
    # Keras/TensorFlow: 'same' -> ceil(n / s); 'valid' -> ceil((n - k + 1) / s).
    for n, k, s, p in check.SIZE_CASES:
        keras_rule = math.ceil(n / s) if p == "same" else math.ceil((n - k + 1) / s)
        assert check._output_size(n, k, s, p) == keras_rule


# Exercise 7.2: conv2d_single(image, kernel) -----------------------------------------------------

def correlate_loops(image, kernel):
    kh, kw = kernel.shape
    out = [[0.0] * (image.shape[1] - kw + 1) for _ in range(image.shape[0] - kh + 1)]
    for i in range(len(out)):
        for j in range(len(out[0])):
            out[i][j] = float((image[i:i + kh, j:j + kw] * kernel).sum())
    return out                                                       # a list of lists


def correlate_float32(image, kernel):
    return signal.correlate2d(image.astype("float32"), kernel.astype("float32"), mode="valid")


@pytest.mark.parametrize("answer", [
    lambda image, kernel: signal.correlate2d(image, kernel, mode="valid"),
    correlate_loops,
    correlate_float32,
    lambda image, kernel: signal.convolve2d(image, kernel[::-1, ::-1], mode="valid"),
])
def test_conv2d_single_accepts_right_answers_written_differently(answer):
    assert check.conv2d_single(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`conv2d_single` is None"),
    (42, "should be a function; got a int"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda image, kernel: signal.convolve2d(image, kernel, mode="valid"),
     "you flipped the kernel"),
    (lambda image, kernel: signal.correlate2d(image, kernel, mode="same"),
     r"shape \(4, 4\); yours has shape \(6, 6\).*'same' padding"),
    (lambda image, kernel: signal.correlate2d(image, kernel, mode="valid")[:-1, :-1],
     "off by one"),
    (lambda image, kernel: signal.correlate2d(image, kernel, mode="full"),
     r"should have shape \(4, 4\); yours has shape \(8, 8\)"),
    (lambda image, kernel: -signal.correlate2d(image, kernel, mode="valid"), "wrong sign"),
    (lambda image, kernel: signal.correlate2d(image, kernel.T, mode="valid"), "transposed"),
    (lambda image, kernel: np.zeros((image.shape[0] - kernel.shape[0] + 1,
                                     image.shape[1] - kernel.shape[1] + 1)),   # constant
     r"is wrong at index \(0, 1\)"),
    (lambda image, kernel: signal.correlate2d(image, kernel, mode="valid") + 1.0,
     r"is wrong at index"),
    (lambda image, kernel: None, "did you forget a `return`"),
    (lambda image, kernel: np.full((4, 4), np.nan), "NaN or infinity"),
    (lambda image, kernel: "out", "got the text"),
])
def test_conv2d_single_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.conv2d_single(answer)


def test_conv2d_single_stub_message_names_the_exercise():
    stub = stub_for("7.2", "implement `conv2d_single(image, kernel)`, a 'valid' cross-correlation")
    with pytest.raises(ExerciseFailed, match=r"^Exercise 7\.2 is yours: implement "
                                             r"`conv2d_single\(image, kernel\)`"):
        check.conv2d_single(stub)


# Exercise 7.3: max_pool2d(x, size) ---------------------------------------------------------------

def pool_loops(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    out = np.empty((h, w))
    for i in range(h):
        for j in range(w):
            out[i, j] = x[i * size:(i + 1) * size, j * size:(j + 1) * size].max()
    return out


def pool_running_max_from_zero(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    out = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            for u in range(size):
                for v in range(size):
                    out[i, j] = max(out[i, j], x[i * size + u, j * size + v])
    return out


def pool_keeping_partial_blocks(x, size):
    h, w = -(-x.shape[0] // size), -(-x.shape[1] // size)
    return np.array([[x[i * size:(i + 1) * size, j * size:(j + 1) * size].max()
                      for j in range(w)] for i in range(h)])


def reshape_pool(x, size, reduce):
    h, w = x.shape[0] // size, x.shape[1] // size
    return reduce(x[:h * size, :w * size].reshape(h, size, w, size), axis=(1, 3))


@pytest.mark.parametrize("answer", [
    lambda x, size: reshape_pool(x, size, np.max),
    pool_loops,
    lambda x, size: pool_loops(x, size).astype("float32").tolist(),     # float32, a list
])
def test_max_pool2d_accepts_right_answers_written_differently(answer):
    assert check.max_pool2d(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`max_pool2d` is None"),
    ([1, 2], "should be a function; got a list"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda x, size: reshape_pool(x, size, np.mean), "average pooling"),
    (lambda x, size: reshape_pool(x, size, np.min), "smallest value"),
    (pool_running_max_from_zero, "start a running maximum at 0"),
    (lambda x, size: -reshape_pool(x, size, np.max), "wrong sign"),
    (pool_keeping_partial_blocks, "kept the incomplete blocks"),                  # wrong shape
    (lambda x, size: np.lib.stride_tricks.sliding_window_view(x, (size, size)).max(axis=(2, 3)),
     "your windows overlap"),
    (lambda x, size: reshape_pool(x, 2, np.max), "blocks of 2 instead of size = 3"),
    (lambda x, size: reshape_pool(x, size, np.max).T, r"should have shape \(2, 3\)"),
    (lambda x, size: np.zeros((x.shape[0] // size, x.shape[1] // size)),          # constant
     r"is wrong at index"),
    (lambda x, size: reshape_pool(x[1:, 1:], size, np.max) if x.shape[0] % size else
     reshape_pool(x, size, np.max), r"one row and one column left over.*is wrong at index"),
    (lambda x, size: None, "did you forget a `return`"),
    (lambda x, size: np.full((x.shape[0] // size, x.shape[1] // size), np.inf), "NaN or infinity"),
])
def test_max_pool2d_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.max_pool2d(answer)


def test_max_pool2d_stub_message_names_the_exercise():
    stub = stub_for("7.3", "implement `max_pool2d(x, size)` with non-overlapping blocks")
    with pytest.raises(ExerciseFailed, match=r"^Exercise 7\.3 is yours: implement "
                                             r"`max_pool2d\(x, size\)`"):
        check.max_pool2d(stub)


# Exercise 7.4: receptive_field(layers) ----------------------------------------------------------

def field_backwards(layers):
    # From the top down: r_prev = s · r + (k − s), starting from one unit.
    r = 1
    for k, s in reversed(layers):
        r = s * r + (k - s)
    return r


def field_with_numpy(layers):
    if not layers:
        return np.int64(1)
    k, s = np.array(layers).T
    jumps = np.concatenate([[1], np.cumprod(s)[:-1]])
    return np.float64(1 + np.sum((k - 1) * jumps))


@pytest.mark.parametrize("answer", [
    lambda layers: check._receptive_field(layers),
    field_backwards,
    field_with_numpy,
])
def test_receptive_field_accepts_right_answers_written_differently(answer):
    assert check.receptive_field(answer) is True


def stride_too_early(layers):
    r, jump = 1, 1
    for k, s in layers:
        jump *= s
        r += (k - 1) * jump
    return r


def field_from_the_first_layer(layers):
    # Right for any non-empty stack, but crashes on the empty one.
    (r, jump), rest = layers[0], layers[1:]
    for k, s in rest:
        r += (k - 1) * jump
        jump *= s
    return r


@pytest.mark.parametrize("answer, message", [
    (None, "`receptive_field` is None"),
    ({"k": 3}, "should be a function; got a dict"),
    (raises_value_error, r"raised ValueError: boom"),
    (stride_too_early, "after updating it with this layer's own stride"),
    (lambda layers: check._receptive_field(layers) - 1, "off by one"),            # off by one
    (lambda layers: 1 + sum(k - 1 for k, _ in layers), "left out the strides"),
    (lambda layers: sum(k for k, _ in layers), "do not simply add up"),
    (lambda layers: -check._receptive_field(layers), "yours gave -3"),            # wrong sign
    (lambda layers: 16, r"layers = \[\(3, 1\)\] the receptive field is 3 pixels; yours gave 16"),
    (lambda layers: [check._receptive_field(layers)] * 2, "single number"),       # wrong shape
    (lambda layers: check._receptive_field(layers) + 0.5, "whole number of pixels"),
    (field_from_the_first_layer, r"receptive_field\(\[\]\)` raised IndexError"),
    (lambda layers: None, "did you forget a `return`"),
])
def test_receptive_field_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.receptive_field(answer)


def test_receptive_field_stub_message_names_the_exercise():
    stub = stub_for("7.4", "implement `receptive_field(layers)` for a list of (kernel, stride) "
                           "pairs")
    with pytest.raises(ExerciseFailed, match=r"^Exercise 7\.4 is yours: implement "
                                             r"`receptive_field\(layers\)`"):
        check.receptive_field(stub)


def test_receptive_field_reference_matches_the_lessons_cnn():
    assert check._receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)]) == 16
    assert check._receptive_field([]) == 1
