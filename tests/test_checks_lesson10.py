"""Unit tests of lesson 10's checkers (Text and embeddings): right answers written differently
pass; realistic wrong answers (merges in the wrong order, a missing end marker, temperature
multiplied, no renormalisation, an unstable softmax, a model that does not read raw text, ...)
fail with a specific message; odd answers get a verdict rather than a crash."""

import re

import numpy as np
import pytest
from answers import args_key, raises_value_error, rejects, stub_for

from helpers.checks import lesson10 as check
from helpers.startup import import_keras, import_tensorflow

keras = import_keras()
tf = import_tensorflow()


# Exercise 10.1: bpe_encode(word, merges) ---------------------------------------------------------

def encode_loops(word, merges):
    symbols = list(word) + ["</w>"]
    for a, b in merges:
        merged, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                merged.append(a + b)
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols


def encode_by_rank(word, merges):
    # GPT-2's way: repeatedly merge the present pair with the lowest rank (same result).
    rank = {tuple(pair): r for r, pair in enumerate(merges)}
    symbols = tuple(word) + ("</w>",)
    while True:
        ranked = [(rank[p], p) for p in zip(symbols, symbols[1:]) if p in rank]
        if not ranked:
            return list(symbols)
        _, (a, b) = min(ranked)
        out, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == (a, b):
                out.append(a + b)
                i += 2
            else:
                out.append(symbols[i])
                i += 1
        symbols = tuple(out)


def encode_with_regex(word, merges):
    # Sennrich et al.'s reference code: symbols joined by spaces, each merge a regex replace.
    text = " ".join(list(word) + ["</w>"])
    for a, b in merges:
        pattern = re.compile(r"(?<!\S)" + re.escape(a + " " + b) + r"(?!\S)")
        text = pattern.sub(a + b, text)
    return text.split(" ")


@pytest.mark.parametrize("answer", [
    encode_loops,
    encode_by_rank,
    encode_with_regex,
    lambda word, merges: tuple(encode_loops(word, merges)),            # a tuple
    lambda word, merges: np.array(encode_loops(word, merges)),         # a NumPy array of str
])
def test_bpe_encode_accepts_right_answers_written_differently(answer):
    assert check.bpe_encode(answer) is True


def encode_reversed(word, merges):
    return encode_loops(word, merges[::-1])


def encode_first_match_only(word, merges):
    symbols = list(word) + ["</w>"]
    for a, b in merges:
        for i in range(len(symbols) - 1):
            if symbols[i] == a and symbols[i + 1] == b:
                symbols[i:i + 2] = [a + b]
                break
    return symbols


def encode_without_marker(word, merges):
    return _loops_from(list(word), merges)


def _loops_from(symbols, merges):
    for a, b in merges:
        merged, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                merged.append(a + b)
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols


def encode_glued_marker(word, merges):
    return _loops_from(list(word[:-1]) + [word[-1] + "</w>"], merges)


def encode_right_to_left(word, merges):
    symbols = list(word) + ["</w>"]
    for a, b in merges:
        merged, i = [], len(symbols) - 1
        while i >= 0:
            if i >= 1 and symbols[i - 1] == a and symbols[i] == b:
                merged.insert(0, a + b)
                i -= 2
            else:
                merged.insert(0, symbols[i])
                i -= 1
        symbols = merged
    return symbols


def encode_longest_match(word, merges):
    known = {a + b for a, b in merges} | set(word) | {"</w>"}
    text, out = word + "</w>", []
    while text:
        size = next(s for s in range(len(text), 0, -1) if text[:s] in known or s == 1)
        out.append(text[:size])
        text = text[size:]
    return out


def encode_in_place(word, merges):
    out = encode_loops(word, merges)
    merges.append(("z", "z"))
    return out


