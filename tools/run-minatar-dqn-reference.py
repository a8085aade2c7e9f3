#!/usr/bin/env python3
"""Runs the original MinAtar examples/dqn.py (the reference for issue 4) for one game, frame
budget and seed, on one CPU thread, and writes what valor's summary.json reports: the mean return
of the last 100 episodes, frames, wall time and frames per second.

    tools/run-minatar-dqn-reference.py MINATAR_DIR GAME FRAMES SEED OUT.json

MINATAR_DIR is a checkout of github.com/kenjyoung/MinAtar (not part of valor; fetch it). Needs
numpy and torch for /usr/bin/python3 (Debian: python3-numpy python3-torch). The agent code is
dqn.py's own; this script only sets NUM_FRAMES, seeds Python's, numpy's and torch's generators
and the environment, and times the run.
"""
import importlib.util
import json
import os
import random
import sys
import time


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    minatar_dir, game, frames, seed, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    sys.path.insert(0, minatar_dir)
    import numpy
    import torch
    torch.set_num_threads(1)
    spec = importlib.util.spec_from_file_location("dqn", os.path.join(minatar_dir, "examples", "dqn.py"))
    dqn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dqn)
    dqn.NUM_FRAMES = frames
    random.seed(seed)
    numpy.random.seed(seed)
    torch.manual_seed(seed)
    from minatar import Environment
    env = Environment(game)
    env.seed(seed)
    prefix = out + ".dqn"
    start = time.time()
    dqn.dqn(env, False, False, prefix)
    wall = time.time() - start
    data = torch.load(prefix + "_data_and_weights")
    os.remove(prefix + "_data_and_weights")
    returns = [float(r) for r in data["returns"]]
    last = returns[-100:]
    with open(out, "w") as f:
        json.dump({"game": game, "seed": seed, "frames": frames, "episodes": len(returns),
                   "final_return_mean": sum(last) / len(last) if last else None,
                   "wall_seconds": wall, "frames_per_second": frames / wall,
                   "returns": returns, "frame_stamps": [int(t) for t in data["frame_stamps"]]}, f)
    print(f"{game} seed {seed}: {frames} frames in {wall:.0f} s ({frames / wall:.0f} frames/s), "
          f"final return (last 100 episodes) {sum(last) / max(len(last), 1):.2f}")


if __name__ == "__main__":
    main()
