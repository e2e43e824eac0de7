"""Checkers for lesson 07 (Convolutional networks).

Each checker compares the learner's function with a NumPy reference that follows Keras'
conventions (cross-correlation without a kernel flip; 'same' gives ceil(n / stride); pooling
drops leftover rows and columns), on fixed edge cases and on cases drawn afresh on every call.
A mistake is named only when the answer's results equal what that mistake produces: for the
sizes (7.1, 7.4) on every case of the run, for the arrays (7.2, 7.3) on the failing case, and
only when no other known mistake gives the same; otherwise the message says what was expected,
what came back, and for which input.

From scratch: 7.2 and 7.3 ask for the cross-correlation and the pooling written by hand, so
SciPy's, TensorFlow's, Keras' and scikit-image's versions of them are refused (a learner's own
variable called `conv` or `pool` is not taken for them).
"""

import math

import numpy as np

from helpers.checks import (
    Reject,
    as_array,
    as_number,
    call,
    diagnose,
    exercise,
    expect_close,
    expect_finite,
    need_callable,
    short,
)

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
    return actual.shape == variant.shape and bool(np.all(np.isfinite(variant))) and \
        np.allclose(actual, variant, rtol=rtol, atol=atol)


def _diagnose(actual, right, mistakes, rtol=RTOL, atol=ATOL):
    """`diagnose` (the kit's) with this lesson's comparison."""
    diagnose(actual, right, mistakes, lambda a, b: _matches(a, b, rtol, atol))


def _formula_mistake(results, mistakes):
    """The message of the one wrong formula that gives the learner's result on every case in
    `results` ([(args, got)]), or None when none does, or several do."""
    hits = {message for formula, message in mistakes
            if all(formula(*args) == got for args, got in results)}
    return hits.pop() if len(hits) == 1 else None


def _log_uniform_int(rng, low, high):
    return int(round(math.exp(rng.uniform(math.log(low), math.log(high)))))


# 7.1 -----------------------------------------------------------------------------------------

def _output_size(n, k, stride, padding):
    return (n - k) // stride + 1 if padding == "valid" else _ceil_div(n, stride)


SIZE_CASES = [  # (n, k, stride, padding): stride 1 first, then strides, then 'same'
    (28, 3, 1, "valid"), (28, 5, 1, "valid"), (7, 7, 1, "valid"), (10, 1, 1, "valid"),
    (28, 3, 2, "valid"), (27, 3, 2, "valid"), (28, 4, 3, "valid"), (9, 2, 2, "valid"),
    (6, 4, 3, "valid"), (224, 7, 2, "valid"), (5, 3, 4, "valid"), (1, 1, 2, "valid"),
    (28, 3, 1, "same"), (28, 5, 1, "same"), (1, 3, 1, "same"), (28, 3, 2, "same"),
    (27, 3, 2, "same"), (28, 4, 2, "same"), (7, 3, 3, "same"), (8, 2, 2, "same"),
    (5, 4, 4, "same"), (10, 7, 3, "same"), (224, 7, 2, "same"), (3, 1, 5, "same"),
]


def _size_drawn(rng, count=24):
    cases = []
    for i in range(count):
        n = _log_uniform_int(rng, 1, 300)
        k = int(rng.integers(1, min(n, 11) + 1))
        cases.append((n, k, int(rng.integers(1, 7)), ("valid", "same")[i % 2]))
    return cases


