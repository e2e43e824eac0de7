"""Unit tests of lesson 01's checkers (Why deep learning?): right answers written differently
pass, realistic wrong answers fail with a specific message, odd answers get a verdict rather
than a crash, and a table of answers learned from the fixed cases fails on fresh ones."""

import statistics
from collections import Counter

import numpy as np
import pytest
from answers import SEED_NOTE, lookup_table, raises_value_error, stub_for

from helpers.checks import ExerciseFailed
from helpers.checks import lesson01 as check

# Exercise 1.1: majority_baseline(y_train, n) -----------------------------------------------

def majority_bincount(y_train, n):
    return np.full(n, np.bincount(y_train).argmax())


def majority_counter(y_train, n):
    counts = Counter(int(v) for v in y_train)
    best = min(counts, key=lambda label: (-counts[label], label))
    return [best] * n


def majority_unique(y_train, n):
    labels, counts = np.unique(y_train, return_counts=True)
    return labels[counts == counts.max()].min() * np.ones(n)       # floats, fine


def majority_scipy(y_train, n):
    from scipy import stats

    return np.repeat(stats.mode(np.asarray(y_train)).mode, n)      # smallest of ties


@pytest.mark.parametrize("answer", [majority_bincount, majority_counter, majority_unique,
                                    majority_scipy])
def test_majority_baseline_accepts_right_answers_written_differently(answer):
    assert check.majority_baseline(answer) is True


def test_majority_baseline_passes_right_answers_on_many_fresh_draws():
    for _ in range(20):
        assert check.majority_baseline(majority_bincount) is True
        assert check.majority_baseline(majority_counter) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`majority_baseline` is None"),
    ([1, 1], "should be a function; got a list"),
    (stub_for("1.1", "implement `majority_baseline(y_train, n)`"),
     r"^Exercise 1\.1 is yours: implement `majority_baseline\(y_train, n\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda y, n: np.full(n, Counter(y).most_common(1)[0][0]),                 # first seen
     r"labels \[1, 3\] are tied .* towards the smallest, 1\. Yours chose 3"),
    (lambda y, n: np.full(n, statistics.mode(list(y))),                        # first seen
     r"labels \[1, 3\] are tied"),
    (lambda y, n: np.full(n, max(set(list(y)), key=list(y).count)),            # set order
     r"y_train = \[9, 2, 9, 2, 5\] \(a tie between 9 and 2\): labels \[2, 9\] are tied .* "
     r"Yours chose 9"),
    (lambda y, n: np.full(n, np.bincount(y).argmin()),                         # the rarest
     r"the most common label is 1 \(3 of 5\); yours predicts 0, which occurs 1 time\."),
    (lambda y, n: np.full(n, np.bincount(y).max()),                            # the count
     r"yours predicts 3, which occurs 0 times\. That is how many times the most common"),
    (lambda y, n: np.bincount(y).argmax(), r"should have shape \(5,\); yours has shape \(\)"),
    (lambda y, n: np.full(n + 1, np.bincount(y).argmax()), r"shape \(5,\); yours has shape \(6,\)"),
    (lambda y, n: np.full(n, np.bincount(y).argmax() + 1), "yours predicts 2"),  # off by one
    (lambda y, n: np.zeros(n), "yours predicts 0"),                            # constant
    (lambda y, n: np.full((n, 1), np.bincount(y).argmax()), "Flatten it"),
    (lambda y, n: np.asarray(y)[:n] if len(y) >= n else np.zeros(n),
     "every prediction should be the same label"),
    (lambda y, n: np.full(n, np.mean(y)), "whole-number labels"),
    (lambda y, n: None, "did you forget a `return`"),
])
def test_majority_baseline_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.majority_baseline(answer)


