"""Checkers for lesson 08 (Modern CNNs and what they see).

8.1 and 8.2 compare the learner's function with a NumPy reference on fixed edge cases and on
cases drawn from `rng` afresh on every call, and name the usual mistakes, each only after
checking that the answer's result is exactly what that mistake gives: a shift that wraps
around, a range that leaves out an end, shifts that are not uniform or not independent; a
kernel's row taken for its column, the predicted class explained instead of the one asked for,
a missing ReLU, scaling by the batch's maximum instead of each map's.

8.3 (projected gradient descent) is checked step by step against a reference on small models
whose gradient the checker supplies, then judged by its outcome: on a small network the
checker trains on the lesson's digits, the learner's attack must leave less accuracy than FGSM
at the same ε, measured by the checker.
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


def _cam(features, weights):
    return np.einsum("nhwk,nk->nhw", features, weights)


# 8.2 -----------------------------------------------------------------------------------------

def _class_cam(features, kernel, classes):
    """Reference: relu(sum_k features[..., k] · kernel[k, classes[i]]), each map scaled to a
    maximum of 1. (The gradient of logit c with respect to features[i, :, :, k] after global
    average pooling is kernel[k, c] / (h·w) everywhere; the 1 / (h·w) goes with the scaling.)"""
    weights = np.asarray(kernel, dtype=float)[:, classes].T              # (n, k)
    return _per_map_max(np.maximum(_cam(np.asarray(features, dtype=float), weights), 0))


def _class_cam_fixed_cases():
    """(features, kernel, classes, description): the same on every call."""
    fixed = np.random.default_rng(82)
    f1 = np.maximum(fixed.normal(size=(4, 7, 7, 5)), 0)
    k1 = fixed.normal(size=(5, 10))
    f2 = np.maximum(fixed.normal(size=(3, 4, 6, 10)), 0)     # k = 10: rows and columns fit
    k2 = fixed.normal(size=(10, 10))
    f3 = fixed.uniform(0.1, 1, (2, 5, 5, 3))
    k3 = fixed.normal(size=(3, 10))
    k3[:, 4] = -np.abs(k3[:, 4]) - 0.5                        # no evidence at all for class 4
    f4 = np.array([[[[1.0], [0.0], [2.0]], [[0.5], [3.0], [0.0]]]])   # (1, 2, 3, 1)
    k4 = np.linspace(-1.0, 1.0, 10)[None, :]
    return [
        (f1, k1, np.array([3, 3, 0, 9]), "features (4, 7, 7, 5), a kernel (5, 10), "
                                         "classes [3, 3, 0, 9]"),
        (f2, k2, np.array([1, 7, 2]), "features (3, 4, 6, 10), a kernel (10, 10), "
                                      "classes [1, 7, 2]"),
        (f3, k3, np.array([4, 8]), "a batch of 2 where class 4 (image 0) has only negative "
                                   "weights"),
        (f4, k4, np.array([9]), "a batch of one with a single channel, features[0, :, :, 0] = "
                                f"{f4[0, :, :, 0].tolist()}, kernel[0] = {_values(k4[0])}, "
                                "classes [9]"),
    ]


def _class_cam_random_cases(rng):
    for _ in range(3):
        n, h, w, k = (int(rng.integers(2, 6)), int(rng.integers(2, 9)),
                      int(rng.integers(2, 9)), int(rng.integers(2, 12)))
        features = np.maximum(rng.normal(size=(n, h, w, k)), 0) * 10 ** rng.uniform(-1, 1)
        kernel = rng.normal(size=(k, 10))
        classes = rng.integers(0, 10, n)
        dtype = str(rng.choice(("float32", "float64")))
        yield (features.astype(dtype), kernel.astype(dtype), classes,
               f"random features {_shape_text(features.astype(dtype))}, a kernel ({k}, 10), "
               f"classes {classes.tolist()}")


@exercise("8.2", forbid=("tf.GradientTape",))
def class_cam(answer, rng):
    need_callable(answer, "class_cam")
    count = 0
    for features, kernel, classes, given in itertools.chain(_class_cam_fixed_cases(),
                                                             _class_cam_random_cases(rng)):
        count += 1
        out = as_array(call(answer, features, kernel, classes, name="class_cam"),
                       f"class_cam for {given}")
        n, h, w, k = features.shape
        expect_shape(out, (n, h, w), f"the maps for {given}")
        fd, kd = features.astype(float), kernel.astype(float)
        raw = _cam(fd, kd[:, classes].T)
        positive = np.maximum(raw, 0)
        if not np.all(np.isfinite(out)):
            empty = positive.max(axis=(1, 2)) == 0
            i = int(np.argwhere(~np.isfinite(out))[0, 0])
            if empty[i]:
                raise Reject(f"For {given}, your map {i} contains NaN or infinity; that image's "
                             "weighted sum is nowhere positive, and its map should stay zero.")
            expect_finite(out, f"the maps for {given}")
        right = _per_map_max(positive)
        # float32 answers: a weighted sum that cancels keeps the round-off of its terms.
        weights = kd[:, classes].T
        terms = np.abs(fd * weights[:, None, None, :]).sum(axis=-1)
        peak = positive.max(axis=(1, 2), keepdims=True)
        slack = 1e-5 + 2e-6 * np.divide(terms, peak, out=np.zeros_like(terms), where=peak > 0)
        logits = fd.mean(axis=(1, 2)) @ kd
        predicted = logits.argmax(axis=1)
        mistakes = [
            (_per_map_max(np.maximum(_cam(fd, kd[:, predicted].T), 0)),
             f"For {given} you explained the class with the largest logit; the maps should "
             "explain the class asked for, classes[i], whatever the network predicts."),
            (_per_map_max(np.abs(raw)),
             f"For {given} you took the absolute value of the weighted sum: negative values "
             "should become 0 (ReLU), not positive."),
            (_per_map_max(np.maximum(-raw, 0)),
             f"For {given} your maps show the evidence against the class: the weighted sum has "
             "the wrong sign."),
            (positive / positive.max() if positive.max() > 0 else positive,
             f"For {given} you divided every map by the largest value in the whole batch; "
             "each map is scaled by its own maximum."),
            (positive, f"For {given} the maps are not scaled: each map's largest value should "
                       "be 1."),
            (positive / (h * w), f"For {given} the maps are not scaled: each map's largest value "
                                 "should be 1."),
            (_per_map_max(_cam(fd, np.maximum(kd[:, classes].T, 0))),
             f"For {given} you applied ReLU to the weights; it belongs on the weighted sum."),
        ]
        if k == 10:
            mistakes.append((_per_map_max(np.maximum(_cam(fd, kd[classes]), 0)),
                             f"For {given} you took row c of the kernel; the Dense kernel has "
                             "shape (channels, classes), so class c's weights are its column."))
        _diagnose(out, right, mistakes, atol=slack)
        if out.min() < -1e-6:
            raise Reject(f"For {given} your maps have negative values (down to "
                         f"{out.min():.4g}); after the ReLU no value is below 0.")
        _expect_close(out, right, f"class_cam(features, kernel, classes) for {given}",
                      lambda i: f" (the weighted sum there is {short(float(raw[i]))})", slack)
    return (f"right on {count} batches: classes other than the predicted ones, a class with no "
            "evidence, a square kernel, one channel, random shapes. Your maps are Grad-CAM's, "
            "with no tape.")


# 8.3 -----------------------------------------------------------------------------------------

def _pgd(x, y, loss_grad, eps, step, steps):
    """Reference: `steps` signed steps up the loss, each projected back into the L-inf ball of
    radius eps around x and into [0, 1]."""
    x = np.asarray(x, dtype=float)
    adv = x.copy()
    for _ in range(steps):
        adv = adv + step * np.sign(loss_grad(adv, y))
        adv = np.clip(np.clip(adv, x - eps, x + eps), 0.0, 1.0)
    return adv


class _SoftmaxNet:
    """A one-hidden-layer ReLU network with a softmax cross-entropy loss, in NumPy: its
    gradient with respect to the input is what the checker hands the learner."""

    def __init__(self, w1, b1, w2, b2):
        self.w1, self.b1, self.w2, self.b2 = w1, b1, w2, b2

    def logits(self, x):
        flat = np.asarray(x, dtype=float).reshape(len(x), -1)
        hidden = np.maximum(flat @ self.w1 + self.b1, 0)
        return hidden, hidden @ self.w2 + self.b2

    def loss_grad(self, x, y):
        hidden, z = self.logits(x)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1.0
        return (((p @ self.w2.T) * (hidden > 0)) @ self.w1.T).reshape(np.shape(x))

    def accuracy(self, x, y):
        return float(np.mean(self.logits(x)[1].argmax(axis=1) == y))


def _random_net(rng, d, hidden=6, classes=3):
    return _SoftmaxNet(rng.normal(size=(d, hidden)), rng.normal(size=hidden) * 0.1,
                       rng.normal(size=(hidden, classes)), rng.normal(size=classes) * 0.1)


def _linear_net(w):
    """A net whose loss gradient is the same everywhere up to sign patterns: softmax of x @ w."""
    d, c = w.shape
    return _SoftmaxNet(np.hstack([np.eye(d), -np.eye(d)]), np.zeros(2 * d),
                       np.vstack([w, -w]), np.zeros(c))


def _pgd_fixed_cases():
    """(x, y, net, eps, step, steps, given): the same on every call."""
    fixed = np.random.default_rng(83)
    x1 = fixed.uniform(0, 1, (5, 4, 4))
    net1 = _random_net(fixed, 16)
    edge = np.array([[0.0, 1.0, 0.5, 0.02, 0.99, 0.3]])            # pixels at and near 0 and 1
    net2 = _random_net(fixed, 6)
    x3 = fixed.uniform(0.2, 0.8, (4, 3, 3))
    flat = _linear_net(np.zeros((9, 3)))                            # zero gradient everywhere
    return [
        (x1, np.array([0, 1, 2, 0, 1]), net1, 0.1, 0.1, 1,
         "one step of size eps = 0.1 (FGSM) on 5 images of 4 × 4"),
        (x1, np.array([2, 2, 1, 0, 0]), net1, 0.05, 0.02, 7,
         "eps = 0.05, 7 steps of 0.02 (the steps overshoot the ball)"),
        (edge, np.array([1]), net2, 0.1, 0.04, 5,
         "one image whose pixels sit at or near 0 and 1, eps = 0.1, 5 steps of 0.04"),
        (x3, np.array([0, 1, 2, 0]), flat, 0.1, 0.03, 4,
         "a network whose loss gradient is zero everywhere, eps = 0.1, 4 steps"),
        (x1[:1], np.array([1]), net1, 0.2, 0.05, 0,
         "0 steps, a batch of one"),
        # The gradient's sign turns on the way (at 10 pixels): a gradient taken once, at x,
        # goes wrong here, whatever the random cases draw.
        (x1, np.array([0, 1, 2, 0, 1]), net1, 0.4, 0.1, 3,
         "eps = 0.4, 3 steps of 0.1 on 5 images of 4 × 4"),
    ]


def _pgd_random_cases(rng):
    for _ in range(3):
        n, h, w = int(rng.integers(1, 6)), int(rng.integers(2, 6)), int(rng.integers(2, 6))
        x = rng.uniform(0, 1, (n, h, w))
        x[rng.random(x.shape) < 0.2] = 0.0                          # background pixels
        net = _random_net(rng, h * w, hidden=int(rng.integers(3, 9)))
        eps = float(rng.uniform(0.02, 0.3))
        steps = int(rng.integers(2, 9))
        step = float(eps * rng.uniform(0.2, 0.8))
        yield (x, rng.integers(0, 3, n), net, eps, step, steps,
               f"random images ({n}, {h}, {w}), eps = {eps:.4f}, {steps} steps of {step:.4f}")


def _pgd_mistakes(given, x, y, net, eps, step, steps):
    g = net.loss_grad
    x = np.asarray(x, dtype=float)

    def run(update, project):
        adv = x.copy()
        for _ in range(steps):
            adv = project(update(adv))
        return adv

    up = lambda a: a + step * np.sign(g(a, y))                      # noqa: E731
    both = lambda a: np.clip(np.clip(a, x - eps, x + eps), 0, 1)    # noqa: E731
    mistakes = [
        (run(up, lambda a: np.clip(a, 0, 1)),
         f"For {given} your images leave the ε-ball around x: after each step, bring every "
         "pixel back to within eps of its original value (as well as into [0, 1])."),
        (run(up, lambda a: np.clip(a, x - eps, x + eps)),
         f"For {given} some pixels leave [0, 1]: clip to the valid range as well."),
        (run(lambda a: a - step * np.sign(g(a, y)), both),
         f"For {given} your steps go down the loss; an attack climbs it."),
        (run(lambda a: a + step * g(a, y), both),
         f"For {given} your steps follow the gradient itself; PGD under an L∞ budget follows "
         "its sign, as FGSM does."),
    ]
    once = np.clip(np.clip(x + steps * step * np.sign(g(x, y)), x - eps, x + eps), 0, 1)
    fgsm = np.clip(x + eps * np.sign(g(x, y)), 0, 1)
    if steps == 0:
        mistakes.append((fgsm, f"For {given} your result is FGSM's, one step of eps; with "
                               "steps = 0, PGD takes no step at all and returns x."))
    elif steps * step >= eps:      # a fixed direction walks to the ball's edge: FGSM's result
        mistakes.append((once, f"For {given} your result is FGSM's, which is also what you get "
                               "when you computed the gradient once, at x: PGD takes `steps` "
                               "steps of size `step`, with the gradient taken afresh at the "
                               "current adversarial image every time."))
    else:
        mistakes += [
            (once, f"For {given} you computed the gradient once, at x; PGD takes it afresh at "
                   "every step, at the current adversarial image."),
            (fgsm, f"For {given} your result is FGSM's, one step of eps; PGD takes `steps` "
                   "steps of size `step`."),
        ]
    return mistakes


PGD_EPS, PGD_STEP, PGD_STEPS = 0.05, 0.0125, 10   # the outcome: ε = 0.05, 10 steps of ε / 4
PGD_MARGIN = 0.02        # PGD must leave at least 2 points less accuracy than FGSM


def _trained_net():
    """A 784-64-10 ReLU network trained on the lesson's 3,000 MNIST digits (fixed seed, Adam,
    300 batches of 128, in float32 for speed), and the 1,000 test digits; trained once per
    process."""
    global _TRAINED
    if _TRAINED is None:
        from helpers import data

        mnist = data.load_mnist()
        x, y = mnist.train
        x = x.reshape(len(x), -1).astype("float32")
        rng = np.random.default_rng(8)
        params = [rng.normal(0, np.sqrt(2 / 784), (784, 64)).astype("float32"),
                  np.zeros(64, "float32"),
                  rng.normal(0, np.sqrt(1 / 64), (64, 10)).astype("float32"),
                  np.zeros(10, "float32")]
        moments = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
        for t in range(1, 301):
            i = rng.integers(0, len(x), 128)
            hidden = np.maximum(x[i] @ params[0] + params[1], 0)
            z = hidden @ params[2] + params[3]
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(128), y[i]] -= 1.0
            p /= 128
            dh = (p @ params[2].T) * (hidden > 0)
            grads = [x[i].T @ dh, dh.sum(0), hidden.T @ p, p.sum(0)]
            for param, grad, m, v in zip(params, grads, *moments):
                m[:] = 0.9 * m + 0.1 * grad
                v[:] = 0.999 * v + 0.001 * grad**2
                param -= 1e-3 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        xt, yt = mnist.test
        _TRAINED = _SoftmaxNet(*(p.astype(float) for p in params)), xt.astype(float), yt
    return _TRAINED


_TRAINED = None


def _expect_pgd(out, right, x, eps, given):
    out = as_array(out, f"pgd for {given}")
    expect_shape(out, right.shape, f"pgd for {given} (the shape of x)")
    expect_finite(out, f"pgd for {given}")
    return out


@exercise("8.3")
def pgd(answer, rng):
    need_callable(answer, "pgd")
    count = 0
    for x, y, net, eps, step, steps, given in itertools.chain(_pgd_fixed_cases(),
                                                               _pgd_random_cases(rng)):
        count += 1
        right = _pgd(x, y, net.loss_grad, eps, step, steps)
        out = _expect_pgd(call(answer, x, y, net.loss_grad, eps, step, steps, name="pgd"),
                          right, x, eps, given)
        _diagnose(out, right, _pgd_mistakes(given, x, y, net, eps, step, steps), atol=1e-6)
        _expect_close(out, right, f"pgd(x, y, loss_grad, eps, step, steps) for {given}",
                      lambda i: f" (x there is {short(float(x[i]))})", 1e-6)
    # The outcome: on a trained network, at the same ε, PGD must beat FGSM.
    net, xt, yt = _trained_net()
    fgsm_images = np.clip(xt + PGD_EPS * np.sign(net.loss_grad(xt, yt)), 0, 1)
    attacked = _expect_pgd(call(answer, xt, yt, net.loss_grad, PGD_EPS, PGD_STEP, PGD_STEPS,
                                name="pgd"), xt, xt, PGD_EPS, "the 1,000 test digits")
    if np.abs(attacked - xt).max() > PGD_EPS + 1e-9 or attacked.min() < 0 or attacked.max() > 1:
        raise Reject("on the 1,000 test digits your images leave the ε-ball around x or the "
                     "range [0, 1].")
    clean, under_fgsm = net.accuracy(xt, yt), net.accuracy(fgsm_images, yt)
    under_pgd = net.accuracy(attacked, yt)
    if under_pgd > under_fgsm - PGD_MARGIN:
        raise Reject(f"on the 1,000 test digits, at ε = {PGD_EPS}, the checker's network keeps "
                     f"{under_fgsm:.1%} accuracy under FGSM and {under_pgd:.1%} under your "
                     f"attack ({PGD_STEPS} steps of {PGD_STEP}); PGD should leave at least "
                     f"{PGD_MARGIN:.0%} less than FGSM.")
    return (f"right on {count} cases, step by step. On the checker's network (1,000 test "
            f"digits, {clean:.1%} clean), at ε = {PGD_EPS}: FGSM leaves {under_fgsm:.1%}, your "
            f"PGD ({PGD_STEPS} steps of {PGD_STEP}) {under_pgd:.1%}.")


# 8.1 -----------------------------------------------------------------------------------------

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


@exercise("8.1", forbid=("keras.layers.RandomTranslation",))
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
