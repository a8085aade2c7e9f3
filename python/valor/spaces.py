"""Observation and action spaces with Gymnasium's interface (shape, dtype, sample, contains, seed),
without importing gymnasium."""

import numpy as np


class Space:
    """A set of values with a shape and a dtype. sample() draws from the space's own generator,
    unseeded until seed() is called (as in Gymnasium)."""

    def __init__(self, shape, dtype):
        self.shape = None if shape is None else tuple(int(d) for d in shape)
        self.dtype = None if dtype is None else np.dtype(dtype)
        self._np_random = None

    @property
    def np_random(self):
        if self._np_random is None:
            self._np_random = np.random.default_rng()
        return self._np_random

    def seed(self, seed=None):
        """Seeds the generator of sample(); returns [seed]."""
        self._np_random = np.random.default_rng(seed)
        return [seed]

    def __contains__(self, x):
        return self.contains(x)


class Discrete(Space):
    """The integers start, ..., start + n - 1."""

    def __init__(self, n, start=0):
        if int(n) < 1:
            raise ValueError(f"Discrete: n must be >= 1, got {n}")
        super().__init__((), np.int64)
        self.n = np.int64(n)
        self.start = np.int64(start)

    def sample(self):
        return np.int64(self.start + self.np_random.integers(self.n))

    def contains(self, x):
        if isinstance(x, (int, np.integer)):
            v = int(x)
        elif isinstance(x, np.ndarray) and x.shape == () and np.issubdtype(x.dtype, np.integer):
            v = int(x)
        else:
            return False
        return int(self.start) <= v < int(self.start + self.n)

    def __repr__(self):
        return f"Discrete({self.n})" if self.start == 0 else f"Discrete({self.n}, start={self.start})"

    def __eq__(self, other):
        return isinstance(other, Discrete) and self.n == other.n and self.start == other.start


class MultiDiscrete(Space):
    """Vectors of integers, entry i in [0, nvec[i]): the action space of a batch."""

    def __init__(self, nvec):
        nvec = np.asarray(nvec, dtype=np.int64)
        if (nvec < 1).any():
            raise ValueError(f"MultiDiscrete: every entry of nvec must be >= 1, got {nvec}")
        super().__init__(nvec.shape, np.int64)
        self.nvec = nvec

    def sample(self):
        return self.np_random.integers(self.nvec, dtype=np.int64)

    def contains(self, x):
        if isinstance(x, (list, tuple)):
            x = np.asarray(x)
        if not isinstance(x, np.ndarray) or x.shape != self.shape:
            return False
        if not np.issubdtype(x.dtype, np.integer):
            return False
        return bool(((x >= 0) & (x < self.nvec)).all())

    def __repr__(self):
        return f"MultiDiscrete({self.nvec})"

    def __eq__(self, other):
        return isinstance(other, MultiDiscrete) and np.array_equal(self.nvec, other.nvec)


class Box(Space):
    """Arrays of `shape` with entries in [low, high] (either bound may be infinite)."""

    def __init__(self, low, high, shape=None, dtype=np.float32):
        dtype = np.dtype(dtype)
        if shape is None:
            shape = np.shape(low)
        self.low = np.broadcast_to(np.asarray(low, dtype=dtype), shape).copy()
        self.high = np.broadcast_to(np.asarray(high, dtype=dtype), shape).copy()
        super().__init__(shape, dtype)

    def sample(self):
        """Uniform where both bounds are finite; where one is infinite, an exponential away from
        the finite one; where both are, a standard normal (Gymnasium's rule). Integer and bool
        boxes (bounds finite) draw each entry uniformly from the integers in [low, high]."""
        if self.dtype.kind in "iub":
            low, high = self.low.astype(np.int64), self.high.astype(np.int64)
            return self.np_random.integers(low, high + 1).astype(self.dtype)
        low = self.low.astype(np.float64)
        high = self.high.astype(np.float64)
        lo_ok, hi_ok = np.isfinite(low), np.isfinite(high)
        out = np.empty(self.shape)
        both = lo_ok & hi_ok
        out[both] = self.np_random.uniform(low[both], high[both])
        only_lo = lo_ok & ~hi_ok
        out[only_lo] = low[only_lo] + self.np_random.exponential(size=only_lo.sum())
        only_hi = ~lo_ok & hi_ok
        out[only_hi] = high[only_hi] - self.np_random.exponential(size=only_hi.sum())
        neither = ~lo_ok & ~hi_ok
        out[neither] = self.np_random.normal(size=neither.sum())
        return out.astype(self.dtype)

    def contains(self, x):
        if not isinstance(x, np.ndarray):
            try:
                x = np.asarray(x, dtype=self.dtype)
            except (ValueError, TypeError):
                return False
        if x.shape != self.shape or not np.can_cast(x.dtype, self.dtype):
            return False
        return bool(np.all(x >= self.low) and np.all(x <= self.high))

    def __repr__(self):
        return f"Box({self.low.min()}, {self.high.max()}, {self.shape}, {self.dtype})"

    def __eq__(self, other):
        return (isinstance(other, Box) and self.shape == other.shape and self.dtype == other.dtype
                and np.array_equal(self.low, other.low) and np.array_equal(self.high, other.high))


def batch_space(space, n):
    """The space of n stacked values of `space` (Gymnasium's batch_space for Box and Discrete)."""
    if isinstance(space, Box):
        return Box(np.stack([space.low] * n), np.stack([space.high] * n), dtype=space.dtype)
    if isinstance(space, Discrete):
        if space.start != 0:
            raise ValueError("batch_space: Discrete spaces with start != 0 are not batched")
        return MultiDiscrete(np.full(n, space.n))
    raise TypeError(f"batch_space: no batched form of {space!r}")
