#!/usr/bin/python3
"""PyTorch reference for bench/align_bench.cc's BM_DpoTrain: the default DPO run of the
preference-optimisation lab (docs/align.md) written the straightforward PyTorch way, one thread.

The task comes from `build/bench/align_bench --export=DIR` (.npy files): pi_ref's parameters (the
trained policy starts as a copy of them), the 10,000 preference pairs (prompt, responses a and b
of L tokens, outcome), the pair indices of every step's minibatch (valor's draws), valor's loss at
every step and its final parameters.

The policy is valor's MlpPolicy as an nn.Module: for the node (prompt x, position t, prefix
y_<t) the input is the one-hot features [prompt x] + [position t] + [token y_s at position s, for
each s < t] (P + L + L V features), then Linear -> ReLU -> Linear to the V next-token logits;
log pi(y | x) = sum_t log_softmax(logits_t)[y_t] (log_softmax, gather). DPO:
  h = [log pi(a|x) - log pi_ref(a|x)] - [log pi(b|x) - log pi_ref(b|x)],
  loss = mean(-o log sigmoid(beta h) - (1 - o) log sigmoid(-beta h)),
torch.optim.Adam(lr), autograd. The features of every pair are built once, and log pi_ref of
every response computed once under no_grad, at the start of the timed run (valor computes pi_ref's
log-probabilities on its first step). Loading the files and building the model are not timed.

Prints one JSON line: the wall and CPU seconds of each timed run, and the agreement of the losses
with valor's (relative difference step by step over the first 100 steps, over all, at the end)
and of the final parameters.

With --float64-check it also trains (untimed) in float64 and reports how far valor and the
float32 run each drift from it, to tell float rounding amplified by Adam from a discrepancy.

  bench-align-dpo-python.py DIR [--repetitions 1] [--float64-check]
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F


class MlpPolicy(torch.nn.Module):
    def __init__(self, prompts, vocab, length, hidden):
        super().__init__()
        self.prompts, self.vocab, self.length = prompts, vocab, length
        self.num_features = prompts + length + length * vocab
        self.net = torch.nn.Sequential(torch.nn.Linear(self.num_features, hidden), torch.nn.ReLU(),
                                       torch.nn.Linear(hidden, vocab))

    def load_valor(self, flat):
        """valor's layout: W_0 feature by feature (features x hidden), b_0, W_1 (V x hidden), b_1."""
        first, second = self.net[0], self.net[2]
        f, h = self.num_features, first.out_features
        with torch.no_grad():
            k = 0
            first.weight.copy_(torch.from_numpy(flat[k:k + f * h].reshape(f, h).T.copy()))
            k += f * h
            first.bias.copy_(torch.from_numpy(flat[k:k + h]))
            k += h
            second.weight.copy_(torch.from_numpy(flat[k:k + self.vocab * h].reshape(self.vocab, h)))
            k += self.vocab * h
            second.bias.copy_(torch.from_numpy(flat[k:k + self.vocab]))

    def to_valor(self):
        first, second = self.net[0], self.net[2]
        return torch.cat([first.weight.detach().T.reshape(-1), first.bias.detach(),
                          second.weight.detach().reshape(-1), second.bias.detach()]).numpy()

    def features(self, prompts, tokens):
        """One-hot node features of n responses: (n, L, P + L + L V)."""
        n, length = tokens.shape
        x = torch.zeros(n, length, self.num_features)
        rows = torch.arange(n)
        for t in range(length):
            x[rows, t, prompts] = 1.0
            x[rows, t, self.prompts + t] = 1.0
            for s in range(t):
                x[rows, t, self.prompts + length + s * self.vocab + tokens[:, s]] = 1.0
        return x

    def forward(self, features, tokens):
        """log pi(y | x) of each response from its node features (n, L, F) and tokens (n, L)."""
        logp = F.log_softmax(self.net(features), dim=-1)
        return logp.gather(-1, tokens.unsqueeze(-1)).squeeze(-1).sum(-1)


