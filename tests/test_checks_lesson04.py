"""Unit tests of lesson 04's checkers (Keras fundamentals): right answers pass, wrong ones fail
with a specific message, odd answers get a verdict rather than a crash."""

import numpy as np
import pytest
from answers import lookup_table, raises_value_error, rejects, stub_for

from helpers.checks import ExerciseFailed
from helpers.checks import lesson04 as check
from helpers.startup import import_keras

keras = import_keras()


# Exercise 4.1: build_mlp(input_shape, hidden, n_classes) -------------------------------------

def sequential_mlp(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u, activation="relu") for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


def functional_mlp(input_shape, hidden, n_classes):
    inputs = keras.Input(shape=tuple(input_shape))
    h = keras.layers.Reshape((-1,))(inputs)
    for units in hidden:
        h = keras.layers.Activation("relu")(keras.layers.Dense(units)(h))
    outputs = keras.layers.Softmax()(keras.layers.Dense(n_classes)(h))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")  # allowed
    return model


@pytest.mark.parametrize("answer", [sequential_mlp, functional_mlp])
def test_build_mlp_accepts_sequential_and_functional(answer):
    assert check.build_mlp(answer) is True


def no_flatten(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape)]
                            + [keras.layers.Dense(u, activation="relu") for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


def linear_hidden(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u) for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


def logits_out(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u, activation="relu") for u in hidden]
                            + [keras.layers.Dense(n_classes)])


def sigmoid_out(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u, activation="relu") for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="sigmoid")])


def tanh_hidden(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u, activation="tanh") for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


def one_class_short(input_shape, hidden, n_classes):           # off by one
    return sequential_mlp(input_shape, hidden, n_classes - 1)


def hard_coded(input_shape, hidden, n_classes):                # constant architecture
    return sequential_mlp((28, 28), [64, 32], 10)


def extra_layer(input_shape, hidden, n_classes):
    return sequential_mlp(input_shape, [*hidden, 16], n_classes)


def reversed_hidden(input_shape, hidden, n_classes):
    return sequential_mlp(input_shape, hidden[::-1], n_classes)


def with_batch_norm(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(),
                             keras.layers.BatchNormalization()]
                            + [keras.layers.Dense(u, activation="relu") for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


def no_bias(input_shape, hidden, n_classes):
    return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                            + [keras.layers.Dense(u, activation="relu", use_bias=False)
                               for u in hidden]
                            + [keras.layers.Dense(n_classes, activation="softmax")])


def with_activation(activation):
    def build(input_shape, hidden, n_classes):
        return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten()]
                                + [keras.layers.Dense(u, activation=activation) for u in hidden]
                                + [keras.layers.Dense(n_classes, activation="softmax")])
    return build


relu6_hidden = with_activation("relu6")            # capped: same as ReLU on small inputs
gelu_hidden = with_activation("gelu")
elu_hidden = with_activation("elu")


def leaky_hidden(input_shape, hidden, n_classes):
    layers = [keras.Input(shape=input_shape), keras.layers.Flatten()]
    for units in hidden:
        layers += [keras.layers.Dense(units), keras.layers.LeakyReLU()]
    return keras.Sequential(layers + [keras.layers.Dense(n_classes, activation="softmax")])


def with_initializer(initializer):
    def build(input_shape, hidden, n_classes):
        return keras.Sequential(
            [keras.Input(shape=input_shape), keras.layers.Flatten()]
            + [keras.layers.Dense(u, activation="relu", kernel_initializer=initializer)
               for u in hidden]
            + [keras.layers.Dense(n_classes, activation="softmax",
                                  kernel_initializer=initializer)])
    return build


zero_init = with_initializer("zeros")              # outputs still a valid softmax
ones_init = with_initializer("ones")


def frozen(input_shape, hidden, n_classes):
    model = sequential_mlp(input_shape, hidden, n_classes)
    model.trainable = False
    return model


def frozen_first_layer(input_shape, hidden, n_classes):
    model = sequential_mlp(input_shape, hidden, n_classes)
    model.layers[1].trainable = False                  # the first Dense (after Flatten)
    return model


