"""Unit tests of lesson 08's checkers (Modern CNNs and what they see): right answers pass,
wrong ones fail with a specific message, odd answers get a verdict rather than a crash.

The checkers draw fresh random cases on every call, so every test here must hold for any seed:
a wrong answer below is either wrong on a fixed edge case or wrong on (nearly) every random
case; the statistical ones are caught with a probability of a miss below one in 10,000 (see
the comments)."""

import functools

import numpy as np
import pytest
from answers import args_key, raises_value_error, stub_for, table_of

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


# Exercise 8.1: fgsm(x, grad, eps) ------------------------------------------------------------

def fgsm_right(x, grad, eps):
    return np.clip(x + eps * np.sign(grad), 0.0, 1.0)


def fgsm_with_where(x, grad, eps):          # sign written by hand, a list comes back
    step = np.where(grad > 0, eps, np.where(grad < 0, -eps, 0.0))
    return np.minimum(np.maximum(x + step, 0), 1).tolist()


def fgsm_tensorflow(x, grad, eps):
    import tensorflow as tf

    return tf.clip_by_value(tf.constant(x) + eps * tf.sign(tf.constant(grad)), 0.0, 1.0)


def fgsm_float32(x, grad, eps):
    return np.clip(np.float32(eps) * np.sign(grad).astype("float32") + x, 0, 1).astype("float32")


@pytest.mark.parametrize("answer", [fgsm_right, fgsm_with_where, fgsm_tensorflow, fgsm_float32])
def test_fgsm_accepts_right_answers_written_differently(answer):
    assert check.fgsm(answer) is True


def fgsm_in_place(x, grad, eps):
    x += eps * np.sign(grad)
    np.clip(x, 0, 1, out=x)
    return x


def fgsm_zero_counts_as_positive(x, grad, eps):
    return np.clip(x + eps * np.where(grad >= 0, 1.0, -1.0), 0, 1)


def fgsm_zero_counts_as_negative(x, grad, eps):
    return np.clip(x + eps * np.where(grad > 0, 1.0, -1.0), 0, 1)


def fgsm_divides_by_abs(x, grad, eps):      # grad / |grad| is 0 / 0 where grad is 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(x + eps * grad / np.abs(grad), 0, 1)


fgsm_table = table_of([(x, g, eps) for x, g, eps, _ in check._fgsm_fixed_cases()], fgsm_right,
                      lambda x, g, eps: x.copy())


@pytest.mark.parametrize("answer, message", [
    (None, "`fgsm` is None"),
    ("x + eps * sign(grad)", "should be a function; got a str"),
    (raises_value_error, r"raised ValueError: boom"),
    (fgsm_zero_counts_as_positive, r"where grad is exactly 0 your pixels still moved \(by "
                                   r"\+eps\): at index \(6,\), x = 0\.6 became 0\.65"),
    (fgsm_zero_counts_as_negative, r"where grad is exactly 0 your pixels still moved \(by "
                                   r"-eps\)"),
    (fgsm_divides_by_abs, r"your result is nan at index \(6,\), where grad is exactly 0"),
    (fgsm_table, RANDOM_CASE),                                                  # lookup table
    (lambda x, g, eps: np.clip(x - eps * np.sign(g), 0, 1), "stepped against the gradient"),
    (lambda x, g, eps: np.clip(x + eps * g, 0, 1), "by eps times the gradient itself: FGSM"),
    (lambda x, g, eps: x + eps * g, "gradient itself, and did not keep the pixels in"),
    (lambda x, g, eps: x + eps * np.sign(g), r"values from .* to .*: the adversarial images "
                                             r"must stay in \[0, 1\]"),
    (lambda x, g, eps: np.clip(x + eps * np.sign(g), -1, 1), r"must stay in \[0, 1\]"),
    (lambda x, g, eps: np.minimum(x + eps * np.sign(g), 1), r"must stay in \[0, 1\]"),
    (lambda x, g, eps: eps * np.sign(g), r"the step eps · sign\(grad\) alone"),
    (lambda x, g, eps: np.clip(x + np.sign(g), 0, 1), "moved by 1 instead of eps"),
    (lambda x, g, eps: np.clip(x + eps * np.sign(g), 0, 1)[1:], "should have shape"),  # off by 1
    (lambda x, g, eps: np.clip(x + eps * np.sign(g), 0, 1)[None], "should have shape"),
    (lambda x, g, eps: np.full(x.shape, 0.5), r"is wrong at index .*\(where x = "),     # constant
    (lambda x, g, eps: None, "did you forget a `return`"),
    (lambda x, g, eps: np.full(x.shape, np.nan), "NaN or infinity"),
    (fgsm_in_place, "`fgsm` changed its input `x` in place"),
])
def test_fgsm_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.fgsm(answer)


def test_fgsm_rejects_an_answer_right_only_on_the_fixed_shapes():
    def right_on_the_fixed_shapes(x, grad, eps):
        fixed = {(6, 28, 28), (4, 5, 5, 1), (7,), (2, 3, 4), (1, 1, 3)}
        return fgsm_right(x, grad, eps) if x.shape in fixed else fgsm_right(x, -grad, eps)

    with pytest.raises(ExerciseFailed, match=RANDOM_CASE):
        check.fgsm(right_on_the_fixed_shapes)


