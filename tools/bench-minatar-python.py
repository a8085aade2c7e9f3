#!/usr/bin/python3
"""Baseline for `valor bench env`: steps per second of the original Python MinAtar's act() + state()
loop with random actions, one game after another on one thread. MinAtar is not part of valor:
pass the folder that contains its `minatar` package (Debian's python3-numpy is enough).

  tools/bench-minatar-python.py MINATAR_DIR [SECONDS] [GAME...]   (prints JSON lines)
"""
import json
import sys
import time

import numpy as np


def main():
    sys.path.insert(0, sys.argv[1])
    from minatar import Environment  # noqa: E402

    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    games = sys.argv[3:] or ["asterix", "breakout", "freeway", "seaquest", "space_invaders"]
    for game in games:
        env = Environment(game)
        env.seed(0)
        env.reset()
        actions = np.random.RandomState(1)
        steps = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(1000):
                _, terminal = env.act(actions.randint(6))
                env.state()
                if terminal:
                    env.reset()
                    env.state()
            steps += 1000
        elapsed = time.perf_counter() - start
        print(json.dumps({"env": game, "steps": steps, "seconds": elapsed,
                          "steps_per_second": steps / elapsed}), flush=True)


if __name__ == "__main__":
    main()
