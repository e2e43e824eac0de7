"""Checkers for lesson 15 (Deep reinforcement learning).

15.1 compares the learner's discounted returns for a batch of episodes run in lockstep
(rewards and `done` flags of shape (T, n)) with a backward-recursion reference, on fixed edge
cases (one step, one environment, an episode ending at the last step, two episodes ending in
the same column, γ = 0 and γ = 1, float32 rewards, done flags as 0/1 integers) and on cases
drawn afresh on every call. 15.2 does the same for the double-DQN target of a batch of
transitions, with fixed cases that put the online and the target network's preferred actions
apart, so that a plain DQN target, a target from the online network alone, the two roles
swapped and a bootstrap from terminal states all give different numbers. A mistake is named
only when the answer's result equals what that one mistake gives on the failing case.

15.3 is judged by its outcome: the checker calls `build_actor_critic()` twice (two new,
untrained models), trains one with the lesson's A2C loop (8 CartPole-v1 environments in
lockstep, environments and network seeded from the kit's OUTCOME_SEED) for at most a fixed
number of updates, and measures the greedy policy's mean return on evaluation episodes itself.
"""

import numpy as np

from helpers.checks import (
    OUTCOME_SEED,
    Reject,
    as_array,
    as_learning_rate,
    call,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    need_callable,
    same_values,
    short,
)


def _same(a, b):
    return same_values(a, b, atol=1e-5)


def _explain(failures, what):
    """Reject for the failing cases [(given, got, right, mistakes)]: with a known mistake's
    message when that one mistake gives the answer's result on every failing case (one case
    alone can match two mistakes: constant rewards read forwards or backwards agree), else
    with the first failing case's expected and actual values."""
    def matching(got, right, mistakes):
        return {message for result, message in mistakes
                if not _same(result, right) and _same(got, result)}

    named = None
    for _given, got, right, mistakes in failures:
        found = matching(got, right, mistakes)
        named = found if named is None else named & found
    if named and len(named) == 1:
        raise Reject(named.pop())
    given, got, right, _ = failures[0]
    expect_close(got, right, what, rtol=1e-5, atol=1e-5, given=given)


# 15.1 ----------------------------------------------------------------------------------------

def returns_reference(rewards, dones, gamma):
    """G (T, n): G[t] = r[t] + γ·G[t+1], restarted after every step whose done flag is set;
    nothing is added beyond the last step."""
    rewards = np.asarray(rewards, dtype=float)
    ends = np.asarray(dones).astype(bool)
    out = np.zeros_like(rewards)
    running = np.zeros(rewards.shape[1:])
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running * ~ends[t]
        out[t] = running
    return out


def _forward(rewards, dones, gamma):
    """Discounting run forwards in time (each step gets the discounted past), reset at ends."""
    rewards = np.asarray(rewards, dtype=float)
    ends = np.asarray(dones).astype(bool)
    out = np.zeros_like(rewards)
    running = np.zeros(rewards.shape[1:])
    for t in range(len(rewards)):
        running = rewards[t] + gamma * running
        out[t] = running
        running = running * ~ends[t]
    return out


def _zeroed_at_end(rewards, dones, gamma):
    """The reset applied after the step is added: the last step of an episode gets 0."""
    rewards = np.asarray(rewards, dtype=float)
    ends = np.asarray(dones).astype(bool)
    out = np.zeros_like(rewards)
    running = np.zeros(rewards.shape[1:])
    for t in range(len(rewards) - 1, -1, -1):
        running = (rewards[t] + gamma * running) * ~ends[t]
        out[t] = running
    return out


def _reset_late(rewards, dones, gamma):
    """The flag read one step late: the return restarts before the step after an end."""
    ends = np.asarray(dones).astype(bool)
    shifted = np.zeros_like(ends)
    shifted[1:] = ends[:-1]
    return returns_reference(rewards, shifted, gamma)


