"""Checkers for lesson 01 (Why deep learning?).

Conventions the lesson states and these checkers test: labels are non-negative integers;
accuracy is a fraction in [0, 1], and class scores (n, k) predict their row's argmax, whatever
its size (probabilities whose top is below 0.5, or logits); the majority baseline breaks ties
towards the smallest label; standardising uses the training set's mean and its std with
np.std's default (divide by n), and a constant column is only centred; the XOR rule labels 1
where the two coordinates have opposite signs. Each checker mixes fixed edge cases with cases
drawn from the kit's `rng`, fresh on every call.
"""

import numpy as np

from helpers.checks import (
    Reject,
    as_array,
    as_number,
    call,
    exercise,
    expect_finite,
    expect_shape,
    need_callable,
    one_mistake,
    short,
)


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


def _with_top(rng, scores, labels, right):
    """Swap each row's largest score to its label where `right`, to another class elsewhere."""
    n, k = scores.shape
    top = np.where(right, labels, (labels + rng.integers(1, k, size=n)) % k)
    rows = np.arange(n)
    high = scores.argmax(axis=1)
    scores[rows, high], scores[rows, top] = scores[rows, top], scores[rows, high]
    return scores


def _softmax_scores(rng, labels, k, right):
    """(n, k) float32 probabilities whose top (mostly above 0.5) is the label where `right`."""
    n = len(labels)
    logits = rng.normal(size=(n, k))
    top = np.where(right, labels, (labels + rng.integers(1, k, size=n)) % k)
    logits[np.arange(n), top] += 4.0
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype("float32")


def _low_top_probabilities(rng, labels, k, right):
    """(n, k) probabilities (k >= 3) whose every row's top score is below 0.5."""
    rows = []
    while len(rows) < len(labels):
        p = rng.dirichlet(np.full(k, 3.0))
        if p.max() < 0.5:
            rows.append(p)
    return _with_top(rng, np.array(rows), np.asarray(labels), right)


def _logits(rng, labels, k, right):
    """(n, k) raw scores, most of them negative: no softmax was applied."""
    return _with_top(rng, rng.normal(-2.0, 3.0, size=(len(labels), k)), np.asarray(labels),
                     right)


# Every top score is below 0.5 and no true class scores above 0.5; rows 2 and 4 are wrong.
_LOW_TOP_TRUE = np.array([0, 1, 2, 3, 1, 2])
_LOW_TOP = np.array([[0.40, 0.35, 0.15, 0.10],
                     [0.30, 0.45, 0.20, 0.05],
                     [0.20, 0.42, 0.28, 0.10],
                     [0.10, 0.20, 0.30, 0.40],
                     [0.36, 0.34, 0.20, 0.10],
                     [0.25, 0.10, 0.35, 0.30]])

# Two logits per row, both negative in rows 0 and 5; 5 of 6 right. Cutting the second score
# at 0.5 gets rows 0 and 1 wrong as well.
_LOGITS_2_TRUE = np.array([1, 0, 1, 0, 1, 0])
_LOGITS_2 = np.array([[-3.0, -1.0], [2.5, 1.0], [0.2, 3.1], [-0.5, -2.0], [1.5, -0.3],
                      [-1.2, -4.0]])
# As many rows as classes (3 of 4 right, row 0's top exactly 0.5); the largest score of each
# column would get 2 of 4.
_SQUARE_TRUE = np.array([2, 0, 3, 1])
_SQUARE = np.array([[0.05, 0.42, 0.50, 0.03],
                    [0.32, 0.19, 0.23, 0.26],
                    [0.26, 0.13, 0.15, 0.46],
                    [0.09, 0.03, 0.83, 0.05]])


