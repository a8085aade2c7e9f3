#!/usr/bin/env python3
"""Phase 2 verdict of the MinAtar classification study (issue 16): applies PROTOCOL.md's rule to
the probabilities of improvement over huber in the evaluation sweep's report.md, and tabulates the
categorical heads' bootstrapped targets that fell outside their support.

    python3 tools/classification-study-verdict.py \\
        sweeps/classification-eval.toml docs/results/minatar-classification/eval \\
        [--out docs/results/minatar-classification/verdict.md]

The rule (PROTOCOL.md, phase 2): for a categorical head (two_hot, hl_gauss, c51),
"classification >= regression" is reproduced if the lower end of the 95% interval of
P(head > huber) is >= 0.5 (strictly better if it exceeds 0.5), refuted if the upper end is below
0.5, inconclusive otherwise. It is applied to the primary score (final return) and, as the second
measure, to the area under the curve. The probabilities are read from the report `valor sweep`
wrote (its [report] section, three decimals); a bound printed as 0.500 is flagged. While any run
of the sweep is incomplete the output says PRELIMINARY and gives no verdict.

The support table sums each run's summary.json `value_targets` (count, outside_support, lowest,
highest): the bootstrapped targets of the categorical heads, before projection onto the support.
Exit status 2 when an input is missing or malformed.
"""
import argparse
import json
import pathlib
import re
import sys
import tomllib

CATEGORICAL = ("two_hot", "hl_gauss", "c51")
SECTIONS = {"final return": "### Final return", "area under the curve": "### Area under the curve"}
POI = re.compile(r"^(\d\.\d{3}) \[(\d\.\d{3}), (\d\.\d{3})\]$")


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(2)


def read_poi_tables(report, baseline):
    """({section: {method: (p, low, high) or None}}, {method: runs}) from the sweep's report.md."""
    if not report.exists():
        fail(f"{report}: not found (`valor sweep FILE --out DIR --report-only` writes it)")
    lines = report.read_text().splitlines()
    tables, runs = {}, {}
    for name, heading in SECTIONS.items():
        start = next((i for i, line in enumerate(lines) if line.startswith(heading)), None)
        if start is None:
            fail(f"{report}: no '{heading}' section (does the sweep file have a [report] table?)")
        header = lines[start + 2] if start + 2 < len(lines) else ""
        cols = [c.strip() for c in header.strip("|").split("|")]
        want = f"P(method > {baseline}) [95% CI]"
        if want not in cols:
            fail(f"{report}:{start + 3}: expected a '{want}' column, found {cols}")
        at = cols.index(want)
        table = {}
        for n, line in enumerate(lines[start + 4:], start + 5):
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip("|").split("|")]
            runs[cells[0]] = 0 if cells[1] == "incomplete" else int(cells[1])
            cell = cells[at]
            if cell == "-":
                table[cells[0]] = None
                continue
            m = POI.match(cell)
            if not m:
                fail(f"{report}:{n}: cannot read '{cell}' as 'p [low, high]'")
            table[cells[0]] = tuple(float(g) for g in m.groups())
        tables[name] = table
    return tables, runs


