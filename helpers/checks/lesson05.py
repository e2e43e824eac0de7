"""Checkers for lesson 05 (Generalisation).

Conventions the lesson states and these checkers test: binary labels have the positive class 1
and may come as ints, floats 0.0/1.0, booleans or Python lists. Precision is 0 when nothing is
predicted positive, recall is 0 when there are no positives, and F1 is 0 when precision and
recall are both 0 (scikit-learn's `zero_division=0`). A confusion matrix has one row per true
class and one column per predicted class. A threshold predicts positive where
`score >= threshold`.

5.1 to 5.3 run fixed edge cases first (zero denominators, absent classes, ties, exact
boundaries, one example), then cases drawn from `rng`, fresh on every call. 5.4 is judged by an
outcome: it hands the learner's function the checker's own `make_mlp`, trains the model it
returns with section 4's budget and the kit's OUTCOME_SEED, and measures the validation loss
itself (about five seconds); it never trusts a number the learner reports.
"""

import itertools
import math

import numpy as np

from helpers.checks import (
    OUTCOME_SEED,
    Reject,
    as_array,
    as_number,
    call,
    exercise,
    expect_shape,
    need_callable,
    short,
)

_KINDS = ("int", "float32", "float64", "bool", "list")


def _as_kind(labels, kind):
    """0/1 (or 0..k-1) integer labels in one of the forms a learner may be handed."""
    labels = np.asarray(labels).astype(int)
    if kind == "list":
        return labels.tolist()
    if kind == "bool":
        return labels.astype(bool)
    return labels.astype(kind)


def _describe(values):
    """A compact description of labels or scores for messages."""
    if isinstance(values, list):
        return f"the Python list {short(values, 50)}" if len(values) <= 12 else \
            f"a Python list of {len(values)} values"
    array = np.asarray(values)
    if array.size <= 12:
        return f"{short(array, 60)} ({array.dtype})"
    return f"{array.size} {array.dtype} values"


def _close(a, b, tol=1e-6):
    return bool(np.allclose(a, b, rtol=tol, atol=tol))


# Exercise 5.1 --------------------------------------------------------------------------------

def _counts(y_true, y_pred):
    t = np.asarray(y_true, dtype=float) == 1
    p = np.asarray(y_pred, dtype=float) == 1
    return int(np.sum(t & p)), int(np.sum(~t & p)), int(np.sum(t & ~p))


def _reference_prf(y_true, y_pred):
    tp, fp, fn = _counts(y_true, y_pred)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _prf_fixed_cases():
    """(name, y_true, y_pred): the edge cases, the same on every call."""
    fixed = np.random.default_rng(51)
    y = (fixed.random(200) < 0.1).astype(int)
    guess = np.where(fixed.random(200) < 0.85, y, 1 - y)
    return [
        ("200 labels, 10% positive", y, guess),
        ("Python lists", [1, 0, 0, 1, 1, 0, 0, 0, 1, 0], [1, 0, 1, 1, 0, 0, 0, 0, 0, 0]),
        ("every label and prediction 0", np.zeros(6, dtype=int), np.zeros(6, dtype=int)),
        ("no positive predicted", np.array([0, 1, 0, 1, 0, 0]), np.zeros(6, dtype=int)),
        ("every label positive", np.ones(8, dtype=int), np.array([1, 1, 0, 1, 0, 1, 1, 1])),
        ("no positive label", np.zeros(7, dtype=int), np.array([0, 1, 0, 0, 1, 0, 0])),
        ("every prediction wrong (TP = 0)", np.array([1, 0, 1, 0, 0]),
         np.array([0, 1, 0, 1, 1])),
        ("all right", np.array([1, 0, 1, 0]), np.array([1, 0, 1, 0])),
        ("boolean arrays", np.array([True, False, True, True, False]),
         np.array([True, True, False, True, False])),
        ("float labels 0.0/1.0", np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0], "float32"),
         np.array([1.0, 1.0, 0.0, 1.0, 0.0, 1.0])),
        ("one example, a true positive", [1], [1]),
    ]


