"""Checkers for lesson 13 (Generative adversarial networks).

13.1 compares the learner's two GAN losses with a NumPy reference written the numerically
stable way (log σ(x) = −softplus(−x)), which equals `keras.losses.BinaryCrossentropy(
from_logits=True)` (the tests hold the two together), on fixed edge cases (all zeros, logits
of ±1000, a batch of one, real and fake batches of different sizes, float32) and on cases
drawn afresh on every call. 13.2 does the same for the Inception Score, with rows that hold
exact zeros, one-hot rows, uniform rows and a single row among the fixed cases. A mistake is
named only when the answer's result equals what that mistake gives on the failing case and no
other known mistake gives the same.

13.3 is judged by its outcome: the checker builds the learner's conditional generator and
discriminator itself, trains them with the lesson's training step for a fixed number of steps
from the kit's OUTCOME_SEED, draws 50 digits of each class, and has its own judge (the lesson's
classifier, trained by the checker from a fixed seed) read them. It trusts no number the
learner reports.

From scratch: 13.1 and 13.2 ask for the cross-entropy and the KL divergence written by hand, so
the library versions of those are refused.
"""

import functools

import numpy as np

from helpers.checks import (
    OUTCOME_SEED,
    Reject,
    as_learning_rate,
    as_number,
    call,
    diagnose,
    exercise,
    expect_finite,
    need_callable,
    same_values,
    short,
)

_close = same_values


# 13.1 ----------------------------------------------------------------------------------------

def softplus(x):
    """log(1 + e^x), elementwise, without overflow."""
    return np.logaddexp(0.0, np.asarray(x, dtype=float))


def gan_reference(real_logits, fake_logits):
    """(d_loss, g_loss): the discriminator's two mean cross-entropies added, and the
    generator's non-saturating loss, from logits."""
    d_loss = softplus(-real_logits).mean() + softplus(fake_logits).mean()
    return float(d_loss), float(softplus(-fake_logits).mean())


def _sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def _losses_mistakes(real, fake):
    """(result, message) of realistic wrong answers on these logits."""
    real, fake = np.asarray(real, dtype=float), np.asarray(fake, dtype=float)
    d, g = gan_reference(real, fake)
    both = np.concatenate([softplus(-real), softplus(fake)]).mean()
    sig_r, sig_f = _sigmoid(real), _sigmoid(fake)
    twice_d = softplus(-sig_r).mean() + softplus(sig_f).mean()
    twice_g = softplus(-sig_f).mean()
    averaged = ("your d_loss averages the real and the fake cross-entropies (over all logits "
                "together, or the two means); the task asks for the mean on the real logits "
                "plus the mean on the fake logits, added.")
    return [
        ((d, float(-softplus(fake).mean())),
         "your g_loss is the saturating (minimax) loss, log(1 − D(G(z))): it is what the "
         "discriminator's loss asks, with the sign turned round, and its gradient vanishes "
         "exactly when the fakes are poor. The non-saturating loss asks the generator to have "
         "its fakes labelled real."),
        ((d, float(softplus(fake).mean())),
         "your g_loss is the discriminator's own loss on the fakes (label 0): minimising it "
         "makes the fakes look *more* fake. The generator wants its fakes labelled real."),
        ((float(softplus(real).mean() + softplus(-fake).mean()), g),
         "your d_loss has the labels swapped: the discriminator should label the real logits "
         "1 and the fake ones 0."),
        ((float(both), g), averaged),
        ((float(d / 2), g), averaged),
        ((float(twice_d), float(twice_g)),
         "your losses apply the sigmoid twice: the inputs are logits, and your cross-entropy "
         "turns σ(logit), already a probability, into σ(σ(logit))."),
        ((float(twice_d), g),
         "your d_loss applies the sigmoid twice: the inputs are logits, and your cross-entropy "
         "turns σ(logit), already a probability, into σ(σ(logit))."),
        ((d, float(twice_g)),
         "your g_loss applies the sigmoid twice: the inputs are logits, and your cross-entropy "
         "turns σ(logit), already a probability, into σ(σ(logit))."),
    ]


