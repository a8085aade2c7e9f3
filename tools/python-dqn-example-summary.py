#!/usr/bin/python3
"""Compares examples/dqn_minatar.py's runs with valor's own minatar-dqn huber runs (issue 20).

    tools/python-dqn-example-summary.py EXAMPLE_DIR REFERENCE_DIR [PLOT.png]

EXAMPLE_DIR holds <game>-seed<s>.json written by examples/dqn_minatar.py --out (complete or
not); REFERENCE_DIR is docs/results/minatar-reference (its runs/minatar-dqn--<game>--huber--seed<s>
and dqn-py/<game>-seed<s>.json). The final return is the one both sides report: the mean return
of the last 100 training episodes (the original dqn.py's runs are shown too, for scale). For an
unfinished example run, valor's runs are read at the
same frame (their train_return_100 column, the same quantity), so the comparison is like for
like. Prints a markdown table per game (per-seed values, IQM and its 95% percentile-bootstrap
interval over seeds, computed as tools/minatar-reference-summary.py does, whether the example's
IQM lies in valor's interval, and the difference of means with its interval), then how many of
the curve's points (every 10,000 frames, mean over seeds) lie within valor's per-point 95%
interval. With PLOT.png, draws the curves with gnuplot: the example's mean and seeds, valor's
mean and interval, and the original dqn.py's mean.
"""
import csv
import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("reference_summary",
                                               os.path.join(HERE, "minatar-reference-summary.py"))
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)


def example_runs(example_dir):
    """game -> seed -> (curve {frames: last-100 return}, frames done, complete)."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(example_dir, "*-seed*.json"))):
        m = re.match(r"(.+)-seed(\d+)\.json$", os.path.basename(path))
        with open(path) as f:
            d = json.load(f)
        curve = ref.last_100_curve(d["returns"], d["frame_stamps"], d["frames"])
        runs.setdefault(m.group(1), {})[int(m.group(2))] = (curve, d["frames"], d["complete"])
    return runs


def valor_huber_runs(reference_dir, game):
    """seed -> {frames: train_return_100} of valor's finished minatar-dqn huber runs."""
    out = {}
    for path in glob.glob(os.path.join(reference_dir, "runs", f"minatar-dqn--{game}--huber--seed*")):
        with open(os.path.join(path, "summary.json")) as f:
            if not json.load(f).get("complete"):
                continue
        with open(os.path.join(path, "metrics.csv")) as f:
            curve = {int(r["frames"]): float(r["train_return_100"]) for r in csv.DictReader(f)
                     if r["train_return_100"] not in ("", "nan")}
        out[int(re.search(r"seed(\d+)$", path).group(1))] = curve
    return out


def dqn_py_runs(reference_dir, game):
    out = {}
    for path in glob.glob(os.path.join(reference_dir, "dqn-py", f"{game}-seed*.json")):
        with open(path) as f:
            d = json.load(f)
        out[int(re.search(r"seed(\d+)\.json$", path).group(1))] = ref.last_100_curve(
            d["returns"], d["frame_stamps"], d["frames"])
    return out


