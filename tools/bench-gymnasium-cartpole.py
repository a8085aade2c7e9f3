#!/usr/bin/python3
"""Baseline for tools/bench-python-env: steps per second of Gymnasium's Python CartPole-v1 with
random actions on one thread: the single-environment step loop (gymnasium.make("CartPole-v1"),
with the wrappers make adds, reset when an episode ends) and Gymnasium's own NumPy-vectorised
batch (make_vec(..., vectorization_mode="vector_entry_point"), CartPoleVectorEnv, auto-reset).
Gymnasium is not part of valor: pass the folder that contains its `gymnasium` package (it imports
with Debian's python3-numpy and python3-typing-extensions; nothing is stubbed).

  tools/bench-gymnasium-cartpole.py GYMNASIUM_DIR [SECONDS] [BATCH]   (prints JSON lines)
"""
import json
import sys
import time

import numpy as np


def timed(step_chunk, steps_per_chunk, seconds):
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        step_chunk()
        steps += steps_per_chunk
    elapsed = time.perf_counter() - start
    return steps, elapsed


def main():
    sys.path.insert(0, sys.argv[1])
    import gymnasium  # noqa: E402

    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    rng = np.random.default_rng(1)

    env = gymnasium.make("CartPole-v1")
    env.reset(seed=0)
    actions = rng.integers(2, size=1000).tolist()

    def single_chunk():
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()

    steps, elapsed = timed(single_chunk, len(actions), seconds)
    print(json.dumps({"env": "CartPole-v1", "mode": "single", "gymnasium": gymnasium.__version__,
                      "steps": steps, "seconds": elapsed, "steps_per_second": steps / elapsed}),
          flush=True)

    vec = gymnasium.make_vec("CartPole-v1", batch, vectorization_mode="vector_entry_point")
    vec.reset(seed=0)
    batch_actions = rng.integers(2, size=(100, batch))

    def vector_chunk():
        for a in batch_actions:
            vec.step(a)

    steps, elapsed = timed(vector_chunk, batch_actions.size, seconds)
    print(json.dumps({"env": "CartPole-v1", "mode": "vector", "batch": batch,
                      "gymnasium": gymnasium.__version__, "steps": steps, "seconds": elapsed,
                      "steps_per_second": steps / elapsed}), flush=True)


if __name__ == "__main__":
    main()
