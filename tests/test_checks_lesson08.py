"""Unit tests of lesson 08's checkers (Modern CNNs and what they see): right answers pass,
wrong ones fail with a specific message, odd answers get a verdict rather than a crash.

The checkers draw fresh random cases on every call, so every test here must hold for any seed:
a wrong answer below is either wrong on a fixed edge case or wrong on (nearly) every random
case; the statistical ones are caught with a probability of a miss below one in 10,000 (see
the comments)."""

import functools

import numpy as np
import pytest
from answers import args_key, raises_value_error, stub_for

from helpers.checks import ExerciseFailed
from helpers.checks import lesson08 as check

RANDOM_CASE = r"\(a random case\).*\[Cases drawn at random with seed \d+"


def _per_map_max(maps):
    peak = maps.max(axis=(1, 2), keepdims=True)
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)


def recorded_then_replayed(check_fn, right):
    """A lookup table of everything a check showed `right` in one run, replayed."""
    table = {}

    @functools.wraps(right)
    def recording(*args):
        table[args_key(args)] = out = right(*args)
        return out

    check_fn(recording)
    return lambda *args: table.get(args_key(args))


# Exercise 8.2: class_cam(features, kernel, classes) ------------------------------------------

def cam_right(features, kernel, classes):
    weights = np.asarray(kernel)[:, classes].T
    return _per_map_max(np.maximum(np.einsum("nhwk,nk->nhw", features, weights), 0.0))


def cam_loops_with_alpha(features, kernel, classes):
    # The gradient route written out: alpha_k = kernel[k, c] / (h·w), one image at a time.
    n, h, w, k = features.shape
    out = np.zeros((n, h, w))
    for i in range(n):
        alpha = kernel[:, classes[i]] / (h * w)
        m = np.maximum(sum(alpha[j] * features[i, :, :, j] for j in range(k)), 0)
        out[i] = m / m.max() if m.max() > 0 else m
    return out.tolist()                                             # a list comes back


def cam_tensorflow(features, kernel, classes):
    # Grad-CAM as section 6 computes it, with a tape through GAP + Dense: the reference's twin.
    import tensorflow as tf
    f = tf.constant(np.asarray(features, dtype="float64"))
    with tf.GradientTape() as tape:
        tape.watch(f)
        logits = tf.reduce_mean(f, axis=(1, 2)) @ tf.constant(np.asarray(kernel, "float64"))
        scores = tf.gather(logits, classes, batch_dims=1)
    alpha = tf.reduce_mean(tape.gradient(scores, f), axis=(1, 2))
    return _per_map_max(np.maximum(np.einsum("nhwk,nk->nhw", f.numpy(), alpha.numpy()), 0))


def cam_float32(features, kernel, classes):
    return cam_right(features.astype("float32"), kernel.astype("float32"), classes)


@pytest.mark.parametrize("answer", [cam_right, cam_loops_with_alpha, cam_float32])
def test_class_cam_accepts_right_answers_written_differently(answer):
    assert check.class_cam(answer) is True


def test_the_tape_version_passes_and_is_refused_only_for_the_tape():
    # Same maps as the reference (the checker's derivation is right) ...
    for features, kernel, classes, _ in check._class_cam_fixed_cases():
        assert np.allclose(cam_tensorflow(features, kernel, classes),
                           check._class_cam(features, kernel, classes), atol=1e-9)
    # ... but the exercise asks for it without a tape.
    with pytest.raises(ExerciseFailed, match="your answer uses `tf.GradientTape`"):
        check.class_cam(cam_tensorflow)


def cam_predicted(features, kernel, classes):
    predicted = (features.mean(axis=(1, 2)) @ kernel).argmax(axis=1)
    return cam_right(features, kernel, predicted)


def cam_rows(features, kernel, classes):
    if kernel.shape[0] == kernel.shape[1]:
        return _per_map_max(np.maximum(np.einsum("nhwk,nk->nhw", features, kernel[classes]), 0))
    return cam_right(features, kernel, classes)


