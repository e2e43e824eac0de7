"""Unit tests of lesson 03's checkers: right answers written differently pass, realistic wrong
ones (wrong formulas, edge-case slips, lookup tables, in-place changes, GradientTape) are
rejected with a message that names the mistake, odd answers get a verdict, not a crash."""

import numpy as np
import pytest
from answers import lookup_table, raises_value_error, stub_for

from helpers.checks import ExerciseFailed
from helpers.checks import lesson03 as check
from helpers.startup import import_keras, import_tensorflow


def rejects(checker, answer, match):
    with pytest.raises(ExerciseFailed, match=match):
        checker(answer)


# References the tests build answers from ------------------------------------------------------

def sig(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def onehot(y, k):
    return np.eye(k)[y]


def centred(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


def test_reference_softmax_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    logits, y = rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])
    numeric = centred(lambda v: check._mean_cross_entropy(v, y), logits)
    exact = (check._softmax(logits) - onehot(y, 3)) / 4
    assert check._relative_error(exact, numeric) < 1e-8


def test_checkers_draw_fresh_cases_on_every_call():
    seen = []
    check.sigmoid_backward(lambda z, up: (seen.append(z.copy()), up * sig(z) * (1 - sig(z)))[1])
    first = len(seen)
    check.sigmoid_backward(lambda z, up: (seen.append(z.copy()), up * sig(z) * (1 - sig(z)))[1])
    assert check.sigmoid_backward.draws
    assert not all(np.array_equal(a, b) for a, b in zip(seen[:first], seen[first:]))


# 3.1 sigmoid_backward --------------------------------------------------------------------------

def sigmoid_right(z, up):
    return up * sig(z) * (1 - sig(z))


def test_sigmoid_backward_accepts_plain_numpy():
    assert check.sigmoid_backward(sigmoid_right) is True


def test_sigmoid_backward_accepts_tanh_form_lists_loops_float32_and_tensorflow():
    tf = import_tensorflow()

    def via_tanh(z, upstream):
        s = 0.5 * (1 + np.tanh(z / 2))
        return (upstream * s * (1 - s)).tolist()

    def with_a_loop(z, upstream):
        out = np.empty_like(z)
        for i in np.ndindex(z.shape):
            s = 1 / (1 + np.exp(-z[i]))
            out[i] = upstream[i] * s * (1 - s)
        return out

    def via_tf(z, upstream):
        s = tf.sigmoid(tf.constant(z))
        return upstream * s * (1 - s)

    for answer in (via_tanh, with_a_loop, via_tf,
                   lambda z, up: sigmoid_right(z, up).astype("float32")):
        assert check.sigmoid_backward(answer) is True


def test_sigmoid_backward_rejects_wrong_sign():
    rejects(check.sigmoid_backward, lambda z, up: -sigmoid_right(z, up), "sign flipped")


def test_sigmoid_backward_rejects_missing_upstream():
    rejects(check.sigmoid_backward, lambda z, up: sig(z) * (1 - sig(z)), "ignores `upstream`")


def test_sigmoid_backward_rejects_z_used_as_sigmoid_output():
    rejects(check.sigmoid_backward, lambda z, up: up * z * (1 - z), r"upstream·z\(1 − z\)")


def test_sigmoid_backward_rejects_upstream_times_sigmoid():
    rejects(check.sigmoid_backward, lambda z, up: up * sig(z), r"upstream·σ\(z\)")


def test_sigmoid_backward_rejects_off_by_one_derivative_with_the_input_named():
    rejects(check.sigmoid_backward, lambda z, up: up * sig(z) * (2 - sig(z)),
            r"for z = \[-40\., .*upstream = .* is wrong at index \(1,\)")


def test_sigmoid_backward_rejects_wrong_shape():
    rejects(check.sigmoid_backward, lambda z, up: np.sum(sigmoid_right(z, up)),
            r"should have shape \(5,\)")