def test_majority_baseline_rejects_an_answer_that_sorts_y_train_in_place():
    def sorts(y_train, n):
        if isinstance(y_train, list):
            y_train.sort()
        else:
            y_train.sort()
        return majority_bincount(y_train, n)

    with pytest.raises(ExerciseFailed, match=r"changed its input `y_train` in place"):
        check.majority_baseline(sorts)


def test_majority_baseline_rejects_a_table_of_the_fixed_cases_on_drawn_labels():
    lookup = lookup_table(check.majority_baseline, majority_bincount,
                          lambda y, n: np.full(n, -1))
    with pytest.raises(ExerciseFailed, match=r"yours predicts -1.*" + SEED_NOTE):
        for _ in range(3):                    # a drawn n can be 0, where -1 cannot show
            check.majority_baseline(lookup)


# Exercise 1.2: standardize(train, test) -----------------------------------------------------

def standardize_numpy(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (train - mean) / std, (test - mean) / std


def standardize_float32(train, test):
    train, test = np.asarray(train, "float32"), np.asarray(test, "float32")
    out = standardize_numpy(train, test)
    return out[0].astype("float32"), out[1].astype("float32")


def standardize_lists(train, test):
    mean = [sum(col) / len(col) for col in zip(*train.tolist())]
    std = [(sum((v - m) ** 2 for v in col) / len(col)) ** 0.5 or 1.0
           for col, m in zip(zip(*train.tolist()), mean)]
    return ([[(v - m) / s for v, m, s in zip(row, mean, std)] for row in train.tolist()],
            [[(v - m) / s for v, m, s in zip(row, mean, std)] for row in test.tolist()])


def standardize_own_stats(train, test):
    return standardize_numpy(train, test)[0], standardize_numpy(test, test)[0]


def standardize_together(train, test):
    both = np.concatenate([train, test])
    mean, std = both.mean(axis=0), both.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return (train - mean) / std, (test - mean) / std


def standardize_ddof1(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0, ddof=1)
    std = np.where(std == 0, 1.0, std)
    return (train - mean) / std, (test - mean) / std


def standardize_zero_division(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (train - mean) / std, (test - mean) / std


def standardize_epsilon(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    return (train - mean) / (std + 1e-8), (test - mean) / (std + 1e-8)


def standardize_global(train, test):
    return (train - train.mean()) / train.std(), (test - train.mean()) / train.std()


def standardize_in_place(train, test):
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    train -= mean
    train /= std
    return train, (test - mean) / std


def standardize_sklearn(train, test):
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train)
    return [scaler.transform(train), scaler.transform(test)]


@pytest.mark.parametrize("answer", [standardize_numpy, standardize_float32, standardize_lists])
def test_standardize_accepts_right_answers_written_differently(answer):
    assert check.standardize(answer) is True


def test_standardize_passes_right_answers_on_many_fresh_draws():
    for _ in range(20):
        assert check.standardize(standardize_numpy) is True
        assert check.standardize(standardize_float32) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`standardize` is None"),
    ("scaler", "should be a function; got a str"),
    (stub_for("1.2", "implement `standardize(train, test)`"),
     r"^Exercise 1\.2 is yours: implement `standardize\(train, test\)`"),
    (raises_value_error, "raised ValueError: boom"),
    (standardize_own_stats, "test set's own mean and std"),
    (standardize_together, "mean and std of train and test together"),
    (lambda tr, te: [-a for a in standardize_numpy(tr, te)], "wrong sign"),
    (standardize_ddof1, r"ddof=0, divide by n"),                               # off by one
    (standardize_global, "one mean and one std for the whole of train"),
    (lambda tr, te: standardize_numpy(tr, te)[0], "should return two arrays"),
    (lambda tr, te: standardize_numpy(tr, te)[::-1],                            # swapped
     r"train_std should have shape \(50, 4\); yours has shape \(20, 4\)"),
    (lambda tr, te: tuple(a.T for a in standardize_numpy(tr, te)),             # wrong shape
     r"train_std should have shape \(50, 4\); yours has shape \(4, 50\)"),
    (lambda tr, te: (np.zeros_like(tr), np.zeros_like(te)),                    # constant
     r"train_std is wrong at index \(0, 0\)"),
    (lambda tr, te: (tr - tr.mean(0), te - tr.mean(0)), "centred with the training means "
                                                        "but not divided"),
    (standardize_zero_division, r"whose column 1 is constant.*train_std contains NaN or "
                                r"infinity\. Column 1 of train is constant"),
    (standardize_epsilon, r"test_std is wrong at index \(0, 1\).*Column 1 of train is "
                          r"constant \(its std is 0\)"),
    (lambda tr, te: None, "should return two arrays"),
    (lambda tr, te: ("a", "b"), "got the text"),
])
def test_standardize_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.standardize(answer)