@pytest.mark.parametrize("answer, message", [
    (None, "`bpe_encode` is None"),
    (raises_value_error, r"raised ValueError: boom"),
    (encode_reversed, "applied in reverse order"),
    (encode_first_match_only, "only the first match of a merge was merged"),
    (encode_without_marker, "have no end marker"),
    (encode_glued_marker, "end marker is glued to the last character"),
    (encode_right_to_left, "merged from right to left"),
    (encode_longest_match, r"'abc' with merges \[\('b', 'c'\), \('a', 'b'\)\] the symbols should "
                           r"be \['a', 'bc', '</w>'\]"),                # two mistakes agree here
    (encode_in_place, r"changed its input `merges` in place"),
    (lambda word, merges: " ".join(encode_loops(word, merges)), "returned the text"),
    (lambda word, merges: None, "did you forget a `return`"),
    (lambda word, merges: [1, 2], "should return a list of strings"),
    (lambda word, merges: list(word) + ["</w>"],                         # merges ignored
     r"'aaaa' with the one merge \('a', 'a'\) the symbols should be \['aa', 'aa', '</w>'\]"),
])
def test_bpe_encode_rejects_wrong_answers_specifically(answer, message):
    rejects(check.bpe_encode, answer, match=message)


def test_bpe_encode_rejects_a_table_of_the_fixed_cases():
    table = {args_key((word, [tuple(m) for m in merges])): check._encode(word, merges)
             for _, word, merges in check._bpe_cases()}

    def lookup(word, merges):
        return table.get(args_key((word, merges)), list(word) + ["</w>"])
    message = rejects(check.bpe_encode, lookup, match=r"the random word .* should be")
    assert "seed" in message


def test_bpe_encode_stub_message_names_the_exercise():
    stub = stub_for("10.1", "implement `bpe_encode(word, merges)`")
    rejects(check.bpe_encode, stub, match=r"^Exercise 10\.1 is yours: implement `bpe_encode")


def test_bpe_reference_on_the_lessons_example():
    merges = [("e", "</w>"), ("h", "e</w>"), ("t", "h")]
    assert check._encode("the", merges) == ["t", "he</w>"]
    assert check._encode("aaa", [("a", "a")]) == ["aa", "a", "</w>"]


# Exercise 10.2: sampling_probabilities(logits, temperature, top_k) -------------------------------

def probs_sort(logits, temperature, top_k=None):
    z = np.asarray(logits, dtype=float) / temperature
    if top_k is not None:
        kth = np.sort(z, axis=1)[:, -top_k][:, None]
        z = np.where(z >= kth, z, -np.inf)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def probs_loops(logits, temperature, top_k=None):
    out = []
    for row in np.asarray(logits, dtype="float64"):
        k = len(row) if top_k is None else top_k
        keep = np.argpartition(-row, k - 1)[:k]
        z = row[keep] / temperature
        e = np.exp(z - z.max())
        p = np.zeros(len(row))
        p[keep] = e / e.sum()
        out.append(p.tolist())
    return out                                                     # a list of lists


def probs_power(logits, temperature, top_k=None):
    # p ** (1 / T), renormalised, is softmax(z / T) too; computed stably in logs.
    z = np.asarray(logits, dtype=float)
    logp = z - z.max(axis=1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(axis=1, keepdims=True))
    scaled = logp / temperature
    if top_k is not None:
        order = np.argsort(-scaled, axis=1)
        mask = np.zeros_like(scaled, dtype=bool)
        np.put_along_axis(mask, order[:, :top_k], True, axis=1)
        scaled = np.where(mask, scaled, -np.inf)
    p = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    return (p / p.sum(axis=1, keepdims=True)).astype("float32")


@pytest.mark.parametrize("answer", [probs_sort, probs_loops, probs_power])
def test_sampling_probabilities_accepts_right_answers_written_differently(answer):
    assert check.sampling_probabilities(answer) is True


def probs_times_t(logits, temperature, top_k=None):
    return probs_sort(np.asarray(logits) * temperature ** 2, temperature, top_k)


def probs_not_renormalised(logits, temperature, top_k=None):
    full = probs_sort(logits, temperature)
    return np.where(probs_sort(logits, temperature, top_k) > 0, full, 0.0)


def probs_naive(logits, temperature, top_k=None):
    z = np.asarray(logits, dtype=float) / temperature
    if top_k is not None:
        kth = np.sort(z, axis=1)[:, -top_k][:, None]
        z = np.where(z >= kth, z, -np.inf)
    with np.errstate(all="ignore"):
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)


def probs_smallest(logits, temperature, top_k=None):
    return probs_sort(-np.asarray(logits), 1.0, top_k) * 0 + \
        check._smallest(np.asarray(logits, dtype=float), temperature, top_k) \
        if top_k is not None else probs_sort(logits, temperature)


