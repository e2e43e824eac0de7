"""Checkers for lesson 08 (Modern CNNs and what they see).

Each checker compares the learner's function with a NumPy reference on seeded random inputs
and on edge cases, and names the usual mistakes: the gradient instead of its sign, a missing
clip, a mean over the wrong axes, a missing ReLU, normalising by the batch's maximum instead
of each map's, a shift that wraps around or a range that leaves out its upper end.
"""

import numpy as np

from helpers.checks import Reject, as_array, call, exercise, expect_close, expect_finite, \
    expect_shape, need_callable

RTOL, ATOL = 1e-5, 1e-6  # float32 answers pass; every mistake below is far larger


def _matches(actual, variant):
    variant = np.asarray(variant, dtype=float)
    return actual.shape == variant.shape and bool(np.all(np.isfinite(actual))) and \
        np.allclose(actual, variant, rtol=RTOL, atol=ATOL)


def _diagnose(actual, right, mistakes):
    """Reject with a mistake's own message when `actual` is not `right` but equals it."""
    if _matches(actual, right):
        return
    for variant, message in mistakes:
        if _matches(actual, variant):
            raise Reject(message)


def _per_map_max(maps):
    """Each map of maps (n, h, w) divided by its own maximum; all-zero maps stay zero."""
    peak = maps.max(axis=(1, 2), keepdims=True)
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)


def _unchanged(before, after, name, what):
    if not np.array_equal(before, after):
        raise Reject(f"`{name}` changed its input `{what}` in place (for example with `+=`); "
                     f"work on a new array so the caller's {what} stays as it was.")


# 8.1 -----------------------------------------------------------------------------------------

def _fgsm_cases():
    rng = np.random.default_rng(81)
    x1 = rng.uniform(0, 1, (6, 28, 28)).astype("float32")
    x1[:, :3] = 0.0                                   # background pixels, as in MNIST
    x1[:, -3:] = 1.0                                  # saturated ink
    g1 = (rng.normal(size=x1.shape) * 1e-3).astype("float32")   # small, like real gradients
    x2 = rng.uniform(0, 1, (4, 5, 5, 1)).astype("float32")
    g2 = rng.normal(size=x2.shape).astype("float32") * 5.0
    x3 = np.array([0.0, 0.02, 0.5, 0.97, 1.0, 0.3], dtype="float32")
    g3 = np.array([-2.0, -0.5, 1e-4, 3.0, 0.7, -1e-6], dtype="float32")
    return [(x1, g1, 0.1, "x of shape (6, 28, 28), gradients of size 1e-3, eps = 0.1"),
            (x2, g2, 0.3, "x of shape (4, 5, 5, 1), eps = 0.3"),
            (x3, g3, 0.05, f"x = {x3.tolist()}, grad = {g3.tolist()}, eps = 0.05"),
            (x2, g2, 0.0, "eps = 0 (nothing should change)")]


@exercise("8.1")
def fgsm(answer):
    need_callable(answer, "fgsm")
    for x, grad, eps, given in _fgsm_cases():
        x_in, g_in = x.copy(), grad.copy()
        out = as_array(call(answer, x_in, g_in, eps, name="fgsm"), f"fgsm for {given}")
        _unchanged(x, x_in, "fgsm", "x")
        expect_shape(out, x.shape, f"fgsm's result for {given}")
        expect_finite(out, f"fgsm's result for {given}")
        xd, gd = x.astype(float), grad.astype(float)
        right = np.clip(xd + eps * np.sign(gd), 0, 1)
        _diagnose(out, right, [
            (np.clip(xd - eps * np.sign(gd), 0, 1),
             f"For {given} you stepped against the gradient, which lowers the loss: the "
             "attacker wants the loss higher, so add eps * sign(grad)."),
            (np.clip(xd + eps * gd, 0, 1),
             f"For {given} you moved each pixel by eps * grad: FGSM uses the sign of the "
             "gradient, so every pixel moves by exactly eps (np.sign(grad))."),
            (xd + eps * gd,
             f"For {given} you moved each pixel by eps * grad and did not clip: use "
             "np.sign(grad), then np.clip(..., 0, 1)."),
            (np.clip(eps * np.sign(gd), 0, 1),
             f"For {given} you returned the clipped perturbation alone: add it to x."),
            (eps * np.sign(gd),
             f"For {given} you returned the perturbation eps * sign(grad) alone: add it to "
             "x, then clip."),
            (np.clip(xd + np.sign(gd), 0, 1),
             f"For {given} every pixel moved by 1 instead of eps: multiply the sign by eps."),
        ])
        if out.min() < -ATOL or out.max() > 1 + ATOL:
            raise Reject(f"For {given} your images have values from {out.min():.4g} to "
                         f"{out.max():.4g}: pixels must stay in [0, 1]; clip the result "
                         "(np.clip(..., 0, 1)).")
        expect_close(out, right, "fgsm(x, grad, eps)", rtol=RTOL, atol=ATOL, given=given)
    return ("right on 2-D, 3-D and 4-D images, with tiny gradients, pixels at 0 and 1, "
            "and eps = 0.")


