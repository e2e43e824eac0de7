"""Unit tests of lesson 07's checkers (Convolutional networks): right answers written
differently pass; realistic wrong ones (wrong formulas, missed edge cases, lookup tables of
earlier cases, answers that change their inputs, library calls the exercise asks to replace)
fail with a specific message; odd answers get a verdict rather than a crash."""

import numpy as np
import pytest
from answers import args_key, raises_value_error, rejects, stub_for
from scipy import signal

from helpers.checks import lesson07 as check
from helpers.startup import import_keras, import_tensorflow

keras = import_keras()
tf = import_tensorflow()


# Exercise 7.1: max_pool2d(x, size) ---------------------------------------------------------------

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
    stub = stub_for("7.1", "implement `max_pool2d(x, size)` with non-overlapping blocks")
    rejects(check.max_pool2d, stub,
            match=r"^Exercise 7\.1 is yours: implement `max_pool2d\(x, size\)`")


def test_max_pool_reference_matches_keras():
    for _, x, size in check._pool_cases():
        pooled = keras.layers.MaxPooling2D(size)(x[None, :, :, None].astype("float32"))
        assert np.allclose(np.asarray(pooled)[0, :, :, 0], check._max_pool(x, size), atol=1e-6)


# Exercise 7.2: im2col(images, kh, kw) ------------------------------------------------------------

def im2col_loops(images, kh, kw):
    h, w, c = images.shape
    rows = []
    for i in range(h - kh + 1):
        for j in range(w - kw + 1):
            rows.append(images[i:i + kh, j:j + kw, :].ravel())
    return np.array(rows)


def im2col_windows(images, kh, kw):
    windows = np.lib.stride_tricks.sliding_window_view(images, (kh, kw), axis=(0, 1))
    oh, ow, c = windows.shape[:3]
    return windows.transpose(0, 1, 3, 4, 2).reshape(oh * ow, -1)


def im2col_by_shifts(images, kh, kw):
    # One column block per kernel offset (u, v): the whole shifted image at once.
    h, w, c = images.shape
    oh, ow = h - kh + 1, w - kw + 1
    blocks = [images[u:u + oh, v:v + ow, :].reshape(oh * ow, c)
              for u in range(kh) for v in range(kw)]
    return np.concatenate(blocks, axis=1)


def im2col_float32_list(images, kh, kw):
    return im2col_loops(images.astype("float32"), kh, kw).tolist()


@pytest.mark.parametrize("answer", [im2col_loops, im2col_windows, im2col_by_shifts,
                                    im2col_float32_list])
def test_im2col_accepts_right_answers_written_differently(answer):
    assert check.im2col(answer) is True


def im2col_channel_first(images, kh, kw):
    windows = np.lib.stride_tricks.sliding_window_view(images, (kh, kw), axis=(0, 1))
    oh, ow = windows.shape[:2]
    return windows.reshape(oh * ow, -1)                        # (c, u, v) order


def im2col_columns_first(images, kh, kw):
    windows = np.lib.stride_tricks.sliding_window_view(images, (kh, kw), axis=(0, 1))
    oh, ow = windows.shape[:2]
    return windows.transpose(0, 1, 4, 3, 2).reshape(oh * ow, -1)


def im2col_positions_by_column(images, kh, kw):
    h, w, c = images.shape
    return np.array([images[i:i + kh, j:j + kw, :].ravel()
                     for j in range(w - kw + 1) for i in range(h - kh + 1)])