def probs_one_too_many(logits, temperature, top_k=None):
    v = np.shape(logits)[1]
    return probs_sort(logits, temperature, None if top_k is None else min(top_k + 1, v))


def probs_columns(logits, temperature, top_k=None):
    z = np.asarray(logits, dtype=float) / temperature
    p = np.exp(z - z.max(axis=0, keepdims=True))
    return p / p.sum(axis=0, keepdims=True)


def probs_in_place(logits, temperature, top_k=None):
    out = probs_sort(logits, temperature, top_k)
    logits /= temperature
    return out


@pytest.mark.parametrize("answer, message", [
    (None, "`sampling_probabilities` is None"),
    (raises_value_error, r"raised ValueError: boom"),
    (probs_times_t, "multiplied by the temperature"),
    (lambda logits, temperature, top_k=None: probs_sort(logits, 1.0, top_k),
     "temperature seems to have no effect"),
    (probs_not_renormalised, "do not sum to 1: after dropping"),
    (probs_naive, "contain NaN or infinity.*overflows"),
    (probs_smallest, "kept the k smallest logits"),
    (probs_one_too_many, "top_k 2 each row keeps 3 entries instead of top_k = 2"),
    (probs_columns, "your columns sum to 1, not your rows"),
    (probs_in_place, r"changed its input `logits` in place"),
    (lambda logits, temperature, top_k=None: probs_sort(logits, temperature, top_k)[0],
     "should have shape"),
    (lambda logits, temperature, top_k=None: None, "did you forget a `return`"),
])
def test_sampling_probabilities_rejects_wrong_answers_specifically(answer, message):
    rejects(check.sampling_probabilities, answer, match=message)


@pytest.mark.parametrize("answer, name", [
    (lambda logits, temperature, top_k=None: keras.ops.softmax(logits / temperature),
     "keras.ops.softmax"),
    (lambda logits, temperature, top_k=None: tf.nn.softmax(logits / temperature), "tf.nn.softmax"),
])
def test_sampling_probabilities_refuses_the_library_softmax(answer, name):
    rejects(check.sampling_probabilities, answer, match=f"your answer uses `{re.escape(name)}`")


def test_sampling_probabilities_rejects_a_table_of_the_fixed_cases():
    table = {args_key((logits, t, k)): probs_sort(logits, t, k)
             for _, logits, t, k in check._sampling_cases()}

    def lookup(logits, temperature, top_k=None):
        return table.get(args_key((logits, temperature, top_k)),
                         np.full(np.shape(logits), 1 / np.shape(logits)[1]))
    message = rejects(check.sampling_probabilities, lookup, match=r"random logits of shape")
    assert "seed" in message


def test_sampling_probabilities_stub_message_names_the_exercise():
    stub = stub_for("10.2", "implement `sampling_probabilities(logits, temperature, top_k)`")
    rejects(check.sampling_probabilities, stub, match=r"^Exercise 10\.2 is yours")


def test_sampling_reference_is_keras_softmax_without_top_k():
    logits = np.random.default_rng(3).normal(size=(4, 7))
    ours = check._probabilities(logits, 0.7)
    theirs = keras.ops.convert_to_numpy(keras.ops.softmax(logits / 0.7, axis=1))
    assert np.allclose(ours, theirs, atol=1e-6)


# Exercise 10.3: build_model(), judged by the accuracy it reaches ---------------------------------

L = keras.layers


def _train_texts():
    return check._snippets()[0]


def bag_builder(rate=3e-3, logits=False, keep_axis=False):
    def build_model():
        words = L.TextVectorization(max_tokens=10_000, output_sequence_length=40)
        words.adapt(_train_texts())
        shape = (1,) if keep_axis else ()
        model = keras.Sequential([
            keras.Input(shape=shape, dtype="string"), words,
            L.Embedding(10_000, 32, mask_zero=True), L.GlobalAveragePooling1D(),
            L.Dense(1, activation=None if logits else "sigmoid")])
        loss = keras.losses.BinaryCrossentropy(from_logits=logits)
        model.compile(optimizer=keras.optimizers.Adam(rate), loss=loss)
        return model
    return build_model


