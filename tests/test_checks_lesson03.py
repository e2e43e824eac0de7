"""Unit tests of lesson 03's checkers: right answers written differently pass, realistic wrong
ones (wrong formulas, edge-case slips, the training loop's bugs, engines that overwrite or
misorder gradients, lookup tables, in-place changes, GradientTape) are rejected with a message
that names the mistake, odd answers get a verdict, not a crash."""

import numpy as np
import pytest
from answers import lookup_table, raises_value_error, rejects, stub_for

from helpers.checks import lesson03 as check
from helpers.startup import import_keras, import_tensorflow

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
    rejects(check.sigmoid_backward, lambda z, up: -sigmoid_right(z, up), match="sign flipped")


def test_sigmoid_backward_rejects_missing_upstream():
    rejects(check.sigmoid_backward, lambda z, up: sig(z) * (1 - sig(z)), match="ignores `upstream`")


def test_sigmoid_backward_rejects_z_used_as_sigmoid_output():
    rejects(check.sigmoid_backward, lambda z, up: up * z * (1 - z), match=r"upstream·z\(1 − z\)")


def test_sigmoid_backward_rejects_upstream_times_sigmoid():
    rejects(check.sigmoid_backward, lambda z, up: up * sig(z), match=r"upstream·σ\(z\)")


def test_sigmoid_backward_rejects_off_by_one_derivative_with_the_input_named():
    rejects(check.sigmoid_backward, lambda z, up: up * sig(z) * (2 - sig(z)),
            match=r"for z = \[-40\., .*upstream = .* is wrong at index \(1,\)")


def test_sigmoid_backward_rejects_wrong_shape():
    rejects(check.sigmoid_backward, lambda z, up: np.sum(sigmoid_right(z, up)),
            match=r"should have shape \(5,\)")


def test_sigmoid_backward_rejects_an_answer_for_1d_arrays_only():
    rejects(check.sigmoid_backward, lambda z, up: sigmoid_right(z, up).ravel(),
            match=r"shape \(4, 3\).* should have shape \(4, 3\)")


def test_sigmoid_backward_rejects_constant():
    rejects(check.sigmoid_backward, lambda z, up: np.full(np.shape(z), 0.25),
            match="is wrong at index")


def test_sigmoid_backward_rejects_exception_none_text_and_non_callable():
    rejects(check.sigmoid_backward, raises_value_error, match="raised ValueError: boom")
    rejects(check.sigmoid_backward, lambda z, up: None, match="None")
    rejects(check.sigmoid_backward, lambda z, up: "s(1 - s)", match="should be numbers")
    rejects(check.sigmoid_backward, None, match="is None")
    rejects(check.sigmoid_backward, "s * (1 - s)", match="should be a function")


def test_sigmoid_backward_rejects_nan():
    rejects(check.sigmoid_backward, lambda z, up: up * np.nan, match="NaN")


def test_sigmoid_backward_rejects_changing_upstream_in_place():
    def in_place(z, upstream):
        s = sig(z)
        upstream *= s * (1 - s)
        return upstream

    rejects(check.sigmoid_backward, in_place, match="changed its input `upstream` in place")


def test_sigmoid_backward_rejects_a_lookup_table_of_earlier_cases():
    rejects(check.sigmoid_backward, lookup_table(check.sigmoid_backward, sigmoid_right),
            match=r"is None.*seed=")


def test_sigmoid_backward_rejects_gradient_tape():
    tf = import_tensorflow()

    def with_tape(z, upstream):
        zt = tf.Variable(z)
        with tf.GradientTape() as tape:
            s = tf.sigmoid(zt)
        return tape.gradient(s, zt, output_gradients=tf.constant(upstream)).numpy()

    rejects(check.sigmoid_backward, with_tape, match="uses `tf.GradientTape`")


