"""Checkers for lesson 11 (Attention and transformers).

11.1 compares the learner's mask with a reference on fixed edge cases (a sequence of length 0,
one of full length, a batch of one, t = 1, lengths given as a list) and on batches drawn afresh
on every call. 11.2 compares the learner's multi-head self-attention with fused weights with a
NumPy reference (itself checked against keras.layers.MultiHeadAttention in the tests) on fixed
cases (one head, as many heads as dimensions, one position, a batch of one, float32, large
inputs) and on drawn ones. A mistake (a position that sees the future, a missing or wrong scale,
a mask applied after the softmax, heads cut along the wrong axis, ...) is named only when the
answer's result is what that one mistake gives on the failing case; otherwise the message says
what was expected, what came back, and for which input.

11.3 is judged by its outcome: the checker calls `build_gpt()` twice (two separate, untrained
models), checks that the model is causal (changing later characters must not change earlier
logits), trains it for a fixed number of steps on windows of the lesson's training text drawn
from the kit's OUTCOME_SEED, and computes the validation loss itself from the model's logits.
It trusts no number the learner reports.
"""

import numpy as np

from helpers.checks import (
    OUTCOME_SEED,
    Reject,
    as_array,
    call,
    diagnose,
    exercise,
    expect_close,
    expect_equal,
    expect_finite,
    expect_shape,
    expect_untrained,
    need_callable,
    outcome_model,
    ready_to_train,
    short,
)


def _matches(actual, variant, rtol=1e-4, atol=1e-6):
    variant = np.asarray(variant, dtype=float)
    return actual.shape == variant.shape and bool(np.all(np.isfinite(variant))) and \
        np.allclose(actual, variant, rtol=rtol, atol=atol)


# 11.1 ----------------------------------------------------------------------------------------

def _mask(lengths, t, causal, *, keys=True, queries=False, future=False, self_=True,
          extra=0):
    """Reference mask (batch, t, t) and, with other settings, the masks of known mistakes."""
    lengths = np.asarray(lengths).reshape(-1)
    i = np.arange(t)[:, None]
    j = np.arange(t)[None, :]
    mask = np.ones((len(lengths), t, t), dtype=bool)
    if keys:
        mask &= (j < lengths[:, None, None] + extra)
    if queries:
        mask &= (i < lengths[:, None, None] + extra)
    if causal:
        mask &= (j >= i) if future else ((j <= i) if self_ else (j < i))
    return mask


def _mask_cases():
    """Fixed edge cases (the same on every call): (given, lengths, t, causal)."""
    return [
        ("lengths [3, 5, 0], t = 5, causal", np.array([3, 5, 0]), 5, True),
        ("lengths [3, 5, 0], t = 5, not causal", np.array([3, 5, 0]), 5, False),
        ("lengths [4, 4], t = 4 (no padding), causal", np.array([4, 4]), 4, True),
        ("lengths [1], t = 1 (a batch of one, one position), causal", np.array([1]), 1, True),
        ("lengths [2], t = 6, not causal", np.array([2]), 6, False),
        ("lengths [6, 1, 3] as a Python list, t = 7, causal", [6, 1, 3], 7, True),
        ("lengths [0, 2], t = 3, causal", np.array([0, 2]), 3, True),
    ]


def _mask_drawn(rng, count=4):
    cases = []
    for n in range(count):
        t = int(rng.integers(2, 12))
        lengths = rng.integers(0, t + 1, size=int(rng.integers(1, 6)))
        causal = bool(n % 2 == 0)
        cases.append((f"lengths {lengths.tolist()}, t = {t}, "
                      f"{'causal' if causal else 'not causal'}", lengths, t, causal))
    return cases


