"""Checkers for lesson 10 (Text and embeddings).

10.1 compares the learner's BPE encoder with a reference that applies the merges in the order
learned, each to every adjacent pair it matches from left to right, on fixed words (merges that
match twice in a word, merges that build on earlier merges, merges with the end marker, a word
no merge applies to, an empty list of merges) and on corpora drawn afresh on every call, whose
merges the checker learns itself. 10.2 compares temperature and top-k probabilities with a
stable NumPy reference on fixed edge cases (logits in the thousands, a temperature of 0.01,
top_k of 1 and of V, a batch of one, float32) and on drawn cases with no tie at the top-k
boundary. A mistake is named only when the answer's result is what that one mistake gives on
the failing case; otherwise the message says what was expected, what came back, and for which
input.

10.3 is judged by its outcome: the checker calls `build_model()` twice (two separate, untrained
models), trains one on the lesson's training snippets for a fixed budget from the kit's
OUTCOME_SEED and measures the validation accuracy itself after every epoch. It trusts no
number the learner reports.
"""

import collections

import numpy as np

from helpers.checks import (
    OUTCOME_SEED,
    Reject,
    as_array,
    call,
    diagnose,
    exercise,
    expect_close,
    expect_shape,
    expect_untrained,
    need_callable,
    outcome_model,
    ready_to_train,
    short,
)

END = "</w>"


# 10.1 ----------------------------------------------------------------------------------------

def _apply(symbols, pair, right_to_left=False, first_only=False):
    """symbols with every adjacent `pair` merged (left to right unless told otherwise)."""
    symbols = list(symbols)[::-1] if right_to_left else list(symbols)
    a, b = pair[::-1] if right_to_left else pair
    out, i, done = [], 0, False
    while i < len(symbols):
        if not done and i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
            out.append(symbols[i + 1] + symbols[i] if right_to_left else a + b)
            i += 2
            done = first_only
        else:
            out.append(symbols[i])
            i += 1
    return out[::-1] if right_to_left else out


def _encode(word, merges, start=None, **how):
    """Reference: word's characters and END, with each merge applied in order."""
    symbols = list(word) + [END] if start is None else list(start)
    for pair in merges:
        symbols = _apply(symbols, pair, **how)
    return symbols


def _learn(words, num_merges):
    """Merges learned on a list of words, most frequent adjacent pair first (ties: first seen)."""
    counts = collections.Counter(words)
    split = {w: list(w) + [END] for w in counts}
    merges = []
    for _ in range(num_merges):
        pairs = collections.Counter()
        for w, symbols in split.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += counts[w]
        if not pairs:
            break
        best = pairs.most_common(1)[0][0]
        merges.append(best)
        split = {w: _apply(s, best) for w, s in split.items()}
    return merges


def _longest_match(word, merges):
    """A WordPiece-like mistake: cut the word greedily into the longest known symbols."""
    known = {a + b for a, b in merges} | set(word) | {END}
    text, out = word + END, []
    while text:
        for size in range(len(text), 0, -1):
            if text[:size] in known or size == 1:
                out.append(text[:size])
                text = text[size:]
                break
    return out


_ENGLISH = ("the", "then", "there", "these", "other", "brother", "mother", "father", "rather",
            "watch", "watched", "watching", "watcher", "catch", "catcher", "match", "matches",
            "able", "table", "cable", "stable", "unable", "enable", "lower", "newer", "wider",
            "slowest", "newest", "widest", "lowest", "play", "player", "played", "replay")


