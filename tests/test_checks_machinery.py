"""The exercise-check machinery every lesson's checkers are built on."""

import numpy as np
import pytest

from helpers import checks
from helpers.checks import (ExerciseFailed, Reject, as_array, as_number, call, exercise,
                            expect_close, expect_equal, need_callable, short)


@exercise("9.1", "implement `square(x)`")
def check_square(answer):
    need_callable(answer, "square")
    x = np.array([-2.0, -0.5, 0.0, 1.5, 3.0])
    expect_close(call(answer, x), x**2, "square(x)", given=f"x = {short(x)}")
    return "right on five points."


def stub(x):
    raise NotImplementedError("Exercise 9.1 is yours: implement `square(x)`.")


@pytest.mark.parametrize("answer", [lambda x: x**2, lambda x: [v * v for v in x],
                                    lambda x: np.multiply(x, x).astype("float32")])
def test_right_answers_written_differently_pass(answer):
    assert check_square(answer) is True


@pytest.mark.parametrize("answer, message", [
    (None, "`square` is None. Define it"),
    (42, "should be a function; got a int"),
    (stub, "Exercise 9.1 is yours: implement `square\\(x\\)`"),
    (lambda x: -x**2, "is wrong at index \\(0,\\): it should be 4, yours gave -4"),
    (lambda x: x**2 + 1, "it should be 4, yours gave 5"),
    (lambda x: (x**2)[:3], "should have shape \\(5,\\); yours has shape \\(3,\\)"),
    (lambda x: np.full_like(x, 1.0), "5 of 5 entries differ|4 of 5 entries differ"),
    (lambda x: None, "is None: did you forget a `return`"),
    (lambda x: "x squared", "should be numbers; got the text"),
    (lambda x: x * np.nan, "contains NaN or infinity"),
    (lambda x: 1 / 0, "raised ZeroDivisionError: division by zero"),
    (lambda x: {"a": 1}, "could not be read as numbers|should have shape"),
])
def test_wrong_answers_are_rejected_specifically(answer, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_square(answer)


def test_a_stub_is_told_the_exercise_is_theirs_once():
    with pytest.raises(ExerciseFailed) as info:
        check_square(stub)
    assert str(info.value).startswith("Exercise 9.1 is yours: implement `square(x)`.")
    assert str(info.value).count("Exercise 9.1") == 1


def test_a_checker_that_trips_on_odd_input_still_gives_a_verdict():
    @exercise("9.2", "return a dict")
    def check_dict(answer):
        return answer["key"] == 1  # TypeError for a list

    with pytest.raises(ExerciseFailed, match="checking your answer raised TypeError"):
        check_dict([1, 2])


def test_failure_renders_as_one_line_in_ipython(monkeypatch):
    with pytest.raises(ExerciseFailed) as info:
        check_square(None)
    assert info.value._render_traceback_() == [f"ExerciseFailed: {info.value}"]
    assert isinstance(info.value, AssertionError)
    monkeypatch.setattr(checks, "_in_notebook", lambda: True)  # the box shows the message
    assert info.value._render_traceback_() == [
        "ExerciseFailed: Exercise 9.1 is not right yet (see above)."]


def test_pass_prints_a_verdict_outside_a_notebook(capsys):
    check_square(lambda x: x * x)
    assert "✓ Exercise 9.1: right on five points." in capsys.readouterr().out


def test_as_number_accepts_zero_d_arrays_and_rejects_vectors():
    assert as_number(np.array(2.5), "loss") == 2.5
    with pytest.raises(Reject, match="single number; got shape \\(2,\\)"):
        as_number([1, 2], "loss")


def test_as_array_accepts_tensors():
    tf = pytest.importorskip("tensorflow")
    np.testing.assert_array_equal(as_array(tf.constant([1.0, 2.0]), "x"), [1.0, 2.0])


def test_expect_equal_names_the_first_wrong_label():
    with pytest.raises(Reject, match="at index \\(2,\\): it should be 1, yours gave 0"):
        expect_equal([0, 1, 0], np.array([0, 1, 1]), "labels")


def test_call_passes_keyword_arguments_and_reports_them():
    with pytest.raises(Reject, match="`f\\(1, lr=0.1\\)` raised ValueError: bad"):
        call(lambda x, lr: (_ for _ in ()).throw(ValueError("bad")), 1, lr=0.1, name="f")
