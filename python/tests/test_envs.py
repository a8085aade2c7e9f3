"""The environment API contract: Gymnasium's reset/step, spaces, options, seeding, auto-reset,
errors with the C++ messages."""

import re
import subprocess

import numpy as np
import pytest

import valor

MINATAR = ["asterix", "breakout", "freeway", "seaquest", "space_invaders"]
CLASSIC = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0"]


def test_list_envs_has_every_family():
    envs = dict(valor.list_envs())
    for name in MINATAR:
        assert envs[name] == "minatar"
    for name in CLASSIC:
        assert envs[name] == "classic_control"
    assert envs["cliff"] == "tabular"


@pytest.mark.parametrize("name", [name for name, _ in valor.list_envs()])
def test_reset_and_step_contract(name):
    env = valor.make(name)
    obs, info = env.reset(seed=1)
    assert isinstance(info, dict)
    assert isinstance(obs, np.ndarray) and obs.dtype == np.float32
    assert obs.shape == env.observation_space.shape
    assert env.observation_space.contains(obs)
    assert isinstance(env.action_space, valor.Discrete)
    env.action_space.seed(0)
    for _ in range(50):
        a = env.action_space.sample()
        assert env.action_space.contains(a)
        obs, reward, terminated, truncated, info = env.step(a)
        assert obs.shape == env.observation_space.shape and obs.dtype == np.float32
        assert env.observation_space.contains(obs)
        assert isinstance(reward, float)
        assert isinstance(terminated, bool) and isinstance(truncated, bool)
        assert info == {}
        if terminated or truncated:
            obs, info = env.reset()
    assert isinstance(env.render(), str)


def test_minatar_spaces_and_options():
    env = valor.make("breakout")
    assert env.observation_space.shape == (4, 10, 10)
    assert env.observation_space.dtype == np.float32
    assert env.action_space.n == 6
    assert (env.observation_space.low == 0).all() and (env.observation_space.high == 1).all()
    minimal = valor.make("breakout", sticky_action_prob=0.0, difficulty_ramping=False,
                         minimal_action_set=True)
    assert minimal.action_space.n == 3
    assert valor.make("seaquest").observation_space.shape == (10, 10, 10)
    assert valor.make("CartPole-v1").observation_space.shape == (4,)
    assert valor.make("CartPole-v1").action_space.n == 2
    assert valor.make("CartPole-v1").max_episode_steps == 500
    assert valor.make("CartPole-v1").spec.id == "CartPole-v1"
    assert valor.make("breakout", sticky_action_prob=0.0).spec.kwargs == {"sticky_action_prob": 0.0}
    assert valor.make("breakout").spec.max_episode_steps is None
    assert valor.make("Acrobot-v1").observation_space.shape == (6,)
    assert valor.make("MountainCar-v0").action_space.n == 3


def test_spaces():
    d = valor.Discrete(3)
    d.seed(1)
    draws = {int(d.sample()) for _ in range(100)}
    assert draws == {0, 1, 2}
    assert d.contains(2) and not d.contains(3) and not d.contains(-1) and not d.contains(1.0)
    assert 1 in d
    box = valor.Box(-1.0, 1.0, shape=(2, 3))
    box.seed(2)
    x = box.sample()
    assert x.shape == (2, 3) and x.dtype == np.float32 and box.contains(x)
    assert not box.contains(np.full((2, 3), 2.0, np.float32))
    assert not box.contains(np.zeros(3, np.float32))
    unbounded = valor.make("CartPole-v1").observation_space
    unbounded.seed(3)
    assert unbounded.contains(unbounded.sample()) or not np.isfinite(unbounded.high).all()
    md = valor.MultiDiscrete([2, 3])
    md.seed(4)
    assert md.contains(md.sample()) and not md.contains(np.array([2, 0]))


