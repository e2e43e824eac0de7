"""Checkers for lesson 12 (Autoencoders).

12.1 compares the learner's threshold for a target recall with a reference on fixed edge cases
(ties among the anomalies' scores, a recall of exactly 1, a recall that lands exactly on a
count, one anomaly, labels as a list of 0/1 or as booleans, anomalies that score below normal
examples) and on cases drawn afresh on every call. A threshold is "flag where score >= t".
12.2 compares the learner's principal angles with scipy.linalg.subspace_angles (which the
exercise forbids the answer itself) on fixed cases (one subspace given in two different bases,
orthogonal subspaces, columns of very different lengths, subspaces of different dimensions, a
whole space, float32) and on drawn ones. A mistake (an off-by-one count, a strict inequality,
bases left un-orthonormalised, cosines instead of angles, degrees, the wrong order, ...) is
named only when the answer's results are what that one mistake gives on every case it gets
wrong (one case can match a mistake by coincidence: 0 is also cos 90°); otherwise the message
says what was expected, what came back, and for which input (the first case it got wrong).

12.3 compares the learner's KL divergence between two diagonal normal distributions with the
closed form (itself checked against a Monte Carlo estimate in the tests) on fixed cases (q = p,
a standard-normal p, one dimension, very different variances, log variances of ±10, float32)
and on drawn ones; a swapped pair, a missing factor 1/2, a missing −1, a wrong sign, a mean
instead of a sum, σ for σ² are named when the answer's results are those of that mistake.

12.4 is judged by its outcome: the checker calls `build_denoiser()` twice (two separate,
untrained models), trains one on the lesson's training digits with masking noise drawn from the
kit's OUTCOME_SEED for a fixed number of epochs, and measures the mean squared error between
the model's output on masked validation digits and the clean digits itself.
"""

import math

import numpy as np

from helpers.checks import (
    OUTCOME_SEED,
    Reject,
    as_array,
    as_number,
    call,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    expect_untrained,
    need_callable,
    outcome_model,
    ready_to_train,
    short,
)

# 12.1 ----------------------------------------------------------------------------------------


def _needed(recall, n_anomalies):
    """How many anomalies a threshold must catch for `recall` (exact ratios stay exact)."""
    return max(1, math.ceil(recall * n_anomalies - 1e-9))


def _threshold(scores, is_anomaly, recall, *, count=0, labels="right", order="right",
               strict=False):
    """The highest t with recall(score >= t) >= `recall`; other settings give known mistakes."""
    scores = np.asarray(scores, dtype=float)
    flags = np.asarray(is_anomaly).astype(bool)
    if labels == "inverted":
        flags = ~flags
    picked = np.sort(scores[flags])[::-1] if labels != "all" else np.sort(scores)[::-1]
    n = len(picked)
    if strict:      # recall > target: one more anomaly than needed when the ratio is exact
        m = math.floor(recall * n + 1e-9) + 1
    elif count == -1:
        m = math.floor(recall * n + 1e-9)
    else:
        m = _needed(recall, n) + count
    m = min(max(m, 1), len(picked))
    if order == "ascending":
        return float(np.sort(picked)[m - 1])
    return float(picked[m - 1])


def _threshold_cases():
    """Fixed edge cases (the same on every call): (given, scores, is_anomaly, recall)."""
    fixed = np.random.default_rng(1201)
    mixed = fixed.normal(size=40)
    mixed_labels = np.zeros(40, dtype=bool)
    mixed_labels[fixed.choice(40, 10, replace=False)] = True
    mixed = mixed + 1.5 * mixed_labels
    return [
        ("scores [0.1, 0.9, 0.4, 0.8, 0.3, 0.7], anomalies at 1, 3, 5, recall 0.5",
         np.array([0.1, 0.9, 0.4, 0.8, 0.3, 0.7]), np.array([0, 1, 0, 1, 0, 1]), 0.5),
        ("scores [0.2, 0.6, 0.5, 0.9], anomalies at 1, 3 (booleans), recall 1.0",
         np.array([0.2, 0.6, 0.5, 0.9]), np.array([False, True, False, True]), 1.0),
        ("scores [5, 4, 4, 4, 1, 0], anomalies at 0..3 (ties at 4), recall 0.5",
         np.array([5.0, 4.0, 4.0, 4.0, 1.0, 0.0]), np.array([1, 1, 1, 1, 0, 0]), 0.5),
        ("scores [3, 1, 2] with one anomaly (at 1), recall 0.9",
         np.array([3.0, 1.0, 2.0]), np.array([0, 1, 0]), 0.9),
        ("4 anomalies among 8 scores, recall 0.75 (exactly 3 of 4)",
         np.array([0.9, 0.1, 0.8, 0.35, 0.3, 0.6, 0.2, 0.7]),
         np.array([1, 0, 1, 0, 1, 0, 1, 0]), 0.75),
        ("scores and labels as Python lists, recall 0.6 of 4 anomalies",
         [0.5, 2.5, 1.5, 3.5, 0.2, 4.5], [0, 1, 1, 1, 0, 1], 0.6),
        ("40 scores, 10 anomalies, recall 0.95", mixed, mixed_labels.astype(int), 0.95),
        ("40 scores, 10 anomalies, recall 0.25", mixed, mixed_labels.astype(int), 0.25),
    ]


