"""Checkers for lesson 07 (Convolutional networks).

Each checker compares the learner's function with a NumPy reference that follows Keras'
conventions (cross-correlation without a kernel flip; 'same' gives ceil(n / stride); pooling
drops leftover rows and columns), on fixed and seeded random inputs, and names the usual
mistakes: a flipped kernel, an off-by-one size, a forgotten stride, 'same' instead of 'valid'.
"""

import numpy as np

from helpers.checks import Reject, as_array, as_number, call, exercise, expect_close, \
    expect_finite, need_callable, short

RTOL, ATOL = 1e-5, 1e-6  # loose enough for float32 answers, far tighter than any mistake


def _ceil_div(a, b):
    return -(-a // b)


def _whole(value, what):
    """The learner's result as an int, or a Reject when it is not a whole number."""
    number = as_number(value, what)
    if not np.isfinite(number) or number != round(number):
        raise Reject(f"{what} should be a whole number of pixels; yours gave {short(number)}.")
    return int(round(number))


def _matches(actual, variant, rtol=RTOL, atol=ATOL):
    variant = np.asarray(variant, dtype=float)
    return actual.shape == variant.shape and np.allclose(actual, variant, rtol=rtol, atol=atol)


# 7.1 -----------------------------------------------------------------------------------------

def _output_size(n, k, stride, padding):
    return (n - k) // stride + 1 if padding == "valid" else _ceil_div(n, stride)


SIZE_CASES = [  # (n, k, stride, padding): stride 1 first, then strides, then 'same'
    (28, 3, 1, "valid"), (28, 5, 1, "valid"), (7, 7, 1, "valid"), (10, 1, 1, "valid"),
    (28, 3, 2, "valid"), (27, 3, 2, "valid"), (28, 4, 3, "valid"), (9, 2, 2, "valid"),
    (6, 4, 3, "valid"), (224, 7, 2, "valid"),
    (28, 3, 1, "same"), (28, 5, 1, "same"), (1, 3, 1, "same"), (28, 3, 2, "same"),
    (27, 3, 2, "same"), (28, 4, 2, "same"), (7, 3, 3, "same"), (8, 2, 2, "same"),
    (5, 4, 4, "same"), (10, 7, 3, "same"), (224, 7, 2, "same"),
]


def _size_mistake(got, n, k, stride, padding):
    """A message naming a known wrong formula that gives `got`, or None."""
    right = _output_size(n, k, stride, padding)
    other = _output_size(n, k, stride, "same" if padding == "valid" else "valid")
    if padding == "valid":
        if got == n - k + 1 and stride > 1:
            return (f"you forgot the stride: the kernel moves {stride} pixels at a time, so "
                    f"'valid' gives floor((n − k) / stride) + 1 = {right}.")
        if got == right - 1:
            return (f"off by one: the windows start at 0, {stride}, {2 * stride}, ..., up to "
                    f"n − k = {n - k}, which makes floor((n − k) / stride) + 1 = {right}.")
        if got == other:
            return (f"that is the 'same' size ceil(n / stride) = {other}; with 'valid' there "
                    f"is no padding, so the output is floor((n − k) / stride) + 1 = {right}.")
    else:
        if got == n and stride > 1:
            return (f"you forgot the stride: 'same' keeps the size only with stride 1; with "
                    f"stride {stride} it gives ceil(n / stride) = {right}.")
        if got == n // stride and got != right:
            return (f"round up, not down: 'same' gives ceil(n / stride) = ceil({n} / {stride}) "
                    f"= {right}.")
        if got == (n + 2 * (k // 2) - k) // stride + 1:
            return (f"Keras' 'same' gives ceil(n / stride) = {right} whatever the kernel size; "
                    f"padding k // 2 zeros on both sides is one zero too many for an even "
                    f"kernel like k = {k} (Keras pads unevenly instead).")
        if got == other:
            return (f"that is the 'valid' size; with 'same' Keras pads with zeros so that the "
                    f"output has ceil(n / stride) = {right} pixels.")
    return None


@exercise("7.1")
def conv_output_size(answer):
    need_callable(answer, "conv_output_size")
    for n, k, stride, padding in SIZE_CASES:
        given = f"n = {n}, k = {k}, stride = {stride}, padding = {padding!r}"
        got = _whole(call(answer, n, k, stride, padding, name="conv_output_size"),
                     f"conv_output_size for {given}")
        right = _output_size(n, k, stride, padding)
        if got != right:
            mistake = _size_mistake(got, n, k, stride, padding)
            raise Reject(f"For {given} the output has {right} pixels; yours gave {got}"
                         + (f": {mistake}" if mistake else "."))
    return (f"right on all {len(SIZE_CASES)} cases: 'valid' and 'same', strides 1 to 4, odd "
            "and even kernels.")


# 7.2 -----------------------------------------------------------------------------------------

def _correlate_valid(image, kernel):
    """Reference: 'valid' cross-correlation (no flip), float64."""
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, kernel)


def _correlation_cases():
    rng = np.random.default_rng(72)
    step = np.zeros((6, 6))
    step[:, 3:] = 1.0
    slope = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 3.0], [-1.0, 0.5, 1.0]])
    return [
        ("a 6×6 step image and a 3×3 edge kernel", step, slope),
        ("a random 7×9 image and a 3×3 kernel", rng.normal(size=(7, 9)), rng.normal(size=(3, 3))),
        ("a random 8×6 image and a 2×4 kernel", rng.normal(size=(8, 6)), rng.normal(size=(2, 4))),
        ("a random 5×5 image and a 5×5 kernel", rng.normal(size=(5, 5)), rng.normal(size=(5, 5))),
        ("a random 6×7 image and a 1×1 kernel", rng.normal(size=(6, 7)), rng.normal(size=(1, 1))),
        ("a random 12×10 image and a 4×3 kernel", rng.uniform(0, 1, size=(12, 10)),
         rng.normal(size=(4, 3))),
    ]


