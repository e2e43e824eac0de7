"""Checkers for lesson 07 (Convolutional networks).

7.1 and 7.2 compare the learner's function with a NumPy reference that follows Keras'
conventions (pooling drops leftover rows and columns; a kernel reshaped to
(kh·kw·c_in, c_out) reads its entries in (row, column, channel) order), on fixed edge cases and
on cases drawn afresh on every call. 7.4 compares the learner's gradients with what
`tf.GradientTape` gives for TensorFlow's own convolution on the same inputs. A mistake is named
only when the answer's result equals what that mistake produces on the failing case and no
other known mistake gives the same; otherwise the message says what was expected, what came
back, and for which input.

7.3 is judged by its outcome: the checker builds the learner's model itself (twice, from a
seed it draws), refuses one that is already trained or shared between calls, trains it on the
lesson's 3,000 MNIST training digits for a fixed budget and measures the validation accuracy
itself after every epoch. It trusts no number the learner reports.

From scratch: 7.1, 7.2 and 7.4 ask for pooling, patch extraction and the convolution's
gradients written by hand, so the library versions of those are refused (a learner's own
variable called `conv` or `pool` is not taken for them).
"""

import numpy as np

from helpers.checks import (
    Reject,
    as_array,
    call,
    diagnose,
    digit_accuracy,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    expect_untrained,
    need_callable,
    outcome_model,
    ready_to_train,
    short,
)

RTOL, ATOL = 1e-5, 1e-6  # loose enough for float32 answers, far tighter than any mistake


