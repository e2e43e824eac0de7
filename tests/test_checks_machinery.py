"""The exercise-check kit every lesson's checkers are built on."""

import linecache
import random

import numpy as np
import pytest
from numpy import convolve as numpy_convolve  # an alias a learner might import

from helpers import checks
from helpers.checks import (
    ExerciseFailed,
    Reject,
    as_array,
    as_number,
    call,
    exercise,
    expect_close,
    expect_equal,
    expect_frequencies,
    library_calls,
    need_callable,
    short,
    task_of,
)


@exercise("9.1")
def check_square(answer, rng):
    need_callable(answer, "square")
    x = np.array([-2.0, -0.5, 0.0, 1.5, 3.0])
    expect_close(call(answer, x), x**2, "square(x)", given=f"x = {short(x)}")
    drawn = rng.normal(size=4)
    expect_close(call(answer, drawn), drawn**2, "square(x)", given=f"x = {short(drawn)}")
    return "right on five fixed points and four drawn at random."


def stub(x):
    raise NotImplementedError("Exercise 9.1 is yours: implement `square(x)`.")


@pytest.mark.parametrize("answer", [lambda x: x**2, lambda x: [v * v for v in x],
                                    lambda x: np.multiply(x, x).astype("float32")])
def test_right_answers_written_differently_pass(answer):
    assert check_square(answer) is True
    assert check_square.draws is True


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


def test_a_stub_relays_the_builders_message_once():
    with pytest.raises(ExerciseFailed) as info:
        check_square(stub)
    assert str(info.value).startswith("Exercise 9.1 is yours: implement `square(x)`. Write")
    assert str(info.value).count("Exercise 9.1") == 1


def test_a_stub_without_the_builders_message_still_names_the_exercise():
    def own_stub(x):
        raise NotImplementedError

    with pytest.raises(ExerciseFailed, match=r"^Exercise 9\.1 is yours\. Write your code"):
        check_square(own_stub)


