"""valor from Python (docs/python.md): environments with Gymnasium's API, value maths on NumPy
arrays, ratings from comparisons and exact MDP solutions, over valor's C++ libraries (no LibTorch).
"""

from ._core import Error
from .dp import Solution, solve, tabular_mdp
from .envs import Env, VectorEnv, list_envs, make, make_vec
from .rank import Leaderboard, fit_rankings, fit_ratings, rank_file
from .spaces import Box, Discrete, MultiDiscrete
from .value import (atom_support, bin_support, cross_entropy, decode_logits, distribution_mean,
                    hl_gauss, project_categorical, softmax, two_hot)

__all__ = [
    "Error", "make", "make_vec", "list_envs", "Env", "VectorEnv", "Box", "Discrete",
    "MultiDiscrete", "atom_support", "bin_support", "two_hot", "hl_gauss", "project_categorical",
    "softmax", "decode_logits", "distribution_mean", "cross_entropy", "fit_ratings",
    "fit_rankings", "rank_file", "Leaderboard", "solve", "tabular_mdp", "Solution",
]