def _threshold_drawn(rng, count=4):
    cases = []
    for _ in range(count):
        n = int(rng.integers(20, 200))
        labels = rng.random(n) < rng.uniform(0.05, 0.4)
        labels[rng.integers(n)] = True
        scores = rng.normal(size=n) + rng.uniform(0.5, 3) * labels
        n_anomalies = int(labels.sum())
        while True:     # a target not within a hair of an exact count: no rounding question
            recall = float(np.round(rng.uniform(0.3, 0.99), 3))
            if abs(recall * n_anomalies - round(recall * n_anomalies)) > 1e-3:
                break
        cases.append((f"{n} random scores with {n_anomalies} anomalies, recall {recall}",
                      scores, labels.astype(int), recall))
    return cases


def _threshold_mistakes(given, scores, is_anomaly, recall):
    """(keys, result, message) per known mistake; `keys` name the mistakes that give it."""
    args = (scores, is_anomaly, recall)
    needed = recall * int(np.sum(np.asarray(is_anomaly).astype(bool)))
    exact = abs(needed - round(needed)) < 1e-9     # there, one more is also the `>` mistake
    one_more = (frozenset({"one more", "strict"}), _threshold(*args, strict=True),
                f"For {given} your threshold catches one anomaly more than needed when the "
                "recall lands exactly on a count: a recall equal to the target is enough "
                "(>=, not >).") if exact else \
        (frozenset({"one more"}), _threshold(*args, count=1),
         f"For {given} your threshold catches one anomaly more than needed: the highest "
         "threshold that still reaches the recall flags exactly as many anomalies as the recall "
         "needs (rounded up).")
    return [
        one_more,
        (frozenset({"one fewer"}), _threshold(*args, count=-1),
         f"For {given} your threshold catches too few anomalies: round the number the recall "
         "needs up, not down (3.2 anomalies means 4)."),
        (frozenset({"ascending"}), _threshold(*args, order="ascending"),
         f"For {given} your threshold counts the anomalies from the lowest score up: flagging "
         "is `score >= t`, so the anomalies caught first are those with the highest scores."),
        (frozenset({"all"}), _threshold(*args, labels="all"),
         f"For {given} your threshold counts all examples, normal ones too: recall is about "
         "the anomalies only (those with is_anomaly true)."),
        (frozenset({"inverted"}), _threshold(*args, labels="inverted"),
         f"For {given} your threshold uses the normal examples' scores: the anomalies are "
         "those with is_anomaly true (1)."),
    ]


def _one_explanation(failures, same):
    """The message of the one known mistake that explains every failing case, or None.

    `failures`: (got, right, mistakes) per failing case, mistakes as (keys, result, message).
    A mistake explains a case when the answer gave its result there and that result is wrong;
    naming a mistake that fits one case by coincidence (0 = cos 90°) would mislead.
    """
    def matched(got, right, mistakes):
        return [(keys, message) for keys, result, message in mistakes
                if not same(right, result) and same(got, result)]

    candidates = None
    for case in failures:
        found = set().union(*[keys for keys, _ in matched(*case)])
        candidates = found if candidates is None else candidates & found
    if not candidates:
        return None
    for case in failures:
        for keys, message in matched(*case):
            if keys == candidates:
                return message
    return None


