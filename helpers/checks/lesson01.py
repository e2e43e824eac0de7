"""Checkers for lesson 01 (Why deep learning?).

Conventions the lesson states and these checkers test: labels are non-negative integers;
accuracy is a fraction in [0, 1], and class scores (n, k) predict their row's argmax; the
majority baseline breaks ties towards the smallest label; standardising uses the training
set's mean and its std with np.std's default (divide by n), and a constant column is only
centred; the XOR rule labels 1 where the two coordinates have opposite signs.
"""

import numpy as np

from helpers.checks import (Reject, as_array, as_number, call, exercise, expect_finite,
                            expect_shape, need_callable, short)


def _fmt_point(v):
    return "(" + ", ".join(f"{float(a):.3g}" for a in np.ravel(v)) + ")"


def _integer_labels(value, n, what, allowed=None):
    """`value` as an int array of shape (n,), or a Reject saying what is off."""
    out = as_array(value, what)
    if out.shape in ((n, 1), (1, n)) and n > 1:
        raise Reject(f"{what} should have shape ({n},), one label per row; yours has shape "
                     f"{out.shape}. Flatten it.")
    expect_shape(out, (n,), what)
    expect_finite(out, what)
    if np.any(out != np.round(out)):
        raise Reject(f"{what} should hold whole-number labels; yours has "
                     f"{short(np.unique(out[out != np.round(out)]))}.")
    if allowed is not None:
        odd = out[~np.isin(out, allowed)]
        if odd.size:
            raise Reject(f"{what} should hold only the labels {list(allowed)}; yours has "
                         f"{short(np.unique(odd))}.")
    return out.astype(int)


# Exercise 1.1 --------------------------------------------------------------------------------

def _reference_accuracy(y_true, y_pred):
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        y_pred = y_pred.argmax(axis=1)
    return float(np.mean(np.asarray(y_true) == y_pred))


def _softmax_scores(rng, labels, k, right):
    """(n, k) probabilities whose argmax equals `labels` where `right`, another class elsewhere."""
    n = len(labels)
    logits = rng.normal(size=(n, k))
    top = np.where(right, labels, (labels + rng.integers(1, k, size=n)) % k)
    logits[np.arange(n), top] += 4.0
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype("float32")


def _accuracy_cases():
    rng = np.random.default_rng(11)
    y = rng.integers(0, 10, size=50)
    guess = np.where(rng.random(50) < 0.7, y, rng.integers(0, 10, size=50))
    cases = [("labels, 10 classes", y, guess),
             ("all right", np.array([0, 1, 1, 0]), np.array([0, 1, 1, 0])),
             ("all wrong", np.array([0, 1, 1, 0]), np.array([1, 0, 0, 1])),
             ("one point", np.array([3]), np.array([3])),
             ("Python lists", [2, 0, 1, 1, 2, 0, 0], [2, 1, 1, 1, 0, 0, 0])]
    y3 = rng.integers(0, 3, size=40)
    cases.append(("scores of shape (40, 3)", y3, _softmax_scores(rng, y3, 3, rng.random(40) < 0.6)))
    y2 = rng.integers(0, 2, size=25)
    cases.append(("scores of shape (25, 2)", y2, _softmax_scores(rng, y2, 2, rng.random(25) < 0.8)))
    return cases


@exercise("1.1")
def accuracy(answer):
    """Label arrays, lists, all right / all wrong, one point, and (n, k) class scores."""
    need_callable(answer, "accuracy")
    for name, y_true, y_pred in _accuracy_cases():
        n = len(y_true)
        what = f"accuracy(y_true, y_pred) with {name}"
        given_true = y_true.copy() if isinstance(y_true, np.ndarray) else list(y_true)
        given_pred = y_pred.copy() if isinstance(y_pred, np.ndarray) else list(y_pred)
        scores = np.asarray(y_pred).ndim == 2
        try:
            got = as_number(call(answer, given_true, given_pred, name="accuracy"), what)
        except Reject as reason:
            if not scores:
                raise
            raise Reject(f"{str(reason).strip()} For class scores of shape (n, k), first turn each row "
                         "into its predicted label: y_pred.argmax(axis=1).") from None
        want = _reference_accuracy(y_true, y_pred)
        if np.isclose(got, want, rtol=0, atol=1e-6):
            continue
        correct = round(want * n)
        if isinstance(y_true, list):
            hint = (" The labels came as Python lists here: turn them into arrays first "
                    "(np.asarray), since == on two lists gives a single True or False.")
        elif scores:
            hint = (" For scores of shape (n, k), a row's predicted label is the index of its "
                    "largest score: y_pred.argmax(axis=1).")
        elif np.isclose(got, correct) and n > 1:
            hint = f" That is the number of right answers ({correct}); divide by n = {n}."
        elif np.isclose(got, 1 - want):
            hint = " That is the error rate (fraction wrong), not the fraction right."
        elif n > 1 and (np.isclose(got, correct / (n - 1)) or np.isclose(got, correct / (n + 1))):
            hint = f" Divide the number of right answers by n = {n}, the number of labels."
        else:
            hint = ""
        raise Reject(f"{what} should be {want:.4g} ({correct} of {n} right); yours gave "
                     f"{got:.4g}.{hint}")
    return "right on labels, lists, one point, and class scores of shape (n, k)."