def im2col_same_padding(images, kh, kw):
    padded = np.pad(images, ((kh // 2, kh - 1 - kh // 2), (kw // 2, kw - 1 - kw // 2), (0, 0)))
    return im2col_loops(padded, kh, kw)


def im2col_in_place(images, kh, kw):
    images -= images.mean()                                    # "centre" the image first
    return im2col_loops(images + images.mean(), kh, kw)


@pytest.mark.parametrize("answer, message", [
    (None, "`im2col` is None"),
    ("patches", "should be a function; got a str"),
    (raises_value_error, r"raised ValueError: boom"),
    (im2col_channel_first, "runs over the channels first"),
    (im2col_columns_first, "runs over the window's columns before its rows"),
    (im2col_positions_by_column, "go down the first column of positions first"),
    (lambda images, kh, kw: -im2col_loops(images, kh, kw), "wrong sign"),
    (lambda images, kh, kw: im2col_loops(images, kh, kw).T, "that is the transpose"),
    (lambda images, kh, kw: im2col_windows(images, kh, kw).reshape(
        images.shape[0] - kh + 1, images.shape[1] - kw + 1, -1), "flatten the first two axes"),
    (im2col_same_padding, "one row per input pixel"),
    (lambda images, kh, kw: im2col_loops(images[:, :, :1], kh, kw), "the channels are missing"),
    (im2col_in_place, "changed its input `images` in place"),
    (lambda images, kh, kw: np.zeros(((images.shape[0] - kh + 1) * (images.shape[1] - kw + 1),
                                      kh * kw * images.shape[2])), "is wrong at index"),
    (lambda images, kh, kw: None, "did you forget a `return`"),
])
def test_im2col_rejects_wrong_answers_specifically(answer, message):
    rejects(check.im2col, answer, match=message)


@pytest.mark.parametrize("answer, name", [
    (lambda images, kh, kw: tf.image.extract_patches(images[None], [1, kh, kw, 1], [1, 1, 1, 1],
                                                     [1, 1, 1, 1], "VALID"),
     "tf.image.extract_patches"),
    (lambda images, kh, kw: signal.correlate(images, np.ones((kh, kw, 1)), "valid"),
     "signal.correlate"),
    (lambda images, kh, kw: keras.ops.conv(images[None], np.ones((kh, kw, images.shape[2], 1))),
     "keras.ops.conv"),
])
def test_im2col_refuses_the_library_versions(answer, name):
    rejects(check.im2col, answer, match=f"your answer uses `{name}`")


def test_im2col_rejects_a_table_of_the_fixed_cases():
    table = {args_key((images, kh, kw)): im2col_loops(images, kh, kw)
             for _, images, kh, kw in check._im2col_cases()}

    def lookup(images, kh, kw):
        return table.get(args_key((images, kh, kw)), im2col_channel_first(images, kh, kw))
    message = rejects(check.im2col, lookup, match=r"random .*runs over the channels first")
    assert "seed" in message


def test_im2col_stub_message_names_the_exercise():
    stub = stub_for("7.2", "implement `im2col(images, kh, kw)`")
    rejects(check.im2col, stub, match=r"^Exercise 7\.2 is yours: implement `im2col")


def test_im2col_times_the_reshaped_kernel_is_keras_conv2d():
    rng = np.random.default_rng(0)
    for _, images, kh, kw in check._im2col_cases() + check._im2col_drawn(rng):
        c_in = images.shape[2]
        kernels = rng.normal(size=(kh, kw, c_in, 3)).astype("float32")
        bias = rng.normal(size=3).astype("float32")
        layer = keras.layers.Conv2D(3, (kh, kw))
        layer.build((None, *images.shape))
        layer.set_weights([kernels, bias])
        theirs = np.asarray(layer(images[None].astype("float32")))[0]
        ours = check._im2col(images, kh, kw) @ kernels.reshape(-1, 3) + bias
        assert np.allclose(ours.reshape(theirs.shape), theirs, atol=1e-4)


# Exercise 7.3: build_model(), judged by the accuracy it reaches ---------------------------------

L = keras.layers


def cnn_builder(filters=(32, 64), dense=64, rate=2e-3):
    def build_model():
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            L.Conv2D(filters[0], 3, activation="relu"), L.MaxPooling2D(2),
            L.Conv2D(filters[1], 3, activation="relu"), L.MaxPooling2D(2),
            L.Flatten(), L.Dropout(0.5), L.Dense(dense, activation="relu"), L.Dense(10),
        ])
        model.compile(optimizer=keras.optimizers.Adam(rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model
    return build_model


def test_digits_cnn_accepts_a_cnn_with_logits_and_no_metrics():
    assert check.digits_cnn(cnn_builder()) is True


def mlp_builder():
    model = keras.Sequential([keras.Input((28, 28, 1)), L.Flatten(),
                              L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_digits_cnn_rejects_an_mlp_that_falls_short_of_the_target():
    message = rejects(check.digits_cnn, mlp_builder,
                      match=r"validation accuracy after each epoch was .* below the target 0\.955"
                            r"\. It learns, but not enough")
    assert "the checker's fixed seed" in message and "seed=" not in message


def stuck_builder():
    model = cnn_builder()()
    model.compile(optimizer=keras.optimizers.SGD(1e-6),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_digits_cnn_says_when_the_loss_does_not_fall():
    rejects(check.digits_cnn, stuck_builder, match="The training loss hardly fell")


@pytest.fixture(scope="module")
def trained_model():
    model = cnn_builder()()
    x, y, _, _ = check._digits()
    model.fit(x, y, epochs=3, batch_size=64, verbose=0)
    return model


def test_digits_cnn_refuses_a_model_trained_before_the_check(trained_model):
    # Also what a table of earlier answers gives for a function of no input: a trained model
    # (the contract test's table case hands back the very object the checker trained).
    rejects(check.digits_cnn, lambda: _recompiled_copy(trained_model), match="already right on")


def _recompiled_copy(model):
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    copy.compile(optimizer="adam",
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return copy


def test_digits_cnn_refuses_the_same_model_twice(trained_model):
    rejects(check.digits_cnn, lambda: trained_model, match="the same model object twice")


def uncompiled():
    return keras.Sequential([keras.Input((28, 28, 1)), L.Flatten(), L.Dense(10)])


def too_big():
    model = keras.Sequential([keras.Input((28, 28, 1)), L.Flatten(), L.Dense(256), L.Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def flat_input():
    model = keras.Sequential([keras.Input((784,)), L.Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def one_output():
    model = keras.Sequential([keras.Input((28, 28, 1)), L.Flatten(), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.mark.parametrize("answer, message", [
    (None, "`build_model` is None"),
    ("cnn", "should be a function; got a str"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda: "a model", "should return a Keras model"),
    (uncompiled, "the model is not compiled"),
    (too_big, "keep it to 150,000 at most"),
    (flat_input, r"input shape \(None, 28, 28, 1\)"),
    (one_output, r"output shape \(None, 10\)"),
])
def test_digits_cnn_rejects_models_that_do_not_fit_the_task(answer, message):
    rejects(check.digits_cnn, answer, match=message)


def test_digits_cnn_stub_message_names_the_exercise():
    stub = stub_for("7.3", "write `build_model()`")
    rejects(check.digits_cnn, stub, match=r"^Exercise 7\.3 is yours: write `build_model\(\)`")


# Exercise 7.4: conv2d_backward(image, kernel, grad_out) -----------------------------------------

def backward_loops(image, kernel, grad_out):
    kh, kw = kernel.shape
    grad_image, grad_kernel = np.zeros(image.shape), np.zeros(kernel.shape)
    for i in range(grad_out.shape[0]):
        for j in range(grad_out.shape[1]):
            grad_image[i:i + kh, j:j + kw] += grad_out[i, j] * kernel
            grad_kernel += grad_out[i, j] * image[i:i + kh, j:j + kw]
    return grad_image, grad_kernel


def backward_as_correlations(image, kernel, grad_out):
    kh, kw = kernel.shape
    grad_kernel = xcorr(image, grad_out)
    padded = np.pad(grad_out, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return xcorr(padded, kernel[::-1, ::-1]), grad_kernel


def backward_float32_lists(image, kernel, grad_out):
    dx, dk = backward_loops(image.astype("float32"), kernel.astype("float32"),
                            grad_out.astype("float32"))
    return [dx.astype("float32").tolist(), dk.astype("float32").tolist()]


def xcorr(image, kernel):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(image, float), kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, np.asarray(kernel, float))


@pytest.mark.parametrize("answer", [backward_loops, backward_as_correlations,
                                    backward_float32_lists])
def test_conv2d_backward_accepts_right_answers_written_differently(answer):
    assert check.conv2d_backward(answer) is True


def backward_unflipped(image, kernel, grad_out):
    kh, kw = kernel.shape
    padded = np.pad(grad_out, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return xcorr(padded, kernel), xcorr(image, grad_out)


def backward_kernel_flipped(image, kernel, grad_out):
    dx, dk = backward_loops(image, kernel, grad_out)
    return dx, dk[::-1, ::-1]


def backward_kernel_averaged(image, kernel, grad_out):
    dx, dk = backward_loops(image, kernel, grad_out)
    return dx, dk / grad_out.size


def backward_in_place(image, kernel, grad_out):
    dx, dk = backward_loops(image, kernel, grad_out)
    grad_out *= 0                                              # "reset" the gradient
    return dx, dk


@pytest.mark.parametrize("answer, message", [
    (None, "`conv2d_backward` is None"),
    (3, "should be a function; got a int"),
    (raises_value_error, r"raised ValueError: boom"),
    (backward_unflipped, "grad_image is what the kernel gives when it is not flipped"),
    (backward_kernel_flipped, "grad_kernel is flipped"),
    (backward_kernel_averaged, "divided by the .* output positions"),
    (lambda image, kernel, grad_out: tuple(-g for g in backward_loops(image, kernel, grad_out)),
     "grad_kernel has the wrong sign"),
    (lambda image, kernel, grad_out: (-backward_loops(image, kernel, grad_out)[0],
                                      backward_loops(image, kernel, grad_out)[1]),
     "grad_image has the wrong sign"),
    (lambda image, kernel, grad_out: backward_loops(image, kernel, grad_out)[::-1],
     "wrong order"),
    (lambda image, kernel, grad_out: backward_loops(image, kernel, grad_out)[0],
     "should return two arrays"),
    (lambda image, kernel, grad_out: (grad_out * 1.0, backward_loops(image, kernel, grad_out)[1]),
     r"grad_image .*\(the image's shape\) should have shape"),
    (backward_in_place, "changed its input `grad_out` in place"),
])
def test_conv2d_backward_rejects_wrong_answers_specifically(answer, message):
    rejects(check.conv2d_backward, answer, match=message)


@pytest.mark.parametrize("answer, name", [
    (lambda image, kernel, grad_out: tf.GradientTape(), "tf.GradientTape"),
    (lambda image, kernel, grad_out: (signal.convolve2d(grad_out, kernel),
                                      signal.correlate2d(image, grad_out, "valid")),
     "signal.convolve2d"),
    (lambda image, kernel, grad_out: tf.nn.conv2d_transpose, "tf.nn.conv2d_transpose"),
])
def test_conv2d_backward_refuses_the_library_versions(answer, name):
    rejects(check.conv2d_backward, answer, match=f"your answer uses `{name}`")


def test_conv2d_backward_rejects_a_table_of_the_fixed_cases():
    table = {args_key(case[1:]): backward_loops(*case[1:]) for case in check._backward_cases()}

    def lookup(image, kernel, grad_out):
        return table.get(args_key((image, kernel, grad_out)),
                         backward_kernel_flipped(image, kernel, grad_out))
    message = rejects(check.conv2d_backward, lookup, match=r"random .*grad_kernel is flipped")
    assert "seed" in message


def test_conv2d_backward_stub_message_names_the_exercise():
    stub = stub_for("7.4", "implement `conv2d_backward(image, kernel, grad_out)`")
    rejects(check.conv2d_backward, stub, match=r"^Exercise 7\.4 is yours: implement `conv2d_back")


def test_the_loop_answer_matches_gradient_tape_in_float64():
    for given, image, kernel, grad_out in check._backward_cases():
        dx, dk = check._tape_gradients(image, kernel, grad_out)
        mine = backward_loops(np.asarray(image, float), np.asarray(kernel, float),
                              np.asarray(grad_out, float))
        assert np.allclose(mine[0], dx, atol=1e-9) and np.allclose(mine[1], dk, atol=1e-9), given