def _accuracy_cases(rng):
    fixed = np.random.default_rng(11)  # the edge cases are the same on every call
    y = fixed.integers(0, 10, size=50)
    guess = np.where(fixed.random(50) < 0.7, y, fixed.integers(0, 10, size=50))
    cases = [("labels, 10 classes", y, guess),
             ("all right", np.array([0, 1, 1, 0]), np.array([0, 1, 1, 0])),
             ("all wrong", np.array([0, 1, 1, 0]), np.array([1, 0, 0, 1])),
             ("one point", np.array([3]), np.array([3])),
             ("Python lists", [2, 0, 1, 1, 2, 0, 0], [2, 1, 1, 1, 0, 0, 0])]
    y3 = fixed.integers(0, 3, size=40)
    cases.append(("scores of shape (40, 3)", y3,
                  _softmax_scores(fixed, y3, 3, fixed.random(40) < 0.6)))
    y2 = fixed.integers(0, 2, size=25)
    cases.append(("scores of shape (25, 2)", y2,
                  _softmax_scores(fixed, y2, 2, fixed.random(25) < 0.8)))
    cases.append(("probabilities of shape (6, 4), every top score below 0.5", _LOW_TOP_TRUE,
                  _LOW_TOP.copy()))
    y8 = fixed.integers(0, 3, size=8)
    cases.append(("logits of shape (8, 3) (scores before softmax, mostly negative)", y8,
                  _logits(fixed, y8, 3, fixed.random(8) < 0.5)))
    cases.append(("logits of shape (6, 2)", _LOGITS_2_TRUE, _LOGITS_2.copy()))
    cases.append(("scores of shape (1, 5), one point", np.array([3]),
                  np.array([[0.1, 0.2, 0.1, 0.5, 0.1]])))
    cases.append(("scores of shape (4, 4)", _SQUARE_TRUE, _SQUARE.copy()))

    # drawn afresh: labels (array or list), probabilities with low tops, high tops, logits
    n, k = int(rng.integers(1, 80)), int(rng.integers(2, 11))
    y = rng.integers(0, k, size=n)
    guess = np.where(rng.random(n) < rng.uniform(0.2, 0.95), y, rng.integers(0, k, size=n))
    if rng.random() < 0.5:
        cases.append((f"{n} labels as Python lists", y.tolist(), guess.tolist()))
    else:
        cases.append((f"{n} labels", y, guess))
    for kind, k_low, make in (("probabilities, every top below 0.5", 3,
                               _low_top_probabilities),
                              ("probabilities", 2, _softmax_scores),
                              ("logits", 2, _logits)):
        n, k = int(rng.integers(2, 60)), int(rng.integers(k_low, 9))
        y = rng.integers(0, k, size=n)
        scores = make(rng, y, k, rng.random(n) < rng.uniform(0.3, 0.9))
        cases.append((f"{kind} of shape {scores.shape}", y, scores))
    return cases


def _accuracy_hint(got, want, y_true, y_pred):
    """A diagnosis when `got` is what exactly one known slip gives, else ''."""
    n = len(y_true)
    correct = round(want * n)
    t, p = np.asarray(y_true), np.asarray(y_pred)
    candidates = [(correct, f" That is the number of right answers ({correct}), not the "
                            f"fraction of the {n}."),
                  (1 - want, " That is the error rate (the fraction wrong), not the fraction "
                             "right."),
                  (100 * want, " That is a percentage; the task asks for a fraction between "
                               "0 and 1.")]
    if n > 1:
        for m in (n - 1, n + 1):
            candidates.append((correct / m, f" That divides {correct} right answers by {m}; "
                                             f"there are {n} labels."))
    if isinstance(y_true, list) and isinstance(y_pred, list):
        candidates.append((float(y_true == y_pred),
                           " Here y_true and y_pred are Python lists, and == on two lists "
                           "compares the whole lists, giving one True or False (the task says "
                           "labels may come as lists)."))
    if p.ndim == 2:
        candidates.append((np.mean(p[np.arange(n), t] > 0.5),
                           " That is the fraction of rows whose true class scores above 0.5; a "
                           "row's predicted label is its highest-scoring class, even when that "
                           "score is below 0.5 (or when scores are not probabilities)."))
        if p.shape[0] == p.shape[1]:
            candidates.append((np.mean(t == p.argmax(axis=0)),
                               " That takes the largest score of each column; each row of "
                               "y_pred is one point."))
        if p.shape[1] == 2:
            candidates.append((np.mean(t == (p[:, 1] > 0.5)),
                               " That cuts the second score at 0.5; these scores are not "
                               "probabilities, and a row's label is its highest-scoring "
                               "class."))
    candidates = [(v, text) for v, text in candidates if not np.isclose(v, want, atol=1e-6)]
    return one_mistake(got, candidates,
                         lambda a, b: bool(np.isclose(a, b, rtol=0, atol=1e-6))) or ""