def _prf_random_cases(rng):
    """Drawn lazily, so that a failure on a fixed case draws nothing (and names no seed)."""
    for size in (int(rng.integers(20, 400)), int(rng.integers(20, 400)),
                 int(rng.integers(5, 60)), int(rng.integers(1, 8)), int(rng.integers(1, 8))):
        rate, accuracy = rng.uniform(0.02, 0.7), rng.uniform(0.4, 0.98)
        y = (rng.random(size) < rate).astype(int)
        guess = np.where(rng.random(size) < accuracy, y, 1 - y)
        kind_t, kind_p = rng.choice(_KINDS, size=2)
        yield (f"{size} random labels (a random case)", _as_kind(y, kind_t),
               _as_kind(guess, kind_p))


def _three_numbers(value, what):
    if isinstance(value, dict):
        raise Reject(f"{what} should return a tuple (precision, recall, f1); yours returned a "
                     f"dict with keys {short(list(value), 40)}.")
    array = as_array(value, what)
    if array.shape != (3,):
        raise Reject(f"{what} should return three numbers, (precision, recall, f1); yours "
                     f"returned {short(value, 50)} (shape {array.shape}).")
    return array


def _zero_division(got, tp, fp, fn):
    """The lesson's convention for a zero denominator, broken: a message, or None."""
    precision, recall = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
    rules = [
        (tp + fp == 0, 0, "precision", "nothing is predicted positive (TP + FP = 0)"),
        (tp + fn == 0, 1, "recall", "there are no positive labels (TP + FN = 0)"),
        (precision + recall == 0, 2, "F1", "precision and recall are both 0"),
    ]
    for applies, index, name, why in rules:
        if applies and not (np.isfinite(got[index]) and abs(got[index]) <= 1e-6):
            return (f"here {why}, so the lesson's convention makes {name} 0; yours gave "
                    f"{short(float(got[index]))}.")
    return None


@exercise("5.1", forbid=("sklearn.metrics.precision_score", "sklearn.metrics.recall_score",
                         "sklearn.metrics.f1_score", "sklearn.metrics.fbeta_score",
                         "sklearn.metrics.precision_recall_fscore_support",
                         "sklearn.metrics.classification_report", "keras.metrics.Precision",
                         "keras.metrics.Recall", "keras.metrics.F1Score",
                         "keras.metrics.FBetaScore"))
def precision_recall_f1(answer, rng):
    """Edge cases (every zero denominator, one example, lists, floats, booleans), then random
    labels of every kind."""
    need_callable(answer, "precision_recall_f1")
    count = 0
    for name, y_true, y_pred in itertools.chain(_prf_fixed_cases(), _prf_random_cases(rng)):
        count += 1
        what = (f"precision_recall_f1(y_true, y_pred) with {name}, y_true = "
                f"{_describe(y_true)}, y_pred = {_describe(y_pred)}")
        got = _three_numbers(call(answer, y_true, y_pred, name="precision_recall_f1"), what)
        want = np.array(_reference_prf(y_true, y_pred))
        tp, fp, fn = _counts(y_true, y_pred)
        counts = f"(TP = {tp}, FP = {fp}, FN = {fn})"
        if _close(got, want):
            continue
        broken = _zero_division(got, tp, fp, fn)
        if broken:
            raise Reject(f"{what} {counts}: {broken}")
        shown = f"should be {short(want)} {counts}; yours gave {short(got)}."
        if isinstance(y_true, list) or isinstance(y_pred, list):
            as_arrays = _three_numbers(call(answer, np.asarray(y_true), np.asarray(y_pred),
                                            name="precision_recall_f1"), what)
            if _close(as_arrays, want):
                raise Reject(f"{what} {shown} The same labels as NumPy arrays give the right "
                             "numbers: your code does not work when they come as Python "
                             "lists.")
        if not np.all(np.isfinite(got)):
            raise Reject(f"{what} {shown}")
        if not np.isclose(want[0], want[1]) and _close(got, want[[1, 0, 2]]):
            raise Reject(f"{what} {shown} Precision and recall are swapped.")
        if _close(got[:2], want[:2]):
            mean = (want[0] + want[1]) / 2
            hint = (" That is the arithmetic mean of precision and recall; F1 is not."
                    if not np.isclose(mean, want[2]) and np.isclose(got[2], mean, atol=1e-6)
                    else "")
            raise Reject(f"{what} {counts}: precision and recall are right, but F1 should be "
                         f"{want[2]:.6g}; yours gave {got[2]:.6g}.{hint}")
        flipped = _reference_prf(1 - np.asarray(y_true, dtype=float),
                                 1 - np.asarray(y_pred, dtype=float))
        if not _close(flipped, want) and _close(got, flipped):
            raise Reject(f"{what} {shown} Those are the numbers for class 0; the positive "
                         "class is 1.")
        raise Reject(f"{what} {shown}")
    return (f"right on {count} cases: every zero denominator, one example, lists, floats, "
            "booleans, and random labels.")


