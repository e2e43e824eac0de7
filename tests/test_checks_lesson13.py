"""Unit tests of lesson 13's checkers (Generative adversarial networks): right answers written
differently pass; realistic wrong ones (the saturating generator loss, swapped labels, the
sigmoid applied twice, an unstable log, a KL divergence the wrong way round, NaN from 0 log 0,
a conditional GAN that learns too slowly or draws outside [-1, 1]) fail with a specific
message; odd answers get a verdict rather than a crash."""

import numpy as np
import pytest
import scipy.stats
from answers import args_key, raises_value_error, rejects, stub_for

from helpers.checks import lesson13 as check
from helpers.startup import import_keras

keras = import_keras()


# Exercise 13.1: gan_losses(real_logits, fake_logits) ------------------------------------------

def test_the_reference_losses_are_keras_binary_cross_entropy_from_logits():
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    rng = np.random.default_rng(0)
    for n, m, scale in ((5, 5, 1.0), (3, 7, 10.0), (1, 2, 100.0)):
        real, fake = rng.normal(size=n) * scale, rng.normal(size=m) * scale
        d, g = check.gan_reference(real, fake)
        d_keras = float(bce(np.ones((n, 1)), real[:, None])) + \
            float(bce(np.zeros((m, 1)), fake[:, None]))
        g_keras = float(bce(np.ones((m, 1)), fake[:, None]))
        assert np.isclose(d, d_keras, rtol=1e-5) and np.isclose(g, g_keras, rtol=1e-5)
    assert np.allclose(check.gan_reference(np.zeros(3), np.zeros(2)), (2 * np.log(2), np.log(2)))


def losses_logaddexp(real_logits, fake_logits):
    real, fake = np.ravel(real_logits), np.ravel(fake_logits)
    return np.logaddexp(0, -real).mean() + np.logaddexp(0, fake).mean(), \
        np.logaddexp(0, -fake).mean()


def losses_max_trick(real_logits, fake_logits):
    """log(1 + e^x) as max(x, 0) + log1p(e^-|x|), returned as a list of 0-d arrays."""
    def softplus(x):
        x = np.asarray(x, dtype=float)
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
    return [np.array(softplus(-real_logits).mean() + softplus(fake_logits).mean()),
            np.array(softplus(-fake_logits).mean())]


def losses_loop(real_logits, fake_logits):
    def bce(logit, label):       # the stable form TensorFlow documents, one logit at a time
        return max(logit, 0) - logit * label + np.log1p(np.exp(-abs(logit)))
    real = [bce(float(v), 1) for v in np.ravel(real_logits)]
    fake = [bce(float(v), 0) for v in np.ravel(fake_logits)]
    return sum(real) / len(real) + sum(fake) / len(fake), \
        sum(bce(float(v), 1) for v in np.ravel(fake_logits)) / len(fake)


@pytest.mark.parametrize("answer", [losses_logaddexp, losses_max_trick, losses_loop])
def test_gan_losses_accepts_right_answers_written_differently(answer):
    assert check.gan_losses(answer) is True


def _stable(x):
    return np.logaddexp(0, np.asarray(x, dtype=float))


def saturating(real, fake):
    d, _ = check.gan_reference(real, fake)
    return d, float(np.mean(np.log1p(-1 / (1 + np.exp(-np.clip(fake, -30, 30))))))


def generator_label_zero(real, fake):
    return check.gan_reference(real, fake)[0], float(_stable(fake).mean())


def labels_swapped(real, fake):
    return float(_stable(real).mean() + _stable(-fake).mean()), check.gan_reference(real, fake)[1]


def d_loss_over_all_logits(real, fake):
    both = np.concatenate([_stable(-np.ravel(real)), _stable(np.ravel(fake))])
    return float(both.mean()), check.gan_reference(real, fake)[1]


def sigmoid_twice(real, fake):
    def sig(x):
        return 1 / (1 + np.exp(-np.clip(x, -500, 500)))
    return (float(_stable(-sig(real)).mean() + _stable(sig(fake)).mean()),
            float(_stable(-sig(fake)).mean()))


def naive_log_sigmoid(real, fake):
    with np.errstate(all="ignore"):
        sig_r, sig_f = 1 / (1 + np.exp(-real)), 1 / (1 + np.exp(-fake))
        return (float(-np.log(sig_r).mean() - np.log(1 - sig_f).mean()),
                float(-np.log(sig_f).mean()))


def per_example(real, fake):
    return _stable(-real) + 0 * real, _stable(-fake)