@exercise("1.1")
def accuracy(answer, rng):
    """Labels (arrays, lists), all right / all wrong, one point, class scores (n, k):
    probabilities with tops below 0.5, logits, a batch of one, square; and drawn cases."""
    need_callable(answer, "accuracy")
    cases = _accuracy_cases(rng)
    for name, y_true, y_pred in cases:
        n = len(y_true)
        scores = np.asarray(y_pred).ndim == 2
        what = (f"accuracy(y_true, y_pred) with {name}, y_true = {short(y_true, 40)}, "
                f"y_pred = {short(np.asarray(y_pred) if scores else y_pred, 60)}")
        convention = (" Here y_pred holds class scores of shape (n, k): a row's predicted "
                      "label is the index of its largest score." if scores else "")
        try:
            got = as_number(call(answer, y_true, y_pred, name="accuracy"), what)
        except Reject as reason:
            if not scores:
                raise
            raise Reject(f"{str(reason).strip()}{convention}") from None
        want = _reference_accuracy(y_true, y_pred)
        if np.isclose(got, want, rtol=0, atol=1e-6):
            continue
        correct = round(want * n)
        hint = _accuracy_hint(got, want, y_true, y_pred) if np.isfinite(got) else ""
        raise Reject(f"{what}: should be {want:.4g} ({correct} of {n} right); yours gave "
                     f"{got:.4g}.{hint or convention}")
    return (f"right on {len(cases)} cases: labels, lists, one point, and class scores of "
            "shape (n, k), probabilities whose top is below 0.5 and logits included.")


# Exercise 1.2 --------------------------------------------------------------------------------

def _reference_majority(y_train, n):
    counts = np.bincount(np.asarray(y_train))
    return np.full(n, counts.argmax(), dtype=int)  # argmax returns the first (smallest) of ties


def _majority_cases(rng):
    fixed = np.random.default_rng(12)  # the edge cases are the same on every call
    big = fixed.choice(10, size=300, p=[.05, .05, .1, .1, .25, .1, .1, .1, .1, .05])
    cases = [("[0, 1, 1, 2, 1]", np.array([0, 1, 1, 2, 1]), 5),
             ("300 labels in 0..9", big, 40),
             ("[7, 9, 7] (labels need not start at 0)", np.array([7, 9, 7]), 3),
             ("[3, 3, 1, 1, 2] (a tie between 3 and 1)", np.array([3, 3, 1, 1, 2]), 4),
             ("[2, 0, 2, 0] (a tie between 2 and 0)", np.array([2, 0, 2, 0]), 6),
             ("[9, 2, 9, 2, 5] (a tie between 9 and 2)", np.array([9, 2, 9, 2, 5]), 2),
             ("[4] (one label)", np.array([4]), 1),
             ("a Python list [1, 0, 0]", [1, 0, 0], 2),
             ("[1, 1, 0] and n = 0", np.array([1, 1, 0]), 0),
             ("[500, 3, 500] (a large label)", np.array([500, 3, 500]), 3)]
    for _ in range(5):
        k = int(rng.integers(1, 9))
        values = np.sort(rng.choice(40, size=k, replace=False))
        counts = rng.integers(1, 15, size=k)
        if k > 1 and rng.random() < 0.6:  # a tie for the most common label
            tied = rng.choice(k, size=int(rng.integers(2, min(k, 3) + 1)), replace=False)
            counts[tied] = counts.max()
        y = rng.permutation(np.repeat(values, counts))
        y = y.tolist() if rng.random() < 0.3 else y.astype(rng.choice(["int64", "int32"]))
        cases.append((short(y, 60), y, int(rng.integers(0, 30))))
    return cases


@exercise("1.2")
def majority_baseline(answer, rng):
    """Ordinary label sets, ties (smallest label wins), gaps and large labels, lists, n = 0,
    and label sets drawn at random (ties in most)."""
    need_callable(answer, "majority_baseline")
    cases = _majority_cases(rng)
    for name, y_train, n in cases:
        what = f"majority_baseline(y_train, {n}) for y_train = {name}"
        got = _integer_labels(call(answer, y_train, n, name="majority_baseline"), n, what)
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
            raise Reject(f"{what}: labels {tied} are tied (each {counts.max()} times); the "
                         f"task breaks a tie towards the smallest, {best}. Yours chose {mine}.")
        seen = int(counts[mine]) if 0 <= mine < len(counts) else 0
        also = (" That is how many times the most common label occurs, not the label."
                if mine == counts.max() and seen != counts.max() else "")
        raise Reject(f"{what}: the most common label is {best} ({counts[best]} of "
                     f"{len(y_train)}); yours predicts {mine}, which occurs {seen} "
                     f"time{'' if seen == 1 else 's'}.{also}")
    return (f"right on {len(cases)} label sets, including ties (smallest label wins), lists, "
            "n = 0 and sets drawn at random.")


# Exercise 1.3 --------------------------------------------------------------------------------

def _stats(x, ddof=0):
    mean, std = x.mean(axis=0), x.std(axis=0, ddof=ddof)
    return mean, np.where(std == 0, 1.0, std)


def _scaled(x, stats):
    mean, std = stats
    return (x - mean) / std