def test_sigmoid_backward_rejects_an_answer_for_1d_arrays_only():
    rejects(check.sigmoid_backward, lambda z, up: sigmoid_right(z, up).ravel(),
            r"shape \(4, 3\).* should have shape \(4, 3\)")


def test_sigmoid_backward_rejects_constant():
    rejects(check.sigmoid_backward, lambda z, up: np.full(np.shape(z), 0.25), "is wrong at index")


def test_sigmoid_backward_rejects_exception_none_text_and_non_callable():
    rejects(check.sigmoid_backward, raises_value_error, "raised ValueError: boom")
    rejects(check.sigmoid_backward, lambda z, up: None, "None")
    rejects(check.sigmoid_backward, lambda z, up: "s(1 - s)", "should be numbers")
    rejects(check.sigmoid_backward, None, "is None")
    rejects(check.sigmoid_backward, "s * (1 - s)", "should be a function")


def test_sigmoid_backward_rejects_nan():
    rejects(check.sigmoid_backward, lambda z, up: up * np.nan, "NaN")


def test_sigmoid_backward_rejects_changing_upstream_in_place():
    def in_place(z, upstream):
        s = sig(z)
        upstream *= s * (1 - s)
        return upstream

    rejects(check.sigmoid_backward, in_place, "changed its input `upstream` in place")


def test_sigmoid_backward_rejects_a_lookup_table_of_earlier_cases():
    rejects(check.sigmoid_backward, lookup_table(check.sigmoid_backward, sigmoid_right),
            r"is None.*seed=")


def test_sigmoid_backward_rejects_gradient_tape():
    tf = import_tensorflow()

    def with_tape(z, upstream):
        zt = tf.Variable(z)
        with tf.GradientTape() as tape:
            s = tf.sigmoid(zt)
        return tape.gradient(s, zt, output_gradients=tf.constant(upstream)).numpy()

    rejects(check.sigmoid_backward, with_tape, "uses `tf.GradientTape`")


def test_sigmoid_backward_stub_says_exercise_is_yours():
    rejects(check.sigmoid_backward, stub_for("3.1", "implement sigmoid_backward(z, upstream)"),
            r"^Exercise 3\.1 is yours: implement sigmoid_backward")


# 3.2 dense_backward ----------------------------------------------------------------------------

def dense_right(x, w, up):
    return up @ w.T, x.T @ up, up.sum(axis=0)


def test_dense_backward_accepts_right_answers_written_differently():
    assert check.dense_backward(dense_right) is True

    def with_einsum(x, w, upstream):
        dx = np.einsum("nk,dk->nd", upstream, w)
        dw = np.einsum("nd,nk->dk", x, upstream)
        return [dx.tolist(), dw, np.ones(len(x)) @ upstream]

    def float32(x, w, upstream):
        return tuple(g.astype("float32") for g in dense_right(x, w, upstream))

    assert check.dense_backward(with_einsum) is True
    assert check.dense_backward(float32) is True


def test_dense_backward_rejects_transposed_dw():
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, up.T @ x, up.sum(0)),
            r"dw has shape \(3, 4\), the shape of w transposed")


def test_dense_backward_rejects_transposed_dw_when_w_is_square():
    def transposed_when_square(x, w, up):
        dw = up.T @ x if w.shape[0] == w.shape[1] else x.T @ up
        return up @ w.T, dw, up.sum(0)

    rejects(check.dense_backward, transposed_when_square,
            r"x \(6, 3\).*dw is the transpose of the right one \(w is square")


def test_dense_backward_rejects_untransposed_w_in_dx_when_w_is_square():
    def no_transpose(x, w, up):
        return np.dot(up, w) if w.shape[0] == w.shape[1] else up @ w.T, x.T @ up, up.sum(0)

    rejects(check.dense_backward, no_transpose, "dx is upstream @ w: w needs a transpose")


def test_dense_backward_rejects_untransposed_w_in_dx_as_a_shape_error():
    rejects(check.dense_backward, lambda x, w, up: (up @ w, x.T @ up, up.sum(0)),
            r"raised ValueError: matmul")


