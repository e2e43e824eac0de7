"""Unit tests of lesson 00's checkers: right answers written differently pass, realistic wrong
answers are rejected with a specific message, odd answers get a verdict, a table of answers
learned from the fixed cases fails on the cases drawn afresh."""

import functools

import numpy as np
import pytest
from answers import SEED_NOTE, lookup_table, raises_value_error, stub_for

from helpers.checks import ExerciseFailed
from helpers.checks import lesson00 as check


def changes_input(right, index=0):
    """The right answer, which then changes its argument `index` in place (x += 1)."""

    @functools.wraps(right)
    def careless(*args):
        out = np.array(right(*args), copy=True)
        args[index][...] += 1
        return out

    return careless


# Exercise 0.1: matmul_flops ------------------------------------------------------------------

def flops(m, k, n):
    return 2 * m * k * n


@pytest.mark.parametrize("answer", [
    flops,
    lambda m, k, n: np.prod([2, m, k, n]),                          # NumPy int64
    lambda m, k, n: np.asarray(2.0 * m * n * k),                    # a 0-d float array
    lambda m, k, n: np.float32(2 * m * k * n),                      # float32 rounding
    lambda m, k, n: m * n * (k + k),
])
def test_matmul_flops_accepts_right_answers_written_differently(answer):
    assert check.matmul_flops(answer) is True


def test_matmul_flops_passes_a_right_answer_on_many_fresh_draws():
    for _ in range(20):
        assert check.matmul_flops(flops) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`matmul_flops` is None"),
    ("2*m*k*n", "should be a function; got a str"),
    (raises_value_error, r"`matmul_flops\(2, 3, 4\)` raised ValueError: boom"),
    (lambda m, k, n: m * k * n, r"should be 48; yours gave 24\. That counts the "
                                r"multiplications only"),
    (lambda m, k, n: m * n * (2 * k - 1), r"yours gave 40\. That is m·n·\(2k − 1\)"),
    (lambda m, k, n: -2 * m * k * n, "sign is flipped"),
    (lambda m, k, n: 2 * m * n, r"yours gave 16\. That counts one multiply-add per output"),
    (lambda m, k, n: 2 * m * k * (n + 1), r"matmul_flops\(2, 3, 4\) should be 48; yours gave "
                                          r"60\. \[Cases drawn"),
    (lambda m, k, n: 2 * (m * k + k * n), r"should be 48; yours gave 36\. \[Cases drawn"),
    (lambda m, k, n: 1000, r"should be 48; yours gave 1000"),                  # constant
    (lambda m, k, n: [2 * m, k, n], r"single number; got shape \(3,\)"),
    (lambda m, k, n: None, r"forget a `return`"),
    (lambda m, k, n: float("nan"), r"yours gave nan"),
    (lambda m, k, n: "48", "got the text"),
])
def test_matmul_flops_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.matmul_flops(answer)


def test_matmul_flops_rejects_a_32_bit_overflow_past_two_to_the_31():
    with pytest.raises(ExerciseFailed, match=r"matmul_flops\(4096, 4096, 4096\) should be "
                                             r"137,438,953,472; yours gave 0\..*32-bit"):
        check.matmul_flops(lambda m, k, n: np.prod([2, m, k, n], dtype=np.int32))


def test_matmul_flops_stub_is_told_the_exercise_is_theirs():
    with pytest.raises(ExerciseFailed, match=r"^Exercise 0\.1 is yours: write matmul_flops"):
        check.matmul_flops(stub_for("0.1", "write matmul_flops(m, k, n)"))


def test_matmul_flops_rejects_a_table_of_the_fixed_cases_on_drawn_shapes():
    lookup = lookup_table(check.matmul_flops, flops, lambda m, k, n: 0)
    with pytest.raises(ExerciseFailed, match=r"yours gave 0\..*" + SEED_NOTE):
        check.matmul_flops(lookup)


def test_matmul_flops_failure_on_a_drawn_case_repeats_with_its_seed():
    lookup = lookup_table(check.matmul_flops, flops, lambda m, k, n: 0)
    messages = []
    for _ in range(2):
        with pytest.raises(ExerciseFailed) as info:
            check.matmul_flops(lookup, seed=20240)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "check.matmul_flops(..., seed=20240)" in messages[0]


# Exercise 0.2: standardize -------------------------------------------------------------------

def standardize_numpy(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)


def standardize_keras(x):
    from keras import ops

    x = ops.convert_to_tensor(x)
    return (x - ops.mean(x, axis=0, keepdims=True)) / ops.std(x, axis=0, keepdims=True)


def standardize_moments_list(x):
    x = np.asarray(x, dtype=np.float64)
    var = (x ** 2).mean(axis=0) - x.mean(axis=0) ** 2
    return ((x - x.mean(axis=0)) / np.sqrt(var)).tolist()


def standardize_column_loop(x):
    out = np.empty(x.shape, dtype=np.float64)
    for j in range(x.shape[1]):
        column = x[:, j].astype(np.float64)
        out[:, j] = (column - column.mean()) / column.std()
    return out