# Exercise 5.2 --------------------------------------------------------------------------------

def _reference_confusion(y_true, y_pred, k):
    matrix = np.zeros((k, k), dtype=int)
    np.add.at(matrix, (np.asarray(y_true, dtype=float).astype(int),
                       np.asarray(y_pred, dtype=float).astype(int)), 1)
    return matrix


def _confusion_fixed_cases():
    """(name, y_true, y_pred, k): the edge cases, the same on every call."""
    fixed = np.random.default_rng(52)
    y = fixed.integers(0, 10, size=300)
    guess = np.where(fixed.random(300) < 0.7, y, fixed.integers(0, 10, size=300))
    y4 = fixed.integers(0, 3, size=40)                     # class 3 never occurs
    guess4 = np.where(fixed.random(40) < 0.6, y4, fixed.integers(0, 3, size=40))
    return [
        ("300 labels in 0..9, k = 10", y, guess, 10),
        ("Python lists, k = 3", [0, 2, 1, 1, 0, 2, 2], [0, 1, 1, 2, 0, 2, 0], 3),
        ("labels in 0..2 but k = 4 (class 3 never occurs)", y4, guess4, 4),
        ("float labels 0.0/1.0, k = 2", np.array([0.0, 1.0, 1.0, 0.0, 1.0], "float32"),
         np.array([0.0, 1.0, 0.0, 0.0, 1.0]), 2),
        ("every prediction 0, k = 2", np.array([0, 1, 1, 0, 1]), np.zeros(5, dtype=int), 2),
        ("one example, k = 5", np.array([4]), np.array([1]), 5),
        ("one class, k = 1", np.zeros(4, dtype=int), np.zeros(4, dtype=int), 1),
    ]


def _confusion_random_cases(rng):
    """Drawn lazily, so that a failure on a fixed case draws nothing (and names no seed)."""
    for size in (int(rng.integers(50, 400)), int(rng.integers(10, 80)),
                 int(rng.integers(1, 10))):
        k = int(rng.integers(2, 13))
        weights = rng.dirichlet(np.full(k, 0.7))            # some classes rare or absent
        y = rng.choice(k, size=size, p=weights)
        guess = np.where(rng.random(size) < rng.uniform(0.3, 0.9), y,
                         rng.integers(0, k, size=size))
        kind = rng.choice(("int", "float32", "float64", "list"))
        yield (f"{size} random labels in 0..{k - 1} (a random case), k = {k}",
               _as_kind(y, kind), _as_kind(guess, kind), k)


# Both names end in `confusion_matrix`, and the kit names the forbidden function by that last
# part: the one listed last (scikit-learn's, which the exercise mentions) is the one it names.
@exercise("5.2", forbid=("tf.math.confusion_matrix", "sklearn.metrics.confusion_matrix"))
def confusion_matrix(answer, rng):
    """Edge cases (an absent class, one example, one class, lists, floats), then random labels
    with up to 12 classes."""
    need_callable(answer, "confusion_matrix")
    count = 0
    cases = itertools.chain(_confusion_fixed_cases(), _confusion_random_cases(rng))
    for name, y_true, y_pred, k in cases:
        count += 1
        what = (f"confusion_matrix(y_true, y_pred, {k}) with {name}, y_true = "
                f"{_describe(y_true)}, y_pred = {_describe(y_pred)}")
        got = as_array(call(answer, y_true, y_pred, k, name="confusion_matrix"), what)
        want = _reference_confusion(y_true, y_pred, k)
        if got.shape != (k, k) and got.ndim == 2 and got.shape[0] == got.shape[1]:
            raise Reject(f"{what} should have shape ({k}, {k}), one row and one column per "
                         f"class 0..{k - 1}, even for classes that never occur; yours has "
                         f"shape {got.shape}.")
        expect_shape(got, (k, k), what)
        if not np.all(np.isfinite(got)) or np.any(got != np.round(got)):
            raise Reject(f"{what} should hold whole-number counts; yours has "
                         f"{short(got)}.")
        if np.array_equal(got, want):
            continue
        if not np.array_equal(want, want.T) and np.array_equal(got, want.T):
            raise Reject(f"{what} is transposed: rows are the true classes and columns the "
                         "predicted ones, so entry [i, j] counts examples of class i "
                         "predicted as j.")
        once = (want > 0).astype(int)
        if not np.array_equal(once, want) and np.array_equal(got, once):
            i, j = (int(a) for a in np.argwhere(want == want.max())[0])
            raise Reject(f"{what}: every entry of yours is 0 or 1, but several examples fall "
                         f"into the same cell ({want[i, j]} at [{i}, {j}]): each example must "
                         "add 1, also when its (true, predicted) pair came up before. (Both "
                         "`m[t, p] = 1` and `m[t, p] += 1` on whole index arrays do this.)")
        if got.sum() != want.sum():
            raise Reject(f"{what}: the counts should add up to {want.sum()}, one per example; "
                         f"yours add up to {short(float(got.sum()))}.")
        i, j = (int(a) for a in np.argwhere(got != want)[0])
        raise Reject(f"{what} is wrong at [{i}, {j}] (true class {i}, predicted {j}): it "
                     f"should be {want[i, j]}, yours gave {short(float(got[i, j]))}.")
    return (f"right on {count} cases: a class that never occurs, one example, one class, "
            "lists, floats, and random labels with up to 12 classes.")


