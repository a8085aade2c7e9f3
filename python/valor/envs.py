"""valor's environments with Gymnasium's API (docs/python.md), without importing gymnasium."""

from dataclasses import dataclass, field

import numpy as np

from . import _core
from .spaces import Box, Discrete, batch_space


@dataclass(frozen=True)
class EnvSpec:
    """What Gymnasium's env.spec holds that valor knows: the name (id), the time limit (None:
    none) and the options given to make()."""

    id: str
    max_episode_steps: int = None
    kwargs: dict = field(default_factory=dict)


def list_envs():
    """Every registered environment as (name, family): MinAtar, classic control, tabular."""
    return _core.list_envs()


def _spaces(spec, obs_dtype):
    observation = Box(spec["obs_low"], spec["obs_high"], dtype=obs_dtype)
    return observation, Discrete(spec["num_actions"])


def _make_kwargs(options, dtype):
    """The options given to make(), obs_dtype included when it is not the default."""
    return dict(options) if dtype == "float32" else dict(options, obs_dtype=dtype)


def _dtype_name(obs_dtype):
    """"float32", "uint8" or "bool" from any spelling NumPy understands (np.uint8, "u1", bool);
    anything else goes to the C++ side as text, which names the accepted ones."""
    try:
        return np.dtype(obs_dtype).name
    except TypeError:
        return str(obs_dtype)


def _autoreset_name(mode):
    """"same_step" / "next_step", also from Gymnasium 1.x's AutoresetMode (its value, "SameStep"
    or "NextStep"); anything else goes to the C++ side, which names the accepted ones."""
    return str(getattr(mode, "value", mode))


class _Closable:
    """What Gymnasium's environments share: unwrapped, close() and use in a with statement."""

    @property
    def unwrapped(self):
        return self

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Env(_Closable, _core.Env):
    """One environment (valor/env): reset(seed=None) -> (obs, info), step(a) -> (obs, reward,
    terminated, truncated, info), as Gymnasium's Env. A new environment behaves as one seeded with 0
    (valor's C++ default); reset(seed=s) seeds it as the C++ environment's seed(s) does, and
    reset() without a seed starts the next episode from the generator's current state.

    Observations are float32 arrays of observation_space.shape (MinAtar: C x 10 x 10, channel
    first), a new array at each call; obs_dtype=np.uint8 (or bool) gives the same 0/1 values one
    byte each where every observation is 0 or 1 (MinAtar, tabular). Classic control also has reset_to(state, elapsed_steps=0),
    state and elapsed_steps; tabular environments have state (the state's number); MinAtar has
    state (the 10 x 10 x C boolean grid of MinAtar's Environment.state()).
    """

    metadata = {"render_modes": ["ansi"]}
    render_mode = "ansi"

    def __init__(self, name, *, obs_dtype=np.float32, **options):
        dtype = _dtype_name(obs_dtype)
        super().__init__(name, options, dtype)
        spec = self._spec
        self.name = spec["name"]
        self.family = spec["family"]
        self.max_episode_steps = spec["max_episode_steps"] or None
        self.spec = EnvSpec(self.name, self.max_episode_steps, _make_kwargs(options, dtype))
        self.observation_space, self.action_space = _spaces(spec, dtype)

    def __repr__(self):
        return f"valor.Env({self.name!r})"


class VectorEnv(_Closable, _core.VectorEnv):
    """num_envs copies of one environment stepped in one call (valor::env::VectorEnv), with
    Gymnasium 0.29's vector API and auto-reset: when an episode ends, the environment is reset at
    once; the returned observation is the first of the next episode and the last one of the
    finished episode is in info["final_observation"][i] (info["_final_observation"][i] True).
    info also has "final_info" (a dict per finished environment holding "episode": {"r", "l"})
    and "episode": {"r": returns, "l": lengths} with its mask "_episode", as Gymnasium's
    RecordEpisodeStatistics gives them; it is {} on a step where no episode ended.

    reset(seed=s) seeds environment i with s + i (a list seeds each environment); reset() seeds
    them with make_vec's seed (0 if none) the first time and continues their generators after.
    Rewards are float64, the flags bool. With copy=False the observations are a read-only view of
    the batch's own buffer (the same array at every call), overwritten by the next step (no copy
    at all). obs_dtype=np.uint8 (or bool) makes the environments write their 0/1 observations as
    bytes (MinAtar, tabular): the float32 observations cast, a quarter of the memory, and no
    float written.

    autoreset_mode="next_step" gives Gymnasium 1.x's auto-reset instead: the step on which an
    episode ends returns its last observation with terminated/truncated; the next step() resets
    that environment, ignoring its action, and returns the new episode's first observation with
    reward 0 and both flags False. There is no final_observation / final_info: info is {} or,
    where episodes ended, "episode" {"r", "l"} and "_episode". metadata["autoreset_mode"] and
    autoreset_mode name the mode ("same_step" or "next_step").
    """

    def __init__(self, name, num_envs, *, seed=None, threads=1, copy=True, obs_dtype=np.float32,
                 autoreset_mode="same_step", **options):
        dtype = _dtype_name(obs_dtype)
        super().__init__(name, num_envs, threads, options, copy, seed, dtype,
                         _autoreset_name(autoreset_mode))
        self.metadata = {"autoreset_mode": self.autoreset_mode}
        spec = self._spec
        self.name = spec["name"]
        self.family = spec["family"]
        self.max_episode_steps = spec["max_episode_steps"] or None
        self.spec = EnvSpec(self.name, self.max_episode_steps, _make_kwargs(options, dtype))
        self.single_observation_space, self.single_action_space = _spaces(spec, dtype)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)

    def __repr__(self):
        return f"valor.VectorEnv({self.name!r}, num_envs={self.num_envs})"


def make(name, *, obs_dtype=np.float32, **options):
    """valor.make("breakout", sticky_action_prob=0.1, difficulty_ramping=True,
    minimal_action_set=False), valor.make("CartPole-v1"), valor.make("cliff"), ...: one
    environment (see list_envs()). The three options are MinAtar's and are refused elsewhere.
    obs_dtype: np.float32 (default), or np.uint8 / bool where observations are 0/1."""
    return Env(name, obs_dtype=obs_dtype, **options)


def make_vec(name, num_envs, *, seed=None, threads=1, copy=True, obs_dtype=np.float32,
             autoreset_mode="same_step", **options):
    """A batch of num_envs environments stepped together on `threads` threads (results do not
    depend on the thread count). `seed` is the seed of the first reset() without one.
    obs_dtype: np.float32 (default), or np.uint8 / bool where observations are 0/1.
    autoreset_mode: "same_step" (Gymnasium 0.29, the default) or "next_step" (Gymnasium 1.x)."""
    return VectorEnv(name, num_envs, seed=seed, threads=threads, copy=copy, obs_dtype=obs_dtype,
                     autoreset_mode=autoreset_mode, **options)