def test_vector_spaces_and_shapes():
    vec = valor.make_vec("breakout", 8, seed=3)
    assert vec.num_envs == 8
    assert vec.single_observation_space.shape == (4, 10, 10)
    assert vec.observation_space.shape == (8, 4, 10, 10)
    assert vec.single_action_space.n == 6
    assert vec.action_space.shape == (8,)
    obs, info = vec.reset()
    assert obs.shape == (8, 4, 10, 10) and obs.dtype == np.float32 and info == {}
    vec.action_space.seed(1)
    obs, rewards, terminated, truncated, info = vec.step(vec.action_space.sample())
    assert obs.shape == (8, 4, 10, 10) and obs.dtype == np.float32
    assert rewards.shape == (8,) and rewards.dtype == np.float64
    assert terminated.shape == (8,) and terminated.dtype == np.bool_
    assert truncated.shape == (8,) and truncated.dtype == np.bool_
    assert vec.observation_space.contains(obs)


def trajectory(env, actions, seed):
    obs, _ = env.reset(seed=seed)
    out = [obs]
    for a in actions:
        obs, reward, terminated, truncated, _ = env.step(a)
        out.append((obs, reward, terminated, truncated))
        if terminated or truncated:
            obs, _ = env.reset()
            out.append(obs)
    return out


