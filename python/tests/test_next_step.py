"""make_vec(..., autoreset_mode="next_step"): Gymnasium 1.x's auto-reset, checked against single
environments stepped by hand (the episode's last observation on the step it ends, the reset on
the next step with reward 0 and both flags False), the episode statistics in info, the mode's
name in attributes and metadata, and the refusal of unknown modes."""

import enum

import numpy as np
import pytest

import valor


def run_against_singles(name, n, steps, seed, threads=1, copy=True, obs_dtype=np.float32,
                        **options):
    """Steps make_vec(name, n, autoreset_mode="next_step") and n make(name) by hand side by side
    with the same random actions; returns the number of episodes that ended."""
    vec = valor.make_vec(name, n, seed=seed, threads=threads, copy=copy, obs_dtype=obs_dtype,
                         autoreset_mode="next_step", **options)
    singles = [valor.make(name, obs_dtype=obs_dtype, **options) for _ in range(n)]
    dtype = np.dtype(obs_dtype)
    obs, info = vec.reset()
    assert info == {}
    assert obs.dtype == dtype and obs.shape == (n,) + singles[0].observation_space.shape
    for i, env in enumerate(singles):
        o, _ = env.reset(seed=seed + i)
        assert np.array_equal(obs[i], o)
    rng = np.random.default_rng(seed)
    num_actions = singles[0].action_space.n
    pending = [False] * n  # the episode ended on the last step: this step resets
    returns, lengths = [0.0] * n, [0] * n
    ended = resets = 0
    for _ in range(steps):
        actions = rng.integers(num_actions, size=n)
        obs, rewards, terminated, truncated, info = vec.step(actions)
        assert obs.dtype == dtype and obs.shape == (n,) + singles[0].observation_space.shape
        assert rewards.dtype == np.float64 and rewards.shape == (n,)
        assert terminated.dtype == np.bool_ and terminated.shape == (n,)
        assert truncated.dtype == np.bool_ and truncated.shape == (n,)
        done = terminated | truncated
        if done.any():
            assert set(info) == {"episode", "_episode"}
            assert np.array_equal(info["_episode"], done)
        else:
            assert info == {}
        for i, env in enumerate(singles):
            if pending[i]:
                # The action is ignored: the environment starts its next episode.
                o, _ = env.reset()
                r, term, trunc = 0.0, False, False
                pending[i] = False
                resets += 1
            else:
                o, r, term, trunc, _ = env.step(int(actions[i]))
                returns[i] += r
                lengths[i] += 1
            assert rewards[i] == r and terminated[i] == term and truncated[i] == trunc
            assert np.array_equal(obs[i], o)
            if term or trunc:
                ended += 1
                pending[i] = True
                assert info["episode"]["r"][i] == returns[i]
                assert info["episode"]["l"][i] == lengths[i]
                returns[i], lengths[i] = 0.0, 0
            elif done.any():
                assert not info["_episode"][i]
    assert resets == ended - sum(pending)
    return ended


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("copy", [True, False])
@pytest.mark.parametrize("obs_dtype", [np.float32, np.uint8])
def test_breakout_matches_single_envs(threads, copy, obs_dtype):
    assert run_against_singles("breakout", 6, 400, seed=11, threads=threads, copy=copy,
                               obs_dtype=obs_dtype) > 10


@pytest.mark.parametrize("name", ["asterix", "freeway", "seaquest", "space_invaders"])
def test_minatar_games_match_single_envs(name):
    steps = 2600 if name == "freeway" else 400  # freeway's episodes are 2500 steps
    assert run_against_singles(name, 2, steps, seed=5, obs_dtype=np.uint8) > 0


def test_sticky_actions_off_and_minimal_action_set():
    assert run_against_singles("breakout", 4, 300, seed=2, sticky_action_prob=0.0,
                               minimal_action_set=True) > 5


@pytest.mark.parametrize("name", ["CartPole-v1", "Acrobot-v1", "frozen-lake-4x4"])
def test_other_families_match_single_envs(name):
    steps = 1100 if name == "Acrobot-v1" else 300  # Acrobot: truncated at 500 steps
    assert run_against_singles(name, 3, steps, seed=3) > 0


def test_truncation_resets_on_the_next_step():
    """MountainCar with random actions always ends by its 200-step limit (truncated)."""
    vec = valor.make_vec("MountainCar-v0", 2, seed=0, autoreset_mode="next_step")
    vec.reset()
    first = None
    for t in range(1, 203):
        obs, rewards, terminated, truncated, info = vec.step(np.zeros(2, np.int64))
        if t == 200:
            assert truncated.all() and not terminated.any()
            assert np.array_equal(info["episode"]["l"], [200, 200])
            first = obs.copy()
        elif t == 201:
            assert not truncated.any() and np.array_equal(rewards, [0.0, 0.0])
            assert not np.array_equal(obs, first)
            # The reset observation: position in [-0.6, -0.4], velocity 0.
            assert np.all((obs[:, 0] >= -0.6) & (obs[:, 0] <= -0.4)) and np.all(obs[:, 1] == 0)
        else:
            assert not (terminated | truncated).any()


