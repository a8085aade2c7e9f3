"""Value maths from Python against the closed forms of docs/value.md."""

import math
import re

import numpy as np
import pytest

import valor


def test_supports():
    atoms = valor.atom_support(-10.0, 10.0, 51)
    assert atoms.dtype == np.float32 and atoms.shape == (51,)
    np.testing.assert_array_equal(atoms, np.float32(-10.0 + np.arange(51) * 0.4))
    assert atoms[0] == -10.0 and atoms[-1] == 10.0
    edges, centers = valor.bin_support(0.0, 1.0, 4)
    np.testing.assert_array_equal(edges, np.float32([0, 0.25, 0.5, 0.75, 1.0]))
    np.testing.assert_array_equal(centers, np.float32([0.125, 0.375, 0.625, 0.875]))
    with pytest.raises(valor.Error):
        valor.atom_support(1.0, 1.0, 5)
    with pytest.raises(valor.Error):
        valor.bin_support(0.0, 1.0, 1)


def test_two_hot_closed_form():
    atoms = valor.atom_support(-2.0, 2.0, 9).astype(np.float64)
    y = np.array([[-3.0, -2.0, -1.3], [0.0, 0.71, 5.0]], np.float32)
    p = valor.two_hot(y, -2.0, 2.0, 9)
    assert p.shape == (2, 3, 9) and p.dtype == np.float32
    for target, row in zip(y.ravel(), p.reshape(-1, 9)):
        t = min(max(float(target), -2.0), 2.0)
        expected = np.zeros(9)
        k = min(int(np.searchsorted(atoms, t, side="right")) - 1, 7)
        upper = (t - atoms[k]) / (atoms[k + 1] - atoms[k])
        expected[k], expected[k + 1] = 1 - upper, upper
        np.testing.assert_allclose(row, expected, atol=1e-6)
        assert abs(row.sum() - 1) < 1e-6
        assert abs(float(row @ atoms) - t) < 1e-5


def normal_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


def test_hl_gauss_closed_form():
    edges, centers = valor.bin_support(-5.0, 5.0, 21)
    edges = edges.astype(np.float64)
    sigma = 0.75 * 10.0 / 21
    targets = np.array([-6.0, -4.9, 0.0, 1.234, 4.8, 9.0], np.float32)
    p = valor.hl_gauss(targets, -5.0, 5.0, 21)
    assert p.shape == (6, 21)
    for y, row in zip(targets.astype(np.float64), p):
        cdf = np.array([normal_cdf((e - y) / sigma) for e in edges])
        expected = np.diff(cdf) / (cdf[-1] - cdf[0])
        np.testing.assert_allclose(row, expected, atol=2e-6)
        assert abs(row.sum() - 1) < 1e-6
    wide = valor.hl_gauss(np.float32([0.3]), -5.0, 5.0, 21, sigma_ratio=2.0)
    assert wide.shape == (1, 21) and wide.max() < p[2].max()


def c51_reference(next_probs, rewards, discounts, atoms):
    """Algorithm 1 of "A Distributional Perspective on Reinforcement Learning", in float64."""
    v_min, v_max, m = atoms[0], atoms[-1], len(atoms)
    d = (v_max - v_min) / (m - 1)
    out = np.zeros_like(next_probs, dtype=np.float64)
    for b in range(len(rewards)):
        for j in range(m):
            tz = min(max(rewards[b] + discounts[b] * atoms[j], v_min), v_max)
            pos = (tz - v_min) / d
            lo, hi = math.floor(pos), math.ceil(pos)
            q = next_probs[b, j]
            if lo == hi:
                out[b, lo] += q
            else:
                out[b, lo] += q * (hi - pos)
                out[b, hi] += q * (pos - lo)
    return out


def test_c51_projection_closed_form():
    rng = np.random.default_rng(0)
    m = 11
    atoms = valor.atom_support(-10.0, 10.0, m).astype(np.float64)
    next_probs = rng.dirichlet(np.ones(m), size=5).astype(np.float32)
    rewards = np.float32([0.0, 1.0, -3.3, 20.0, 0.5])
    discounts = np.float32([0.99, 0.9, 0.0, 0.5, 1.0])
    out = valor.project_categorical(next_probs, rewards, discounts, -10.0, 10.0)
    assert out.shape == (5, m) and out.dtype == np.float32
    expected = c51_reference(next_probs.astype(np.float64), rewards.astype(np.float64),
                             discounts.astype(np.float64), atoms)
    np.testing.assert_allclose(out, expected, atol=1e-6)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-6)
    # Broadcast rewards and discounts; a terminal transition puts the mass on the reward.
    terminal = valor.project_categorical(next_probs[:1], 2.0, 0.0, -10.0, 10.0)
    np.testing.assert_allclose(terminal[0], np.eye(m)[6], atol=1e-6)
    with pytest.raises(valor.Error, match="discount"):
        valor.project_categorical(next_probs[:1], 0.0, 1.5, -10.0, 10.0)


def test_softmax_decode_mean_cross_entropy():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(3, 4, 7)) * 5
    values = np.linspace(-1.0, 2.0, 7)
    soft = np.exp(logits - logits.max(axis=-1, keepdims=True))
    soft /= soft.sum(axis=-1, keepdims=True)
    for dtype, tol in [(np.float32, 2e-6), (np.float64, 1e-13)]:
        l, v = logits.astype(dtype), values.astype(dtype)
        s = valor.softmax(l)
        assert s.dtype == dtype and s.shape == (3, 4, 7)
        np.testing.assert_allclose(s, soft, rtol=tol, atol=tol)
        q = valor.decode_logits(l, v)
        assert q.dtype == dtype and q.shape == (3, 4)
        np.testing.assert_allclose(q, soft @ values, rtol=tol * 10, atol=tol * 10)
        mean = valor.distribution_mean(soft.astype(dtype), v)
        np.testing.assert_allclose(mean, soft @ values, rtol=tol * 10, atol=tol * 10)
        target = valor.two_hot(np.float32([[0.5] * 4] * 3), -1.0, 2.0, 7).astype(dtype)
        loss, grad = valor.cross_entropy(l, target)
        batch = 12
        expected = -(target * np.log(soft)).sum() / batch
        assert abs(loss - expected) < 1e-5 * abs(expected)
        np.testing.assert_allclose(grad, (soft - target) / batch, atol=tol)


def test_value_errors_carry_the_cpp_messages():
    with pytest.raises(valor.Error, match=re.escape(
            "two_hot_target: target at batch index 2 is nan; every target must be finite")):
        valor.two_hot(np.float32([0.0, 1.0, np.nan]), -1.0, 1.0, 5)
    with pytest.raises(valor.Error, match="hl_gauss_target: target at batch index 0 is inf"):
        valor.hl_gauss(np.float32([np.inf]), -1.0, 1.0, 5)
    with pytest.raises(valor.Error, match="sigma_ratio"):
        valor.hl_gauss(np.float32([0.0]), -1.0, 1.0, 5, sigma_ratio=0.0)
    with pytest.raises(valor.Error, match=r"values must have shape \(7,\)"):
        valor.decode_logits(np.zeros((2, 7), np.float32), np.zeros(6, np.float32))
    with pytest.raises(valor.Error, match="logits has shape"):
        valor.cross_entropy(np.zeros((2, 7), np.float32), np.zeros((2, 6), np.float32))
    with pytest.raises(valor.Error, match="must have shape"):
        valor.softmax(np.zeros(1, np.float32))
