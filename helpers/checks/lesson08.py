"""Checkers for lesson 08 (Modern CNNs and what they see).

Each checker compares the learner's function with a NumPy reference on fixed edge cases and on
cases drawn from `rng` afresh on every call, and names the usual mistakes, each only after
checking that the answer's result is exactly what that mistake gives: the gradient instead of
its sign, a zero gradient that still moves its pixel, a missing clip, a maximum over the wrong
axes, a missing ReLU, scaling by the batch's maximum instead of each map's, a shift that wraps
around, a range that leaves out an end, shifts that are not uniform or not independent.
"""

import itertools

import numpy as np

from helpers.checks import (
    Reject,
    as_array,
    call,
    diagnose,
    exercise,
    expect_finite,
    expect_frequencies,
    expect_shape,
    need_callable,
    short,
)

RTOL, ATOL = 1e-5, 1e-6  # float32 answers pass; every mistake below is far larger


def _matches(actual, variant, atol=ATOL):
    variant = np.asarray(variant, dtype=float)
    return actual.shape == variant.shape and bool(np.all(np.isfinite(actual))) and \
        bool(np.all(np.isclose(actual, variant, rtol=RTOL, atol=atol)))


def _diagnose(actual, right, mistakes, atol=ATOL):
    """`diagnose` (the kit's) with this lesson's comparison."""
    diagnose(actual, right, mistakes, lambda a, b: _matches(a, b, atol))


def _expect_close(actual, right, what, detail, atol=ATOL):
    """Reject unless `actual` is `right`, naming the first wrong entry and, through
    `detail(index)`, the inputs there. `atol` may be an array, one tolerance per entry."""
    bad = ~np.isclose(actual, right, rtol=RTOL, atol=atol)
    if bad.any():
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        raise Reject(f"{what} is wrong at index {i}{detail(i)}: it should be "
                     f"{short(float(right[i]))}, yours gave {short(float(actual[i]))} "
                     f"({int(bad.sum())} of {bad.size} entries differ).")


def _per_map_max(maps):
    """Each map of maps (n, h, w) divided by its own maximum; all-zero maps stay zero."""
    peak = maps.max(axis=(1, 2), keepdims=True)
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)


def _values(array):
    """'[0, 0.02, 0.5]': a small array's values, as short as they print."""
    return "[" + ", ".join(f"{float(v):.6g}" for v in np.ravel(array)) + "]"


def _shape_text(array):
    return f"shape {tuple(array.shape)} ({array.dtype})"


# 8.1 -----------------------------------------------------------------------------------------

def _fgsm_fixed_cases():
    """(x, grad, eps, description): the edge cases, the same on every call."""
    fixed = np.random.default_rng(81)
    x1 = fixed.uniform(0, 1, (6, 28, 28)).astype("float32")
    x1[:, :3] = 0.0                                   # background pixels, as in MNIST
    x1[:, -3:] = 1.0                                  # saturated ink
    g1 = (fixed.normal(size=x1.shape) * 1e-3).astype("float32")   # small, like real gradients
    x2 = fixed.uniform(0, 1, (4, 5, 5, 1)).astype("float32")
    g2 = fixed.normal(size=x2.shape).astype("float32") * 5.0
    x3 = np.array([0.0, 0.02, 0.5, 0.97, 1.0, 0.3, 0.6], dtype="float32")
    g3 = np.array([-2.0, -0.5, 1e-4, 3.0, 0.7, -1e-6, 0.0], dtype="float32")
    x4 = fixed.uniform(0.2, 0.8, (2, 3, 4))
    g4 = fixed.normal(size=x4.shape) * (fixed.random(x4.shape) < 0.5)   # half exactly 0
    x5 = np.array([[[0.25, 0.5, 0.75]]])
    g5 = np.array([[[1.0, -1.0, 0.0]]])
    return [(x1, g1, 0.1, "x of shape (6, 28, 28), gradients of size 1e-3, eps = 0.1"),
            (x2, g2, 0.3, "x of shape (4, 5, 5, 1), eps = 0.3"),
            (x3, g3, 0.05, f"x = {_values(x3)}, grad = {_values(g3)}, eps = 0.05"),
            (x4, g4, 0.1, "x of shape (2, 3, 4) where half of grad is exactly 0, eps = 0.1"),
            (x2, g2, 0.0, "eps = 0 (nothing should change)"),
            (x5, g5, 1.5, f"a batch of one, x = {x5.tolist()}, grad = {g5.tolist()}, "
                          "eps = 1.5 (more than the pixel range)")]