def _losses_cases():
    """Fixed cases: (given, real_logits, fake_logits)."""
    fixed = np.random.default_rng(1301)
    return [
        ("real and fake logits all 0 (D says 0.5 to everything)", np.zeros(4), np.zeros(4)),
        ("real logits [3, -1, 2], fake logits [-2, 0.5, 1]",
         np.array([3.0, -1.0, 2.0]), np.array([-2.0, 0.5, 1.0])),
        ("one real logit 2.5 and one fake logit -1.5 (a batch of one)",
         np.array([2.5]), np.array([-1.5])),
        ("6 real and 2 fake logits", fixed.normal(size=6) * 2, fixed.normal(size=2) * 2),
        ("logits of ±1000 (a very sure discriminator: real [1000, -1000], fake [-1000, 1000])",
         np.array([1000.0, -1000.0]), np.array([-1000.0, 1000.0])),
        ("logits of ±40 (σ(40) rounds to 1 in float64)", np.array([40.0, -40.0, 0.0]),
         np.array([-40.0, 40.0, 1.0])),
        ("float32 logits of shape (5, 1), as a Dense(1) layer gives them",
         fixed.normal(size=(5, 1)).astype("float32") * 3,
         fixed.normal(size=(5, 1)).astype("float32") * 3),
    ]


def _losses_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        n, m = int(rng.integers(1, 9)), int(rng.integers(1, 9))
        scale = float(rng.choice([0.5, 3.0, 20.0]))
        cases.append((f"{n} random real and {m} random fake logits, about ±{scale:g}",
                      rng.normal(size=n) * scale, rng.normal(size=m) * scale))
    return cases


def _two_numbers(out, what):
    if out is None:
        raise Reject(f"{what} returned None: did you forget to `return d_loss, g_loss`?")
    if isinstance(out, dict) or not hasattr(out, "__len__") or isinstance(out, str):
        raise Reject(f"{what} should return two numbers, (d_loss, g_loss); it returned "
                     f"{short(out, 40)} ({type(out).__name__}).")
    try:
        parts = list(out)
    except TypeError:
        parts = [out]
    if len(parts) != 2:
        raise Reject(f"{what} should return two numbers, (d_loss, g_loss); it returned "
                     f"{len(parts)} values.")
    return tuple(as_number(p, f"{what}[{i}] ({'d_loss' if i == 0 else 'g_loss'})")
                 for i, p in enumerate(parts))


@exercise("13.1", forbid=("keras.losses.BinaryCrossentropy", "keras.losses.binary_crossentropy",
                          "keras.ops.binary_crossentropy",
                          "tf.nn.sigmoid_cross_entropy_with_logits", "keras.ops.softplus",
                          "tf.nn.softplus", "keras.ops.log_sigmoid",
                          "tf.math.log_sigmoid", "scipy.special.log_expit",
                          "torch.nn.functional.binary_cross_entropy_with_logits"))
def gan_losses(answer, rng):
    need_callable(answer, "gan_losses")
    cases = _losses_cases() + _losses_drawn(rng)
    for given, real, fake in cases:
        with np.errstate(all="ignore"):
            out = call(answer, real, fake, name="gan_losses")
        got = _two_numbers(out, f"gan_losses for {given}")
        right = gan_reference(real, fake)
        for i, name in enumerate(("d_loss", "g_loss")):
            if not np.isfinite(got[i]):
                raise Reject(f"for {given} your {name} is {got[i]}; the right value is "
                             f"{right[i]:.6g}. With large logits σ(x) rounds to exactly 0 or "
                             "1 and its log is −∞: compute log σ(x) from the logit itself, "
                             "without forming σ(x) first.")
        diagnose(got, right, _losses_mistakes(real, fake), _close)
        for i, name in enumerate(("d_loss", "g_loss")):
            if not _close(got[i], right[i]):
                raise Reject(f"for {given} your {name} is {got[i]:.6g}; it should be "
                             f"{right[i]:.6g}.")
    return (f"right on {len(cases)} cases: logits of 0 and of ±1000, a batch of one, batches "
            "of different sizes, float32 of shape (n, 1).")


# 13.2 ----------------------------------------------------------------------------------------