def test_fgsm_rejects_a_table_of_an_earlier_run():
    with pytest.raises(ExerciseFailed, match="did you forget a `return`.*seed"):
        check.fgsm(recorded_then_replayed(check.fgsm, fgsm_right))


def test_fgsm_stub_gets_the_kits_relay_of_the_stubs_own_text():
    with pytest.raises(ExerciseFailed) as info:
        check.fgsm(stub_for("8.1", "implement fgsm(x, grad, eps)"))
    assert str(info.value).startswith("Exercise 8.1 is yours: implement fgsm(x, grad, eps). "
                                      "Write your code in the exercise cell")


# Exercise 8.2: saliency_from_grads(grads) ----------------------------------------------------

def saliency_right(grads):
    maps = np.abs(grads).max(axis=-1)
    peak = maps.max(axis=(1, 2), keepdims=True)
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)


def saliency_loop_with_epsilon(grads):      # one image at a time, a tiny epsilon in the division
    out = []
    for g in grads:
        m = np.max(np.abs(g), axis=2)
        out.append(m / (m.max() + 1e-12))
    return np.array(out, dtype="float32")


def saliency_tensorflow(grads):
    import tensorflow as tf

    maps = tf.reduce_max(tf.abs(grads), axis=-1)
    return tf.math.divide_no_nan(maps, tf.reduce_max(maps, axis=(1, 2), keepdims=True))


@pytest.mark.parametrize("answer", [saliency_right, saliency_loop_with_epsilon,
                                    saliency_tensorflow])
def test_saliency_accepts_right_answers_written_differently(answer):
    assert check.saliency_from_grads(answer) is True


def saliency_minmax(grads):
    maps = np.abs(grads).max(axis=-1)
    lo = maps.min(axis=(1, 2), keepdims=True)
    hi = maps.max(axis=(1, 2), keepdims=True)
    return np.divide(maps - lo, hi - lo, out=np.zeros_like(maps), where=hi > lo)


def saliency_unguarded(grads):               # 0 / 0 on an all-zero gradient
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(grads).max(axis=-1) / np.abs(grads).max(axis=(1, 2, 3))[:, None, None]


def saliency_in_place(grads):                # np.abs(..., out=grads) "to save memory"
    np.abs(grads, out=grads)
    return saliency_right(grads)


saliency_table = table_of([(g,) for g, _ in check._saliency_fixed_cases()], saliency_right,
                          lambda g: np.ones(g.shape[:3]))


@pytest.mark.parametrize("answer, message", [
    (None, "`saliency_from_grads` is None"),
    (42, "should be a function; got a int"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda g: _per_map_max(np.maximum(g.max(axis=-1), 0)),
     "largest signed gradient: a large negative gradient matters"),
    (lambda g: _per_map_max(-np.minimum(g.min(axis=-1), 0)), "is wrong at index"),  # wrong sign
    (lambda g: _per_map_max(np.abs(g).mean(axis=-1)),
     "averaged \\(or summed\\) \\|grad\\| over the channels"),
    (lambda g: _per_map_max(np.abs(g).sum(axis=-1)), "averaged \\(or summed\\) \\|grad\\|"),
    (lambda g: np.abs(g).max(axis=-1) / np.abs(g).max(), "largest value in the whole batch"),
    (lambda g: np.abs(g).max(axis=-1), "maps are not scaled"),
    (saliency_unguarded, "map 2 contains NaN or infinity; that image's gradient is zero"),
    (saliency_in_place, "changed its input `grads` in place"),
    (saliency_table, RANDOM_CASE),                                              # lookup table
    (lambda g: saliency_right(g)[..., None], r"shape \(5, 8, 8\), with no channel axis left"),
    (lambda g: saliency_right(g)[:-1], r"should have shape \(5, 8, 8\)"),        # off by one
    (lambda g: np.abs(g).max(axis=0), r"should have shape"),                     # wrong axis
    (lambda g: np.ones(g.shape[:3]), r"is wrong at index .* \(grads there over the channels"),
    (saliency_minmax, "subtracted each map's minimum"),
    (lambda g: None, "did you forget a `return`"),
])
def test_saliency_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.saliency_from_grads(answer)


def test_saliency_rejects_an_answer_wrong_on_a_batch_of_one():
    def squeezes(grads):                      # np.squeeze drops the batch axis of a batch of one
        return np.squeeze(saliency_right(grads))

    with pytest.raises(ExerciseFailed, match=r"a batch of one.*should have shape \(1, 2, 3\)"):
        check.saliency_from_grads(squeezes)


def test_saliency_stub_gets_the_kits_relay():
    with pytest.raises(ExerciseFailed, match=r"^Exercise 8\.2 is yours: implement "
                                             r"saliency_from_grads\(grads\)\. Write"):
        check.saliency_from_grads(stub_for("8.2", "implement saliency_from_grads(grads)"))


# Exercise 8.3: grad_cam(features, grads) -----------------------------------------------------