@exercise("7.2")
def conv2d_single(answer):
    need_callable(answer, "conv2d_single")
    for given, image, kernel in _correlation_cases():
        out = call(answer, image.copy(), kernel.copy(), name="conv2d_single")
        out = as_array(out, f"conv2d_single for {given}")
        (h, w), (kh, kw) = image.shape, kernel.shape
        right = _correlate_valid(image, kernel)
        if out.shape != right.shape:
            if out.shape == image.shape:
                hint = ("that is the input's size ('same' padding); 'valid' uses only the "
                        "positions where the whole kernel fits inside the image")
            elif out.shape == (h - kh, w - kw):
                hint = (f"off by one: the kernel fits at rows 0 to h − kh = {h - kh}, that "
                        f"is h − kh + 1 = {h - kh + 1} positions")
            else:
                hint = "it should be (h − kh + 1, w − kw + 1)"
            raise Reject(f"For {given} the output should have shape {right.shape}; yours has "
                         f"shape {out.shape}: {hint}.")
        expect_finite(out, f"conv2d_single for {given}")
        if not _matches(out, right):
            if _matches(out, _correlate_valid(image, kernel[::-1, ::-1])):
                raise Reject(f"For {given} you flipped the kernel: that is convolution in the "
                             "textbook sense. Keras (and this exercise) computes "
                             "cross-correlation: out[i, j] = Σ image[i+u, j+v] · kernel[u, v], "
                             "no flip.")
            if kh == kw and _matches(out, _correlate_valid(image, kernel.T)):
                raise Reject(f"For {given} your kernel is transposed: kernel[u, v] multiplies "
                             "image[i + u, j + v] (u counts rows, v columns).")
            if _matches(out, -right):
                raise Reject(f"For {given} every value has the wrong sign.")
        expect_close(out, right, "conv2d_single(image, kernel)", rtol=RTOL, atol=ATOL,
                     given=given)
    return "right on six images, including non-square kernels and a kernel as big as the image."


# 7.3 -----------------------------------------------------------------------------------------

def _max_pool(x, size):
    h, w = x.shape[0] // size, x.shape[1] // size
    return x[:h * size, :w * size].reshape(h, size, w, size).max(axis=(1, 3))


def _pool_with(x, size, reduce):
    h, w = x.shape[0] // size, x.shape[1] // size
    return reduce(x[:h * size, :w * size].reshape(h, size, w, size), axis=(1, 3))


def _pool_cases():
    rng = np.random.default_rng(73)
    return [
        ("a random 4×6 array, size 2", rng.normal(size=(4, 6)), 2),
        ("a random 7×9 array, size 2 (one row and one column left over)",
         rng.normal(size=(7, 9)), 2),
        ("a random 9×12 array, size 3", rng.normal(size=(9, 12)), 3),
        ("a 4×4 array of negative numbers, size 2", -rng.uniform(1, 2, size=(4, 4)), 2),
        ("a random 11×8 array, size 4", rng.normal(size=(11, 8)), 4),
        ("a random 5×5 array, size 5", rng.normal(size=(5, 5)), 5),
    ]