def test_dense_backward_rejects_db_summed_over_wrong_axis():
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, x.T @ up, up.sum(1)),
            r"db has shape \(5,\): one entry per example")


def test_dense_backward_rejects_db_summed_over_units_when_n_equals_k():
    def wrong_axis_when_square(x, w, up):
        return up @ w.T, x.T @ up, up.sum(1) if up.shape[0] == up.shape[1] else up.sum(0)

    rejects(check.dense_backward, wrong_axis_when_square,
            r"x \(3, 3\).*db sums upstream over the units of each example")


def test_dense_backward_rejects_db_with_keepdims():
    rejects(check.dense_backward,
            lambda x, w, up: (up @ w.T, x.T @ up, up.sum(0, keepdims=True)),
            r"db has shape \(1, 3\); b, and so db, has shape \(3,\)")


def test_dense_backward_rejects_mean_instead_of_sum():
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, x.T @ up, up.mean(0)),
            "db is the mean over the batch")
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, x.T @ up / len(x), up.sum(0)),
            "dw is divided by n = 5")


def test_dense_backward_rejects_wrong_sign():
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, -(x.T @ up), up.sum(0)),
            "dw is the right one with the sign flipped")
    rejects(check.dense_backward, lambda x, w, up: (-(up @ w.T), x.T @ up, up.sum(0)),
            "dx is the right one with the sign flipped")
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, x.T @ up, -up.sum(0)),
            "db is the right one with the sign flipped")


def test_dense_backward_rejects_wrong_dx_shape():
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T @ w, x.T @ up, up.sum(0)),
            r"dx for x \(5, 4\).*should have shape \(5, 4\)")


def test_dense_backward_rejects_off_by_one_batch_divisor():
    rejects(check.dense_backward,
            lambda x, w, up: (up @ w.T, x.T @ up, up.sum(0) * len(x) / (len(x) + 1)),
            r"db for x \(5, 4\) = .* is wrong at index")


def test_dense_backward_rejects_constant_and_wrong_count():
    rejects(check.dense_backward,
            lambda x, w, up: (np.zeros_like(x), np.zeros_like(w), np.zeros(w.shape[1])),
            "dx.* is wrong at index")
    rejects(check.dense_backward, lambda x, w, up: (up @ w.T, x.T @ up),
            r"should return three arrays \(dx, dw, db\)")


def test_dense_backward_rejects_exception_none_and_non_callable():
    rejects(check.dense_backward, raises_value_error, "raised ValueError")
    rejects(check.dense_backward, lambda x, w, up: None, "returned None")
    rejects(check.dense_backward, lambda x, w, up: up @ w.T, "should return the tuple")
    rejects(check.dense_backward, None, "is None")
    rejects(check.dense_backward, 42, "should be a function")


def test_dense_backward_rejects_changing_x_in_place():
    def reuses_x(x, w, up):
        dw = x.T @ up
        x -= x                       # "scratch space"
        return up @ w.T, dw, up.sum(0)

    rejects(check.dense_backward, reuses_x, "changed its input `x` in place")


def test_dense_backward_rejects_a_lookup_table_of_earlier_cases():
    rejects(check.dense_backward, lookup_table(check.dense_backward, dense_right),
            r"returned None.*seed=")


def test_dense_backward_rejects_gradient_tape():
    tf = import_tensorflow()

    def with_tape(x, w, upstream):
        xv, wv = tf.Variable(x), tf.Variable(w)
        bv = tf.Variable(np.zeros(w.shape[1]))
        with tf.GradientTape() as tape:
            y = xv @ wv + bv
        return [g.numpy() for g in tape.gradient(y, [xv, wv, bv],
                                                 output_gradients=tf.constant(upstream))]

    rejects(check.dense_backward, with_tape, "uses `tf.GradientTape`")


def test_dense_backward_stub_says_exercise_is_yours():
    rejects(check.dense_backward, stub_for("3.2", "implement dense_backward(x, w, upstream)"),
            r"^Exercise 3\.2 is yours")


