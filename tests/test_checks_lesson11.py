"""Unit tests of lesson 11's checkers (Attention and transformers): right answers written
differently pass; realistic wrong ones (a mask that lets a position see the future, a missing
scale, a mask applied after the softmax, heads split along the wrong axis, lookup tables of
earlier cases, library calls the exercise asks to replace, a GPT that is not causal or already
trained) fail with a specific message; odd answers get a verdict rather than a crash."""

import numpy as np
import pytest
from answers import args_key, raises_value_error, rejects, stub_for

from helpers.checks import ExerciseFailed
from helpers.checks import lesson11 as check
from helpers.startup import import_keras

keras = import_keras()


# Exercise 11.1: attention_mask(lengths, t, causal) -------------------------------------------

def mask_broadcast(lengths, t, causal):
    lengths = np.asarray(lengths)
    keys = np.arange(t)
    mask = np.broadcast_to(keys[None, None, :] < lengths[:, None, None], (len(lengths), t, t))
    return mask & np.tril(np.ones((t, t), dtype=bool)) if causal else mask


def mask_loops(lengths, t, causal):
    out = np.zeros((len(lengths), t, t), dtype=int)
    for b, n in enumerate(lengths):
        for i in range(t):
            for j in range(t):
                out[b, i, j] = int(j < n and (j <= i or not causal))
    return out


def mask_as_lists(lengths, t, causal):
    return mask_broadcast(lengths, t, causal).astype("float32").tolist()


@pytest.mark.parametrize("answer", [mask_broadcast, mask_loops, mask_as_lists])
def test_attention_mask_accepts_right_answers_written_differently(answer):
    assert check.attention_mask(answer) is True


def future_mask(lengths, t, causal):
    lengths = np.asarray(lengths)
    mask = np.broadcast_to(np.arange(t)[None, None, :] < lengths[:, None, None],
                           (len(lengths), t, t))
    return mask & np.triu(np.ones((t, t), dtype=bool)) if causal else mask


def strict_mask(lengths, t, causal):
    lengths = np.asarray(lengths)
    mask = np.broadcast_to(np.arange(t)[None, None, :] < lengths[:, None, None],
                           (len(lengths), t, t))
    return mask & np.tril(np.ones((t, t), dtype=bool), k=-1) if causal else mask


def query_padding_mask(lengths, t, causal):
    return np.swapaxes(mask_broadcast(lengths, t, False), 1, 2) & (
        np.tril(np.ones((t, t), dtype=bool)) if causal else True)


def off_by_one_mask(lengths, t, causal):
    return mask_broadcast(np.asarray(lengths) + 1, t, causal)


def never_causal(lengths, t, causal):
    return mask_broadcast(lengths, t, False)


def no_padding(lengths, t, causal):
    return mask_broadcast(np.full(len(lengths), t), t, causal)


def one_mask_for_all(lengths, t, causal):
    return mask_broadcast(np.asarray(lengths)[:1], t, causal)[0]