def inception_reference(probs):
    """exp of the mean KL divergence of each row of `probs` (n, k) from their mean row."""
    probs = np.asarray(probs, dtype=float)
    marginal = probs.mean(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(probs > 0, probs * (np.log(probs) - np.log(marginal)), 0.0)
    return float(np.exp(terms.sum(axis=1).mean()))


def _inception_mistakes(probs):
    p = np.asarray(probs, dtype=float)
    marginal = p.mean(axis=0, keepdims=True)
    with np.errstate(all="ignore"):
        kl = np.where(p > 0, p * (np.log(p) - np.log(marginal)), 0.0).sum(axis=1)
        reverse = np.where(marginal > 0, marginal * (np.log(marginal) - np.log(p)), 0.0)
        wrong_axis = p.mean(axis=1, keepdims=True)
        wrong_kl = np.where(p > 0, p * (np.log(p) - np.log(wrong_axis)), 0.0).sum(axis=1)
        bits = np.where(p > 0, p * (np.log2(p) - np.log2(marginal)), 0.0).sum(axis=1)
        return [
            (float(kl.mean()), "your score is the mean KL divergence itself; the Inception "
             "Score is its exponential."),
            (float(np.exp(reverse.sum(axis=1).mean())),
             "your KL divergence runs the wrong way round: it should measure each row p(y|x) "
             "against the mean row p(y), KL(p(y|x) ‖ p(y)), not KL(p(y) ‖ p(y|x))."),
            (float(np.exp(wrong_kl.mean())),
             "your p(y) is the mean of each row over the classes (axis 1); it should be the "
             "mean over the images (axis 0), one probability per class."),
            (float(np.exp(bits.mean())),
             "you took logarithms to base 2 but exponentiated with e: use one base for both "
             "(natural logs and np.exp, or log2 and 2**)."),
        ]


def _inception_cases():
    """Fixed cases: (given, probs)."""
    fixed = np.random.default_rng(1302)
    eye = np.eye(10)
    return [
        ("two classes, rows [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]",
         np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])),
        ("10 one-hot rows, one per class (perfectly sure, perfectly even)", eye),
        ("8 one-hot rows, all class 3 (sure but collapsed)", np.tile(eye[3], (8, 1))),
        ("6 uniform rows over 4 classes (unsure)", np.full((6, 4), 0.25)),
        ("a single row [0.7, 0.2, 0.1]", np.array([[0.7, 0.2, 0.1]])),
        ("rows with exact zeros: [[0.5, 0.5, 0], [0, 0, 1]]",
         np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])),
        ("12 float32 rows over 10 classes", _random_rows(fixed, 12, 10).astype("float32")),
    ]


def _random_rows(rng, n, k):
    logits = rng.normal(size=(n, k)) * rng.uniform(0.5, 4)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _inception_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        n, k = int(rng.integers(2, 30)), int(rng.integers(2, 12))
        cases.append((f"{n} random rows over {k} classes", _random_rows(rng, n, k)))
    return cases


@exercise("13.2", forbid=("scipy.stats.entropy", "scipy.special.kl_div",
                          "scipy.special.rel_entr", "scipy.special.xlogy",
                          "keras.losses.KLDivergence", "keras.losses.kl_divergence"))
def inception_score(answer, rng):
    need_callable(answer, "inception_score")
    cases = _inception_cases() + _inception_drawn(rng)
    for given, probs in cases:
        with np.errstate(all="ignore"):
            out = call(answer, probs, name="inception_score")
        got = as_number(out, f"inception_score for {given}")
        right = inception_reference(probs)
        if not np.isfinite(got):
            zeros = bool(np.any(np.asarray(probs) == 0))
            raise Reject(f"for {given} your score is {got}; it should be {right:.6g}." +
                         (" A probability of exactly 0 contributes 0 · log 0, which is 0 (the "
                          "limit), but NumPy computes it as NaN: leave those terms out."
                          if zeros else ""))
        rtol = 1e-4 if np.asarray(probs).dtype == np.float32 else 1e-6
        diagnose(got, right, _inception_mistakes(probs),
                 lambda a, b: _close(a, b, rtol=rtol, atol=1e-6))
        if not _close(got, right, rtol=rtol, atol=1e-6):
            raise Reject(f"for {given} your score is {got:.6g}; it should be {right:.6g}.")
    return (f"right on {len(cases)} sets of rows: one-hot and even (score = number of "
            "classes), one-hot and collapsed (score 1), uniform rows, exact zeros, one row.")


# 13.3 ----------------------------------------------------------------------------------------

