"""examples/dqn_minatar.py runs end to end on a short budget and writes its results (the learning
curve itself is docs/results/python-dqn-example/). Needs Debian's python3-torch
(tools/install-deps installs it)."""

import csv
import json
import os
import subprocess
import sys

from conftest import SOURCE_DIR

EXAMPLE = SOURCE_DIR / "examples" / "dqn_minatar.py"


def run_example(tmp_path, frames):
    out, table = tmp_path / "run.json", tmp_path / "run.csv"
    cmd = [sys.executable, str(EXAMPLE), "--env", "breakout", "--frames", str(frames),
           "--seed", "3", "--replay-capacity", "1500", "--learning-starts", "1000",
           "--target-update", "200", "--epsilon-decay-frames", "1000", "--log-every", "500",
           "--out", str(out), "--csv", str(table)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert result.returncode == 0, result.stderr
    return result.stdout, json.loads(out.read_text()), list(csv.DictReader(table.open()))


def test_short_run_writes_progress_and_results_and_repeats(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    stdout, record, rows = run_example(tmp_path / "a", 2000)
    progress = [line for line in stdout.splitlines() if line.startswith("frame ")]
    assert [line.split()[1] for line in progress] == ["500/2000", "1000/2000", "1500/2000",
                                                      "2000/2000"]
    assert all("frames/s" in line and "ETA" in line for line in progress)
    assert record["complete"] and record["frames"] == 2000 and record["game"] == "breakout"
    # Updates start after learning_starts: one per frame from frame 1001 on.
    assert [line.split()[-1] for line in progress] == ["0", "0", "500", "1000"]
    returns, stamps = record["returns"], record["frame_stamps"]
    assert record["episodes"] == len(returns) == len(stamps) == len(rows) > 10
    assert stamps == sorted(stamps) and 0 < stamps[0] and stamps[-1] <= 2000
    assert all(r >= 0 and r == int(r) for r in returns)  # Breakout: +1 per brick
    last = returns[-100:]
    assert abs(record["final_return_mean"] - sum(last) / len(last)) < 1e-12
    assert [(int(r["frame"]), float(r["return"])) for r in rows] == list(zip(stamps, returns))

    # Environments, exploration and torch are all seeded: a shorter run with the same seed
    # repeats the first one's episodes up to its last frame.
    _, shorter, _ = run_example(tmp_path / "b", 1500)
    assert shorter["complete"] and shorter["frames"] == 1500
    k = len(shorter["returns"])
    assert k > 5 and shorter["frame_stamps"] == stamps[:k] and shorter["returns"] == returns[:k]
