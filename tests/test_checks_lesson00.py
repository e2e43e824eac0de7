"""Unit tests of lesson 00's checkers: wrong answers are rejected with a specific message,
right answers written differently pass, stubs are told the exercise is theirs."""

import numpy as np
import pytest

from helpers.checks import ExerciseFailed
from helpers.checks import lesson00 as check


def stub(*args):
    raise NotImplementedError("Exercise 0.k is yours.")


def boom(*args):
    raise ValueError("something inside went wrong")


# Exercise 0.1: matmul_flops ------------------------------------------------------------------

def test_matmul_flops_accepts_plain_formula():
    assert check.matmul_flops(lambda m, k, n: 2 * m * k * n) is True


def test_matmul_flops_accepts_numpy_and_float_results():
    assert check.matmul_flops(lambda m, k, n: np.prod([2, m, k, n])) is True
    assert check.matmul_flops(lambda m, k, n: np.asarray(2.0 * m * n * k)) is True


def test_matmul_flops_rejects_multiplications_only():
    with pytest.raises(ExerciseFailed, match=r"multiplications only"):
        check.matmul_flops(lambda m, k, n: m * k * n)


def test_matmul_flops_rejects_exact_count_convention_with_explanation():
    with pytest.raises(ExerciseFailed, match=r"2k − 1"):
        check.matmul_flops(lambda m, k, n: m * n * (2 * k - 1))


def test_matmul_flops_rejects_flipped_sign():
    with pytest.raises(ExerciseFailed, match=r"sign is flipped"):
        check.matmul_flops(lambda m, k, n: -2 * m * k * n)


def test_matmul_flops_rejects_off_by_one():
    with pytest.raises(ExerciseFailed, match=r"matmul_flops\(2, 3, 4\) should be 48; yours gave 60"):
        check.matmul_flops(lambda m, k, n: 2 * m * k * (n + 1))


def test_matmul_flops_rejects_constant():
    with pytest.raises(ExerciseFailed, match=r"should be 48; yours gave 1000"):
        check.matmul_flops(lambda m, k, n: 1000)


def test_matmul_flops_rejects_array_instead_of_number():
    with pytest.raises(ExerciseFailed, match=r"single number; got shape \(3,\)"):
        check.matmul_flops(lambda m, k, n: [2 * m, k, n])


def test_matmul_flops_rejects_none_result():
    with pytest.raises(ExerciseFailed, match=r"forget a `return`"):
        check.matmul_flops(lambda m, k, n: None)


def test_matmul_flops_rejects_nan():
    with pytest.raises(ExerciseFailed, match=r"yours gave nan"):
        check.matmul_flops(lambda m, k, n: float("nan"))


def test_matmul_flops_reports_exception_inside_answer():
    with pytest.raises(ExerciseFailed, match=r"raised ValueError: something inside"):
        check.matmul_flops(boom)


def test_matmul_flops_rejects_none_and_non_callable():
    with pytest.raises(ExerciseFailed, match=r"`matmul_flops` is None"):
        check.matmul_flops(None)
    with pytest.raises(ExerciseFailed, match=r"should be a function; got a str"):
        check.matmul_flops("2*m*k*n")


def test_matmul_flops_stub_is_told_exercise_is_theirs():
    with pytest.raises(ExerciseFailed, match=r"Exercise 0\.1 is yours"):
        check.matmul_flops(stub)


# Exercise 0.2: standardize -------------------------------------------------------------------

def test_standardize_accepts_numpy_answer():
    assert check.standardize(lambda x: (x - x.mean(axis=0)) / x.std(axis=0)) is True


def test_standardize_accepts_keras_ops_answer_returning_tensor():
    from keras import ops

    def standardize(x):
        x = ops.convert_to_tensor(x)
        return (x - ops.mean(x, axis=0, keepdims=True)) / ops.std(x, axis=0, keepdims=True)

    assert check.standardize(standardize) is True


def test_standardize_accepts_float64_list_answer():
    def standardize(x):
        x = np.asarray(x, dtype=np.float64)
        var = (x ** 2).mean(axis=0) - x.mean(axis=0) ** 2
        return ((x - x.mean(axis=0)) / np.sqrt(var)).tolist()

    assert check.standardize(standardize) is True


def test_standardize_rejects_flipped_sign():
    with pytest.raises(ExerciseFailed, match=r"sign is flipped"):
        check.standardize(lambda x: (x.mean(axis=0) - x) / x.std(axis=0))


def test_standardize_rejects_sample_std_off_by_one():
    with pytest.raises(ExerciseFailed, match=r"ddof=1"):
        check.standardize(lambda x: (x - x.mean(axis=0)) / x.std(axis=0, ddof=1))