@pytest.mark.parametrize("answer, message", [
    (future_mask, "lets a query see keys after it"),
    (strict_mask, "no query may look at its own position"),
    (query_padding_mask, r"hides the rows of padding \*queries\*"),
    (off_by_one_mask, "one padding key too: off by one"),
    (never_causal, "your mask is not causal"),
    (no_padding, "ignores the lengths"),
    (one_mask_for_all, r"one \(t, t\) mask per sequence"),
    (lambda lengths, t, causal: np.full((len(lengths), t, t), 2), "True and False"),
    (lambda lengths, t, causal: None, "is None"),
    (None, "`attention_mask` is None"),
    ("mask", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_attention_mask_rejects_wrong_answers_specifically(answer, message):
    rejects(check.attention_mask, answer, match=message)


def test_attention_mask_rejects_a_table_of_the_fixed_cases():
    table = {args_key((lengths, t, causal)): mask_broadcast(lengths, t, causal)
             for _, lengths, t, causal in check._mask_cases()}

    def lookup(lengths, t, causal):
        return table.get(args_key((lengths, t, causal)), np.ones((len(lengths), t, t), bool))
    message = rejects(check.attention_mask, lookup, match="lengths")
    assert "seed" in message


def test_attention_mask_rejects_an_answer_that_changes_lengths():
    def sorts_in_place(lengths, t, causal):
        lengths = np.asarray(lengths)
        lengths.sort()
        return mask_broadcast(lengths, t, causal)
    rejects(check.attention_mask, sorts_in_place, match="changed its input `lengths` in place")


def test_attention_mask_stub_message_names_the_exercise():
    stub = stub_for("11.1", "implement `attention_mask(lengths, t, causal)`")
    rejects(check.attention_mask, stub, match=r"^Exercise 11\.1 is yours: implement")


# Exercise 11.2: self_attention(x, w_qkv, w_out, heads, causal) -------------------------------

def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def attention_transpose(x, w_qkv, w_out, heads, causal):
    b, t, d = x.shape
    dk = d // heads
    q, k, v = (p.reshape(b, t, heads, dk).transpose(0, 2, 1, 3)
               for p in np.split(x @ w_qkv, 3, axis=-1))
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dk)
    if causal:
        scores = np.where(np.tril(np.ones((t, t), bool)), scores, -np.inf)
    return (softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(b, t, d) @ w_out


def attention_head_loop(x, w_qkv, w_out, heads, causal):
    """One head at a time, a large negative number instead of −∞, heads concatenated."""
    b, t, d = x.shape
    dk = d // heads
    outs = []
    for h in range(heads):
        cols = slice(h * dk, (h + 1) * dk)
        q = x @ w_qkv[:, :d][:, cols]
        k = x @ w_qkv[:, d:2 * d][:, cols]
        v = x @ w_qkv[:, 2 * d:][:, cols]
        scores = np.einsum("bid,bjd->bij", q, k) / dk ** 0.5
        if causal:
            scores = scores + np.triu(np.full((t, t), -1e9), k=1)
        outs.append(softmax(scores) @ v)
    return np.concatenate(outs, axis=-1) @ w_out


def attention_after_softmax_renormalised(x, w_qkv, w_out, heads, causal):
    """Masking after the softmax and renormalising each row: right in exact arithmetic, but on
    large scores a row whose weight all went to the future becomes 0 / 0."""
    b, t, d = x.shape
    dk = d // heads
    q, k, v = (p.reshape(b, t, heads, dk).swapaxes(1, 2) for p in np.split(x @ w_qkv, 3, -1))
    w = softmax(q @ k.swapaxes(-1, -2) / np.sqrt(dk))
    if causal:
        w = w * np.tril(np.ones((t, t)))
        w = w / w.sum(axis=-1, keepdims=True)
    return (w @ v).swapaxes(1, 2).reshape(b, t, d) @ w_out


def attention_with_keras_ops(x, w_qkv, w_out, heads, causal):
    ops = keras.ops
    b, t, d = x.shape
    dk = d // heads
    qkv = ops.matmul(ops.convert_to_tensor(x, "float32"), ops.convert_to_tensor(w_qkv, "float32"))
    q, k, v = (ops.transpose(ops.reshape(p, (b, t, heads, dk)), (0, 2, 1, 3))
               for p in ops.split(qkv, 3, axis=-1))
    scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) / np.sqrt(dk)
    if causal:
        scores = ops.where(np.tril(np.ones((t, t), bool)), scores, -1e9)
    out = ops.matmul(ops.softmax(scores, axis=-1), v)
    out = ops.reshape(ops.transpose(out, (0, 2, 1, 3)), (b, t, d))
    return ops.convert_to_numpy(ops.matmul(out, ops.convert_to_tensor(w_out, "float32")))


@pytest.mark.parametrize("answer", [attention_transpose, attention_head_loop])
def test_self_attention_accepts_right_answers_written_differently(answer):
    assert check.self_attention(answer) is True


def test_self_attention_accepts_float32_keras_ops_on_float32_and_small_cases():
    # keras.ops in float32: right to float32 rounding; the checker's float64 tolerance is for
    # float64 inputs, so such an answer is told exactly where it differs, not which mistake.
    with pytest.raises(ExerciseFailed, match="is wrong at index") as info:
        check.self_attention(attention_with_keras_ops)
    assert "Look at" not in str(info.value)


def _variant(**how):
    def answer(x, w_qkv, w_out, heads, causal):
        return check._self_attention(x, w_qkv, w_out, heads, causal, **how)
    return answer


def naive_softmax_attention(x, w_qkv, w_out, heads, causal):
    b, t, d = x.shape
    dk = d // heads
    q, k, v = (p.reshape(b, t, heads, dk).swapaxes(1, 2) for p in np.split(x @ w_qkv, 3, -1))
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(dk)
    if causal:
        scores = np.where(np.tril(np.ones((t, t), bool)), scores, -np.inf)
    e = np.exp(scores)
    return ((e / e.sum(-1, keepdims=True)) @ v).swapaxes(1, 2).reshape(b, t, d) @ w_out


def uses_keras_layer(x, w_qkv, w_out, heads, causal):
    layer = keras.layers.MultiHeadAttention(heads, x.shape[-1] // heads)
    return layer(x, x)


@pytest.mark.parametrize("answer, message", [
    (_variant(scale="none"), "your scores are not scaled"),
    (_variant(scale="model"), "the model's width"),
    (_variant(mask_mode="after"), "mask is applied after the softmax"),
    (_variant(mask_mode="future"), "lets a position see the future"),
    (_variant(mask_mode="none"), "no causal mask was applied"),
    (_variant(split="wrong"), "heads are cut along the wrong axis"),
    (_variant(split="wrong", merge="wrong"), "heads are cut along the wrong axis"),
    (_variant(merge="wrong"), "put back together wrongly"),
    (_variant(softmax_axis=-2), "softmax runs over the queries"),
    (_variant(mask_mode="strict"), "NaN or infinite"),
    (naive_softmax_attention, "NaN or infinity"),
    (attention_after_softmax_renormalised, r"entries about ±30 contains NaN or infinity"),
    (uses_keras_layer, "your answer uses `keras.layers.MultiHeadAttention`"),
    (lambda x, w_qkv, w_out, heads, causal: x, "is wrong at index"),
    (lambda x, w_qkv, w_out, heads, causal: x[:, 0], "should have shape"),
    (None, "`self_attention` is None"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_self_attention_rejects_wrong_answers_specifically(answer, message):
    rejects(check.self_attention, answer, match=message)


def test_self_attention_rejects_a_table_of_the_fixed_cases():
    table = {args_key(case[1:]): attention_transpose(*case[1:])
             for case in check._attention_cases()}

    def lookup(x, w_qkv, w_out, heads, causal):
        return table.get(args_key((x, w_qkv, w_out, heads, causal)), np.zeros_like(x))
    message = rejects(check.self_attention, lookup, match="random x")
    assert "seed" in message


def test_self_attention_rejects_an_answer_that_changes_x():
    def scales_in_place(x, w_qkv, w_out, heads, causal):
        x *= 1.0 + 1e-3
        return attention_transpose(x, w_qkv, w_out, heads, causal)
    rejects(check.self_attention, scales_in_place, match="changed its input `x` in place")


def test_self_attention_stub_message_names_the_exercise():
    stub = stub_for("11.2", "implement `self_attention(x, w_qkv, w_out, heads, causal)`")
    rejects(check.self_attention, stub, match=r"^Exercise 11\.2 is yours: implement")


@pytest.mark.parametrize("causal", [False, True])
def test_reference_self_attention_matches_keras_multi_head_attention(causal):
    rng = np.random.default_rng(0)
    b, t, heads, dk = 2, 6, 3, 4
    d = heads * dk
    x = rng.normal(size=(b, t, d)).astype("float32")
    w_qkv = rng.normal(size=(d, 3 * d)).astype("float32")
    w_out = rng.normal(size=(d, d)).astype("float32")
    layer = keras.layers.MultiHeadAttention(heads, dk, use_bias=False)
    layer(x, x)
    layer.set_weights([w_qkv[:, :d].reshape(d, heads, dk), w_qkv[:, d:2 * d].reshape(d, heads, dk),
                       w_qkv[:, 2 * d:].reshape(d, heads, dk), w_out.reshape(heads, dk, d)])
    theirs = keras.ops.convert_to_numpy(layer(x, x, use_causal_mask=causal))
    ours = check._self_attention(x, w_qkv, w_out, heads, causal)
    assert np.abs(ours - theirs).max() < 1e-4


# Exercise 11.3: build_gpt() -------------------------------------------------------------------

class Positions(keras.layers.Layer):
    def __init__(self, length, dim, **kwargs):
        super().__init__(**kwargs)
        self.table = keras.layers.Embedding(length, dim)

    def call(self, x):
        return x + self.table(keras.ops.arange(keras.ops.shape(x)[1]))


def gpt(width=64, depth=2, learning_rate=3e-3, causal=True, vocab=65, softmax=False):
    ids = keras.Input((64,), dtype="int32")
    x = Positions(64, width)(keras.layers.Embedding(vocab, width)(ids))
    for _ in range(depth):
        h = keras.layers.LayerNormalization()(x)
        x = x + keras.layers.MultiHeadAttention(4, width // 4)(h, h, use_causal_mask=causal)
        h = keras.layers.LayerNormalization()(x)
        x = x + keras.layers.Dense(width)(keras.layers.Dense(4 * width, activation="gelu")(h))
    x = keras.layers.LayerNormalization()(x)
    out = keras.layers.Dense(vocab, activation="softmax" if softmax else None)(x)
    model = keras.Model(ids, out)
    model.compile(keras.optimizers.AdamW(learning_rate, weight_decay=0.01, clipnorm=1.0),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=not softmax))
    return model


def test_fast_gpt_accepts_a_gpt_that_outputs_probabilities():
    assert check.fast_gpt(lambda: gpt(softmax=True)) is True


def test_fast_gpt_rejects_a_gpt_that_falls_short_of_the_target():
    message = rejects(check.fast_gpt, lambda: gpt(width=16, depth=1, learning_rate=3e-4),
                      match=r"validation loss is \d\.\d+ nats per character; the target is 2\.5")
    assert "the checker's fixed seed" in message and "seed=" not in message


def test_fast_gpt_rejects_a_gpt_that_sees_the_future():
    rejects(check.fast_gpt, lambda: gpt(causal=False), match="the model is not causal")


def bigram_model():
    # Already "trained": logits from the previous character's bigram counts (causal).
    train, _, vocab = check._hamlet()
    counts = np.ones((vocab, vocab))
    np.add.at(counts, (train[:-1], train[1:]), 1)
    table = np.log(counts / counts.sum(axis=1, keepdims=True))
    ids = keras.Input((64,), dtype="int32")
    lookup = keras.layers.Embedding(vocab, vocab)
    model = keras.Model(ids, lookup(ids))
    lookup.set_weights([table])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_fast_gpt_refuses_a_model_trained_before_the_check():
    rejects(check.fast_gpt, bigram_model, match="already")


def test_fast_gpt_refuses_the_same_model_twice():
    model = gpt()
    rejects(check.fast_gpt, lambda: model, match="the same model object twice")


def uncompiled():
    ids = keras.Input((64,), dtype="int32")
    return keras.Model(ids, keras.layers.Embedding(65, 65)(ids))


def too_big():
    return gpt(width=256, depth=2)


def one_output_per_window():
    ids = keras.Input((64,), dtype="int32")
    x = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(65, 8)(ids))
    model = keras.Model(ids, keras.layers.Dense(65)(x))
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def wrong_vocabulary():
    return gpt(vocab=60)


@pytest.mark.parametrize("answer, message", [
    (None, "`build_gpt` is None"),
    ("gpt", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda: "a model", "should return a Keras model"),
    (uncompiled, "the model is not compiled"),
    (too_big, "keep it to 250,000 at most"),
    (one_output_per_window, r"an array of shape \(batch, 64, 65\)"),
    (wrong_vocabulary, r"an array of shape \(batch, 64, 65\)"),
])
def test_fast_gpt_rejects_models_that_do_not_fit_the_task(answer, message):
    rejects(check.fast_gpt, answer, match=message)


def test_fast_gpt_stub_message_names_the_exercise():
    stub = stub_for("11.3", "write `build_gpt()`")
    rejects(check.fast_gpt, stub, match=r"^Exercise 11\.3 is yours: write `build_gpt\(\)`")