# Exercise 5.3 --------------------------------------------------------------------------------

def _recall_at(y_true, scores, threshold):
    positive = np.asarray(y_true, dtype=float) == 1
    return float(np.mean(np.asarray(scores, dtype=float)[positive] >= threshold))


def _reference_threshold(y_true, scores, target, strict=False, above=False):
    """The highest score t with recall(scores >= t) >= target (tried one by one); with
    `strict`, the mistaken version that counts only scores > t; with `above`, the one that
    asks for a recall above the target, not at least the target."""
    positives = np.asarray(scores, dtype=float)[np.asarray(y_true, dtype=float) == 1]
    for t in np.sort(np.unique(np.asarray(scores, dtype=float)))[::-1]:
        recall = np.mean(positives > t if strict else positives >= t)
        if recall > target if above else recall >= target:
            return float(t)
    return float("nan")


def _threshold_fixed_cases():
    """(name, y_true, scores, target): the edge cases, the same on every call."""
    fixed = np.random.default_rng(53)
    y = (fixed.random(400) < 0.1).astype(int)
    y[:3] = 1
    scores = np.clip(fixed.normal(0.3 + 0.4 * y, 0.15), 0, 1)
    y2 = (fixed.random(120) < 0.3).astype(int)
    y2[0] = 1
    ties = np.round(fixed.random(120) * 0.5 + 0.4 * y2, 1)        # many equal scores
    y3 = np.array([0, 1, 0, 1, 1, 0, 0, 1])
    s3 = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])      # a negative scores highest
    return [
        ("400 scores, 10% positive", y, scores.astype("float32"), 0.9),
        ("120 scores with many ties (rounded to 0.1)", y2, ties, 0.8),
        ("a negative scores highest", y3, s3, 0.75),       # recall exactly 0.75 is enough
        ("the same labels and scores", y3, s3, 0.75 + 1e-9),   # just above: 0.75 is not
        ("Python lists", y3.tolist(), s3.tolist(), 1.0),
        ("float labels 0.0/1.0", y3.astype(float), s3, 0.3),
        ("one positive among five", np.array([0, 0, 1, 0, 0]),
         np.array([0.1, 0.9, 0.4, 0.2, 0.6]), 0.6),
        ("a negative tied with the positive that sets the threshold",
         np.array([1, 0, 1, 1, 0]), np.array([0.9, 0.7, 0.7, 0.3, 0.1]), 0.5),
        ("two positives tied at the top", np.array([1, 1, 0, 1]),
         np.array([0.8, 0.8, 0.5, 0.2]), 0.5),
    ]


def _exact_target(k, positives):
    """k / positives if that fraction survives the float round trip in both usual
    formulations (a recall reached exactly); else a target safely between two recalls."""
    target = k / positives
    if math.ceil(target * positives) == k and np.mean(np.arange(positives) < k) >= target:
        return target
    return (k - 0.5) / positives