def _bpe_cases():
    """Fixed cases (the same on every call): (given, word, merges)."""
    english = _learn(list(_ENGLISH) * 2 + ["the"] * 5 + ["watch"] * 3, 40)
    return [
        ("'cat' with no merges at all", "cat", []),
        ("'aaaa' with the one merge ('a', 'a')", "aaaa", [("a", "a")]),
        ("'aaa' with the one merge ('a', 'a')", "aaa", [("a", "a")]),
        ("'abc' with merges [('a', 'b'), ('b', 'c')]", "abc", [("a", "b"), ("b", "c")]),
        ("'abc' with merges [('b', 'c'), ('a', 'b')]", "abc", [("b", "c"), ("a", "b")]),
        ("'the' with merges [('e', '</w>'), ('h', 'e</w>'), ('t', 'h')]", "the",
         [("e", END), ("h", "e" + END), ("t", "h")]),
        ("'lowlow' with merges [('l', 'o'), ('lo', 'w'), ('low', '</w>')]", "lowlow",
         [("l", "o"), ("lo", "w"), ("low", END)]),
        ("'a' with the merge ('a', '</w>')", "a", [("a", END)]),
        ("'xyz', which no merge matches, with merges [('a', 'b'), ('ab', 'c')]", "xyz",
         [("a", "b"), ("ab", "c")]),
        ("'café' with merges [('f', 'é'), ('a', 'fé')]", "café", [("f", "é"), ("a", "fé")]),
        ("'unwatchable' with 40 merges learned from English words", "unwatchable", english),
        ("'rewatched' with 40 merges learned from English words", "rewatched", english),
        ("'mothers' with 40 merges learned from English words", "mothers", english),
    ]


def _bpe_drawn(rng, corpora=2, words=4):
    cases = []
    for _ in range(corpora):
        letters = "abcde"[:int(rng.integers(3, 6))]
        corpus = ["".join(rng.choice(list(letters), size=int(rng.integers(1, 8))))
                  for _ in range(40)]
        merges = _learn(corpus, int(rng.integers(8, 30)))
        for _ in range(words):
            word = "".join(rng.choice(list(letters), size=int(rng.integers(1, 10))))
            cases.append((f"the random word {word!r} with {len(merges)} merges learned from a "
                          f"random corpus over {letters!r}: merges = {short(merges, 200)}",
                          word, merges))
    return cases


def _bpe_mistakes(given, word, merges):
    return [
        (_encode(word, merges, start=list(word)),
         f"For {given} your symbols have no end marker: start from the characters followed by "
         f"the separate symbol {END!r}, so that merges involving it can apply."),
        (_encode(word, merges, start=list(word[:-1]) + [word[-1] + END]),
         f"For {given} the end marker is glued to the last character from the start; it should "
         "be a symbol of its own until a merge joins it."),
        (_encode(word, merges[::-1]),
         f"For {given} the merges seem to be applied in reverse order; apply them in the order "
         "they were learned, first to last."),
        (_encode(word, merges, first_only=True),
         f"For {given} only the first match of a merge was merged; a merge applies to every "
         "adjacent pair it matches in the word."),
        (_encode(word, merges, right_to_left=True),
         f"For {given} the pairs were merged from right to left; when matches overlap (as in "
         "'aaa'), read the word from left to right."),
        (_longest_match(word, merges),
         f"For {given} you cut the word into the longest known symbols from the left; BPE "
         "instead replays the merges, one after another, in the order learned."),
    ]


def _symbols(value, given):
    """The answer as a list of str, or a Reject saying what it was."""
    if value is None:
        raise Reject(f"For {given} `bpe_encode` returned None: did you forget a `return`?")
    if isinstance(value, str):
        raise Reject(f"For {given} `bpe_encode` returned the text {short(value, 40)}; it should "
                     "return a list of symbols (strings), one per token.")
    try:
        items = list(value)
    except TypeError:
        raise Reject(f"For {given} `bpe_encode` should return a list of strings; it returned "
                     f"a {type(value).__name__}.") from None
    if not all(isinstance(s, (str, np.str_)) for s in items):
        raise Reject(f"For {given} `bpe_encode` should return a list of strings; it returned "
                     f"{short(items, 60)}.")
    return [str(s) for s in items]


@exercise("10.1")
def bpe_encode(answer, rng):
    need_callable(answer, "bpe_encode")
    cases = _bpe_cases() + _bpe_drawn(rng)
    for given, word, merges in cases:
        got = _symbols(call(answer, word, [tuple(m) for m in merges], name="bpe_encode"), given)
        right = _encode(word, merges)
        diagnose(got, right, _bpe_mistakes(given, word, merges), lambda a, b: a == b)
        if got != right:
            raise Reject(f"For {given} the symbols should be {right}; yours are {got}.")
    return (f"right on {len(cases)} words: merges applied in order, repeated and overlapping "
            "matches, the end marker, words no merge touches, and merges learned afresh.")


# 10.2 ----------------------------------------------------------------------------------------