SIZE_MISTAKES = {
    "valid": [
        (lambda n, k, s: n - k + 1,
         "your sizes are those of stride 1 whatever the stride: you left the stride out."),
        (lambda n, k, s: (n - k) // s,
         "your sizes are one short: count the positions where the kernel fits, the first "
         "one included, not only the steps between them."),
        (lambda n, k, s: _ceil_div(n, s),
         "those are the 'same' sizes; with 'valid' there is no padding, so the whole kernel "
         "must fit inside the input."),
        (lambda n, k, s: _ceil_div(n - k, s) + 1,
         "your sizes round a partial step up: with 'valid' a position where the kernel would "
         "hang over the edge does not count."),
        (lambda n, k, s: (n - k + 1) // s,
         "your sizes divide the stride-1 count by the stride and round down, which loses the "
         "last position whenever the stride does not divide it evenly."),
    ],
    "same": [
        (lambda n, k, s: n,
         "your sizes are n whatever the stride: 'same' keeps the size only with stride 1."),
        (lambda n, k, s: n // s,
         "your sizes round down: 'same' keeps a last, partial step."),
        (lambda n, k, s: n // s + 1,
         "your sizes add one to a rounded-down division, one too many when the stride divides "
         "n evenly."),
        (lambda n, k, s: (n + 2 * (k // 2) - k) // s + 1,
         "your sizes pad k // 2 zeros on both sides; Keras' 'same' size does not depend on the "
         "kernel, and for an even kernel that padding is one zero too many (Keras pads "
         "unevenly instead)."),
        (lambda n, k, s: (n - k) // s + 1,
         "those are the 'valid' sizes; with 'same' Keras pads with zeros, so the size does not "
         "depend on the kernel."),
    ],
}


@exercise("7.1")
def conv_output_size(answer, rng):
    need_callable(answer, "conv_output_size")
    cases = SIZE_CASES + _size_drawn(rng)
    results = []
    for n, k, stride, padding in cases:
        given = f"n = {n}, k = {k}, stride = {stride}, padding = {padding!r}"
        got = _whole(call(answer, n, k, stride, padding, name="conv_output_size"),
                     f"conv_output_size for {given}")
        results.append(((n, k, stride, padding), got))
    for (n, k, stride, padding), got in results:
        right = _output_size(n, k, stride, padding)
        if got != right:
            same_padding = [(args[:3], g) for args, g in results if args[3] == padding]
            mistake = _formula_mistake(same_padding, SIZE_MISTAKES.get(padding, []))
            raise Reject(f"For n = {n}, k = {k}, stride = {stride}, padding = {padding!r} the "
                         f"output has {right} pixels; yours gave {got}"
                         + (f": {mistake}" if mistake else "."))
    return (f"right on all {len(cases)} cases: 'valid' and 'same', strides 1 to 6, odd and "
            "even kernels, a kernel as large as the input and a stride larger than it.")


# 7.2 -----------------------------------------------------------------------------------------

def _correlate_valid(image, kernel):
    """Reference: 'valid' cross-correlation (no flip), float64."""
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, kernel)


def _correlation_cases():
    """Fixed edge cases (the same on every call)."""
    fixed = np.random.default_rng(72)
    corner = np.zeros((6, 6))
    corner[2:, 3:] = 1.0                       # no symmetry: every flip gives another result
    slope = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 3.0], [-1.0, 0.5, 1.0]])
    return [
        ("a 6×6 image with a corner (ones from row 2, column 3 on) and a 3×3 edge kernel",
         corner, slope),
        ("a 7×9 image and a 3×3 kernel", fixed.normal(size=(7, 9)), fixed.normal(size=(3, 3))),
        ("an 8×6 image and a 2×4 kernel", fixed.normal(size=(8, 6)), fixed.normal(size=(2, 4))),
        ("a 5×5 image and a 5×5 kernel (as large as the image)", fixed.normal(size=(5, 5)),
         fixed.normal(size=(5, 5))),
        ("a 4×9 image and a 4×2 kernel (as tall as the image)", fixed.normal(size=(4, 9)),
         fixed.normal(size=(4, 2))),
        ("a 6×7 image and a 1×1 kernel", fixed.normal(size=(6, 7)), fixed.normal(size=(1, 1))),
        ("a 12×10 image and a 4×3 kernel", fixed.uniform(0, 1, size=(12, 10)),
         fixed.normal(size=(4, 3))),
        ("a 5×6 image of whole numbers (dtype int64) and a 3×2 kernel",
         fixed.integers(0, 10, size=(5, 6)), np.array([[0.5, -0.25], [1.5, 0.75], [-1.0, 0.1]])),
    ]


def _correlation_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        h, w = (int(v) for v in rng.integers(2, 13, size=2))
        # at least 2×2, so that a flip in either direction shows (the fixed cases have the
        # 1×1 kernel and kernels one row high)
        kh, kw = int(rng.integers(2, h + 1)), int(rng.integers(2, w + 1))
        image = rng.normal(size=(h, w))
        kernel = rng.normal(size=(kh, kw))
        cases.append((f"a random {h}×{w} image and a {kh}×{kw} kernel: image = {short(image)}, "
                      f"kernel = {short(kernel)}", image, kernel))
    return cases


def _correlation_mistakes(given, image, kernel):
    (kh, kw), right = kernel.shape, _correlate_valid(image, kernel)
    mistakes = [
        (_correlate_valid(image, kernel[::-1, ::-1]),
         f"For {given} you flipped the kernel (rows and columns): that is convolution in the "
         "textbook sense. Keras' Conv2D, and this exercise, compute cross-correlation, which "
         "does not flip the kernel."),
        (_correlate_valid(image, kernel[::-1]),
         f"For {given} you flipped the kernel upside down (its rows); cross-correlation does "
         "not flip it."),
        (_correlate_valid(image, kernel[:, ::-1]),
         f"For {given} you flipped the kernel left to right (its columns); cross-correlation "
         "does not flip it."),
        (-right, f"For {given} every value has the wrong sign."),
        (right / (kh * kw),
         f"For {given} your values are the right ones divided by the kernel's {kh * kw} "
         "entries: a window's products are summed, not averaged."),
    ]
    if image.dtype.kind in "iu":
        mistakes.append((np.trunc(right),
                         f"For {given} your values are the right ones cut to whole numbers: "
                         "did your output array take the integer dtype of the image?"))
    if right.shape[0] == right.shape[1]:
        mistakes.append((right.T, f"For {given} your output is transposed: its rows are the "
                                  "columns of the right one."))
    if kh == kw:
        mistakes.append((_correlate_valid(image, kernel.T),
                         f"For {given} your kernel is transposed: its rows should run along "
                         "the image's rows, its columns along the image's columns."))
    return mistakes