# Exercise 1.2 --------------------------------------------------------------------------------

def _reference_majority(y_train, n):
    counts = np.bincount(np.asarray(y_train))
    return np.full(n, counts.argmax(), dtype=int)  # argmax returns the first (smallest) of ties


def _majority_cases():
    rng = np.random.default_rng(12)
    big = rng.choice(10, size=300, p=[.05, .05, .1, .1, .25, .1, .1, .1, .1, .05])
    return [("[0, 1, 1, 2, 1]", np.array([0, 1, 1, 2, 1]), 5),
            ("300 labels in 0..9", big, 40),
            ("[7, 9, 7] (labels need not start at 0)", np.array([7, 9, 7]), 3),
            ("[3, 3, 1, 1, 2] (a tie between 3 and 1)", np.array([3, 3, 1, 1, 2]), 4),
            ("[2, 0, 2, 0] (a tie between 2 and 0)", np.array([2, 0, 2, 0]), 6),
            ("[4] (one label)", np.array([4]), 1),
            ("a Python list [1, 0, 0]", [1, 0, 0], 2),
            ("[1, 1, 0] and n = 0", np.array([1, 1, 0]), 0)]


@exercise("1.2")
def majority_baseline(answer):
    """Ordinary label sets, ties (smallest label wins), gaps in the labels, lists, n = 0."""
    need_callable(answer, "majority_baseline")
    for name, y_train, n in _majority_cases():
        what = f"majority_baseline(y_train, {n}) for y_train = {name}"
        given = y_train.copy() if isinstance(y_train, np.ndarray) else list(y_train)
        got = _integer_labels(call(answer, given, n, name="majority_baseline"), n, what)
        want = _reference_majority(y_train, n)
        if np.array_equal(got, want):
            continue
        counts = np.bincount(np.asarray(y_train))
        best = int(want[0])
        tied = [int(k) for k in np.flatnonzero(counts == counts.max())]
        if len(np.unique(got)) > 1:
            raise Reject(f"{what}: every prediction should be the same label, {best}; yours "
                         f"has {short(np.unique(got))}.")
        mine = int(got[0])
        if len(tied) > 1 and mine in tied:
            raise Reject(f"{what}: labels {list(tied)} are tied (each {counts.max()} times); "
                         f"break the tie towards the smallest, {best}. Yours chose {mine}.")
        seen = int(counts[mine]) if 0 <= mine < len(counts) else 0
        raise Reject(f"{what}: the most common label is {best} ({counts[best]} of "
                     f"{len(y_train)}); yours predicts {mine}, which occurs {seen} "
                     f"time{'' if seen == 1 else 's'}.")
    return "right on 8 label sets, including ties (smallest label wins), lists and n = 0."


# Exercise 1.3 --------------------------------------------------------------------------------

def _stats(x, ddof=0):
    mean, std = x.mean(axis=0), x.std(axis=0, ddof=ddof)
    return mean, np.where(std == 0, 1.0, std)


def _scaled(x, stats):
    mean, std = stats
    return (x - mean) / std


def _standardize_cases():
    rng = np.random.default_rng(13)
    scale = np.array([1.0, 10.0, 0.1, 250.0])
    offset = np.array([0.0, -50.0, 3.0, 1000.0])
    train = rng.normal(size=(50, 4)) * scale + offset
    test = rng.normal(loc=0.8, scale=1.5, size=(20, 4)) * scale + offset  # other statistics
    cases = [("train (50, 4), test (20, 4)", train, test)]
    const_train = rng.normal(size=(30, 3)) * 2 + 1
    const_train[:, 1] = 5.0                     # a constant column: its std is 0
    const_test = rng.normal(size=(10, 3)) * 3
    cases.append(("train (30, 3) whose column 1 is constant, test (10, 3)", const_train,
                  const_test))
    cases.append(("float32 train (40, 2), test (15, 2)",
                  (rng.normal(size=(40, 2)) * 4 + 2).astype("float32"),
                  (rng.normal(size=(15, 2)) * 5 - 1).astype("float32")))
    cases.append(("train (12, 1), a single test row (1, 1)", rng.normal(size=(12, 1)) + 7,
                  np.array([[9.5]])))
    return cases


