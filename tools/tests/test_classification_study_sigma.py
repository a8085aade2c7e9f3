"""tools/classification-study-sigma.py builds the phase-3 table of PROTOCOL.md: the frozen sigma's
runs come from the evaluation sweep, the other values' from the sigma sweep; IQM over seeds
(trim_mean 0.25) of the final return and of the area under the curve; incomplete runs left out."""

import json
import os
import pathlib
import subprocess
import sys

SOURCE = pathlib.Path(os.environ.get("VALOR_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
TOOL = SOURCE / "tools" / "classification-study-sigma.py"

EVAL = """[sweep]
presets = ["minatar-dqn"]
envs = ["breakout", "seaquest"]
seeds = [0, 1, 2, 3, 4]
[[variant]]
name = "huber"
"value.head" = "huber"
[[variant]]
name = "hl_gauss"
"value.head" = "hl_gauss"
"value.sigma_ratio" = 0.75
"""
SIGMA = """[sweep]
presets = ["minatar-dqn"]
envs = ["breakout"]
seeds = [0, 1, 2, 3, 4]
[[variant]]
name = "sigma2.0"
"value.sigma_ratio" = 2.0
[[variant]]
name = "sigma0.25"
"value.sigma_ratio" = 0.25
"""


def write_run(out, variant, seed, final, curve, complete=True):
    d = out / "runs" / f"minatar-dqn--breakout--hl_gauss--{variant}--seed{seed}"
    d.mkdir(parents=True)
    (d / "summary.json").write_text(json.dumps({"complete": complete, "final_return_mean": final}))
    rows = ["frames,train_return_100", "10000,"] + [f"{(i + 2) * 10000},{y}" for i, y in
                                                     enumerate(curve)]
    (d / "metrics.csv").write_text("\n".join(rows) + "\n")


def run_tool(tmp_path):
    (tmp_path / "eval.toml").write_text(EVAL)
    (tmp_path / "sigma.toml").write_text(SIGMA)
    return subprocess.run([sys.executable, str(TOOL), str(tmp_path / "eval.toml"),
                           str(tmp_path / "e"), str(tmp_path / "sigma.toml"), str(tmp_path / "s"),
                           "--out", str(tmp_path / "sigma.md")], capture_output=True, text=True)


def table_rows(text):
    return [line.split(" | ") for line in text.splitlines() if line.startswith("| 0") or
            line.startswith("| 2")]


def test_rows_sorted_frozen_from_eval_and_iqm(tmp_path):
    for s in range(5):
        # Frozen value: finals 10, 1, 2, 3, 100 -> IQM drops one each end: (2 + 3 + 10) / 3 = 5;
        # curve mean (the area) is 2 s; the empty first row does not count.
        write_run(tmp_path / "e", "hl_gauss", s, [10.0, 1.0, 2.0, 3.0, 100.0][s], [s, 3 * s])
        write_run(tmp_path / "s", "sigma0.25", s, 7.0, [1.0])
        if s < 4:  # sigma 2: seed 4 not complete; IQM of 4 values drops one each end
            write_run(tmp_path / "s", "sigma2.0", s, float(s), [float(s)])
    write_run(tmp_path / "s", "sigma2.0", 4, 1000.0, [1000.0], complete=False)
    out = run_tool(tmp_path)
    assert out.returncode == 0, out.stderr
    rows = table_rows(out.stdout)
    assert [r[0] for r in rows] == ["| 0.25", "| 0.75 (frozen)", "| 2.0"]
    assert rows[0][1:4] == ["sigma sweep", "5", "7.00 [7.00, 7.00]"]
    assert rows[1][1:3] == ["evaluation sweep", "5"]
    assert rows[1][3].startswith("5.00 [") and rows[1][4].startswith("4.00 [")
    assert rows[2][2] == "4" and rows[2][3].startswith("1.50 [")
    assert "1 of 15 runs are not complete" in out.stderr
    md = (tmp_path / "sigma.md").read_text()
    assert "1 runs not complete yet" in md and "| 0.75 (frozen) | evaluation sweep | 5 |" in md


def test_interval_brackets_the_iqm(tmp_path):
    for s in range(5):
        write_run(tmp_path / "e", "hl_gauss", s, float(s), [float(s)])
    out = run_tool(tmp_path)
    assert out.returncode == 0, out.stderr
    frozen = table_rows(out.stdout)[1]
    iqm, rest = frozen[3].split(" [")
    lo, hi = (float(x) for x in rest.rstrip("]").split(", "))
    assert lo < float(iqm) < hi and 0.0 <= lo and hi <= 4.0
    # values absent from every sweep give an empty row, not an error
    assert table_rows(out.stdout)[0][2:4] == ["0", "-"]
