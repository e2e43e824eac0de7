"""Checkers for lesson 14 (Transfer learning).

14.1 compares the learner's set of globals a pickle would import with a reference that reads
the same instructions (`pickletools.genops`, never loading anything) on fixed pickles
(protocols 0 to 5; no globals at all; strings that only look like names; two classes of one
module, so that protocol 4 fetches the module's name from the memo; a `__reduce__` that names
`os.system`; NumPy arrays) and on pickles of objects drawn afresh on every call. An answer that
reads only GLOBAL (and so misses protocol 4's STACK_GLOBAL), drops the modules, or returns a
list is told so.

14.2 compares the learner's nearest rows by cosine similarity with a reference on fixed cases
(a long vector that wins on the dot product but not on the angle, a duplicate of the query row
scaled by 3, k = 1 and k = n - 1, the query as the first and the last row) and on drawn ones;
an answer that forgets to normalise, sorts least similar first or keeps the query row is named.

14.3 is judged by its outcome: the checker computes block 14's pooled features of the ELPV
cells exactly as the lesson does, trains the learner's model on the lesson's first 100
training cells for a fixed number of epochs from the kit's OUTCOME_SEED, and holds its test
accuracy to a target.
"""

import collections
import datetime
import decimal
import fractions
import functools
import os
import pickle
import pickletools

import numpy as np

from helpers.checks import (
    OUTCOME_SEED,
    Reject,
    as_array,
    call,
    exercise,
    expect_shape,
    need_callable,
    outcome_model,
    ready_to_train,
    short,
)

# 14.1 ----------------------------------------------------------------------------------------


class _Sneaky:
    """Pickles as a call of os.system: only ever dumped here, never loaded."""

    def __reduce__(self):
        return (os.system, ("echo this would have run",))


class _Evaluator:
    """Pickles as a call of builtins.eval: only ever dumped here, never loaded."""

    def __reduce__(self):
        return (eval, ("1 + 1",))


def _reference(payload, stack_global=True, modules=True):
    """The set of 'module.name' a pickle imports, read with pickletools; the flags give the
    known mistakes (STACK_GLOBAL ignored, names without their modules)."""
    found, memo, strings, last = set(), {}, [], None
    for opcode, arg, _ in pickletools.genops(payload):
        name = opcode.name
        if name in ("GLOBAL", "INST"):
            module, attribute = arg.split(" ", 1)
            found.add(f"{module}.{attribute}" if modules else attribute)
            last = None
        elif name == "STACK_GLOBAL":
            if stack_global:
                found.add(f"{strings[-2]}.{strings[-1]}" if modules else strings[-1])
            last = None
        elif "UNICODE" in name or "STRING" in name:
            last = arg
            strings.append(arg)
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            last = memo.get(arg)
            strings.append(last)
        elif name == "MEMOIZE":
            memo[len(memo)] = last
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[arg] = last
        else:
            last = None
    return found


def _pool():
    """(description, object) pairs the drawn cases combine."""
    return [
        ("an OrderedDict", collections.OrderedDict(a=1)),
        ("a Counter", collections.Counter("abca")),
        ("a deque", collections.deque([1, 2])),
        ("a datetime.date", datetime.date(2024, 5, 17)),
        ("a datetime.time", datetime.time(12, 30)),
        ("a timedelta", datetime.timedelta(days=3)),
        ("a Decimal", decimal.Decimal("1.25")),
        ("a Fraction", fractions.Fraction(3, 7)),
        ("a complex number", 2 + 3j),
        ("a NumPy array", np.arange(3.0)),
        ("an object whose __reduce__ names os.system", _Sneaky()),
        ("an object whose __reduce__ names eval", _Evaluator()),
        ("a set", {1, 2}),
        ("a frozenset", frozenset({3})),
        ("a bytearray", bytearray(b"ab")),
    ]