def _ceil_div(a, b):
    return -(-a // b)


def _matches(actual, variant, rtol=RTOL, atol=ATOL):
    variant = np.asarray(variant, dtype=float)
    return actual.shape == variant.shape and bool(np.all(np.isfinite(variant))) and \
        np.allclose(actual, variant, rtol=rtol, atol=atol)


def _diagnose(actual, right, mistakes, rtol=RTOL, atol=ATOL):
    """`diagnose` (the kit's) with this lesson's comparison."""
    diagnose(actual, right, mistakes, lambda a, b: _matches(a, b, rtol, atol))


# 7.1 -----------------------------------------------------------------------------------------

def _pool_with(x, size, reduce):
    h, w = x.shape[0] // size, x.shape[1] // size
    return reduce(x[:h * size, :w * size].reshape(h, size, w, size), axis=(1, 3))


def _max_pool(x, size):
    return _pool_with(x, size, np.max)


def _pool_cases():
    """Fixed edge cases (the same on every call)."""
    fixed = np.random.default_rng(73)
    return [
        ("a 4×6 array, size 2", fixed.normal(size=(4, 6)), 2),
        ("a 7×9 array, size 2 (one row and one column left over)", fixed.normal(size=(7, 9)), 2),
        ("a 9×12 array, size 3", fixed.normal(size=(9, 12)), 3),
        ("a 4×4 array of negative numbers, size 2", -fixed.uniform(1, 2, size=(4, 4)), 2),
        ("a 7×5 array of negative numbers, size 3 (rows and columns left over)",
         -fixed.uniform(0.5, 3, size=(7, 5)), 3),
        ("an 11×8 array, size 4", fixed.normal(size=(11, 8)), 4),
        ("a 5×5 array, size 5", fixed.normal(size=(5, 5)), 5),
        ("a 3×4 array, size 1", fixed.normal(size=(3, 4)), 1),
        ("a 2×6 array, size 2 (a single row of blocks)", fixed.normal(size=(2, 6)), 2),
    ]


def _pool_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        h, w = (int(v) for v in rng.integers(2, 15, size=2))
        size = int(rng.integers(2, min(h, w) + 1))
        x = rng.normal(rng.uniform(-4, 1), 1, size=(h, w))
        cases.append((f"a random {h}×{w} array, size {size}: x = {short(x)}", x, size))
    return cases


def _pool_mistakes(given, x, size):
    h, w = x.shape
    right = _max_pool(x, size)
    hh, ww = h // size, w // size
    return [
        (_pool_with(x, size, np.mean), f"For {given} you took the mean of each block (average "
                                       "pooling); max pooling keeps the largest value."),
        (_pool_with(x, size, np.min), f"For {given} you took the smallest value of each block; "
                                      "max pooling keeps the largest."),
        (np.maximum(right, 0), f"For {given} your maxima are never below 0, but some blocks "
                               "hold only negative numbers: did a running maximum start at 0?"),
        (_max_pool(x[h - hh * size:, w - ww * size:], size),
         f"For {given} you dropped the leftover rows and columns at the top and left; the task "
         "drops those at the bottom and right."),
        (x[:hh * size, :ww * size].reshape(hh, ww, size, size).max(axis=(2, 3)),
         f"For {given} your blocks are not size × size squares of x: reshaping the cropped "
         "array straight to (h // size, w // size, size, size) mixes rows and columns."),
        (-right, f"For {given} every value has the wrong sign."),
    ]


@exercise("7.1", forbid=("keras.layers.MaxPooling2D", "keras.layers.MaxPool2D",
                         "keras.ops.max_pool", "tf.nn.max_pool", "tf.nn.max_pool2d",
                         "tf.nn.pool", "skimage.measure.block_reduce"))
def max_pool2d(answer, rng):
    need_callable(answer, "max_pool2d")
    cases = _pool_cases() + _pool_drawn(rng)
    for given, x, size in cases:
        out = call(answer, x, size, name="max_pool2d")
        out = as_array(out, f"max_pool2d for {given}")
        h, w = x.shape
        right = _max_pool(x, size)
        if out.shape != right.shape:
            hint = _shape_hint(out.shape, [
                ((_ceil_div(h, size), _ceil_div(w, size)),
                 "you kept the incomplete blocks at the edges; the task drops the leftover "
                 "rows and columns, as Keras' MaxPooling2D does"),
                ((h - size + 1, w - size + 1),
                 f"your windows overlap (stride 1); the blocks must not overlap, so they move "
                 f"{size} pixels at a time"),
                ((h // 2, w // 2) if size != 2 else None,
                 f"you used blocks of 2 instead of size = {size}"),
                (right.shape[::-1], "rows and columns swapped"),
            ])
            raise Reject(f"For {given} the output should have shape {right.shape}; yours has "
                         f"shape {out.shape}" + (f": {hint}." if hint else "."))
        expect_finite(out, f"max_pool2d for {given}")
        _diagnose(out, right, _pool_mistakes(given, x, size), rtol=1e-6, atol=1e-7)
        expect_close(out, right, "max_pool2d(x, size)", rtol=1e-6, atol=1e-7, given=given)
    return (f"right on {len(cases)} arrays: sizes from 1 up, leftover rows and columns, "
            "negative values.")

def _shape_hint(shape, hints):
    """The one hint whose shape is `shape` (None when none or several are)."""
    found = {hint for hinted, hint in hints if hinted == shape}
    return found.pop() if len(found) == 1 else None


# 7.2 -----------------------------------------------------------------------------------------

def _im2col(images, kh, kw):
    """Reference: (h, w, c) -> (out_h·out_w, kh·kw·c), row i·out_w + j the window at (i, j)
    read in (row, column, channel) order, as `kernels.reshape(kh * kw * c, c_out)` is."""
    images = np.asarray(images, dtype=float)
    h, w, c = images.shape
    oh, ow = h - kh + 1, w - kw + 1
    rows = [images[i:i + kh, j:j + kw, :].ravel() for i in range(oh) for j in range(ow)]
    return np.array(rows).reshape(oh * ow, kh * kw * c)


def _im2col_cases():
    """Fixed edge cases (the same on every call): (given, images, kh, kw)."""
    fixed = np.random.default_rng(702)
    count = np.arange(4 * 5 * 2, dtype=float).reshape(4, 5, 2)     # every entry different
    return [
        ("a 4×5 image with 2 channels holding 0, 1, 2, ... and a 2×3 kernel", count, 2, 3),
        ("a 6×6 grey image (1 channel) and a 3×3 kernel", fixed.normal(size=(6, 6, 1)), 3, 3),
        ("a 5×7 image with 3 channels and a 3×2 kernel", fixed.normal(size=(5, 7, 3)), 3, 2),
        ("a 4×4 image with 3 channels and a 4×4 kernel (as large as the image)",
         fixed.normal(size=(4, 4, 3)), 4, 4),
        ("a 3×6 image with 2 channels and a 1×1 kernel", fixed.normal(size=(3, 6, 2)), 1, 1),
        ("a 7×3 image with 4 channels and a 2×3 kernel (as wide as the image)",
         fixed.normal(size=(7, 3, 4)), 2, 3),
        ("a 5×5 image with 2 channels of dtype float32 and a 2×2 kernel",
         fixed.normal(size=(5, 5, 2)).astype("float32"), 2, 2),
    ]


def _im2col_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        h, w = (int(v) for v in rng.integers(3, 11, size=2))
        c = int(rng.integers(2, 5))
        kh, kw = int(rng.integers(2, h + 1)), int(rng.integers(2, w + 1))
        images = rng.normal(size=(h, w, c))
        cases.append((f"a random {h}×{w} image with {c} channels and a {kh}×{kw} kernel",
                      images, kh, kw))
    return cases


def _im2col_mistakes(given, images, kh, kw):
    images = np.asarray(images, dtype=float)
    h, w, c = images.shape
    oh, ow = h - kh + 1, w - kw + 1
    windows = np.lib.stride_tricks.sliding_window_view(images, (kh, kw), axis=(0, 1))
    # windows: (oh, ow, c, kh, kw)
    channel_first = windows.reshape(oh * ow, c * kh * kw)
    column_first = windows.transpose(0, 1, 4, 3, 2).reshape(oh * ow, kh * kw * c)
    right = _im2col(images, kh, kw)
    rows_by_column = right.reshape(oh, ow, -1).transpose(1, 0, 2).reshape(oh * ow, -1)
    return [
        (channel_first,
         f"For {given} each row holds the right numbers in another order: yours runs over the "
         "channels first and the kernel's rows and columns inside them. "
         "`kernels.reshape(kh * kw * c_in, c_out)` reads (row, column, channel), with the "
         "channel changing fastest, so your matrix product would pair pixels with the wrong "
         "weights."),
        (column_first,
         f"For {given} each row holds the right numbers in another order: yours runs over the "
         "window's columns before its rows."),
        (rows_by_column,
         f"For {given} your rows hold the right windows in another order: yours go down the "
         "first column of positions first. Row i·out_w + j should hold the window at output "
         "position (i, j), so that a reshape to (out_h, out_w, c_out) puts every result in its "
         "place."),
        (-right, f"For {given} every value has the wrong sign."),
    ]


@exercise("7.2", forbid=("scipy.signal.correlate2d", "scipy.signal.convolve2d",
                         "scipy.signal.correlate", "scipy.signal.convolve",
                         "tf.nn.conv2d", "tf.nn.convolution", "keras.ops.conv",
                         "keras.layers.Conv2D", "tf.image.extract_patches",
                         "keras.ops.image.extract_patches",
                         "sklearn.feature_extraction.image.extract_patches_2d"))
def im2col(answer, rng):
    need_callable(answer, "im2col")
    cases = _im2col_cases() + _im2col_drawn(rng)
    for given, images, kh, kw in cases:
        out = as_array(call(answer, images, kh, kw, name="im2col"), f"im2col for {given}")
        h, w, c = images.shape
        right = _im2col(images, kh, kw)
        oh, ow = h - kh + 1, w - kw + 1
        if out.shape != right.shape:
            hint = _shape_hint(out.shape, [
                (right.shape[::-1], "that is the transpose: one row per output position, one "
                                    "column per kernel weight"),
                ((oh, ow, kh * kw * c), "the windows are right, but the matrix needs one row "
                                        "per output position: flatten the first two axes"),
                ((oh, ow, kh, kw, c), "flatten each window into one row, and the positions "
                                      "into one axis"),
                ((oh, ow, c, kh, kw), "flatten each window into one row, and the positions "
                                      "into one axis"),
                ((h * w, kh * kw * c), "one row per input pixel; with 'valid' windows there is "
                                       "one row per position where the whole kernel fits"),
                ((oh * ow, kh * kw), "the channels are missing: a window holds kh·kw·c_in "
                                     "numbers"),
            ])
            raise Reject(f"For {given} the matrix should have shape {right.shape}; yours has "
                         f"shape {out.shape}" + (f": {hint}." if hint else "."))
        expect_finite(out, f"im2col for {given}")
        _diagnose(out, right, _im2col_mistakes(given, images, kh, kw), rtol=1e-6, atol=1e-6)
        expect_close(out, right, "im2col(images, kh, kw)", rtol=1e-6, atol=1e-6, given=given)
    return (f"right on {len(cases)} images: 1 to 4 channels, non-square kernels, a 1×1 kernel "
            "and one as large as the image. Times kernels.reshape(-1, c_out), your matrix "
            "computes what Conv2D computes.")


# 7.3 -----------------------------------------------------------------------------------------

EPOCHS, BATCH_SIZE = 5, 32       # the training budget the checker gives the learner's model
TARGET = 0.955                   # validation accuracy to reach, at the end of some epoch
                                 # (from OUTCOME_SEED the solution's CNN reaches 0.977)
MAX_PARAMS = 150_000             # keeps the check's training to seconds
UNTRAINED = 0.3                  # a fresh model scores about 0.1; above this it was trained


def _digits():
    """The lesson's MNIST split as the checker feeds it: images (n, 28, 28, 1) float32."""
    from helpers import data

    mnist = data.load_mnist()
    (x, y), (xv, yv) = mnist.train, mnist.val
    return x[..., None].astype("float32"), y, xv[..., None].astype("float32"), yv



def _expect_ready(model, keras):
    shape = tuple(model.input_shape) if not isinstance(model.input_shape, list) else None
    if shape != (None, 28, 28, 1):
        raise Reject(f"the model should take images of shape (28, 28, 1), with a batch axis in "
                     f"front: input shape (None, 28, 28, 1); yours has {model.input_shape}.")
    out = tuple(model.output_shape) if not isinstance(model.output_shape, list) else None
    if out != (None, 10):
        raise Reject(f"the model should give 10 scores per image, output shape (None, 10); "
                     f"yours has {model.output_shape}.")
    ready_to_train(model, "build_model", MAX_PARAMS,
                   " (a CNN needs far fewer, and the check trains it in seconds)")


@exercise("7.3")
def digits_cnn(answer):
    import keras

    model = outcome_model(answer, "build_model")
    _expect_ready(model, keras)
    x, y, xv, yv = _digits()
    before = digit_accuracy(model, xv, yv)
    expect_untrained("build_model", before, UNTRAINED,
                     "the model is already right on {:.1%} of the validation digits")
    curve = []

    class Measure(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            curve.append(digit_accuracy(model, xv, yv))

    try:
        history = model.fit(x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, shuffle=True, verbose=0,
                            callbacks=[Measure()])
    except Reject:
        raise
    except Exception as error:
        raise Reject(f"training the model raised {type(error).__name__}: "
                     f"{short(str(error), 200)}. Check the loss against the labels (whole "
                     "numbers 0 to 9) and the model's output.") from None
    shown = ", ".join(f"{a:.3f}" for a in curve)
    best = max(curve)
    if best < TARGET:
        losses = [float(v) for v in history.history.get("loss", [])]
        stuck = len(losses) > 1 and np.isfinite(losses).all() and losses[-1] > 0.9 * losses[0]
        broken = not np.isfinite(losses).all() if losses else False
        why = (" The training loss is NaN or infinite: lower the learning rate." if broken else
               " The training loss hardly fell: look at the learning rate and at the last "
               "layer's activation against the loss." if stuck else
               " It learns, but not enough: a convolutional network with more filters, or "
               "dropout, or a different learning rate, may get there.")
        raise Reject(f"trained for {EPOCHS} epochs (batches of {BATCH_SIZE}, the checker's "
                     f"fixed seed), your model's validation accuracy after each epoch was {shown}; "
                     f"the best, {best:.3f}, is below the target {TARGET}." + why)
    return (f"trained for {EPOCHS} epochs on the 3,000 training digits, your model "
            f"({model.count_params():,} parameters) reached {best:.1%} validation accuracy "
            f"(epoch by epoch: {shown}).")


# 7.4 -----------------------------------------------------------------------------------------

def _tape_gradients(image, kernel, grad_out):
    """What tf.GradientTape gives for sum(grad_out · conv_valid(image, kernel)), float64."""
    import tensorflow as tf

    x = tf.constant(np.asarray(image, dtype="float64")[None, :, :, None])
    k = tf.constant(np.asarray(kernel, dtype="float64")[:, :, None, None])
    g = tf.constant(np.asarray(grad_out, dtype="float64")[None, :, :, None])
    with tf.GradientTape() as tape:
        tape.watch([x, k])
        out = tf.nn.conv2d(x, k, strides=1, padding="VALID")
        total = tf.reduce_sum(out * g)
    dx, dk = tape.gradient(total, [x, k])
    return dx.numpy()[0, :, :, 0], dk.numpy()[:, :, 0, 0]


def _backward_cases():
    """Fixed edge cases (the same on every call): (given, image, kernel, grad_out)."""
    fixed = np.random.default_rng(704)
    one_hot = np.zeros((4, 4))
    one_hot[1, 2] = 1.0                                 # the gradient of a single output
    asymmetric = np.array([[1.0, 2.0, 0.0], [-1.0, 0.5, 3.0], [0.0, -2.0, 1.0]])
    return [
        ("a 6×6 image, a 3×3 kernel and grad_out 1 at output (1, 2), 0 elsewhere",
         fixed.normal(size=(6, 6)), asymmetric, one_hot),
        ("a 5×7 image, a 2×3 kernel", fixed.normal(size=(5, 7)), fixed.normal(size=(2, 3)),
         fixed.normal(size=(4, 5))),
        ("a 4×4 image and a 4×4 kernel (one output)", fixed.normal(size=(4, 4)),
         fixed.normal(size=(4, 4)), fixed.normal(size=(1, 1))),
        ("a 5×6 image and a 1×1 kernel", fixed.normal(size=(5, 6)), fixed.normal(size=(1, 1)),
         fixed.normal(size=(5, 6))),
        ("an 8×5 image and a 3×2 kernel, grad_out all ones", fixed.normal(size=(8, 5)),
         fixed.normal(size=(3, 2)), np.ones((6, 4))),
        ("a 6×6 image and a 3×3 kernel of dtype float32", fixed.normal(size=(6, 6)).astype(
            "float32"), fixed.normal(size=(3, 3)).astype("float32"),
         fixed.normal(size=(4, 4)).astype("float32")),
    ]


def _backward_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        h, w = (int(v) for v in rng.integers(3, 11, size=2))
        kh, kw = int(rng.integers(2, h + 1)), int(rng.integers(2, w + 1))
        cases.append((f"a random {h}×{w} image and a {kh}×{kw} kernel",
                      rng.normal(size=(h, w)), rng.normal(size=(kh, kw)),
                      rng.normal(size=(h - kh + 1, w - kw + 1))))
    return cases


def _full_correlate(grad_out, kernel):
    """grad_out padded by (kh − 1, kw − 1) zeros on every side, cross-correlated with kernel."""
    kh, kw = kernel.shape
    padded = np.pad(np.asarray(grad_out, dtype=float), ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, np.asarray(kernel, dtype=float))


def _backward_mistakes(given, image, kernel, grad_out):
    dx, dk = _tape_gradients(image, kernel, grad_out)
    n = grad_out.size
    image_mistakes = [
        (_full_correlate(grad_out, kernel),
         f"For {given} your grad_image is what the kernel gives when it is not flipped: pixel "
         "(p, q) feeds output (i, j) through weight (p − i, q − j), so look at which weight "
         "each output sends back to a pixel."),
        (-dx, f"For {given} every value of grad_image has the wrong sign."),
        (np.zeros_like(dx), f"For {given} your grad_image is all zeros."),
    ]
    kernel_mistakes = [
        (dk[::-1, ::-1],
         f"For {given} your grad_kernel is flipped (rows and columns): weight (u, v) multiplies "
         "pixel (i + u, j + v) for output (i, j)."),
        (dk / n, f"For {given} your grad_kernel is the right one divided by the {n} output "
                 "positions: the contributions of the positions add up, they are not "
                 "averaged."),
        (-dk, f"For {given} every value of grad_kernel has the wrong sign."),
    ]
    return dx, dk, image_mistakes, kernel_mistakes


@exercise("7.4", forbid=("tf.GradientTape", "tf.gradients", "tf.nn.conv2d",
                         "tf.nn.conv2d_transpose", "tf.nn.convolution", "keras.ops.conv",
                         "keras.ops.conv_transpose", "keras.layers.Conv2D",
                         "scipy.signal.correlate2d", "scipy.signal.convolve2d",
                         "scipy.signal.correlate", "scipy.signal.convolve"))
def conv2d_backward(answer, rng):
    need_callable(answer, "conv2d_backward")
    cases = _backward_cases() + _backward_drawn(rng)
    for given, image, kernel, grad_out in cases:
        out = call(answer, image, kernel, grad_out, name="conv2d_backward")
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Reject(f"`conv2d_backward` should return two arrays, (grad_image, "
                         f"grad_kernel); for {given} it returned {short(out, 60)}.")
        dx_got = as_array(out[0], f"grad_image for {given}")
        dk_got = as_array(out[1], f"grad_kernel for {given}")
        if dx_got.shape == kernel.shape and dk_got.shape == image.shape and \
                image.shape != kernel.shape:
            raise Reject(f"For {given} the two arrays come back in the wrong order: first "
                         "grad_image (the image's shape), then grad_kernel (the kernel's).")
        dx, dk, image_mistakes, kernel_mistakes = _backward_mistakes(given, image, kernel,
                                                                     grad_out)
        expect_shape(dx_got, dx.shape, f"grad_image for {given} (the image's shape)")
        expect_shape(dk_got, dk.shape, f"grad_kernel for {given} (the kernel's shape)")
        expect_finite(dx_got, f"grad_image for {given}")
        expect_finite(dk_got, f"grad_kernel for {given}")
        _diagnose(dk_got, dk, kernel_mistakes, rtol=1e-5, atol=1e-5)
        expect_close(dk_got, dk, "grad_kernel (against tf.GradientTape)", rtol=1e-5, atol=1e-5,
                     given=given)
        _diagnose(dx_got, dx, image_mistakes, rtol=1e-5, atol=1e-5)
        expect_close(dx_got, dx, "grad_image (against tf.GradientTape)", rtol=1e-5, atol=1e-5,
                     given=given)
    return (f"your two gradients match tf.GradientTape's on {len(cases)} cases: one output's "
            "gradient alone, non-square kernels, a 1×1 kernel, a kernel as large as the image.")
