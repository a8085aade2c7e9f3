#!/usr/bin/python3
"""PyTorch reference for bench/reward_bench.cc: a straightforward reward-model training epoch as
one would write it in PyTorch. 100,000 comparisons of 64-dimensional feature pairs, the MLP
64-256-256-1 with ReLU, the Bradley-Terry loss binary_cross_entropy_with_logits(r_a - r_b, label),
torch.optim.AdamW(lr=1e-3, weight_decay=0.01), one thread. Prints one JSON line per batch size
with the wall and CPU seconds of each timed epoch (data generation and model construction are not timed).

  bench-reward-python.py [--batch 64 512] [--repetitions 3]
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F


def epoch(rows, outcome, batch, generator):
    net = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                              torch.nn.ReLU(), torch.nn.Linear(256, 1))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.01)
    n = outcome.shape[0]
    start, cpu = time.perf_counter(), time.process_time()
    order = torch.randperm(n, generator=generator)
    for s in range(0, n, batch):
        idx = order[s:s + batch]
        x = torch.cat([rows[2 * idx], rows[2 * idx + 1]])
        r = net(x).squeeze(1)
        k = idx.shape[0]
        loss = F.binary_cross_entropy_with_logits(r[:k] - r[k:], outcome[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return time.perf_counter() - start, time.process_time() - cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, nargs="+", default=[64, 512])
    ap.add_argument("--repetitions", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(3)
    pairs = 100000
    rows = torch.from_numpy(rng.standard_normal((2 * pairs, 64), dtype=np.float32))
    outcome = torch.from_numpy((rng.random(pairs) < 0.5).astype(np.float32))
    generator = torch.Generator().manual_seed(0)
    for batch in args.batch:
        times = [epoch(rows, outcome, batch, generator) for _ in range(args.repetitions)]
        print(json.dumps({"batch": batch, "seconds": [t[0] for t in times],
                          "cpu_seconds": [t[1] for t in times], "torch": torch.__version__,
                          "threads": torch.get_num_threads()}), flush=True)


if __name__ == "__main__":
    main()