def test_sigmoid_backward_stub_says_exercise_is_yours():
    rejects(check.sigmoid_backward, stub_for("3.1", "implement sigmoid_backward(z, upstream)"),
            match=r"^Exercise 3\.1 is yours: implement sigmoid_backward")


# 3.2 train_minibatch (the training loop that does not learn) --------------------------------

def loop_right(params, x, y, grad_fn, lr, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    params = {name: theta.copy() for name, theta in params.items()}
    n = len(x)
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grads = grad_fn(params, x[batch], y[batch])
            for name in params:
                params[name] = params[name] - lr * grads[name]
    return params


def loop_shuffled_copies(params, x, y, grad_fn, lr, epochs, batch_size, seed):
    """Shuffles copies of x and y with one permutation, then slices; `-=` on its own copies."""
    rng = np.random.default_rng(seed)
    trained = {name: np.array(theta) for name, theta in params.items()}
    for _ in range(epochs):
        order = rng.permutation(len(x))
        xs, ys = x[order], y[order]
        for start in range(0, len(xs), batch_size):
            _, grads = grad_fn(trained, xs[start:start + batch_size], ys[start:start + batch_size])
            for name in trained:
                trained[name] -= lr * grads[name]
    return trained


def loop_array_split(params, x, y, grad_fn, lr, epochs, batch_size, seed):
    """np.array_split into ceil(n / batch_size) nearly equal batches, a new dict each step."""
    rng = np.random.default_rng(seed)
    batches = -(-len(x) // batch_size)
    for _ in range(epochs):
        for batch in np.array_split(rng.permutation(len(x)), batches):
            _, grads = grad_fn(params, x[batch], y[batch])
            params = {name: theta - lr * grads[name] for name, theta in params.items()}
    return params


def loop_buggy(params, x, y, grad_fn, lr, epochs, batch_size, seed, bugs=(1, 2, 3)):
    """The lesson's loop with the chosen bugs left in: 1 labels shuffled apart, 2 the last
    batches dropped, 3 a step up the gradient."""
    rng = np.random.default_rng(seed)
    params = {name: theta.copy() for name, theta in params.items()}
    n = len(x)
    for _ in range(epochs):
        if 1 in bugs:
            x = x[rng.permutation(n)]
            y = y[rng.permutation(n)]
        else:
            order = rng.permutation(n)
            x, y = x[order], y[order]
        for start in range(0, n - batch_size if 2 in bugs else n, batch_size):
            batch = slice(start, start + batch_size)
            _, grads = grad_fn(params, x[batch], y[batch])
            for name in params:
                step = lr * grads[name]
                params[name] = params[name] + step if 3 in bugs else params[name] - step
    return params


def only(*bugs):
    def answer(*args):
        return loop_buggy(*args, bugs=bugs)
    return answer


@pytest.mark.parametrize("answer", [loop_right, loop_shuffled_copies, loop_array_split])
def test_train_minibatch_accepts_right_loops_written_differently(answer):
    assert check.train_minibatch(answer) is True


def test_train_minibatch_passes_a_right_loop_again_and_again():
    for _ in range(5):
        assert check.train_minibatch(loop_right) is True


@pytest.mark.parametrize("loop", [loop_right, loop_array_split])
def test_train_minibatch_outcome_pair_clears_the_target_with_margin_for_any_shuffle(loop):
    """The outcome is judged on a fixed pair with a fresh shuffling seed: on that pair a right
    loop must clear the target by a wide margin whatever the seed (0.944 at worst in 300)."""
    fixed = np.random.default_rng(check.OUTCOME_SEED)
    x, y, x_val, y_val = check._spirals(fixed, 240, 160)
    start = check._init_mlp([2, 32, 32, 1], fixed)
    for seed in (0, 1, 2**31 - 1):
        params = {name: theta.copy() for name, theta in start.items()}
        trained = loop(params, x, y, lambda p, xb, yb: check._mlp_loss_and_grads(p, xb, yb),
                       check.TRAIN_LR, check.TRAIN_EPOCHS, check.TRAIN_BATCH, seed)
        accuracy = np.mean((check._mlp_logits(trained, x_val)[0] > 0) == y_val)
        assert accuracy >= check.TARGET_ACCURACY + 0.07


WHERE = r"For a 2-3-1 network, n = 5 points, lr = 0\.1, epochs = 2, batch_size = 2, "


@pytest.mark.parametrize("answer, message", [
    (loop_buggy, WHERE + r"your loop computed 4 gradients; .* make 3 per epoch"),   # as given
    (only(1), r"in epoch \d, batch \d: \d of the \d labels passed to grad_fn belong to "
              r"other points: .*one permutation for both"),
    (only(2), WHERE + r"your loop computed 4 gradients; 2 epochs of batches of 2 over n = 5 "
                      r"points make 3 per epoch"),
    (only(3), WHERE + r"the params of gradient 2 are the params before plus lr times the "
                      r"gradient: that step climbs the loss"),
    (only(1, 3), "belong to other points"),
])
def test_train_minibatch_names_each_bug_of_the_lessons_loop(answer, message):
    rejects(check.train_minibatch, answer, match=message)


def one_epoch_short(params, x, y, grad_fn, lr, epochs, batch_size, seed):
    return loop_right(params, x, y, grad_fn, lr, epochs - 1, batch_size, seed)


def forgets_lr(params, x, y, grad_fn, lr, epochs, batch_size, seed):
    return loop_right(params, x, y, grad_fn, 1.0, epochs, batch_size, seed)


def overlapping_batches(params, x, y, grad_fn, lr, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    params = dict(params)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(-(-len(x) // batch_size)):          # moves by 1, not batch_size
            batch = order[start:start + batch_size]
            _, grads = grad_fn(params, x[batch], y[batch])
            params = {name: theta - lr * grads[name] for name, theta in params.items()}
    return params


def returns_the_start(params, x, y, grad_fn, lr, epochs, batch_size, seed):
    loop_right(params, x, y, grad_fn, lr, epochs, batch_size, seed)
    return params


def in_place(params, x, y, grad_fn, lr, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            _, grads = grad_fn(params, x[batch], y[batch])
            for name in params:
                params[name] -= lr * grads[name]           # the caller's arrays change
    return params


def whole_data_each_step(params, x, y, grad_fn, lr, epochs, batch_size, seed):
    params = dict(params)
    for _ in range(epochs * -(-len(x) // batch_size)):
        _, grads = grad_fn(params, x, y)
        params = {name: theta - lr * grads[name] for name, theta in params.items()}
    return params


@pytest.mark.parametrize("answer, message", [
    (one_epoch_short, WHERE + r"your loop computed 3 gradients"),
    (forgets_lr, WHERE + r"the params of gradient 2 should be the params before minus "
                         r"lr = 0\.1 times that gradient; W1 is not"),
    (overlapping_batches, r"epoch 1 showed \d of the 5 points not at all and \d more than once"),
    (returns_the_start, r"the params you returned are the params before|the params you "
                        r"returned should be the params before minus lr"),
    (in_place, r"`train_minibatch` changed its input `params` in place"),
    (whole_data_each_step, r"grad_fn received points of shape \(5, 2\); a batch holds 1 to 2 "
                           r"rows of x"),
    (lambda *args: None, r"should return the trained params, a dict .*; yours returned None"),
    (lambda *args: {"W1": np.zeros((2, 3))}, r"should return a dict with the names"),
    (lambda *args: args[0] and {}, r"should return a dict with the names"),
    (raises_value_error, "raised ValueError: boom"),
    (None, "`train_minibatch` is None"),
    ("fixed", "should be a function"),
    (stub_for("3.2", "fix `train_minibatch`, the training loop above that does not learn"),
     r"^Exercise 3\.2 is yours: fix `train_minibatch`"),
])
def test_train_minibatch_rejects_other_wrong_loops_specifically(answer, message):
    rejects(check.train_minibatch, answer, match=message)


def test_train_minibatch_rejects_a_loop_that_never_stops():
    def forever(params, x, y, grad_fn, lr, epochs, batch_size, seed):
        while True:
            _, grads = grad_fn(params, x[:1], y[:1])

    rejects(check.train_minibatch, forever, match=r"asked for more than \d+ gradients")


def test_train_minibatch_rejects_a_lookup_table_of_earlier_runs():
    rejects(check.train_minibatch, lookup_table(check.train_minibatch, loop_right),
            match=r"yours returned None.*seed=")


def test_train_minibatch_rejects_gradient_tape():
    tf = import_tensorflow()

    def with_tape(params, x, y, grad_fn, lr, epochs, batch_size, seed):
        with tf.GradientTape():
            return loop_right(params, x, y, grad_fn, lr, epochs, batch_size, seed)

    rejects(check.train_minibatch, with_tape, match="uses `tf.GradientTape`")


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
            lambda z, y: softmax(z) - onehot(y, z.shape[1]), match="n = 4 times too large")


def test_softmax_grad_rejects_off_by_one_divisor():
    rejects(check.softmax_cross_entropy_grad,
            lambda z, y: (softmax(z) - onehot(y, z.shape[1])) / max(len(y) - 1, 1),
            match="divided by n − 1 = 3")


def test_softmax_grad_rejects_wrong_sign():
    rejects(check.softmax_cross_entropy_grad,
            lambda z, y: (onehot(y, z.shape[1]) - softmax(z)) / len(y), match="sign flipped")


def test_softmax_grad_rejects_missing_one_hot():
    rejects(check.softmax_cross_entropy_grad, lambda z, y: softmax(z) / len(y),
            match="softmax / n: the label of each row has no part")


def test_softmax_grad_rejects_unstable_softmax_on_a_gap_of_1000_inside_a_row():
    def naive(z, y):
        return (naive_softmax(z) - onehot(y, z.shape[1])) / len(y)

    rejects(check.softmax_cross_entropy_grad, naive,
            match=r"logits \(3, 3\) = \[\[ 1000.*contains \[ *nan, .* in row 0, "
            r"exactly what softmax gives when exp is taken of the raw logits: "
            r"exp overflows float64")


def test_softmax_grad_rejects_one_shift_for_the_whole_batch():
    def one_shift(z, y):
        return (naive_softmax(z, z.max()) - onehot(y, z.shape[1])) / len(y)

    rejects(check.softmax_cross_entropy_grad, one_shift,
            match="in row 2, exactly what softmax gives when the whole batch is shifted by one "
            "maximum")


def test_softmax_grad_rejects_a_shift_by_the_row_mean():
    def mean_shift(z, y):
        return (naive_softmax(z, z.mean(axis=1, keepdims=True)) - onehot(y, z.shape[1])) / len(y)

    rejects(check.softmax_cross_entropy_grad, mean_shift,
            match="shifted by something other than its maximum")


def test_softmax_grad_gives_a_neutral_verdict_on_a_nan_it_cannot_explain():
    def nan_in_ties(z, y):
        g = softmax_grad_right(z, y)
        return np.where(np.ptp(z, axis=1, keepdims=True) == 0, np.nan, g)

    rejects(check.softmax_cross_entropy_grad, nan_in_ties,
            match=r"contains \[nan, nan, nan, nan\] in row 0; the right gradient there is")


def test_softmax_grad_rejects_wrong_shape_and_constant():
    rejects(check.softmax_cross_entropy_grad, lambda z, y: softmax_grad_right(z, y).T,
            match=r"should have shape \(4, 3\)")
    rejects(check.softmax_cross_entropy_grad, lambda z, y: np.zeros_like(z),
            match="is wrong at index")


def test_softmax_grad_rejects_exception_none_and_non_callable():
    rejects(check.softmax_cross_entropy_grad, raises_value_error, match="raised ValueError")
    rejects(check.softmax_cross_entropy_grad, lambda z, y: None, match="forget a `return`")
    rejects(check.softmax_cross_entropy_grad, None, match="is None")
    rejects(check.softmax_cross_entropy_grad, lambda z, y: "grad", match="should be numbers")


def test_softmax_grad_rejects_shifting_the_logits_in_place():
    def in_place(logits, y):
        logits -= logits.max(axis=1, keepdims=True)
        return (naive_softmax(logits) - onehot(y, logits.shape[1])) / len(y)

    rejects(check.softmax_cross_entropy_grad, in_place, match="changed its input `logits` in place")


def test_softmax_grad_rejects_a_lookup_table_of_earlier_cases():
    rejects(check.softmax_cross_entropy_grad,
            lookup_table(check.softmax_cross_entropy_grad, softmax_grad_right),
            match=r"is None.*seed=")


def test_softmax_grad_rejects_gradient_tape_on_a_library_loss():
    tf = import_tensorflow()

    def with_tape(logits, y):
        z = tf.Variable(logits)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, z))
        return tape.gradient(loss, z).numpy()

    rejects(check.softmax_cross_entropy_grad, with_tape, match="uses `tf.GradientTape`")


def test_softmax_grad_stub_says_exercise_is_yours():
    rejects(check.softmax_cross_entropy_grad,
            stub_for("3.3", "implement softmax_cross_entropy_grad(logits, y)"),
            match=r"^Exercise 3\.3 is yours")


# 3.4 Scalar (an automatic-differentiation engine) --------------------------------------------

ENGINE = """
import numpy as np


class Scalar:
    def __init__(self, value, parents=()):
        self.value = float(value)
        self.grad = 0.0
        self.parents = parents

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.value + other.value, ((self, 1.0), (other, 1.0)))

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.value * other.value, ((self, other.value), (other, self.value)))

    def __pow__(self, k):
        return Scalar(self.value ** k, ((self, k * self.value ** (k - 1)),))

    def tanh(self):
        t = float(np.tanh(self.value))
        return Scalar(t, ((self, 1.0 - t * t),))

    def exp(self):
        e = float(np.exp(self.value))
        return Scalar(e, ((self, e),))

    def log(self):
        return Scalar(float(np.log(self.value)), ((self, 1.0 / self.value),))

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent, _ in node.parents:
                    visit(parent)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node.parents:
                parent.grad += local * node.grad

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __truediv__(self, other):
        return self * other ** -1.0

    def __rtruediv__(self, other):
        return self ** -1.0 * other

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other
"""


def engine(*edits):
    """The right engine with some lines changed: edits are (old text, new text) pairs."""
    source = ENGINE
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    namespace = {}
    exec(compile(source, "<engine>", "exec"), namespace)
    return namespace["Scalar"]


CLOSURES = """
import math


class Scalar:
    # Another design: each result keeps a closure that sends its gradient to its inputs.
    def __init__(self, value, parents=(), send=None):
        self.value, self.grad = float(value), 0.0
        self._parents, self._send = parents, send or (lambda: None)

    @staticmethod
    def _of(x):
        return x if isinstance(x, Scalar) else Scalar(x)

    def __add__(self, other):
        other = Scalar._of(other)
        out = Scalar(self.value + other.value, (self, other))

        def send():
            self.grad += out.grad
            other.grad += out.grad
        out._send = send
        return out

    def __mul__(self, other):
        other = Scalar._of(other)
        out = Scalar(self.value * other.value, (self, other))

        def send():
            self.grad += other.value * out.grad
            other.grad += self.value * out.grad
        out._send = send
        return out

    def __pow__(self, k):
        out = Scalar(self.value ** k, (self,))

        def send():
            self.grad += k * self.value ** (k - 1) * out.grad
        out._send = send
        return out

    def _unary(self, value, local):
        out = Scalar(value, (self,))

        def send():
            self.grad += local * out.grad
        out._send = send
        return out

    def tanh(self):
        t = math.tanh(self.value)
        return self._unary(t, 1 - t ** 2)

    def exp(self):
        return self._unary(math.exp(self.value), math.exp(self.value))

    def log(self):
        return self._unary(math.log(self.value), 1 / self.value)

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:                                 # iterative depth-first walk
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node._parents)
        self.grad = 1.0
        for node in reversed(order):
            node._send()

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __truediv__(self, other):
        return self * Scalar._of(other) ** -1

    def __rtruediv__(self, other):
        return Scalar._of(other) * self ** -1
"""


def closures_engine():
    namespace = {}
    exec(compile(CLOSURES, "<closures>", "exec"), namespace)
    return namespace["Scalar"]


PATH_SUM = ("        order, seen = [], set()", "        self._paths(1.0)\n        return\n"
            "        order, seen = [], set()")
PATH_SUM_METHOD = ("    def backward(self):", "    def _paths(self, g):\n"
                   "        self.grad += g\n"
                   "        for parent, local in self.parents:\n"
                   "            parent._paths(local * g)\n\n    def backward(self):")


@pytest.mark.parametrize("answer", [
    engine(),
    closures_engine(),
    engine(PATH_SUM_METHOD, PATH_SUM),       # every path to the output walked: slow, right
    engine(("t = float(np.tanh(self.value))", "t = (np.exp(2 * self.value) - 1) / "
                                              "(np.exp(2 * self.value) + 1)")),
])
def test_scalar_engine_accepts_right_engines_written_differently(answer):
    assert check.scalar_engine(answer) is True


def test_scalar_engine_passes_a_right_engine_on_fresh_programs_again_and_again():
    right = engine()
    for _ in range(10):
        assert check.scalar_engine(right) is True


def test_random_programs_use_every_operation_and_stay_finite():
    rng = np.random.default_rng(0)
    ops = set()
    for _ in range(200):
        values = list(rng.uniform(-1.5, 1.5, 3))
        program = check._program(rng, values)
        ops.update(op for op, *_ in program)
        leaves = [check._Node(v) for v in values]
        out = check._run_program(program, leaves, check._node_op)
        out.backward()
        assert np.isfinite(out.value) and all(np.isfinite(leaf.grad) for leaf in leaves)
    assert ops == {"add", "mul", "sub", "div", "neg", "addc", "mulc", "rsubc", "rdivc", "pow",
                   "tanh", "exp", "log"}


@pytest.mark.parametrize("edits, message", [
    ((("parent.grad += local * node.grad", "parent.grad = local * node.grad"),),
     r"For `a \* a` at a = 1\.5, ∂/∂a should be 3; yours gave 1\.5\. It looks as if a value "
     r"used more than once gets only the gradient of its last use"),
    ((("        visit(self)\n        self.grad = 1.0\n        for node in reversed(order):\n"
       "            for parent, local in node.parents:\n"
       "                parent.grad += local * node.grad",
       "        self.grad = 1.0\n        queue, done = [self], set()\n        while queue:\n"
       "            node = queue.pop(0)\n            if id(node) in done:\n"
       "                continue\n"
       "            done.add(id(node))\n            for parent, local in node.parents:\n"
       "                parent.grad += local * node.grad\n                queue.append(parent)"),),
     r"For `c = a \* b; d = c \+ c\.exp\(\); d \* c` .*It looks as if a value passes its "
     r"gradient on before all of its users have sent theirs"),
    ((("return Scalar(t, ((self, 1.0 - t * t),))",
       "return Scalar(t, ((self, 1.0 - self.value ** 2),))"),),
     r"For `a\.tanh\(\)` at a = 0\.7, ∂/∂a should be 0\.63474; yours gave 0\.51"),
    ((("((self, other.value), (other, self.value))",
       "((self, self.value), (other, other.value))"),),
     r"For `a \* b` at a = 2, b = -3, ∂/∂a should be -3; yours gave 2"),
    ((("k * self.value ** (k - 1)", "k * self.value ** k"),),
     r"For `a \*\* 3` at a = 1\.5, ∂/∂a should be 6\.75; yours gave 10\.125"),
    ((("        self.grad = 1.0\n        for node", "        for node"),),
     r"For `a \+ b` at a = 1\.5, b = -2, ∂/∂a should be 1; yours gave 0"),
    ((("        other = other if isinstance(other, Scalar) else Scalar(other)\n"
       "        return Scalar(self.value + other.value", "        return Scalar(self.value + "
                                                        "other.value"),),
     r"`a \+ 3` raised AttributeError: 'float' object has no attribute 'value'"),
    ((("return Scalar(float(np.log(self.value)), ((self, 1.0 / self.value),))",
       "return Scalar(float(np.log(self.value)), ((self, self.value),))"),),
     r"For `a\.log\(\)` at a = 2\.5, ∂/∂a should be 0\.4; yours gave 2\.5"),
    ((("return Scalar(self.value + other.value, ((self, 1.0), (other, 1.0)))",
       "return Scalar(self.value - other.value, ((self, 1.0), (other, 1.0)))"),),
     r"`a \+ b` at a = 1\.5, b = -2: the value should be -0\.5; yours gave 3\.5"),
    ((("        self.grad = 0.0\n", "        self.grad = None\n"),),
     r"Scalar\(1\.5\)\.grad is None"),
])
def test_scalar_engine_rejects_wrong_engines_specifically(edits, message):
    rejects(check.scalar_engine, engine(*edits), match=message)


def test_scalar_engine_rejects_an_unrelated_input_that_gets_a_gradient():
    leaky = engine(("        self.grad = 1.0\n        for node", "        self.grad = 1.0\n"
                    "        for node in [n for n in order if not n.parents]:\n"
                    "            node.grad = node.grad or 0.0\n        for node"),
                   ("    def __init__(self, value, parents=()):\n",
                    "    made = []\n\n    def __init__(self, value, parents=()):\n"
                    "        Scalar.made.append(self)\n"),
                   ("        visit(self)\n", "        visit(self)\n"
                    "        for other in Scalar.made:\n"
                    "            if id(other) not in seen:\n"
                    "                other.grad = 0.5\n"))
    rejects(check.scalar_engine, leaky,
            match=r"an unrelated Scalar b has \.grad 0\.5; it should stay")


def test_scalar_engine_gives_odd_answers_a_verdict():
    rejects(check.scalar_engine, None, match="`Scalar` is None")
    rejects(check.scalar_engine, 3.0, match="should be a function")

    class Broken(engine()):
        def __init__(self, value, parents=()):
            raise ValueError("boom")

    rejects(check.scalar_engine, Broken, match=r"raised ValueError: boom")

    class NoValue:
        def __init__(self, value):
            self.number = value

    rejects(check.scalar_engine, NoValue, match=r"has no `\.value`")


def test_scalar_engine_rejects_gradient_tape():
    tf = import_tensorflow()
    right = engine()

    class Taped(right):
        def backward(self):
            with tf.GradientTape():
                super().backward()

    rejects(check.scalar_engine, Taped, match="uses `tf.GradientTape`")


def test_scalar_engine_stub_says_exercise_is_yours():
    stub = engine(("        self.value = float(value)\n", "        raise NotImplementedError("
                   "'Exercise 3.4 is yours: implement `Scalar`, a number that records its "
                   "computation and backpropagates.')\n"))
    rejects(check.scalar_engine, stub, match=r"^Exercise 3\.4 is yours: implement `Scalar`")
