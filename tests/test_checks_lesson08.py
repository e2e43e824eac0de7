"""Unit tests of lesson 08's checkers (Modern CNNs and what they see): right answers pass,
wrong ones fail with a specific message, odd answers get a verdict rather than a crash."""

import numpy as np
import pytest

from answers import raises_value_error, stub_for
from helpers.checks import ExerciseFailed
from helpers.checks import lesson08 as check


def _per_map_max(maps):
    peak = maps.max(axis=(1, 2), keepdims=True)
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)


# Exercise 8.1: fgsm(x, grad, eps) ------------------------------------------------------------

def fgsm_right(x, grad, eps):
    return np.clip(x + eps * np.sign(grad), 0.0, 1.0)


def fgsm_with_where(x, grad, eps):          # sign written by hand, a list comes back
    step = np.where(grad > 0, eps, np.where(grad < 0, -eps, 0.0))
    return np.minimum(np.maximum(x + step, 0), 1).tolist()


def fgsm_tensorflow(x, grad, eps):
    import tensorflow as tf

    return tf.clip_by_value(tf.constant(x) + eps * tf.sign(tf.constant(grad)), 0.0, 1.0)


def fgsm_in_place(x, grad, eps):
    x += eps * np.sign(grad)
    np.clip(x, 0, 1, out=x)
    return x


@pytest.mark.parametrize("answer", [fgsm_right, fgsm_with_where, fgsm_tensorflow])
def test_fgsm_accepts_right_answers_written_differently(answer):
    assert check.fgsm(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`fgsm` is None"),
    ("x + eps * sign(grad)", "should be a function; got a str"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda x, g, eps: np.clip(x - eps * np.sign(g), 0, 1), "stepped against the gradient"),
    (lambda x, g, eps: np.clip(x + eps * g, 0, 1), "uses the sign of the gradient"),
    (lambda x, g, eps: x + eps * g, "eps \\* grad and did not clip"),
    (lambda x, g, eps: x + eps * np.sign(g), r"pixels must stay in \[0, 1\]; clip"),
    (lambda x, g, eps: np.clip(x + eps * np.sign(g), -1, 1), r"must stay in \[0, 1\]"),
    (lambda x, g, eps: eps * np.sign(g), "perturbation eps \\* sign\\(grad\\) alone"),
    (lambda x, g, eps: np.clip(x + np.sign(g), 0, 1), "moved by 1 instead of eps"),
    (lambda x, g, eps: np.clip(x + eps * np.sign(g), 0, 1)[1:], "should have shape"),  # off by one
    (lambda x, g, eps: np.clip(x + eps * np.sign(g), 0, 1)[None], "should have shape"),
    (lambda x, g, eps: np.full(x.shape, 0.5), "is wrong at index"),                    # constant
    (lambda x, g, eps: None, "did you forget a `return`"),
    (lambda x, g, eps: np.full(x.shape, np.nan), "NaN or infinity"),
    (fgsm_in_place, "changed its input `x` in place"),
])
def test_fgsm_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.fgsm(answer)


def test_fgsm_stub_gets_the_exercise_is_yours_message():
    with pytest.raises(ExerciseFailed) as info:
        check.fgsm(stub_for("8.1", "implement fgsm(x, grad, eps)"))
    assert str(info.value).startswith("Exercise 8.1 is yours: implement `fgsm(x, grad, eps)`")


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


@pytest.mark.parametrize("answer, message", [
    (None, "`saliency_from_grads` is None"),
    (42, "should be a function; got a int"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda g: _per_map_max(np.maximum(g.max(axis=-1), 0)), "take the absolute value first"),
    (lambda g: _per_map_max(-np.minimum(g.min(axis=-1), 0)), "is wrong at index"),  # wrong sign
    (lambda g: _per_map_max(np.abs(g).mean(axis=-1)),
     "averaged \\(or summed\\) \\|grad\\| over the channels"),
    (lambda g: _per_map_max(np.abs(g).sum(axis=-1)), "averaged \\(or summed\\) \\|grad\\|"),
    (lambda g: np.abs(g).max(axis=-1) / np.abs(g).max(), "largest value in the whole batch"),
    (lambda g: np.abs(g).max(axis=-1), "maps are not scaled"),
    (saliency_unguarded, "NaN or infinity: a map that is zero"),
    (lambda g: saliency_right(g)[..., None], "without keepdims"),
    (lambda g: saliency_right(g)[:-1], r"should have shape \(5, 8, 8\)"),        # off by one
    (lambda g: np.abs(g).max(axis=0), r"should have shape"),                     # wrong axis
    (lambda g: np.ones(g.shape[:3]), "is wrong at index"),                       # constant
    (saliency_minmax, "subtracted each map's minimum"),
    (lambda g: None, "did you forget a `return`"),
])
def test_saliency_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.saliency_from_grads(answer)


def test_saliency_stub_gets_the_exercise_is_yours_message():
    with pytest.raises(ExerciseFailed, match=r"^Exercise 8\.2 is yours"):
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