def _probabilities(logits, temperature, top_k=None, axis=1):
    """Reference: softmax(logits / T) over each row's top_k largest logits (float64)."""
    z = np.asarray(logits, dtype=float) / temperature
    if top_k is not None:
        kth = -np.sort(-z, axis=axis).take(top_k - 1, axis=axis)
        z = np.where(z >= np.expand_dims(kth, axis), z, -np.inf)
    p = np.exp(z - z.max(axis=axis, keepdims=True))
    return p / p.sum(axis=axis, keepdims=True)


def _sampling_cases():
    """Fixed cases (the same on every call): (given, logits, temperature, top_k)."""
    mixed = np.array([[0.5, 2.0, -1.0, 1.9, 0.0],
                      [3.0, -2.0, 0.1, 0.2, 2.5],
                      [-1.0, -0.5, 4.0, -3.0, 1.0]])
    return [
        ("logits [[1, 2, 3]], T = 1, top_k None", np.array([[1.0, 2.0, 3.0]]), 1.0, None),
        ("logits [[1000, -1000, 0]], T = 1, top_k None", np.array([[1000.0, -1000.0, 0.0]]),
         1.0, None),
        ("logits [[10, 9.5, 1, -3]], T = 0.01, top_k None",
         np.array([[10.0, 9.5, 1.0, -3.0]]), 0.01, None),
        ("logits [[3, 1, 0, -2]], T = 2, top_k None", np.array([[3.0, 1.0, 0.0, -2.0]]), 2.0,
         None),
        ("logits [[3, 1, 0, -2]], T = 0.5, top_k 2", np.array([[3.0, 1.0, 0.0, -2.0]]), 0.5, 2),
        ("3 rows of 5 logits, T = 1, top_k 1", mixed, 1.0, 1),
        ("3 rows of 5 logits, T = 0.7, top_k 2 (each row's top two elsewhere)", mixed, 0.7, 2),
        ("3 rows of 5 logits, T = 1.5, top_k 5 (= V, keeps all)", mixed, 1.5, 5),
        ("logits [[-50, -52, -49.5, -60]] (all negative), T = 1, top_k 3",
         np.array([[-50.0, -52.0, -49.5, -60.0]]), 1.0, 3),
        ("logits [[2000, 1999, -5, 1500]], T = 0.05, top_k 3",
         np.array([[2000.0, 1999.0, -5.0, 1500.0]]), 0.05, 3),
        ("one logit [[5]], T = 0.5, top_k 1", np.array([[5.0]]), 0.5, 1),
        ("logits [[1, 1, 3, 0]] (a tie inside the top 3), T = 1, top_k 3",
         np.array([[1.0, 1.0, 3.0, 0.0]]), 1.0, 3),
        ("2 rows of 6 float32 logits, T = 0.8, top_k 4",
         np.array([[0.2, -1.1, 2.3, 0.9, -0.4, 1.5], [1.0, 0.3, -2.0, 0.6, 2.2, -0.7]],
                  dtype="float32"), 0.8, 4),
    ]


def _sampling_drawn(rng, count=4):
    cases = []
    for _ in range(count):
        n, v = int(rng.integers(1, 6)), int(rng.integers(2, 13))
        logits = rng.normal(0, rng.uniform(0.5, 5), size=(n, v))
        temperature = float(np.exp(rng.uniform(np.log(0.1), np.log(5))))
        top_k = None if rng.random() < 0.25 else int(rng.integers(1, v + 1))
        cases.append((f"random logits of shape ({n}, {v}), T = {temperature:.4g}, top_k "
                      f"{top_k}: logits = {short(logits, 120)}", logits, temperature, top_k))
    return cases