def _mask_mistakes(given, lengths, t, causal):
    rows = (f"For {given} your mask hides the rows of padding *queries*: entry [b, i, j] is "
            "about whether *key* j is a real token. Hide the columns of padding keys, and only "
            "those (the outputs at padding positions are thrown away anyway).")
    out = [
        (_mask(lengths, t, causal, future=True),
         f"For {given} your mask lets a query see keys after it (and hides the ones before): "
         "the causal part is flipped. Query i may look at keys j up to i."),
        (_mask(lengths, t, causal, self_=False),
         f"For {given} no query may look at its own position: query i may look at keys j "
         "up to and including i."),
        (_mask(lengths, t, False),
         f"For {given} your mask is not causal: with causal=True a query must not see the keys "
         "after it."),
        (_mask(lengths, t, True),
         f"For {given} your mask is causal although causal is False."),
        (_mask(lengths, t, causal, keys=False, queries=True), rows),
        (_mask(lengths, t, causal, queries=True), rows),
        (_mask(lengths, t, causal, keys=False),
         f"For {given} your mask ignores the lengths: keys at padding positions must be "
         "hidden."),
        (_mask(lengths, t, causal, extra=1),
         f"For {given} your mask lets every query see one padding key too: off by one at the "
         "length. A sequence of length L has real tokens at 0 .. L − 1."),
        (_mask(lengths, t, causal, extra=-1),
         f"For {given} your mask hides the last real token: off by one at the length. A "
         "sequence of length L has real tokens at 0 .. L − 1."),
    ]
    return out


@exercise("11.1")
def attention_mask(answer, rng):
    need_callable(answer, "attention_mask")
    cases = _mask_cases() + _mask_drawn(rng)
    for given, lengths, t, causal in cases:
        out = call(answer, lengths, t, causal, name="attention_mask")
        what = f"attention_mask for {given}"
        got = as_array(out, what)
        batch = len(lengths)
        if got.shape != (batch, t, t):
            if got.shape == (t, t) and batch > 1:
                raise Reject(f"For {given} the mask should have shape {(batch, t, t)}, one "
                             f"(t, t) mask per sequence; yours has shape {got.shape}.")
            expect_shape(got, (batch, t, t), what)
        expect_finite(got, what)
        if not np.all((got == 0) | (got == 1)):
            raise Reject(f"For {given} the mask should hold True and False (or 1 and 0); "
                         f"yours holds {short(np.unique(got))}.")
        got = got.astype(bool)
        right = _mask(lengths, t, causal)
        diagnose(got, right, _mask_mistakes(given, lengths, t, causal),
                 lambda a, b: a.shape == b.shape and bool(np.array_equal(a, b)))
        expect_equal(got, right, "attention_mask(lengths, t, causal)", given=given)
    return (f"right on {len(cases)} batches: a sequence of length 0 and one of full length, "
            "t = 1, causal and not, lengths as a list.")


# 11.2 ----------------------------------------------------------------------------------------

def _softmax(scores, axis=-1):
    with np.errstate(invalid="ignore", over="ignore"):
        shifted = scores - np.max(scores, axis=axis, keepdims=True)
        e = np.exp(shifted)
        return e / e.sum(axis=axis, keepdims=True)


def _self_attention(x, w_qkv, w_out, heads, causal, *, scale="head", mask_mode="before",
                    split="right", merge="right", softmax_axis=-1):
    """Reference multi-head self-attention with fused weights, and known mistakes."""
    x = np.asarray(x, dtype=float)
    b, t, d = x.shape
    dk = d // heads

    def cut(part):
        if split == "wrong":            # reshape straight to (b, heads, t, dk)
            return part.reshape(b, heads, t, dk)
        return part.reshape(b, t, heads, dk).transpose(0, 2, 1, 3)

    qkv = x @ np.asarray(w_qkv, dtype=float)
    q, k, v = (cut(qkv[..., n * d:(n + 1) * d]) for n in range(3))
    scores = q @ np.swapaxes(k, -1, -2)
    if scale == "head":
        scores = scores / np.sqrt(dk)
    elif scale == "model":
        scores = scores / np.sqrt(d)
    allowed = np.tril(np.ones((t, t), dtype=bool))
    if mask_mode == "future":
        allowed = np.triu(np.ones((t, t), dtype=bool))
    elif mask_mode == "strict":
        allowed = np.tril(np.ones((t, t), dtype=bool), k=-1)
    if causal and mask_mode in ("before", "future", "strict"):
        scores = np.where(allowed, scores, -np.inf)
    weights = _softmax(scores, axis=softmax_axis)
    if causal and mask_mode == "after":
        weights = weights * allowed
    heads_out = weights @ v
    if merge == "wrong":
        merged = heads_out.reshape(b, t, d)
    else:
        merged = heads_out.transpose(0, 2, 1, 3).reshape(b, t, d)
    return merged @ np.asarray(w_out, dtype=float)


