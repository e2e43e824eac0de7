"""Checkers for lesson 01 (Why deep learning?).

Conventions the lesson states and these checkers test: labels are non-negative integers; the
majority baseline breaks ties towards the smallest label; standardising uses the training set's
mean and its std with np.std's default (divide by n), and a constant column is only centred;
spiral features are judged by what a plain logistic regression does with them on spirals of
other numbers of turns. Each checker mixes fixed edge cases with cases drawn from the kit's
`rng`, fresh on every call.
"""

import numpy as np

from helpers.checks import (
    Reject,
    as_array,
    call,
    exercise,
    expect_finite,
    expect_shape,
    need_callable,
    one_mistake,
    short,
)


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


@exercise("1.1")
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


# Exercise 1.2 --------------------------------------------------------------------------------

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


@exercise("1.2", forbid=("sklearn.preprocessing.StandardScaler",
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


# Exercise 1.3 --------------------------------------------------------------------------------

def _rule_accuracy(x, y, feature, threshold, sign):
    """The fraction of rows a stump gets right: 1 where sign * (x[:, feature] - threshold) > 0."""
    return float(np.mean((sign * (x[:, feature] - threshold) > 0).astype(int) == y))


def _best_accuracies(x, y):
    """(best accuracy with sign +1, with sign -1) over every feature and threshold."""
    best = {1: 0.0, -1: 0.0}
    for j in range(x.shape[1]):
        values = np.unique(x[:, j])
        cuts = np.concatenate([[values[0] - 1], (values[:-1] + values[1:]) / 2,
                               [values[-1] + 1]])
        above = (x[:, j][None, :] > cuts[:, None])           # (cuts, n)
        right = (above.astype(int) == y[None, :]).mean(axis=1)
        best[1] = max(best[1], float(right.max()))
        best[-1] = max(best[-1], float((1 - right).max()))
    return best


def _stump_cases(rng):
    """(name, x, y): fixed sets (the lesson's biopsies, a feature that points the other way,
    ties, a constant feature, one feature, one row), then sets drawn at random: labels from a
    hidden stump on a drawn feature and direction, with some labels flipped."""
    from helpers.data import load_breast_cancer

    cancer = load_breast_cancer()
    fixed = np.random.default_rng(13)   # the edge cases are the same on every call
    reversed_x = fixed.normal(size=(40, 3))
    reversed_y = (reversed_x[:, 2] < 0.3).astype(int)        # only "below" separates
    tied = np.repeat([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]], [5, 6, 5], axis=0)
    tied_y = np.array([0] * 5 + [1, 1, 1, 1, 0, 0] + [1] * 5)
    cases = [("the lesson's 343 training biopsies", cancer.x_train, cancer.y_train),
             ("40 rows where only 'below a threshold' separates", reversed_x, reversed_y),
             ("16 rows with tied values and a constant feature", tied, tied_y),
             ("one feature, 6 rows", np.array([[3.0], [1.0], [4.0], [1.5], [5.0], [9.0]]),
              np.array([1, 0, 1, 0, 1, 1])),
             ("one row", np.array([[0.5, -2.0]]), np.array([0]))]
    for _ in range(4):
        n, d = int(rng.integers(5, 150)), int(rng.integers(1, 9))
        x = rng.normal(size=(n, d)) * 10 ** rng.uniform(-2, 3, size=d)
        j, sign = int(rng.integers(0, d)), int(rng.choice([-1, 1]))
        y = (sign * (x[:, j] - np.median(x[:, j])) > 0).astype(int)
        flip = rng.random(n) < 0.15
        y[flip] = 1 - y[flip]
        cases.append((f"{n} drawn rows of {d} features", x, y))
    return cases


def _as_stump(value, d, what):
    """(feature, threshold, sign) from the answer, or a Reject saying what is off."""
    if value is None:
        raise Reject(f"{what} is None: did you forget a `return`?")
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise Reject(f"{what} should be a tuple (feature, threshold, sign); got "
                     f"{short(value, 40)}.")
    feature, threshold, sign = value
    try:
        feature, threshold, sign = int(feature), float(threshold), float(sign)
    except (TypeError, ValueError):
        raise Reject(f"{what} should be (an int feature, a float threshold, +1 or -1); got "
                     f"{short(value, 40)}.") from None
    if float(value[0]) != feature or not 0 <= feature < d:
        raise Reject(f"{what}: the feature should be a column index from 0 to {d - 1}; yours "
                     f"is {short(value[0])}.")
    if sign not in (1.0, -1.0):
        raise Reject(f"{what}: the sign should be +1 or -1; yours is {short(value[2])}.")
    if not np.isfinite(threshold):
        raise Reject(f"{what}: the threshold should be a finite number; yours is "
                     f"{short(value[1])}.")
    return feature, threshold, int(sign)


def _stump_hint(got, cases):
    """The message of the one search slip whose best accuracies are `got` on every case."""
    bests = [_best_accuracies(x, y) for _, x, y in cases]
    right = [max(b.values()) for b in bests]
    mistakes = [
        ([b[1] for b in bests], " Your rule is the best of those that predict 1 *above* a "
                                "threshold; some features point the other way (1 below)."),
        ([max(_best_accuracies(x[:, :1], y).values()) for _, x, y in cases],
         " That is the best rule on feature 0 alone; search every feature."),
    ]
    same = lambda a, b: np.allclose(a, b, atol=1e-12)  # noqa: E731
    return one_mistake(got, [(v, m) for v, m in mistakes if not same(v, right)], same) or ""


@exercise("1.3", forbid=("sklearn.tree.DecisionTreeClassifier",))
def best_stump(answer, rng):
    """The lesson's biopsies, a feature that points the other way, ties, a constant feature,
    one feature, one row; then sets drawn with a hidden stump and flipped labels."""
    need_callable(answer, "best_stump")
    cases = _stump_cases(rng)
    got = []
    for name, x, y in cases:
        what = f"best_stump(x, y) on {name}"
        rule = _as_stump(call(answer, x, y, name="best_stump"), x.shape[1], what)
        got.append(_rule_accuracy(x, y, *rule))
    for (name, x, y), accuracy in zip(cases, got):
        best = max(_best_accuracies(x, y).values())
        if accuracy < best - 1e-12:
            n = len(y)
            raise Reject(f"on {name}, your rule gets {round(accuracy * n)} of {n} rows right; "
                         f"the best single-feature rule gets {round(best * n)}."
                         f"{_stump_hint(got, cases)}")
    return (f"your rule is the best single-feature rule on {len(cases)} training sets, the "
            "lesson's 343 biopsies among them, with features that point either way.")


# Exercise 1.4 --------------------------------------------------------------------------------

SPIRAL_TARGET = 0.95   # validation accuracy to reach; measured: the intended features reach
                       # 0.975-1.0 for 0.75 to 2 turns, angle and radius alone 0.3-0.76, and
                       # features that ignore `turns` (fixed at 1.5) 0.73-0.87 at 0.75 turns
MAX_FEATURES = 4


def _spiral_sets(rng):
    """(turns, seed) of the spirals to learn: the lesson's 1.5 turns and 0.75 (fixed), then
    two drawn from 0.75 to 2 turns, each with a fresh seed."""
    seeds = [int(v) for v in rng.integers(0, 2**31, size=4)]
    turns = [1.5, 0.75] + [round(float(t), 3) for t in rng.uniform(0.75, 2.0, size=2)]
    return list(zip(turns, seeds))


def _spiral_score(answer, turns, seed):
    """(validation accuracy of LogisticRegression on the answer's features, what, n features)."""
    from sklearn.linear_model import LogisticRegression

    from helpers.data import make_spirals, split

    part = split(*make_spirals(n=1000, turns=turns, seed=seed), seed=seed)
    feats = []
    for name, x in (("training", part.x_train), ("validation", part.x_val)):
        what = f"spiral_features(x, turns={turns}) on {len(x)} {name} points (seed {seed})"
        f = as_array(call(answer, x, turns, name="spiral_features"), what)
        if f.ndim == 1:
            f = f[:, None]
        if f.ndim != 2 or len(f) != len(x):
            raise Reject(f"{what} should have shape ({len(x)}, f), one row per point; yours has "
                         f"shape {f.shape}.")
        if not 1 <= f.shape[1] <= MAX_FEATURES:
            raise Reject(f"{what} has {f.shape[1]} features; the task allows 1 to "
                         f"{MAX_FEATURES}.")
        expect_finite(f, what)
        feats.append(f)
    model = LogisticRegression(max_iter=2000).fit(feats[0], part.y_train)
    return model.score(feats[1], part.y_val), feats[0].shape[1]


@exercise("1.4")
def spiral_features(answer, rng):
    """Spirals of 1.5 and 0.75 turns and two drawn turns from 0.75 to 2, fresh points each
    time: logistic regression on the answer's features must reach the target on each."""
    need_callable(answer, "spiral_features")
    scores = []
    for turns, seed in _spiral_sets(rng):
        score, width = _spiral_score(answer, turns, seed)
        scores.append((turns, score))
        if score >= SPIRAL_TARGET:
            continue
        passed = [t for t, sc in scores if sc >= SPIRAL_TARGET]
        hint = (f" They work for {passed[0]} turns but not for {turns}: does your answer use "
                "`turns`?" if passed else "")
        raise Reject(f"on spirals of {turns} turns (seed {seed}), logistic regression on your "
                     f"{width} feature{'s' if width > 1 else ''} got {score:.1%} of the 200 "
                     f"validation points right; the target is {SPIRAL_TARGET:.0%}.{hint}")
    shown = ", ".join(f"{sc:.1%} at {t} turns" for t, sc in scores)
    return (f"logistic regression on your features reached {shown} (target "
            f"{SPIRAL_TARGET:.0%}), on points it had never seen.")
