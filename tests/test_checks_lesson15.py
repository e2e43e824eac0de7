"""Unit tests of lesson 15's checkers (Deep reinforcement learning): right answers written
differently pass; realistic wrong ones (returns that run across an episode's end, discounting
the past, an extra power of γ, a bootstrap from terminal states, the plain DQN target, the
online network alone, the two networks swapped, the argmax over the wrong axis, an agent that
learns too slowly) fail with a specific message; odd answers get a verdict, not a crash."""

import numpy as np
import pytest
from answers import raises_value_error, rejects, stub_for

from helpers.checks import lesson15 as check
from helpers.startup import import_keras

keras = import_keras()


# Exercise 15.1: discounted_returns(rewards, dones, gamma) --------------------------------------

def test_the_reference_returns_on_a_worked_example():
    rewards = np.array([[1.0], [1.0], [1.0], [1.0]])
    dones = np.array([[False], [True], [False], [False]])
    expected = np.array([[1.5], [1.0], [1.5], [1.0]])
    assert np.allclose(check.returns_reference(rewards, dones, 0.5), expected)


def returns_loop(rewards, dones, gamma):
    rewards = np.asarray(rewards, dtype=float)
    out = np.zeros_like(rewards)
    for i in range(rewards.shape[1]):
        g = 0.0
        for t in reversed(range(len(rewards))):
            if dones[t][i]:
                g = 0.0
            g = rewards[t, i] + gamma * g
            out[t, i] = g
    return out


def returns_as_lists(rewards, dones, gamma):
    """Backwards over rows, a list of rows reversed at the end, float32 arithmetic."""
    rows, running = [], np.zeros(np.shape(rewards)[1], dtype="float32")
    for r, d in zip(np.asarray(rewards, "float32")[::-1], np.asarray(dones, bool)[::-1]):
        running = r + np.float32(gamma) * np.where(d, 0, running)
        rows.append(running)
    return rows[::-1]


def returns_by_powers(rewards, dones, gamma):
    """Sum of γ^(k - t) r_k over the rest of each episode, no recursion."""
    rewards, dones = np.asarray(rewards, dtype=float), np.asarray(dones, bool)
    steps, n = rewards.shape
    out = np.zeros_like(rewards)
    for i in range(n):
        for t in range(steps):
            total = 0.0
            for k in range(t, steps):
                total += gamma ** (k - t) * rewards[k, i]
                if dones[k, i]:
                    break
            out[t, i] = total
    return out


@pytest.mark.parametrize("answer", [returns_loop, returns_as_lists, returns_by_powers])
def test_discounted_returns_accepts_right_answers_written_differently(answer):
    assert check.discounted_returns(answer) is True


def no_reset(rewards, dones, gamma):
    return check.returns_reference(rewards, np.zeros(np.shape(dones), bool), gamma)


def forward_in_time(rewards, dones, gamma):
    rewards, dones = np.asarray(rewards, dtype=float), np.asarray(dones, bool)
    out, running = np.zeros_like(rewards), np.zeros(rewards.shape[1])
    for t in range(len(rewards)):
        running = rewards[t] + gamma * running
        out[t] = running
        running = np.where(dones[t], 0.0, running)
    return out


def extra_power(rewards, dones, gamma):
    rewards, dones = np.asarray(rewards, dtype=float), np.asarray(dones, bool)
    out, running = np.zeros_like(rewards), np.zeros(rewards.shape[1])
    for t in reversed(range(len(rewards))):
        running = gamma * (rewards[t] + np.where(dones[t], 0.0, running))
        out[t] = running
    return out


def zero_at_the_end(rewards, dones, gamma):
    rewards, dones = np.asarray(rewards, dtype=float), np.asarray(dones, bool)
    out, running = np.zeros_like(rewards), np.zeros(rewards.shape[1])
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        running = np.where(dones[t], 0.0, running)
        out[t] = running
    return out


def reversed_order(rewards, dones, gamma):
    return check.returns_reference(rewards, dones, gamma)[::-1]