def _attention_cases():
    """Fixed cases (the same on every call): (given, x, w_qkv, w_out, heads, causal)."""
    fixed = np.random.default_rng(1102)

    def case(b, t, d, heads, causal, size=1.0, dtype="float64"):
        x = (fixed.normal(size=(b, t, d)) * size).astype(dtype)
        w_qkv = fixed.normal(size=(d, 3 * d)).astype(dtype)
        w_out = (fixed.normal(size=(d, d)) / np.sqrt(d)).astype(dtype)
        kind = "causal" if causal else "not causal"
        given = (f"x of shape {(b, t, d)}, heads = {heads}, {kind}"
                 + (f", dtype {dtype}" if dtype != "float64" else "")
                 + (f", entries about ±{size:g}" if size != 1 else ""))
        return given, x, w_qkv, w_out, heads, causal

    return [
        case(2, 5, 8, 2, True),
        case(2, 5, 8, 2, False),
        case(1, 6, 12, 3, True),
        case(3, 4, 6, 1, True),                     # one head
        case(2, 3, 4, 4, True),                     # as many heads as dimensions: dk = 1
        case(2, 1, 8, 2, True),                     # one position
        case(1, 7, 16, 4, True, dtype="float32"),
        case(2, 5, 8, 2, True, size=30.0),          # large scores: a naive softmax overflows
    ]


def _attention_drawn(rng, count=3):
    cases = []
    for n in range(count):
        heads = int(rng.integers(1, 5))
        dk = int(rng.integers(1, 6))
        b, t, d = int(rng.integers(1, 4)), int(rng.integers(2, 9)), heads * dk
        x = rng.normal(size=(b, t, d))
        w_qkv = rng.normal(size=(d, 3 * d))
        w_out = rng.normal(size=(d, d)) / np.sqrt(d)
        causal = bool(n != 1)
        cases.append((f"a random x of shape {(b, t, d)}, heads = {heads}, "
                       f"{'causal' if causal else 'not causal'}", x, w_qkv, w_out, heads,
                       causal))
    return cases


def _attention_mistakes(given, x, w_qkv, w_out, heads, causal):
    args = (x, w_qkv, w_out, heads, causal)
    d = x.shape[-1]
    return [
        (_self_attention(*args, scale="none"),
         f"For {given} your scores are not scaled: divide them by √dk, the square root of one "
         "head's width, before the softmax."),
        (_self_attention(*args, scale="model"),
         f"For {given} you scaled the scores by 1/√{d}, the model's width; the scale is 1/√dk "
         f"with dk = {d // heads}, one head's width."),
        (_self_attention(*args, mask_mode="after"),
         f"For {given} your mask is applied after the softmax: the remaining weights of a row "
         "no longer sum to 1. Hide the forbidden scores before the softmax (−∞ there)."),
        (_self_attention(*args, mask_mode="future"),
         f"For {given} your mask lets a position see the future (and hides the past): "
         "position i may look at positions up to i."),
        (_self_attention(*args, mask_mode="none"),
         f"For {given} no causal mask was applied: with causal=True position i must not look "
         "at positions after i."),
        (_self_attention(x, w_qkv, w_out, heads, True),
         f"For {given} you applied a causal mask although causal is False."),
        (_self_attention(*args, split="wrong"),
         f"For {given} your heads are cut along the wrong axis: reshaping (b, t, d) straight "
         "to (b, heads, t, dk) mixes positions into the heads. Reshape to (b, t, heads, dk), "
         "then move the heads axis forward."),
        (_self_attention(*args, split="wrong", merge="wrong"),
         f"For {given} your heads are cut along the wrong axis (and put back the same way): "
         "reshaping (b, t, d) straight to (b, heads, t, dk) mixes positions into the heads."),
        (_self_attention(*args, merge="wrong"),
         f"For {given} the heads are right but put back together wrongly: reshaping "
         "(b, heads, t, dk) straight to (b, t, d) mixes positions; move the heads axis back "
         "next to dk first."),
        (_self_attention(*args, softmax_axis=-2),
         f"For {given} your softmax runs over the queries (axis −2); each query's weights over "
         "the keys must sum to 1 (the last axis)."),
    ]