def same(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if isinstance(x, tuple):
            if not (np.array_equal(x[0], y[0]) and x[1:] == y[1:]):
                return False
        elif not np.array_equal(x, y):
            return False
    return True


@pytest.mark.parametrize("name", MINATAR + CLASSIC + ["frozen-lake-4x4", "garnet"])
def test_seeding_is_deterministic(name):
    rng = np.random.default_rng(0)
    n = valor.make(name).action_space.n
    actions = rng.integers(n, size=300)
    a = trajectory(valor.make(name), actions, seed=7)
    b = trajectory(valor.make(name), actions, seed=7)
    c = trajectory(valor.make(name), actions, seed=8)
    assert same(a, b)
    assert not same(a, c)
    # A new environment behaves as one seeded with 0; reset(seed) reseeds a used one.
    env = valor.make(name)
    env.reset()
    first = [env.step(int(x))[0] for x in actions[:3]]
    env.reset(seed=0)
    again = [env.step(int(x))[0] for x in actions[:3]]
    assert all(np.array_equal(x, y) for x, y in zip(first, again))


@pytest.mark.parametrize("name", ["breakout", "CartPole-v1", "cliff"])
def test_same_transcript_as_the_cli(valor_cli, name):
    """`valor env render NAME --seed S --steps N` from the C++ side and the same actions through
    Python give the same text, step for step: seeding reproduces the C++ environment."""
    seed, steps = 5, 120
    cli = subprocess.run([valor_cli, "env", "render", name, "--seed", str(seed), "--steps",
                          str(steps)], check=True, capture_output=True, text=True).stdout
    actions = [int(line.split()[3]) for line in cli.splitlines() if line.startswith("step ")]
    assert len(actions) == steps
    env = valor.make(name)
    env.reset(seed=seed)
    text = f"{name} seed {seed}: reset\n{env.render()}\n"
    for t, a in enumerate(actions, start=1):
        _, reward, terminated, truncated, _ = env.step(a)
        flags = (" terminated" if terminated else "") + (" truncated" if truncated else "")
        text += f"step {t} action {a} reward {reward:g}{flags}\n{env.render()}\n"
        if terminated or truncated:
            env.reset()
            text += f"reset\n{env.render()}\n"
    assert text == cli


@pytest.mark.parametrize("threads", [1, 2])
def test_vector_env_equals_single_envs_with_autoreset(threads):
    """Environment i of make_vec(seed=s) is make(name) reset with seed s + i, auto-reset without
    a seed; the final observation of an episode is in info, the returned one starts the next."""
    n, steps = 6, 400
    vec = valor.make_vec("breakout", n, seed=11, threads=threads)
    singles = [valor.make("breakout") for _ in range(n)]
    obs, _ = vec.reset()
    for i, env in enumerate(singles):
        o, _ = env.reset(seed=11 + i)
        assert np.array_equal(obs[i], o)
    rng = np.random.default_rng(1)
    returns = [0.0] * n
    lengths = [0] * n
    ended = 0
    for _ in range(steps):
        actions = rng.integers(6, size=n)
        obs, rewards, terminated, truncated, info = vec.step(actions)
        done = terminated | truncated
        if done.any():
            assert set(info) == {"final_observation", "_final_observation", "final_info",
                                 "_final_info", "episode", "_episode"}
            assert np.array_equal(info["_final_observation"], done)
            assert info["final_observation"].dtype == object
        else:
            assert info == {}
        for i, env in enumerate(singles):
            o, r, term, trunc, _ = env.step(int(actions[i]))
            assert rewards[i] == r and terminated[i] == term and truncated[i] == trunc
            returns[i] += r
            lengths[i] += 1
            if term or trunc:
                ended += 1
                assert np.array_equal(info["final_observation"][i], o)
                assert info["final_info"][i]["episode"]["r"] == returns[i]
                assert info["final_info"][i]["episode"]["l"] == lengths[i]
                assert info["episode"]["r"][i] == returns[i]
                assert info["episode"]["l"][i] == lengths[i]
                returns[i], lengths[i] = 0.0, 0
                o, _ = env.reset()
            else:
                if done.any():
                    assert info["final_observation"][i] is None
                    assert info["final_info"][i] is None
            assert np.array_equal(obs[i], o)
    assert ended > 10


def test_vector_reset_variants_and_copy():
    vec = valor.make_vec("CartPole-v1", 3)
    first, _ = vec.reset()  # make_vec without seed: seed 0
    again, _ = vec.reset(seed=0)
    assert np.array_equal(first, again)
    seeded, _ = vec.reset(seed=[0, 1, 2])
    assert np.array_equal(seeded, first)
    other, _ = vec.reset(seed=[5, 5, 5])
    assert np.array_equal(other[0], other[1])
    # reset() without a seed continues the generators: new episodes.
    vec.reset(seed=0)
    continued, _ = vec.reset()
    assert not np.array_equal(continued, first)
    # copy=True: each step returns a new array; copy=False: a read-only view, overwritten.
    obs1, *_ = vec.step(np.zeros(3, np.int64))
    obs2, *_ = vec.step(np.ones(3, np.int32))
    assert not np.shares_memory(obs1, obs2)
    view = valor.make_vec("CartPole-v1", 3, copy=False)
    v0, _ = view.reset(seed=0)
    assert not v0.flags.writeable
    kept = v0.copy()
    v1, *_ = view.step([1, 1, 1])
    assert np.shares_memory(v0, v1) and not np.array_equal(v1, kept)


def test_errors_carry_the_cpp_messages():
    assert issubclass(valor.Error, ValueError)
    with pytest.raises(valor.Error, match="^unknown environment 'pong'; environments: asterix, "):
        valor.make("pong")
    env = valor.make("breakout")
    env.reset(seed=0)
    with pytest.raises(valor.Error, match=r"breakout: action 6 out of range; accepted: 0\.\.5"):
        env.step(6)
    with pytest.raises(valor.Error, match=re.escape(
            "MinAtar seeds must be below 2^32 (numpy's RandomState limit), got 4294967296")):
        env.reset(seed=2**32)
    with pytest.raises(valor.Error, match="not an integer"):
        env.reset(seed=1.5)
    with pytest.raises(valor.Error, match="out of range"):
        env.reset(seed=-1)
    with pytest.raises(valor.Error, match="apply to MinAtar games only"):
        valor.make("CartPole-v1", sticky_action_prob=0.2)
    with pytest.raises(valor.Error, match="unknown option 'sticky'"):
        valor.make("breakout", sticky=0.2)
    with pytest.raises(valor.Error,
                       match=re.escape("MinAtar sticky_action_prob must be in [0, 1], got 1.5")):
        valor.make("breakout", sticky_action_prob=1.5)
    cart = valor.make("CartPole-v1")
    with pytest.raises(valor.Error, match=r"CartPole-v1: step\(\) before reset\(\)"):
        cart.step(0)
    cart.reset(seed=0)
    while True:
        *_, terminated, truncated, _ = cart.step(0)
        if terminated or truncated:
            break
    with pytest.raises(valor.Error, match=r"step\(\) after the episode ended"):
        cart.step(0)
    with pytest.raises(valor.Error, match="classic-control environments only"):
        env.reset_to([0.0, 0.0])
    with pytest.raises(valor.Error, match="reset_to needs a state of 4 values, got 2"):
        cart.reset_to([0.0, 0.0])
    vec = valor.make_vec("breakout", 4)
    with pytest.raises(valor.Error, match=r"step\(\) before reset\(\)"):
        vec.step(np.zeros(4, np.int64))
    vec.reset(seed=0)
    with pytest.raises(valor.Error, match="action 9 for environment 2 out of range; accepted"):
        vec.step(np.array([0, 0, 9, 0]))
    with pytest.raises(valor.Error, match=r"step needs 4 actions .* shape \(3,\)"):
        vec.step(np.zeros(3, np.int64))
    with pytest.raises(valor.Error, match="actions must be integers"):
        vec.step(np.zeros(4))
    with pytest.raises(valor.Error, match="reset got 2 seeds for 4 environments"):
        vec.reset(seed=[1, 2])
    with pytest.raises(valor.Error, match="threads must be >= 1"):
        valor.make_vec("breakout", 2, threads=0)


def test_classic_control_state_and_reset_to():
    env = valor.make("MountainCar-v0")
    obs, _ = env.reset_to([-0.5, 0.0])
    assert np.array_equal(env.state, [-0.5, 0.0])
    assert env.elapsed_steps == 0
    np.testing.assert_array_equal(obs, np.float32([-0.5, 0.0]))
    env.step(2)
    velocity = 0.001 - 0.0025 * np.cos(1.5)
    assert abs(env.state[1] - velocity) < 1e-18
    env.reset_to([-0.5, 0.0], elapsed_steps=199)
    *_, truncated, _ = env.step(1)
    assert truncated
    grid = valor.make("breakout").state
    assert grid.shape == (10, 10, 4) and grid.dtype == np.bool_
    cliff = valor.make("cliff")
    cliff.reset(seed=0)
    assert isinstance(cliff.state, int)


@pytest.mark.parametrize("dtype", [np.uint8, "uint8", bool, np.bool_])
@pytest.mark.parametrize("name", MINATAR + ["frozen-lake-4x4", "cliff"])
def test_byte_observations_are_the_float_ones_cast(name, dtype):
    """obs_dtype=uint8 / bool: the same 0/1 values as float32, step by step (same seed and
    actions), in the spaces' dtype and shape; make and make_vec, copy or not, final
    observations included."""
    want = np.dtype(dtype)
    floats, small = valor.make(name), valor.make(name, obs_dtype=dtype)
    assert small.observation_space.dtype == want and small.observation_space.shape == \
        floats.observation_space.shape
    assert small.spec.kwargs == {"obs_dtype": want.name} and floats.spec.kwargs == {}
    n = floats.action_space.n
    rng = np.random.default_rng(2)
    a, _ = floats.reset(seed=4)
    b, _ = small.reset(seed=4)
    ones = 0
    for _ in range(300):
        assert b.dtype == want and b.shape == a.shape and small.observation_space.contains(b)
        assert np.array_equal(b, a.astype(want)) and np.array_equal(b.astype(np.float32), a)
        ones += int(a.sum())
        action = int(rng.integers(n))
        a, r1, t1, u1, _ = floats.step(action)
        b, r2, t2, u2, _ = small.step(action)
        assert (r1, t1, u1) == (r2, t2, u2)
        if t1 or u1:
            a, _ = floats.reset()
            b, _ = small.reset()
    assert ones > 0  # observations that are all zero would make the comparison empty

    for copy in (True, False):
        vf = valor.make_vec(name, 5, seed=7, threads=2)
        vb = valor.make_vec(name, 5, seed=7, threads=2, copy=copy, obs_dtype=dtype)
        assert vb.observation_space.dtype == want and vb.observation_space.shape[0] == 5
        of, _ = vf.reset()
        ob, _ = vb.reset()
        assert ob.dtype == want and np.array_equal(ob, of.astype(want))
        assert ob.flags.writeable == copy
        ended = 0
        for step in range(3000):  # until an episode has ended (freeway's last 2,500 steps)
            if ended and step >= 200:
                break
            actions = rng.integers(n, size=5)
            of, rf, tf, uf, info_f = vf.step(actions)
            ob, rb, tb, ub, info_b = vb.step(actions)
            assert ob.dtype == want and ob.shape == of.shape
            assert np.array_equal(ob, of.astype(want))
            assert np.array_equal(rf, rb) and np.array_equal(tf, tb) and np.array_equal(uf, ub)
            for i in np.flatnonzero(tf | uf):
                ended += 1
                final = info_b["final_observation"][i]
                assert final.dtype == want and final.shape == of.shape[1:]
                assert np.array_equal(final, info_f["final_observation"][i].astype(want))
        assert ended > 0


def test_byte_observations_refused_where_not_binary():
    for name in CLASSIC:
        with pytest.raises(valor.Error, match=f"^{name}: obs_dtype uint8 needs observations that "
                                              "are all 0 or 1"):
            valor.make(name, obs_dtype=np.uint8)
        with pytest.raises(valor.Error, match="obs_dtype bool needs observations"):
            valor.make_vec(name, 2, obs_dtype=bool)
    with pytest.raises(valor.Error, match=re.escape(
            "breakout: obs_dtype 'float64' is not offered; accepted: float32, uint8, bool")):
        valor.make("breakout", obs_dtype=np.float64)
    with pytest.raises(valor.Error, match="obs_dtype 'bytes' is not offered"):
        valor.make_vec("breakout", 2, obs_dtype="bytes")
    # The default stays Gymnasium's float32.
    assert valor.make("breakout").reset(seed=0)[0].dtype == np.float32
    assert valor.make_vec("breakout", 2).reset()[0].dtype == np.float32


def test_integer_box_samples_integers():
    box = valor.Box(0, 1, shape=(4, 10, 10), dtype=np.uint8)
    box.seed(0)
    x = box.sample()
    assert x.dtype == np.uint8 and box.contains(x)
    assert 0 < x.sum() < x.size  # both 0 and 1 drawn (P(all the same) = 2^-399)
    flags = valor.Box(False, True, shape=(50,), dtype=bool)
    flags.seed(1)
    y = flags.sample()
    assert y.dtype == np.bool_ and flags.contains(y) and 0 < y.sum() < 50


def test_single_step_arguments():
    """Env.step takes an int or a NumPy integer, positionally or as action=; others are refused."""
    env = valor.make("breakout")
    env.reset(seed=0)
    for action in (1, np.int64(2), np.uint8(3), True):
        obs, reward, terminated, truncated, info = env.step(action)
        assert obs.shape == (4, 10, 10) and isinstance(reward, float) and info == {}
        assert isinstance(terminated, bool) and isinstance(truncated, bool)
    env.step(action=0)
    for bad in (1.5, "1", None):
        with pytest.raises(TypeError, match="action must be an integer"):
            env.step(bad)
    with pytest.raises(OverflowError):
        env.step(2**40)
    with pytest.raises(TypeError, match="one argument"):
        env.step()
    with pytest.raises(TypeError, match="one argument"):
        env.step(actions=1)