def _fgsm_random_cases(rng):
    """Drawn lazily, so that a failure on a fixed case draws nothing (and names no seed)."""
    for _ in range(4):
        shape = tuple(int(s) for s in rng.integers(1, 8, size=int(rng.integers(1, 5))))
        dtype = rng.choice(("float32", "float64"))
        x = rng.uniform(0, 1, shape)
        edge = rng.random(shape)
        x[edge < 0.1], x[edge > 0.9] = 0.0, 1.0          # pixels already at 0 and at 1
        grad = rng.normal(size=shape) * 10 ** rng.uniform(-6, 1)
        grad[rng.random(shape) < 0.15] = 0.0              # some gradients exactly 0
        eps = float(rng.uniform(0.005, 0.6))
        yield (x.astype(dtype), grad.astype(dtype), eps,
               f"x of {_shape_text(x.astype(dtype))} with {int(np.sum(grad == 0))} zero "
               f"gradients, eps = {eps:.6g} (a random case)")


@exercise("8.1")
def fgsm(answer, rng):
    """Edge cases (zero gradients, pixels at 0 and 1, eps = 0, eps > 1, tiny gradients, a
    batch of one), then random shapes, dtypes and eps."""
    need_callable(answer, "fgsm")
    count = 0
    for x, grad, eps, given in itertools.chain(_fgsm_fixed_cases(), _fgsm_random_cases(rng)):
        count += 1
        out = as_array(call(answer, x, grad, eps, name="fgsm"), f"fgsm's result for {given}")
        expect_shape(out, x.shape, f"fgsm's result for {given}")
        xd, gd = x.astype(float), grad.astype(float)
        zero = gd == 0

        def at(i, xd=xd, gd=gd):
            return f" (where x = {short(float(xd[i]))}, grad = {short(float(gd[i]))})"

        broken = ~np.isfinite(out)
        if broken.any() and np.all(zero[broken]):
            i = tuple(int(k) for k in np.argwhere(broken)[0])
            raise Reject(f"For {given}, your result is {short(float(out[i]))} at index {i}, "
                         f"where grad is exactly 0: the sign of 0 is 0, so that pixel should "
                         f"stay {short(float(xd[i]))}.")
        expect_finite(out, f"fgsm's result for {given}")
        right = np.clip(xd + eps * np.sign(gd), 0, 1)
        for direction in (1.0, -1.0):
            moved = np.clip(xd + eps * np.where(zero, direction, np.sign(gd)), 0, 1)
            if not _matches(right, moved) and _matches(out, moved):
                i = tuple(int(k) for k in np.argwhere(~np.isclose(moved, right))[0])
                raise Reject(f"For {given}, where grad is exactly 0 your pixels still moved "
                             f"(by {'+' if direction > 0 else '-'}eps): at index {i}, x = "
                             f"{short(float(xd[i]))} became {short(float(out[i]))}. A zero "
                             "gradient gives no direction, so that pixel should stay as it is.")
        _diagnose(out, right, [
            (np.clip(xd - eps * np.sign(gd), 0, 1),
             f"For {given} you stepped against the gradient, which lowers the loss; the "
             "attacker wants the loss higher."),
            (np.clip(xd + eps * gd, 0, 1),
             f"For {given} you moved each pixel by eps times the gradient itself: FGSM moves "
             "every pixel by exactly eps, the way the gradient's sign points."),
            (xd + eps * gd,
             f"For {given} you moved each pixel by eps times the gradient itself, and did not "
             "keep the pixels in [0, 1]."),
            (np.clip(eps * np.sign(gd), 0, 1),
             f"For {given} you returned the clipped step alone, without the image x."),
            (eps * np.sign(gd),
             f"For {given} you returned the step eps · sign(grad) alone, without the image x."),
            (np.clip(xd + np.sign(gd), 0, 1),
             f"For {given} every pixel moved by 1 instead of eps."),
        ])
        if out.min() < -ATOL or out.max() > 1 + ATOL:
            raise Reject(f"For {given} your images have values from {out.min():.4g} to "
                         f"{out.max():.4g}: the adversarial images must stay in [0, 1].")
        _expect_close(out, right, f"fgsm(x, grad, eps) for {given}", at)
    return (f"right on {count} cases: zero gradients, pixels at 0 and 1, eps = 0 and "
            "eps > 1, a batch of one, and random shapes, dtypes and eps.")