def _pickle_cases(rng):
    cases = [
        ("a list of ints and the strings 'os' and 'system'", [1, 2, "os", "system", "os.system"],
         4),
        ("a plain dict of floats", {"w": [0.5, 1.5]}, 2),
        ("an OrderedDict", collections.OrderedDict(a=1), 0),
        ("an OrderedDict", collections.OrderedDict(a=1), 2),
        ("an OrderedDict", collections.OrderedDict(a=1), 4),
        ("a datetime.date and a datetime.time (one module, twice)",
         [datetime.date(2024, 1, 2), datetime.time(3, 4)], 4),
        ("a datetime.date and a datetime.time (one module, twice)",
         [datetime.date(2024, 1, 2), datetime.time(3, 4)], 5),
        ("an object whose __reduce__ names os.system", _Sneaky(), 2),
        ("an object whose __reduce__ names os.system", _Sneaky(), 4),
        ("a NumPy array", np.zeros((2, 2), "float32"), 4),
        ("a Decimal, a Fraction and a Counter", [decimal.Decimal("2"), fractions.Fraction(1, 3),
                                                 collections.Counter("ab")], 3),
    ]
    pool = _pool()
    for _ in range(4):
        picked = rng.choice(len(pool), size=int(rng.integers(2, 6)), replace=False)
        objects = [pool[int(k)] for k in picked]
        protocol = int(rng.integers(0, 6))
        padding = [int(v) for v in rng.integers(0, 100, size=int(rng.integers(0, 4)))]
        what = ", ".join(d for d, _ in objects) + (" and some ints" if padding else "")
        cases.append((what, [o for _, o in objects] + padding, protocol))
    return cases


def _as_name_set(value):
    if value is None:
        raise Reject("`pickle_globals` returned None: did you forget to `return` the set?")
    if isinstance(value, (str, bytes)):
        raise Reject(f"`pickle_globals` should return a set of str; it returned one "
                     f"{type(value).__name__}, {short(value, 40)}.")
    if isinstance(value, dict) or not isinstance(value, (set, frozenset, list, tuple)):
        raise Reject(f"`pickle_globals` should return a set of str like "
                     f"{{'collections.OrderedDict'}}; it returned a {type(value).__name__}.")
    wrong = [v for v in value if not isinstance(v, str)]
    if wrong:
        raise Reject(f"every item of the set should be a str 'module.name'; yours holds "
                     f"{short(wrong[0], 30)} ({type(wrong[0]).__name__}).")
    return set(value), not isinstance(value, (set, frozenset))


@exercise("14.1", forbid=("pickle.load", "pickle.loads", "pickle.Unpickler"))
def pickle_globals(answer, rng):
    need_callable(answer, "pickle_globals")
    cases = _pickle_cases(rng)
    for what, obj, protocol in cases:
        payload = pickle.dumps(obj, protocol=protocol)
        got, not_a_set = _as_name_set(call(answer, payload, name="pickle_globals"))
        right = _reference(payload)
        given = f"a protocol-{protocol} pickle of {what}"
        if got == right:
            if not_a_set:
                raise Reject(f"right names for {given}, but return them as a set (`set(...)`), "
                             "not a list or tuple: the order of imports is not the point and a "
                             "name should appear once.")
            continue
        if got == _reference(payload, stack_global=False):
            raise Reject(f"for {given} your answer gave {sorted(got)}, missing "
                         f"{sorted(right - got)}: protocols 4 and 5 name a global with "
                         "STACK_GLOBAL, from the two strings pushed before it.")
        if got == _reference(payload, modules=False):
            raise Reject(f"for {given} your answer gave {sorted(got)}: each name needs its "
                         f"module in front, like {sorted(right)[0]!r}.")
        raise Reject(f"for {given} the globals are {sorted(right)}; yours gave {sorted(got)}.")
    return (f"right on {len(cases)} pickles, protocols 0 to 5, {len(cases) - 11} of them drawn "
            "at random, and nothing was loaded.")


# 14.2 ----------------------------------------------------------------------------------------