# 8.2 -----------------------------------------------------------------------------------------

def _saliency_cases():
    rng = np.random.default_rng(82)
    g1 = rng.normal(size=(5, 8, 8, 3)) * rng.uniform(0.1, 10, (5, 1, 1, 1))
    g1[:, 2, 3, 1] = -40.0        # the largest |gradient| is negative: abs matters
    g2 = rng.normal(size=(3, 6, 7, 1))
    g3 = rng.normal(size=(4, 5, 5, 2))
    g3[2] = 0.0                   # an image whose gradient is zero everywhere
    return [(g1, "grads of shape (5, 8, 8, 3), each image at its own scale"),
            (g2, "grads of shape (3, 6, 7, 1)"),
            (g3, "grads of shape (4, 5, 5, 2) where image 2's gradient is all zero")]


@exercise("8.2")
def saliency_from_grads(answer):
    need_callable(answer, "saliency_from_grads")
    for grads, given in _saliency_cases():
        g_in = grads.copy()
        out = as_array(call(answer, g_in, name="saliency_from_grads"),
                       f"saliency_from_grads for {given}")
        _unchanged(grads, g_in, "saliency_from_grads", "grads")
        n, h, w, _ = grads.shape
        if out.shape == (n, h, w, 1):
            raise Reject(f"For {given} the result has shape {out.shape}: reduce over the "
                         "channel axis (axis=-1) without keepdims, to shape (n, h, w).")
        expect_shape(out, (n, h, w), f"the saliency maps for {given}")
        if not np.all(np.isfinite(out)):
            raise Reject(f"For {given} your maps contain NaN or infinity: a map that is zero "
                         "everywhere must stay zero; do not divide by a maximum of 0.")
        a = np.abs(grads)
        right = _per_map_max(a.max(axis=-1))
        _diagnose(out, right, [
            (_per_map_max(np.maximum(grads.max(axis=-1), 0)),
             f"For {given} you took the largest signed gradient: take the absolute value "
             "first (np.abs), a large negative gradient matters as much as a positive one."),
            (_per_map_max(a.mean(axis=-1)),
             f"For {given} you averaged (or summed) |grad| over the channels: take the "
             "maximum."),
            (a.max(axis=-1) / a.max(),
             f"For {given} you divided every map by the largest value in the whole batch: "
             "divide each map by its own maximum (max over axes 1 and 2, keepdims=True)."),
            (a.max(axis=-1),
             f"For {given} the maps are not scaled: divide each by its own maximum."),
        ])
        maps = a.max(axis=-1)
        lo, hi = maps.min(axis=(1, 2), keepdims=True), maps.max(axis=(1, 2), keepdims=True)
        minmax = np.divide(maps - lo, hi - lo, out=np.zeros_like(maps), where=hi > lo)
        if _matches(out, minmax):
            raise Reject(f"For {given} you subtracted each map's minimum before dividing: "
                         "divide |grad| by the map's maximum only, so zero gradient stays 0.")
        expect_close(out, right, "saliency_from_grads(grads)", rtol=RTOL, atol=ATOL,
                     given=given)
    return "right on three batches, with 1, 2 and 3 channels, and an all-zero gradient."


# 8.3 -----------------------------------------------------------------------------------------