@pytest.mark.parametrize("answer, message", [
    (None, "`grad_cam` is None"),
    ([1, 2], "should be a function; got a list"),
    (raises_value_error, r"raised ValueError: boom"),
    (cam_batch_mean, "averaged the gradients over the batch too"),
    (lambda f, g: _per_map_max(np.maximum(weighted(f, f.mean(axis=(1, 2))), 0)),
     "averaged the features"),
    (lambda f, g: _per_map_max(np.maximum((f * g).sum(axis=-1), 0)), "pixel by pixel"),
    (lambda f, g: _per_map_max(np.abs(weighted(f, g.mean(axis=(1, 2))))), "absolute value"),
    (cam_relu_on_weights, "applied ReLU to the weights"),
    (cam_no_relu, "negative values"),
    (cam_negated, "is wrong at index"),
    (lambda f, g: np.maximum(weighted(f, g.mean(axis=(1, 2))), 0) /
     np.maximum(weighted(f, g.mean(axis=(1, 2))), 0).max(), "whole batch"),
    (lambda f, g: np.maximum(weighted(f, g.mean(axis=(1, 2))), 0), "maps are not scaled"),
    (cam_divide_unguarded, "must stay zero; do not divide by 0"),
    (lambda f, g: cam_right(f, g)[..., None], r"over the channel axis, to shape \(n, h, w\)"),
    (lambda f, g: cam_right(f, g)[:, :-1], r"should have shape \(4, 7, 7\)"),     # off by one
    (lambda f, g: np.ones(f.shape[:3]), "is wrong at index"),                      # constant
    (lambda f, g: None, "did you forget a `return`"),
])
def test_grad_cam_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.grad_cam(answer)


def test_grad_cam_stub_gets_the_exercise_is_yours_message():
    with pytest.raises(ExerciseFailed, match=r"^Exercise 8\.3 is yours"):
        check.grad_cam(stub_for("8.3", "implement grad_cam(features, grads)"))


# Exercise 8.4: random_shift(images, max_shift, seed) -----------------------------------------

def shift_right(images, max_shift, seed):
    images = np.asarray(images)
    n, h, w = images.shape
    m = max_shift
    rng = np.random.default_rng(seed)
    padded = np.pad(images, ((0, 0), (m, m), (m, m)))
    out = np.empty_like(images)
    for i, (dy, dx) in enumerate(rng.integers(-m, m + 1, size=(n, 2))):
        out[i] = padded[i, m + dy:m + dy + h, m + dx:m + dx + w]
    return out


def shift_with_slices(images, max_shift, seed):    # legacy RandomState, slices, a list out
    rng = np.random.RandomState(seed)
    out = []
    for image in images:
        dy, dx = rng.randint(-max_shift, max_shift + 1, size=2)
        moved = np.zeros_like(image)
        h, w = image.shape
        moved[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            image[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
        out.append(moved)
    return out


def shift_with_scipy(images, max_shift, seed):
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    return np.stack([ndimage.shift(image, rng.integers(-max_shift, max_shift, endpoint=True,
                                                       size=2), order=0, cval=0.0)
                     for image in images])


@pytest.mark.parametrize("answer", [shift_right, shift_with_slices, shift_with_scipy])
def test_random_shift_accepts_right_answers_written_differently(answer):
    assert check.random_shift(answer) is True


def shift_with_roll(images, max_shift, seed):
    rng = np.random.default_rng(seed)
    return np.stack([np.roll(image, tuple(rng.integers(-max_shift, max_shift + 1, size=2)),
                             axis=(0, 1)) for image in images])


def shift_exclusive_high(images, max_shift, seed):   # off by one: never shifts by +max_shift
    rng = np.random.default_rng(seed)
    return np.stack([check._shift(image, *rng.integers(-max_shift, max_shift, size=2))
                     for image in images])


def shift_one_for_all(images, max_shift, seed):
    dy, dx = np.random.default_rng(seed).integers(-max_shift, max_shift + 1, size=2)
    if dy == dx == 0:
        dy = 1
    return np.stack([check._shift(image, dy, dx) for image in images])


def shift_diagonal(images, max_shift, seed):
    rng = np.random.default_rng(seed)
    return np.stack([check._shift(image, d, d)
                     for image, d in zip(images, rng.integers(-max_shift, max_shift + 1,
                                                               size=len(images)))])


def shift_ignores_seed(images, max_shift, seed):
    rng = np.random.default_rng()
    return np.stack([check._shift(image, *rng.integers(-max_shift, max_shift + 1, size=2))
                     for image in images])


def shift_too_far(images, max_shift, seed):          # draws from ±2·max_shift
    rng = np.random.default_rng(seed)
    return np.stack([check._shift(image, *rng.integers(-2 * max_shift, 2 * max_shift + 1,
                                                       size=2)) for image in images])


def shift_in_place(images, max_shift, seed):
    out = shift_right(images, max_shift, seed)
    images[...] = out
    return images


@pytest.mark.parametrize("answer, message", [
    (None, "`random_shift` is None"),
    ("np.roll", "should be a function; got a str"),
    (raises_value_error, r"raised ValueError: boom"),
    (shift_with_roll, "wrapped around"),
    (shift_exclusive_high, r"no image got dy = \[2\].*upper end of your range exclusive"),
    (shift_one_for_all, "every image got the same shift"),
    (shift_diagonal, "dy always equals dx"),
    (shift_ignores_seed, "twice with seed = 0 gave different results"),
    (shift_too_far, "each shift must lie between -2 and 2"),
    (lambda images, m, seed: -shift_right(images, m, seed), "is not the input image shifted"),
    (lambda images, m, seed: shift_right(images, m, seed)[:-1], r"should have shape \(300, 9"),
    (lambda images, m, seed: shift_right(images, m, seed)[..., None], "should have shape"),
    (lambda images, m, seed: np.zeros_like(images), "is not the input image shifted"),  # constant
    (lambda images, m, seed: images.copy(), r"every image got the same shift \(0, 0\)"),
    (lambda images, m, seed: None, "did you forget a `return`"),
    (shift_in_place, "changed its input `images` in place"),
])
def test_random_shift_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.random_shift(answer)


def test_random_shift_stub_gets_the_exercise_is_yours_message():
    with pytest.raises(ExerciseFailed, match=r"^Exercise 8\.4 is yours"):
        check.random_shift(stub_for("8.4", "implement random_shift(images, max_shift, seed)"))