def _threshold_random_cases(rng):
    """Drawn lazily, so that a failure on a fixed case draws nothing (and names no seed)."""
    for size, tied in ((int(rng.integers(50, 400)), False), (int(rng.integers(30, 200)), True),
                       (int(rng.integers(5, 30)), bool(rng.integers(2))),
                       (int(rng.integers(2, 8)), True)):
        y = (rng.random(size) < rng.uniform(0.1, 0.6)).astype(int)
        y[rng.integers(size)] = 1                                  # at least one positive
        scores = np.clip(rng.normal(0.35 + rng.uniform(0, 0.4) * y, 0.2), 0, 1)
        if tied:
            scores = np.round(scores, int(rng.integers(1, 3)))
        positives = int(y.sum())
        k = int(rng.integers(1, positives + 1))
        target = _exact_target(k, positives) if rng.random() < 0.6 else \
            float(rng.uniform((k - 1) / positives, k / positives)) or k / positives
        kind = rng.choice(("int", "float64", "list"))
        scores = scores.astype(rng.choice(("float32", "float64")))
        yield (f"{size} random scores{' with ties' if tied else ''} (a random case)",
               _as_kind(y, kind), scores.tolist() if kind == "list" else scores, target)


@exercise("5.3")
def threshold_for_recall(answer, rng):
    """Edge cases (ties, a recall exactly at the target, a single positive, lists), then
    random scores with and without ties."""
    need_callable(answer, "threshold_for_recall")
    count = 0
    cases = itertools.chain(_threshold_fixed_cases(), _threshold_random_cases(rng))
    for name, y_true, scores, target in cases:
        count += 1
        what = (f"threshold_for_recall(y_true, scores, {target:.12g}) with {name}, y_true = "
                f"{_describe(y_true)}, scores = {_describe(scores)}")
        got = as_number(call(answer, y_true, scores, target, name="threshold_for_recall"),
                        what)
        want = _reference_threshold(y_true, scores, target)
        if np.isclose(got, want, rtol=0, atol=1e-6):
            continue
        if np.isnan(got):
            raise Reject(f"{what} should be {want:.6g}; yours gave NaN.")
        recall = _recall_at(y_true, scores, got)
        n_pos = int(np.sum(np.asarray(y_true, dtype=float) == 1))
        if recall < target:
            raise Reject(f"{what} should be {want:.6g}; yours gave {got:.6g}, where "
                         f"`scores >= {got:.6g}` catches only {recall:.4g} of the {n_pos} "
                         f"positives, below the target {target:.6g}: the threshold is too high.")
        strict = np.isclose(got, _reference_threshold(y_true, scores, target, strict=True),
                            rtol=0, atol=1e-6)
        above = _recall_at(y_true, scores, want) == target and np.isclose(
            got, _reference_threshold(y_true, scores, target, above=True), rtol=0, atol=1e-6)
        if strict:
            hint = (f" At {want:.6g} itself, the positives that score exactly {want:.6g} count "
                    "as predicted positive, and that is enough.")
        elif above:
            hint = (f" At {want:.6g} the recall is exactly the target, {target:.12g}, and "
                    "reaching the target is enough.")
        else:
            hint = ""
        raise Reject(f"{what} should be {want:.6g}; yours gave {got:.6g}. Yours reaches the "
                     f"target (recall {recall:.4g}), but {want:.6g} does too, and it is higher."
                     f"{hint}")
    return (f"right on {count} cases: ties, a recall exactly at the target, a single "
            "positive, lists, float labels, and random scores.")


# Exercise 5.4 --------------------------------------------------------------------------------

TARGET_LOSS, EPOCHS, BATCH, N_TRAIN = 0.35, 30, 128, 1000


class _Builder:
    """The checker's own copy of section 3's `make_mlp(l2=..., dropout=...)`: the same network,
    starting weights and optimizer, whatever the learner passes. It remembers what it built and
    what it was asked for."""

    def __init__(self, keras):
        self.keras, self.built, self.asked, self.other = keras, [], [], set()

    def __call__(self, *args, l2=0.0, dropout=0.0, **other):
        keras = self.keras
        self.other.update(other)
        if args:
            self.other.add("positional arguments")
        self.asked.append((l2, dropout))
        l2, dropout = float(l2), float(dropout)
        if not (0.0 <= l2 < 1.0 and 0.0 <= dropout < 1.0):
            raise ValueError(f"make_mlp takes 0 <= l2 < 1 and 0 <= dropout < 1; got l2={l2:g}, "
                             f"dropout={dropout:g}")
        keras.utils.set_random_seed(0)                    # as make_mlp: the same start
        penalty = keras.regularizers.L2(l2) if l2 else None
        model = keras.Sequential([
            keras.Input((28, 28)), keras.layers.Flatten(),
            keras.layers.Dense(256, activation="relu", kernel_regularizer=penalty),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(10, activation="softmax", kernel_regularizer=penalty)])
        model.compile(optimizer=keras.optimizers.Adam(3e-3),
                      loss="sparse_categorical_crossentropy")
        self.built.append(model)
        return model