# 8.2 -----------------------------------------------------------------------------------------

def _saliency_fixed_cases():
    """(grads, description): the edge cases, the same on every call."""
    fixed = np.random.default_rng(82)
    g1 = fixed.normal(size=(5, 8, 8, 3)) * fixed.uniform(0.1, 10, (5, 1, 1, 1))
    g1[:, 2, 3, 1] = -40.0        # the largest |gradient| is negative: abs matters
    g2 = fixed.normal(size=(3, 6, 7, 1))
    g3 = fixed.normal(size=(4, 5, 5, 2))
    g3[2] = 0.0                   # an image whose gradient is zero everywhere
    g4 = np.array([[[[-3.0], [1.0], [0.0]], [[2.0], [-1.0], [0.5]]]])   # (1, 2, 3, 1)
    return [(g1, "grads of shape (5, 8, 8, 3), each image at its own scale"),
            (g2, "grads of shape (3, 6, 7, 1)"),
            (g3, "grads of shape (4, 5, 5, 2) where image 2's gradient is all zero"),
            (g4, f"a batch of one, grads[0, :, :, 0] = {g4[0, :, :, 0].tolist()}")]


def _saliency_random_cases(rng):
    """Drawn lazily, so that a failure on a fixed case draws nothing (and names no seed)."""
    for _ in range(3):
        n, h, w, c = (int(rng.integers(1, 7)), int(rng.integers(2, 10)),
                      int(rng.integers(2, 10)), int(rng.integers(1, 5)))
        grads = rng.normal(size=(n, h, w, c)) * 10 ** rng.uniform(-4, 3, (n, 1, 1, 1))
        if n > 1 and rng.random() < 0.5:
            grads[rng.integers(n)] = 0.0                  # one image without any gradient
        grads = grads.astype(rng.choice(("float32", "float64")))
        yield (grads, f"grads of {_shape_text(grads)} (a random case)")


@exercise("8.2")
def saliency_from_grads(answer, rng):
    """Edge cases (a large negative gradient, an all-zero image, one channel, a batch of one),
    then random shapes and scales."""
    need_callable(answer, "saliency_from_grads")
    count = 0
    for grads, given in itertools.chain(_saliency_fixed_cases(), _saliency_random_cases(rng)):
        count += 1
        out = as_array(call(answer, grads, name="saliency_from_grads"),
                       f"saliency_from_grads for {given}")
        n, h, w, _ = grads.shape
        if out.shape == (n, h, w, 1):
            raise Reject(f"For {given} the result has shape {out.shape}: the maps should have "
                         f"shape {(n, h, w)}, with no channel axis left.")
        expect_shape(out, (n, h, w), f"the saliency maps for {given}")
        a = np.abs(grads.astype(float))
        maps = a.max(axis=-1)
        empty = maps.max(axis=(1, 2)) == 0
        broken = ~np.isfinite(out)
        if broken.any():
            if np.all(empty[np.argwhere(broken)[:, 0]]):
                i = int(np.argwhere(broken)[0, 0])
                raise Reject(f"For {given}, your map {i} contains NaN or infinity; that image's "
                             "gradient is zero everywhere, and its map should stay zero.")
            expect_finite(out, f"the saliency maps for {given}")
        right = _per_map_max(maps)
        _diagnose(out, right, [
            (_per_map_max(np.maximum(grads.max(axis=-1), 0)),
             f"For {given} you took the largest signed gradient: a large negative gradient "
             "matters as much as a large positive one."),
            (_per_map_max(a.mean(axis=-1)),
             f"For {given} you averaged (or summed) |grad| over the channels; the map takes "
             "their largest."),
            (maps / maps.max() if maps.max() > 0 else maps,
             f"For {given} you divided every map by the largest value in the whole batch; "
             "each map is scaled by its own maximum."),
            (maps,
             f"For {given} the maps are not scaled: each map's largest value should be 1."),
        ])
        lo, hi = maps.min(axis=(1, 2), keepdims=True), maps.max(axis=(1, 2), keepdims=True)
        minmax = np.divide(maps - lo, hi - lo, out=np.zeros_like(maps), where=hi > lo)
        if not _matches(right, minmax) and _matches(out, minmax):
            raise Reject(f"For {given} you subtracted each map's minimum before dividing: "
                         "a zero gradient should stay 0 in the map.")
        _expect_close(out, right, f"saliency_from_grads(grads) for {given}",
                      lambda i: f" (grads there over the channels: {short(grads[i])})")
    return (f"right on {count} batches: a large negative gradient, an all-zero image, a "
            "batch of one, and random shapes and scales.")