NOISE = 32                  # length of the generator's noise vector
STEPS, BATCH = 400, 64      # the training budget the checker gives the learner's GAN
PER_DIGIT = 50              # digits drawn of each class for the judge
TARGET = 0.70               # share of the drawn digits the judge reads as the digit asked for
MAX_PARAMS = 300_000        # per network; keeps the check's training to seconds


def shrink(images):
    """MNIST images (n, 28, 28) in [0, 1] -> (n, 14, 14, 1) float32 in [-1, 1], 2×2 means."""
    small = images.reshape(len(images), 14, 2, 14, 2).mean(axis=(2, 4))
    return (small[..., None] * 2 - 1).astype("float32")


def judge_model(keras):
    """The lesson's digit classifier for 14×14 images in [-1, 1] (softmax over 10 classes)."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input((14, 14, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dropout(0.3), layers.Dense(10, activation="softmax"),
    ], name="judge")


@functools.lru_cache(maxsize=1)
def _judge():
    """(judge, its accuracy on the test digits), trained once per process from a fixed seed."""
    import keras

    from helpers import data

    mnist = data.load_mnist()
    keras.utils.set_random_seed(13)
    judge = judge_model(keras)
    judge.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy")
    judge.fit(shrink(mnist.x_train), mnist.y_train, epochs=8, batch_size=64, verbose=0)
    read = np.argmax(judge.predict(shrink(mnist.x_test), batch_size=500, verbose=0), axis=1)
    return judge, float(np.mean(read == mnist.y_test))


def _unpack(out):
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise Reject("`build_conditional_gan()` should return three things, (generator, "
                     f"discriminator, learning_rate); it returned {short(out, 60)} "
                     f"({type(out).__name__}).")
    return out


def _expect_models(generator, discriminator, learning_rate, keras):
    for name, model in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(model, keras.Model):
            raise Reject(f"the {name} should be a Keras model; got {short(model, 40)} "
                         f"({type(model).__name__}).")
        if model.count_params() > MAX_PARAMS:
            raise Reject(f"the {name} has {model.count_params():,} parameters; keep each "
                         f"network to {MAX_PARAMS:,} at most.")
    if generator is discriminator:
        raise Reject("the generator and the discriminator are the same model.")
    rate = as_learning_rate(learning_rate)
    return rate


def _generate(generator, z, labels):
    try:
        out = np.asarray(generator([z, labels], training=False), dtype="float64")
    except Exception as error:
        first = str(error).strip().splitlines()[-1] if str(error).strip() else ""
        raise Reject(f"calling the generator on [noise of shape {z.shape}, labels of shape "
                     f"{labels.shape}] raised {type(error).__name__}: {short(first, 160)}. It "
                     f"should take two inputs, noise (None, {NOISE}) and labels (None,) int32.")\
            from None
    if out.shape != (len(z), 14, 14, 1):
        raise Reject(f"the generator should give images of shape (None, 14, 14, 1); for "
                     f"{len(z)} noise vectors it gave shape {out.shape}.")
    return out


def _expect_pixels(images, which):
    if images.min() < -1.001 or images.max() > 1.001:
        raise Reject(f"the generator's pixels should lie in [-1, 1], like the training digits "
                     f"(a tanh output does it); the {which} generator gave values from "
                     f"{images.min():.3g} to {images.max():.3g}.")


def _discriminate(discriminator, images, labels):
    try:
        out = np.asarray(discriminator([images, labels], training=False), dtype="float64")
    except Exception as error:
        first = str(error).strip().splitlines()[-1] if str(error).strip() else ""
        raise Reject(f"calling the discriminator on [images of shape {images.shape}, labels] "
                     f"raised {type(error).__name__}: {short(first, 160)}. It should take two "
                     "inputs, images (None, 14, 14, 1) and labels (None,) int32.") from None
    if out.shape != (len(images), 1):
        raise Reject(f"the discriminator should give one logit per image, shape (None, 1); for "
                     f"{len(images)} images it gave shape {out.shape}.")
    return out


def _train(generator, discriminator, rate, x, y, seed):
    """The lesson's training step, STEPS times; returns the last (d_loss, g_loss)."""
    import keras
    import tensorflow as tf

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt = keras.optimizers.Adam(rate, beta_1=0.5)
    d_opt = keras.optimizers.Adam(rate, beta_1=0.5)

    @tf.function
    def step(real, labels, z):
        with tf.GradientTape() as tape:
            fake = generator([z, labels], training=True)
            real_logits = discriminator([real, labels], training=True)
            fake_logits = discriminator([fake, labels], training=True)
            d_loss = bce(tf.ones_like(real_logits), real_logits) + \
                bce(tf.zeros_like(fake_logits), fake_logits)
        grads = tape.gradient(d_loss, discriminator.trainable_variables)
        d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))
        with tf.GradientTape() as tape:
            fake_logits = discriminator([generator([z, labels], training=True), labels],
                                        training=True)
            g_loss = bce(tf.ones_like(fake_logits), fake_logits)
        grads = tape.gradient(g_loss, generator.trainable_variables)
        g_opt.apply_gradients(zip(grads, generator.trainable_variables))
        return d_loss, g_loss

    rng = np.random.default_rng(seed)
    losses = (np.nan, np.nan)
    for _ in range(STEPS):
        pick = rng.integers(0, len(x), BATCH)
        z = rng.normal(size=(BATCH, NOISE)).astype("float32")
        losses = step(x[pick], y[pick], z)
    return tuple(float(v) for v in losses)