def _accuracy_and_loss(model, x, y):
    """Accuracy and mean cross-entropy (no penalty) in inference mode, as section 3 scores."""
    p = np.asarray(model(x, training=False), dtype=float)
    picked = np.clip(p[np.arange(len(y)), y], 1e-7, 1.0)
    return float(np.mean(p.argmax(axis=1) == y)), float(-np.mean(np.log(picked)))


@exercise("5.4")
def regularised_mlp(answer):
    """Calls the answer with the checker's own `make_mlp`, trains the model it returns as
    section 4 does (1,000 training images, 30 epochs of 128 in section 4's order, the dropout
    masks from the kit's OUTCOME_SEED) and measures its validation loss itself. Measured over 6
    seeds: l2 = 0.001 with dropout 0.5 gives 0.310-0.327, dropout 0.5 alone 0.343-0.354."""
    from helpers import data
    from helpers.startup import import_keras

    keras = import_keras()
    need_callable(answer, "regularised_mlp")
    mnist = data.load_mnist()
    make_mlp = _Builder(keras)
    model = call(answer, make_mlp, name="regularised_mlp")
    if make_mlp.other:
        raise Reject(f"`regularised_mlp` asked make_mlp for {sorted(make_mlp.other)[0]}: this "
                     "exercise changes only `l2` and `dropout` (keyword arguments), and keeps "
                     "everything else as section 3 has it.")
    if model is None:
        raise Reject("`regularised_mlp(make_mlp)` returned None: return the model that "
                     "make_mlp builds.")
    if not any(model is built for built in make_mlp.built):
        raise Reject("`regularised_mlp(make_mlp)` should return the model that the make_mlp it "
                     f"is given builds; it returned a {type(model).__name__} that make_mlp did "
                     "not build. Build it with that make_mlp, once, and do not train it: the "
                     "checker trains it.")
    l2, dropout = make_mlp.asked[[m is model for m in make_mlp.built].index(True)]
    if int(model.optimizer.iterations):
        raise Reject(f"`regularised_mlp` trained the model ({int(model.optimizer.iterations):,} "
                     "steps) before returning it; return it untrained: the checker trains it.")
    chosen = f"l2 = {float(l2):g}, dropout = {float(dropout):g}"
    import tensorflow as tf

    x, y = mnist.x_train[:N_TRAIN], mnist.y_train[:N_TRAIN]
    keras.utils.set_random_seed(OUTCOME_SEED)             # the dropout masks
    batches = (tf.data.Dataset.from_tensor_slices((x, y)).cache()   # section 3's batches
               .shuffle(N_TRAIN, seed=0).batch(BATCH).prefetch(tf.data.AUTOTUNE))
    model.fit(batches, epochs=EPOCHS, verbose=0, shuffle=False)
    train_acc, _ = _accuracy_and_loss(model, x, y)
    val_acc, val_loss = _accuracy_and_loss(model, *mnist.val)
    result = (f"with {chosen}, trained as in section 4, the network reaches a validation loss "
              f"of {val_loss:.3f} (validation accuracy {val_acc:.1%}, training accuracy "
              f"{train_acc:.1%})")
    if val_loss <= TARGET_LOSS:
        return f"{result}: at most {TARGET_LOSS} as asked."
    if not l2 and not dropout:
        hint = " That is the base network, with no regularisation at all."
    elif train_acc < 0.97:
        hint = (" The network no longer fits even its training images: that much "
                "regularisation holds it back (underfitting). Try less.")
    else:
        hint = (" It still fits its training images almost perfectly: it still overfits. Try "
                "more, or combine the two kinds.")
    raise Reject(f"{result[0].upper()}{result[1:]}; the target is at most {TARGET_LOSS}.{hint}")
