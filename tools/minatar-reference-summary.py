#!/usr/bin/env python3
"""Compares valor's MinAtar huber runs with the original examples/dqn.py runs (issue 4).

    tools/minatar-reference-summary.py PYTHON_DIR SWEEP_DIR [PLOT_DIR]

PYTHON_DIR holds <game>-seed<s>.json from tools/run-minatar-dqn-reference.py; SWEEP_DIR is the
output of `valor sweep sweeps/minatar-reference.toml`. Both report final_return_mean, the mean
return of the last 100 training episodes. For each game, prints a markdown table row per side:
the per-seed values, the IQM (scipy.stats.trim_mean(x, 0.25), as valor and rliable compute it)
and a 95% percentile-bootstrap interval of the IQM over seeds (10,000 replicates), computed here
the same way for both sides, and whether valor's IQM lies inside dqn.py's interval.

With 3 seeds the IQM is the mean and its interval spans the seeds' min..max, so "inside the
reference's interval" is a strict test. The last column is the less fragile comparison: the
difference of the two means (valor - dqn.py) with a 95% percentile-bootstrap interval that
resamples the seeds of each side independently; an interval that holds 0 means the two agree
within what this many seeds can tell.

With PLOT_DIR it also draws, per game, PLOT_DIR/dqn-py-vs-valor-<game>.png (gnuplot): the mean
over seeds of the return of the last 100 episodes against frames, every 10,000 frames, for
dqn.py (computed from its per-episode returns and frame stamps) and for each valor head (the
train_return_100 column of metrics.csv, the same quantity).
"""
import csv
import glob
import json
import os
import random
import re
import subprocess
import sys
import tempfile


def iqm(values):
    v = sorted(values)
    cut = len(v) // 4
    kept = v[cut:len(v) - cut]
    return sum(kept) / len(kept)


def bootstrap_interval(values, replicates=10000, level=0.95, seed=0):
    rng = random.Random(seed)
    return percentile_interval([iqm([rng.choice(values) for _ in values]) for _ in range(replicates)],
                               level)


def difference_interval(a, b, replicates=10000, level=0.95, seed=0):
    """Percentile-bootstrap interval of mean(a) - mean(b), resampling each side on its own."""
    rng = random.Random(seed)
    return percentile_interval([sum(rng.choice(a) for _ in a) / len(a) -
                                sum(rng.choice(b) for _ in b) / len(b) for _ in range(replicates)],
                               level)


def percentile_interval(replicates, level):
    """The central `level` interval of bootstrap replicates, interpolated as numpy does."""
    stats = sorted(replicates)

    def percentile(q):
        pos = q * (len(stats) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(stats) - 1)
        return stats[lo] + (pos - lo) * (stats[hi] - stats[lo])

    tail = (1 - level) / 2
    return percentile(tail), percentile(1 - tail)


CURVE_STEP = 10000  # valor logs a metrics row every 10,000 frames in the MinAtar presets


def last_100_curve(returns, stamps, frames):
    """Mean return of the last 100 episodes that ended by each multiple of CURVE_STEP frames."""
    curve, ended = {}, 0
    for f in range(CURVE_STEP, frames + 1, CURVE_STEP):
        while ended < len(stamps) and stamps[ended] <= f:
            ended += 1
        if ended:
            window = returns[max(0, ended - 100):ended]
            curve[f] = sum(window) / len(window)
    return curve


def plot(curves, game, out_dir):
    """curves: side -> list of {frames: value}, one per seed; draws their means with gnuplot."""
    with tempfile.TemporaryDirectory() as tmp:
        commands = [
            "set terminal pngcairo noenhanced size 900,540", f"set output '{os.path.join(out_dir, f'dqn-py-vs-valor-{game}.png')}'",
            f"set title '{game}: mean over seeds of the return of the last 100 episodes'",
            "set xlabel 'frames'", "set ylabel 'return'", "set key left top", "set grid"]
        lines = []
        for i, side in enumerate(sorted(curves)):
            runs = curves[side]
            data = os.path.join(tmp, f"{i}.dat")
            with open(data, "w") as f:
                for frame in sorted(set.intersection(*(set(c) for c in runs))):
                    f.write(f"{frame} {sum(c[frame] for c in runs) / len(runs)}\n")
            lines.append(f"'{data}' using 1:2 with lines lw 2 title '{side} ({len(runs)} seeds)'")
        commands.append("plot " + ", ".join(lines))
        subprocess.run(["gnuplot"], input="\n".join(commands), text=True, check=True)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    python_dir, sweep_dir = sys.argv[1], sys.argv[2]
    plot_dir = sys.argv[3] if len(sys.argv) == 4 else None
    results = {}  # (game, side) -> {seed: final_return_mean}
    curves = {}  # game -> side -> [{frames: last-100 return}] per seed
    for path in glob.glob(os.path.join(python_dir, "*-seed*.json")):
        m = re.match(r"(.+)-seed(\d+)\.json$", os.path.basename(path))
        with open(path) as f:
            d = json.load(f)
        results.setdefault((m.group(1), "dqn.py"), {})[int(m.group(2))] = d["final_return_mean"]
        curves.setdefault(m.group(1), {}).setdefault("dqn.py", []).append(
            last_100_curve(d["returns"], d["frame_stamps"], d["frames"]))
    for path in glob.glob(os.path.join(sweep_dir, "runs", "*", "summary.json")):
        m = re.match(r"(.+)--(.+)--(.+)--seed(\d+)$", os.path.basename(os.path.dirname(path)))
        with open(path) as f:
            s = json.load(f)
        if s.get("complete"):
            results.setdefault((m.group(2), "valor " + m.group(3)), {})[int(m.group(4))] = s["final_return_mean"]
            with open(os.path.join(os.path.dirname(path), "metrics.csv")) as f:
                curve = {int(r["frames"]): float(r["train_return_100"]) for r in csv.DictReader(f)
                         if r["train_return_100"] not in ("", "nan")}
            curves.setdefault(m.group(2), {}).setdefault("valor " + m.group(3), []).append(curve)
    print("| game | agent | final return per seed | IQM | 95% CI | IQM in dqn.py's CI "
          "| mean - dqn.py's [95% CI] |")
    print("|---|---|---|---|---|---|---|")
    for game in sorted({g for g, _ in results}):
        reference = results.get((game, "dqn.py"))
        ref_ci = bootstrap_interval(list(reference.values())) if reference else None
        for (g, side), by_seed in sorted(results.items()):
            if g != game:
                continue
            values = [by_seed[s] for s in sorted(by_seed)]
            low, high = bootstrap_interval(values)
            inside = "-" if side == "dqn.py" or ref_ci is None else \
                ("yes" if ref_ci[0] <= iqm(values) <= ref_ci[1] else "no")
            difference = "-"
            if side != "dqn.py" and reference:
                ref_values = list(reference.values())
                d_low, d_high = difference_interval(values, ref_values)
                d = sum(values) / len(values) - sum(ref_values) / len(ref_values)
                difference = f"{d:+.2f} [{d_low:+.2f}, {d_high:+.2f}]"
            seeds = ", ".join(f"{by_seed[s]:.2f} (seed {s})" for s in sorted(by_seed))
            print(f"| {game} | {side} | {seeds} | {iqm(values):.2f} | [{low:.2f}, {high:.2f}] | {inside} | {difference} |")
        if plot_dir:
            plot(curves[game], game, plot_dir)


if __name__ == "__main__":
    main()
