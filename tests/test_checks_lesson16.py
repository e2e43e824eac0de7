"""Unit tests of lesson 16's checkers (Scaling and performance): right answers written
differently pass; realistic wrong ones (a flop count of the forward pass only, a multiply-add
counted once, the bias or the input gradient left out; a pipeline that reads every epoch,
caches after the augmentation, shuffles after batching or within a small buffer, augments
whole batches, never reshuffles, forgets the prefetch; a large batch trained at a small
batch's learning rate) fail with a specific message; odd answers get a verdict."""

import numpy as np
import pytest
from answers import raises_value_error, rejects, stub_for

from helpers.checks import lesson16 as check
from helpers.startup import import_keras, import_tensorflow

keras = import_keras()
tf = import_tensorflow()
AUTOTUNE = tf.data.AUTOTUNE


# Exercise 16.1: dense_step_flops(batch, inputs, units) ---------------------------------------

def flops_formula(batch, inputs, units):
    return 6 * batch * inputs * units + 2 * batch * units


def flops_by_parts(batch, inputs, units):
    """Each product and each bias term named, as a float."""
    forward = 2.0 * batch * inputs * units + batch * units
    weights_gradient = 2.0 * inputs * batch * units
    input_gradient = 2.0 * batch * units * inputs
    bias_gradient = float(batch * units)
    return forward + weights_gradient + input_gradient + bias_gradient


def flops_numpy(batch, inputs, units):
    shapes = np.array([[batch, inputs, units]] * 3, dtype=np.int64)
    return np.int64(2) * np.prod(shapes, axis=1).sum() + np.int64(2 * batch * units)


@pytest.mark.parametrize("answer", [flops_formula, flops_by_parts, flops_numpy])
def test_dense_step_flops_accepts_right_answers_written_differently(answer):
    assert check.dense_step_flops(answer) is True


