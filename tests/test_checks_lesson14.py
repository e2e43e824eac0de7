"""Unit tests of lesson 14's checkers (Transfer learning): right answers written differently
pass; realistic wrong ones (a pickle reader that knows only GLOBAL, drops the modules, ignores
the memo or collects every string; a search that keeps the query, sorts the wrong way or ranks
by the dot product; a probe that is not compiled, too big, not a probability, or does not
learn) fail with a specific message; odd answers get a verdict rather than a crash."""

import collections
import datetime
import pickle
import pickletools

import numpy as np
import pytest
from answers import rejects

from helpers.checks import lesson14 as check
from helpers.startup import import_keras

keras = import_keras()


# Exercise 14.1: pickle_globals(payload) -------------------------------------------------------

def test_the_reference_finds_the_globals_each_protocol_names():
    def names(obj, protocol):
        return check._reference(pickle.dumps(obj, protocol=protocol))

    for protocol in range(6):
        assert names(collections.OrderedDict(a=1), protocol) == {"collections.OrderedDict"}
    both = [datetime.date(2024, 1, 2), datetime.time(3, 4)]
    assert names(both, 4) == {"datetime.date", "datetime.time"}
    assert names(both, 2) == {"datetime.date", "datetime.time", "_codecs.encode"}  # bytes, v2
    assert names(check._Sneaky(), 4) == {f"{__import__('os').system.__module__}.system"}
    assert names([1, "os", "system", "os.system"], 4) == set()
    assert "numpy.ndarray" in names(np.zeros(2), 4)


def globals_solution(payload):
    found, memo, strings, last = set(), {}, [], None
    for opcode, arg, _ in pickletools.genops(payload):
        name = opcode.name
        if name in ("GLOBAL", "INST"):
            found.add(arg.replace(" ", ".", 1))
            last = None
        elif name == "STACK_GLOBAL":
            found.add(strings[-2] + "." + strings[-1])
        elif "UNICODE" in name or "STRING" in name:
            last = arg
            strings.append(arg)
        elif name.endswith("GET"):
            last = memo[arg]
            strings.append(last)
        elif name == "MEMOIZE":
            memo[len(memo)] = last
        elif name.endswith("PUT"):
            memo[arg] = last
        else:
            last = None
    return found


def globals_stack_of_values(payload):
    """Keeps every pushed value (strings, or None for anything else) and the memo by value."""
    pushed, memo, found = [], {}, frozenset()
    for opcode, arg, _ in pickletools.genops(payload):
        if opcode.name == "GLOBAL":
            module, name = arg.split()
            found |= {module + "." + name}
        elif opcode.name == "STACK_GLOBAL":
            found |= {".".join(pushed[-2:])}
        elif opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
            pushed.append(arg)
        elif opcode.name in ("BINGET", "LONG_BINGET", "GET"):
            pushed.append(memo.get(arg))
        elif opcode.name == "MEMOIZE":
            memo[len(memo)] = pushed[-1] if pushed else None
        elif opcode.name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[arg] = pushed[-1] if pushed else None
        elif opcode.stack_after:
            pushed.append(None)
    return found


@pytest.mark.parametrize("answer", [globals_solution, globals_stack_of_values])
def test_pickle_globals_accepts_right_answers_written_differently(answer):
    assert check.pickle_globals(answer) is True


def only_global(payload):
    return {arg.replace(" ", ".") for op, arg, _ in pickletools.genops(payload)
            if op.name == "GLOBAL"}


def names_only(payload):
    return {name.split(".")[-1] for name in globals_solution(payload)}


def as_list(payload):
    return sorted(globals_solution(payload))


def no_memo(payload):
    """Takes the last two strings pushed by a string opcode, never the memo's."""
    found, strings = set(), []
    for opcode, arg, _ in pickletools.genops(payload):
        if opcode.name == "GLOBAL":
            found.add(arg.replace(" ", "."))
        elif opcode.name == "STACK_GLOBAL":
            found.add(f"{strings[-2]}.{strings[-1]}")
        elif "UNICODE" in opcode.name:
            strings.append(arg)
    return found


def every_dotted_string(payload):
    return globals_solution(payload) | {arg for op, arg, _ in pickletools.genops(payload)
                                        if isinstance(arg, str) and "." in arg}


def loads_it(payload):
    return set(pickle.loads(payload)) and set()


@pytest.mark.parametrize("answer, match", [
    (only_global, r"missing .*STACK_GLOBAL, from the two strings pushed before it"),
    (names_only, r"each name needs its module in front, like"),
    (as_list, r"return them as a set"),
    (no_memo, r"the globals are \['datetime.date', 'datetime.time'\]; yours gave"),
    (every_dotted_string, r"list of ints and the strings .*the globals are \[\]; yours gave "
                          r"\['os.system'\]"),
    (loads_it, r"your answer uses .*pickle.loads"),
    (lambda payload: None, r"returned None"),
    (lambda payload: "collections.OrderedDict", r"should return a set of str"),
])
def test_pickle_globals_names_the_mistake(answer, match):
    rejects(check.pickle_globals, answer, match=match)


