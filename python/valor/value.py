"""Value maths on NumPy arrays (valor/value, docs/value.md). Batches may have any leading shape;
the last axis is the support's. Targets are float32; softmax, decode_logits, distribution_mean and
cross_entropy compute in double for float64 input, else in float32."""

import numpy as np

from . import _core


def atom_support(v_min, v_max, num_atoms):
    """The atoms z_i = v_min + i (v_max - v_min) / (m - 1) (two-hot, C51), float32."""
    return _core.atom_support(v_min, v_max, num_atoms)


def bin_support(v_min, v_max, num_bins):
    """(edges [m + 1], centers [m]) of m equal bins over [v_min, v_max] (HL-Gauss), float32."""
    return _core.bin_support(v_min, v_max, num_bins)


def two_hot(targets, v_min, v_max, num_atoms):
    """The two-hot distribution of each target over atom_support(v_min, v_max, num_atoms):
    shape targets.shape + (num_atoms,). Targets outside [v_min, v_max] are clipped."""
    return _core.two_hot(targets, v_min, v_max, num_atoms)


def hl_gauss(targets, v_min, v_max, num_bins, sigma_ratio=0.75):
    """The HL-Gauss distribution of each target over bin_support(v_min, v_max, num_bins), sigma =
    sigma_ratio * bin width: shape targets.shape + (num_bins,)."""
    return _core.hl_gauss(targets, v_min, v_max, num_bins, sigma_ratio)


def project_categorical(next_probs, rewards, discounts, v_min, v_max):
    """The C51 projection of r + g Z' onto atom_support(v_min, v_max, m), m = next_probs.shape[-1]
    (Algorithm 1 of "A Distributional Perspective on Reinforcement Learning"). rewards and
    discounts (g = gamma^n (1 - done)) broadcast to next_probs.shape[:-1]."""
    next_probs = np.asarray(next_probs, dtype=np.float32)
    batch = next_probs.shape[:-1]
    rewards = np.ascontiguousarray(np.broadcast_to(np.asarray(rewards, np.float32), batch))
    discounts = np.ascontiguousarray(np.broadcast_to(np.asarray(discounts, np.float32), batch))
    return _core.project_categorical(next_probs, rewards, discounts, v_min, v_max)


def softmax(logits):
    """softmax over the last axis."""
    return _core.softmax(logits)


def decode_logits(logits, values):
    """sum_i softmax(logits)_i values_i over the last axis: the value of a categorical head
    (values: atom_support(...) or bin_support(...)[1])."""
    return _core.decode_logits(logits, values)


def distribution_mean(probs, values):
    """sum_i probs_i values_i over the last axis."""
    return _core.distribution_mean(probs, values)


def cross_entropy(logits, target_probs):
    """(loss, grad): the batch mean of -sum_i p_i log softmax(l)_i and its gradient with respect
    to the logits (which includes the 1 / batch of the mean)."""
    return _core.cross_entropy(logits, target_probs)