def mean(values):
    return sum(values) / len(values)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    example_dir, reference_dir = sys.argv[1], sys.argv[2]
    plot_path = sys.argv[3] if len(sys.argv) == 4 else None
    for game, seeds in sorted(example_runs(example_dir).items()):
        valor = valor_huber_runs(reference_dir, game)
        if not valor:
            sys.exit(f"no finished minatar-dqn huber runs for {game} in {reference_dir}")
        # The frame all the example's runs reached (a multiple of 10,000): where "final" is read.
        at = min(max((f for f in curve), default=0) for curve, _, _ in seeds.values())
        example = [seeds[s][0][at] for s in sorted(seeds)]
        reference = [valor[s][at] for s in sorted(valor)]
        status = ("complete" if all(c for _, _, c in seeds.values())
                  else "NOT complete: runs stopped early, compared at the frame all reached")
        print(f"{game}, mean return of the last 100 training episodes at frame {at:,} ({status}):")
        print()
        print("| agent | per seed | IQM | 95% CI | IQM in valor's CI | mean - valor's [95% CI] |")
        print("|---|---|---|---|---|---|")
        low, high = ref.bootstrap_interval(reference)
        rows = [("valor minatar-dqn huber", reference, sorted(valor)),
                ("examples/dqn_minatar.py", example, sorted(seeds))]
        original = dqn_py_runs(reference_dir, game)
        if original and all(at in c for c in original.values()):
            # For scale: the original dqn.py against the same interval.
            rows.append(("original dqn.py (for scale)", [original[s][at] for s in sorted(original)],
                         sorted(original)))
        for name, values, by in rows:
            lo, hi = ref.bootstrap_interval(values)
            per_seed = ", ".join(f"{v:.2f} (seed {s})" for v, s in zip(values, by))
            if name.startswith("valor"):
                inside, diff = "-", "-"
            else:
                inside = "yes" if low <= ref.iqm(values) <= high else "no"
                d_lo, d_hi = ref.difference_interval(values, reference)
                diff = f"{mean(values) - mean(reference):+.2f} [{d_lo:+.2f}, {d_hi:+.2f}]"
            print(f"| {name} | {per_seed} | {ref.iqm(values):.2f} | [{lo:.2f}, {hi:.2f}] | "
                  f"{inside} | {diff} |")
        # The curve, point by point: the example's mean over seeds against valor's interval.
        frames = sorted(f for f in set.intersection(*(set(c) for c, _, _ in seeds.values()),
                                                     *(set(c) for c in valor.values())))
        points = []
        for f in frames:
            e = mean([seeds[s][0][f] for s in seeds])
            lo, hi = ref.bootstrap_interval([valor[s][f] for s in valor], replicates=2000)
            points.append((f, e, mean([valor[s][f] for s in valor]), lo, hi))
        inside = [p for p in points if p[3] <= p[1] <= p[4]]
        print()
        print(f"Curve: {len(inside)} of {len(points)} points (every 10,000 frames up to "
              f"{frames[-1]:,}) of the example's mean over {len(seeds)} seed(s) lie within valor's "
              f"95% interval over {len(valor)} seeds; outside at: "
              + (", ".join(f"{f:,} ({e:.2f} vs [{lo:.2f}, {hi:.2f}])"
                           for f, e, _, lo, hi in points if not lo <= e <= hi) or "none"))
        if original:
            # For scale: the original dqn.py's mean curve over the same frames.
            within = sum(1 for f, _, _, lo, hi in points
                         if lo <= mean([c[f] for c in original.values()]) <= hi)
            print(f"For scale, the original dqn.py's mean over {len(original)} seeds: {within} of "
                  f"{len(points)} of the same points lie within valor's interval.")
        if plot_path:
            draw(plot_path, game, valor, seeds, original)


def draw(path, game, valor, seeds, dqn_py):
    """valor's mean and per-point interval over its whole run, the example's mean where every
    seed has a point and each seed as far as it went, dqn.py's mean."""
    with tempfile.TemporaryDirectory() as tmp:
        band = os.path.join(tmp, "valor.dat")
        with open(band, "w") as f:
            for frame in sorted(set.intersection(*(set(c) for c in valor.values()))):
                values = [c[frame] for c in valor.values()]
                lo, hi = ref.bootstrap_interval(values, replicates=2000)
                f.write(f"{frame} {mean(values)} {lo} {hi}\n")
        example = os.path.join(tmp, "example.dat")
        with open(example, "w") as f:
            for frame in sorted(set.intersection(*(set(c) for c, _, _ in seeds.values()))):
                f.write(f"{frame} {mean([c[frame] for c, _, _ in seeds.values()])}\n")
        plots = [f"'{band}' using 1:3:4 with filledcurves fs transparent solid 0.25 lc rgb '#1f77b4' "
                 f"title 'valor minatar-dqn huber, 95% CI over {len(valor)} seeds'",
                 f"'{band}' using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'valor huber, mean'",
                 f"'{example}' using 1:2 with lines lw 2 lc rgb '#d62728' "
                 f"title 'examples/dqn_minatar.py, mean of {len(seeds)}'"]
        for s, (curve, _, _) in sorted(seeds.items()):
            data = os.path.join(tmp, f"seed{s}.dat")
            with open(data, "w") as f:
                for frame in sorted(curve):
                    f.write(f"{frame} {curve[frame]}\n")
            plots.append(f"'{data}' using 1:2 with lines lw 1 dt 2 lc rgb '#d62728' "
                         f"title 'example seed {s}'")
        if dqn_py:
            data = os.path.join(tmp, "dqn-py.dat")
            with open(data, "w") as f:
                for frame in sorted(set.intersection(*(set(c) for c in dqn_py.values()))):
                    f.write(f"{frame} {mean([c[frame] for c in dqn_py.values()])}\n")
            plots.append(f"'{data}' using 1:2 with lines lw 1 lc rgb '#7f7f7f' "
                         f"title 'original dqn.py, mean of {len(dqn_py)}'")
        commands = ["set terminal pngcairo noenhanced size 900,540", f"set output '{path}'",
                    f"set title '{game}: return of the last 100 training episodes'",
                    "set xlabel 'frames'", "set ylabel 'return'", "set key right bottom",
                    "set xrange [0:500000]", "set grid",
                    "plot " + ", ".join(plots)]
        subprocess.run(["gnuplot"], input="\n".join(commands), text=True, check=True)


if __name__ == "__main__":
    main()