@exercise("13.3")
def conditional_gan(answer):
    need_callable(answer, "build_conditional_gan")
    import keras

    from helpers import data

    keras.utils.set_random_seed(OUTCOME_SEED)   # one answer, one verdict (the kit's docstring)
    generator, discriminator, learning_rate = _unpack(call(answer,
                                                           name="build_conditional_gan"))
    rate = _expect_models(generator, discriminator, learning_rate, keras)
    again = call(answer, name="build_conditional_gan")
    if isinstance(again, (tuple, list)) and len(again) == 3 and \
            (again[0] is generator or again[1] is discriminator):
        raise Reject("`build_conditional_gan()` returned the same models twice. Build new "
                     "ones on every call: the checker trains a fresh pair.")
    mnist = data.load_mnist()
    x, y = shrink(mnist.x_train), mnist.y_train.astype("int32")
    probe = np.random.default_rng(OUTCOME_SEED).normal(size=(20, NOISE)).astype("float32")
    _expect_pixels(_generate(generator, probe, np.arange(20, dtype="int32") % 10), "untrained")
    _discriminate(discriminator, x[:2], y[:2])
    try:
        d_loss, g_loss = _train(generator, discriminator, rate, x, y, OUTCOME_SEED)
    except Reject:
        raise
    except Exception as error:
        raise Reject(f"training the pair raised {type(error).__name__}: "
                     f"{short(str(error), 200)}.") from None
    if not (np.isfinite(d_loss) and np.isfinite(g_loss)):
        raise Reject(f"after {STEPS} steps the losses are d_loss {d_loss}, g_loss {g_loss}: "
                     "training blew up. Lower the learning rate.")
    asked = np.repeat(np.arange(10), PER_DIGIT).astype("int32")
    z = np.random.default_rng(OUTCOME_SEED).normal(size=(len(asked), NOISE)).astype("float32")
    images = _generate(generator, z, asked)
    expect_finite(images, "the generated images")
    _expect_pixels(images, "trained")
    judge, _ = _judge()
    probs = np.asarray(judge.predict(images.astype("float32"), batch_size=500, verbose=0))
    read = probs.argmax(axis=1)
    accuracy = float(np.mean(read == asked))
    per_digit = [float(np.mean(read[asked == d] == d)) for d in range(10)]
    worst = int(np.argmin(per_digit))
    if accuracy < TARGET:
        raise Reject(f"trained for {STEPS} steps of {BATCH} (the checker's fixed seed), your "
                     f"generator's digits were read as the digit asked for {accuracy:.1%} of "
                     f"the time; the target is {TARGET:.0%}. Worst: {worst}, read as asked "
                     f"{per_digit[worst]:.0%} of the time. Look at the learning rate first, "
                     "then at how each network receives the label.")
    return (f"trained for {STEPS} steps, your conditional GAN drew digits that the judge read "
            f"as the digit asked for {accuracy:.1%} of the time (target {TARGET:.0%}; the "
            f"weakest, {worst}, {per_digit[worst]:.0%}).")