@pytest.mark.parametrize("answer", [
    standardize_numpy,
    standardize_keras,                                              # a float32 tensor
    standardize_moments_list,                                       # E[x²] − E[x]², a list
    standardize_column_loop,
    lambda x: (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-8),        # a guard against 0
])
def test_standardize_accepts_right_answers_written_differently(answer):
    assert check.standardize(answer) is True


def test_standardize_passes_right_answers_on_many_fresh_draws():
    for _ in range(20):
        assert check.standardize(standardize_numpy) is True
    for _ in range(3):
        assert check.standardize(standardize_keras) is True


def by_rows(x):
    return (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)


@pytest.mark.parametrize("answer, message", [
    (None, "`standardize` is None"),
    (3, "should be a function; got a int"),
    (raises_value_error, r"`standardize\(.*\)` raised ValueError: boom"),
    (lambda x: (x.mean(axis=0) - x) / x.std(axis=0), "sign is flipped"),
    (lambda x: (x - x.mean(axis=0)) / x.std(axis=0, ddof=1), r"ddof=1"),
    (by_rows, "you standardised each row"),
    (lambda x: x - x.mean(axis=0), "did not divide"),
    (lambda x: x / x.std(axis=0), "did not subtract"),
    (lambda x: (x - x.mean()) / x.std(), "one mean and one standard deviation for the whole"),
    (lambda x: (x - x.mean(axis=0)) / x.var(axis=0), "divided by the column variances"),
    (lambda x: x.mean(axis=0), r"should have shape \(200, 3\); yours has shape \(3,\)"),
    (lambda x: np.zeros_like(x), r"standard deviations \[0"),                  # constant
    (lambda x: (x - np.median(x, axis=0)) / x.std(axis=0), r"for x of shape \(200, 3\), "
                                                           r"x = \[\[.*its columns should "
                                                           r"have mean 0"),
    (lambda x: np.full_like(x, np.nan), "NaN or infinity"),
    (lambda x: None, "forget a `return`"),
    (lambda x: "standardised", "got the text"),
])
def test_standardize_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.standardize(answer)


def test_standardize_rejects_an_answer_that_changes_x_in_place():
    def in_place(x):
        x -= x.mean(axis=0)
        x /= x.std(axis=0)
        return x

    with pytest.raises(ExerciseFailed, match=r"changed its input `x` in place \(entry \[0, 0\]"):
        check.standardize(in_place)
    with pytest.raises(ExerciseFailed, match=r"changed its input `x` in place"):
        check.standardize(changes_input(standardize_numpy))


def test_standardize_rejects_scikit_learns_standard_scaler():
    def with_sklearn(x):
        from sklearn.preprocessing import StandardScaler

        return StandardScaler().fit_transform(x)

    with pytest.raises(ExerciseFailed, match=r"your answer uses `[\w.]*StandardScaler`, "
                                             r"the library's own version"):
        check.standardize(with_sklearn)


def test_standardize_rejects_zscore_and_scale_but_not_a_variable_named_scale():
    def with_zscore(x):
        from scipy.stats import zscore

        return zscore(x, axis=0)

    def with_scale(x):
        import sklearn.preprocessing

        return sklearn.preprocessing.scale(x)

    def own_scale(x):
        scale = x.std(axis=0)
        return (x - x.mean(axis=0)) / scale

    for answer, name in ((with_zscore, "zscore"), (with_scale, "scale")):
        with pytest.raises(ExerciseFailed, match=rf"your answer uses `[\w.]*{name}`"):
            check.standardize(answer)
    assert check.standardize(own_scale) is True


def test_standardize_rejects_keras_normalization_layer():
    def with_layer(x):
        import keras

        layer = keras.layers.Normalization(axis=-1)
        layer.adapt(x)
        return layer(x)

    with pytest.raises(ExerciseFailed, match=r"uses `keras.layers.Normalization`"):
        check.standardize(with_layer)


def test_standardize_stub_is_told_the_exercise_is_theirs():
    with pytest.raises(ExerciseFailed, match=r"^Exercise 0\.2 is yours: write standardize"):
        check.standardize(stub_for("0.2", "write standardize(x)"))


def test_standardize_rejects_a_table_of_the_fixed_cases_on_drawn_matrices():
    lookup = lookup_table(check.standardize, standardize_numpy, lambda x: np.zeros_like(x))
    with pytest.raises(ExerciseFailed, match=r"standard deviations \[0.*" + SEED_NOTE):
        check.standardize(lookup)


# Exercise 0.3: squared_distances -------------------------------------------------------------

def distances_broadcast(a, b):
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)


def distances_keras_expansion(a, b):
    from keras import ops

    aa = ops.sum(a * a, axis=1)[:, None]
    bb = ops.sum(b * b, axis=1)[None, :]
    return aa + bb - 2 * ops.matmul(a, ops.transpose(b))