def _cam_cases():
    rng = np.random.default_rng(83)
    f1 = np.maximum(rng.normal(size=(4, 7, 7, 5)), 0)     # after a ReLU, like real features
    g1 = rng.normal(size=f1.shape) + rng.normal(size=(4, 1, 1, 5))
    f2 = np.maximum(rng.normal(size=(3, 4, 6, 3)), 0)     # h != w catches swapped axes
    g2 = rng.normal(size=f2.shape) + rng.normal(size=(3, 1, 1, 3)) * 2
    f3 = rng.uniform(0.1, 1, (2, 5, 5, 2))
    g3 = np.empty_like(f3)
    g3[0] = rng.normal(size=(5, 5, 2)) * 0.1 - 1.0          # every weight negative: map is 0
    g3[1] = rng.normal(size=(5, 5, 2)) * 0.1 + 1.0
    return [(f1, g1, "features and grads of shape (4, 7, 7, 5)"),
            (f2, g2, "features and grads of shape (3, 4, 6, 3)"),
            (f3, g3, "a batch of 2 where image 0's weighted sum is negative everywhere")]


def _cam(features, weights):
    return np.einsum("nhwk,nk->nhw", features, weights)


@exercise("8.3")
def grad_cam(answer):
    need_callable(answer, "grad_cam")
    for features, grads, given in _cam_cases():
        f_in, g_in = features.copy(), grads.copy()
        out = as_array(call(answer, f_in, g_in, name="grad_cam"), f"grad_cam for {given}")
        _unchanged(features, f_in, "grad_cam", "features")
        _unchanged(grads, g_in, "grad_cam", "grads")
        n, h, w, k = features.shape
        if out.shape in ((n, h, w, 1), (n, h, w, k)):
            raise Reject(f"For {given} the result has shape {out.shape}: sum the weighted "
                         "feature maps over the channel axis, to shape (n, h, w).")
        expect_shape(out, (n, h, w), f"the Grad-CAM maps for {given}")
        if not np.all(np.isfinite(out)):
            raise Reject(f"For {given} your maps contain NaN or infinity: a map that ReLU "
                         "sets to zero everywhere must stay zero; do not divide by 0.")
        weights = grads.mean(axis=(1, 2))
        raw = _cam(features, weights)
        right = _per_map_max(np.maximum(raw, 0))
        batch_weights = np.broadcast_to(grads.mean(axis=(0, 1, 2)), weights.shape)
        _diagnose(out, right, [
            (_per_map_max(np.maximum(_cam(features, batch_weights), 0)),
             f"For {given} you averaged the gradients over the batch too: average over the "
             "positions of each image only (axes 1 and 2), giving weights of shape (n, k)."),
            (_per_map_max(np.maximum(_cam(features, features.mean(axis=(1, 2))), 0)),
             f"For {given} you averaged the features to get the weights: the weights are "
             "the mean of the *gradients* over the positions."),
            (_per_map_max(np.maximum((features * grads).sum(axis=-1), 0)),
             f"For {given} you multiplied features and gradients pixel by pixel: first "
             "average the gradients over the positions (one weight per channel)."),
            (_per_map_max(np.abs(raw)),
             f"For {given} you took the absolute value: use ReLU (np.maximum(m, 0)), which "
             "keeps only evidence *for* the class."),
            (_per_map_max(_cam(features, np.maximum(weights, 0))),
             f"For {given} you applied ReLU to the weights: apply it to the weighted sum."),
            (np.maximum(raw, 0) / np.maximum(raw, 0).max(),
             f"For {given} you divided every map by the largest value in the whole batch: "
             "divide each map by its own maximum (max over axes 1 and 2, keepdims=True)."),
            (np.maximum(raw, 0),
             f"For {given} the maps are not scaled: divide each by its own maximum."),
        ])
        if out.min() < -ATOL:
            raise Reject(f"For {given} your maps have negative values (down to "
                         f"{out.min():.4g}): apply ReLU to the weighted sum.")
        raw_scaled = raw / np.abs(raw).max(axis=(1, 2), keepdims=True)
        if _matches(out, raw_scaled):
            raise Reject(f"For {given} your maps have negative values: apply ReLU to the "
                         "weighted sum before scaling.")
        expect_close(out, right, "grad_cam(features, grads)", rtol=RTOL, atol=ATOL,
                     given=given)
    return ("right on three batches, including non-square maps and a map that ReLU sets "
            "to zero.")