# 3.3 softmax_cross_entropy_grad ----------------------------------------------------------------

def softmax_grad_right(logits, y):
    n, k = logits.shape
    return (softmax(logits) - onehot(y, k)) / n


def naive_softmax(z, shift=0.0):
    with np.errstate(all="ignore"):
        e = np.exp(z - shift)
        return e / e.sum(axis=1, keepdims=True)


def test_softmax_grad_accepts_right_answers_written_differently():
    assert check.softmax_cross_entropy_grad(softmax_grad_right) is True

    def subtract_at_labels(logits, y):
        p = np.exp(logits - logits.max(axis=1)[:, None])
        p /= p.sum(axis=1)[:, None]
        p[np.arange(len(y)), y] -= 1.0
        return (p / len(y)).astype("float32")

    def in_float32(logits, y):
        z = logits.astype("float32")
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True) - np.eye(z.shape[1])[y]) / len(y)

    def row_by_row(logits, y):
        rows = []
        for z, label in zip(logits, y):
            e = np.exp(z - max(z))
            p = e / sum(e)
            p[label] -= 1
            rows.append(list(p / len(y)))
        return rows

    for answer in (subtract_at_labels, in_float32, row_by_row):
        assert check.softmax_cross_entropy_grad(answer) is True


def test_softmax_grad_accepts_keras_ops():
    keras = import_keras()

    def with_keras(logits, y):
        probs = keras.ops.softmax(keras.ops.convert_to_tensor(logits), axis=-1)
        return (keras.ops.convert_to_numpy(probs) - np.eye(logits.shape[1])[y]) / len(y)

    assert check.softmax_cross_entropy_grad(with_keras) is True


def test_softmax_grad_rejects_missing_mean():
    rejects(check.softmax_cross_entropy_grad,
            lambda z, y: softmax(z) - onehot(y, z.shape[1]), "n = 4 times too large")


def test_softmax_grad_rejects_off_by_one_divisor():
    rejects(check.softmax_cross_entropy_grad,
            lambda z, y: (softmax(z) - onehot(y, z.shape[1])) / max(len(y) - 1, 1),
            "divided by n − 1 = 3")


def test_softmax_grad_rejects_wrong_sign():
    rejects(check.softmax_cross_entropy_grad,
            lambda z, y: (onehot(y, z.shape[1]) - softmax(z)) / len(y), "sign flipped")


def test_softmax_grad_rejects_missing_one_hot():
    rejects(check.softmax_cross_entropy_grad, lambda z, y: softmax(z) / len(y),
            "softmax / n: the label of each row has no part")


def test_softmax_grad_rejects_unstable_softmax_on_a_gap_of_1000_inside_a_row():
    def naive(z, y):
        return (naive_softmax(z) - onehot(y, z.shape[1])) / len(y)

    rejects(check.softmax_cross_entropy_grad, naive,
            r"logits \(3, 3\) = \[\[ 1000.*contains \[ *nan, .* in row 0, exactly what softmax "
            r"gives when exp is taken of the raw logits: exp overflows float64")


def test_softmax_grad_rejects_one_shift_for_the_whole_batch():
    def one_shift(z, y):
        return (naive_softmax(z, z.max()) - onehot(y, z.shape[1])) / len(y)

    rejects(check.softmax_cross_entropy_grad, one_shift,
            "in row 2, exactly what softmax gives when the whole batch is shifted by one "
            "maximum")


def test_softmax_grad_rejects_a_shift_by_the_row_mean():
    def mean_shift(z, y):
        return (naive_softmax(z, z.mean(axis=1, keepdims=True)) - onehot(y, z.shape[1])) / len(y)

    rejects(check.softmax_cross_entropy_grad, mean_shift,
            "shifted by something other than its maximum")