def verdict(poi):
    p, low, high = poi
    if low > 0.5:
        return "reproduced: strictly better"
    if low >= 0.5:
        return "reproduced: not worse"
    if high < 0.5:
        return "refuted: worse"
    return "inconclusive"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("eval_sweep", type=pathlib.Path)
    ap.add_argument("eval_out", type=pathlib.Path)
    ap.add_argument("--out", type=pathlib.Path, help="also write the tables to this markdown file")
    args = ap.parse_args()

    try:
        spec = tomllib.loads(args.eval_sweep.read_text())
        sweep = spec["sweep"]
        presets, envs, seeds = sweep["presets"], sweep["envs"], sweep["seeds"]
        variants = [(v["name"], v["value.head"]) for v in spec["variant"]]
        baseline = spec["report"]["baseline"]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as e:
        fail(f"{args.eval_sweep}: cannot read the evaluation sweep ({type(e).__name__}: {e}); "
             "expected [sweep] presets/envs/seeds, [[variant]] name and value.head, "
             "[report] baseline")

    total = complete = 0
    done = {name: 0 for name, _ in variants}
    support = {}  # (env, variant) -> [runs, runs outside, count, outside, lowest, highest]
    for preset in presets:
        for env in envs:
            for name, head in variants:
                for seed in seeds:
                    total += 1
                    path = args.eval_out / "runs" / f"{preset}--{env}--{head}--{name}--seed{seed}"
                    try:
                        s = json.loads((path / "summary.json").read_text())
                    except FileNotFoundError:
                        continue
                    except (OSError, json.JSONDecodeError) as e:
                        fail(f"{path}/summary.json: {e}")
                    if not s.get("complete"):
                        continue
                    complete += 1
                    done[name] += 1
                    t = s.get("value_targets")
                    if head not in CATEGORICAL:
                        continue
                    if t is None:
                        fail(f"{path}/summary.json: a {head} run without value_targets")
                    row = support.setdefault((env, name), [0, 0, 0, 0, float("inf"),
                                                           float("-inf")])
                    row[0] += 1
                    row[1] += t["outside_support"] > 0
                    row[2] += t["count"]
                    row[3] += t["outside_support"]
                    row[4] = min(row[4], t["lowest"])
                    row[5] = max(row[5], t["highest"])

    final = complete == total
    report = args.eval_out / "report.md"
    tables, reported = read_poi_tables(report, baseline)
    rewrite = f"rewrite it with `valor sweep {args.eval_sweep} --out {args.eval_out} --report-only`"
    for name, _ in variants:
        # the report counts a method only once it has runs on every env
        if reported.get(name, 0) not in (0, done[name]):
            fail(f"{report}: counts {reported[name]} runs of {name}, {args.eval_out}/runs holds "
                 f"{done[name]} complete ones; {rewrite}")
        if final and name != baseline and None in (t.get(name) for t in tables.values()):
            fail(f"{report}: no probability of improvement for {name} although every run is "
                 f"complete; {rewrite}")
    out = []
    if final:
        out.append(f"All {total} runs of the sweep are complete.\n")
    else:
        out.append(f"**PRELIMINARY: {complete} of {total} runs complete; no verdict is given "
                   "until every run is.**\n")
    out.append(f"| head | P(head > {baseline}), final return [95% CI] | verdict | "
               f"P(head > {baseline}), area under the curve [95% CI] | verdict (second measure) |")
    out.append("|---|---|---|---|---|")
    boundary = False
    for name, head in variants:
        if name == baseline:
            continue
        cells = [name]
        for section in SECTIONS:
            poi = tables[section].get(name)
            if poi is None:
                cells += ["-", "-"]
                continue
            boundary |= head in CATEGORICAL and 0.5 in poi[1:]
            cells.append(f"{poi[0]:.3f} [{poi[1]:.3f}, {poi[2]:.3f}]")
            if head not in CATEGORICAL:
                cells.append("(regression head; no verdict)")
            elif not final:
                cells.append("(preliminary)")
            else:
                cells.append(verdict(poi))
        out.append("| " + " | ".join(cells) + " |")
    if boundary:
        out.append("\nA bound printed as 0.500 lies within rounding of the rule's threshold; "
                   "read that verdict as at the boundary.")
    out.append("\n| env | head | complete runs | runs with targets outside the support | "
               "targets outside, share | lowest target | highest target |")
    out.append("|---|---|---|---|---|---|---|")
    for (env, name), (runs, runs_out, count, outside, lo, hi) in support.items():
        share = outside / count if count else 0.0
        out.append(f"| {env} | {name} | {runs} | {runs_out} | {outside:,} of {count:,} "
                   f"({100 * share:.3f}%) | {lo:.2f} | {hi:.2f} |")
    if not support:
        out.append("| - | - | 0 | - | - | - | - |")
    text = "\n".join(out) + "\n"
    print(text)
    if args.out:
        args.out.write_text(
            "# Verdict of the evaluation (phase 2 of PROTOCOL.md)\n\n"
            "Written by `tools/classification-study-verdict.py` from the evaluation sweep's "
            "report.md and its runs' summary.json. Rule: a categorical head reproduces "
            "\"classification >= regression\" if the lower 95% bound of P(head > huber) is >= 0.5 "
            "(strictly better above 0.5), is refuted if the upper bound is below 0.5, and is "
            "inconclusive otherwise. Targets: the bootstrapped targets of every update, before "
            "projection onto the support [v_min, v_max].\n\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
