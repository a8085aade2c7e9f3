#!/usr/bin/env python3
"""Phase 1 -> 2 of the MinAtar classification study (issue 16): scores the tuning runs and freezes
each head's settings exactly as docs/results/minatar-classification/PROTOCOL.md says, then writes
the evaluation and sigma-ablation sweep files.

    python3 tools/classification-study-select.py \\
        sweeps/classification-tune.toml docs/results/minatar-classification/tune \\
        --tuning-table docs/results/minatar-classification/tuning.md \\
        --eval-sweep sweeps/classification-eval.toml \\
        --sigma-sweep sweeps/classification-sigma.toml

Score of a run: the mean of train_return_100 over the metrics rows after frame 150,000. Each run's
score is divided by the best score of any trial on its game; a head takes the trial with the
highest mean ratio over the tuning games (ties: the lower learning rate). Refuses to choose while
any tuning run is incomplete.
"""
import argparse
import csv
import json
import pathlib
import sys
import tomllib

SCORE_AFTER_FRAMES = 150_000
EVAL_GAMES = ["breakout", "seaquest", "space_invaders"]
EVAL_SEEDS = [0, 1, 2, 3, 4]
EVAL_FRAMES = 1_000_000
# Uniform random policy, 1,000 episodes, sticky actions 0.1 and difficulty ramping (the study's
# settings): `valor env play GAME --episodes 1000 --seed 0` (2026-12-06).
RANDOM_SCORES = {"breakout": 0.502, "seaquest": 0.089, "space_invaders": 2.844}
SIGMA_GAME = "breakout"
SIGMA_RATIOS = [0.25, 0.5, 0.75, 1.0, 2.0]


def run_score(run_dir):
    summary = run_dir / "summary.json"
    if not summary.exists() or not json.loads(summary.read_text()).get("complete"):
        return None
    with open(run_dir / "metrics.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if int(r["frames"]) > SCORE_AFTER_FRAMES]
    values = [float(r["train_return_100"]) for r in rows if r["train_return_100"] != ""]
    if not values:
        raise SystemExit(f"{run_dir}: no train_return_100 after frame {SCORE_AFTER_FRAMES}")
    return sum(values) / len(values)


def toml_value(v):
    return f'"{v}"' if isinstance(v, str) else repr(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tune_sweep", type=pathlib.Path)
    ap.add_argument("tune_out", type=pathlib.Path)
    ap.add_argument("--tuning-table", type=pathlib.Path)
    ap.add_argument("--eval-sweep", type=pathlib.Path)
    ap.add_argument("--sigma-sweep", type=pathlib.Path)
    args = ap.parse_args()

    spec = tomllib.loads(args.tune_sweep.read_text())
    preset = spec["sweep"]["presets"][0]
    games = spec["sweep"]["envs"]
    seed = spec["sweep"]["seeds"][0]
    common = dict(spec.get("set", {}))
    common.pop("train.frames", None)
    common.pop("train.checkpoint_every_frames", None)
    variants = spec["variant"]

    scores, missing = {}, []
    for v in variants:
        head = v["value.head"]
        for g in games:
            d = args.tune_out / "runs" / f"{preset}--{g}--{head}--{v['name']}--seed{seed}"
            s = run_score(d) if d.exists() else None
            if s is None:
                missing.append(str(d))
            scores[(v["name"], g)] = s
    if missing:
        print(f"{len(missing)} of {len(variants) * len(games)} tuning runs are not complete yet, "
              f"e.g. {missing[0]}; nothing chosen", file=sys.stderr)
        return 1

    best = {g: max(scores[(v["name"], g)] for v in variants) for g in games}
    ratio = {v["name"]: sum(scores[(v["name"], g)] / best[g] for g in games) / len(games)
             for v in variants}
    heads = []
    for v in variants:
        if v["value.head"] not in heads:
            heads.append(v["value.head"])
    chosen = {}
    for h in heads:
        trials = [v for v in variants if v["value.head"] == h]
        chosen[h] = max(trials, key=lambda v: (ratio[v["name"]], -v["train.learning_rate"]))

    keys = ["train.optimizer", "train.learning_rate", "value.v_max", "value.sigma_ratio"]
    lines = ["| trial | head | optimiser | learning rate | v_max | sigma ratio | "
             + " | ".join(f"{g} score" for g in games) + " | mean ratio to best | chosen |",
             "|---" * (7 + len(games)) + "|"]
    for v in variants:
        cells = [v["name"], v["value.head"]] + [str(v.get(k, "-")) for k in keys]
        cells += [f"{scores[(v['name'], g)]:.2f}" for g in games]
        cells += [f"{ratio[v['name']]:.3f}", "**yes**" if chosen[v["value.head"]] is v else ""]
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.tuning_table:
        args.tuning_table.write_text(
            "# Tuning table (phase 1 of PROTOCOL.md)\n\nWritten by `tools/classification-study-"
            "select.py`. Score: mean `train_return_100` after frame 150,000 of one 300k-frame run "
            f"(seed {seed}); best score per game: "
            + ", ".join(f"{g} {best[g]:.2f}" for g in games) + ".\n\n" + table)

    def settings(v):
        return {k: v[k] for k in ["value.head"] + keys if k in v}

    if args.eval_sweep:
        out = ["# MinAtar classification study (issue 16), evaluation: every head with its frozen "
               "settings (tools/classification-study-select.py), 5 seeds, 1M frames",
               "[sweep]", 'name = "classification-eval"', f'presets = ["{preset}"]',
               "envs = [" + ", ".join(f'"{g}"' for g in EVAL_GAMES) + "]",
               f"seeds = {EVAL_SEEDS}", "processes = 2", 'plot_metric = "train_return_100"', "",
               "[set]", f'"train.frames" = {EVAL_FRAMES}']
        out += [f'"{k}" = {toml_value(val)}' for k, val in common.items()]
        for h in heads:
            out += ["", "[[variant]]", f'name = "{h}"']
            out += [f'"{k}" = {toml_value(val)}' for k, val in settings(chosen[h]).items()]
        out += ["", "[report]", 'baseline = "huber"',
                "random = { " + ", ".join(f"{g} = {RANDOM_SCORES[g]}" for g in EVAL_GAMES) + " }"]
        args.eval_sweep.write_text("\n".join(out) + "\n")
    if args.sigma_sweep:
        hl = settings(chosen["hl_gauss"])
        out = ["# MinAtar classification study (issue 16), sigma ablation: HL-Gauss with its frozen "
               "settings but sigma / bin width, 5 seeds, 1M frames (the frozen value is in the "
               "evaluation sweep)",
               "[sweep]", 'name = "classification-sigma"', f'presets = ["{preset}"]',
               f'envs = ["{SIGMA_GAME}"]', f"seeds = {EVAL_SEEDS}", "processes = 2",
               'plot_metric = "train_return_100"', "", "[set]", f'"train.frames" = {EVAL_FRAMES}']
        out += [f'"{k}" = {toml_value(val)}' for k, val in common.items()]
        out += [f'"{k}" = {toml_value(val)}' for k, val in hl.items() if k != "value.sigma_ratio"]
        for s in SIGMA_RATIOS:
            if s == hl.get("value.sigma_ratio"):
                continue
            out += ["", "[[variant]]", f'name = "sigma{s}"', f'"value.sigma_ratio" = {s}']
        args.sigma_sweep.write_text("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
