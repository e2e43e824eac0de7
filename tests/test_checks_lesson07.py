"""Unit tests of lesson 07's checkers (Convolutional networks): right answers written
differently pass; realistic wrong ones (wrong formulas, missed edge cases, lookup tables of
earlier cases, answers that change their inputs, library calls the exercise asks to replace)
fail with a specific message; odd answers get a verdict rather than a crash."""

import math

import numpy as np
import pytest
import scipy.ndimage
from answers import args_key, raises_value_error, stub_for
from scipy import signal

from helpers.checks import ExerciseFailed
from helpers.checks import lesson07 as check
from helpers.startup import import_keras, import_tensorflow

keras = import_keras()
tf = import_tensorflow()


def rejects(checker, answer, match):
    with pytest.raises(ExerciseFailed, match=match) as info:
        checker(answer)
    return str(info.value)


# Exercise 7.1: conv_output_size(n, k, stride, padding) ---------------------------------------

def size_right(n, k, stride, padding):
    return (n - k) // stride + 1 if padding == "valid" else -(-n // stride)


def size_with_math(n, k, stride, padding):
    if padding == "same":
        return math.ceil(n / stride)
    return math.floor((n - k) / stride) + 1


def size_by_counting(n, k, stride, padding):
    if padding == "same":
        return len(range(0, n, stride))
    return len(range(0, n - k + 1, stride))


