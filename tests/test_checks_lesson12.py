"""Unit tests of lesson 12's checkers (Autoencoders): right answers written differently pass;
realistic wrong answers (an off-by-one count, a strict inequality, the lowest scores first,
normal examples counted, bases left un-orthonormalised, cosines or degrees for angles, the
wrong order, an unclipped arccos, a KL the wrong way round or missing a term, a denoiser that
is too small or already trained) fail with a specific message; odd answers get a verdict rather
than a crash."""

import math

import numpy as np
import pytest
from answers import args_key, raises_value_error, rejects, stub_for
from scipy.linalg import subspace_angles

from helpers.checks import lesson12 as check
from helpers.startup import import_keras

keras = import_keras()


# Exercise 12.1: threshold_for_recall(scores, is_anomaly, recall) -----------------------------

def threshold_sorted(scores, is_anomaly, recall):
    anomalous = np.sort(np.asarray(scores, float)[np.asarray(is_anomaly).astype(bool)])[::-1]
    return anomalous[math.ceil(round(recall * len(anomalous), 9)) - 1]


def threshold_loop(scores, is_anomaly, recall):
    anomalous = sorted((s for s, a in zip(scores, is_anomaly) if a), reverse=True)
    for t in anomalous:
        caught = sum(s >= t for s in anomalous)
        if caught / len(anomalous) >= recall:
            return t
    return anomalous[-1]


def threshold_quantile_lower(scores, is_anomaly, recall):
    # np.quantile with method="higher" on the anomalies' scores picks an actual score, but
    # rounds the count the other way on most inputs.
    anomalous = np.asarray(scores, float)[np.asarray(is_anomaly).astype(bool)]
    return float(np.quantile(anomalous, 1 - recall, method="lower"))


def threshold_plain_ceil(scores, is_anomaly, recall):
    anomalous = -np.sort(-np.asarray(scores)[np.asarray(is_anomaly) == 1])
    return anomalous[int(np.ceil(recall * anomalous.size)) - 1]


@pytest.mark.parametrize("answer", [threshold_sorted, threshold_loop, threshold_plain_ceil])
def test_threshold_accepts_right_answers_written_differently(answer):
    assert check.threshold_for_recall(answer) is True


def _counted(shift):
    def answer(scores, is_anomaly, recall):
        anomalous = np.sort(np.asarray(scores, float)[np.asarray(is_anomaly).astype(bool)])[::-1]
        m = math.ceil(round(recall * len(anomalous), 9)) + shift
        return anomalous[min(max(m, 1), len(anomalous)) - 1]
    return answer


def threshold_floor(scores, is_anomaly, recall):
    anomalous = np.sort(np.asarray(scores, float)[np.asarray(is_anomaly).astype(bool)])[::-1]
    return anomalous[max(int(recall * len(anomalous)), 1) - 1]


def threshold_strict(scores, is_anomaly, recall):
    anomalous = np.sort(np.asarray(scores, float)[np.asarray(is_anomaly).astype(bool)])[::-1]
    for t in anomalous:
        if np.mean(anomalous >= t) > recall:
            return t
    return anomalous[-1]


def threshold_ascending(scores, is_anomaly, recall):
    anomalous = np.sort(np.asarray(scores, float)[np.asarray(is_anomaly).astype(bool)])
    return anomalous[math.ceil(round(recall * len(anomalous), 9)) - 1]


def threshold_all_scores(scores, is_anomaly, recall):
    everything = np.sort(np.asarray(scores, float))[::-1]
    return everything[math.ceil(round(recall * len(everything), 9)) - 1]


def threshold_normals(scores, is_anomaly, recall):
    normal = np.sort(np.asarray(scores, float)[~np.asarray(is_anomaly).astype(bool)])[::-1]
    return normal[math.ceil(round(recall * len(normal), 9)) - 1]


def threshold_sorts_in_place(scores, is_anomaly, recall):
    scores = np.asarray(scores)
    scores.sort()
    return threshold_sorted(scores, is_anomaly, recall)


