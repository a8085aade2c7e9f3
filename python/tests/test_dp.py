"""Exact MDP solutions from Python: a known MDP in closed form, by name as the CLI solves it, and
from arrays equal to by name."""

import json
import subprocess

import numpy as np
import pytest

import valor


def two_state_arrays():
    """State 0: action 0 stays with reward 1 (p 0.5) or moves to 1 with reward 0; action 1 moves
    to 1 with reward 2. State 1: action 0 returns to 0 with reward 3; action 1 stays, reward 0."""
    P = np.zeros((2, 2, 2))
    P[0, 0] = [0.5, 0.5]
    P[0, 1] = [0.0, 1.0]
    P[1, 0] = [1.0, 0.0]
    P[1, 1] = [0.0, 1.0]
    R = np.array([[0.5, 2.0], [3.0, 0.0]])
    return P, R


def test_known_mdp_closed_form():
    P, R = two_state_arrays()
    gamma = 0.9
    sol = valor.solve(P, R, gamma=gamma)
    # The optimal policy alternates: 0 -> 1 with reward 2, 1 -> 0 with reward 3.
    v0 = (2 + gamma * 3) / (1 - gamma**2)
    v1 = 3 + gamma * v0
    np.testing.assert_allclose(sol.V, [v0, v1], rtol=1e-9)
    np.testing.assert_array_equal(sol.policy, [1, 0])
    assert sol.policy.dtype == np.int64 and sol.Q.shape == (2, 2) and sol.certified
    q = R + gamma * P @ sol.V
    np.testing.assert_allclose(sol.Q, q, rtol=1e-9)
    # Rewards per next state give the same expected rewards.
    R3 = np.zeros((2, 2, 2))
    R3[0, 0] = [1.0, 0.0]
    R3[0, 1, 1] = 2.0
    R3[1, 0, 0] = 3.0
    np.testing.assert_allclose(valor.solve(P, R3, gamma=gamma).V, sol.V, rtol=1e-12)


def test_by_name_equals_the_cli(valor_cli):
    for spec, gamma in [("cliff", 1.0), ("gridworld-4x4", 0.9), ("russell-norvig-4x3", 1.0)]:
        out = subprocess.run([valor_cli, "solve", spec, "--gamma", str(gamma), "--format", "json",
                              "--no-distribution"], check=True, capture_output=True,
                             text=True).stdout
        expected = json.loads(out)
        sol = valor.solve(spec, gamma=gamma)
        assert [None if np.isnan(v) else v for v in sol.V] == expected["values"]
        assert sol.policy.tolist() == expected["policy"]


def test_cliff_and_arrays_roundtrip():
    sol = valor.solve("cliff", gamma=1.0)
    mdp = valor.tabular_mdp("cliff")
    start = int(np.argmax(mdp["initial"]))
    assert sol.V[start] == -13.0
    assert sol.action_names[sol.policy[start]] == "up"
    S, A = mdp["R"].shape
    assert mdp["P"].shape == (S, A, S) and mdp["terminal"].dtype == np.bool_
    np.testing.assert_allclose(mdp["P"].sum(axis=2), 1.0, atol=1e-12)
    from_arrays = valor.solve(mdp["P"], mdp["R"], gamma=0.95, terminal=mdp["terminal"],
                              initial=mdp["initial"])
    by_name = valor.solve("cliff", gamma=0.95)
    np.testing.assert_allclose(from_arrays.V, by_name.V, atol=1e-9)
    np.testing.assert_array_equal(from_arrays.policy, by_name.policy)


def test_dp_errors():
    P, R = two_state_arrays()
    with pytest.raises(valor.Error, match="probabilities sum to 0.9"):
        bad = P.copy()
        bad[0, 1] = [0.0, 0.9]
        valor.solve(bad, R, gamma=0.9)
    with pytest.raises(valor.Error, match=r"R must have shape \(2, 2\)"):
        valor.solve(P, R[:1], gamma=0.9)
    with pytest.raises(valor.Error, match="gamma"):
        valor.solve(P, R, gamma=1.5)
    with pytest.raises(valor.Error, match="neither a tabular environment"):
        valor.solve("breakout")