def _returns_mistakes(rewards, dones, gamma):
    right = returns_reference(rewards, dones, gamma)
    return [
        (returns_reference(rewards, np.zeros_like(np.asarray(dones)), gamma),
         "your returns run on across the end of an episode: where `dones[t, i]` is set, the "
         "return of step t must not include anything from step t + 1 on (that is a new "
         "episode)."),
        (_forward(rewards, dones, gamma),
         "your returns discount the past, not the future: G[t] should add the rewards from "
         "step t onwards (run the loop backwards in time)."),
        (gamma * right,
         "your returns are off by one power of γ: the reward of step t itself counts in full "
         "(γ⁰), the next one with γ¹, and so on."),
        (_zeroed_at_end(rewards, dones, gamma),
         "your return is 0 at the last step of each episode: that step's own reward still "
         "counts; only what comes after it is cut off."),
        (_reset_late(rewards, dones, gamma),
         "your returns restart one step too late: the done flag of step t cuts the return "
         "right after step t's reward (look at which step's flag you read)."),
        (right[::-1],
         "your returns come out in reverse time order: G[0] should belong to the first step."),
    ]


def _returns_cases():
    """Fixed cases: (given, rewards (T, n), dones (T, n), gamma)."""
    fixed = np.random.default_rng(1501)
    ones = np.ones((5, 1))
    two_envs_r = np.array([[1.0, 0.5], [2.0, 0.0], [0.0, 1.0], [3.0, 2.0]])
    two_envs_d = np.array([[False, False], [True, False], [False, True], [False, False]])
    return [
        ("one environment, 5 rewards of 1, no episode end, γ = 0.9",
         ones, np.zeros((5, 1), bool), 0.9),
        ("one environment, rewards of 1, episode ends at step 2 (of 0..4), γ = 0.5",
         ones, np.array([[False], [False], [True], [False], [False]]), 0.5),
        ("2 environments, ends at step 1 in the first and step 2 in the second, γ = 0.9",
         two_envs_r, two_envs_d, 0.9),
        ("a single step (T = 1), 3 environments, one of them done, γ = 0.99",
         np.array([[1.0, -2.0, 0.5]]), np.array([[True, False, False]]), 0.99),
        ("every step ends an episode (returns equal rewards), γ = 0.9",
         np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.ones((3, 2), bool), 0.9),
        ("γ = 0 (returns equal rewards), no ends", two_envs_r, np.zeros((4, 2), bool), 0.0),
        ("γ = 1 (plain sums), episode ends in both environments at step 1",
         two_envs_r, np.array([[0, 0], [1, 1], [0, 0], [0, 0]], bool), 1.0),
        ("episode ends at the last step, done flags as 0/1 integers, γ = 0.95",
         np.array([[1.0], [0.0], [2.0]]), np.array([[0], [0], [1]]), 0.95),
        ("float32 rewards, 6 steps × 4 environments, γ = 0.8",
         fixed.normal(size=(6, 4)).astype("float32"), fixed.random((6, 4)) < 0.3, 0.8),
    ]


def _returns_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        steps, n = int(rng.integers(2, 12)), int(rng.integers(1, 6))
        gamma = float(rng.choice([0.5, 0.9, 0.99]))
        rewards = rng.normal(size=(steps, n)).round(2)
        dones = rng.random((steps, n)) < 0.25
        cases.append((f"random rewards and ends, {steps} steps × {n} environments, "
                      f"γ = {gamma:g}", rewards, dones, gamma))
    return cases


@exercise("15.1")
def discounted_returns(answer, rng):
    need_callable(answer, "discounted_returns")
    cases = _returns_cases() + _returns_drawn(rng)
    failures = []
    for given, rewards, dones, gamma in cases:
        out = call(answer, rewards, dones, gamma, name="discounted_returns")
        got = as_array(out, f"discounted_returns for {given}")
        right = returns_reference(rewards, dones, gamma)
        expect_shape(got, right.shape, f"discounted_returns for {given}")
        expect_finite(got, f"discounted_returns for {given}")
        if not _same(got, right):
            failures.append((f"{given}, rewards {short(np.asarray(rewards), 60)}", got, right,
                             _returns_mistakes(rewards, dones, gamma)))
    if failures:
        _explain(failures, "discounted_returns")
    return (f"right on {len(cases)} batches: episode ends inside, at the last step and in "
            "every step, one step, one environment, γ = 0 and γ = 1.")


# 15.2 ----------------------------------------------------------------------------------------

def targets_reference(rewards, terminated, next_q_online, next_q_target, gamma):
    """Double-DQN targets (n,): r + γ·(1 − terminated)·Q_target(s', argmax_a Q_online(s', a))."""
    rewards = np.asarray(rewards, dtype=float)
    ends = np.asarray(terminated).astype(bool)
    online = np.asarray(next_q_online, dtype=float)
    target = np.asarray(next_q_target, dtype=float)
    best = online.argmax(axis=1)
    value = target[np.arange(len(target)), best]
    return rewards + gamma * np.where(ends, 0.0, value)