def test_standardize_rejects_an_answer_that_changes_train_in_place():
    with pytest.raises(ExerciseFailed, match=r"changed its input `train` in place \(entry "
                                             r"\[0, 0\] was"):
        check.standardize(standardize_in_place)


def test_standardize_rejects_an_answer_that_changes_test_in_place():
    def test_in_place(train, test):
        out = standardize_numpy(train, test)
        test[...] = out[1]
        return out[0], test

    with pytest.raises(ExerciseFailed, match=r"changed its input `test` in place"):
        check.standardize(test_in_place)


def test_standardize_rejects_scikit_learns_standard_scaler():
    with pytest.raises(ExerciseFailed, match=r"your answer uses `[\w.]*StandardScaler`, the "
                                             r"library's own version"):
        check.standardize(standardize_sklearn)


def test_standardize_rejects_a_mistake_on_a_single_train_row():
    def divides_by_zero_only_when_all_columns_vary(train, test):
        if np.all(train.std(axis=0) == 0):                  # "nothing to scale": returns its inputs
            return train.astype(float), test.astype(float)
        return standardize_numpy(train, test)

    with pytest.raises(ExerciseFailed, match=r"a single train row \(1, 3\).*train_std is wrong"):
        check.standardize(divides_by_zero_only_when_all_columns_vary)


def test_standardize_rejects_an_answer_that_truncates_integer_inputs():
    def keeps_dtype(train, test):
        out = standardize_numpy(train, test)
        return out[0].astype(train.dtype), out[1].astype(test.dtype)

    with pytest.raises(ExerciseFailed, match=r"integer train \(6, 2\).*train_std is wrong"):
        check.standardize(keeps_dtype)


def test_standardize_rejects_a_table_of_the_fixed_cases_on_drawn_data():
    lookup = lookup_table(check.standardize, standardize_numpy,
                          lambda tr, te: (np.zeros_like(tr, float), np.zeros_like(te, float)))
    with pytest.raises(ExerciseFailed, match=r"standardize\(train, test\) with float(64|32) "
                                             r"train .*" + SEED_NOTE):
        check.standardize(lookup)


# Exercise 1.3: best_stump(x, y) --------------------------------------------------------------

def stump_loops(x, y):
    best = (-1.0, None)
    for j in range(x.shape[1]):
        for t in np.concatenate([[x[:, j].min() - 1], np.unique(x[:, j])]):
            for sign in (1, -1):
                right = np.mean((sign * (x[:, j] - t) > 0) == y)
                if right > best[0]:
                    best = (right, (j, t, sign))
    return best[1]


def stump_midpoints(x, y):
    best_right, best_rule = -1, None
    for j in range(x.shape[1]):
        v = np.unique(x[:, j])
        cuts = np.concatenate([[v[0] - 1], (v[:-1] + v[1:]) / 2, [v[-1] + 1]])
        right = ((x[:, j][None] > cuts[:, None]) == y[None]).sum(axis=1)
        for sign, counts in ((1, right), (-1, len(y) - right)):
            if counts.max() > best_right:
                best_right, best_rule = counts.max(), (j, cuts[counts.argmax()], sign)
    return best_rule


