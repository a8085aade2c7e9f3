#!/usr/bin/env python3
"""Phase 3 of the MinAtar classification study (issue 16): the sigma / bin width table of HL-Gauss
on Breakout, each value's runs from the sigma sweep except the frozen value's, which are the
evaluation sweep's (docs/results/minatar-classification/PROTOCOL.md).

    python3 tools/classification-study-sigma.py \\
        sweeps/classification-eval.toml docs/results/minatar-classification/eval \\
        sweeps/classification-sigma.toml docs/results/minatar-classification/sigma \\
        [--out docs/results/minatar-classification/sigma.md]

Per sigma ratio: the IQM over seeds (scipy's trim_mean(x, 0.25), as the sweep reports) of the
final return (summary.json final_return_mean) and of the area under the learning curve (the mean
of train_return_100 over all metrics rows), each with a 95% percentile bootstrap interval
(10,000 replicates, seeds resampled, random.Random(0)). Runs that are not complete are counted
and left out; the table says how many seeds each row has.
"""
import argparse
import csv
import json
import pathlib
import random
import sys
import tomllib

REPLICATES = 10_000


def iqm(values):
    v = sorted(values)
    k = len(v) // 4
    kept = v[k:len(v) - k]
    return sum(kept) / len(kept)


def bootstrap(values, rng):
    n = len(values)
    reps = sorted(iqm([values[rng.randrange(n)] for _ in range(n)]) for _ in range(REPLICATES))
    return reps[round(0.025 * (REPLICATES - 1))], reps[round(0.975 * (REPLICATES - 1))]


def run_scores(run_dir):
    """(final return, area under the curve) of a complete run, else None."""
    summary = run_dir / "summary.json"
    if not summary.exists():
        return None
    s = json.loads(summary.read_text())
    if not s.get("complete"):
        return None
    with open(run_dir / "metrics.csv", newline="") as f:
        curve = [float(r["train_return_100"]) for r in csv.DictReader(f)
                 if r["train_return_100"] != ""]
    if not curve:
        raise SystemExit(f"{run_dir}/metrics.csv: no train_return_100 values")
    return s["final_return_mean"], sum(curve) / len(curve)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("eval_sweep", type=pathlib.Path)
    ap.add_argument("eval_out", type=pathlib.Path)
    ap.add_argument("sigma_sweep", type=pathlib.Path)
    ap.add_argument("sigma_out", type=pathlib.Path)
    ap.add_argument("--out", type=pathlib.Path, help="also write the table to this markdown file")
    args = ap.parse_args()

    ev = tomllib.loads(args.eval_sweep.read_text())
    sg = tomllib.loads(args.sigma_sweep.read_text())
    preset = sg["sweep"]["presets"][0]
    game = sg["sweep"]["envs"][0]
    seeds = sg["sweep"]["seeds"]
    frozen = [v for v in ev["variant"] if v.get("value.head") == "hl_gauss"]
    if len(frozen) != 1 or "value.sigma_ratio" not in frozen[0]:
        raise SystemExit(f"{args.eval_sweep}: expected one hl_gauss variant with value.sigma_ratio")
    frozen = frozen[0]
    if game not in ev["sweep"]["envs"]:
        raise SystemExit(f"{args.eval_sweep}: does not run {game}, the sigma sweep's game")

    cells = [(frozen["value.sigma_ratio"], args.eval_out, frozen["name"], "evaluation sweep")]
    cells += [(v["value.sigma_ratio"], args.sigma_out, v["name"], "sigma sweep")
              for v in sg["variant"]]
    cells.sort(key=lambda c: c[0])

    rng = random.Random(0)
    lines = ["| sigma / bin width | runs from | seeds | final return, IQM [95% CI] | "
             "area under curve, IQM [95% CI] |", "|---|---|---|---|---|"]
    incomplete = 0
    for ratio, out, variant, source in cells:
        scores = []
        for s in seeds:
            r = run_scores(out / "runs" / f"{preset}--{game}--hl_gauss--{variant}--seed{s}")
            if r is None:
                incomplete += 1
            else:
                scores.append(r)
        if not scores:
            lines.append(f"| {ratio} | {source} | 0 | - | - |")
            continue
        cols = []
        for i in range(2):
            vals = [x[i] for x in scores]
            lo, hi = bootstrap(vals, rng)
            cols.append(f"{iqm(vals):.2f} [{lo:.2f}, {hi:.2f}]")
        mark = " (frozen)" if variant == frozen["name"] else ""
        lines.append(f"| {ratio}{mark} | {source} | {len(scores)} | {cols[0]} | {cols[1]} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if incomplete:
        print(f"{incomplete} of {len(cells) * len(seeds)} runs are not complete and are left out",
              file=sys.stderr)
    if args.out:
        args.out.write_text(
            f"# HL-Gauss sigma / bin width on {game} (phase 3 of PROTOCOL.md)\n\n"
            "Written by `tools/classification-study-sigma.py`. IQM over seeds, 95% percentile "
            f"bootstrap ({REPLICATES:,} replicates); final return: mean of the last 100 training "
            "episodes; area under curve: mean train_return_100 over the metrics rows.\n\n"
            + (f"**{incomplete} runs not complete yet; left out.**\n\n" if incomplete else "")
            + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