def pops_hidden(input_shape, hidden, n_classes):
    layers = [keras.Input(shape=input_shape), keras.layers.Flatten()]
    while hidden:
        layers.append(keras.layers.Dense(hidden.pop(0), activation="relu"))
    return keras.Sequential(layers + [keras.layers.Dense(n_classes, activation="softmax")])


FIXED_SPECS = {((28, 28), (64, 32), 10), ((64,), (), 3), ((5, 4), (16, 8, 8), 4)}


def fixed_specs_only(input_shape, hidden, n_classes):   # a table of the fixed cases
    if (tuple(input_shape), tuple(hidden), n_classes) in FIXED_SPECS:
        return sequential_mlp(input_shape, hidden, n_classes)
    return None


@pytest.mark.parametrize("answer, message", [
    (None, "`build_mlp` is None"),
    (keras.Sequential(), "Pass the function, `check.build_mlp\\(build_mlp\\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda *args: None, "returned None: did you forget to `return` the model"),
    (lambda *args: keras.Sequential, "returned the class Sequential, not a model"),
    (lambda *args: [keras.layers.Dense(10)], "should return a Keras model .*got list"),
    (no_flatten, r"should give outputs of shape \(5, 10\); yours gave \(5, 28, 10\)\. Did you "
                 r"forget keras\.layers\.Flatten"),
    (linear_hidden, "hidden layers act linearly"),
    (logits_out, "outputs are raw scores"),
    (sigmoid_out, "rows do not sum|summing to 1"),
    (tanh_hidden, r"the hidden layers use tanh"),
    (gelu_hidden, r"differ from a Dense-ReLU stack .* on a batch of inputs of size about"),
    (relu6_hidden, r"on large inputs your hidden units stop growing at 6 \(ReLU6\?\)"),
    (leaky_hidden, r"let negative values through \(a leaky ReLU\)"),
    (elu_hidden, r"the hidden layers use ELU"),
    (zero_init, r"the columns of hidden layer 1's kernel are all zeros"),
    (ones_init, r"the columns of hidden layer 1's kernel are identical"),
    (frozen, r"only 0 of the model's 52,650 parameters are trainable"),
    (frozen_first_layer, r"only 2,410 of the model's 52,650 parameters are trainable"),
    (pops_hidden, r"changed its input `hidden` in place"),
    (fixed_specs_only, r"returned None.*seed="),
    (one_class_short, r"outputs of shape \(5, 10\), one score per class; yours gave \(5, 9\)"),
    (hard_coded, r"build_mlp\(\(64,\), \[\], 3\).*raised ValueError"),
    (extra_layer, r"should have 3 Dense layers \(2 hidden, then the output\); yours has 4"),
    (reversed_hidden, r"hidden layer 1 should go from 784 to 64 units.*\(784, 32\)"),
    (with_batch_norm, r"should have 52,650 parameters .*yours has 55,786"),
    (no_bias, "has no bias"),
])
def test_build_mlp_rejects_wrong_answers_specifically(answer, message):
    rejects(check.build_mlp, answer, match=message)


def test_build_mlp_rejects_a_lookup_table_of_an_earlier_run():
    rejects(check.build_mlp, lookup_table(check.build_mlp, sequential_mlp),
            match=r"returned None.*seed=")


def test_build_mlp_accepts_a_zero_output_layer_without_hidden_layers():
    def zero_logistic(input_shape, hidden, n_classes):
        if hidden:
            return sequential_mlp(input_shape, hidden, n_classes)
        return keras.Sequential([keras.Input(shape=input_shape), keras.layers.Flatten(),
                                 keras.layers.Dense(n_classes, activation="softmax",
                                                    kernel_initializer="zeros")])
    assert check.build_mlp(zero_logistic) is True


def test_build_mlp_stub_is_told_the_exercise_is_theirs():
    rejects(check.build_mlp, stub_for("4.1", "implement `build_mlp(input_shape, hidden, "
                                             "n_classes)`"),
            match=r"^Exercise 4\.1 is yours: implement `build_mlp")


# Exercise 4.2: StopAtAccuracy(threshold) -----------------------------------------------------

class RightCallback(keras.callbacks.Callback):
    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold

    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] >= self.threshold:
            self.model.stop_training = True