@pytest.mark.parametrize("answer, message", [
    (_counted(1), "catches one anomaly more than needed"),
    (threshold_floor, "catches too few anomalies"),
    (threshold_strict, r"\(>=, not >\)"),
    (threshold_ascending, "from the lowest score up"),
    (threshold_all_scores, "counts all examples"),
    (threshold_normals, "uses the normal examples' scores"),
    (threshold_quantile_lower, "one anomaly more than needed|should be"),
    (threshold_sorts_in_place, "changed its input `scores` in place"),
    (lambda scores, is_anomaly, recall: float("nan"), "finite number"),
    (lambda scores, is_anomaly, recall: None, "is None"),
    (lambda scores, is_anomaly, recall: "0.5", "should be numbers"),
    (lambda scores, is_anomaly, recall: [0.1, 0.2], "single number"),
    (None, "`threshold_for_recall` is None"),
    ("threshold", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_threshold_rejects_wrong_answers_specifically(answer, message):
    rejects(check.threshold_for_recall, answer, match=message)


def test_threshold_rejects_a_table_of_the_fixed_cases():
    table = {args_key((s, a, r)): threshold_sorted(s, a, r)
             for _, s, a, r in check._threshold_cases()}

    def lookup(scores, is_anomaly, recall):
        return table.get(args_key((scores, is_anomaly, recall)), 0.0)
    message = rejects(check.threshold_for_recall, lookup, match="random scores")
    assert "seed" in message


def test_threshold_stub_message_names_the_exercise():
    stub = stub_for("12.1", "implement `threshold_for_recall(scores, is_anomaly, recall)`")
    rejects(check.threshold_for_recall, stub, match=r"^Exercise 12\.1 is yours: implement")


def test_reference_threshold_reaches_the_recall_and_no_higher_one_does():
    rng = np.random.default_rng(0)
    for _ in range(50):
        labels = rng.random(60) < 0.3
        labels[0] = True
        scores = rng.normal(size=60) + labels
        recall = rng.uniform(0.05, 1)
        t = check._threshold(scores, labels, recall)
        caught = np.mean(scores[labels] >= t)
        higher = scores[labels][scores[labels] > t]
        assert caught >= recall - 1e-12
        assert all(np.mean(scores[labels] >= h) < recall for h in higher)


# Exercise 12.2: principal_angles(a, b) --------------------------------------------------------

def angles_qr(a, b):
    qa, _ = np.linalg.qr(np.asarray(a, float))
    qb, _ = np.linalg.qr(np.asarray(b, float))
    return np.sort(np.arccos(np.clip(np.linalg.svd(qa.T @ qb, compute_uv=False), -1, 1)))[::-1]


def angles_svd_bases(a, b):
    """Orthonormal bases from the SVD instead of QR, as a list in float32 order."""
    ua = np.linalg.svd(np.asarray(a, float), full_matrices=False)[0]
    ub = np.linalg.svd(np.asarray(b, float), full_matrices=False)[0]
    cos = np.clip(np.linalg.svd(ub.T @ ua, compute_uv=False), 0, 1)
    return sorted(np.arccos(cos).tolist(), reverse=True)


def angles_degrees(a, b):
    return np.degrees(angles_qr(a, b))


def angles_ascending(a, b):
    return angles_qr(a, b)[::-1]


def angles_cosines(a, b):
    return np.cos(angles_qr(a, b))


def angles_raw(a, b):
    return np.arccos(np.clip(np.linalg.svd(a.T @ b, compute_uv=False), -1, 1))


def angles_unclipped(a, b):
    qa, _ = np.linalg.qr(np.asarray(a, float))
    qb, _ = np.linalg.qr(np.asarray(b, float))
    with np.errstate(invalid="ignore"):
        return np.sort(np.arccos(np.linalg.svd(qa.T @ qb, compute_uv=False) * (1 + 1e-15)))[::-1]


def angles_complete_qr(a, b):
    qa = np.linalg.qr(np.asarray(a, float), mode="complete")[0]
    qb = np.linalg.qr(np.asarray(b, float), mode="complete")[0]
    cos = np.linalg.svd(qa.T @ qb, compute_uv=False)[:min(a.shape[1], b.shape[1])]
    return np.sort(np.arccos(np.clip(cos, -1, 1)))[::-1]


def angles_all_of_them(a, b):
    qa, _ = np.linalg.qr(np.asarray(a, float))
    qb, _ = np.linalg.qr(np.asarray(b, float))
    cos = np.linalg.svd(qa.T @ qb, compute_uv=True, full_matrices=True)[1]
    out = np.full(max(a.shape[1], b.shape[1]), np.pi / 2)
    out[:len(cos)] = np.arccos(np.clip(cos, -1, 1))
    return np.sort(out)[::-1]


def angles_with_scipy(a, b):
    return subspace_angles(a, b)


def angles_normalises_in_place(a, b):
    a /= np.linalg.norm(a, axis=0)
    return angles_qr(a, b)


@pytest.mark.parametrize("answer", [angles_qr, angles_svd_bases])
def test_principal_angles_accepts_right_answers_written_differently(answer):
    assert check.principal_angles(answer) is True


@pytest.mark.parametrize("answer, message", [
    (angles_degrees, "in degrees"),
    (angles_ascending, "wrong order"),
    (angles_cosines, "cosines"),
    (angles_raw, "from the columns as given"),
    (angles_unclipped, "Clip the cosines"),
    (angles_complete_qr, "should be"),
    (angles_all_of_them, "one per dimension of the smaller subspace"),
    (angles_with_scipy, "your answer uses `subspace_angles`"),
    (angles_normalises_in_place, "changed its input `a` in place"),
    (lambda a, b: None, "is None"),
    (lambda a, b: "angles", "should be numbers"),
    (None, "`principal_angles` is None"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_principal_angles_rejects_wrong_answers_specifically(answer, message):
    rejects(check.principal_angles, answer, match=message)


def test_principal_angles_rejects_a_table_of_the_fixed_cases():
    table = {args_key((a, b)): angles_qr(a, b) for _, a, b in check._angle_cases()}

    def lookup(a, b):
        return table.get(args_key((a, b)), np.zeros(min(a.shape[1], b.shape[1])))
    message = rejects(check.principal_angles, lookup, match="random a")
    assert "seed" in message


def test_principal_angles_stub_message_names_the_exercise():
    stub = stub_for("12.2", "implement `principal_angles(a, b)` from scratch")
    rejects(check.principal_angles, stub, match=r"^Exercise 12\.2 is yours: implement")


# Exercise 12.3: kl_divergence(mu_q, log_var_q, mu_p, log_var_p) -----------------------------

def kl_vectorised(mu_q, log_var_q, mu_p, log_var_p):
    return 0.5 * np.sum(log_var_p - log_var_q - 1 + (np.exp(log_var_q) + (mu_q - mu_p) ** 2)
                        / np.exp(log_var_p), axis=-1)


def kl_loops(mu_q, log_var_q, mu_p, log_var_p):
    """Row by row, dimension by dimension, with standard deviations, as a list."""
    out = []
    for row in range(len(mu_q)):
        total = 0.0
        for j in range(mu_q.shape[1]):
            s_q = math.exp(0.5 * float(log_var_q[row, j]))
            s_p = math.exp(0.5 * float(log_var_p[row, j]))
            gap = float(mu_q[row, j]) - float(mu_p[row, j])
            total += math.log(s_p / s_q) + (s_q ** 2 + gap ** 2) / (2 * s_p ** 2) - 0.5
        out.append(total)
    return out


@pytest.mark.parametrize("answer", [kl_vectorised, kl_loops])
def test_kl_accepts_right_answers_written_differently(answer):
    assert check.kl_divergence(answer) is True


def _kl_variant(**how):
    def answer(mu_q, log_var_q, mu_p, log_var_p):
        return check._kl(mu_q, log_var_q, mu_p, log_var_p, **how)
    return answer


def kl_swapped(mu_q, log_var_q, mu_p, log_var_p):
    return kl_vectorised(mu_p, log_var_p, mu_q, log_var_q)


def kl_standard_normal_only(mu_q, log_var_q, mu_p, log_var_p):
    return 0.5 * np.sum(np.exp(log_var_q) + mu_q ** 2 - 1 - log_var_q, axis=-1)


def kl_whole_batch(mu_q, log_var_q, mu_p, log_var_p):
    return float(kl_vectorised(mu_q, log_var_q, mu_p, log_var_p).sum())


def kl_in_place(mu_q, log_var_q, mu_p, log_var_p):
    mu_q -= mu_p
    return 0.5 * np.sum(log_var_p - log_var_q - 1 + (np.exp(log_var_q) + mu_q ** 2)
                        / np.exp(log_var_p), axis=-1)


@pytest.mark.parametrize("answer, message", [
    (kl_swapped, r"KL\(p ‖ q\), the divergence the other way round"),
    (_kl_variant(half=False), "a factor 1/2 is missing"),
    (_kl_variant(minus_one=False), "too large by 1/2 per dimension"),
    (_kl_variant(log_sign=-1), "log-variance term has the wrong sign"),
    (_kl_variant(reduce="mean"), "averaged over the dimensions"),
    (_kl_variant(square_scale=False), "divided by σp instead of the variance"),
    (kl_standard_normal_only, "should be"),
    (kl_whole_batch, "one KL per row"),
    (kl_in_place, "changed its input `mu_q` in place"),
    (lambda mu_q, log_var_q, mu_p, log_var_p: None, "is None"),
    (None, "`kl_divergence` is None"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_kl_rejects_wrong_answers_specifically(answer, message):
    rejects(check.kl_divergence, answer, match=message)


def test_kl_rejects_a_table_of_the_fixed_cases():
    table = {args_key(case[1:]): kl_vectorised(*case[1:]) for case in check._kl_cases()}

    def lookup(mu_q, log_var_q, mu_p, log_var_p):
        return table.get(args_key((mu_q, log_var_q, mu_p, log_var_p)), np.zeros(len(mu_q)))
    message = rejects(check.kl_divergence, lookup, match="random q and p")
    assert "seed" in message


def test_reference_kl_matches_a_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    mu_q, log_var_q, mu_p, log_var_p = (rng.normal(size=(3, 2)) for _ in range(4))
    z = mu_q + np.exp(0.5 * log_var_q) * rng.normal(size=(400_000, 3, 2))

    def log_density(z, mu, log_var):
        return -0.5 * (np.log(2 * np.pi) + log_var + (z - mu) ** 2 / np.exp(log_var))
    estimate = (log_density(z, mu_q, log_var_q) - log_density(z, mu_p, log_var_p)).sum(-1)
    assert np.allclose(estimate.mean(axis=0), check._kl(mu_q, log_var_q, mu_p, log_var_p),
                       atol=0.03)


def test_kl_stub_message_names_the_exercise():
    stub = stub_for("12.3", "implement `kl_divergence(mu_q, log_var_q, mu_p, log_var_p)`")
    rejects(check.kl_divergence, stub, match=r"^Exercise 12\.3 is yours: implement")


# Exercise 12.4: build_denoiser() ---------------------------------------------------------------

def denoiser(code=64, hidden=256, learning_rate=3e-3, loss="binary_crossentropy"):
    inputs = keras.Input((784,))
    h = keras.layers.Dense(hidden, activation="relu")(inputs)
    h = keras.layers.Dense(code, activation="relu")(h)
    h = keras.layers.Dense(hidden, activation="relu")(h)
    model = keras.Model(inputs, keras.layers.Dense(784, activation="sigmoid")(h))
    model.compile(keras.optimizers.Adam(learning_rate), loss)
    return model


def test_masked_denoiser_accepts_a_functional_model_trained_on_squared_error():
    assert check.masked_denoiser(lambda: denoiser(loss="mse")) is True


def test_masked_denoiser_rejects_a_model_that_falls_short_of_the_target():
    message = rejects(check.masked_denoiser, lambda: denoiser(code=4, learning_rate=1e-3),
                      match=r"validation error is 0\.\d+; the target is 0\.025")
    assert "the checker's fixed seed" in message and "seed=" not in message


def test_masked_denoiser_refuses_a_model_trained_before_the_check():
    trained = denoiser()
    noisy, clean, _, _ = check._masked_digits()
    trained.fit(noisy, clean, batch_size=128, epochs=8, verbose=0)
    weights = trained.get_weights()

    def build():
        model = denoiser()
        model.set_weights(weights)
        return model
    rejects(check.masked_denoiser, build, match="already")


def test_masked_denoiser_refuses_the_same_model_twice():
    model = denoiser()
    rejects(check.masked_denoiser, lambda: model, match="the same model object twice")


def uncompiled():
    inputs = keras.Input((784,))
    return keras.Model(inputs, keras.layers.Dense(784)(inputs))


def images_of_28_by_28():
    inputs = keras.Input((28, 28))
    code = keras.layers.Dense(32, activation="relu")(keras.layers.Flatten()(inputs))
    out = keras.layers.Reshape((28, 28))(keras.layers.Dense(784)(code))
    model = keras.Model(inputs, out)
    model.compile("adam", "mse")
    return model


def ten_outputs():
    inputs = keras.Input((784,))
    model = keras.Model(inputs, keras.layers.Dense(10)(inputs))
    model.compile("adam", "mse")
    return model


@pytest.mark.parametrize("answer, message", [
    (None, "`build_denoiser` is None"),
    ("denoiser", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
    (lambda: "a model", "should return a Keras model"),
    (uncompiled, "the model is not compiled"),
    (lambda: denoiser(hidden=512), "keep it to 500,000 at most"),
    (images_of_28_by_28, "flattened images"),
    (ten_outputs, r"images of shape \(batch, 784\)"),
])
def test_masked_denoiser_rejects_models_that_do_not_fit_the_task(answer, message):
    rejects(check.masked_denoiser, answer, match=message)


def test_masked_denoiser_stub_message_names_the_exercise():
    stub = stub_for("12.4", "write `build_denoiser()`, a denoiser for masking noise")
    rejects(check.masked_denoiser, stub, match=r"^Exercise 12\.4 is yours: write")