def cam_abs(features, kernel, classes):
    return _per_map_max(np.abs(np.einsum("nhwk,nk->nhw", features, kernel[:, classes].T)))


def cam_unscaled(features, kernel, classes):
    return np.maximum(np.einsum("nhwk,nk->nhw", features, kernel[:, classes].T), 0) / 49


def cam_batch_max(features, kernel, classes):
    maps = np.maximum(np.einsum("nhwk,nk->nhw", features, kernel[:, classes].T), 0)
    return maps / maps.max()


def cam_unguarded(features, kernel, classes):
    maps = np.maximum(np.einsum("nhwk,nk->nhw", features, kernel[:, classes].T), 0)
    with np.errstate(invalid="ignore"):
        return maps / maps.max(axis=(1, 2), keepdims=True)


def cam_relu_on_weights(features, kernel, classes):
    weights = np.maximum(kernel[:, classes].T, 0)
    return _per_map_max(np.einsum("nhwk,nk->nhw", features, weights))


def cam_negated(features, kernel, classes):
    return _per_map_max(np.maximum(-np.einsum("nhwk,nk->nhw", features, kernel[:, classes].T),
                                   0))


def cam_in_place(features, kernel, classes):
    features *= kernel[:, classes].T[:, None, None, :]             # weight the maps where they lie
    return _per_map_max(np.maximum(features.sum(axis=-1), 0))


def cam_with_channels(features, kernel, classes):
    return cam_right(features, kernel, classes)[..., None]


@pytest.mark.parametrize("answer, message", [
    (None, "`class_cam` is None"),
    ("cam", "should be a function; got a str"),
    (raises_value_error, r"raised ValueError: boom"),
    (cam_predicted, "you explained the class with the largest logit"),
    (cam_rows, "you took row c of the kernel"),
    (cam_abs, "absolute value of the weighted sum"),
    (cam_unscaled, "the maps are not scaled"),
    (cam_batch_max, "largest value in the whole batch"),
    (cam_unguarded, "map 0 contains NaN or infinity; that image's weighted sum is nowhere"),
    (cam_relu_on_weights, "applied ReLU to the weights"),
    (cam_negated, "evidence against the class"),
    (cam_in_place, "changed its input `features` in place"),
    (cam_with_channels, r"should have shape \(4, 7, 7\)"),
    (lambda features, kernel, classes: None, "did you forget a `return`"),
])
def test_class_cam_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.class_cam(answer)


def test_class_cam_rejects_a_table_of_an_earlier_run():
    with pytest.raises(ExerciseFailed, match=r"random features.*is wrong at index|did you forget"):
        check.class_cam(recorded_then_replayed(check.class_cam, cam_right))


def test_class_cam_stub_gets_the_kits_relay():
    stub = stub_for("8.2", "implement `class_cam(features, kernel, classes)`")
    with pytest.raises(ExerciseFailed, match=r"^Exercise 8\.2 is yours: implement `class_cam"):
        check.class_cam(stub)


# Exercise 8.3: pgd(x, y, loss_grad, eps, step, steps) -----------------------------------------

def pgd_right(x, y, loss_grad, eps, step, steps):
    adv = np.array(x, dtype=float)
    for _ in range(steps):
        adv = np.clip(adv + step * np.sign(loss_grad(adv, y)), x - eps, x + eps)
        adv = np.clip(adv, 0, 1)
    return adv


def pgd_clip_range_first(x, y, loss_grad, eps, step, steps):
    # [0, 1] first, then the ball: for intervals that overlap, the same projection.
    lower, upper = np.maximum(x - eps, 0), np.minimum(x + eps, 1)
    adv = x.astype("float64")
    for _ in range(steps):
        adv = np.minimum(np.maximum(adv + step * np.sign(loss_grad(adv, y)), lower), upper)
    return adv