def test_softmax_grad_gives_a_neutral_verdict_on_a_nan_it_cannot_explain():
    def nan_in_ties(z, y):
        g = softmax_grad_right(z, y)
        return np.where(np.ptp(z, axis=1, keepdims=True) == 0, np.nan, g)

    rejects(check.softmax_cross_entropy_grad, nan_in_ties,
            r"contains \[nan, nan, nan, nan\] in row 0; the right gradient there is")


def test_softmax_grad_rejects_wrong_shape_and_constant():
    rejects(check.softmax_cross_entropy_grad, lambda z, y: softmax_grad_right(z, y).T,
            r"should have shape \(4, 3\)")
    rejects(check.softmax_cross_entropy_grad, lambda z, y: np.zeros_like(z), "is wrong at index")


def test_softmax_grad_rejects_exception_none_and_non_callable():
    rejects(check.softmax_cross_entropy_grad, raises_value_error, "raised ValueError")
    rejects(check.softmax_cross_entropy_grad, lambda z, y: None, "forget a `return`")
    rejects(check.softmax_cross_entropy_grad, None, "is None")
    rejects(check.softmax_cross_entropy_grad, lambda z, y: "grad", "should be numbers")


def test_softmax_grad_rejects_shifting_the_logits_in_place():
    def in_place(logits, y):
        logits -= logits.max(axis=1, keepdims=True)
        return (naive_softmax(logits) - onehot(y, logits.shape[1])) / len(y)

    rejects(check.softmax_cross_entropy_grad, in_place, "changed its input `logits` in place")


def test_softmax_grad_rejects_a_lookup_table_of_earlier_cases():
    rejects(check.softmax_cross_entropy_grad,
            lookup_table(check.softmax_cross_entropy_grad, softmax_grad_right),
            r"is None.*seed=")


def test_softmax_grad_rejects_gradient_tape_on_a_library_loss():
    tf = import_tensorflow()

    def with_tape(logits, y):
        z = tf.Variable(logits)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, z))
        return tape.gradient(loss, z).numpy()

    rejects(check.softmax_cross_entropy_grad, with_tape, "uses `tf.GradientTape`")


def test_softmax_grad_stub_says_exercise_is_yours():
    rejects(check.softmax_cross_entropy_grad,
            stub_for("3.3", "implement softmax_cross_entropy_grad(logits, y)"),
            r"^Exercise 3\.3 is yours")


# 3.4 numerical_gradient ------------------------------------------------------------------------

def test_numerical_gradient_accepts_right_answers_written_differently():
    assert check.numerical_gradient(centred) is True

    def restores_exactly_in_place(f, x, h=1e-5):
        grad = np.zeros(x.size)
        flat = x.reshape(-1)                  # a view: nudges show in x itself
        for j in range(x.size):
            old = flat[j]
            flat[j] = old + h
            up = f(x)
            flat[j] = old - h
            down = f(x)
            flat[j] = old                     # back, exactly
            grad[j] = (up - down) / (2 * h)
        return grad.reshape(x.shape).tolist()

    def with_unit_vectors(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = h
            grad[i] = (f(x + e) - f(x - e)) / (2 * h)
        return grad

    assert check.numerical_gradient(restores_exactly_in_place) is True
    assert check.numerical_gradient(with_unit_vectors) is True


def test_numerical_gradient_rejects_ignoring_h():
    def fixed_step(f, x, h=1e-5):
        return centred(f, x, 1e-5)

    rejects(check.numerical_gradient, fixed_step,
            r"h = 0\.1 your result is what a step of 1e-05 gives, not "
            r"h = 0\.1: your function does not use the h")


def test_numerical_gradient_rejects_one_sided_differences():
    def forward_difference(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            up = x.copy()
            up[i] += h
            grad[i] = (f(up) - f(x)) / h
        return grad

    def backward_difference(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            down = x.copy()
            down[i] -= h
            grad[i] = (f(x) - f(down)) / h
        return grad

    rejects(check.numerical_gradient, forward_difference, r"one-sided difference \(f\(x \+ h\)")
    rejects(check.numerical_gradient, backward_difference, r"one-sided difference \(f\(x\) −")


def test_numerical_gradient_rejects_dividing_by_h_or_4h():
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: 2 * centred(f, x, h),
            "twice the centred difference")
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: centred(f, x, h) / 2,
            "half the centred difference")


def test_numerical_gradient_rejects_wrong_sign():
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: -centred(f, x, h), "sign flipped")