def _recall_at(scores, is_anomaly, t):
    flags = np.asarray(is_anomaly).astype(bool)
    return float(np.mean(np.asarray(scores, dtype=float)[flags] >= t))


def _same_threshold(a, b):
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


@exercise("12.1")
def threshold_for_recall(answer, rng):
    need_callable(answer, "threshold_for_recall")
    cases = _threshold_cases() + _threshold_drawn(rng)
    failures, first = [], None
    for given, scores, is_anomaly, recall in cases:
        out = call(answer, scores, is_anomaly, recall, name="threshold_for_recall")
        got = as_number(out, f"threshold_for_recall for {given}")
        right = _threshold(scores, is_anomaly, recall)
        if not math.isfinite(got):
            raise Reject(f"For {given} your threshold is {got}; it should be a finite number, "
                         "one of the anomalies' scores.")
        if not _same_threshold(got, right):
            failures.append((got, right, _threshold_mistakes(given, scores, is_anomaly, recall)))
            first = first or (f"For {given} the threshold should be {right:.6g} (it catches "
                              f"{_recall_at(scores, is_anomaly, right):.3g} of the anomalies); "
                              f"yours is {got:.6g}, which catches "
                              f"{_recall_at(scores, is_anomaly, got):.3g}. The highest "
                              "threshold whose recall reaches the target is the one to return.")
    if failures:
        raise Reject(_one_explanation(failures, _same_threshold) or first)
    return (f"right on {len(cases)} cases: ties, a recall of exactly 1 and one that lands on a "
            "count, a single anomaly, labels as lists and booleans.")


# 12.2 ----------------------------------------------------------------------------------------

def _angles(a, b):
    """Reference: scipy's principal angles, largest first, in radians."""
    from scipy.linalg import subspace_angles

    return np.asarray(subspace_angles(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))