@pytest.mark.parametrize("answer", [
    size_right,
    size_with_math,
    size_by_counting,
    lambda n, k, s, p: np.float64(np.ceil(n / s) if p == "same" else np.floor((n - k) / s) + 1),
    lambda n, k, s, p: np.array((n - k + 1 + s - 1) // s if p == "valid" else (n + s - 1) // s),
])
def test_conv_output_size_accepts_right_answers_written_differently(answer):
    assert check.conv_output_size(answer) is True


def valid_only(wrong):
    return lambda n, k, s, p: wrong(n, k, s) if p == "valid" else -(-n // s)


def same_only(wrong):
    return lambda n, k, s, p: (n - k) // s + 1 if p == "valid" else wrong(n, k, s)


@pytest.mark.parametrize("answer, message", [
    (None, "`conv_output_size` is None"),
    ("(n - k) // s + 1", "should be a function; got a str"),
    (raises_value_error, r"raised ValueError: boom"),
    (valid_only(lambda n, k, s: (n - k) // s), "one short"),
    (valid_only(lambda n, k, s: n - k + 1), "you left the stride out"),
    (valid_only(lambda n, k, s: -(-n // s)), "those are the 'same' sizes"),
    (valid_only(lambda n, k, s: math.ceil((n - k) / s) + 1), "round a partial step up"),
    (valid_only(lambda n, k, s: (n - k + 1) // s), "divide the stride-1 count by the stride"),
    (valid_only(lambda n, k, s: n - k),                           # two mistakes at once
     r"padding = 'valid' the output has 26 pixels; yours gave 25\. \["),
    (same_only(lambda n, k, s: n), "'same' keeps the size only with stride 1"),
    (same_only(lambda n, k, s: n // s), "your sizes round down"),
    (same_only(lambda n, k, s: n // s + 1), "add one to a rounded-down division"),
    (same_only(lambda n, k, s: (n + 2 * (k // 2) - k) // s + 1), "pad k // 2 zeros"),
    (same_only(lambda n, k, s: (n - k) // s + 1), "those are the 'valid' sizes"),
    (lambda n, k, s, p: -size_right(n, k, s, p),                                  # wrong sign
     r"the output has 26 pixels; yours gave -26\. \["),
    (lambda n, k, s, p: 28,                                                      # constant
     r"padding = 'valid' the output has 26 pixels; yours gave 28"),
    (lambda n, k, s, p: (n - k) / s + 1 if p == "valid" else n / s, "whole number of pixels"),
    (lambda n, k, s, p: None, "did you forget a `return`"),
    (lambda n, k, s, p: [26, 26], "single number"),                             # wrong shape
    (lambda n, k, s, p: float("nan"), "whole number of pixels"),
    (lambda n, k, s, p: size_right(n, k, s, p) + (n > 28),              # wrong for large n only
     r"n = 224, .* the output has \d+ pixels; yours gave \d+\. \["),
])
def test_conv_output_size_rejects_wrong_answers_specifically(answer, message):
    rejects(check.conv_output_size, answer, match=message)


def test_conv_output_size_rejects_a_table_of_the_fixed_cases():
    table = {case: size_right(*case) for case in check.SIZE_CASES}
    message = rejects(check.conv_output_size, lambda *case: table.get(case, 1),
                      match=r"the output has \d+ pixels; yours gave 1\.")
    assert "seed" in message


def test_conv_output_size_stub_message_names_the_exercise():
    stub = stub_for("7.1", "implement `conv_output_size(n, k, stride, padding)`")
    rejects(check.conv_output_size, stub,
            match=r"^Exercise 7\.1 is yours: implement `conv_output_size\(n, k, stride, padding\)`")


def test_output_size_reference_matches_keras_conventions():
    # Keras/TensorFlow: 'same' -> ceil(n / s); 'valid' -> ceil((n - k + 1) / s).
    for n, k, s, p in check.SIZE_CASES + check._size_drawn(np.random.default_rng(), 200):
        keras_rule = math.ceil(n / s) if p == "same" else math.ceil((n - k + 1) / s)
        assert check._output_size(n, k, s, p) == keras_rule


def test_output_size_reference_matches_a_keras_conv_layer():
    for n, k, s, p in [(28, 3, 2, "same"), (28, 4, 2, "same"), (27, 3, 2, "valid"),
                       (10, 7, 3, "same"), (6, 4, 3, "valid")]:
        layer = keras.layers.Conv2D(1, (k, 1), strides=(s, 1), padding=p)
        out = layer(np.zeros((1, n, 1, 1), "float32"))
        assert out.shape[1] == check._output_size(n, k, s, p)


# Exercise 7.2: conv2d_single(image, kernel) -----------------------------------------------------

def xcorr(image, kernel):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(image, float), kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, np.asarray(kernel, float))


def correlate_loops(image, kernel):
    kh, kw = kernel.shape
    out = [[0.0] * (image.shape[1] - kw + 1) for _ in range(image.shape[0] - kh + 1)]
    for i in range(len(out)):
        for j in range(len(out[0])):
            out[i][j] = float((image[i:i + kh, j:j + kw] * kernel).sum())
    return out                                                       # a list of lists


def correlate_float32(image, kernel):
    return xcorr(image.astype("float32"), kernel.astype("float32")).astype("float32")


def correlate_with_a_variable_called_conv(image, kernel):
    # A learner's own variable named like keras.ops.conv must not be taken for it.
    kh, kw = kernel.shape
    conv = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for u in range(kh):
        for v in range(kw):
            conv += kernel[u, v] * image[u:u + conv.shape[0], v:v + conv.shape[1]]
    return conv


@pytest.mark.parametrize("answer", [
    xcorr,
    correlate_loops,
    correlate_float32,
    correlate_with_a_variable_called_conv,
    lambda image, kernel: np.tensordot(np.lib.stride_tricks.sliding_window_view(
        image, kernel.shape), kernel, axes=2),
])
def test_conv2d_single_accepts_right_answers_written_differently(answer):
    assert check.conv2d_single(answer) is True


def keras_conv(image, kernel):
    x = keras.ops.convert_to_tensor(image[None, :, :, None], "float32")
    return keras.ops.conv(x, kernel[:, :, None, None].astype("float32"))[0, :, :, 0]


@pytest.mark.parametrize("answer, name", [
    (lambda image, kernel: signal.correlate2d(image, kernel, mode="valid"),
     "signal.correlate2d"),
    (lambda image, kernel: signal.convolve2d(image, kernel[::-1, ::-1], mode="valid"),
     "signal.convolve2d"),
    (lambda image, kernel: signal.fftconvolve(image, kernel[::-1, ::-1], mode="valid"),
     "signal.fftconvolve"),
    (lambda image, kernel: scipy.ndimage.correlate(image, kernel), "scipy.ndimage.correlate"),
    (lambda image, kernel: tf.nn.conv2d(image[None, :, :, None], kernel[:, :, None, None], 1,
                                        "VALID"), "tf.nn.conv2d"),
    (keras_conv, "keras.ops.conv"),
    (lambda image, kernel: keras.layers.Conv2D(1, kernel.shape)(image), "keras.layers.Conv2D"),
])
def test_conv2d_single_refuses_the_library_versions(answer, name):
    rejects(check.conv2d_single, answer, match=f"your answer uses `{name}`")


def padded(image, kernel, full=False):
    kh, kw = kernel.shape
    top, left = (kh - 1, kw - 1) if full else (kh // 2, kw // 2)
    bottom, right = (kh - 1, kw - 1) if full else (kh - 1 - kh // 2, kw - 1 - kw // 2)
    return xcorr(np.pad(image, ((top, bottom), (left, right))), kernel)


def into_image_dtype(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=image.dtype)
    out[:] = xcorr(image, kernel)
    return out


def normalising_in_place(image, kernel):
    image -= image.min()
    return xcorr(image, kernel)


def square_kernels_only(image, kernel):
    k = kernel.shape[0]
    return xcorr(image, kernel[:k, :k])


@pytest.mark.parametrize("answer, message", [
    (None, "`conv2d_single` is None"),
    (42, "should be a function; got a int"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda image, kernel: xcorr(image, kernel[::-1, ::-1]),
     r"flipped the kernel \(rows and columns\)"),
    (lambda image, kernel: xcorr(image, kernel[::-1]), "flipped the kernel upside down"),
    (lambda image, kernel: xcorr(image, kernel[:, ::-1]), "flipped the kernel left to right"),
    (padded, r"shape \(4, 4\); yours has shape \(6, 6\): .*'same' padding"),
    (lambda image, kernel: padded(image, kernel, full=True),
     r"should have shape \(4, 4\); yours has shape \(8, 8\): that is the 'full' size"),
    (lambda image, kernel: xcorr(image, kernel)[:-1, :-1], "one short in each direction"),
    (lambda image, kernel: xcorr(image, kernel).T, r"a corner .* output is transposed"),
    (lambda image, kernel: xcorr(image, kernel).T if image.shape == (7, 9) else
     xcorr(image, kernel), r"7×9 image.*rows and columns swapped"),
    (lambda image, kernel: -xcorr(image, kernel), "wrong sign"),
    (lambda image, kernel: xcorr(image, kernel.T), "transposed"),
    (lambda image, kernel: xcorr(image, kernel) / kernel.size, "summed, not averaged"),
    (into_image_dtype, "whole numbers .*integer dtype of the image"),
    (square_kernels_only, r"8×6 image and a 2×4 kernel.*should have shape \(7, 3\)"),
    (normalising_in_place, r"changed its input `image` in place"),
    (lambda image, kernel: np.zeros((image.shape[0] - kernel.shape[0] + 1,
                                     image.shape[1] - kernel.shape[1] + 1)),   # constant
     r"is wrong at index \(0, 1\)"),
    (lambda image, kernel: xcorr(image, kernel) + 1.0, r"is wrong at index"),
    (lambda image, kernel: None, "did you forget a `return`"),
    (lambda image, kernel: np.full((4, 4), np.nan), "NaN or infinity"),
    (lambda image, kernel: "out", "got the text"),
])
def test_conv2d_single_rejects_wrong_answers_specifically(answer, message):
    rejects(check.conv2d_single, answer, match=message)


def test_conv2d_single_rejects_a_table_of_the_fixed_cases():
    table = {args_key((image, kernel)): xcorr(image, kernel)
             for _, image, kernel in check._correlation_cases()}

    def lookup(image, kernel):
        out = np.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1))
        return table.get(args_key((image, kernel)), out)
    message = rejects(check.conv2d_single, lookup, match=r"random \d+×\d+ image.*is wrong at")
    assert "seed" in message


def test_conv2d_single_flip_is_caught_on_random_cases_alone():
    fixed = {args_key(image) for _, image, _ in check._correlation_cases()}

    def answer(image, kernel):
        return xcorr(image, kernel if args_key(image) in fixed else kernel[::-1, ::-1])
    rejects(check.conv2d_single, answer, match=r"random .*flipped the kernel \(rows and columns\)")


def test_conv2d_single_stub_message_names_the_exercise():
    stub = stub_for("7.2", "implement `conv2d_single(image, kernel)`, a 'valid' cross-correlation")
    rejects(check.conv2d_single, stub,
            match=r"^Exercise 7\.2 is yours: implement `conv2d_single\(image, kernel\)`")


# Exercise 7.3: max_pool2d(x, size) ---------------------------------------------------------------

def reshape_pool(x, size, reduce=np.max):
    h, w = x.shape[0] // size, x.shape[1] // size
    return reduce(x[:h * size, :w * size].reshape(h, size, w, size), axis=(1, 3))


def pool_loops(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    out = np.empty((h, w))
    for i in range(h):
        for j in range(w):
            out[i, j] = x[i * size:(i + 1) * size, j * size:(j + 1) * size].max()
    return out


def pool_with_variables_called_max_pool_and_pool(x, size):
    pool = [[x[i:i + size, j:j + size].max() for j in range(0, x.shape[1] - size + 1, size)]
            for i in range(0, x.shape[0] - size + 1, size)]
    max_pool = np.array(pool)
    return max_pool


def pool_running_max_from_minus_inf(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    out = np.full((h, w), -np.inf)
    for i in range(h * size):
        for j in range(w * size):
            out[i // size, j // size] = max(out[i // size, j // size], x[i, j])
    return out


@pytest.mark.parametrize("answer", [
    reshape_pool,
    pool_loops,
    lambda x, size: pool_loops(x, size).astype("float32").tolist(),     # float32, a list
    pool_with_variables_called_max_pool_and_pool,
    pool_running_max_from_minus_inf,
])
def test_max_pool2d_accepts_right_answers_written_differently(answer):
    assert check.max_pool2d(answer) is True


@pytest.mark.parametrize("answer, name", [
    (lambda x, size: keras.layers.MaxPooling2D(size)(x[None, :, :, None])[0, :, :, 0],
     "keras.layers.MaxPooling2D"),
    (lambda x, size: tf.nn.max_pool2d(x[None, :, :, None], size, size, "VALID"),
     "tf.nn.max_pool2d"),
    (lambda x, size: keras.ops.max_pool(x[None, :, :, None], size)[0, :, :, 0],
     "keras.ops.max_pool"),
    (lambda x, size: tf.nn.pool(x[None, :, :, None], (size, size), "MAX", strides=(size, size)),
     "tf.nn.pool"),
    (lambda x, size: skimage.measure.block_reduce(x, size, np.max),  # noqa: F821
     "skimage.measure.block_reduce"),
])
def test_max_pool2d_refuses_the_library_versions(answer, name):
    rejects(check.max_pool2d, answer, match=f"your answer uses `{name}`")


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


def pool_reshaped_wrongly(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    return x[:h * size, :w * size].reshape(h, w, size, size).max(axis=(2, 3))


def pool_cropping_top_left(x, size):
    h, w = x.shape
    return reshape_pool(x[h % size:, w % size:], size)


def pool_in_place(x, size):
    h = x.shape[0] // size
    x[h * size:, :] = -np.inf         # "drop" the leftover rows by overwriting them
    return reshape_pool(x, size)


@pytest.mark.parametrize("answer, message", [
    (None, "`max_pool2d` is None"),
    ([1, 2], "should be a function; got a list"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda x, size: reshape_pool(x, size, np.mean), "average pooling"),
    (lambda x, size: reshape_pool(x, size, np.min), "smallest value"),
    (pool_running_max_from_zero, "never below 0, but some blocks hold only negative numbers"),
    (lambda x, size: -reshape_pool(x, size), "wrong sign"),
    (pool_keeping_partial_blocks, "kept the incomplete blocks"),                  # wrong shape
    (lambda x, size: np.lib.stride_tricks.sliding_window_view(x, (size, size)).max(axis=(2, 3)),
     "your windows overlap"),
    (lambda x, size: reshape_pool(x, 2), "blocks of 2 instead of size = 3"),
    (lambda x, size: reshape_pool(x, size).T, r"should have shape \(2, 3\).*rows and columns "
                                              "swapped"),
    (pool_reshaped_wrongly, r"4×6 array, size 2 your blocks are not size × size squares"),
    (pool_cropping_top_left, r"7×9 array.*dropped the leftover rows and columns at the top"),
    (pool_in_place, r"changed its input `x` in place"),
    (lambda x, size: np.zeros((x.shape[0] // size, x.shape[1] // size)),          # constant
     r"is wrong at index"),
    (lambda x, size: None, "did you forget a `return`"),
    (lambda x, size: np.full((x.shape[0] // size, x.shape[1] // size), np.inf), "NaN or infinity"),
])
def test_max_pool2d_rejects_wrong_answers_specifically(answer, message):
    rejects(check.max_pool2d, answer, match=message)


def test_max_pool2d_rejects_a_table_of_the_fixed_cases():
    table = {args_key((x, size)): reshape_pool(x, size) for _, x, size in check._pool_cases()}

    def lookup(x, size):
        return table.get(args_key((x, size)),
                         np.full((x.shape[0] // size, x.shape[1] // size), 7.0))
    message = rejects(check.max_pool2d, lookup, match=r"random \d+×\d+ array.*is wrong at index")
    assert "seed" in message


def test_max_pool2d_stub_message_names_the_exercise():
    stub = stub_for("7.3", "implement `max_pool2d(x, size)` with non-overlapping blocks")
    rejects(check.max_pool2d, stub,
            match=r"^Exercise 7\.3 is yours: implement `max_pool2d\(x, size\)`")


def test_max_pool_reference_matches_keras():
    for _, x, size in check._pool_cases():
        pooled = keras.layers.MaxPooling2D(size)(x[None, :, :, None].astype("float32"))
        assert np.allclose(np.asarray(pooled)[0, :, :, 0], check._max_pool(x, size), atol=1e-6)


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


def top_down_rule_from_the_bottom(layers):
    r = 1
    for k, s in layers:
        r = s * r + (k - s)
    return r


def field_from_the_first_layer(layers):
    # Right for any non-empty stack, but crashes on the empty one.
    (r, jump), rest = layers[0], layers[1:]
    for k, s in rest:
        r += (k - 1) * jump
        jump *= s
    return r


def field_reversing_in_place(layers):
    layers.reverse()
    return field_backwards(layers[::-1])


@pytest.mark.parametrize("answer, message", [
    (None, "`receptive_field` is None"),
    ({"k": 3}, "should be a function; got a dict"),
    (raises_value_error, r"raised ValueError: boom"),
    (stride_too_early, "spread each kernel by its own layer's stride as well"),
    (lambda layers: check._receptive_field(layers) - 1, "one less than the right one"),
    (lambda layers: 1 + sum(k - 1 for k, _ in layers), "leave out the strides"),
    (lambda layers: sum(k for k, _ in layers), "sum of the kernel sizes"),
    (lambda layers: 1 + sum((k - 1) * s for k, s in layers), "that layer's own stride"),
    (top_down_rule_from_the_bottom, "top-down rule .* from the input upwards"),
    (lambda layers: -check._receptive_field(layers), r"receptive field is 3 pixels; yours "
                                                     r"gave -3\. \["),             # wrong sign
    (lambda layers: 16, r"layers = \[\(3, 1\)\] the receptive field is 3 pixels; yours gave 16"),
    (lambda layers: [check._receptive_field(layers)] * 2, "single number"),       # wrong shape
    (lambda layers: check._receptive_field(layers) + 0.5, "whole number of pixels"),
    (field_from_the_first_layer, r"receptive_field\(\[\]\)` raised IndexError"),
    (field_reversing_in_place, r"changed its input `layers` in place"),
    (lambda layers: 99 if any(k in (4, 6) for k, _ in layers) else      # kernels only the
     check._receptive_field(layers),                                   # random stacks have
     r"the receptive field is \d+ pixels; yours gave 99\."),
    (lambda layers: None, "did you forget a `return`"),
])
def test_receptive_field_rejects_wrong_answers_specifically(answer, message):
    rejects(check.receptive_field, answer, match=message)


def test_receptive_field_rejects_a_table_of_the_fixed_stacks():
    table = {args_key(layers): check._receptive_field(layers) for layers in check.FIELD_CASES}
    message = rejects(check.receptive_field, lambda layers: table.get(args_key(layers), 1),
                      match=r"the receptive field is \d+ pixels; yours gave 1\.")
    assert "seed" in message


def test_receptive_field_stub_message_names_the_exercise():
    stub = stub_for("7.4", "implement `receptive_field(layers)` for a list of (kernel, stride) "
                           "pairs")
    rejects(check.receptive_field, stub,
            match=r"^Exercise 7\.4 is yours: implement `receptive_field\(layers\)`")


def test_receptive_field_reference_matches_the_lessons_cnn():
    assert check._receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)]) == 16
    assert check._receptive_field([]) == 1