class WrittenDifferently(keras.callbacks.Callback):
    """No super().__init__ call, a different argument name, and it also resets the flag."""

    def __init__(self, target):
        self.target = float(target)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.model.stop_training = bool(logs.get("accuracy", 0) >= self.target)


def factory(threshold):                         # a function that returns the callback
    return RightCallback(threshold)


class SetsOne(RightCallback):                   # fit stops on any true flag
    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] >= self.threshold:
            self.model.stop_training = 1


class AddsToLogs(RightCallback):                # Keras callbacks may add entries to logs
    def on_epoch_end(self, epoch, logs=None):
        logs["reached"] = logs["accuracy"] >= self.threshold
        if logs["reached"]:
            self.model.stop_training = True


@pytest.mark.parametrize("answer", [RightCallback, WrittenDifferently, factory, SetsOne,
                                    AddsToLogs])
def test_stop_at_accuracy_accepts_right_answers_written_differently(answer):
    assert check.stop_at_accuracy(answer) is True


def make_callback(rule, base=keras.callbacks.Callback, method="on_epoch_end"):
    """A callback class that sets stop_training when rule(accuracy logs, threshold) holds."""

    def hook(self, epoch_or_batch, logs=None):
        if rule(logs, self.threshold):
            self.model.stop_training = True

    def init(self, threshold):
        base.__init__(self)
        self.threshold = threshold

    return type("Wrong", (base,), {"__init__": init, method: hook})


class SharedThreshold(keras.callbacks.Callback):
    """Keeps the threshold on the class: a second callback overwrites the first's."""

    def __init__(self, threshold):
        super().__init__()
        SharedThreshold.threshold = threshold

    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] >= SharedThreshold.threshold:
            self.model.stop_training = True


class NotACallback:
    def __init__(self, threshold):
        self.threshold = threshold

    def on_epoch_end(self, epoch, logs=None):
        pass


@pytest.mark.parametrize("answer, message", [
    (None, "`StopAtAccuracy` is None"),
    (RightCallback(0.9), "Pass the class itself"),
    (raises_value_error, "raised ValueError: boom"),
    (make_callback(lambda logs, t: logs["accuracy"] > t),
     "reached the threshold exactly, .* Yours stops only above it"),
    (make_callback(lambda logs, t: round(logs["accuracy"], 2) >= t),      # just under: stops
     r"accuracy 0\.8999999999999999, training should go on: 0\.8999999999999999 is just "
     r"under the threshold"),
    (make_callback(lambda logs, t: logs["accuracy"] >= t or np.isclose(logs["accuracy"], t)),
     "is just under the threshold"),
    (make_callback(lambda logs, t: logs["accuracy"] >= {0.9: 0.9, 0.75: 0.75,    # a table of
                                                        0.97: 0.97}.get(t, 0.0)),  # the fixed
     r"training should go on .*seed="),                                             # thresholds
    (make_callback(lambda logs, t: logs["accuracy"] <= t),               # wrong direction
     r"training should go on \(the accuracy is below the threshold\)"),
    (make_callback(lambda logs, t: True), "training should go on"),       # constant: stops
    (make_callback(lambda logs, t: False), "training should stop, but model.stop_training"),
    (make_callback(lambda logs, t: logs["accuracy"] >= 0.9),             # ignores threshold
     "With threshold 0.75"),
    (make_callback(lambda logs, t: logs["accuracy"] >= t - 0.01),        # off by a little
     r"With threshold 0\.9, after epochs with accuracy 0\.5, accuracy 0\.89, training should "
     r"go on"),
    (make_callback(lambda logs, t: logs.get("val_accuracy", 0) >= t), "not val_accuracy"),
    (make_callback(lambda logs, t: logs["acc"] >= t), r"raised KeyError: 'acc'"),
    (make_callback(lambda logs, t: logs["accuracy"] >= t, method="on_train_batch_end"),
     "does not define on_epoch_end"),
    (NotACallback, r"should be a keras\.callbacks\.Callback"),
    (lambda threshold: None, r"should be a keras\.callbacks\.Callback .*got NoneType"),
    (make_callback(lambda logs, t: logs["accuracy"] >= t, method="on_train_begin"),
     r"`on_train_begin\(\)` raised TypeError"),
    (SharedThreshold, r"should each keep their own threshold; the first one stopped after an "
                      r"epoch with accuracy 0\.7"),
])
def test_stop_at_accuracy_rejects_wrong_answers_specifically(answer, message):
    rejects(check.stop_at_accuracy, answer, match=message)