def _targets_mistakes(rewards, terminated, next_q_online, next_q_target, gamma):
    r = np.asarray(rewards, dtype=float)
    ends = np.asarray(terminated).astype(bool)
    online = np.asarray(next_q_online, dtype=float)
    target = np.asarray(next_q_target, dtype=float)
    rows = np.arange(len(target))
    keep = np.where(ends, 0.0, 1.0)
    picked = target[rows, online.argmax(axis=1)]
    mistakes = [
        (r + gamma * picked,
         "your targets bootstrap from terminal states: when `terminated[i]` is set there is no "
         "next state to value, so the target is the reward alone."),
        (r + gamma * keep * target.max(axis=1),
         "your targets take the target network's own maximum: that is the plain DQN target. "
         "Double DQN lets the online network choose the next action and the target network "
         "value it."),
        (r + gamma * keep * online.max(axis=1),
         "your targets use the online network for both choosing and valuing the next action; "
         "the value should come from the target network (the one held still between syncs)."),
        (r + gamma * keep * online[rows, target.argmax(axis=1)],
         "your targets have the two networks' roles swapped: the online network chooses the "
         "next action (argmax) and the target network gives its value."),
        (r + gamma * (1 - keep) * picked,
         "your targets bootstrap only from terminal states: the (1 − terminated) factor is "
         "turned round."),
    ]
    if online.shape[0] == online.shape[1]:
        mistakes.append((r + gamma * keep * target[online.argmax(axis=0), rows],
                         "your argmax runs over the wrong axis: each row of `next_q_online` "
                         "is one transition, and the action is chosen along that row "
                         "(axis 1)."))
    return mistakes


def _targets_cases():
    """Fixed cases: (given, rewards, terminated, next_q_online, next_q_target, gamma)."""
    fixed = np.random.default_rng(1502)
    online = np.array([[1.0, 2.0], [3.0, 0.5], [0.2, 0.1]])
    target = np.array([[4.0, 1.0], [0.0, 2.5], [5.0, 6.0]])
    square_online = np.array([[0.0, 1.0, 0.5], [2.0, 0.0, 1.0], [0.3, 0.1, 0.9]])
    square_target = np.array([[1.0, 3.0, 2.0], [4.0, 6.0, 5.0], [7.0, 9.0, 8.0]])
    return [
        ("3 transitions, 2 actions, none terminal, γ = 0.9 (the two networks disagree on "
         "every row)", np.array([1.0, 1.0, 1.0]), np.array([False, False, False]),
         online, target, 0.9),
        ("the same transitions, the second one terminal", np.array([1.0, 1.0, 1.0]),
         np.array([False, True, False]), online, target, 0.9),
        ("every transition terminal (targets equal rewards)", np.array([0.5, -1.0, 2.0]),
         np.array([True, True, True]), online, target, 0.99),
        ("a batch of one, 4 actions, γ = 0.99", np.array([1.0]), np.array([False]),
         np.array([[0.1, 0.7, 0.3, 0.2]]), np.array([[2.0, -1.0, 3.0, 0.0]]), 0.99),
        ("3 transitions and 3 actions (a square table), γ = 0.5",
         np.array([0.0, 1.0, 2.0]), np.array([False, False, False]),
         square_online, square_target, 0.5),
        ("terminated as 0/1 integers, float32 values, γ = 0.99", np.array([1.0, 1.0]),
         np.array([0, 1]), np.array([[0.5, 1.5], [2.0, 1.0]], "float32"),
         np.array([[3.0, -2.0], [1.0, 4.0]], "float32"), 0.99),
        ("5 transitions, 3 actions, large values, γ = 0.9",
         fixed.normal(size=5), fixed.random(5) < 0.4,
         fixed.normal(size=(5, 3)) * 100, fixed.normal(size=(5, 3)) * 100, 0.9),
    ]