def answer_from_cell(source, name, filename="<cell-1>"):
    """Define `name` from `source` the way IPython runs a cell: its text lands in linecache."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def test_the_task_is_read_from_the_exercise_cells_first_line(capsys):
    square = answer_from_cell("# Exercise 9.1: square every entry of `x`\n"
                              "def square(x):\n    return x * x\n", "square", "<cell-task>")
    assert task_of(square, "9.1") == "square every entry of `x`"
    assert task_of(square, "9.2") is None
    check_square(square)
    assert "✓ Exercise 9.1 (square every entry of `x`): right on" in capsys.readouterr().out


def test_a_stub_from_a_cell_without_a_message_gets_the_cells_task():
    square = answer_from_cell("# Exercise 9.1: square every entry of `x`\n"
                              "def square(x):\n    raise NotImplementedError\n", "square",
                              "<cell-stub>")
    with pytest.raises(ExerciseFailed, match=r"^Exercise 9\.1 is yours: square every entry"):
        check_square(square)


def test_a_lookup_table_of_earlier_answers_fails_on_fresh_cases():
    seen = {}

    def remember(x):
        seen[x.tobytes()] = x**2
        return x**2

    check_square(remember)
    table = dict(seen)
    with pytest.raises(ExerciseFailed, match="seed"):
        check_square(lambda x: table.get(np.asarray(x).tobytes(), np.zeros_like(x)))


def test_a_seed_repeats_the_random_cases():
    drawn = []

    @exercise("9.3")
    def check_record(answer, rng):
        drawn.append(rng.normal(size=3))
        raise Reject("wrong")

    for _ in range(2):
        with pytest.raises(ExerciseFailed, match=r"seed 1234; `check.check_record\(\.\.\., "
                                                 r"seed=1234\)`"):
            check_record(None, seed=1234)
    np.testing.assert_array_equal(drawn[0], drawn[1])
    with pytest.raises(ExerciseFailed):
        check_record(None)
    assert not np.array_equal(drawn[0], drawn[2])


def test_no_seed_is_named_when_no_case_was_drawn():
    with pytest.raises(ExerciseFailed) as info:
        check_square(None)
    assert "seed" not in str(info.value)


def test_checks_leave_the_lessons_random_state_alone():
    np.random.seed(7)
    random.seed(7)
    expected = np.random.random(), random.random()
    np.random.seed(7)
    random.seed(7)
    check_square(lambda x: np.random.random() * 0 + x**2)
    assert (np.random.random(), random.random()) == expected


def in_place_square(x):
    x **= 2
    return x


def test_an_answer_that_changes_its_input_is_rejected_naming_it():
    with pytest.raises(ExerciseFailed, match=r"changed its input `x` in place \(entry \[0\] "
                                             r"was -2, is now 4\)"):
        check_square(in_place_square)


def test_a_change_in_the_last_digits_is_shown_in_full():
    def nudge_and_restore(x):
        x[0] += 0.1
        x[0] -= 0.1

    with pytest.raises(Reject, match=r"entry \[0\] was 0\.2, is now 0\.20000000000000004"):
        call(nudge_and_restore, np.array([0.2]))


@pytest.mark.parametrize("before, change, found", [
    ([1, 2], lambda v: v.append(3), "it was"),
    ([(3, 1), (5, 2)], lambda v: v.reverse(), "item 0: item 0: it was 3, is now 5"),
    ([0.5, float("nan")], lambda v: v.__setitem__(0, 0.25), "item 0: it was 0.5, is now 0.25"),
    ([0.5, float("nan")], lambda v: None, None),
    ({"w": np.zeros(2)}, lambda v: v["w"].fill(1), "item 'w': entry [0]"),
    ((np.zeros(2), 1), lambda v: v[0].fill(1), "item 0: entry [0]"),
    (np.array([np.nan, 1.0]), lambda v: None, None),
])
def test_changes_are_found_inside_containers_and_nan_is_not_a_change(before, change, found):
    def fn(v):
        change(v)

    if found is None:
        call(fn, before)
    else:
        with pytest.raises(Reject, match=re_escape(found)):
            call(fn, before)


def re_escape(text):
    import re

    return re.escape(text)


@exercise("9.4", forbid=("np.convolve", "scipy.signal.correlate2d", "keras.ops.conv"))
def check_smooth(answer):
    need_callable(answer, "smooth")
    x = np.array([1.0, 2.0, 6.0, 2.0])
    expect_close(call(answer, x), [3.0, 10 / 3], "smooth(x)")
    return "right."


def smooth_by_hand(x):
    return (x[:-2] + x[1:-1] + x[2:]) / 3


def smooth_with_helper(x):
    return smooth_by_hand(x)


def smooth_with_numpy(x):
    return np.convolve(x, np.ones(3) / 3, mode="valid")


def smooth_hidden_in_a_helper(x):
    return smooth_with_numpy(x)


def smooth_importing(x):
    from scipy.signal import correlate2d
    return correlate2d(x[None], np.ones((1, 3)) / 3, mode="valid")[0]


def smooth_in_comprehension(x):
    return [float(np.convolve(x[i:i + 3], [1 / 3] * 3, "valid")[0]) for i in range(len(x) - 2)]


def conv(x):  # the learner's own function, named like keras.ops.conv
    return smooth_by_hand(x)


def smooth_with_own_conv(x):
    return conv(x)


@pytest.mark.parametrize("answer", [smooth_by_hand, smooth_with_helper, smooth_with_own_conv,
                                    lambda x: (x[:-2] + x[1:-1] + x[2:]) / 3])
def test_from_scratch_answers_pass(answer):
    assert check_smooth(answer) is True


@pytest.mark.parametrize("answer, used", [
    (smooth_with_numpy, "np.convolve"),
    (smooth_hidden_in_a_helper, "np.convolve"),
    (smooth_importing, "scipy.signal.correlate2d"),
    (smooth_in_comprehension, "np.convolve"),
    (lambda x: np.convolve(x, [1 / 3] * 3, "valid"), "np.convolve"),
])
def test_library_versions_of_a_from_scratch_exercise_are_named_kindly(answer, used):
    with pytest.raises(ExerciseFailed, match=f"your answer uses `{re_escape(used)}`.*write "
                                             "that part yourself"):
        check_smooth(answer)


def test_library_calls_reads_classes_too():
    class Smoother:
        def __call__(self, x):
            return np.convolve(x, [1, 1, 1])

    assert library_calls(Smoother, {"convolve": "np.convolve"}) == ("np.convolve",
                                                                     "np.convolve")
    assert library_calls(print, {"convolve": "np.convolve"}) is None


def test_a_checker_that_trips_on_odd_input_still_gives_a_verdict():
    @exercise("9.2")
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
    assert "✓ Exercise 9.1: right on five fixed points" in capsys.readouterr().out


def test_as_number_accepts_zero_d_arrays_and_rejects_vectors():
    assert as_number(np.array(2.5), "loss") == 2.5
    with pytest.raises(Reject, match="single number; got shape \\(2,\\)"):
        as_number([1, 2], "loss")


def test_as_array_accepts_tensors():
    from helpers.startup import import_tensorflow

    tf = import_tensorflow()
    np.testing.assert_array_equal(as_array(tf.constant([1.0, 2.0]), "x"), [1.0, 2.0])


def test_expect_equal_names_the_first_wrong_label():
    with pytest.raises(Reject, match="at index \\(2,\\): it should be 1, yours gave 0"):
        expect_equal([0, 1, 0], np.array([0, 1, 1]), "labels")


def test_call_passes_keyword_arguments_and_reports_them():
    with pytest.raises(Reject, match="`f\\(1, lr=0.1\\)` raised ValueError: bad"):
        call(lambda x, lr: (_ for _ in ()).throw(ValueError("bad")), 1, lr=0.1, name="f")


def test_one_mistake_names_a_mistake_only_when_it_alone_matches():
    same = lambda a, b: a == b  # noqa: E731
    mistakes = [(4, "you added"), (4, "you added again"), (6, "you multiplied"), (9, "other")]
    assert checks.one_mistake(6, mistakes, same) == "you multiplied"
    assert checks.one_mistake(4, mistakes, same) is None  # two different explanations
    assert checks.one_mistake(7, mistakes, same) is None


def test_diagnose_ignores_mistakes_that_give_the_right_result_here():
    same = lambda a, b: a == b  # noqa: E731
    mistakes = [(5, "you forgot the bias"), (8, "you doubled")]
    checks.diagnose(5, 5, mistakes, same)  # right: nothing to say
    checks.diagnose(3, 5, mistakes, same)  # wrong, but no known mistake: the caller speaks
    with pytest.raises(Reject, match="you doubled"):
        checks.diagnose(8, 5, mistakes, same)
    # Within a tolerance of 1, "off by half" gives the right result here, so it explains
    # nothing, and "doubled" alone matches 6.5.
    near = lambda a, b: abs(a - b) <= 1  # noqa: E731
    with pytest.raises(Reject, match="you doubled"):
        checks.diagnose(6.5, 5, [(5.5, "off by half"), (7, "you doubled")], near)


def test_expect_frequencies_names_outcomes_and_returns_the_p_value():
    counts = np.array([500, 480, 20])
    with pytest.raises(Reject, match=r"outcome shift \+1 came up 20 times"):
        expect_frequencies(counts, np.full(3, 1 / 3), "the shifts",
                           labels=["shift -1", "shift 0", "shift +1"])
    assert 0.01 < expect_frequencies([330, 340, 330], np.full(3, 1 / 3), "draws") <= 1


def test_expect_frequencies_passes_fair_counts_and_rejects_skewed_ones():
    rng = np.random.default_rng(0)
    fair = np.bincount(rng.integers(0, 5, size=5000), minlength=5)
    expect_frequencies(fair, np.full(5, 0.2), "the shifts")
    skewed = np.bincount(rng.choice(5, size=5000, p=[0.24, 0.19, 0.19, 0.19, 0.19]),
                         minlength=5)
    with pytest.raises(Reject, match=r"outcome 0 came up \d+ times where about 1000"):
        expect_frequencies(skewed, np.full(5, 0.2), "the shifts")


def test_expect_frequencies_false_alarm_rate_is_as_stated():
    """1,000 fair samples: with a false-alarm rate of 0.05 about 50 are rejected."""
    rng = np.random.default_rng(1)
    rejected = 0
    for _ in range(1000):
        try:
            expect_frequencies(np.bincount(rng.integers(0, 4, size=400), minlength=4),
                               np.full(4, 0.25), "draws", false_alarm=0.05)
        except Reject:
            rejected += 1
    assert 30 <= rejected <= 72  # binomial(1000, 0.05): mean 50, sd 6.9


def test_local_variables_and_the_learners_own_classes_are_not_library_calls():
    class Perceptron:  # the learner's own class, named like scikit-learn's
        pass

    def answer(x):
        scale = 2.0  # a local variable named like sklearn.preprocessing.scale
        model = Perceptron()
        return x * scale, model

    leaves = {"scale": "sklearn.preprocessing.scale", "Perceptron": "sklearn Perceptron"}
    answer.__globals__["Perceptron"] = Perceptron
    try:
        assert library_calls(answer, leaves) is None
    finally:
        del answer.__globals__["Perceptron"]


def smooth_with_an_alias(x):
    return numpy_convolve(x, np.ones(3) / 3, mode="valid")


def test_a_library_function_under_another_global_name_is_found():
    assert library_calls(smooth_with_an_alias, {"convolve": "np.convolve"}) == (
        "numpy_convolve", "np.convolve")