# Exercise 14.2: most_similar(embeddings, i, k) ------------------------------------------------

def similar_solution(embeddings, i, k):
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    similarity = unit @ unit[i]
    similarity[i] = -np.inf
    return np.argsort(-similarity)[:k]


def similar_loop(embeddings, i, k):
    """Pure Python cosine, sorted pairs, a list of ints."""
    rows = np.asarray(embeddings, dtype="float64").tolist()
    q = rows[i]
    def cos(a, b):
        return sum(x * y for x, y in zip(a, b)) / (sum(x * x for x in a) ** 0.5 *
                                                 sum(y * y for y in b) ** 0.5)
    scored = sorted(((cos(q, r), j) for j, r in enumerate(rows) if j != i), reverse=True)
    return [j for _, j in scored[:k]]


def similar_argpartition(embeddings, i, k):
    e = np.array(embeddings, dtype="float32")
    e /= np.linalg.norm(e, axis=1)[:, None]
    similarity = np.delete(e @ e[i], i)
    index = np.delete(np.arange(len(e)), i)
    top = np.argpartition(-similarity, k - 1)[:k]
    return index[top[np.argsort(-similarity[top])]]


@pytest.mark.parametrize("answer", [similar_solution, similar_loop, similar_argpartition])
def test_most_similar_accepts_right_answers_written_differently(answer):
    assert check.most_similar(answer) is True


def keeps_query(embeddings, i, k):
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    return np.argsort(-(unit @ unit[i]))[:k]


def ascending(embeddings, i, k):
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    similarity = unit @ unit[i]
    similarity[i] = np.inf
    return np.argsort(similarity)[:k]


def dot_product(embeddings, i, k):
    similarity = embeddings @ embeddings[i]
    similarity[i] = -np.inf
    return np.argsort(-similarity)[:k]


def drops_duplicates(embeddings, i, k):
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    similarity = unit @ unit[i]
    similarity[similarity > 0.9999] = -np.inf
    return np.argsort(-similarity)[:k]


def euclidean(embeddings, i, k):
    distance = np.linalg.norm(embeddings - embeddings[i], axis=1)
    distance[i] = np.inf
    return np.argsort(distance)[:k]


def in_place(embeddings, i, k):
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    return similar_solution(embeddings, i, k)


def uses_sklearn(embeddings, i, k):
    from sklearn.metrics.pairwise import cosine_similarity
    similarity = cosine_similarity(embeddings)[i]
    similarity[i] = -np.inf
    return np.argsort(-similarity)[:k]


@pytest.mark.parametrize("answer, match", [
    (keeps_query, r"includes row 0, the query itself"),
    (ascending, r"least similar rows first"),
    (dot_product, r"ranks by the dot product"),
    (drops_duplicates, r"row 2 is row 0 times 3.*leaves out row 2, which points the same way"),
    (euclidean, r"the answer is \[1, 2\]; yours gave \[1, 4\]"),
    (in_place, r"changed its input `embeddings` in place"),
    (uses_sklearn, r"your answer uses .*cosine_similarity"),
    (lambda e, i, k: np.argsort(e[:, 0])[:k] + 0.5, r"row indices \(ints\)"),
    (lambda e, i, k: [1], r"should have shape \(2,\)"),
])
def test_most_similar_names_the_mistake(answer, match):
    rejects(check.most_similar, answer, match=match)


# Exercise 14.3: build_probe() -------------------------------------------------------------------

def probe_solution():
    layers = keras.layers
    model = keras.Sequential([keras.Input((192,)), layers.Rescaling(0.2), layers.Dropout(0.3),
                              layers.Dense(1, activation="sigmoid",
                                           kernel_regularizer=keras.regularizers.l2(1e-2))])
    model.compile(keras.optimizers.Adam(3e-3), "binary_crossentropy", metrics=["accuracy"])
    return model


def probe_frozen_rate():
    model = probe_solution()
    model.compile(keras.optimizers.SGD(0.0), "binary_crossentropy")
    return model


def probe_uncompiled():
    return keras.Sequential([keras.Input((192,)), keras.layers.Dense(1, activation="sigmoid")])


def probe_too_big():
    model = keras.Sequential([keras.Input((192,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    return model


def probe_head_features():
    model = keras.Sequential([keras.Input((1280,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    return model


def probe_logits():
    model = keras.Sequential([keras.Input((192,)), keras.layers.Dense(1)])
    model.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True))
    return model


shared = probe_solution()


def test_probe_passes_a_scaled_regularised_model_trained_from_the_fixed_seed():
    assert check.probe(probe_solution) is True
    assert check.probe.draws is False


@pytest.mark.parametrize("answer, match", [
    (probe_uncompiled, r"not compiled"),
    (probe_too_big, r"99,329 parameters; keep it to 50,000"),
    (probe_head_features, r"could not take features of shape \(3, 192\)"),
    (probe_logits, r"probabilities in \[0, 1\]"),
    (lambda: shared, r"same model object twice"),
    (probe_frozen_rate, r"test accuracy is 0\.\d+.*the target is 0.77"),
])
def test_probe_names_the_mistake(answer, match):
    rejects(check.probe, answer, match=match)