def pgd_as_delta(x, y, loss_grad, eps, step, steps):
    # The perturbation as the variable, as in Madry et al.'s code.
    delta = np.zeros_like(x, dtype=float)
    for _ in range(steps):
        delta = np.clip(delta + step * np.sign(loss_grad(x + delta, y)), -eps, eps)
        delta = np.clip(x + delta, 0, 1) - x
    return x + delta


@pytest.mark.parametrize("answer", [pgd_right, pgd_clip_range_first, pgd_as_delta])
def test_pgd_accepts_right_answers_written_differently(answer):
    assert check.pgd(answer) is True


def pgd_no_ball(x, y, loss_grad, eps, step, steps):
    adv = np.array(x, dtype=float)
    for _ in range(steps):
        adv = np.clip(adv + step * np.sign(loss_grad(adv, y)), 0, 1)
    return adv


def pgd_no_range(x, y, loss_grad, eps, step, steps):
    adv = np.array(x, dtype=float)
    for _ in range(steps):
        adv = np.clip(adv + step * np.sign(loss_grad(adv, y)), x - eps, x + eps)
    return adv


def pgd_descends(x, y, loss_grad, eps, step, steps):
    return pgd_right(x, y, lambda a, b: -loss_grad(a, b), eps, step, steps)


def pgd_raw_gradient(x, y, loss_grad, eps, step, steps):
    adv = np.array(x, dtype=float)
    for _ in range(steps):
        adv = np.clip(np.clip(adv + step * loss_grad(adv, y), x - eps, x + eps), 0, 1)
    return adv


def pgd_gradient_once(x, y, loss_grad, eps, step, steps):
    direction = np.sign(loss_grad(x, y))
    adv = np.array(x, dtype=float)
    for _ in range(steps):
        adv = np.clip(np.clip(adv + step * direction, x - eps, x + eps), 0, 1)
    return adv


def pgd_is_fgsm(x, y, loss_grad, eps, step, steps):
    return np.clip(x + eps * np.sign(loss_grad(x, y)), 0, 1)


def pgd_projects_around_current(x, y, loss_grad, eps, step, steps):
    adv = np.array(x, dtype=float)
    for _ in range(steps):
        new = adv + step * np.sign(loss_grad(adv, y))
        adv = np.clip(np.clip(new, adv - eps, adv + eps), 0, 1)    # the ball moves along
    return adv


def pgd_in_place(x, y, loss_grad, eps, step, steps):
    start = x.copy()
    for _ in range(steps):
        x += step * np.sign(loss_grad(x, y))
        np.clip(x, start - eps, start + eps, out=x)
        np.clip(x, 0, 1, out=x)
    return x


def pgd_weak_steps(x, y, loss_grad, eps, step, steps):
    # Right on the small cases, but on the digits it spends a tenth of the budget.
    if np.ndim(x) == 3 and np.shape(x)[1:] == (28, 28):
        eps = eps / 10
    return pgd_right(x, y, loss_grad, eps, step, steps)


@pytest.mark.parametrize("answer, message", [
    (None, "`pgd` is None"),
    ("pgd", "should be a function; got a str"),
    (raises_value_error, r"raised ValueError: boom"),
    (pgd_no_ball, "your images leave the ε-ball"),
    (pgd_no_range, "some pixels leave \\[0, 1\\]"),
    (pgd_descends, "your steps go down the loss"),
    (pgd_raw_gradient, "follow the gradient itself"),
    (pgd_gradient_once, "computed the gradient once"),
    (pgd_is_fgsm, "your result is FGSM's"),
    (pgd_projects_around_current, "your images leave the ε-ball"),   # the ball never binds
    (pgd_in_place, "changed its input `x` in place"),
    (pgd_weak_steps, r"at ε = 0\.05.*PGD should leave at least 2% less than FGSM"),
    (lambda x, y, loss_grad, eps, step, steps: x[:1], r"should have shape"),
])
def test_pgd_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.pgd(answer)