# 8.3 -----------------------------------------------------------------------------------------

def _cam_fixed_cases():
    """(features, grads, description): the edge cases, the same on every call."""
    fixed = np.random.default_rng(83)
    f1 = np.maximum(fixed.normal(size=(4, 7, 7, 5)), 0)   # after a ReLU, like real features
    g1 = fixed.normal(size=f1.shape) + fixed.normal(size=(4, 1, 1, 5))
    f2 = np.maximum(fixed.normal(size=(3, 4, 6, 3)), 0)   # h != w catches swapped axes
    g2 = fixed.normal(size=f2.shape) + fixed.normal(size=(3, 1, 1, 3)) * 2
    f3 = fixed.uniform(0.1, 1, (2, 5, 5, 2))
    g3 = np.empty_like(f3)
    g3[0] = fixed.normal(size=(5, 5, 2)) * 0.1 - 1.0        # every weight negative: map is 0
    g3[1] = fixed.normal(size=(5, 5, 2)) * 0.1 + 1.0
    f4 = np.array([[[[1.0], [0.0], [2.0]], [[0.5], [3.0], [0.0]]]])   # (1, 2, 3, 1)
    g4 = np.array([[[[0.2], [0.4], [-0.3]], [[0.1], [0.0], [0.2]]]])
    return [(f1, g1, "features and grads of shape (4, 7, 7, 5)"),
            (f2, g2, "features and grads of shape (3, 4, 6, 3)"),
            (f3, g3, "a batch of 2 where image 0's weighted sum is negative everywhere"),
            (f4, g4, "a batch of one with a single channel, features[0, :, :, 0] = "
                     f"{f4[0, :, :, 0].tolist()}, grads[0, :, :, 0] = {g4[0, :, :, 0].tolist()}")]


def _cam_random_cases(rng):
    """Drawn lazily, so that a failure on a fixed case draws nothing (and names no seed)."""
    for _ in range(3):
        n, h, w, k = (int(rng.integers(1, 5)), int(rng.integers(2, 9)),
                      int(rng.integers(2, 9)), int(rng.integers(1, 7)))
        features = np.maximum(rng.normal(size=(n, h, w, k)), 0) * 10 ** rng.uniform(-2, 2)
        grads = rng.normal(size=(n, h, w, k)) + rng.normal(size=(n, 1, 1, k)) * 2
        if rng.random() < 0.5:                       # one image with no evidence for the class
            grads[rng.integers(n)] = -np.abs(rng.normal(size=(h, w, k))) * 0.1 - 1.0
        dtype = rng.choice(("float32", "float64"))
        features, grads = features.astype(dtype), grads.astype(dtype)
        # A map whose largest positive value is round-off (float32 cancellation) would make
        # its scaled map round-off too: such an image gets no evidence at all instead.
        weights = grads.astype(float).mean(axis=(1, 2))
        terms = np.abs(features.astype(float) * weights[:, None, None, :]).sum(axis=-1)
        peak = np.maximum(_cam(features.astype(float), weights), 0).max(axis=(1, 2))
        for i in np.flatnonzero((peak > 0) & (peak < 1e-3 * terms.max(axis=(1, 2)))):
            grads[i] = -np.abs(grads[i]) - 1.0
        yield (features, grads, f"features and grads of {_shape_text(features)} "
               "(a random case)")


def _cam(features, weights):
    return np.einsum("nhwk,nk->nhw", features, weights)