def _standardize_cases(rng):
    fixed = np.random.default_rng(13)  # the edge cases are the same on every call
    scale = np.array([1.0, 10.0, 0.1, 250.0])
    offset = np.array([0.0, -50.0, 3.0, 1000.0])
    train = fixed.normal(size=(50, 4)) * scale + offset
    test = fixed.normal(loc=0.8, scale=1.5, size=(20, 4)) * scale + offset  # other statistics
    cases = [("train (50, 4), test (20, 4)", train, test)]
    const_train = fixed.normal(size=(30, 3)) * 2 + 1
    const_train[:, 1] = 5.0                     # a constant column: its std is 0
    const_test = fixed.normal(size=(10, 3)) * 3
    cases.append(("train (30, 3) whose column 1 is constant, test (10, 3)", const_train,
                  const_test))
    cases.append(("float32 train (40, 2), test (15, 2)",
                  (fixed.normal(size=(40, 2)) * 4 + 2).astype("float32"),
                  (fixed.normal(size=(15, 2)) * 5 - 1).astype("float32")))
    cases.append(("train (12, 1), a single test row (1, 1)", fixed.normal(size=(12, 1)) + 7,
                  np.array([[9.5]])))
    cases.append(("a single train row (1, 3), test (4, 3)", np.array([[2.0, -1.0, 0.5]]),
                  fixed.normal(size=(4, 3)) * 2))
    cases.append(("integer train (6, 2), test (3, 2)",
                  np.array([[1, 10], [2, 30], [3, 20], [5, 10], [8, 40], [13, 30]]),
                  np.array([[4, 25], [0, 0], [21, 50]])))
    for _ in range(4):
        n, m, d = int(rng.integers(2, 60)), int(rng.integers(1, 30)), int(rng.integers(1, 7))
        col_scale = 10 ** rng.uniform(-2, 3, d)
        col_shift = rng.uniform(-5, 5, d) * col_scale
        train = rng.normal(size=(n, d)) * col_scale + col_shift
        test = (rng.normal(rng.uniform(0.5, 1.5), rng.uniform(0.5, 2.0), size=(m, d))
                * col_scale + col_shift)
        const = np.flatnonzero(rng.random(d) < 0.25)
        train[:, const] = rng.integers(-5, 6, size=const.size)  # exact: its std is 0
        dtype = rng.choice(["float64", "float32"])
        train, test = train.astype(dtype), test.astype(dtype)
        note = f", constant column(s) {const.tolist()}" if const.size else ""
        cases.append((f"{dtype} train {train.shape}{note}, test {test.shape}", train, test))
    return cases


def _two_arrays(value, what):
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return value
    got = f"{len(value)} things" if isinstance(value, (tuple, list)) else short(value, 40)
    raise Reject(f"{what} should return two arrays, (train_std, test_std); yours returned "
                 f"{got}.")


def _close(a, b):
    return a.shape == b.shape and bool(np.all(np.isclose(a, b, rtol=1e-4, atol=1e-4)))


def _standardize_hint(got, part, data, train, test):
    """A diagnosis when `got` is what exactly one known slip gives, else None."""
    candidates = [
        (_scaled(data, _stats(np.concatenate([train, test]))),
         f"{part} was scaled with the mean and std of train and test together. Use the "
         "training set's statistics only: the test set stands for new data you have not "
         "seen when you fit."),
        (-_scaled(data, _stats(train)), f"{part} has the wrong sign: your values are the "
                                        "negatives of the right ones."),
        (data - train.mean(axis=0), f"{part} is centred with the training means but not "
                                    "divided by the training stds."),
        ((data - train.mean()) / (train.std() or 1.0),
         f"{part} was scaled with one mean and one std for the whole of train; every column "
         "needs its own."),
    ]
    if part == "test_std":
        candidates.append((_scaled(test, _stats(test)),
                           "test_std was scaled with the test set's own mean and std. Use the "
                           "training set's statistics for both: the test set stands for new "
                           "data you have not seen when you fit."))
    if len(train) > 1:
        candidates.append((_scaled(data, _stats(train, ddof=1)),
                           f"{part} is off by the factor √(n/(n-1)): the task uses np.std's "
                           "default (ddof=0, divide by n), not ddof=1."))
    return one_mistake(got, candidates, _close)


@exercise("1.3", forbid=("sklearn.preprocessing.StandardScaler",
                         "sklearn.preprocessing.scale", "scipy.stats.zscore"))