def test_numerical_gradient_rejects_skipping_the_last_entry():
    def off_by_one(f, x, h=1e-5):
        x = np.array(x, dtype=float)
        grad = np.zeros_like(x)
        flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
        for j in range(x.size - 1):
            old = flat_x[j]
            flat_x[j] = old + h
            up = f(x)
            flat_x[j] = old - h
            down = f(x)
            flat_x[j] = old
            flat_g[j] = (up - down) / (2 * h)
        return grad

    rejects(check.numerical_gradient, off_by_one, r"wrong at index \(2, 3\)")


def test_numerical_gradient_rejects_an_answer_for_2d_arrays_only():
    def rows_and_columns(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in range(x.shape[0]):
            for j in range(x.shape[1]):
                e = np.zeros_like(x)
                e[i, j] = h
                grad[i, j] = (f(x + e) - f(x - e)) / (2 * h)
        return grad

    rejects(check.numerical_gradient, rows_and_columns, r"raised IndexError")


def test_numerical_gradient_rejects_calling_f_on_a_flattened_x():
    def flattened(f, x, h=1e-5):
        flat = np.array(x, dtype=float).ravel()
        return centred(f, flat, h).reshape(np.shape(x))

    rejects(check.numerical_gradient, flattened, r"raised ValueError: f takes an array of x's "
                                                 r"shape \(3, 4\)")


def test_numerical_gradient_rejects_not_restoring_x():
    def forgets_to_restore(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            x[i] += h
            up = f(x)
            x[i] -= 2 * h
            grad[i] = (up - f(x)) / (2 * h)
        return grad

    rejects(check.numerical_gradient, forgets_to_restore, "changed its input `x` in place")


def test_numerical_gradient_explains_an_x_restored_only_up_to_rounding():
    def adds_and_subtracts(f, x, h=1e-5):
        grad = np.zeros(x.size)
        flat = x.reshape(-1)
        for j in range(x.size):
            flat[j] += h
            up = f(x)
            flat[j] -= 2 * h
            down = f(x)
            flat[j] += h                      # back, up to rounding
            grad[j] = (up - down) / (2 * h)
        return grad.reshape(x.shape)

    rejects(check.numerical_gradient, adds_and_subtracts,
            r"changed its input `x` in place: entry .* Adding h and then subtracting it does "
            "not always give back the same float")


def test_numerical_gradient_rejects_wrong_shape_and_constant():
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: centred(f, x, h).ravel(),
            r"should have shape \(3, 4\)")
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: np.ones_like(x), "is wrong at index")


def test_numerical_gradient_rejects_an_answer_without_a_default_h():
    rejects(check.numerical_gradient, lambda f, x, h: centred(f, x, h),
            r"raised TypeError: .*missing 1 required positional argument: 'h'")


def test_numerical_gradient_rejects_exception_none_and_non_callable():
    rejects(check.numerical_gradient, raises_value_error, "raised ValueError")
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: None, "forget a `return`")
    rejects(check.numerical_gradient, lambda f, x, h=1e-5: centred(f, x, h) * np.nan, "NaN")
    rejects(check.numerical_gradient, None, "is None")
    rejects(check.numerical_gradient, [1, 2], "should be a function")


def test_numerical_gradient_rejects_a_lookup_table_of_earlier_cases():
    rejects(check.numerical_gradient, lookup_table(check.numerical_gradient, centred),
            r"forget a `return`.*seed=")


def test_numerical_gradient_stub_says_exercise_is_yours():
    rejects(check.numerical_gradient,
            stub_for("3.4", "implement numerical_gradient(f, x, h) with centred differences"),
            r"^Exercise 3\.4 is yours")
