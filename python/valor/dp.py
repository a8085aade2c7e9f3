"""Exact solutions of tabular MDPs (valor/dp, docs/dp.md): V*, Q* and the greedy policy by value
iteration, as `valor solve` computes them (at gamma = 1 on the states reachable from the initial
distribution; the others get NaN values and action -1)."""

from dataclasses import dataclass, field

import numpy as np

from . import _core


@dataclass
class Solution:
    V: np.ndarray  # [S] float64
    Q: np.ndarray  # [S, A] float64
    policy: np.ndarray  # [S] int64, greedy (ties to the lowest action), -1 where unreachable
    gamma: float
    sweeps: int
    certified: bool  # gamma < 1: the greedy policy is within epsilon of optimal
    unreachable: list = field(default_factory=list)
    improper: list = field(default_factory=list)  # gamma = 1: states the policy never leaves
    state_labels: list = field(default_factory=list)
    action_names: list = field(default_factory=list)


def tabular_mdp(spec):
    """The model of a tabular environment ("cliff", "gridworld-4x4", "chain", "garnet",
    "gridworld:MAP_FILE", ...) as a dict of arrays: P [S, A, S'], R [S, A] (expected reward),
    terminal [S], initial [S], and name, state_labels, action_names."""
    return _core.tabular_mdp(spec)


def solve(mdp, R=None, *, gamma=0.99, terminal=None, initial=None, epsilon=1e-10):
    """Solves an MDP given by name (solve("cliff", gamma=1)) or as arrays (solve(P, R, gamma=0.9)
    with P[s, a, s'] and R[s, a] or R[s, a, s']). Terminal states (a boolean mask) must be
    absorbing with reward 0; `initial` defaults to uniform over the non-terminal states.
    Returns a Solution."""
    if isinstance(mdp, str):
        if R is not None or terminal is not None or initial is not None:
            raise _core.Error(f"solve('{mdp}'): R, terminal and initial are for an MDP given as "
                              "arrays, not by name")
        out = _core.solve_named(mdp, gamma, epsilon)
    else:
        if R is None:
            raise _core.Error("solve(P, R): R is needed with P")
        out = _core.solve_arrays(mdp, R, gamma, terminal, initial, epsilon)
    return Solution(**out)