def _two_arrays(value, what):
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return value
    got = f"{len(value)} things" if isinstance(value, (tuple, list)) else short(value, 40)
    raise Reject(f"{what} should return two arrays, (train_std, test_std); yours returned "
                 f"{got}.")


def _close(a, b):
    return a.shape == b.shape and bool(np.all(np.isclose(a, b, rtol=1e-4, atol=1e-4)))


@exercise("1.3")
def standardize(answer):
    """Shifted test data (so test statistics give other numbers), a constant column, float32,
    a single test row; inputs must not change."""
    need_callable(answer, "standardize")
    for name, train, test in _standardize_cases():
        what = f"standardize(train, test) with {name}"
        given_train, given_test = train.copy(), test.copy()
        out = _two_arrays(call(answer, given_train, given_test, name="standardize"), what)
        if not (np.array_equal(given_train, train) and np.array_equal(given_test, test)):
            raise Reject(f"{what} changed its input arrays in place; leave `train` and `test` "
                         "as they are and return new arrays (x = x - mean makes a new one; "
                         "x -= mean does not).")
        stats = _stats(train.astype(float))
        for part, got, data in (("train_std", out[0], train), ("test_std", out[1], test)):
            got = as_array(got, f"{what}: {part}")
            want = _scaled(data.astype(float), stats)
            expect_shape(got, want.shape, f"{what}: {part}")
            if not np.all(np.isfinite(got)):
                const = np.flatnonzero(train.std(axis=0) == 0)
                hint = (f" Column {int(const[0])} of train is constant (std 0): divide by 1 "
                        "there instead of by 0." if const.size else "")
                raise Reject(f"{what}: {part} contains NaN or infinity.{hint}")
            if _close(got, want):
                continue
            if part == "test_std" and _close(got, _scaled(test.astype(float),
                                                           _stats(test.astype(float)))):
                raise Reject(f"{what}: test_std was scaled with the test set's own mean and "
                             "std. Use the training set's statistics for both: the test set "
                             "stands for new data you have not seen when you fit.")
            if _close(got, _scaled(data.astype(float), _stats(train.astype(float), ddof=1))):
                raise Reject(f"{what}: {part} is off by the factor √(n/(n-1)): use np.std's "
                             "default (ddof=0, divide by n), not ddof=1.")
            if _close(got, -want):
                raise Reject(f"{what}: {part} has the wrong sign; compute (x - mean) / std.")
            i = tuple(int(k) for k in np.argwhere(~np.isclose(got, want, rtol=1e-4,
                                                              atol=1e-4))[0])
            if train[:, i[1]].std() == 0:
                hint = (f" Column {i[1]} of train is constant (std 0): there, only subtract "
                        "the mean (divide by 1).")
            else:
                hint = (" Subtract each column's training mean and divide by its training "
                        "std.")
            raise Reject(f"{what}: {part} is wrong at index {i}: it should be "
                         f"{want[i]:.4g}, yours gave {float(got[i]):.4g}.{hint}")
    return "right on 4 cases: training statistics only, a constant column, float32, one test row."


# Exercise 1.4 --------------------------------------------------------------------------------

def _reference_xor(x):
    return (x[:, 0] * x[:, 1] < 0).astype(int)


def _xor_cases():
    from helpers.data import make_xor

    rng = np.random.default_rng(14)
    uniform = rng.uniform(-2, 2, size=(300, 2))
    uniform[uniform == 0] = 0.5                      # points on an axis are not tested
    blobs, _ = make_xor(n=200, seed=3)
    blobs = blobs[np.all(blobs != 0, axis=1)]
    corners = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    return [("the four corners (±1, ±1)", corners),
            ("300 points uniform in [-2, 2]²", uniform),
            ("make_xor(n=200, seed=3)", blobs.astype("float32")),
            ("one point (0.3, -0.2)", np.array([[0.3, -0.2]]))]


@exercise("1.4")
def xor_rule(answer):
    """The four corners, uniform random points, XOR blobs (float32), a single point."""
    need_callable(answer, "xor_rule")
    for name, x in _xor_cases():
        n = len(x)
        what = f"xor_rule(x) on {name}"
        got = _integer_labels(call(answer, x.copy(), name="xor_rule"), n, what,
                              allowed=(0, 1))
        want = _reference_xor(x.astype(float))
        wrong = np.flatnonzero(got != want)
        if not wrong.size:
            continue
        if wrong.size == n and n > 1:
            raise Reject(f"{what}: every label is flipped. Label 1 where the signs differ "
                         "(one coordinate positive, the other negative), 0 where they agree.")
        i = wrong[0]
        raise Reject(f"{what}: {wrong.size} of {n} points wrong, e.g. {_fmt_point(x[i])} "
                     f"should be {want[i]}, yours gave {got[i]}.")
    return "right on the corners, 300 random points, the XOR blobs and a single point."