def train(data, meta, collect):
    """One DPO run from pi_ref; returns (wall s, CPU s, losses, final parameters)."""
    policy = MlpPolicy(meta["prompts"], meta["vocab"], meta["length"], meta["hidden"][0])
    reference = MlpPolicy(meta["prompts"], meta["vocab"], meta["length"], meta["hidden"][0])
    policy.load_valor(data["initial_parameters"])
    reference.load_valor(data["initial_parameters"])
    opt = torch.optim.Adam(policy.parameters(), lr=meta["learning_rate"])
    beta = meta["beta"]
    prompts, a, b = data["prompts"], data["a"], data["b"]
    outcome, batches = data["outcome"], data["batches"]
    losses = []
    start, cpu = time.perf_counter(), time.process_time()
    features_a, features_b = policy.features(prompts, a), policy.features(prompts, b)
    with torch.no_grad():
        reference_a, reference_b = reference(features_a, a), reference(features_b, b)
    n = batches.shape[1]
    for idx in batches:
        # One forward pass over the a sides then the b sides, as valor's step evaluates them.
        logp = policy(torch.cat([features_a[idx], features_b[idx]]), torch.cat([a[idx], b[idx]]))
        h = (logp[:n] - reference_a[idx]) - (logp[n:] - reference_b[idx])
        o = outcome[idx]
        loss = -(o * F.logsigmoid(beta * h) + (1 - o) * F.logsigmoid(-beta * h)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if collect:
            losses.append(loss.item())
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu_seconds, losses, policy.to_valor()


def relative(x, y):
    return np.abs(x - y) / np.maximum(np.abs(y), 1e-30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--repetitions", type=int, default=1)
    ap.add_argument("--float64-check", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    meta = json.load(open(f"{args.dir}/meta.json"))
    raw = {k: np.load(f"{args.dir}/{k}.npy") for k in
           ("initial_parameters", "prompts", "a", "b", "outcome", "batches", "losses",
            "final_parameters")}
    data = {"initial_parameters": raw["initial_parameters"],
            "prompts": torch.from_numpy(raw["prompts"].astype(np.int64)),
            "a": torch.from_numpy(raw["a"].astype(np.int64)),
            "b": torch.from_numpy(raw["b"].astype(np.int64)),
            "outcome": torch.from_numpy(raw["outcome"]),
            "batches": torch.from_numpy(raw["batches"])}
    # The timed runs do not call loss.item() (a researcher would log now and then, not every
    # step); one untimed run collects every loss for the agreement check.
    _, _, losses, final = train(data, meta, collect=True)
    times = [train(data, meta, collect=False)[:2] for _ in range(args.repetitions)]
    losses = np.array(losses)
    valor_losses = raw["losses"]
    rel = relative(losses, valor_losses)
    extra = {}
    if args.float64_check:
        torch.set_default_dtype(torch.float64)
        data64 = dict(data, initial_parameters=raw["initial_parameters"].astype(np.float64),
                      outcome=data["outcome"].double())
        _, _, losses64, final64 = train(data64, meta, collect=True)
        torch.set_default_dtype(torch.float32)
        losses64 = np.array(losses64)
        for name, x in (("valor", valor_losses), ("float32", losses)):
            r = relative(x, losses64)
            extra[f"{name}_vs_float64_loss_rel_diff"] = {
                "first100_max": float(r[:100].max()), "max": float(r.max()), "last": float(r[-1])}
        extra["valor_vs_float64_final_parameters_max_abs_diff"] = float(
            np.abs(raw["final_parameters"] - final64).max())
        extra["float32_vs_float64_final_parameters_max_abs_diff"] = float(
            np.abs(final - final64).max())
    print(json.dumps({
        "seconds": [t[0] for t in times], "cpu_seconds": [t[1] for t in times],
        "steps": len(losses), "final_loss": losses[-1], "valor_final_loss": float(valor_losses[-1]),
        "loss_rel_diff_first100_max": float(rel[:100].max()),
        "loss_rel_diff_first100_median": float(np.median(rel[:100])),
        "loss_rel_diff_max": float(rel.max()), "loss_rel_diff_last": float(rel[-1]),
        "final_parameters_max_abs_diff":
            float(np.abs(final - raw["final_parameters"]).max()),
        "final_parameters_max_abs": float(np.abs(raw["final_parameters"]).max()),
        "torch": torch.__version__, "threads": torch.get_num_threads(), **extra}), flush=True)


if __name__ == "__main__":
    main()