def _nearest(embeddings, i, k, normalise=True, descending=True, keep_query=False):
    vectors = np.asarray(embeddings, dtype=float)
    if normalise:
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = vectors @ vectors[i]
    if not keep_query:
        similarity[i] = -np.inf if descending else np.inf
    order = np.argsort(-similarity if descending else similarity, kind="stable")
    return order[:k]


def _no_ties(embeddings, i):
    vectors = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    similarity = np.delete(vectors @ vectors[i], i)
    raw = np.delete(embeddings @ embeddings[i], i)
    return (np.diff(np.sort(similarity)).min(initial=1) > 1e-6 and
            np.diff(np.sort(raw)).min(initial=1) > 1e-6)


def _search_cases(rng):
    cases = []
    # A long vector at an angle beats a short aligned one on the dot product only.
    e = np.array([[1.0, 0.0], [0.5, 0.05], [3.0, 2.0], [-1.0, 0.2], [0.2, 1.0]])
    cases.append(("a long vector at 34° against a short one at 6°", e, 0, 2))
    cases.append(("a long vector at 34° against a short one at 6°, k = n − 1", e, 0, 4))
    dup = np.array([[0.3, -0.2, 0.9], [1.0, 0.1, 0.0], [0.9, -0.6, 2.7], [0.0, 1.0, 0.3],
                    [-0.3, 0.2, -0.8]])
    cases.append(("row 2 is row 0 times 3 (a duplicate sentence)", dup, 0, 2))
    cases.append(("the query is the last row, k = 1", dup, 4, 1))
    for _ in range(4):
        n, d = int(rng.integers(6, 40)), int(rng.integers(3, 20))
        while True:
            e = rng.normal(size=(n, d)) * rng.uniform(0.2, 5.0, size=(n, 1))
            i = int(rng.integers(0, n))
            if _no_ties(e, i):
                break
        cases.append((f"{n} random rows of width {d}, lengths 0.2 to 5", e.astype(
            "float32" if rng.random() < 0.5 else "float64"), i, int(rng.integers(1, n))))
    return cases


@exercise("14.2", forbid=("sklearn.neighbors.NearestNeighbors",
                          "sklearn.metrics.pairwise.cosine_similarity",
                          "scipy.spatial.distance.cdist", "scipy.spatial.distance.cosine"))
def most_similar(answer, rng):
    need_callable(answer, "most_similar")
    cases = _search_cases(rng)
    for what, e, i, k in cases:
        got = as_array(call(answer, e, i, k, name="most_similar"),
                       f"most_similar(embeddings, {i}, {k})")
        given = f"{what} (n = {len(e)}, i = {i}, k = {k})"
        expect_shape(got, (k,), f"most_similar(embeddings, {i}, {k}) for {given}")
        if not np.all(np.isfinite(got)) or not np.all(got == np.round(got)):
            raise Reject(f"most_similar should return row indices (ints) for {given}; yours "
                         f"gave {short(got)}.")
        got = got.astype(int)
        right = _nearest(e, i, k)
        if np.array_equal(got, right):
            continue
        if i in got:
            raise Reject(f"for {given} your answer includes row {i}, the query itself: leave "
                         "it out (its similarity to itself is always the highest).")
        if np.array_equal(got, _nearest(e, i, k, descending=False)):
            raise Reject(f"for {given} your answer lists the least similar rows first: the "
                         "most similar should come first.")
        if np.array_equal(got, _nearest(e, i, k, normalise=False)):
            raise Reject(f"for {given} your answer ranks by the dot product, which favours "
                         "long vectors: divide by the lengths to compare angles (cosine).")
        unit = e / np.linalg.norm(e, axis=1, keepdims=True)
        twins = [j for j in right if abs(float(unit[j] @ unit[i]) - 1) < 1e-6 and j not in got]
        if twins:
            raise Reject(f"for {given} your answer leaves out row {int(twins[0])}, which points "
                         f"the same way as row {i} (a duplicate sentence, cosine 1): only row "
                         f"{i} itself is left out.")
        if np.array_equal(np.sort(got), np.sort(right)):
            raise Reject(f"for {given} you found the right rows, {right.tolist()}, but in the "
                         f"order {got.tolist()}: most similar first.")
        raise Reject(f"for {given} the answer is {right.tolist()}; yours gave {got.tolist()}.")
    return (f"right on {len(cases)} cases, {len(cases) - 4} drawn at random: cosine, most "
            "similar first, the query left out and its duplicate kept.")