def test_pgd_rejects_a_table_of_an_earlier_run():
    with pytest.raises(ExerciseFailed, match=r"random images.*did you forget|is None"):
        check.pgd(recorded_then_replayed(check.pgd, pgd_right))


def test_pgd_on_the_checkers_network_beats_fgsm_by_the_stated_margin():
    net, xt, yt = check._trained_net()
    fgsm = net.accuracy(np.clip(xt + 0.05 * np.sign(net.loss_grad(xt, yt)), 0, 1), yt)
    pgd = net.accuracy(check._pgd(xt, yt, net.loss_grad, 0.05, 0.0125, 10), yt)
    assert 0.91 <= net.accuracy(xt, yt) <= 0.93              # the exercise text says 92.2 %
    assert 0.54 <= fgsm <= 0.58 and 0.50 <= pgd <= 0.54      # text: about 56 % and 52 %
    assert fgsm - pgd >= check.PGD_MARGIN + 0.01             # the margin is not a coin toss


def test_pgd_stub_gets_the_kits_relay():
    stub = stub_for("8.3", "implement `pgd(x, y, loss_grad, eps, step, steps)`")
    with pytest.raises(ExerciseFailed, match=r"^Exercise 8\.3 is yours: implement `pgd"):
        check.pgd(stub)


# Exercise 8.1: random_shift(images, max_shift, seed) -----------------------------------------

def moved(image, dy, dx):
    """One image (h, w) moved dy down and dx right, zero fill."""
    return check._shift(np.asarray(image)[None], int(dy), int(dx))[0]


def shift_right(images, max_shift, seed):
    images = np.asarray(images)
    n, h, w = images.shape
    m = max_shift
    rng = np.random.default_rng(seed)
    padded = np.pad(images, ((0, 0), (m, m), (m, m)))
    out = np.empty_like(images)
    for i, (dy, dx) in enumerate(rng.integers(-m, m + 1, size=(n, 2))):
        out[i] = padded[i, m - dy:m - dy + h, m - dx:m - dx + w]
    return out