def _sampling_mistakes(given, logits, temperature, top_k):
    v = logits.shape[1]
    z = np.asarray(logits, dtype=float)
    mistakes = [
        (_probabilities(z * temperature * temperature, temperature, top_k),
         f"For {given} the logits were multiplied by the temperature; divide them by it (a "
         "low temperature sharpens the distribution)."),
        (_probabilities(z, 1.0, top_k),
         f"For {given} the temperature seems to have no effect; divide the logits by it."),
    ]
    if top_k is None or top_k <= logits.shape[0]:
        mistakes.append((_probabilities(z, temperature, top_k, axis=0),
                         f"For {given} your columns sum to 1, not your rows: normalise each "
                         "row (one distribution per row) over axis 1."))
    if top_k is not None:
        full = _probabilities(z, temperature)
        kept = _probabilities(z, temperature, top_k) > 0
        mistakes.append((np.where(kept, full, 0.0),
                         f"For {given} the kept entries do not sum to 1: after dropping all "
                         "but the top k, renormalise each row."))
        mistakes.append((_probabilities(-z, temperature, top_k) * 0 +
                         _smallest(z, temperature, top_k),
                         f"For {given} you kept the k smallest logits; keep the k largest."))
        for other in (top_k - 1, top_k + 1):
            if 1 <= other <= v:
                mistakes.append((_probabilities(z, temperature, other),
                                 f"For {given} each row keeps {other} entries instead of "
                                 f"top_k = {top_k}: an off-by-one at the boundary."))
    return mistakes