def _shape_hint(shape, hints):
    """The one hint whose shape is `shape` (None when none or several are)."""
    found = {hint for hinted, hint in hints if hinted == shape}
    return found.pop() if len(found) == 1 else None


@exercise("7.2", forbid=("scipy.signal.correlate2d", "scipy.signal.convolve2d",
                         "scipy.signal.fftconvolve", "scipy.ndimage.correlate", "np.correlate",
                         "scipy.ndimage.convolve", "np.convolve", "tf.nn.conv2d",
                         "tf.nn.convolution", "keras.ops.conv", "keras.layers.Conv2D"))
def conv2d_single(answer, rng):
    need_callable(answer, "conv2d_single")
    cases = _correlation_cases() + _correlation_drawn(rng)
    for given, image, kernel in cases:
        out = call(answer, image, kernel, name="conv2d_single")
        out = as_array(out, f"conv2d_single for {given}")
        (h, w), (kh, kw) = image.shape, kernel.shape
        right = _correlate_valid(image, kernel)
        if out.shape != right.shape:
            hint = _shape_hint(out.shape, [
                (image.shape, "that is the input's size ('same' padding); 'valid' uses only "
                              "the positions where the whole kernel fits inside the image"),
                ((h - kh, w - kw), "one short in each direction: count the positions where "
                                   "the kernel fits, the first and the last included"),
                ((h + kh - 1, w + kw - 1), "that is the 'full' size, with every partial "
                                           "overlap; 'valid' keeps only whole ones"),
                (right.shape[::-1], "rows and columns swapped"),
            ])
            raise Reject(f"For {given} the output should have shape {right.shape}; yours has "
                         f"shape {out.shape}" + (f": {hint}." if hint else "."))
        expect_finite(out, f"conv2d_single for {given}")
        _diagnose(out, right, _correlation_mistakes(given, image, kernel))
        expect_close(out, right, "conv2d_single(image, kernel)", rtol=RTOL, atol=ATOL,
                     given=given)
    return (f"right on {len(cases)} images, among them non-square kernels, a 1×1 kernel, a "
            "kernel as large as the image and an integer image.")


# 7.3 -----------------------------------------------------------------------------------------

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


@exercise("7.3", forbid=("keras.layers.MaxPooling2D", "keras.layers.MaxPool2D",
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
    [(3, 3)],
    [(3, 2), (1, 1)],
    [],
]


def _field_drawn(rng, count=12):
    return [[(int(rng.integers(1, 8)), int(rng.integers(1, 4)))
             for _ in range(int(rng.integers(1, 7)))] for _ in range(count)]


def _stride_first(layers):
    r, jump = 1, 1
    for k, s in layers:
        jump *= s
        r += (k - 1) * jump
    return r


def _top_down_forwards(layers):
    r = 1
    for k, s in layers:
        r = s * r + (k - s)
    return r


FIELD_MISTAKES = [
    (_stride_first,
     "your values spread each kernel by its own layer's stride as well; a layer's stride "
     "only spreads the layers above it."),
    (lambda layers: _receptive_field(layers) - 1,
     "every value is one less than the right one: a unit of the input itself sees 1 pixel, "
     "so start from 1."),
    (lambda layers: 1 + sum(k - 1 for k, _ in layers),
     "your values leave out the strides: a stride spreads the windows of the layers above "
     "it."),
    (lambda layers: sum(k for k, _ in layers),
     "your values are the sum of the kernel sizes; neighbouring windows overlap, so the "
     "sizes do not simply add up."),
    (lambda layers: 1 + sum((k - 1) * s for k, s in layers),
     "your values multiply each layer's (k − 1) by that layer's own stride, not by the jump "
     "built up by the strides of the layers below it."),
    (_top_down_forwards,
     "your values apply the top-down rule r ← s·r + (k − s) from the input upwards; that "
     "rule runs from the last layer down to the input."),
]


@exercise("7.4")
def receptive_field(answer, rng):
    need_callable(answer, "receptive_field")
    stacks = FIELD_CASES + _field_drawn(rng)
    results = []
    for layers in stacks:
        given = list(layers)
        got = call(answer, given, name="receptive_field")
        if given != layers:
            # The kit's `call` compares arrays and containers, not the numbers inside a list,
            # so a reordered or edited list of (kernel, stride) pairs is caught here.
            raise Reject(f"`receptive_field` changed its input `layers` in place (it was "
                         f"{short(layers, 40)}, is now {short(given, 40)}). Leave the caller's "
                         "data as it was: build a new list (or work on a copy).")
        got = _whole(got, f"receptive_field for layers = {layers}")
        results.append(((layers,), got))
    for (layers,), got in results:
        right = _receptive_field(layers)
        if got != right:
            mistake = _formula_mistake(results, FIELD_MISTAKES)
            raise Reject(f"For layers = {layers} the receptive field is {right} pixels; yours "
                         f"gave {got}" + (f": {mistake}" if mistake else "."))
    return (f"right on {len(stacks)} stacks, including strided convolutions, pooling and the "
            "empty stack.")
