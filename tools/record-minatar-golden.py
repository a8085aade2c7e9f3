#!/usr/bin/python3
"""Records MinAtar golden trajectories in the format of testdata/golden/README.md, from the original
Python MinAtar (not part of valor: pass the folder that contains its `minatar` package).

  tools/record-minatar-golden.py MINATAR_DIR GAME SEED ACTION_SEED STEPS [STICKY RAMPING] > out.jsonl

Used to make golden files valor has never seen (other seeds) for `valor env check-golden`.
"""
import json
import sys

import numpy as np


def main():
    sys.path.insert(0, sys.argv[1])
    from minatar import Environment  # noqa: E402

    game, seed, action_seed, steps = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    sticky = float(sys.argv[6]) if len(sys.argv) > 6 else 0.1
    ramping = (sys.argv[7] != "0") if len(sys.argv) > 7 else True
    env = Environment(game, sticky_action_prob=sticky, difficulty_ramping=ramping)
    env.seed(seed)
    env.reset()
    actions = np.random.RandomState(action_seed)

    def cells():
        return [int(i) for i in np.flatnonzero(env.state().reshape(-1))]

    line = {"game": game, "seed": seed, "sticky_action_prob": sticky, "ramping": ramping,
            "action_seed": action_seed, "channels": int(env.state_shape()[2]),
            "reset_obs": cells(), "steps": []}
    for _ in range(steps):
        a = int(actions.randint(6))
        r, t = env.act(a)
        step = {"a": a, "r": float(r), "t": bool(t), "obs": cells()}
        if t:
            env.reset()
            step["reset_obs"] = cells()
        line["steps"].append(step)
    print(json.dumps(line, separators=(",", ":")))


if __name__ == "__main__":
    main()