def test_standardize_rejects_rows_instead_of_columns():
    def by_rows(x):
        return (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)

    with pytest.raises(ExerciseFailed, match=r"standardised each row"):
        check.standardize(by_rows)


def test_standardize_rejects_centring_only():
    with pytest.raises(ExerciseFailed, match=r"did not divide"):
        check.standardize(lambda x: x - x.mean(axis=0))


def test_standardize_rejects_scaling_only():
    with pytest.raises(ExerciseFailed, match=r"did not subtract"):
        check.standardize(lambda x: x / x.std(axis=0))


def test_standardize_rejects_wrong_shape():
    with pytest.raises(ExerciseFailed, match=r"should have shape \(200, 3\); yours has shape \(3,\)"):
        check.standardize(lambda x: x.mean(axis=0))


def test_standardize_rejects_constant_output():
    with pytest.raises(ExerciseFailed, match=r"standard deviations \[0"):
        check.standardize(lambda x: np.zeros_like(x))


def test_standardize_rejects_nan_output():
    with pytest.raises(ExerciseFailed, match=r"NaN or infinity"):
        check.standardize(lambda x: np.full_like(x, np.nan))


def test_standardize_rejects_none_and_exception():
    with pytest.raises(ExerciseFailed, match=r"forget a `return`"):
        check.standardize(lambda x: None)
    with pytest.raises(ExerciseFailed, match=r"`standardize\(.*\)` raised ValueError"):
        check.standardize(boom)
    with pytest.raises(ExerciseFailed, match=r"`standardize` is None"):
        check.standardize(None)


def test_standardize_stub_is_told_exercise_is_theirs():
    with pytest.raises(ExerciseFailed, match=r"Exercise 0\.2 is yours"):
        check.standardize(stub)


# Exercise 0.3: squared_distances -------------------------------------------------------------

def test_squared_distances_accepts_numpy_broadcasting():
    assert check.squared_distances(
        lambda a, b: ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1)) is True


def test_squared_distances_accepts_keras_ops_matmul_expansion():
    from keras import ops

    def squared_distances(a, b):
        aa = ops.sum(a * a, axis=1)[:, None]
        bb = ops.sum(b * b, axis=1)[None, :]
        return aa + bb - 2 * ops.matmul(a, ops.transpose(b))

    assert check.squared_distances(squared_distances) is True


def test_squared_distances_accepts_python_loops():
    def squared_distances(a, b):
        return [[sum((x - y) ** 2 for x, y in zip(p, q)) for q in b] for p in a]

    assert check.squared_distances(squared_distances) is True


def test_squared_distances_rejects_flipped_sign():
    with pytest.raises(ExerciseFailed, match=r"never negative"):
        check.squared_distances(lambda a, b: -((a[:, None] - b[None]) ** 2).sum(-1))


def test_squared_distances_rejects_square_root():
    with pytest.raises(ExerciseFailed, match=r"these are distances"):
        check.squared_distances(lambda a, b: np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)))


def test_squared_distances_rejects_swapped_arguments():
    with pytest.raises(ExerciseFailed, match=r"did you swap a and b"):
        check.squared_distances(lambda a, b: ((b[:, None] - a[None]) ** 2).sum(-1))


def test_squared_distances_rejects_missing_sum_wrong_shape():
    with pytest.raises(ExerciseFailed, match=r"should have shape \(4, 6\); yours has shape \(4, 6, 3\)"):
        check.squared_distances(lambda a, b: (a[:, None] - b[None]) ** 2)


def test_squared_distances_rejects_off_by_one_feature():
    with pytest.raises(ExerciseFailed, match=r"entry \[\d+, \d+\]"):
        check.squared_distances(lambda a, b: ((a[:, None, 1:] - b[None, :, 1:]) ** 2).sum(-1))


def test_squared_distances_rejects_constant_output():
    with pytest.raises(ExerciseFailed, match=r"entry \[0, 0\] .* yours gave 0"):
        check.squared_distances(lambda a, b: np.zeros((len(a), len(b))))


def test_squared_distances_rejects_none_exception_and_text():
    with pytest.raises(ExerciseFailed, match=r"forget a `return`"):
        check.squared_distances(lambda a, b: None)
    with pytest.raises(ExerciseFailed, match=r"raised ValueError"):
        check.squared_distances(boom)
    with pytest.raises(ExerciseFailed, match=r"got the text"):
        check.squared_distances(lambda a, b: "distances")
    with pytest.raises(ExerciseFailed, match=r"`squared_distances` is None"):
        check.squared_distances(None)


def test_squared_distances_stub_is_told_exercise_is_theirs():
    with pytest.raises(ExerciseFailed, match=r"Exercise 0\.3 is yours"):
        check.squared_distances(stub)