# 14.3 ----------------------------------------------------------------------------------------

PROBE_LABELS, PROBE_TEST, PROBE_EPOCHS, PROBE_BATCH, PROBE_TARGET = 100, 300, 60, 20, 0.77


@functools.lru_cache(maxsize=1)
def probe_data():
    """(features of the lesson's first 100 shuffled training cells, their labels, features of
    the first 300 test cells, their labels): block 14's pooled output at 96 x 96, as in
    section 3."""
    from helpers import data, pretrained
    from helpers.startup import import_keras

    keras = import_keras()
    cells = data.load_elpv(size=96)
    order = np.random.default_rng(0).permutation(len(cells.y_train))[:PROBE_LABELS]
    backbone = pretrained.efficientnet_lite0(weights="imagenet", include_top=False,
                                             input_shape=(96, 96, 3))
    extractor = keras.Model(backbone.input, keras.layers.GlobalAveragePooling2D()(
        backbone.get_layer("block14_add").output))

    def features(grey):
        rgb = pretrained.preprocess(np.repeat(grey[..., None], 3, axis=-1))
        return extractor.predict(rgb, batch_size=128, verbose=0)

    return (features(cells.x_train[order]), cells.y_train[order],
            features(cells.x_test[:PROBE_TEST]), cells.y_test[:PROBE_TEST])


@exercise("14.3")
def probe(answer):
    need_callable(answer, "build_probe")
    model = outcome_model(answer, "build_probe")
    ready_to_train(model, "build_probe", 50_000)
    try:
        out = np.asarray(model(np.ones((3, 192), "float32"), training=False))
    except Exception as error:
        raise Reject(f"the model could not take features of shape (3, 192): "
                     f"{type(error).__name__}: {short(str(error), 160)}") from None
    expect_shape(out, (3, 1), "the model's output for 3 feature vectors")
    if not np.all((out >= 0) & (out <= 1)):
        raise Reject(f"the model's outputs should be probabilities in [0, 1] (a sigmoid); "
                     f"it gave {short(out.ravel())}.")
    from helpers.startup import import_keras

    x_train, y_train, x_test, y_test = probe_data()
    import_keras().utils.set_random_seed(OUTCOME_SEED)
    try:
        model.fit(x_train, y_train, epochs=PROBE_EPOCHS, batch_size=PROBE_BATCH, verbose=0)
        p = np.asarray(model.predict(x_test, batch_size=256, verbose=0)).reshape(-1)
    except Exception as error:
        raise Reject(f"training the model raised {type(error).__name__}: "
                     f"{short(str(error), 200)}.") from None
    if not np.all(np.isfinite(p)):
        raise Reject("after training the model predicts NaN: training blew up. Lower the "
                     "learning rate or scale the inputs.")
    accuracy = float(np.mean((p > 0.5) == (y_test == 1)))
    if accuracy < PROBE_TARGET:
        majority = float(1 - y_test.mean())
        lazy = " (about what always answering 'functional' gets)" if \
            abs(accuracy - majority) < 0.01 else ""
        raise Reject(f"after {PROBE_EPOCHS} epochs on {PROBE_LABELS} labelled cells the test "
                     f"accuracy is {accuracy:.3f}{lazy}; the target is {PROBE_TARGET}. Scale "
                     "the features and regularise: 100 examples are few for 192 weights.")
    return (f"test accuracy {accuracy:.3f} on {len(y_test)} cells after training on "
            f"{PROBE_LABELS} labels (target {PROBE_TARGET}).")