@pytest.mark.parametrize("answer, message", [
    (saturating, "saturating"),
    (generator_label_zero, "makes the fakes look \\*more\\* fake"),
    (labels_swapped, "labels swapped"),
    (d_loss_over_all_logits, "averages the real and the fake cross-entropies"),
    (sigmoid_twice, "apply the sigmoid twice"),
    (naive_log_sigmoid, "compute log σ\\(x\\) from the logit itself"),
    (per_example, "should be a single number"),
    (lambda real, fake: None, "returned None"),
    (lambda real, fake: 1.0, "should return two numbers"),
    (lambda real, fake: (1.0, 2.0, 3.0), "returned 3 values"),
    (None, "`gan_losses` is None"),
    ("loss", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_gan_losses_rejects_wrong_answers_specifically(answer, message):
    rejects(check.gan_losses, answer, match=message)


def test_gan_losses_rejects_the_library_call():
    def with_keras(real, fake):
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        return float(bce(np.ones_like(real), real)), 0.0
    rejects(check.gan_losses, with_keras, match="your answer uses `keras.losses")


def test_gan_losses_rejects_a_table_of_the_fixed_cases():
    table = {args_key((r, f)): check.gan_reference(r, f) for _, r, f in check._losses_cases()}

    def lookup(real, fake):
        return table.get(args_key((real, fake)), (0.0, 0.0))
    message = rejects(check.gan_losses, lookup, match="random")
    assert "seed" in message


def test_gan_losses_rejects_an_answer_that_clips_its_input_in_place():
    def clips(real, fake):
        np.clip(real, -30, 30, out=real)
        return check.gan_reference(real, fake)
    rejects(check.gan_losses, clips, match="changed its input `real` in place")


def test_gan_losses_stub_message_names_the_exercise():
    stub = stub_for("13.1", "implement `gan_losses(real_logits, fake_logits)`")
    rejects(check.gan_losses, stub, match=r"^Exercise 13\.1 is yours: implement")


# Exercise 13.2: inception_score(probs) --------------------------------------------------------

def score_entropies(probs):
    """IS = exp(H(p(y)) − mean H(p(y|x))), the same number by another road."""
    p = np.asarray(probs, dtype=float)
    def entropy(q):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -np.sum(np.where(q > 0, q * np.log(q), 0.0), axis=-1)
    return np.exp(entropy(p.mean(axis=0)) - entropy(p).mean())


def score_loop_base2(probs):
    total = 0.0
    marginal = [sum(row[j] for row in probs) / len(probs) for j in range(len(probs[0]))]
    for row in probs:
        total += sum(float(p) * np.log2(float(p) / m) for p, m in zip(row, marginal) if p > 0)
    return 2 ** (total / len(probs))


def score_float32(probs):
    p = np.asarray(probs, dtype="float32") + np.float32(1e-12)
    return np.exp(np.mean(np.sum(p * (np.log(p) - np.log(p.mean(axis=0))), axis=1)))


@pytest.mark.parametrize("answer", [score_entropies, score_loop_base2, score_float32])
def test_inception_score_accepts_right_answers_written_differently(answer):
    assert check.inception_score(answer) is True


def _kl_terms(p, q):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * (np.log(p) - np.log(q)), 0.0)


def mean_kl_only(probs):
    p = np.asarray(probs, dtype=float)
    return float(_kl_terms(p, p.mean(axis=0)).sum(axis=1).mean())


def kl_reversed(probs):
    p = np.asarray(probs, dtype=float) + 1e-300
    m = p.mean(axis=0, keepdims=True)
    return float(np.exp((m * (np.log(m) - np.log(p))).sum(axis=1).mean()))


def marginal_over_classes(probs):
    p = np.asarray(probs, dtype=float)
    return float(np.exp(_kl_terms(p, p.mean(axis=1, keepdims=True)).sum(axis=1).mean()))


def log2_then_exp(probs):
    p = np.asarray(probs, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log2(p) - np.log2(p.mean(axis=0))), 0.0)
    return float(np.exp(terms.sum(axis=1).mean()))


def nan_on_zeros(probs):
    p = np.asarray(probs, dtype=float)
    with np.errstate(all="ignore"):
        return float(np.exp((p * np.log(p / p.mean(axis=0))).sum(axis=1).mean()))


@pytest.mark.parametrize("answer, message", [
    (mean_kl_only, "the Inception Score is its exponential"),
    (kl_reversed, "wrong way round"),
    (marginal_over_classes, "mean over the images \\(axis 0\\)"),
    (log2_then_exp, "base 2 but exponentiated with e"),
    (nan_on_zeros, "0 · log 0"),
    (lambda probs: np.ones(len(probs)), "should be a single number"),
    (lambda probs: None, "is None"),
    (None, "`inception_score` is None"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_inception_score_rejects_wrong_answers_specifically(answer, message):
    rejects(check.inception_score, answer, match=message)


def test_inception_score_rejects_scipy_entropy():
    def with_scipy(probs):
        return np.exp(np.mean([scipy.stats.entropy(row, probs.mean(axis=0)) for row in probs]))
    rejects(check.inception_score, with_scipy, match="your answer uses `scipy.stats.entropy`")


def test_inception_score_rejects_an_answer_that_smooths_probs_in_place():
    def smooths(probs):
        probs += 1e-12
        return check.inception_reference(probs)
    rejects(check.inception_score, smooths, match="changed its input `probs` in place")


def test_inception_score_reference_on_the_textbook_cases():
    assert np.isclose(check.inception_reference(np.eye(10)), 10)
    assert np.isclose(check.inception_reference(np.tile(np.eye(10)[3], (5, 1))), 1)
    assert np.isclose(check.inception_reference(np.full((4, 5), 0.2)), 1)


# Exercise 13.3: build_conditional_gan() -------------------------------------------------------

def networks(rate=2e-3, tanh=True, label_in_d=True):
    """A conditional DCGAN pair like the lesson's (the solution's settings by default)."""
    layers = keras.layers
    z = keras.Input((32,))
    label = keras.Input((), dtype="int32")
    h = layers.Concatenate()([z, layers.Embedding(10, 16)(label)])
    h = layers.ReLU()(layers.BatchNormalization()(layers.Dense(7 * 7 * 32)(h)))
    h = layers.Reshape((7, 7, 32))(h)
    h = layers.Conv2DTranspose(16, 4, strides=2, padding="same")(h)
    h = layers.ReLU()(layers.BatchNormalization()(h))
    out = layers.Conv2D(1, 3, padding="same", activation="tanh" if tanh else None)(h)
    if not tanh:
        out = layers.Rescaling(5.0)(out)
    generator = keras.Model([z, label], out)
    image = keras.Input((14, 14, 1))
    seen = keras.Input((), dtype="int32")
    h = image
    if label_in_d:
        h = layers.Concatenate()([image, layers.Reshape((14, 14, 1))(
            layers.Embedding(10, 196)(seen))])
    h = layers.LeakyReLU(0.2)(layers.Conv2D(32, 4, strides=2, padding="same")(h))
    h = layers.LeakyReLU(0.2)(layers.Conv2D(64, 4, strides=2, padding="same")(h))
    discriminator = keras.Model([image, seen], layers.Dense(1)(layers.Flatten()(h)))
    return generator, discriminator, rate


@pytest.mark.slow
def test_conditional_gan_accepts_the_solutions_settings():
    assert check.conditional_gan(lambda: networks()) is True


@pytest.mark.slow
def test_conditional_gan_rejects_one_that_learns_too_slowly():
    message = rejects(check.conditional_gan, lambda: networks(rate=1e-5),
                      match="the target is 70%")
    assert "Look at the learning rate first" in message


def test_conditional_gan_rejects_pixels_outside_minus_one_to_one():
    rejects(check.conditional_gan, lambda: networks(tanh=False), match="lie in \\[-1, 1\\]")


def test_conditional_gan_rejects_the_same_models_twice():
    pair = networks()
    rejects(check.conditional_gan, lambda: pair, match="the same models twice")


@pytest.mark.parametrize("answer, message", [
    (lambda: networks()[:2], "should return three things"),
    (lambda: None, "should return three things"),
    (lambda: (networks()[0], "discriminator", 1e-3), "discriminator should be a Keras model"),
    (lambda: (*networks()[:2], "fast"), "learning rate should be a number"),
    (lambda: (*networks()[:2], 5.0), "between 0 and 1"),
    (None, "`build_conditional_gan` is None"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_conditional_gan_rejects_wrong_returns_before_training(answer, message):
    rejects(check.conditional_gan, answer, match=message)


def test_conditional_gan_rejects_a_generator_without_labels():
    def unconditional():
        _, discriminator, rate = networks()
        z = keras.Input((32,))
        image = keras.layers.Reshape((14, 14, 1))(keras.layers.Dense(196, activation="tanh")(z))
        return keras.Model(z, image), discriminator, rate
    rejects(check.conditional_gan, unconditional, match="calling the generator")


def test_conditional_gan_rejects_a_discriminator_with_the_wrong_output():
    def two_logits():
        generator, _, rate = networks()
        image = keras.Input((14, 14, 1))
        seen = keras.Input((), dtype="int32")
        logits = keras.layers.Dense(2)(keras.layers.Flatten()(image))
        return generator, keras.Model([image, seen], logits), rate
    rejects(check.conditional_gan, two_logits, match="one logit per image")


def test_conditional_gan_rejects_a_network_over_the_parameter_limit():
    def huge():
        generator, discriminator, rate = networks()
        z = keras.Input((32,))
        label = keras.Input((), dtype="int32")
        h = keras.layers.Dense(2000)(z)
        image = keras.layers.Reshape((14, 14, 1))(keras.layers.Dense(196, activation="tanh")(h))
        return keras.Model([z, label], image), discriminator, rate
    rejects(check.conditional_gan, huge, match="keep each network to 300,000")
