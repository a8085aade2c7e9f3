"""tools/classification-study-verdict.py applies PROTOCOL.md's phase-2 rule to the probabilities of
improvement in the sweep's report.md (reproduced if the lower bound >= 0.5, refuted if the upper
bound < 0.5, else inconclusive; no verdict while runs are missing) and sums the categorical heads'
value_targets per env and head."""

import json
import os
import pathlib
import subprocess
import sys

SOURCE = pathlib.Path(os.environ.get("VALOR_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
TOOL = SOURCE / "tools" / "classification-study-verdict.py"

SWEEP = """[sweep]
presets = ["minatar-dqn"]
envs = ["breakout", "seaquest"]
seeds = [0, 1]
[[variant]]
name = "huber"
"value.head" = "huber"
[[variant]]
name = "mse"
"value.head" = "mse"
[[variant]]
name = "two_hot"
"value.head" = "two_hot"
[[variant]]
name = "hl_gauss"
"value.head" = "hl_gauss"
[[variant]]
name = "c51"
"value.head" = "c51"
[report]
baseline = "huber"
"""

CATEGORICAL = ("two_hot", "hl_gauss", "c51")


def report(final_poi, auc_poi, runs=4):
    """A report.md shaped as `valor sweep` writes its [report] section."""
    def table(title, pois):
        rows = [f"### {title}", "", "| method | runs | normalised score, IQM [95% CI] | "
                "P(method > huber) [95% CI] |", "|---|---|---|---|",
                f"| huber | {runs} | 1.000 [0.900, 1.100] | - |"]
        for method, poi in pois.items():
            rows.append(f"| {method} | {runs} | 0.800 [0.700, 0.900] | {poi} |")
        return rows + [""]
    return "\n".join(["# Sweep", ""] + table("Final return (last 100 training episodes)", final_poi)
                     + table("Area under the curve (mean of train_return_100)", auc_poi)) + "\n"


def write_runs(out, skip=(), targets=None):
    for env in ("breakout", "seaquest"):
        for head in ("huber", "mse") + CATEGORICAL:
            for seed in (0, 1):
                if (env, head, seed) in skip:
                    continue
                d = out / "runs" / f"minatar-dqn--{env}--{head}--{head}--seed{seed}"
                d.mkdir(parents=True)
                s = {"complete": True, "final_return_mean": 1.0}
                if head in CATEGORICAL:
                    s["value_targets"] = (targets or {}).get(
                        (env, head, seed),
                        {"count": 1000, "outside_support": 0, "lowest": 0.0, "highest": 5.0})
                (d / "summary.json").write_text(json.dumps(s))


def run_tool(tmp_path, report_text):
    (tmp_path / "eval.toml").write_text(SWEEP)
    (tmp_path / "e").mkdir(exist_ok=True)
    (tmp_path / "e" / "report.md").write_text(report_text)
    return subprocess.run([sys.executable, str(TOOL), str(tmp_path / "eval.toml"),
                           str(tmp_path / "e"), "--out", str(tmp_path / "verdict.md")],
                          capture_output=True, text=True)


def rows(text):
    return {c[0]: c for c in ([x.strip() for x in line.strip("|").split("|")]
                              for line in text.splitlines() if line.startswith("|"))}


def test_rule_on_each_bound(tmp_path):
    write_runs(tmp_path / "e")
    final = {"mse": "0.400 [0.300, 0.600]", "two_hot": "0.700 [0.510, 0.850]",
             "hl_gauss": "0.600 [0.500, 0.700]", "c51": "0.300 [0.200, 0.499]"}
    auc = {"mse": "0.500 [0.400, 0.600]", "two_hot": "0.550 [0.450, 0.650]",
           "hl_gauss": "0.400 [0.300, 0.490]", "c51": "0.800 [0.600, 0.900]"}
    r = run_tool(tmp_path, report(final, auc))
    assert r.returncode == 0, r.stderr
    t = rows(r.stdout)
    assert t["two_hot"][2] == "reproduced: strictly better"
    assert t["hl_gauss"][2] == "reproduced: not worse"
    assert t["c51"][2] == "refuted: worse"
    assert t["mse"][2] == "(regression head; no verdict)"
    assert t["two_hot"][4] == "inconclusive"
    assert t["hl_gauss"][4] == "refuted: worse"
    assert t["c51"][4] == "reproduced: strictly better"
    assert "All 20 runs" in r.stdout and "PRELIMINARY" not in r.stdout
    assert "at the boundary" in r.stdout  # hl_gauss's lower bound printed as 0.500
    assert (tmp_path / "verdict.md").read_text().endswith(r.stdout.rstrip("\n") + "\n")


def test_no_verdict_while_runs_missing(tmp_path):
    write_runs(tmp_path / "e", skip={("seaquest", "c51", 1)})
    pois = {m: "0.700 [0.600, 0.800]" for m in ("mse",) + CATEGORICAL}
    text = report(pois, pois).replace("| c51 | 4 | 0.800 [0.700, 0.900] | 0.700 [0.600, 0.800] |",
                                      "| c51 | 3 | 0.800 [0.700, 0.900] | 0.700 [0.600, 0.800] |")
    r = run_tool(tmp_path, text)
    assert r.returncode == 0, r.stderr
    assert "PRELIMINARY: 19 of 20 runs complete" in r.stdout
    t = rows(r.stdout)
    assert t["two_hot"][2] == "(preliminary)" and t["c51"][2] == "(preliminary)"
    assert "reproduced" not in r.stdout


def test_support_sums(tmp_path):
    targets = {("breakout", "c51", 0): {"count": 1000, "outside_support": 10, "lowest": -0.5,
                                        "highest": 12.25},
               ("breakout", "c51", 1): {"count": 3000, "outside_support": 30, "lowest": 0.0,
                                        "highest": 11.0}}
    write_runs(tmp_path / "e", targets=targets)
    pois = {m: "0.500 [0.400, 0.600]" for m in ("mse",) + CATEGORICAL}
    r = run_tool(tmp_path, report(pois, pois))
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stdout.splitlines() if line.startswith("| breakout | c51 |")]
    assert lines == ["| breakout | c51 | 2 | 2 | 40 of 4,000 (1.000%) | -0.50 | 12.25 |"]
    quiet = [line for line in r.stdout.splitlines() if line.startswith("| seaquest | two_hot |")]
    assert quiet == ["| seaquest | two_hot | 2 | 0 | 0 of 2,000 (0.000%) | 0.00 | 5.00 |"]


def test_stale_report_is_refused(tmp_path):
    write_runs(tmp_path / "e")
    pois = {m: "0.600 [0.550, 0.700]" for m in ("mse",) + CATEGORICAL}
    r = run_tool(tmp_path, report(pois, pois, runs=3))
    assert r.returncode == 2
    assert "counts 3 runs of huber" in r.stderr and "--report-only" in r.stderr


def test_missing_section_and_bad_cell(tmp_path):
    write_runs(tmp_path / "e")
    r = run_tool(tmp_path, "# Sweep\n\nno report section\n")
    assert r.returncode == 2 and "### Final return" in r.stderr
    pois = {m: "0.600 [0.550, 0.700]" for m in ("mse",) + CATEGORICAL}
    r = run_tool(tmp_path, report(pois, pois).replace("0.600 [0.550, 0.700]", "0.6 (0.55-0.7)", 1))
    assert r.returncode == 2 and "cannot read '0.6 (0.55-0.7)'" in r.stderr