@exercise("8.3")
def grad_cam(answer, rng):
    """Edge cases (non-square maps, a map that ReLU sets to zero, one channel, a batch of one),
    then random shapes, scales and dtypes."""
    need_callable(answer, "grad_cam")
    count = 0
    for features, grads, given in itertools.chain(_cam_fixed_cases(), _cam_random_cases(rng)):
        count += 1
        out = as_array(call(answer, features, grads, name="grad_cam"), f"grad_cam for {given}")
        n, h, w, k = features.shape
        if out.shape in ((n, h, w, 1), (n, h, w, k)) and out.shape != (n, h, w):
            raise Reject(f"For {given} the result has shape {out.shape}: the maps should have "
                         f"shape {(n, h, w)}, one number per position, with no channel axis.")
        expect_shape(out, (n, h, w), f"the Grad-CAM maps for {given}")
        fd, gd = features.astype(float), grads.astype(float)
        weights = gd.mean(axis=(1, 2))
        raw = _cam(fd, weights)
        positive = np.maximum(raw, 0)
        broken = ~np.isfinite(out)
        if broken.any():
            empty = positive.max(axis=(1, 2)) == 0
            if np.all(empty[np.argwhere(broken)[:, 0]]):
                i = int(np.argwhere(broken)[0, 0])
                raise Reject(f"For {given}, your map {i} contains NaN or infinity; that image's "
                             "weighted sum is nowhere positive, and its map should stay zero.")
            expect_finite(out, f"the Grad-CAM maps for {given}")
        right = _per_map_max(positive)
        # float32 answers: a weighted sum that cancels keeps the round-off of its terms.
        terms = np.abs(fd * weights[:, None, None, :]).sum(axis=-1)
        peak = positive.max(axis=(1, 2), keepdims=True)
        slack = ATOL + 2e-6 * np.divide(terms, peak, out=np.zeros_like(terms), where=peak > 0)
        batch_weights = np.broadcast_to(gd.mean(axis=(0, 1, 2)), weights.shape)
        _diagnose(out, right, [
            (_per_map_max(np.maximum(_cam(fd, batch_weights), 0)),
             f"For {given} you averaged the gradients over the batch too; each image has its "
             "own weights, the mean over its own positions."),
            (_per_map_max(np.maximum(_cam(fd, fd.mean(axis=(1, 2))), 0)),
             f"For {given} you averaged the features to get the weights; the weights come "
             "from the gradients."),
            (_per_map_max(np.maximum((fd * gd).sum(axis=-1), 0)),
             f"For {given} you multiplied features and gradients position by position; each "
             "channel's weight is one number per image, the mean of its gradients."),
            (_per_map_max(np.abs(raw)),
             f"For {given} you took the absolute value of the weighted sum: negative values "
             "should become 0 (ReLU), not positive."),
            (_per_map_max(_cam(fd, np.maximum(weights, 0))),
             f"For {given} you applied ReLU to the weights; it belongs on the weighted sum."),
            (positive / positive.max() if positive.max() > 0 else positive,
             f"For {given} you divided every map by the largest value in the whole batch; "
             "each map is scaled by its own maximum."),
            (positive,
             f"For {given} the maps are not scaled: each map's largest value should be 1."),
        ], slack)
        if out.min() < -ATOL:
            raise Reject(f"For {given} your maps have negative values (down to "
                         f"{out.min():.4g}); after the ReLU no value is below 0.")
        _expect_close(out, right, f"grad_cam(features, grads) for {given}",
                      lambda i: f" (the weighted sum there is {short(float(raw[i]))})", slack)
    return (f"right on {count} batches: non-square maps, a map that ReLU sets to zero, one "
            "channel, a batch of one, and random shapes and scales.")


# 8.4 -----------------------------------------------------------------------------------------

SHIFT_IMAGES = 1500   # enough for a chi-square test to see a range that is not uniform


