#!/usr/bin/env python3
"""Writes the tuning sweep of the MinAtar classification study (issue 16) from its protocol.

docs/results/minatar-classification/PROTOCOL.md fixes the search space and budget; this script
draws each head's 8 trials from it with a fixed seed, so the sweep file can be rebuilt and checked:

    python3 tools/classification-study-trials.py > sweeps/classification-tune.toml
"""
import random
import sys

HEADS = ["huber", "mse", "qr", "two_hot", "hl_gauss", "c51"]
CATEGORICAL = {"two_hot", "hl_gauss", "c51"}
LEARNING_RATES = [3.125e-5, 6.25e-5, 1.25e-4, 2.5e-4, 5e-4, 1e-3]
OPTIMISERS = ["rmsprop_centered", "adam"]
V_MAX = [10.0, 20.0, 40.0]
SIGMA_RATIOS = [0.5, 0.75, 1.0]
TRIALS_PER_OPTIMISER = 4  # 8 trials per head


def trials(head, rng):
    out = []
    for optimiser in OPTIMISERS:
        rates = rng.sample(LEARNING_RATES, TRIALS_PER_OPTIMISER)
        supports = [V_MAX[i % len(V_MAX)] for i in range(TRIALS_PER_OPTIMISER)]
        rng.shuffle(supports)
        sigmas = [SIGMA_RATIOS[i % len(SIGMA_RATIOS)] for i in range(TRIALS_PER_OPTIMISER)]
        rng.shuffle(sigmas)
        for k in range(TRIALS_PER_OPTIMISER):
            t = {"value.head": head, "train.optimizer": optimiser,
                 "train.learning_rate": rates[k]}
            if head in CATEGORICAL:
                t["value.v_max"] = supports[k]
            if head == "hl_gauss":
                t["value.sigma_ratio"] = sigmas[k]
            out.append(t)
    return out


def main():
    rng = random.Random(16)
    print("# MinAtar classification study (issue 16), tuning phase: 8 trials per head on asterix "
          "and freeway, 300k frames, seed 100 (written by tools/classification-study-trials.py; "
          "protocol: docs/results/minatar-classification/PROTOCOL.md)")
    print("[sweep]")
    print('name = "classification-tune"')
    print('presets = ["minatar-dqn"]')
    print('envs = ["asterix", "freeway"]')
    print("seeds = [100]")
    print("processes = 2")
    print('plot_metric = "train_return_100"')
    print()
    print("[set]")
    print('"train.frames" = 300000')
    print('"train.adam_eps" = 3.125e-4')
    print('"value.v_min" = 0.0')
    print('"value.bins" = 51')
    print('"value.quantiles" = 51')
    print('"train.checkpoint_every_frames" = 50000')
    for head in HEADS:
        for i, t in enumerate(trials(head, rng)):
            print()
            print("[[variant]]")
            print(f'name = "{head}-t{i}"')
            for k, v in t.items():
                print(f'"{k}" = ' + (f'"{v}"' if isinstance(v, str) else repr(v)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