def _smallest(z, temperature, top_k):
    """The probabilities kept on the k smallest logits (a mistake)."""
    keep = np.argsort(z, axis=1)[:, :top_k]
    mask = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(mask, keep, True, axis=1)
    zz = np.where(mask, z / temperature, -np.inf)
    p = np.exp(zz - zz.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


@exercise("10.2", forbid=("keras.ops.softmax", "tf.nn.softmax", "scipy.special.softmax",
                          "keras.activations.softmax", "tf.math.top_k", "keras.ops.top_k"))
def sampling_probabilities(answer, rng):
    need_callable(answer, "sampling_probabilities")
    cases = _sampling_cases() + _sampling_drawn(rng)
    for given, logits, temperature, top_k in cases:
        got = call(answer, logits, temperature, top_k, name="sampling_probabilities")
        got = as_array(got, f"sampling_probabilities for {given}")
        right = _probabilities(logits, temperature, top_k)
        expect_shape(got, right.shape, f"sampling_probabilities for {given}")
        if not np.all(np.isfinite(got)):
            raise Reject(f"For {given} your probabilities contain NaN or infinity: "
                         f"{short(got)}. np.exp overflows above about 709, and the logits "
                         "divided by a small temperature get there; make the exponent safe "
                         "first, without changing the result.")
        same = lambda a, b: a.shape == np.shape(b) and bool(  # noqa: E731
            np.all(np.isfinite(b)) and np.allclose(a, b, rtol=1e-5, atol=1e-7))
        diagnose(got, right, _sampling_mistakes(given, logits, temperature, top_k), same)
        expect_close(got, right, "sampling_probabilities(logits, temperature, top_k)",
                     rtol=1e-5, atol=1e-7, given=given)
    return (f"right on {len(cases)} cases: logits in the thousands, T from 0.01 up, top_k from "
            "1 to V and None, a batch of one, float32.")


# 10.3 ----------------------------------------------------------------------------------------

EPOCHS, BATCH_SIZE = 4, 64       # the training budget the checker gives the learner's model
TARGET = 0.74                    # validation accuracy to reach, at the end of some epoch
MAX_PARAMS = 1_000_000
UNTRAINED = 0.68                 # a fresh model scores near 0.42 or 0.58; above this, trained


def _snippets():
    """The lesson's sentiment split: train and validation snippets (str) and labels."""
    from helpers import data

    reviews = data.load_rotten_tomatoes(val=0.15, test=0.15, seed=0)
    return reviews.x_train, reviews.y_train, reviews.x_val, reviews.y_val


def _feed(model, texts):
    """Texts as a string tensor shaped as the model's input wants them: (n,) or (n, 1)."""
    import tensorflow as tf

    shape = tuple(model.input_shape) if not isinstance(model.input_shape, list) else None
    texts = tf.constant([str(t) for t in texts])
    return texts[:, None] if shape == (None, 1) else texts


def _expect_ready(model):
    shape = tuple(model.input_shape) if not isinstance(model.input_shape, list) else None
    dtype = str(getattr(model.inputs[0], "dtype", "")) if getattr(model, "inputs", None) else ""
    if shape not in ((None,), (None, 1)) or "string" not in dtype:
        raise Reject(f"the model should take raw snippets, `keras.Input(shape=(), "
                     f"dtype='string')`; yours takes input shape {model.input_shape} of dtype "
                     f"{dtype or 'unknown'}. Put the TextVectorization layer inside the model.")
    out = tuple(model.output_shape) if not isinstance(model.output_shape, list) else None
    if out not in ((None, 1), (None,)):
        raise Reject(f"the model should give one probability per snippet, output shape "
                     f"(None, 1); yours has {model.output_shape}.")
    ready_to_train(model, "build_model", MAX_PARAMS)


def _accuracy(model, texts, labels):
    scores = np.asarray(model.predict(_feed(model, texts), batch_size=512, verbose=0),
                        dtype=float).reshape(len(texts), -1)
    if scores.shape[1] != 1:
        raise Reject(f"the model gave {scores.shape[1]} numbers per snippet; it should give one.")
    scores = scores[:, 0]
    if not np.all(np.isfinite(scores)):
        raise Reject("the model's outputs contain NaN or infinity.")
    cut = 0.0 if scores.min() < 0 or scores.max() > 1 else 0.5   # logits or probabilities
    return float(np.mean((scores > cut) == (labels == 1)))


@exercise("10.3")
def sentiment_model(answer):
    import keras
    import tensorflow as tf

    model = outcome_model(answer, "build_model")
    _expect_ready(model)
    x, y, xv, yv = _snippets()
    before = _accuracy(model, xv, yv)
    expect_untrained("build_model", before, UNTRAINED,
                     "the model is already right on {:.1%} of the validation snippets")
    curve = []

    class Measure(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            curve.append(_accuracy(model, xv, yv))

    texts = _feed(model, x)
    batches = tf.data.Dataset.from_tensor_slices((texts, y.astype("float32"))).shuffle(
        len(x), seed=OUTCOME_SEED).batch(BATCH_SIZE)
    try:
        history = model.fit(batches, epochs=EPOCHS, shuffle=False, verbose=0,
                            callbacks=[Measure()])
    except Reject:
        raise
    except Exception as error:
        raise Reject(f"training the model raised {type(error).__name__}: "
                     f"{short(str(error), 200)}. Check the loss against the labels (0 rotten, "
                     "1 fresh) and the model's output.") from None
    shown = ", ".join(f"{a:.3f}" for a in curve)
    best = max(curve)
    if best < TARGET:
        losses = [float(v) for v in history.history.get("loss", [])]
        broken = bool(losses) and not np.isfinite(losses).all()
        stuck = not broken and len(losses) > 1 and losses[-1] > 0.95 * losses[0]
        why = (" The training loss is NaN or infinite: lower the learning rate." if broken else
               " The training loss hardly fell: is the TextVectorization adapted on the "
               "training snippets, and do the last activation and the loss agree?" if stuck
               else " It learns, but not enough: a larger vocabulary, an embedding bag with "
               "masking, bigrams, or another learning rate may get there.")
        raise Reject(f"trained for {EPOCHS} epochs (batches of {BATCH_SIZE}, the checker's fixed "
                     f"seed), your model's validation accuracy after each epoch was {shown}; the "
                     f"best, {best:.3f}, is below the target {TARGET}." + why)
    return (f"trained for {EPOCHS} epochs on the {len(x):,} training snippets, your model "
            f"({model.count_params():,} parameters) reached {best:.1%} validation accuracy "
            f"(epoch by epoch: {shown}).")


# 10.4 ----------------------------------------------------------------------------------------

def _tape_embedding_gradient(ids, grad_out, vocab_size):
    """What tf.GradientTape gives for sum(grad_out · E[ids]) with respect to E, float64."""
    import tensorflow as tf

    grad_out = np.asarray(grad_out, dtype="float64")
    table = tf.Variable(np.random.default_rng(0).normal(size=(vocab_size, grad_out.shape[-1])))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(tf.gather(table, np.asarray(ids)) * grad_out)
    return tf.convert_to_tensor(tape.gradient(total, table)).numpy()


def _embedding_cases():
    """Fixed cases (the same on every call): (given, ids, grad_out, vocab_size)."""
    fixed = np.random.default_rng(1004)
    return [
        ("ids [[3, 3]] (one word twice), vocab_size 5, d 2", np.array([[3, 3]]),
         fixed.normal(size=(1, 2, 2)), 5),
        ("ids [[1, 2], [2, 0]] (a word in two snippets, a padding 0), vocab_size 4, d 3",
         np.array([[1, 2], [2, 0]]), fixed.normal(size=(2, 2, 3)), 4),
        ("ids [[0, 0, 0]] (padding only), vocab_size 3, d 1", np.array([[0, 0, 0]]),
         fixed.normal(size=(1, 3, 1)), 3),
        ("ids [[4]] (one snippet of one word), vocab_size 6, d 4", np.array([[4]]),
         fixed.normal(size=(1, 1, 4)), 6),
        ("int32 ids of shape (3, 5), vocab_size 7, float32 grad_out with d 3",
         fixed.integers(0, 7, size=(3, 5)).astype("int32"),
         fixed.normal(size=(3, 5, 3)).astype("float32"), 7),
        ("ids of shape (2, 6) in a vocabulary of 50 (most rows unused), d 2",
         fixed.integers(0, 50, size=(2, 6)), fixed.normal(size=(2, 6, 2)), 50),
        ("int64 ids of shape (4, 2), vocabulary of 3, d 5", fixed.integers(0, 3, size=(4, 2)),
         fixed.normal(size=(4, 2, 5)), 3),
    ]


def _embedding_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        n, length = int(rng.integers(1, 6)), int(rng.integers(1, 9))
        vocab, d = int(rng.integers(2, 21)), int(rng.integers(1, 7))
        ids = rng.integers(0, vocab, size=(n, length))
        cases.append((f"random ids of shape ({n}, {length}) in a vocabulary of {vocab}, d {d}: "
                      f"ids = {short(ids, 80)}", ids, rng.normal(size=(n, length, d)), vocab))
    return cases


def _embedding_mistakes(given, ids, grad_out, vocab_size):
    flat_ids = np.asarray(ids).ravel()
    flat = np.asarray(grad_out, dtype=float).reshape(len(flat_ids), -1)
    right = np.zeros((vocab_size, flat.shape[1]))
    np.add.at(right, flat_ids, flat)
    buffered = np.zeros_like(right)
    buffered[flat_ids] += flat
    counts = np.bincount(flat_ids, minlength=vocab_size)[:, None]
    no_padding = right.copy()
    no_padding[0] = 0.0
    return [
        (buffered, f"For {given} a word that occurs more than once got the gradient of only one "
                   "of its occurrences; every occurrence adds its own grad_out row. (NumPy's "
                   "`g[ids] += rows` with a repeated index adds only once.)"),
        (right / np.maximum(counts, 1),
         f"For {given} the rows of a repeated word were averaged; they should be added."),
        (no_padding, f"For {given} row 0 of your gradient is zero, but id 0 occurs with nonzero "
                     "grad_out rows: the lookup treats id 0 like any other id (masking, where a "
                     "model uses it, has already made those rows of grad_out zero)."),
        (-right, f"For {given} every value has the wrong sign."),
    ]


@exercise("10.4", forbid=("tf.GradientTape", "tf.gradients"))
def embedding_gradient(answer, rng):
    need_callable(answer, "embedding_gradient")
    cases = _embedding_cases() + _embedding_drawn(rng)
    for given, ids, grad_out, vocab_size in cases:
        got = as_array(call(answer, ids, grad_out, vocab_size, name="embedding_gradient"),
                       f"embedding_gradient for {given}")
        right = _tape_embedding_gradient(ids, grad_out, vocab_size)
        d = grad_out.shape[-1]
        if got.shape == (d, vocab_size) and d != vocab_size:
            raise Reject(f"For {given} the gradient should have shape {right.shape}, one row per "
                         f"word of the vocabulary like E itself; yours has the transposed shape "
                         f"{got.shape}.")
        expect_shape(got, right.shape, f"embedding_gradient for {given} (the shape of E)")
        same = lambda a, b: a.shape == np.shape(b) and bool(  # noqa: E731
            np.allclose(a, b, rtol=1e-5, atol=1e-6))
        diagnose(got, right, _embedding_mistakes(given, ids, grad_out, vocab_size), same)
        expect_close(got, right, "embedding_gradient (against tf.GradientTape)", rtol=1e-5,
                     atol=1e-6, given=given)
    return (f"your gradient matches tf.GradientTape's on {len(cases)} cases: a word repeated in "
            "a snippet and across snippets, padding ids, unused rows, int32 and int64 ids.")