def cam_right(features, grads):
    weights = grads.mean(axis=(1, 2))
    maps = np.maximum((features * weights[:, None, None, :]).sum(axis=-1), 0.0)
    peak = maps.max(axis=(1, 2), keepdims=True)
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)


def cam_einsum_sum_weights(features, grads):   # sum instead of mean: same after scaling
    weights = grads.sum(axis=(1, 2))
    maps = np.einsum("nhwk,nk->nhw", features, weights).clip(min=0)
    out = np.zeros_like(maps)
    for i, m in enumerate(maps):
        if m.max() > 0:
            out[i] = m / m.max()
    return out


def cam_tensorflow(features, grads):
    import tensorflow as tf

    weights = tf.reduce_mean(grads, axis=(1, 2))
    maps = tf.nn.relu(tf.einsum("nhwk,nk->nhw", features, weights))
    return tf.math.divide_no_nan(maps, tf.reduce_max(maps, axis=(1, 2), keepdims=True))


@pytest.mark.parametrize("answer", [cam_right, cam_einsum_sum_weights, cam_tensorflow])
def test_grad_cam_accepts_right_answers_written_differently(answer):
    assert check.grad_cam(answer) is True


def weighted(features, weights):
    return np.einsum("nhwk,nk->nhw", features, weights)


def cam_batch_mean(features, grads):
    w = np.broadcast_to(grads.mean(axis=(0, 1, 2)), (len(grads), grads.shape[-1]))
    return _per_map_max(np.maximum(weighted(features, w), 0))


def cam_no_relu(features, grads):
    maps = weighted(features, grads.mean(axis=(1, 2)))
    return maps / np.abs(maps).max(axis=(1, 2), keepdims=True)


def cam_negated(features, grads):                # wrong sign
    return _per_map_max(np.maximum(-weighted(features, grads.mean(axis=(1, 2))), 0))


def cam_relu_on_weights(features, grads):
    return _per_map_max(weighted(features, np.maximum(grads.mean(axis=(1, 2)), 0)))


def cam_divide_unguarded(features, grads):    # 0 / 0 where ReLU leaves nothing
    maps = np.maximum(weighted(features, grads.mean(axis=(1, 2))), 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return maps / maps.max(axis=(1, 2), keepdims=True)


def cam_in_place(features, grads):            # weights the features where they lie
    features *= grads.mean(axis=(1, 2))[:, None, None, :]
    return _per_map_max(np.maximum(features.sum(axis=-1), 0))


cam_table = table_of([(f, g) for f, g, _ in check._cam_fixed_cases()], cam_right,
                     lambda f, g: np.ones(f.shape[:3]))


@pytest.mark.parametrize("answer, message", [
    (None, "`grad_cam` is None"),
    ([1, 2], "should be a function; got a list"),
    (raises_value_error, r"raised ValueError: boom"),
    (cam_batch_mean, "averaged the gradients over the batch too"),
    (lambda f, g: _per_map_max(np.maximum(weighted(f, f.mean(axis=(1, 2))), 0)),
     "averaged the features"),
    (lambda f, g: _per_map_max(np.maximum((f * g).sum(axis=-1), 0)), "position by position"),
    (lambda f, g: _per_map_max(np.abs(weighted(f, g.mean(axis=(1, 2))))), "absolute value"),
    (cam_relu_on_weights, "applied ReLU to the weights"),
    (cam_no_relu, "negative values"),
    (cam_negated, "is wrong at index .* \\(the weighted sum there is"),
    (lambda f, g: np.maximum(weighted(f, g.mean(axis=(1, 2))), 0) /
     np.maximum(weighted(f, g.mean(axis=(1, 2))), 0).max(), "whole batch"),
    (lambda f, g: np.maximum(weighted(f, g.mean(axis=(1, 2))), 0), "maps are not scaled"),
    (cam_divide_unguarded, r"map \d contains NaN or infinity; that image's weighted sum is "
                           r"nowhere positive"),
    (cam_in_place, "changed its input `features` in place"),
    (cam_table, RANDOM_CASE),                                                   # lookup table
    (lambda f, g: cam_right(f, g)[..., None], r"shape \(4, 7, 7\), one number per position"),
    (lambda f, g: cam_right(f, g)[:, :-1], r"should have shape \(4, 7, 7\)"),     # off by one
    (lambda f, g: np.ones(f.shape[:3]), "is wrong at index"),                      # constant
    (lambda f, g: None, "did you forget a `return`"),
])
def test_grad_cam_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.grad_cam(answer)


def test_grad_cam_stub_gets_the_kits_relay():
    with pytest.raises(ExerciseFailed, match=r"^Exercise 8\.3 is yours: implement "
                                             r"grad_cam\(features, grads\)\. Write"):
        check.grad_cam(stub_for("8.3", "implement grad_cam(features, grads)"))


# Exercise 8.4: random_shift(images, max_shift, seed) -----------------------------------------

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
    (stub_for("8.4", "implement random_shift(images, max_shift, seed)"),
     r"^Exercise 8\.4 is yours: implement random_shift\(images, max_shift, seed\)\. Write"),
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