def _targets_drawn(rng, count=3):
    cases = []
    for _ in range(count):
        n, actions = int(rng.integers(2, 10)), int(rng.integers(2, 5))
        gamma = float(rng.choice([0.9, 0.99]))
        cases.append((f"{n} random transitions, {actions} actions, γ = {gamma:g}",
                      rng.normal(size=n).round(2), rng.random(n) < 0.3,
                      rng.normal(size=(n, actions)) * 10, rng.normal(size=(n, actions)) * 10,
                      gamma))
    return cases


@exercise("15.2")
def td_targets(answer, rng):
    need_callable(answer, "td_targets")
    cases = _targets_cases() + _targets_drawn(rng)
    failures = []
    for given, rewards, ends, online, target, gamma in cases:
        out = call(answer, rewards, ends, online, target, gamma, name="td_targets")
        got = as_array(out, f"td_targets for {given}")
        right = targets_reference(rewards, ends, online, target, gamma)
        if got.shape == (online.shape[1],) and online.shape[0] != online.shape[1]:
            raise Reject(f"for {given} your targets have shape {got.shape}, one per action; "
                         f"there should be one per transition, shape {right.shape}. Check the "
                         "axis of your argmax (each row of `next_q_online` is one transition).")
        expect_shape(got, right.shape, f"td_targets for {given}")
        expect_finite(got, f"td_targets for {given}")
        if not _same(got, right):
            failures.append((given, got, right,
                             _targets_mistakes(rewards, ends, online, target, gamma)))
    if failures:
        _explain(failures, "td_targets")
    return (f"right on {len(cases)} batches: terminal and non-terminal transitions, networks "
            "that disagree, a batch of one, a square table, 0/1 flags, float32.")


# 15.3 ----------------------------------------------------------------------------------------

N_ENVS, ROLLOUT, GAMMA = 8, 32, 0.99   # the lesson's A2C: 8 environments, 32 steps each
MAX_UPDATES = 300                      # the training budget the checker gives the agent
EVAL_EPISODES, EVAL_SEED = 20, 10_000  # greedy evaluation episodes, seeded as in the lesson
TARGET = 400.0                         # greedy mean return the agent must reach
MAX_PARAMS = 6_000


def _cartpoles(n, seed):
    import gymnasium as gym

    envs = [gym.make("CartPole-v1") for _ in range(n)]
    states = np.stack([e.reset(seed=seed + i)[0] for i, e in enumerate(envs)])
    return envs, states


def greedy_mean_return(choose, episodes=EVAL_EPISODES, seed=EVAL_SEED):
    """Mean return of `episodes` CartPole-v1 episodes in lockstep, actions = choose(states)."""
    envs, states = _cartpoles(episodes, seed)
    totals, running = np.zeros(episodes), np.ones(episodes, bool)
    while running.any():
        actions = choose(states)
        for i in np.flatnonzero(running):
            states[i], reward, terminated, truncated, _ = envs[i].step(int(actions[i]))
            totals[i] += reward
            running[i] = not (terminated or truncated)
    return float(totals.mean())


def train_a2c(model, learning_rate, seed, max_updates=MAX_UPDATES):
    """The lesson's A2C (entropy bonus 0.01, Adam); stops once the greedy policy holds 475 on
    10 check episodes. Returns (updates done, greedy function states -> actions)."""
    import keras
    import tensorflow as tf

    optimizer = keras.optimizers.Adam(learning_rate)
    rng = np.random.default_rng(seed)
    envs, states = _cartpoles(N_ENVS, seed * 100)

    @tf.function
    def act(states):
        return tf.nn.softmax(model(states)[0])

    @tf.function
    def learn(states, actions, rewards, dones, last_states):
        bootstrap = model(last_states)[1][:, 0]
        returns = tf.scan(lambda later, step: step[0] + GAMMA * later * (1 - step[1]),
                          (rewards, dones), initializer=bootstrap, reverse=True)
        with tf.GradientTape() as tape:
            logits, values = model(tf.reshape(states, (-1, 4)))
            values = values[:, 0]
            log_probs = tf.nn.log_softmax(logits)
            taken = tf.gather(log_probs, tf.reshape(actions, (-1,)), axis=1, batch_dims=1)
            returns = tf.reshape(returns, (-1,))
            advantage = tf.stop_gradient(returns - values)
            entropy = -tf.reduce_mean(tf.reduce_sum(tf.exp(log_probs) * log_probs, axis=1))
            loss = -tf.reduce_mean(taken * advantage) + \
                0.5 * tf.reduce_mean((returns - values) ** 2) - 0.01 * entropy
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    greedy = tf.function(lambda s: tf.argmax(model(s)[0], axis=1))

    def choose(s):
        return greedy(np.asarray(s, "float32")).numpy()

    episode_return, finished = np.zeros(N_ENVS), []
    for update in range(1, max_updates + 1):
        S = np.zeros((ROLLOUT, N_ENVS, 4), "float32")
        A = np.zeros((ROLLOUT, N_ENVS), "int32")
        R, D = np.zeros((ROLLOUT, N_ENVS), "float32"), np.zeros((ROLLOUT, N_ENVS), "float32")
        for t in range(ROLLOUT):
            p_right = act(states).numpy()[:, 1]
            actions = (rng.random(N_ENVS) < p_right).astype("int32")
            S[t], A[t] = states, actions
            for i, e in enumerate(envs):
                state, reward, terminated, truncated, _ = e.step(int(actions[i]))
                R[t, i] = reward
                episode_return[i] += reward
                if terminated or truncated:
                    D[t, i] = 1.0
                    finished.append(episode_return[i])
                    episode_return[i] = 0.0
                    state, _ = e.reset()
                states[i] = state
        learn(S, A, R, D, states)
        if update % 10 == 0 and finished and np.mean(finished[-20:]) >= 400 and \
                greedy_mean_return(choose, 10, seed=5_000) >= 475:
            break
    return update, choose