def test_stop_at_accuracy_stub_is_told_the_exercise_is_theirs():
    class Stub(keras.callbacks.Callback):
        def __init__(self, threshold):
            super().__init__()
            raise NotImplementedError("Exercise 4.2 is yours: implement the callback "
                                      "`StopAtAccuracy(threshold)`.")
    rejects(check.stop_at_accuracy, Stub, match=r"^Exercise 4\.2 is yours: implement the callback")


def test_stop_at_accuracy_without_on_epoch_end_is_told_so():
    class Empty(keras.callbacks.Callback):
        def __init__(self, threshold):
            super().__init__()
            self.threshold = threshold
    rejects(check.stop_at_accuracy, Empty, match="does not define on_epoch_end")


def test_stop_at_accuracy_stub_in_on_epoch_end_is_told_the_exercise_is_theirs():
    class Half(RightCallback):
        def on_epoch_end(self, epoch, logs=None):
            raise NotImplementedError("Exercise 4.2 is yours: implement the callback "
                                      "`StopAtAccuracy(threshold)`.")
    rejects(check.stop_at_accuracy, Half, match=r"^Exercise 4\.2 is yours")


# Exercises 4.3 and 4.4: models the checker trains ---------------------------------------------

def classifier(output=None, optimizer=lambda: keras.optimizers.Adam(1e-3), from_logits=True,
               hidden=(64,), compile_it=True):
    """A model-building function: Flatten, Dense ReLU per `hidden`, Dense 10 (`output`)."""
    def build():
        model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten()]
                                 + [keras.layers.Dense(u, activation="relu") for u in hidden]
                                 + [keras.layers.Dense(10, activation=output)])
        if compile_it:
            model.compile(optimizer=optimizer(), loss=keras.losses.SparseCategoricalCrossentropy(
                from_logits=from_logits))
        return model
    return build


def functional_softmax():
    inputs = keras.Input((28, 28))
    h = keras.layers.Dense(64, activation="relu")(keras.layers.Reshape((784,))(inputs))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def trained_then_returned(build, recompile=False):
    """The learner who trains inside the function (or keeps one model and returns it)."""
    from helpers import data
    mnist = data.load_mnist()

    def build_trained():
        model = build()
        model.fit(mnist.x_train, mnist.y_train, epochs=2, batch_size=64, verbose=0)
        if recompile:                       # a fresh optimizer, the trained weights kept
            model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(
                from_logits=True))
        return model
    return build_trained


class OwnTrainStep(keras.Sequential):
    def train_step(self, data):
        for _ in range(5):
            out = super().train_step(data)
        return out


def own_train_step():
    model = OwnTrainStep([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    return model


BUGGY = classifier("sigmoid", lambda: keras.optimizers.SGD(1e-4))


@pytest.mark.parametrize("answer", [
    classifier(),                                                        # the solution's fix
    classifier("softmax", from_logits=False),                            # probabilities instead
    classifier(optimizer=lambda: keras.optimizers.SGD(0.1, momentum=0.9)),  # SGD, a sane rate
    functional_softmax,
])
def test_fixed_classifier_accepts_fixes_written_differently(answer):
    assert check.fixed_classifier(answer, seed=7) is True


@pytest.mark.parametrize("answer, message", [
    (BUGGY, r"went from 2\.\d+ to 2\.\d+ .*One bug at least: every score your model outputs "
            r"lies between 0 and 1"),
    (classifier("sigmoid"), "lies between 0 and 1 and the rows are not probabilities"),
    (classifier(optimizer=lambda: keras.optimizers.SGD(1e-4)), "The loss hardly moved"),
    (classifier(optimizer=lambda: keras.optimizers.SGD(0.01)), "It learns, but too slowly"),
    (classifier(compile_it=False), "returned a model that is not compiled"),
    (trained_then_returned(classifier()), r"optimizer has already taken 94 steps"),
    (trained_then_returned(classifier(), recompile=True),
     r"Before any training, .* already gets \d+% of 500 validation digits right"),
    (own_train_step, "replaces Keras' `train_step`"),
    (lambda: keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                               keras.layers.Dense(1)]), "not compiled"),
])
def test_fixed_classifier_rejects_models_that_cannot_learn(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.fixed_classifier(answer, seed=7)


def test_fixed_classifier_wrong_output_shape_is_named():
    def one_score():
        model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                                  keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        return model
    rejects(check.fixed_classifier, one_score,
            match=r"should give 500 rows of 10 scores.*\(500, 1\)")


def test_fixed_classifier_wrong_input_shape_gets_a_verdict():
    def flat_inputs():
        model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(
            from_logits=True))
        return model
    rejects(check.fixed_classifier, flat_inputs,
            match=r"on a batch of shape \(500, 28, 28\) raised")