@pytest.mark.parametrize("answer, message", [
    (lambda b, k, n: 2 * b * k * n + b * n, "the forward pass alone"),
    (lambda b, k, n: 3 * b * k * n + 2 * b * n, "takes a multiply-add as one flop;"),
    (lambda b, k, n: 3 * b * k * n, "multiply-add as one flop and leaves out the bias"),
    (lambda b, k, n: 6 * b * k * n, "leaves out the bias"),
    (lambda b, k, n: 6 * b * k * n + b * n, "but not its gradient"),
    (lambda b, k, n: 4 * b * k * n + 2 * b * n, "two matrix products where a training step"),
    (lambda b, k, n: 6 * b * k * n + 2 * b * k, "one entry per unit"),
    (lambda b, k, n: 6 * b * k * n + 2 * b * n + 1, "it should be"),
    (lambda b, k, n: None, "returned None"),
    (lambda b, k, n: "many", "should be a single number|number"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_dense_step_flops_names_the_mistake(answer, message):
    rejects(check.dense_step_flops, answer, match=message)


def test_dense_step_flops_rejects_a_table_of_the_fixed_cases():
    table = {(b, k, n): check.dense_flops_reference(b, k, n)
             for _, b, k, n in check._flops_cases()}
    message = rejects(check.dense_step_flops, lambda b, k, n: table.get((b, k, n), 0),
                      match="it should be")
    assert "seed" in message


def test_dense_step_flops_stub_message_names_the_exercise():
    stub = stub_for("16.1", "write `dense_step_flops(batch, inputs, units)`")
    rejects(check.dense_step_flops, stub, match=r"^Exercise 16\.1 is yours: write")


# Exercise 16.2: make_pipeline(x, y, read, augment, batch_size) ---------------------------------

def pipeline_right(x, y, read, augment, batch_size):
    return (tf.data.Dataset.from_tensor_slices((x, y)).map(read, num_parallel_calls=AUTOTUNE)
            .cache().shuffle(len(x)).map(augment, num_parallel_calls=AUTOTUNE)
            .batch(batch_size).prefetch(AUTOTUNE))


def pipeline_plain(x, y, read, augment, batch_size):
    """Sequential maps, explicit reshuffling, a prefetch of one batch."""
    data = tf.data.Dataset.from_tensor_slices((x, y)).map(read).cache()
    data = data.shuffle(buffer_size=len(y), reshuffle_each_iteration=True).map(augment)
    return data.batch(batch_size, drop_remainder=False).prefetch(1)


def pipeline_file_cache(x, y, read, augment, batch_size, folder=[]):  # noqa: B006
    """A cache on disk (a new file per call), a lambda around augment."""
    import tempfile

    folder.append(tempfile.mkdtemp())
    return (tf.data.Dataset.from_tensor_slices((x, y)).map(read)
            .cache(f"{folder[-1]}/cache").shuffle(2 * len(x))
            .map(lambda image, label: augment(image, label)).batch(batch_size)
            .prefetch(AUTOTUNE))


@pytest.mark.parametrize("answer", [pipeline_right, pipeline_plain, pipeline_file_cache])
def test_make_pipeline_accepts_right_answers_written_differently(answer):
    assert check.make_pipeline(answer) is True


def slices(x, y):
    return tf.data.Dataset.from_tensor_slices((x, y))


WRONG_PIPELINES = {
    "no cache": (lambda x, y, r, a, b: slices(x, y).map(r).shuffle(len(x)).map(a).batch(b)
                 .prefetch(AUTOTUNE), "reads every example again in every epoch"),
    "cache after augment": (lambda x, y, r, a, b: slices(x, y).map(r).map(a).cache()
                            .shuffle(len(x)).batch(b).prefetch(AUTOTUNE),
                            "same augmentation in both epochs"),
    "shuffle after batch": (lambda x, y, r, a, b: slices(x, y).map(r).cache().map(a).batch(b)
                            .shuffle(100).prefetch(AUTOTUNE), "shuffle before `batch`"),
    "augment after batch": (lambda x, y, r, a, b: slices(x, y).map(r).cache().shuffle(len(x))
                            .batch(b).map(a).prefetch(AUTOTUNE), "mapped over whole batches"),
    "no reshuffle": (lambda x, y, r, a, b: slices(x, y).map(r).cache()
                     .shuffle(len(x), reshuffle_each_iteration=False).map(a).batch(b)
                     .prefetch(AUTOTUNE), "same order in both epochs"),
    "shuffle before cache": (lambda x, y, r, a, b: slices(x, y).map(r).shuffle(len(x)).cache()
                             .map(a).batch(b).prefetch(AUTOTUNE), "same order in both epochs"),
    "small buffer": (lambda x, y, r, a, b: slices(x, y).map(r).cache().shuffle(4).map(a)
                     .batch(b).prefetch(AUTOTUNE), "small buffer"),
    "no shuffle": (lambda x, y, r, a, b: slices(x, y).map(r).cache().map(a).batch(b)
                   .prefetch(AUTOTUNE), "stored order"),
    "no prefetch": (lambda x, y, r, a, b: slices(x, y).map(r).cache().shuffle(len(x)).map(a)
                    .batch(b), "end it with `prefetch`"),
    "no read": (lambda x, y, r, a, b: slices(x, y).cache().shuffle(len(x)).map(a).batch(b)
                .prefetch(AUTOTUNE), "never called `read`"),
    "no augment": (lambda x, y, r, a, b: slices(x, y).map(r).cache().shuffle(len(x)).batch(b)
                   .prefetch(AUTOTUNE), "never applied `augment`"),
    "augment before read": (lambda x, y, r, a, b: slices(x, y).map(a).map(r).cache()
                            .shuffle(len(x)).batch(b).prefetch(AUTOTUNE),
                            "before `read`"),
    "repeat": (lambda x, y, r, a, b: slices(x, y).map(r).cache().shuffle(len(x)).map(a)
               .batch(b).repeat().prefetch(AUTOTUNE), r"did you `repeat\(\)`"),
    "drop remainder": (lambda x, y, r, a, b: slices(x, y).map(r).cache().shuffle(len(x))
                       .map(a).batch(b, drop_remainder=True).prefetch(AUTOTUNE),
                       "1 of them never"),
    "not batched": (lambda x, y, r, a, b: slices(x, y).map(r).cache().shuffle(len(x)).map(a)
                    .prefetch(AUTOTUNE), "not batches"),
    "numpy arrays": (lambda x, y, r, a, b: (x, y), "should return a tf.data.Dataset"),
    "raises": (raises_value_error, "raised ValueError: boom"),
}


@pytest.mark.parametrize("name", list(WRONG_PIPELINES))
def test_make_pipeline_names_the_mistake(name):
    answer, message = WRONG_PIPELINES[name]
    rejects(check.make_pipeline, answer, match=message)


def test_make_pipeline_stub_message_names_the_exercise():
    stub = stub_for("16.2", "write `make_pipeline(x, y, read, augment, batch_size)`")
    rejects(check.make_pipeline, stub, match=r"^Exercise 16\.2 is yours: write")


# Exercise 16.3: build_model(), a large global batch that learns --------------------------------

def mlp(learning_rate=1e-2, width=128):
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                              keras.layers.Dense(width, activation="relu"),
                              keras.layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_large_batch_rejects_a_small_batchs_learning_rate_and_says_why():
    message = rejects(check.large_batch, lambda: mlp(1e-3),
                      match=r"right on 8\d\.\d% of the validation digits; the target is 88%")
    assert "linear scaling rule" in message and "seed=" not in message


def test_large_batch_refuses_the_same_model_twice():
    model = mlp()
    rejects(check.large_batch, lambda: model, match="the same model object twice")


def uncompiled():
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                             keras.layers.Dense(10)])


def flat_input():
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@pytest.mark.parametrize("answer, message", [
    (None, "`build_model` is None"),
    (lambda: "a model", "should return a Keras model"),
    (uncompiled, "the model is not compiled"),
    (lambda: mlp(width=512), "keep it to 150,000 at most"),
    (flat_input, r"input shape \(None, 28, 28\)"),
])
def test_large_batch_rejects_models_that_do_not_fit_the_task(answer, message):
    rejects(check.large_batch, answer, match=message)


def test_large_batch_stub_message_names_the_exercise():
    stub = stub_for("16.3", "write `build_model()`")
    rejects(check.large_batch, stub, match=r"^Exercise 16\.3 is yours: write")