def stump_numpy_types(x, y):                                        # np.int64, float32, -1.0
    j, t, sign = stump_midpoints(x, y)
    return [np.int64(j), np.float64(t), float(sign)]


@pytest.mark.parametrize("answer", [stump_loops, stump_midpoints, stump_numpy_types])
def test_best_stump_accepts_right_answers_written_differently(answer):
    assert check.best_stump(answer) is True


def test_best_stump_passes_a_right_answer_on_many_fresh_draws():
    for _ in range(10):
        assert check.best_stump(stump_midpoints) is True


def only_above(x, y):
    best = (-1.0, None)
    for j in range(x.shape[1]):
        for t in np.concatenate([[x[:, j].min() - 1], np.unique(x[:, j])]):
            right = np.mean((x[:, j] > t) == y)
            if right > best[0]:
                best = (right, (j, t, 1))
    return best[1]


def greater_or_equal(x, y):                                         # searched with >=
    best = (-1.0, None)
    for j in range(x.shape[1]):
        for t in np.unique(x[:, j]):
            for sign in (1, -1):
                right = np.mean((sign * (x[:, j] - t) >= 0) == y)
                if right > best[0]:
                    best = (right, (j, t, sign))
    return best[1]


def sorts_x(x, y):
    rule = stump_midpoints(x, y)
    x.sort(axis=0)
    return rule


def with_tree(x, y):
    from sklearn.tree import DecisionTreeClassifier

    tree = DecisionTreeClassifier(max_depth=1).fit(x, y)
    return tree.tree_.feature[0], tree.tree_.threshold[0], 1


@pytest.mark.parametrize("answer, message", [
    (None, "`best_stump` is None"),
    ((0, 15.0, -1), "should be a function; got a tuple"),
    (raises_value_error, r"`best_stump\(.*\)` raised ValueError: boom"),
    (only_above, r"on the lesson's 343 training biopsies, your rule gets 226 of 343 rows "
                 r"right; the best single-feature rule gets 319\. Your rule is the best of those "
                 r"that predict 1 \*above\*"),
    (lambda x, y: stump_midpoints(x[:, :1], y), r"the best single-feature rule gets \d+\. That "
                                                r"is the best rule on feature 0 alone"),
    (greater_or_equal, r"your rule gets \d+ of \d+ rows right; the best single-feature rule "
                       r"gets \d+\.( \[|$)"),
    (lambda x, y: (0, 15.0, 0), r"the sign should be \+1 or -1; yours is 0"),
    (lambda x, y: (x.shape[1], 0.0, 1), r"the feature should be a column index from 0 to 29; "
                                        r"yours is 30"),
    (lambda x, y: (0.5, 0.0, 1), r"the feature should be a column index"),
    (lambda x, y: (0, float("nan"), 1), r"the threshold should be a finite number"),
    (lambda x, y: stump_midpoints(x, y)[:2], r"should be a tuple \(feature, threshold, sign\)"),
    (lambda x, y: 0.95, r"should be a tuple \(feature, threshold, sign\)"),
    (lambda x, y: ("radius", 15.0, 1), r"should be \(an int feature"),
    (lambda x, y: None, "forget a `return`"),
    (sorts_x, r"changed its input `x` in place"),
    (with_tree, r"your answer uses `[\w.]*DecisionTreeClassifier`"),
    (stub_for("1.3", "write best_stump(x, y)"), r"^Exercise 1\.3 is yours: write best_stump"),
])
def test_best_stump_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.best_stump(answer)


def test_best_stump_rejects_a_table_of_the_fixed_cases_on_drawn_sets():
    lookup = lookup_table(check.best_stump, stump_midpoints, lambda x, y: (0, 0.0, 1))
    with pytest.raises(ExerciseFailed, match=r"drawn rows .* your rule gets .*" + SEED_NOTE):
        check.best_stump(lookup)