def _unpack_agent(out):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Reject("`build_agent()` should return two things, (model, learning_rate); it "
                     f"returned {short(out, 60)} ({type(out).__name__}).")
    return out


def _expect_agent(model, learning_rate, keras):
    if not isinstance(model, keras.Model):
        raise Reject(f"the model should be a Keras model; got {short(model, 40)} "
                     f"({type(model).__name__}).")
    if model.count_params() > MAX_PARAMS:
        raise Reject(f"the model has {model.count_params():,} parameters; keep it to "
                     f"{MAX_PARAMS:,} at most.")
    rate = as_learning_rate(learning_rate)
    probe = np.zeros((3, 4), "float32")
    try:
        out = model(probe)
        logits, values = (np.asarray(o, dtype=float) for o in out)
    except Exception as error:
        first = str(error).strip().splitlines()[-1] if str(error).strip() else ""
        raise Reject("calling the model on 3 states of shape (3, 4) should give two outputs, "
                     "[logits (3, 2), values (3, 1)]; it raised or gave something else "
                     f"({type(error).__name__}: {short(first, 120)}).") from None
    expect_shape(logits, (3, 2), "the model's first output (action logits) for 3 states")
    expect_shape(values, (3, 1), "the model's second output (state values) for 3 states")
    return rate


@exercise("15.3")
def a2c_agent(answer):
    need_callable(answer, "build_agent")
    import keras

    keras.utils.set_random_seed(OUTCOME_SEED)   # one answer, one verdict (the kit's docstring)
    model, learning_rate = _unpack_agent(call(answer, name="build_agent"))
    rate = _expect_agent(model, learning_rate, keras)
    again = call(answer, name="build_agent")
    if isinstance(again, (tuple, list)) and again and again[0] is model:
        raise Reject("`build_agent()` returned the same model twice. Build a new one on every "
                     "call: the checker trains a fresh model.")
    try:
        updates, choose = train_a2c(model, rate, OUTCOME_SEED, MAX_UPDATES)
        score = greedy_mean_return(choose)
    except Reject:
        raise
    except Exception as error:
        raise Reject(f"training your agent raised {type(error).__name__}: "
                     f"{short(str(error), 200)}.") from None
    if not np.isfinite(score) or score < TARGET:
        raise Reject(f"trained with the lesson's A2C for {updates} updates (the checker's fixed "
                     f"seed), your agent's greedy policy kept the pole up for {score:.1f} steps "
                     f"on average over {EVAL_EPISODES} evaluation episodes; the target is "
                     f"{TARGET:.0f} within {MAX_UPDATES} updates. Try the learning rate first, "
                     "then the networks' width and activation.")
    return (f"trained for {updates} updates, your agent's greedy policy averaged {score:.1f} "
            f"steps over {EVAL_EPISODES} evaluation episodes (target {TARGET:.0f} within "
            f"{MAX_UPDATES} updates).")