def distances_loops(a, b):
    return [[sum((float(x) - float(y)) ** 2 for x, y in zip(p, q)) for q in b] for p in a]


@pytest.mark.parametrize("answer", [
    distances_broadcast,
    distances_keras_expansion,                                      # float32, |a|²+|b|²−2a·b
    distances_loops,                                                # nested Python lists
    lambda a, b: np.einsum("ijk,ijk->ij", a[:, None] - b[None], a[:, None] - b[None]),
    lambda a, b: np.linalg.norm(a[:, None] - b[None], axis=-1) ** 2,
])
def test_squared_distances_accepts_right_answers_written_differently(answer):
    assert check.squared_distances(answer) is True


def test_squared_distances_passes_right_answers_on_many_fresh_draws():
    for _ in range(20):
        assert check.squared_distances(distances_broadcast) is True
    for _ in range(3):
        assert check.squared_distances(distances_keras_expansion) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`squared_distances` is None"),
    (np.zeros((2, 2)), "should be a function; got a ndarray"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda a, b: -distances_broadcast(a, b), "never negative"),
    (lambda a, b: np.sqrt(distances_broadcast(a, b)), "these are distances"),
    (lambda a, b: distances_broadcast(b, a), r"yours has shape \(6, 4\): did you swap a and b"),
    (lambda a, b: distances_broadcast(a, b) / a.shape[1], "you averaged over the d coordinates"),
    (lambda a, b: (a[:, None] - b[None]) ** 2, r"should have shape \(4, 6\); yours has shape "
                                               r"\(4, 6, 3\)"),
    (lambda a, b: ((a[:, None, 1:] - b[None, :, 1:]) ** 2).sum(-1),            # off by one
     r"entry \[\d+, \d+\], for a\[\d+\] = .* and b\[\d+\] = .*should be"),
    (lambda a, b: np.zeros((len(a), len(b))), r"entry \[0, 0\].*yours gave 0 \(24 of 24"),
    (lambda a, b: (a ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None] - a @ b.T,  # forgot the 2
     r"entry \[\d+, \d+\]"),
    (lambda a, b: np.full((len(a), len(b)), np.inf), "NaN or infinity"),
    (lambda a, b: None, "forget a `return`"),
    (lambda a, b: "distances", "got the text"),
])
def test_squared_distances_rejects_wrong_answers_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check.squared_distances(answer)


def test_squared_distances_names_a_transposed_square_result_as_a_swap():
    def swapped_when_square(a, b):
        out = distances_broadcast(a, b)
        return out.T if len(a) == len(b) else out

    with pytest.raises(ExerciseFailed, match=r"a of shape \(5, 4\) and b of shape \(5, 4\): "
                                             r"your matrix is the transpose"):
        check.squared_distances(swapped_when_square)


def test_squared_distances_rejects_an_answer_rounding_away_tiny_distances():
    def rounds_small(a, b):                  # rounds to 6 decimals: fine for everyday points
        return np.round(distances_broadcast(a, b), 6)

    with pytest.raises(ExerciseFailed, match=r"a of shape \(5, 3\) and b of shape \(4, 3\)"):
        check.squared_distances(rounds_small)


def test_squared_distances_rejects_an_answer_that_changes_a_or_b_in_place():
    def centres_a(a, b):
        a -= a.mean(axis=0)                  # distances do not change, but the caller's a does
        return distances_broadcast(a, b - 0)

    with pytest.raises(ExerciseFailed, match=r"changed its input `a` in place"):
        check.squared_distances(centres_a)
    with pytest.raises(ExerciseFailed, match=r"changed its input `b` in place"):
        check.squared_distances(changes_input(distances_broadcast, index=1))


def test_squared_distances_rejects_library_distance_functions():
    def with_cdist(a, b):
        from scipy.spatial.distance import cdist

        return cdist(a, b, "sqeuclidean")

    def with_sklearn(a, b):
        from sklearn.metrics.pairwise import euclidean_distances

        return euclidean_distances(a, b, squared=True)

    def with_pairwise(a, b):
        import sklearn.metrics

        return sklearn.metrics.pairwise_distances(a, b) ** 2

    for answer, name in ((with_cdist, "cdist"), (with_sklearn, "euclidean_distances"),
                         (with_pairwise, "pairwise_distances")):
        with pytest.raises(ExerciseFailed, match=rf"your answer uses `[\w.]*{name}`"):
            check.squared_distances(answer)


def test_squared_distances_stub_is_told_the_exercise_is_theirs():
    with pytest.raises(ExerciseFailed, match=r"^Exercise 0\.3 is yours: write squared"):
        check.squared_distances(stub_for("0.3", "write squared_distances(a, b)"))


def test_squared_distances_rejects_a_table_of_the_fixed_cases_on_drawn_points():
    lookup = lookup_table(check.squared_distances, distances_broadcast,
                          lambda a, b: np.zeros((len(a), len(b))))
    with pytest.raises(ExerciseFailed, match=r"yours gave 0 .*" + SEED_NOTE):
        check.squared_distances(lookup)