@pytest.mark.parametrize("answer, message", [
    (no_reset, "run on across the end of an episode"),
    (forward_in_time, "discount the past, not the future"),
    (extra_power, "off by one power of γ"),
    (zero_at_the_end, "0 at the last step of each episode"),
    (reversed_order, "reverse time order"),
    (lambda rewards, dones, gamma: None, "is None"),
    (lambda rewards, dones, gamma: np.zeros(len(rewards)), "should have shape"),
    (lambda rewards, dones, gamma: np.full(np.shape(rewards), np.nan), "NaN"),
    (None, "`discounted_returns` is None"),
    ("returns", "should be a function; got a str"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_discounted_returns_rejects_wrong_answers_specifically(answer, message):
    rejects(check.discounted_returns, answer, match=message)


def test_discounted_returns_rejects_an_answer_that_changes_rewards_in_place():
    def in_place(rewards, dones, gamma):
        rewards = np.asarray(rewards)
        right = check.returns_reference(rewards, dones, gamma)
        rewards[...] = right
        return right
    rejects(check.discounted_returns, in_place, match="changed its input `rewards` in place")


def test_discounted_returns_rejects_a_table_of_the_fixed_cases():
    table = {(r.tobytes(), np.asarray(d).tobytes(), g): check.returns_reference(r, d, g)
             for _, r, d, g in check._returns_cases()}

    def lookup(rewards, dones, gamma):
        key = (np.asarray(rewards).tobytes(), np.asarray(dones).tobytes(), gamma)
        return table.get(key, np.zeros(np.shape(rewards)))
    assert "seed" in rejects(check.discounted_returns, lookup, match="random")


def test_discounted_returns_stub_message_names_the_exercise():
    stub = stub_for("15.1", "implement `discounted_returns(rewards, dones, gamma)`")
    rejects(check.discounted_returns, stub, match=r"^Exercise 15\.1 is yours: implement")


# Exercise 15.2: td_targets(rewards, terminated, next_q_online, next_q_target, gamma) ------------

def test_the_reference_target_on_a_worked_example():
    got = check.targets_reference(np.array([1.0, 2.0]), np.array([False, True]),
                                  np.array([[1.0, 5.0], [0.0, 1.0]]),
                                  np.array([[9.0, 3.0], [7.0, 7.0]]), 0.5)
    assert np.allclose(got, [1.0 + 0.5 * 3.0, 2.0])


def targets_take_along(rewards, terminated, next_q_online, next_q_target, gamma):
    picks = np.argmax(next_q_online, axis=1)[:, None]
    value = np.take_along_axis(np.asarray(next_q_target), picks, axis=1)[:, 0]
    return rewards + gamma * value * np.logical_not(terminated)


def targets_loop(rewards, terminated, next_q_online, next_q_target, gamma):
    out = []
    for r, done, online, target in zip(rewards, terminated, next_q_online, next_q_target):
        best = max(range(len(online)), key=lambda a: online[a])
        out.append(float(r) if done else float(r) + gamma * float(target[best]))
    return out


def targets_keras(rewards, terminated, next_q_online, next_q_target, gamma):
    ops = keras.ops
    best = ops.argmax(next_q_online, axis=1)
    value = ops.take_along_axis(ops.convert_to_tensor(next_q_target),
                                ops.expand_dims(best, 1), axis=1)[:, 0]
    alive = 1.0 - ops.cast(terminated, "float32")
    return ops.convert_to_numpy(ops.cast(rewards, "float32") + gamma * alive *
                                ops.cast(value, "float32"))


@pytest.mark.parametrize("answer", [targets_take_along, targets_loop, targets_keras])
def test_td_targets_accepts_right_answers_written_differently(answer):
    assert check.td_targets(answer) is True


def _rows(q):
    return np.arange(len(q))


def bootstrap_terminal(rewards, terminated, online, target, gamma):
    return rewards + gamma * np.asarray(target)[_rows(target), np.argmax(online, axis=1)]


def plain_dqn(rewards, terminated, online, target, gamma):
    return rewards + gamma * (1 - np.asarray(terminated, float)) * np.max(target, axis=1)


def online_only(rewards, terminated, online, target, gamma):
    return rewards + gamma * (1 - np.asarray(terminated, float)) * np.max(online, axis=1)


def roles_swapped(rewards, terminated, online, target, gamma):
    value = np.asarray(online)[_rows(online), np.argmax(target, axis=1)]
    return rewards + gamma * (1 - np.asarray(terminated, float)) * value


def flag_turned_round(rewards, terminated, online, target, gamma):
    value = np.asarray(target)[_rows(target), np.argmax(online, axis=1)]
    return rewards + gamma * np.asarray(terminated, float) * value


def argmax_over_batch(rewards, terminated, online, target, gamma):
    value = np.asarray(target)[np.argmax(online, axis=0), _rows(target)]
    return rewards + gamma * (1 - np.asarray(terminated, float)) * value


def max_over_batch(rewards, terminated, online, target, gamma):
    return np.max(target, axis=0)


@pytest.mark.parametrize("answer, message", [
    (bootstrap_terminal, "bootstrap from terminal states"),
    (plain_dqn, "plain DQN target"),
    (online_only, "online network for both"),
    (roles_swapped, "roles swapped"),
    (flag_turned_round, "turned round"),
    (argmax_over_batch, "raised IndexError"),
    (max_over_batch, "one per action"),
    (lambda *args: None, "is None"),
    (lambda *args: "targets", "could not be read as numbers|should be numbers"),
    (None, "`td_targets` is None"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_td_targets_rejects_wrong_answers_specifically(answer, message):
    rejects(check.td_targets, answer, match=message)


def test_td_targets_rejects_an_answer_that_changes_its_input_in_place():
    def in_place(rewards, terminated, online, target, gamma):
        right = check.targets_reference(rewards, terminated, online, target, gamma)
        target[:, 0] = 0.0
        return right
    rejects(check.td_targets, in_place, match="changed its input `target` in place")


def test_td_targets_stub_message_names_the_exercise():
    stub = stub_for("15.2", "implement `td_targets(...)`")
    rejects(check.td_targets, stub, match=r"^Exercise 15\.2 is yours: implement")


# Exercise 15.3: build_agent() -------------------------------------------------------------------

def agent(hidden=32, rate=3e-3, two_outputs=True):
    states = keras.Input((4,))
    h = keras.layers.Dense(hidden, activation="tanh")(states)
    logits = keras.layers.Dense(2)(h)
    if not two_outputs:
        return keras.Model(states, logits), rate
    return keras.Model(states, [logits, keras.layers.Dense(1)(h)]), rate


def test_a2c_agent_rejects_one_that_learns_too_slowly(monkeypatch):
    monkeypatch.setattr(check, "MAX_UPDATES", 20)      # the verdict's path, in a second or two
    message = rejects(check.a2c_agent, lambda: agent(rate=1e-6), match="the target is 400 "
                      "within 20 updates")
    assert "Try the learning rate first" in message


def test_a2c_agent_rejects_the_same_model_twice():
    pair = agent()
    rejects(check.a2c_agent, lambda: pair, match="the same model twice")


@pytest.mark.parametrize("answer, message", [
    (lambda: agent()[0], "should return two things"),
    (lambda: None, "should return two things"),
    (lambda: ("model", 1e-3), "should be a Keras model"),
    (lambda: (agent()[0], "fast"), "learning rate should be a number"),
    (lambda: (agent()[0], 3.0), "between 0 and 1"),
    (lambda: agent(two_outputs=False), "two outputs"),
    (lambda: agent(hidden=2000), "keep it to 6,000"),
    (None, "`build_agent` is None"),
    (raises_value_error, "raised ValueError: boom"),
])
def test_a2c_agent_rejects_wrong_returns_before_training(answer, message):
    rejects(check.a2c_agent, answer, match=message)