def _angle_variants(a, b):
    """What known mistakes give: raw bases, cosines, degrees, ascending order, ..."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    right = _angles(a, b)
    out = {"ascending": right[::-1], "degrees": np.degrees(right), "cosines": np.cos(right),
           "sines": np.sin(right)}
    with np.errstate(all="ignore"):
        raw = np.linalg.svd(a.T @ b, compute_uv=False)
        out["raw"] = np.arccos(np.clip(raw, -1, 1))
        out["raw-ascending"] = out["raw"][::-1]
    return out


def _angle_mistakes(given, a, b):
    v = _angle_variants(a, b)
    raw = (f"For {given} your angles come from the columns as given: the cosines are the "
           "singular values of Qaᵀ Qb only when Qa and Qb are orthonormal bases of the two "
           "subspaces. Orthonormalise the columns first (np.linalg.qr).")
    return [
        (frozenset({"ascending"}), v["ascending"],
         f"For {given} your angles are right but in the wrong order: return them largest "
         "first (as scipy.linalg.subspace_angles does)."),
        (frozenset({"degrees"}), v["degrees"],
         f"For {given} your angles are in degrees; return radians."),
        (frozenset({"cosines"}), v["cosines"],
         f"For {given} you returned the cosines of the angles (the singular values); return "
         "the angles themselves, in radians."),
        (frozenset({"sines"}), v["sines"],
         f"For {given} you returned the sines of the angles; return the angles themselves, "
         "in radians."),
        (frozenset({"raw"}), v["raw"], raw),
        (frozenset({"raw"}), v["raw-ascending"], raw),
    ]


def _random_basis(rng, d, k):
    return rng.normal(size=(d, k))


def _angle_cases():
    """Fixed cases (the same on every call): (given, a, b)."""
    fixed = np.random.default_rng(1202)
    e = np.eye(6)
    a = fixed.normal(size=(10, 3))
    mix = fixed.normal(size=(3, 3)) + 3 * np.eye(3)
    thirty = np.array([[1.0], [0.0]]), np.array([[np.cos(np.pi / 6)], [np.sin(np.pi / 6)]])
    scaled = fixed.normal(size=(8, 2)) * np.array([1e3, 1e-3])
    return [
        ("a = b times an invertible 3×3 matrix (one subspace, two bases)", a, a @ mix),
        ("a = [e1, e2], b = [e3, e4] in 6 dimensions (orthogonal subspaces)",
         e[:, :2], e[:, 2:4]),
        ("two lines in the plane at 30°", *thirty),
        ("a of shape (6, 3) and b of shape (6, 2): different dimensions",
         fixed.normal(size=(6, 3)), fixed.normal(size=(6, 2))),
        ("columns of lengths 1000 and 0.001 (shape (8, 2)) against a random (8, 2)",
         scaled, fixed.normal(size=(8, 2))),
        ("a = [e1 + e2, e3], b = [e1, e2, e4] in 6 dimensions",
         np.stack([e[0] + e[1], e[2]], axis=1), e[:, [0, 1, 3]]),
        ("a of shape (4, 4) (the whole space) against b of shape (4, 2)",
         fixed.normal(size=(4, 4)), fixed.normal(size=(4, 2))),
        ("float32 bases of shape (12, 3)", fixed.normal(size=(12, 3)).astype("float32"),
         fixed.normal(size=(12, 3)).astype("float32")),
    ]


def _angle_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        d = int(rng.integers(5, 30))
        p, q = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        a, b = _random_basis(rng, d, p), _random_basis(rng, d, q)
        if rng.random() < 0.5:           # share part of the subspace: some angles near 0
            shared = min(p, q) - 1
            b[:, :shared] = a[:, :shared] @ rng.normal(size=(shared, shared)) if shared else \
                b[:, :0]
        cases.append((f"random a of shape {a.shape} and b of shape {b.shape}", a, b))
    return cases


def _same_angles(x, y):
    return x.shape == y.shape and bool(np.all(np.isfinite(y))) and \
        bool(np.allclose(x, y, rtol=1e-5, atol=1e-5))


@exercise("12.2", forbid=("scipy.linalg.subspace_angles",))
def principal_angles(answer, rng):
    need_callable(answer, "principal_angles")
    cases = _angle_cases() + _angle_drawn(rng)
    failures, first = [], None
    for given, a, b in cases:
        with np.errstate(all="ignore"):
            out = call(answer, a, b, name="principal_angles")
        what = f"principal_angles for {given}"
        got = as_array(out, what)
        right = _angles(a, b)
        if got.shape != right.shape:
            if got.shape == (max(a.shape[1], b.shape[1]),):
                raise Reject(f"For {given} there are {len(right)} principal angles, one per "
                             f"dimension of the smaller subspace; yours gave {len(got)}.")
            expect_shape(got, right.shape, what)
        if not np.all(np.isfinite(got)):
            if np.any(right < 1e-6):
                raise Reject(f"For {given} your angles contain NaN: {short(got)}. The "
                             "subspaces share directions there, so a cosine is 1 up to "
                             "rounding, and may come out a hair above 1, where arccos is NaN. "
                             "Clip the cosines to [0, 1] first.")
            expect_finite(got, what)
        try:
            expect_close(got, right, "principal_angles(a, b)", rtol=1e-5, atol=1e-5,
                         given=given)
        except Reject as wrong:
            failures.append((got, right, _angle_mistakes(given, a, b)))
            first = first or str(wrong)
    if failures:
        raise Reject(_one_explanation(failures, _same_angles) or first)
    return (f"right on {len(cases)} cases: one subspace in two bases, orthogonal subspaces, "
            "columns of very different lengths, different dimensions, float32.")


# 12.3 ----------------------------------------------------------------------------------------

def _kl(mu_q, log_var_q, mu_p, log_var_p, *, half=True, minus_one=True, log_sign=1,
        reduce="sum", square_scale=True):
    """Reference KL(q || p) per row for diagonal normals, and known mistakes."""
    mu_q, log_var_q, mu_p, log_var_p = (np.asarray(a, dtype=float) for a in
                                        (mu_q, log_var_q, mu_p, log_var_p))
    spread = np.exp(log_var_p) if square_scale else np.exp(0.5 * log_var_p)
    terms = (log_sign * (log_var_p - log_var_q) + np.exp(log_var_q - log_var_p)
             + (mu_q - mu_p) ** 2 / spread - (1 if minus_one else 0))
    terms = terms * (0.5 if half else 1.0)
    return terms.mean(axis=-1) if reduce == "mean" else terms.sum(axis=-1)


def _kl_cases():
    """Fixed cases (the same on every call): (given, mu_q, log_var_q, mu_p, log_var_p)."""
    fixed = np.random.default_rng(1203)
    zeros = np.zeros((2, 3))
    mu, lv = fixed.normal(size=(4, 2)), fixed.normal(size=(4, 2))
    return [
        ("q = p (both N(0, I), shape (2, 3))", zeros, zeros, zeros, zeros),
        ("p = N(0, I) and a random q of shape (4, 2)", mu, lv, np.zeros((4, 2)),
         np.zeros((4, 2))),
        ("one number: q = N(1, 1), p = N(0, 4) (log variances 0 and log 4)",
         np.array([[1.0]]), np.array([[0.0]]), np.array([[0.0]]), np.array([[np.log(4.0)]])),
        ("q narrow, p wide: q = N(0, e⁻⁴), p = N(2, e²), 1 dimension, batch of 2",
         np.array([[0.0], [0.5]]), np.array([[-4.0], [-4.0]]), np.array([[2.0], [2.0]]),
         np.array([[2.0], [2.0]])),
        ("log variances of ±10, shape (3, 2)", fixed.normal(size=(3, 2)),
         np.array([[10.0, -10.0], [-10.0, 10.0], [0.0, 5.0]]), fixed.normal(size=(3, 2)),
         np.array([[-10.0, 10.0], [0.0, -5.0], [10.0, 10.0]])),
        ("float32 arrays of shape (5, 4)",) + tuple(fixed.normal(size=(5, 4)).astype("float32")
                                                     for _ in range(4)),
    ]


def _kl_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        n, d = int(rng.integers(1, 6)), int(rng.integers(1, 9))
        arrays = tuple(rng.normal(size=(n, d)) * scale for scale in (1.5, 1.0, 1.5, 1.0))
        cases.append((f"random q and p of shape {(n, d)}",) + arrays)
    return cases


def _kl_mistakes(given, mu_q, log_var_q, mu_p, log_var_p):
    args = (mu_q, log_var_q, mu_p, log_var_p)
    return [
        (frozenset({"swapped"}), _kl(mu_p, log_var_p, mu_q, log_var_q),
         f"For {given} your answer is KL(p ‖ q), the divergence the other way round: the KL "
         "is not symmetric. Average log q(z) − log p(z) over z drawn from q."),
        (frozenset({"no half"}), _kl(*args, half=False),
         f"For {given} your KL is twice the right value: a factor 1/2 is missing."),
        (frozenset({"no minus one"}), _kl(*args, minus_one=False),
         f"For {given} your KL is too large by 1/2 per dimension: with q = p every term must "
         "be 0."),
        (frozenset({"log sign"}), _kl(*args, log_sign=-1),
         f"For {given} the log-variance term has the wrong sign: it is the log of σp over σq, "
         "and a q narrower than p must cost more, not less."),
        (frozenset({"mean"}), _kl(*args, reduce="mean"),
         f"For {given} you averaged over the dimensions: the KL of independent dimensions is "
         "their sum."),
        (frozenset({"sigma"}), _kl(*args, square_scale=False),
         f"For {given} the squared gap between the means is divided by σp instead of the "
         "variance σp²."),
    ]


def _same_kl(x, y):
    return x.shape == y.shape and bool(np.all(np.isfinite(y))) and \
        bool(np.allclose(x, y, rtol=1e-4, atol=1e-6))


@exercise("12.3")
def kl_divergence(answer, rng):
    need_callable(answer, "kl_divergence")
    cases = _kl_cases() + _kl_drawn(rng)
    failures, first = [], None
    for given, mu_q, log_var_q, mu_p, log_var_p in cases:
        with np.errstate(all="ignore"):
            out = call(answer, mu_q, log_var_q, mu_p, log_var_p, name="kl_divergence")
        what = f"kl_divergence for {given}"
        got = as_array(out, what)
        right = _kl(mu_q, log_var_q, mu_p, log_var_p)
        if got.shape != right.shape:
            if got.size == 1 and len(right) > 1:
                raise Reject(f"For {given} the answer should hold one KL per row, shape "
                             f"{right.shape}; yours is a single number. Sum over the last "
                             "axis (the dimensions) only.")
            expect_shape(got, right.shape, what)
        expect_finite(got, what)
        rtol = 1e-3 if mu_q.dtype == np.float32 else 1e-6
        try:
            expect_close(got, right, "kl_divergence(mu_q, log_var_q, mu_p, log_var_p)",
                         rtol=rtol, atol=1e-6, given=given)
        except Reject as wrong:
            failures.append((got, right, _kl_mistakes(given, mu_q, log_var_q, mu_p,
                                                      log_var_p)))
            first = first or str(wrong)
    if failures:
        raise Reject(_one_explanation(failures, _same_kl) or first)
    return (f"right on {len(cases)} cases: q = p, a standard-normal p, one dimension, very "
            "different variances, log variances of ±10, float32.")


# 12.4 ----------------------------------------------------------------------------------------

EPOCHS, BATCH = 8, 128     # the training budget the checker gives the learner's model
TARGET = 0.025             # validation mean squared error (masked input vs clean digit)
MAX_PARAMS = 500_000
MASKED = 0.5               # the share of pixels set to 0
COPIES = 2                 # masked copies of each training digit
UNTRAINED = 0.05           # a fresh model scores 0.1 or more (all zeros: 0.1; all 0.5: 0.23)


def _mask(x, rng):
    """x with a random half of its pixels set to 0 (float32)."""
    return (x * (rng.random(x.shape) >= MASKED)).astype("float32")


def _masked_digits():
    """(noisy train, clean train, noisy validation, clean validation), masks from the seed."""
    from helpers import data

    mnist = data.load_mnist()
    x_train = mnist.x_train.reshape(-1, 784)
    x_val = mnist.x_val.reshape(-1, 784)
    rng = np.random.default_rng(OUTCOME_SEED)
    noisy = np.concatenate([_mask(x_train, rng) for _ in range(COPIES)])
    return noisy, np.tile(x_train, (COPIES, 1)), _mask(x_val, rng), x_val


def _outputs(model, x, what):
    import keras

    try:
        out = np.asarray(keras.ops.convert_to_numpy(model(x, training=False)), dtype="float64")
    except Exception as error:
        first = str(error).strip().splitlines()[-1] if str(error).strip() else ""
        raise Reject(f"running the model on {what} of shape {x.shape} raised "
                     f"{type(error).__name__}: {short(first, 160)}. Its input should be "
                     "(None, 784), flattened images.") from None
    if out.shape != x.shape:
        raise Reject(f"the model should return images of shape (batch, 784); on {what} of "
                     f"shape {x.shape} it returned shape {out.shape}.")
    if not np.all(np.isfinite(out)):
        raise Reject(f"the model's outputs on {what} contain NaN or infinity.")
    return out


@exercise("12.4")
def masked_denoiser(answer):
    model = outcome_model(answer, "build_denoiser")
    ready_to_train(model, "build_denoiser", MAX_PARAMS)
    noisy, clean, noisy_val, clean_val = _masked_digits()
    before = float(np.mean((_outputs(model, noisy_val, "the masked validation digits")
                            - clean_val) ** 2))
    expect_untrained("build_denoiser", before, UNTRAINED,
                     "the model's error is already {:.4f}", lower_is_better=True)
    try:
        history = model.fit(noisy, clean, batch_size=BATCH, epochs=EPOCHS, shuffle=True,
                            verbose=0)
    except Exception as error:
        raise Reject(f"training the model raised {type(error).__name__}: "
                     f"{short(str(error), 200)}. The checker calls model.fit(masked images, "
                     "clean images): both (n, 784).") from None
    error = float(np.mean((_outputs(model, noisy_val, "the masked validation digits")
                           - clean_val) ** 2))
    copied = float(np.mean((noisy_val - clean_val) ** 2))
    if error > TARGET:
        curve = [float(v) for v in history.history.get("loss", [])]
        broken = bool(curve) and not np.all(np.isfinite(curve))
        why = (" The training loss became NaN or infinite: lower the learning rate." if broken
               else " Returning the masked input unchanged would score "
               f"{copied:.4f}. Look at the code size and the learning rate first.")
        raise Reject(f"trained for {EPOCHS} epochs on masked digits (the checker's fixed "
                     f"seed), your model's validation error is {error:.4f}; the target is "
                     f"{TARGET}." + why)
    return (f"trained for {EPOCHS} epochs, your model ({model.count_params():,} parameters) "
            f"rebuilt masked validation digits with a mean squared error of {error:.4f} "
            f"(target {TARGET}; the masked input itself: {copied:.4f}).")