def shift_with_slices(images, max_shift, seed):    # legacy RandomState, slices, a list out
    rng = np.random.RandomState(seed)
    out = []
    for image in images:
        dy, dx = rng.randint(-max_shift, max_shift + 1, size=2)
        result = np.zeros_like(image)
        h, w = image.shape
        result[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            image[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
        out.append(result)
    return out


def shift_with_scipy(images, max_shift, seed):
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    return np.stack([ndimage.shift(image, rng.integers(-max_shift, max_shift, endpoint=True,
                                                       size=2), order=0, cval=0.0)
                     for image in images])


def shift_with_global_seed(images, max_shift, seed):   # np.random.seed, one draw per axis
    np.random.seed(seed)
    dys = np.random.randint(-max_shift, max_shift + 1, size=len(images))
    dxs = np.random.randint(-max_shift, max_shift + 1, size=len(images))
    return np.stack([moved(image, dy, dx) for image, dy, dx in zip(images, dys, dxs)])


def shift_seed_per_image(images, max_shift, seed):     # a generator per image, seed + i
    return np.stack([moved(image, *np.random.default_rng(seed + i).integers(
        -max_shift, max_shift + 1, size=2)) for i, image in enumerate(images)])


@pytest.mark.parametrize("answer", [shift_right, shift_with_slices, shift_with_scipy,
                                    shift_with_global_seed, shift_seed_per_image])
def test_random_shift_accepts_right_answers_written_differently(answer):
    assert check.random_shift(answer) is True


def test_random_shift_leaves_the_lessons_global_random_state_alone():
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    check.random_shift(shift_with_global_seed)
    assert np.random.random() == expected


def draw_each(images, max_shift, seed, draw):
    """Images moved by the (dy, dx) that draw(rng, m) gives for each, in turn."""
    rng = np.random.default_rng(seed)
    return np.stack([moved(image, *draw(rng, max_shift)) for image in images])


def shift_with_roll(images, max_shift, seed):
    rng = np.random.default_rng(seed)
    return np.stack([np.roll(image, tuple(rng.integers(-max_shift, max_shift + 1, size=2)),
                             axis=(0, 1)) for image in images])


def shift_exclusive_high(images, max_shift, seed):   # off by one: never shifts by +max_shift
    return draw_each(images, max_shift, seed, lambda rng, m: rng.integers(-m, m, size=2))


def shift_truncated(images, max_shift, seed):        # int() rounds toward 0: never -max_shift
    return draw_each(images, max_shift, seed,
                     lambda rng, m: [int(v) for v in rng.uniform(-m, m + 1, size=2)])


def shift_rounded(images, max_shift, seed):          # round(uniform): the ends come half as often
    # The chi-square tests miss this with probability below 1e-9 at max_shift 3 (1,500 images:
    # dy, dx and the pairs each reject it), far less at 1 and 2.
    return draw_each(images, max_shift, seed,
                     lambda rng, m: np.round(rng.uniform(-m, m, size=2)).astype(int))


def shift_one_for_all(images, max_shift, seed):
    dy, dx = np.random.default_rng(seed).integers(-max_shift, max_shift + 1, size=2)
    if dy == dx == 0:
        dy = 1
    return np.stack([moved(image, dy, dx) for image in images])


def shift_reseeded_per_image(images, max_shift, seed):   # the same generator state each time
    return np.stack([moved(image, *np.random.default_rng(seed).integers(
        -max_shift, max_shift + 1, size=2)) for image in images])


def shift_diagonal(images, max_shift, seed):
    rng = np.random.default_rng(seed)
    return np.stack([moved(image, d, d)
                     for image, d in zip(images, rng.integers(-max_shift, max_shift + 1,
                                                               size=len(images)))])


def shift_anti_diagonal(images, max_shift, seed):
    return draw_each(images, max_shift, seed,
                     lambda rng, m: (lambda d: (d, -d))(rng.integers(-m, m + 1)))


def shift_half_diagonal(images, max_shift, seed):     # dx copies dy every other time or so
    def draw(rng, m):
        dy, dx = rng.integers(-m, m + 1, size=2)
        return (dy, dy) if rng.random() < 0.5 else (dy, dx)

    # P(pair on the diagonal) = 1/2K + 1/2K² against 1/K²: the chi-square noncentrality is
    # 1,500 · (K - 1) / 4 >= 750, a miss far below 1e-20.
    return draw_each(images, max_shift, seed, draw)


def shift_in_pairs(images, max_shift, seed):           # images 1 and 2, 3 and 4, ... share
    rng = np.random.default_rng(seed)
    draws = rng.integers(-max_shift, max_shift + 1, size=(len(images) // 2 + 1, 2))
    return np.stack([moved(image, *draws[(i + 1) // 2]) for i, image in enumerate(images)])


def shift_ignores_seed(images, max_shift, seed):
    rng = np.random.default_rng()
    return np.stack([moved(image, *rng.integers(-max_shift, max_shift + 1, size=2))
                     for image in images])


def shift_fixed_seed(images, max_shift, seed):        # repeatable, but every seed is seed 0
    return shift_right(images, max_shift, 0)


def shift_too_far(images, max_shift, seed):          # draws from ±2·max_shift
    return draw_each(images, max_shift, seed,
                     lambda rng, m: rng.integers(-2 * m, 2 * m + 1, size=2))


def shift_in_place(images, max_shift, seed):
    out = shift_right(images, max_shift, seed)
    images[...] = out
    return images


def shift_keras(images, max_shift, seed):
    from helpers.startup import import_keras

    keras = import_keras()
    h = images.shape[1]
    layer = keras.layers.RandomTranslation(max_shift / h, max_shift / h, fill_mode="constant",
                                           interpolation="nearest", seed=seed)
    return np.asarray(layer(images[..., None], training=True))[..., 0]


def shift_no_change_for_zero(images, max_shift, seed):   # max_shift 0 treated as "default 1"
    return shift_right(images, max_shift or 1, seed)


def shift_drops_a_batch_of_one(images, max_shift, seed):
    out = shift_right(images, max_shift, seed)
    return out[0] if len(out) == 1 else out


@pytest.mark.parametrize("answer, message", [
    (None, "`random_shift` is None"),
    ("np.roll", "should be a function; got a str"),
    (raises_value_error, r"raised ValueError: boom"),
    (stub_for("8.1", "implement `random_shift(images, max_shift, seed)`, shifts with zero fill"),
     r"^Exercise 8\.1 is yours: implement `random_shift\(images, max_shift, seed\)`, shifts "
     r"with zero fill\. Write"),
    (shift_keras, r"your answer uses `keras\.layers\.RandomTranslation`"),
    (shift_with_roll, "came back wrapped around"),
    (shift_exclusive_high, r"no image got dy = [123] in 1500 images, though every whole "
                           r"number from -[123] to [123] is allowed"),
    (shift_truncated, r"no image got dy = -[123] in 1500 images"),
    (shift_rounded, r"are not spread as they should be: .*chi-square p = .*a right answer "
                    r"gets p below 1e-06 once in 1,000,000 checks"),
    (shift_one_for_all, "every image got the same shift"),
    (shift_reseeded_per_image, "every image got the same shift"),
    (shift_diagonal, "dy equals dx for every one of the 1500 images"),
    (shift_anti_diagonal, "dx equals -dy for every one of the 1500 images"),
    (shift_half_diagonal, r"the 1500 pairs \(dy, dx\) taken together .* are not spread"),
    (shift_in_pairs, r"the shifts of neighbouring images \(images 1 and 2, .* are not spread"),
    (shift_ignores_seed, "twice with the same images and seed gave different results"),
    (shift_fixed_seed, r"the seeds \d+ and \d+ gave identical results"),
    (shift_too_far, "each shift must lie between -[123] and [123]"),
    (shift_no_change_for_zero, r"max_shift = 0: the images should come back unchanged"),
    (shift_drops_a_batch_of_one, r"a batch of one image .* should have shape \(1, "),
    (lambda images, m, seed: -shift_right(images, m, seed), "is not the input image moved"),
    (lambda images, m, seed: shift_right(images, m, seed)[:-1],
     r"should have shape \(1500, \d+, \d+\)"),                                      # off by one
    (lambda images, m, seed: shift_right(images, m, seed)[..., None], "should have shape"),
    (lambda images, m, seed: np.zeros_like(images), "is not the input image moved"),  # constant
    (lambda images, m, seed: images.copy(), r"every image got the same shift \(dy, dx\) = "
                                            r"\(0, 0\)"),
    (lambda images, m, seed: None, "did you forget a `return`"),
    (lambda images, m, seed: np.full(images.shape, np.nan), "NaN or infinity"),
    (shift_in_place, "changed its input `images` in place"),
])
def test_random_shift_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.random_shift(answer)


def test_random_shift_rejects_a_table_of_an_earlier_run():
    with pytest.raises(ExerciseFailed, match="did you forget a `return`.*seed"):
        check.random_shift(recorded_then_replayed(check.random_shift, shift_right))


def test_random_shift_independence_tests_see_both_pairings_of_neighbours():
    """Images 0 and 1 sharing a shift shows in the first pairing, 1 and 2 in the second."""
    def shift_in_pairs_from_zero(images, max_shift, seed):
        rng = np.random.default_rng(seed)
        draws = rng.integers(-max_shift, max_shift + 1, size=(len(images) // 2 + 1, 2))
        return np.stack([moved(image, *draws[i // 2]) for i, image in enumerate(images)])

    with pytest.raises(ExerciseFailed, match=r"neighbouring images \(images 0 and 1"):
        check.random_shift(shift_in_pairs_from_zero)