def test_reset_clears_a_pending_reset():
    """reset() after an episode ended starts every environment afresh: the next step steps."""
    vec = valor.make_vec("breakout", 2, seed=0, autoreset_mode="next_step")
    vec.reset()
    actions = np.zeros(2, np.int64)
    while True:
        _, _, terminated, _, _ = vec.step(actions)
        if terminated.any():
            break
    vec.reset(seed=4)
    singles = [valor.make("breakout") for _ in range(2)]
    for i, env in enumerate(singles):
        env.reset(seed=4 + i)
    obs, rewards, *_ = vec.step(np.ones(2, np.int64))
    for i, env in enumerate(singles):
        o, r, *_ = env.step(1)
        assert np.array_equal(obs[i], o) and rewards[i] == r


def test_same_step_stays_the_default():
    vec = valor.make_vec("breakout", 2)
    assert vec.autoreset_mode == "same_step"
    assert vec.metadata["autoreset_mode"] == "same_step"
    nxt = valor.make_vec("breakout", 2, autoreset_mode="next_step")
    assert nxt.autoreset_mode == "next_step"
    assert nxt.metadata["autoreset_mode"] == "next_step"


def test_gymnasium_spellings_are_accepted():
    class AutoresetMode(enum.Enum):  # as gymnasium.vector.AutoresetMode
        NEXT_STEP = "NextStep"
        SAME_STEP = "SameStep"
        DISABLED = "Disabled"

    assert valor.make_vec("breakout", 2, autoreset_mode=AutoresetMode.NEXT_STEP
                          ).autoreset_mode == "next_step"
    assert valor.make_vec("breakout", 2, autoreset_mode="SameStep").autoreset_mode == "same_step"
    with pytest.raises(ValueError, match="autoreset_mode 'Disabled' is not offered; accepted: "
                                         "same_step, next_step"):
        valor.make_vec("breakout", 2, autoreset_mode=AutoresetMode.DISABLED)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="^breakout: autoreset_mode 'never' is not offered; "
                                         "accepted: same_step, next_step$"):
        valor.make_vec("breakout", 2, autoreset_mode="never")
    with pytest.raises(valor.Error, match="accepted: same_step, next_step"):
        valor.make_vec("CartPole-v1", 2, autoreset_mode="")


def test_copy_false_view_is_read_only_and_follows_the_steps():
    vec = valor.make_vec("breakout", 3, seed=1, copy=False, obs_dtype=np.uint8,
                         autoreset_mode="next_step")
    v0, _ = vec.reset()
    assert not v0.flags.writeable
    kept = v0.copy()
    v1, *_ = vec.step(np.full(3, 3, np.int64))
    assert np.shares_memory(v0, v1) and not np.array_equal(v1, kept)
    del vec  # the view keeps the batch's buffer alive
    assert v1.sum() > 0


def test_step_errors_and_keyword():
    vec = valor.make_vec("breakout", 4, autoreset_mode="next_step")
    with pytest.raises(valor.Error, match=r"step\(\) before reset\(\)"):
        vec.step(np.zeros(4, np.int64))
    vec.reset()
    with pytest.raises(valor.Error, match="action 9 for environment 2 out of range; accepted"):
        vec.step(np.array([0, 0, 9, 0]))
    with pytest.raises(valor.Error, match=r"step needs 4 actions .* shape \(3,\)"):
        vec.step(np.zeros(3, np.int64))
    with pytest.raises(valor.Error, match="actions must be integers"):
        vec.step(np.zeros(4))
    with pytest.raises(TypeError, match="one argument"):
        vec.step()
    with pytest.raises(TypeError, match="one argument"):
        vec.step(np.zeros(4, np.int64), 1)
    with pytest.raises(TypeError, match="one argument"):
        vec.step(action=np.zeros(4, np.int64))
    # Accepted forms: the keyword, lists, other integer dtypes, non-contiguous arrays.
    vec.step(actions=np.zeros(4, np.int64))
    vec.step([1, 2, 3, 4])
    vec.step(np.arange(4, dtype=np.uint8))
    vec.step((np.arange(8, dtype=np.int64) % 6)[::2])
    vec.step(np.arange(4, dtype=np.int64).astype(">i8"))