@exercise("7.3")
def max_pool2d(answer):
    need_callable(answer, "max_pool2d")
    for given, x, size in _pool_cases():
        out = call(answer, x.copy(), size, name="max_pool2d")
        out = as_array(out, f"max_pool2d for {given}")
        h, w = x.shape
        right = _max_pool(x, size)
        if out.shape != right.shape:
            if out.shape == (_ceil_div(h, size), _ceil_div(w, size)):
                hint = ("you kept the incomplete blocks at the edges; drop the leftover rows "
                        "and columns, as Keras' MaxPooling2D does")
            elif out.shape == (h - size + 1, w - size + 1):
                hint = (f"your windows overlap (stride 1); the blocks must not overlap, so "
                        f"they move {size} pixels at a time")
            elif size != 2 and out.shape == (h // 2, w // 2):
                hint = f"you used blocks of 2 instead of size = {size}"
            else:
                hint = "it should be (h // size, w // size)"
            raise Reject(f"For {given} the output should have shape {right.shape}; yours has "
                         f"shape {out.shape}: {hint}.")
        expect_finite(out, f"max_pool2d for {given}")
        if not _matches(out, right):
            if _matches(out, _pool_with(x, size, np.mean)):
                raise Reject(f"For {given} you took the mean of each block (average "
                             "pooling); max pooling keeps the largest value.")
            if _matches(out, _pool_with(x, size, np.min)):
                raise Reject(f"For {given} you took the smallest value of each block; max "
                             "pooling keeps the largest.")
            if _matches(out, np.maximum(right, 0)):
                raise Reject(f"For {given} your maxima are never below 0: did you start a "
                             "running maximum at 0? Start from the block's first value "
                             "(or -inf).")
            if _matches(out, -right):
                raise Reject(f"For {given} every value has the wrong sign.")
        expect_close(out, right, "max_pool2d(x, size)", rtol=1e-6, atol=1e-7, given=given)
    return "right on six arrays: sizes 2 to 5, leftover rows and columns, negative values."


# 7.4 -----------------------------------------------------------------------------------------

def _receptive_field(layers):
    r, jump = 1, 1
    for k, s in layers:
        r += (k - 1) * jump
        jump *= s
    return r


FIELD_CASES = [
    [(3, 1)],
    [(3, 1), (3, 1), (3, 1)],
    [(5, 1), (2, 2), (5, 1), (2, 2)],
    [(2, 2), (3, 1)],
    [(7, 2), (3, 2), (3, 1)],
    [(3, 2), (3, 2), (3, 2), (3, 2)],
    [(1, 1), (1, 3), (3, 1)],
    [],
]


def _field_mistake(got, layers):
    """A message naming a known wrong rule that gives `got`, or None."""
    right = _receptive_field(layers)
    kernels = [k for k, _ in layers]
    r, jump = 1, 1
    for k, s in layers:          # stride applied before the layer's own kernel
        jump *= s
        r += (k - 1) * jump
    if got == r:
        return ("you multiplied by the jump after updating it with this layer's own stride; "
                "a layer's stride only spreads the layers above it: first r += (k − 1)·j, "
                "then j *= s.")
    if got == right - 1:
        return "off by one: start from r = 1 (one input pixel), not 0."
    if got == 1 + sum(k - 1 for k in kernels):
        return "you left out the strides: each (k − 1) is multiplied by the jump j."
    if got == sum(kernels):
        return "the kernel sizes do not simply add up; use r += (k − 1)·j."
    return None


@exercise("7.4")
def receptive_field(answer):
    need_callable(answer, "receptive_field")
    for layers in FIELD_CASES:
        given = f"layers = {layers}"
        got = _whole(call(answer, list(layers), name="receptive_field"),
                     f"receptive_field for {given}")
        right = _receptive_field(layers)
        if got != right:
            mistake = _field_mistake(got, layers)
            raise Reject(f"For {given} the receptive field is {right} pixels; yours gave {got}"
                         + (f": {mistake}" if mistake else "."))
    return (f"right on {len(FIELD_CASES)} stacks, including strided convolutions, pooling and "
            "the empty stack.")