def standardize(answer, rng):
    """Shifted test data (so test statistics give other numbers), constant columns, a single
    train row, integers, float32, a single test row; and drawn cases. The kit's `call`
    rejects an answer that changes `train` or `test`."""
    need_callable(answer, "standardize")
    cases = _standardize_cases(rng)
    for name, train, test in cases:
        what = f"standardize(train, test) with {name}"
        out = _two_arrays(call(answer, train, test, name="standardize"), what)
        train64, test64 = train.astype(float), test.astype(float)
        stats = _stats(train64)
        constant = np.flatnonzero(train64.std(axis=0) == 0)
        for part, got, data in (("train_std", out[0], train64), ("test_std", out[1], test64)):
            got = as_array(got, f"{what}: {part}")
            want = _scaled(data, stats)
            expect_shape(got, want.shape, f"{what}: {part}")
            bad = ~np.isfinite(got)
            if bad.any():
                columns = np.unique(np.argwhere(bad)[:, 1])
                hint = (f" Column {int(columns[0])} of train is constant (its std is 0); the "
                        "task says such a column is only centred." if
                        np.isin(columns, constant).all() else "")
                raise Reject(f"{what}: {part} contains NaN or infinity.{hint}")
            if _close(got, want):
                continue
            found = _standardize_hint(got, part, data, train64, test64)
            if found:
                raise Reject(f"{what}: {found}")
            i = tuple(int(k) for k in np.argwhere(~np.isclose(got, want, rtol=1e-4,
                                                              atol=1e-4))[0])
            hint = (f" Column {i[1]} of train is constant (its std is 0); the task says such "
                    "a column is only centred." if i[1] in constant else "")
            raise Reject(f"{what}: {part} is wrong at index {i}: it should be "
                         f"{want[i]:.4g}, yours gave {float(got[i]):.4g}.{hint}")
    return (f"right on {len(cases)} cases: training statistics only, constant columns, a "
            "single train row, integers, float32, one test row, and drawn cases.")


# Exercise 1.4 --------------------------------------------------------------------------------

def _reference_xor(x):
    return (x[:, 0] * x[:, 1] < 0).astype(int)


def _signed_magnitudes(rng, n, low, high):
    """(n, 2) points with random signs and |coordinates| log-uniform in [10^low, 10^high]."""
    return rng.choice([-1.0, 1.0], size=(n, 2)) * 10 ** rng.uniform(low, high, size=(n, 2))


def _xor_cases(rng):
    from helpers.data import make_xor

    fixed = np.random.default_rng(14)  # the edge cases are the same on every call
    uniform = fixed.uniform(-2, 2, size=(300, 2))
    uniform[uniform == 0] = 0.5                      # points on an axis are not tested
    blobs, _ = make_xor(n=200, seed=3)
    blobs = blobs[np.all(blobs != 0, axis=1)]
    corners = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    cases = [("the four corners (±1, ±1)", corners),
             ("300 points uniform in [-2, 2]²", uniform),
             ("make_xor(n=200, seed=3)", blobs.astype("float32")),
             ("one point (0.3, -0.2)", np.array([[0.3, -0.2]])),
             ("points near the axes, |coordinates| from 1e-4 to 1e-2",
              _signed_magnitudes(fixed, 40, -4, -2)),
             ("far points, |coordinates| from 1e2 to 1e4", _signed_magnitudes(fixed, 40, 2, 4))]
    for _ in range(3):
        n = int(rng.integers(1, 200))
        x = _signed_magnitudes(rng, n, -3, 3)
        if rng.random() < 0.5:
            x = x.astype("float32")
        cases.append((f"{n} points with |coordinates| from 1e-3 to 1e3 ({x.dtype})", x))
    return cases


@exercise("1.4")
def xor_rule(answer, rng):
    """The four corners, uniform points, XOR blobs (float32), a single point, points near the
    axes and far away, and points drawn at random."""
    need_callable(answer, "xor_rule")
    cases = _xor_cases(rng)
    for name, x in cases:
        n = len(x)
        what = f"xor_rule(x) on {name}"
        got = _integer_labels(call(answer, x, name="xor_rule"), n, what, allowed=(0, 1))
        want = _reference_xor(x.astype(float))
        wrong = np.flatnonzero(got != want)
        if not wrong.size:
            continue
        if wrong.size == n and n > 1:
            raise Reject(f"{what}: every label is the opposite of the right one; the task "
                         "labels 1 where the two coordinates have opposite signs.")
        i = wrong[0]
        raise Reject(f"{what}: {wrong.size} of {n} points wrong, e.g. {_fmt_point(x[i])} "
                     f"should be {want[i]}, yours gave {got[i]}.")
    return (f"right on {len(cases)} point sets: the corners, uniform and XOR-blob points, a "
            "single point, points near the axes and far away, and drawn ones.")