@exercise("11.2", forbid=("keras.layers.MultiHeadAttention", "keras.layers.Attention",
                          "keras.layers.AdditiveAttention", "keras.ops.dot_product_attention",
                          "keras.ops.nn.dot_product_attention",
                          "jax.nn.dot_product_attention",
                          "torch.nn.functional.scaled_dot_product_attention"))
def self_attention(answer, rng):
    need_callable(answer, "self_attention")
    cases = _attention_cases() + _attention_drawn(rng)
    for given, x, w_qkv, w_out, heads, causal in cases:
        with np.errstate(all="ignore"):
            out = call(answer, x, w_qkv, w_out, heads, causal, name="self_attention")
        what = f"self_attention for {given}"
        got = as_array(out, what)
        expect_shape(got, x.shape, what)
        right = _self_attention(x, w_qkv, w_out, heads, causal)
        if not np.all(np.isfinite(got)):
            if causal and not np.all(np.isfinite(got[:, 0])) and \
                    np.all(np.isfinite(got[:, 1:])):
                raise Reject(f"For {given} the output at position 0 is NaN or infinite: its "
                             "query has no key it may look at. Position i may look at "
                             "positions up to and including i.")
            expect_finite(got, what)
        rtol, atol = (1e-3, 1e-4) if x.dtype == np.float32 else (1e-6, 1e-8)
        diagnose(got, right, _attention_mistakes(given, x, w_qkv, w_out, heads, causal),
                 lambda a, b: _matches(a, b, rtol, atol))
        expect_close(got, right, "self_attention(x, w_qkv, w_out, heads, causal)", rtol=rtol,
                     atol=atol, given=given)
    return (f"right on {len(cases)} cases: one head, as many heads as dimensions, one position, "
            "a batch of one, float32, large scores, causal and not.")


# 11.3 ----------------------------------------------------------------------------------------

CONTEXT, BATCH = 64, 32
STEPS = 200                # the training budget the checker gives the learner's model
TARGET = 2.5               # validation loss (nats per character) to reach after STEPS steps
MAX_PARAMS = 250_000
UNTRAINED = 3.0            # a fresh model scores about ln 65 = 4.2; below this it was trained


def _hamlet():
    """The lesson's ids: (train, validation, vocabulary size), 90 % / 10 % of the play."""
    from helpers import data

    text = data.load_hamlet()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = np.array([index[c] for c in text], dtype="int32")
    cut = int(0.9 * len(ids))
    return ids[:cut], ids[cut:], len(chars)


def _windows(series, starts):
    rows = series[np.asarray(starts)[:, None] + np.arange(CONTEXT + 1)]
    return rows[:, :-1], rows[:, 1:]


def _log_probabilities(model, x, vocab):
    """log P(next character) (n, CONTEXT, vocab) from the model's outputs, logits or not."""
    out = _predict(model, x)
    if out.shape != (len(x), CONTEXT, vocab):
        raise Reject(f"the model should give {vocab} logits per position, an array of shape "
                     f"(batch, {CONTEXT}, {vocab}); for {len(x)} windows it gave shape "
                     f"{out.shape}.")
    if not np.all(np.isfinite(out)):
        raise Reject("the model's outputs contain NaN or infinity.")
    if out.min() >= 0 and np.allclose(out.sum(axis=-1), 1, atol=1e-3):   # probabilities
        return np.log(np.maximum(out, 1e-12))
    shifted = out - out.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _predict(model, x):
    """The model's outputs for windows x, float64; a crash inside the model is a Reject."""
    try:
        return np.asarray(model.predict(x, batch_size=256, verbose=0), dtype="float64")
    except Exception as error:
        first = str(error).strip().splitlines()[-1] if str(error).strip() else ""
        raise Reject(f"running the model on windows of {CONTEXT} character ids raised "
                     f"{type(error).__name__}: {short(first, 160)}. Does its first layer "
                     "accept ids 0 to 64 (65 characters)?") from None