# Exercise 1.4: spiral_features(x, turns) ----------------------------------------------------

def unwound(x, turns):
    radius = np.hypot(x[:, 0], x[:, 1])
    phase = np.arctan2(x[:, 1], x[:, 0]) - 2 * np.pi * turns * radius
    return np.column_stack([np.cos(phase), np.sin(phase)])


def unwound_one_column(x, turns):                                   # one feature, a 1-D array
    return unwound(x, turns)[:, 0]


def unwound_with_radius(x, turns):                                  # float32, extra columns
    x = np.asarray(x, dtype=np.float32)
    radius = np.sqrt((x ** 2).sum(axis=1))
    phase = np.arctan2(x[:, 1], x[:, 0]) - np.float32(2 * np.pi * turns) * radius
    return np.stack([np.cos(phase), np.sin(phase), radius, np.ones_like(radius)], axis=1)


def unwound_keras(x, turns):
    from keras import ops

    radius = ops.sqrt(ops.sum(x * x, axis=1))
    phase = ops.arctan2(x[:, 1], x[:, 0]) - 2 * np.pi * turns * radius
    return ops.stack([ops.cos(phase), ops.sin(phase)], axis=1)


@pytest.mark.parametrize("answer", [unwound, unwound_one_column, unwound_with_radius,
                                    unwound_keras])
def test_spiral_features_accepts_right_answers_written_differently(answer):
    assert check.spiral_features(answer) is True


def test_spiral_features_passes_a_right_answer_on_many_fresh_draws():
    for _ in range(10):
        assert check.spiral_features(unwound) is True


def polar(x, turns):
    return np.column_stack([np.hypot(x[:, 0], x[:, 1]), np.arctan2(x[:, 1], x[:, 0])])


def ignores_turns(x, turns):                                        # tuned on the lesson's 1.5
    return unwound(x, 1.5)


def many_bumps(x, turns):                                           # too many features
    centres = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    return np.exp(-((x[:, None, :] - centres[None]) ** 2).sum(-1) / 0.02)


@pytest.mark.parametrize("answer, message", [
    (None, "`spiral_features` is None"),
    (np.ones((3, 2)), "should be a function; got a ndarray"),
    (raises_value_error, r"`spiral_features\(.*\)` raised ValueError: boom"),
    (lambda x, turns: x, r"on spirals of 1\.5 turns .* got \d+\.\d% of the 200 validation "
                         r"points right; the target is 95%\. \["),
    (polar, r"on spirals of 1\.5 turns .*your 2 features got"),
    (ignores_turns, r"on spirals of 0\.75 turns .* They work for 1\.5 turns but not for 0\.75: "
                    r"does your answer use `turns`\?"),
    (many_bumps, r"has 50 features; the task allows 1 to 4"),
    (lambda x, turns: unwound(x, turns)[:100], r"should have shape \(600, f\), one row per "
                                               r"point; yours has shape \(100, 2\)"),
    (lambda x, turns: np.full((len(x), 2), np.nan), "NaN or infinity"),
    (lambda x, turns: None, "forget a `return`"),
    (lambda x, turns: "features", "got the text"),
    (stub_for("1.4", "write `spiral_features(x, turns)`"),
     r"^Exercise 1\.4 is yours: write `spiral_features\(x, turns\)`"),
])
def test_spiral_features_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.spiral_features(answer)


def test_spiral_features_rejects_an_answer_that_changes_x_in_place():
    def rescales(x, turns):
        x *= 1.0001
        return unwound(x, turns)

    with pytest.raises(ExerciseFailed, match=r"changed its input `x` in place"):
        check.spiral_features(rescales)


def test_spiral_features_rejects_a_table_of_the_points_it_has_seen():
    lookup = lookup_table(check.spiral_features, unwound, lambda x, turns: x)
    with pytest.raises(ExerciseFailed, match=r"validation points right.*" + SEED_NOTE):
        check.spiral_features(lookup)