def _shift(images, dy, dx, wrap=False):
    """images (n, h, w), each moved dy down and dx right; zero fill (or wrapped around)."""
    if wrap:
        return np.roll(images, (dy, dx), axis=(1, 2))
    _, h, w = images.shape
    out = np.zeros_like(images)
    if abs(dy) < h and abs(dx) < w:
        out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            images[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def _find_shifts(images, result, reach, wrap=False, reach_x=None):
    """(shifts, found): for each image the (dy, dx) with |dy| <= reach, |dx| <= reach_x
    (default: reach) that turns it into its result, and whether there is one."""
    reach_x = reach if reach_x is None else reach_x
    shifts = np.zeros((len(images), 2), dtype=int)
    found = np.zeros(len(images), dtype=bool)
    for dy in range(-reach, reach + 1):
        for dx in range(-reach_x, reach_x + 1):
            same = np.all(np.abs(_shift(images, dy, dx, wrap) - result) <= 1e-6, axis=(1, 2))
            shifts[same & ~found] = dy, dx
            found |= same
    return shifts, found


def _shifted(answer, images, m, seed, given):
    out = as_array(call(answer, images, m, seed, name="random_shift"),
                   f"random_shift's result for {given}")
    expect_shape(out, images.shape, f"random_shift's result for {given}")
    expect_finite(out, f"random_shift's result for {given}")
    return out


def _shifts_of(images, out, m, given):
    """Each image's (dy, dx), or a Reject saying how an image is not a shift within ±m."""
    shifts, found = _find_shifts(images, out, m)
    if found.all():
        return shifts
    i = int(np.argmin(found))
    one, result = images[i:i + 1], out[i:i + 1]
    _, h, w = images.shape
    if _find_shifts(one, result, m, wrap=True)[1][0]:
        raise Reject(f"For {given}, image {i} came back wrapped around: the pixels that left "
                     "one side reappear on the other. Pixels that move out of the image are "
                     "dropped, and the uncovered ones become 0.")
    far, ok = _find_shifts(one, result, h - 1, reach_x=w - 1)   # some pixel stays inside
    if ok[0]:
        raise Reject(f"For {given}, image {i} was shifted by (dy, dx) = "
                     f"{tuple(int(s) for s in far[0])}: each shift must lie between -{m} and "
                     f"{m}.")
    raise Reject(f"For {given}, image {i} is not the input image moved by whole pixels (at "
                 f"most {m} each way) with 0 in the uncovered pixels.")


def _expect_uniform_independent(shifts, m, given):
    """Reject shifts (n, 2) that are not uniform on -m..m, or not independent between dy and
    dx or from one image to the next."""
    n, size = len(shifts), 2 * m + 1
    if n > 1 and np.all(shifts == shifts[0]):
        raise Reject(f"For {given}, every image got the same shift (dy, dx) = "
                     f"{tuple(int(s) for s in shifts[0])}: each image should get its own.")
    dy, dx = shifts[:, 0], shifts[:, 1]
    if np.all(dy == dx):
        raise Reject(f"For {given}, dy equals dx for every one of the {n} images: the two "
                     "should be drawn independently.")
    if np.all(dy == -dx):
        raise Reject(f"For {given}, dx equals -dy for every one of the {n} images: the two "
                     "should be drawn independently.")
    for values, name in ((dy, "dy"), (dx, "dx")):
        missing = sorted(set(range(-m, m + 1)) - set(values.tolist()))
        if missing:
            raise Reject(f"For {given}, no image got {name} = {', '.join(map(str, missing))} in "
                         f"{n} images, though every whole number from -{m} to {m} is allowed "
                         "and equally likely.")
    uniform, pairs = np.full(size, 1 / size), np.full(size * size, 1 / size ** 2)
    tests = [(np.bincount(values + m, minlength=size), uniform,
              f"For {given}, the {n} {name} (outcome j is the shift j - {m})")
             for values, name in ((dy, "vertical shifts dy"), (dx, "horizontal shifts dx"))]
    tests.append((np.bincount((dy + m) * size + dx + m, minlength=size * size), pairs,
                  f"For {given}, the {n} pairs (dy, dx) taken together (outcome j is "
                  f"dy = j // {size} - {m}, dx = j % {size} - {m}; if dy and dx are "
                  "independent, every pair is equally likely)"))
    for start in (0, 1):                    # image 0 with 1, 2 with 3, ...; then 1 with 2, ...
        a, b = shifts[start:-1:2] + m, shifts[start + 1::2] + m
        tests.append((np.bincount((a * size + b).ravel(), minlength=size * size), pairs,
                      f"For {given}, the shifts of neighbouring images (images {start} and "
                      f"{start + 1}, {start + 2} and {start + 3}, ...; dy and dx alike; "
                      f"outcome j is the shift j // {size} - {m} of the first and "
                      f"j % {size} - {m} of the second: images should be shifted "
                      "independently of each other)"))
    # Each test alone rejects a right answer once in a million. One flaw shows in several
    # (shifts shared by neighbours also make the counts of dy and dx lumpy), so the test that
    # sees it most clearly (the smallest p) speaks first.
    for counts, probabilities, what in sorted(tests, key=lambda t: _log_p(t[0], t[1])):
        expect_frequencies(counts, probabilities, what)


def _log_p(counts, probabilities):
    """log of the chi-square test's p-value (no underflow to 0 for a very clear signal)."""
    from scipy import stats

    expected = probabilities * counts.sum()
    return float(stats.chi2.logsf(np.sum((counts - expected) ** 2 / expected),
                                  len(counts) - 1))


@exercise("8.4", forbid=("keras.layers.RandomTranslation",))
def random_shift(answer, rng):
    """1,500 random images: each a whole-pixel shift within ±max_shift with zero fill; the
    shifts uniform (chi-square) and independent (dy from dx, and image from image); the same
    seed repeats, another seed differs; max_shift = 0; a batch of one."""
    need_callable(answer, "random_shift")
    m = int(rng.integers(1, 4))
    h, w = (int(s) for s in rng.choice(np.arange(2 * m + 3, 2 * m + 9), size=2, replace=False))
    seed, other_seed = (int(s) for s in rng.choice(2**31, size=2, replace=False))
    images = rng.uniform(0.1, 1.0, (SHIFT_IMAGES, h, w))   # no zeros inside: shifts unambiguous
    given = (f"random_shift(images, {m}, {seed}) with {SHIFT_IMAGES} random images of shape "
             f"({h}, {w}) (no zero pixels)")
    out = _shifted(answer, images, m, seed, given)
    shifts = _shifts_of(images, out, m, given)
    _expect_uniform_independent(shifts, m, given)

    again = _shifted(answer, images, m, seed, given)
    if not np.allclose(again, out, rtol=0, atol=1e-6):
        i = int(np.argmax(~np.all(np.isclose(again, out, rtol=0, atol=1e-6), axis=(1, 2))))
        raise Reject(f"For {given}, calling random_shift twice with the same images and seed "
                     f"gave different results (image {i} first): the same seed must give the "
                     "same shifts.")
    other_given = given.replace(f", {seed})", f", {other_seed})")
    other = _shifted(answer, images, m, other_seed, other_given)
    _shifts_of(images, other, m, other_given)
    if np.allclose(other, out, rtol=0, atol=1e-6):
        raise Reject(f"For {given}, the seeds {seed} and {other_seed} gave identical results: "
                     "the seed should decide the shifts.")

    still_given = (f"random_shift(images, 0, {seed}) with 4 random images of shape (5, 7) "
                   "(zeros in the first row)")
    still = rng.uniform(0, 1, (4, 5, 7))
    still[:, 0] = 0.0
    result = _shifted(answer, still, 0, seed, still_given)
    if not np.allclose(result, still, rtol=0, atol=1e-6):
        i = tuple(int(k) for k in np.argwhere(~np.isclose(result, still, rtol=0, atol=1e-6))[0])
        raise Reject(f"For {still_given}, max_shift = 0: the images should come back "
                     "unchanged; yours "
                     f"differ at index {i}: {short(float(result[i]))} where the image has "
                     f"{short(float(still[i]))}.")

    one = rng.uniform(0.1, 1.0, (1, w, h))
    one_given = f"random_shift(images, {m}, {seed}) with a batch of one image of shape ({w}, {h})"
    _shifts_of(one, _shifted(answer, one, m, seed, one_given), m, one_given)
    return (f"each of {SHIFT_IMAGES} images is shifted by its own whole-pixel (dy, dx) within "
            f"±{m} with zero fill; the shifts are uniform and independent (chi-square, a false "
            "alarm once in a million per test); the seed makes it repeatable; max_shift = 0 and "
            "a batch of one work.")