def _loss(model, windows, vocab):
    x, y = windows
    logp = _log_probabilities(model, x, vocab)
    return float(-np.take_along_axis(logp, y[..., None], axis=-1).mean())


def _expect_ready(model, vocab):
    shape = model.input_shape if not isinstance(model.input_shape, list) else None
    if shape is None or tuple(shape)[-1] not in (CONTEXT, None) or len(shape) != 2:
        raise Reject(f"the model should take windows of {CONTEXT} character ids, input shape "
                     f"(None, {CONTEXT}); yours has {model.input_shape}.")
    out = model.output_shape if not isinstance(model.output_shape, list) else None
    if out is None or len(out) != 3 or tuple(out)[1:] not in ((CONTEXT, vocab), (None, vocab)):
        raise Reject(f"the model should give {vocab} logits per position, output shape "
                     f"(None, {CONTEXT}, {vocab}) (an array of shape (batch, {CONTEXT}, "
                     f"{vocab})); yours has {model.output_shape}.")
    ready_to_train(model, "build_gpt", MAX_PARAMS)


def _expect_causal(model, windows, vocab):
    """Reject a model whose prediction at position i depends on a character after i."""
    x = windows[0][:2]
    base = _predict(model, x)
    scale = max(1.0, float(np.abs(base).max()))
    for cut in (CONTEXT // 2, CONTEXT - 1, 1):
        changed = x.copy()
        changed[:, cut:] = (changed[:, cut:] + 7) % vocab
        moved = _predict(model, changed)
        gap = np.abs(moved[:, :cut] - base[:, :cut]).max()
        if gap > 1e-4 * scale:
            where = int(np.argmax(np.abs(moved[:, :cut] - base[:, :cut]).max(axis=(0, 2))))
            raise Reject(f"the model is not causal: changing the characters from position "
                         f"{cut} on changed its prediction at position {where} (by {gap:.3g}). "
                         "A position that sees the future copies the answer: use a causal "
                         "mask (`use_causal_mask=True`) in every attention layer.")


@exercise("11.3")
def fast_gpt(answer):

    model = outcome_model(answer, "build_gpt")
    train, val, vocab = _hamlet()
    _expect_ready(model, vocab)
    val_windows = _windows(val, np.arange(0, len(val) - CONTEXT - 1, CONTEXT))
    before = _loss(model, (val_windows[0][:64], val_windows[1][:64]), vocab)
    expect_untrained("build_gpt", before, UNTRAINED,
                     "the model's validation loss is already {:.2f}", lower_is_better=True)
    _expect_causal(model, val_windows, vocab)
    starts = np.random.default_rng(OUTCOME_SEED).integers(0, len(train) - CONTEXT - 1,
                                                          size=STEPS * BATCH)
    x, y = _windows(train, starts)
    try:
        history = model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    except Exception as error:
        raise Reject(f"training the model raised {type(error).__name__}: "
                     f"{short(str(error), 200)}. Check the loss against the targets (one id per "
                     "position) and the model's output (logits per position).") from None
    loss = _loss(model, val_windows, vocab)
    if loss > TARGET:
        curve = [float(v) for v in history.history.get("loss", [])]
        broken = bool(curve) and not np.all(np.isfinite(curve))
        why = (" The training loss became NaN or infinite: lower the learning rate, or clip "
               "the gradients." if broken else
               " Look at the learning rate first (too low learns slowly, too high stalls), then "
               "at the width.")
        raise Reject(f"trained for {STEPS} steps of {BATCH} windows (the checker's fixed "
                     f"seed), your model's validation loss is {loss:.3f} nats per character; "
                     f"the target is {TARGET}." + why)
    return (f"trained for {STEPS} steps, your model ({model.count_params():,} parameters) "
            f"reached a validation loss of {loss:.3f} nats per character (target {TARGET}); "
            "it is causal.")