@pytest.mark.parametrize("answer, message", [
    (None, "`fixed_classifier` is None"),
    (BUGGY(), r"Pass the function, `check\.fixed_classifier\(fixed_classifier\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda: None, "did you forget to `return` the model"),
    (lambda: keras.Sequential, "returned the class Sequential"),
    (stub_for("4.3", "write `fixed_classifier()`"), r"^Exercise 4\.3 is yours"),
])
def test_fixed_classifier_odd_answers_get_a_verdict(answer, message):
    rejects(check.fixed_classifier, answer, match=message)


def test_fixed_classifier_rejects_a_lookup_table_of_an_earlier_run():
    # It hands back the model the checker trained last time: the optimizer has moved.
    rejects(check.fixed_classifier, lookup_table(check.fixed_classifier, classifier()),
            match=r"optimizer has already taken 100 steps")


def test_fixed_classifier_draws_its_batch_afresh():
    assert check.fixed_classifier(classifier()) is True
    assert check.fixed_classifier.draws


def wide_dropout(rate=0.3, lr=2e-3):
    def build():
        model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                                  keras.layers.Dense(256, activation="relu"),
                                  keras.layers.Dropout(rate),
                                  keras.layers.Dense(256, activation="relu"),
                                  keras.layers.Dropout(rate),
                                  keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy")
        return model
    return build


def test_digit_model_accepts_a_model_that_reaches_the_target():
    # Probabilities and the loss's default (the solution outputs logits): also right.
    assert check.build_digit_model(wide_dropout()) is True


def conv_net():
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3),
                              keras.layers.Flatten(), keras.layers.Dense(10)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    return model


@pytest.mark.parametrize("answer, message", [
    (classifier(hidden=()), r"gets 8\d\.\d% of the 1,000 validation digits right; the target "
                            r"is at least 94%\.$"),   # a linear model falls short
    (classifier(optimizer=lambda: keras.optimizers.SGD(1e-5)),
     r"right; the target is at least 94%\. That is barely better than guessing"),
    (conv_net, r"has a convolution .*lesson 07"),
    (classifier(hidden=(512, 512)), r"669,706 parameters; keep it to 300,000 at most"),
    (own_train_step, "replaces Keras' `train_step`"),
    (trained_then_returned(classifier(hidden=(256,))), "optimizer has already taken 94 steps"),
    (trained_then_returned(classifier(hidden=(256,)), recompile=True), "Before any training"),
    (classifier(compile_it=False), "not compiled"),
])
def test_digit_model_rejects_models_that_miss_the_target_or_the_rules(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.build_digit_model(answer)


def test_digit_model_gives_one_answer_one_verdict():
    """Trained from the kit's OUTCOME_SEED, not a drawn one: the same model, the same accuracy."""
    messages = []
    for _ in range(2):
        with pytest.raises(ExerciseFailed) as info:
            check.build_digit_model(classifier(hidden=()))
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "seed" not in messages[0]


@pytest.mark.parametrize("answer, message", [
    (None, "`build_digit_model` is None"),
    (wide_dropout()(), r"Pass the function, `check\.build_digit_model\(build_digit_model\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda: "a model", r"should return a Keras model; it returned 'a model' \(str\)"),
    (stub_for("4.4", "build a model that reaches 94 % validation accuracy in 10 epochs"),
     r"^Exercise 4\.4 is yours: build a model"),
])
def test_digit_model_odd_answers_get_a_verdict(answer, message):
    rejects(check.build_digit_model, answer, match=message)