def test_sentiment_model_accepts_an_embedding_bag_with_logits_and_an_input_axis():
    assert check.sentiment_model(bag_builder(logits=True, keep_axis=True)) is True


def test_sentiment_model_says_when_the_loss_does_not_fall():
    message = rejects(check.sentiment_model, bag_builder(rate=1e-7),
                      match=r"below the target 0\.74\. The training loss hardly fell")
    assert "the checker's fixed seed" in message and "seed=" not in message


def unadapted():
    words = L.TextVectorization(max_tokens=10_000, output_sequence_length=40,
                                vocabulary=["the", "a"])
    model = keras.Sequential([keras.Input(shape=(), dtype="string"), words,
                              L.Embedding(10_000, 8), L.GlobalAveragePooling1D(),
                              L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy")
    return model


def test_sentiment_model_rejects_a_vectoriser_that_knows_two_words():
    rejects(check.sentiment_model, unadapted, match=r"below the target 0\.74")


def ids_input():
    model = keras.Sequential([keras.Input((40,), dtype="int32"), L.Embedding(10_000, 8),
                              L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def two_outputs():
    words = L.TextVectorization(max_tokens=100, output_sequence_length=10,
                                vocabulary=["the", "a"])
    model = keras.Sequential([keras.Input(shape=(), dtype="string"), words, L.Embedding(100, 4),
                              L.GlobalAveragePooling1D(), L.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def uncompiled():
    words = L.TextVectorization(max_tokens=100, output_sequence_length=10,
                                vocabulary=["the", "a"])
    return keras.Sequential([keras.Input(shape=(), dtype="string"), words, L.Embedding(100, 4),
                             L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid")])


def too_big():
    words = L.TextVectorization(max_tokens=100, output_sequence_length=10,
                                vocabulary=["the", "a"])
    model = keras.Sequential([keras.Input(shape=(), dtype="string"), words,
                              L.Embedding(40_000, 32), L.GlobalAveragePooling1D(),
                              L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


_same = bag_builder()()


@pytest.mark.parametrize("answer, message", [
    (None, "`build_model` is None"),
    ("bag", "should be a function; got a str"),
    (raises_value_error, r"raised ValueError: boom"),
    (lambda: "a model", "should return a Keras model"),
    (lambda: _same, "the same model object twice"),
    (ids_input, "should take raw snippets"),
    (two_outputs, r"output shape \(None, 1\)"),
    (uncompiled, "the model is not compiled"),
    (too_big, "keep it to 1,000,000 at most"),
])
def test_sentiment_model_rejects_models_that_do_not_fit_the_task(answer, message):
    rejects(check.sentiment_model, answer, match=message)


def test_sentiment_model_refuses_a_model_trained_before_the_check():
    built = []

    def recording():
        built.append(bag_builder()())
        return built[-1]
    assert check.sentiment_model(recording) is True
    trained = [m for m in built if m.optimizer.iterations.numpy() > 0][0]
    handed_back = iter([trained, bag_builder()()])
    rejects(check.sentiment_model, lambda: next(handed_back), match="already right on")


def test_sentiment_model_stub_message_names_the_exercise():
    stub = stub_for("10.3", "write `build_model()`")
    rejects(check.sentiment_model, stub, match=r"^Exercise 10\.3 is yours: write `build_model")


# Exercise 10.4: embedding_gradient(ids, grad_out, vocab_size) ------------------------------------

def grad_add_at(ids, grad_out, vocab_size):
    grad = np.zeros((vocab_size, grad_out.shape[-1]))
    np.add.at(grad, np.asarray(ids).ravel(), grad_out.reshape(-1, grad_out.shape[-1]))
    return grad


def grad_loops(ids, grad_out, vocab_size):
    grad = [[0.0] * grad_out.shape[-1] for _ in range(vocab_size)]
    for i, row in enumerate(ids):
        for j, word in enumerate(row):
            grad[word] = [g + v for g, v in zip(grad[word], grad_out[i, j])]
    return grad                                                        # a list of lists


def grad_one_hot(ids, grad_out, vocab_size):
    one_hot = np.eye(vocab_size, dtype="float32")[ids]                 # (n, L, V)
    return np.einsum("nlv,nld->vd", one_hot, grad_out.astype("float32"))


def grad_bincount(ids, grad_out, vocab_size):
    flat = grad_out.reshape(-1, grad_out.shape[-1])
    return np.stack([np.bincount(ids.ravel(), weights=flat[:, k], minlength=vocab_size)
                     for k in range(flat.shape[1])], axis=1)


@pytest.mark.parametrize("answer", [grad_add_at, grad_loops, grad_one_hot, grad_bincount])
def test_embedding_gradient_accepts_right_answers_written_differently(answer):
    assert check.embedding_gradient(answer) is True


def grad_fancy_index(ids, grad_out, vocab_size):
    grad = np.zeros((vocab_size, grad_out.shape[-1]))
    grad[ids.ravel()] += grad_out.reshape(-1, grad_out.shape[-1])
    return grad


def grad_mean(ids, grad_out, vocab_size):
    counts = np.bincount(ids.ravel(), minlength=vocab_size)[:, None]
    return grad_add_at(ids, grad_out, vocab_size) / np.maximum(counts, 1)


def grad_skipping_padding(ids, grad_out, vocab_size):
    grad = grad_add_at(ids, grad_out, vocab_size)
    grad[0] = 0.0
    return grad


def grad_in_place(ids, grad_out, vocab_size):
    grad = grad_add_at(ids, grad_out, vocab_size)
    grad_out *= 0
    return grad


@pytest.mark.parametrize("answer, message", [
    (None, "`embedding_gradient` is None"),
    (raises_value_error, r"raised ValueError: boom"),
    (grad_fancy_index, r"ids \[\[3, 3\]\].*got the gradient of only one of its occurrences"),
    (grad_mean, "were averaged; they should be added"),
    (grad_skipping_padding, "row 0 of your gradient is zero"),
    (lambda ids, grad_out, vocab_size: -grad_add_at(ids, grad_out, vocab_size), "wrong sign"),
    (lambda ids, grad_out, vocab_size: grad_add_at(ids, grad_out, vocab_size).T,
     "the transposed shape"),
    (lambda ids, grad_out, vocab_size: grad_out, r"should have shape \(5, 2\)"),
    (grad_in_place, r"changed its input `grad_out` in place"),
    (lambda ids, grad_out, vocab_size: None, "did you forget a `return`"),
])
def test_embedding_gradient_rejects_wrong_answers_specifically(answer, message):
    rejects(check.embedding_gradient, answer, match=message)


def test_embedding_gradient_refuses_gradient_tape():
    def taped(ids, grad_out, vocab_size):
        table = tf.Variable(tf.zeros((vocab_size, grad_out.shape[-1]), dtype="float64"))
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(tf.gather(table, ids) * grad_out)
        return tf.convert_to_tensor(tape.gradient(total, table)).numpy()
    rejects(check.embedding_gradient, taped, match="your answer uses `tf.GradientTape`")


def test_embedding_gradient_rejects_a_table_of_the_fixed_cases():
    table = {args_key((ids, g, v)): grad_add_at(ids, g, v)
             for _, ids, g, v in check._embedding_cases()}

    def lookup(ids, grad_out, vocab_size):
        return table.get(args_key((ids, grad_out, vocab_size)),
                         np.zeros((vocab_size, grad_out.shape[-1])))
    message = rejects(check.embedding_gradient, lookup, match=r"random ids of shape")
    assert "seed" in message


def test_embedding_gradient_stub_message_names_the_exercise():
    stub = stub_for("10.4", "implement `embedding_gradient(ids, grad_out, vocab_size)`")
    rejects(check.embedding_gradient, stub, match=r"^Exercise 10\.4 is yours")


def test_embedding_gradient_reference_matches_a_keras_embedding_layer():
    ids = np.array([[1, 1, 0], [2, 1, 3]])
    grad_out = np.random.default_rng(5).normal(size=(2, 3, 4)).astype("float32")
    layer = keras.layers.Embedding(4, 4)
    layer.build((None, 3))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(layer(ids) * grad_out)
    theirs = tf.convert_to_tensor(tape.gradient(total, layer.embeddings)).numpy()
    assert np.allclose(check._tape_embedding_gradient(ids, grad_out, 4), theirs, atol=1e-5)