# 8.4 -----------------------------------------------------------------------------------------

def _shift(image, dy, dx, wrap=False):
    """image (h, w) moved dy down and dx right; zero fill (or wrapped around)."""
    if wrap:
        return np.roll(image, (dy, dx), axis=(0, 1))
    h, w = image.shape
    out = np.zeros_like(image)
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def _find_shift(image, result, reach, wrap=False):
    """(dy, dx) with |dy|, |dx| <= reach that turns image into result, or None."""
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            if np.allclose(_shift(image, dy, dx, wrap), result, rtol=0, atol=1e-6):
                return dy, dx
    return None


def _shifted(answer, images, m, seed, given):
    before = images.copy()
    out = as_array(call(answer, images, m, seed, name="random_shift"),
                   f"random_shift for {given}")
    _unchanged(before, images, "random_shift", "images")
    expect_shape(out, images.shape, f"random_shift's result for {given}")
    expect_finite(out, f"random_shift's result for {given}")
    return out


@exercise("8.4")
def random_shift(answer):
    need_callable(answer, "random_shift")
    rng = np.random.default_rng(84)
    m, n = 2, 300
    images = rng.uniform(0.1, 1.0, (n, 9, 11))     # no zeros inside: shifts are unambiguous
    given = f"{n} random images of shape (9, 11), max_shift = {m}, seed = 0"
    out = _shifted(answer, images, m, 0, given)
    shifts = []
    for i in range(n):
        found = _find_shift(images[i], out[i], m)
        if found is None:
            if _find_shift(images[i], out[i], m, wrap=True):
                raise Reject(f"For {given}, image {i} wrapped around (as np.roll does): the "
                             "pixels that leave one side must not come back on the other; "
                             "fill the uncovered rows and columns with 0.")
            far = _find_shift(images[i], out[i], min(images.shape[1:]) - 1)
            if far is not None:
                raise Reject(f"For {given}, image {i} was shifted by (dy, dx) = {far}: each "
                             f"shift must lie between -{m} and {m}.")
            raise Reject(f"For {given}, image {i} is not the input image shifted by whole "
                         f"pixels (at most {m} each way) with 0 in the uncovered pixels.")
        shifts.append(found)
    shifts = np.array(shifts)
    if len({tuple(s) for s in shifts.tolist()}) == 1:
        raise Reject(f"For {given}, every image got the same shift {tuple(shifts[0].tolist())}: "
                     "draw a new (dy, dx) for each image.")
    if np.all(shifts[:, 0] == shifts[:, 1]):
        raise Reject(f"For {given}, dy always equals dx: draw the two independently.")
    for axis, name in ((0, "dy"), (1, "dx")):
        seen = set(shifts[:, axis].tolist())
        missing = sorted(set(range(-m, m + 1)) - seen)
        if missing:
            hint = (" Is the upper end of your range exclusive? rng.integers(-m, m + 1) "
                    "includes m.") if m in missing else ""
            raise Reject(f"For {given}, no image got {name} = {missing} in {n} draws: every "
                         f"value from -{m} to {m} should occur.{hint}")
    again = _shifted(answer, images, m, 0, given)
    if not np.allclose(again, out, atol=1e-6):
        raise Reject("Calling random_shift twice with seed = 0 gave different results: "
                     "draw the shifts from np.random.default_rng(seed).")
    other = _shifted(answer, images, m, 1, given.replace("seed = 0", "seed = 1"))
    if np.allclose(other, out, atol=1e-6):
        raise Reject("Seeds 0 and 1 gave identical results: use the seed to draw the shifts.")
    still = _shifted(answer, images[:5], 0, 3, "max_shift = 0")
    if not np.allclose(still, images[:5], atol=1e-6):
        raise Reject("With max_shift = 0 the images should come back unchanged.")
    return (f"each of {n} images is shifted by its own whole-pixel (dy, dx) within ±{m}, "
            "with zero fill; every value of dy and dx occurs; the seed makes it repeatable.")
