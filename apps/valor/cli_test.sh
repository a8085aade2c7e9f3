#!/usr/bin/env bash
# End-to-end tests of the valor command line: cli_test.sh CASE PATH_TO_VALOR
# Each case checks exit statuses and the words a user relies on in the output.
set -uo pipefail
case_name=$1
valor=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }
# run_valor EXPECTED_STATUS ARGS... : runs valor, keeps stdout/stderr in out.txt/err.txt.
run_valor() {
  local want=$1; shift
  "$valor" "$@" >out.txt 2>err.txt
  local got=$?
  [ "$got" -eq "$want" ] || { cat out.txt err.txt >&2; fail "valor $* exited $got, expected $want"; }
}
expect_in() {  # expect_in FILE TEXT
  grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "expected '$2' in $1"; }
}

case "$case_name" in
  help)
    run_valor 0 --help
    for word in demo train sweep config; do expect_in out.txt "$word"; done
    for cmd in demo train sweep plot version "config show" "config list"; do
      run_valor 0 $cmd --help
      expect_in out.txt "Usage"
    done
    ;;
  usage_errors)
    run_valor 2
    run_valor 2 no-such-command
    run_valor 2 config show cartpole-dqn --no-such-flag
    run_valor 2 config show no-such-preset
    expect_in err.txt "unknown preset 'no-such-preset'"
    expect_in err.txt "cartpole-dqn"
    ;;
  version)
    run_valor 0 version
    expect_in out.txt "valor 0."
    expect_in out.txt "LibTorch 1."
    expect_in out.txt "BLAS OpenBLAS"
    expect_in out.txt "intra-op 1"
    ;;
  torch_free)
    # The front end links no LibTorch; the commands that train run in valor-torch beside it.
    if ldd "$valor" | grep -E 'libtorch|libc10' >&2; then fail "valor links LibTorch"; fi
    # (the list is read whole: `ldd | grep -q` can fail under pipefail when grep stops early)
    torch_side_libs=$(ldd "$(dirname "$valor")/valor-torch")
    grep -q libtorch <<< "$torch_side_libs" || fail "valor-torch lacks LibTorch"
    run_valor 0 env list
    expect_in out.txt "breakout"
    run_valor 0 train --help
    expect_in out.txt "valor train"
    expect_in out.txt "--resume"
    run_valor 0 --help
    for word in demo train sweep env solve rank; do expect_in out.txt "$word"; done
    # Without valor-torch beside it, the torch-free commands still work and the others say why.
    cp "$valor" ./valor-alone
    valor=./valor-alone
    run_valor 0 config list
    run_valor 1 train cartpole-dqn
    expect_in err.txt "needs valor's LibTorch side"
    expect_in err.txt "valor-torch"
    run_valor 1 version
    expect_in out.txt "valor 0."
    expect_in err.txt "valor-torch"
    ;;
  config_unknown_key)
    run_valor 2 config show cartpole-dqn --set no.such.key=1
    expect_in err.txt "no.such.key"
    expect_in err.txt "closest valid keys"
    run_valor 2 config show cartpole-dqn --set value.bins=1
    expect_in err.txt "value.bins"
    expect_in err.txt "an integer in [2, 100000]"
    printf '[value]\nbins = 21\nbinz = 3\n' > user.toml
    run_valor 2 config show cartpole-dqn --config user.toml
    expect_in err.txt "user.toml:3"
    expect_in err.txt "value.bins"
    run_valor 2 config show --config missing.toml
    expect_in err.txt "missing.toml"
    ;;
  config_show)
    run_valor 0 config list
    for p in cartpole-dqn minatar-dqn minatar-hlgauss minatar-twohot minatar-c51 minatar-qr; do
      expect_in out.txt "$p"
    done
    run_valor 0 config show cartpole-dqn --set value.bins=21 --set run.seed=4
    expect_in out.txt "[value]"
    expect_in out.txt "bins = 21  # set by --set value.bins=21"
    expect_in out.txt "# Seed from which"
    expect_in out.txt "v_min = 0.0  # set by configs/cartpole-dqn.toml:"
    # The printed configuration is itself a valid configuration file that resolves the same.
    cp out.txt resolved.toml
    run_valor 0 config show --config resolved.toml
    grep -v '^#' resolved.toml | sed 's/  # set by.*//' > a.txt
    grep -v '^#' out.txt | sed 's/  # set by.*//' > b.txt
    diff a.txt b.txt >&2 || fail "config show output does not round-trip"
    ;;
  train)
    small="--set train.frames=1200 --set train.learning_starts=200 --set train.log_every_frames=200
           --set train.checkpoint_every_frames=400 --set eval.every_frames=400 --set eval.episodes=2"
    run_valor 0 train cartpole-dqn --out r $small
    for f in config.toml metrics.csv log.txt summary.json; do [ -s "r/$f" ] || fail "missing r/$f"; done
    expect_in r/summary.json '"complete": true'
    expect_in r/summary.json '"final_return_mean"'
    expect_in r/summary.json '"frames_per_second"'
    expect_in r/metrics.csv "frames,episodes,updates,train_return,train_return_100,loss,epsilon,eval_return,frames_per_second"
    [ "$(wc -l < r/metrics.csv)" -eq 7 ] || fail "expected 6 metric rows"
    ls r/checkpoints/ckpt-*.bin > /dev/null || fail "no checkpoint"
    # A finished run resumes to nothing new; a longer budget continues it.
    cp r/metrics.csv before.csv
    run_valor 0 train --resume r
    diff before.csv r/metrics.csv >&2 || fail "resuming a finished run changed its metrics"
    run_valor 0 train --resume r --set train.frames=1600
    [ "$(wc -l < r/metrics.csv)" -eq 9 ] || fail "extending the run did not add 2 rows"
    # Bad input.
    run_valor 2 train --resume r --set train.gamma=0.5
    expect_in err.txt "belongs to another configuration"
    expect_in err.txt "train.gamma"
    run_valor 2 train --resume nowhere
    expect_in err.txt "nowhere"
    run_valor 2 train cartpole-dqn --out r $small
    expect_in err.txt "already holds a run"
    run_valor 2 train cartpole-dqn --set value.head=gauss
    expect_in err.txt "hl_gauss"
    run_valor 2 train no-such-preset
    expect_in err.txt "unknown preset"
    run_valor 2 train
    expect_in err.txt "needs a preset"
    run_valor 2 train cartpole-dqn --set env.name=pong
    expect_in err.txt "env.name"
    # A value range that cannot hold the returns trains, with a warning in the log.
    run_valor 0 train cartpole-dqn --out narrow $small --set value.head=two_hot --set value.v_max=2 --quiet
    expect_in narrow/log.txt "cannot hold the bootstrapped targets"
    expect_in narrow/summary.json '"outside_support"'
    # Nothing valor did not write is overwritten.
    mkdir -p other && echo keep > other/notes.txt
    run_valor 2 train cartpole-dqn --out other $small
    expect_in err.txt "holds other files (notes.txt)"
    [ "$(cat other/notes.txt)" = keep ] || fail "--out changed a file it did not write"
    [ ! -e other/config.toml ] || fail "--out wrote into a foreign folder"
    # A run has one writer: a second --resume while the first runs is refused with its pid.
    "$valor" train --resume r --set train.frames=400000 --quiet >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 400); do grep -qx "$pid" r/.lock 2>/dev/null && break; sleep 0.05; done
    run_valor 2 train --resume r --set train.frames=400000
    expect_in err.txt "in use by another writer (process $pid)"
    kill -TERM "$pid"
    wait "$pid"
    [ $? -eq 130 ] || fail "the first writer did not stop with a checkpoint (status 130)"
    ;;
  train_kill_resume)
    # SIGKILL at an arbitrary moment, then --resume: the metrics equal an uninterrupted run's
    # (all columns but the wall-clock frames_per_second).
    args="cartpole-dqn --set train.frames=6000 --set train.learning_starts=500
          --set train.log_every_frames=250 --set train.checkpoint_every_frames=500
          --set eval.every_frames=1000 --set eval.episodes=2 --set run.seed=3 --quiet"
    run_valor 0 train $args --out ref
    for rows in 6 14; do
      "$valor" train $args --out killed >/dev/null 2>&1 &
      pid=$!
      # Kill once the run has logged some rows: mid-interval, wherever it happens to be.
      for _ in $(seq 1 600); do
        [ "$(cat killed/metrics.csv 2>/dev/null | wc -l)" -ge "$rows" ] && break
        sleep 0.05
      done
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      grep -q '"complete": true' killed/summary.json 2>/dev/null && fail "run finished before the kill; raise train.frames"
      run_valor 0 train --resume killed --quiet
      cut -d, -f1-8 ref/metrics.csv > a.csv
      cut -d, -f1-8 killed/metrics.csv > b.csv
      diff a.csv b.csv >&2 || fail "killed after $rows rows and resumed: metrics differ"
      rm -rf killed
    done
    ;;
  train_seeds)
    # Three seeds in one process (train.seeds, two threads), killed with SIGKILL mid-run and
    # resumed as a group: each seed's metrics equal its run alone.
    args="cartpole-dqn --set train.frames=5000 --set train.learning_starts=500
          --set train.log_every_frames=250 --set train.checkpoint_every_frames=500
          --set eval.every_frames=1000 --set eval.episodes=2 --quiet"
    run_valor 0 train $args --set run.seed=4 --out ref4
    "$valor" train $args --set train.seeds=2-4 --set train.seed_threads=2 --out 'g/s{seed}' \
      >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do
      [ "$(cat g/s4/metrics.csv 2>/dev/null | wc -l)" -ge 8 ] && break
      sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    grep -q '"complete": true' g/s4/summary.json 2>/dev/null && fail "group finished before the kill"
    run_valor 0 train --resume g/s2 g/s3 g/s4 --quiet
    for s in 2 3 4; do
      grep -q "^seed = $s " "g/s$s/config.toml" || fail "g/s$s/config.toml does not hold seed $s"
      grep -q '"complete": true' "g/s$s/summary.json" || fail "seed $s did not complete"
    done
    diff <(cut -d, -f1-8 ref4/metrics.csv) <(cut -d, -f1-8 g/s4/metrics.csv) >&2 ||
      fail "seed 4 of the group differs from seed 4 alone"
    # Bad lists, and a folder that already holds a run, are refused before any folder is made.
    run_valor 2 train cartpole-dqn --set train.seeds=3-1
    expect_in err.txt "train.seeds"
    expect_in err.txt "'3-1' is not a seed or a range"
    run_valor 2 train cartpole-dqn --set train.seeds=3,4 --out 'h{seed}' --set run.name=x \
      --set train.frames=-1
    mkdir -p h4 && cp g/s4/config.toml h4/
    run_valor 2 train cartpole-dqn --set train.seeds=3,4 --out 'h{seed}'
    expect_in err.txt "already holds a run"
    [ ! -e h3 ] || fail "h3 was made although h4 refused the group"
    ;;
  sweep)
    cat > s.toml <<'EOF2'
# A tiny sweep for the tests
[sweep]
name = "tiny"
presets = ["cartpole-dqn"]
heads = ["huber", "c51"]
seeds = [0, 1]
processes = 2
[set]
"train.frames" = 800
"train.learning_starts" = 200
"train.log_every_frames" = 200
"train.checkpoint_every_frames" = 400
"eval.every_frames" = 400
"eval.episodes" = 2
EOF2
    run_valor 0 sweep s.toml --out sw
    expect_in out.txt "| CartPole-v1 | cartpole-dqn | huber | 2 |"
    expect_in out.txt "| CartPole-v1 | cartpole-dqn | c51 | 2 |"
    expect_in out.txt "report: sw/report.md"
    [ -s sw/report.md ] || fail "no report"
    [ -s sw/curves-CartPole-v1.png ] || fail "no learning-curve plot"
    expect_in sw/report.md "IQM"
    ls -d sw/runs/*seed1 > /dev/null || fail "no run folders"
    # Finished runs are skipped; an interrupted one is resumed.
    rm sw/runs/cartpole-dqn--CartPole-v1--c51--seed1/summary.json
    run_valor 0 sweep s.toml --out sw
    expect_in out.txt "3 runs were already complete"
    expect_in sw/runs/cartpole-dqn--CartPole-v1--c51--seed1/log.txt "resumed from"
    run_valor 0 sweep s.toml --out sw --report-only
    # With the seeds of a cell sharing processes, every run is the same, bit for bit.
    run_valor 0 sweep s.toml --out grouped --group-seeds
    expect_in out.txt "(seeds grouped)"
    for run in sw/runs/*; do
      diff <(cut -d, -f1-8 "$run/metrics.csv") \
        <(cut -d, -f1-8 "grouped/runs/$(basename "$run")/metrics.csv") >&2 ||
        fail "$(basename "$run") differs when its cell's seeds share a process"
    done
    # SIGTERM stops the sweep (its runs checkpoint), status 130; the same command continues it.
    "$valor" sweep s.toml --out sw2 > term.txt 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do
      [ "$(cat sw2/runs/*seed0/metrics.csv 2>/dev/null | wc -l)" -ge 2 ] && break
      sleep 0.05
    done
    kill -TERM "$pid"
    wait "$pid"
    status=$?
    [ "$status" -eq 130 ] || { cat term.txt >&2; fail "a stopped sweep exited $status, expected 130"; }
    expect_in term.txt "run the same command again"
    run_valor 0 sweep s.toml --out sw2
    expect_in out.txt "| CartPole-v1 | cartpole-dqn | c51 | 2 |"
    # The built-in demo sweep parses and plans (its runs are not made here).
    run_valor 0 sweep demo --out nothing-yet --report-only
    expect_in out.txt "(3 missing)"
    # Bad sweep files.
    printf '[sweep]\npresets = ["cartpole-dqn"]\nseeds = 2\nsedes = 3\n' > bad.toml
    run_valor 2 sweep bad.toml
    expect_in err.txt "sweep.sedes"
    printf '[sweep]\npresets = ["cartpole-dqn"]\nheads = ["gauss"]\nseeds = 1\n' > bad2.toml
    run_valor 2 sweep bad2.toml
    expect_in err.txt "hl_gauss"
    run_valor 2 sweep no-such-sweep
    expect_in err.txt "no such sweep file"
    ;;
  sweep_kill)
    # Killing a sweep, even with SIGKILL, stops its runs (each checkpoints on the SIGTERM it gets
    # when its parent dies); the same command then completes them.
    cat > s.toml <<'EOF2'
[sweep]
name = "killed"
presets = ["cartpole-dqn"]
heads = ["huber"]
seeds = [0, 1]
processes = 2
[set]
"train.frames" = 20000
"train.learning_starts" = 200
"train.log_every_frames" = 200
"train.checkpoint_every_frames" = 20000
"eval.every_frames" = 0
EOF2
    "$valor" sweep s.toml --out sw > kill.txt 2>&1 &
    pid=$!
    for _ in $(seq 1 1200); do
      n=0
      for m in sw/runs/*/metrics.csv; do [ "$(cat "$m" 2>/dev/null | wc -l)" -ge 2 ] && n=$((n + 1)); done
      [ "$n" -ge 2 ] && break
      sleep 0.05
    done
    [ "$n" -ge 2 ] || { cat kill.txt >&2; fail "the sweep's runs did not start"; }
    children=$(pgrep -P "$pid")
    [ "$(echo "$children" | wc -w)" -eq 2 ] || fail "expected 2 runs under the sweep, got: $children"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    alive() { [ -e "/proc/$1" ] && ! grep -qE '^[0-9]+ \(.*\) Z' "/proc/$1/stat" 2>/dev/null; }
    for _ in $(seq 1 200); do
      left=""
      for c in $children; do alive "$c" && left="$left $c"; done
      [ -z "$left" ] && break
      sleep 0.05
    done
    [ -z "$left" ] || { kill -KILL $left; fail "runs outlived their killed sweep:$left"; }
    for r in sw/runs/*; do
      ls "$r"/checkpoints/ckpt-*.bin > /dev/null 2>&1 || fail "$r: no checkpoint after the kill"
      grep -q '"complete": true' "$r/summary.json" 2>/dev/null &&
        fail "$r finished before the kill (make the runs longer)"
    done
    # The same command completes both runs from their checkpoints.
    run_valor 0 sweep s.toml --out sw
    expect_in out.txt "| CartPole-v1 | cartpole-dqn | huber | 2 |"
    for r in sw/runs/*; do expect_in "$r/log.txt" "resumed from"; done
    ;;
  demo)
    run_valor 0 demo --help
    expect_in out.txt "CartPole"
    ;;
  plot)
    for seed in 0 1; do
      run_valor 0 train cartpole-dqn --out "d/s$seed" --set run.seed=$seed --set train.frames=600 \
        --set train.learning_starts=100 --set train.log_every_frames=100 \
        --set train.checkpoint_every_frames=300 --set eval.every_frames=0 --quiet
    done
    run_valor 0 plot d --metric train_return_100 --out curves/ret.png
    [ -s curves/ret.png ] || fail "no PNG written"
    expect_in out.txt "2 runs plotted"
    run_valor 0 plot d/s0 d/s1 --metric loss --out loss.png
    [ -s loss.png ] || fail "no PNG written"
    run_valor 2 plot d --metric no_such_metric --out x.png
    expect_in err.txt "no_such_metric"
    expect_in err.txt "train_return"
    run_valor 2 plot nowhere
    expect_in err.txt "nowhere"
    # Without gnuplot on PATH the message says how to install it.
    PATH=/nonexistent run_valor 1 plot d --metric loss --out y.png
    expect_in err.txt "apt-get install gnuplot-nox"
    ;;
  env)
    run_valor 0 env list
    for name in asterix breakout freeway seaquest space_invaders; do expect_in out.txt "$name"; done
    expect_in out.txt "4x10x10"
    run_valor 0 env play breakout --seed 3 --episodes 2
    expect_in out.txt "episode    2: return"
    expect_in out.txt "mean return over 2 episodes"
    cp out.txt first.txt
    run_valor 0 env play breakout --seed 3 --episodes 2
    diff first.txt out.txt >&2 || fail "env play is not deterministic for a seed"
    run_valor 0 env render space_invaders --seed 1 --steps 3 --minimal-actions
    expect_in out.txt "step 3 action"
    run_valor 2 env play pong
    expect_in err.txt "unknown environment 'pong'"
    expect_in err.txt "seaquest"
    run_valor 2 env play breakout --sticky 1.5
    expect_in err.txt "sticky"
    run_valor 2 env play breakout --episodes 0
    run_valor 2 env play CartPole-v1 --sticky 0.2
    expect_in err.txt "MinAtar games only"
    # Gridworlds from ASCII map files.
    printf 'S..\n.#G\n' > good.txt
    run_valor 0 env play gridworld:good.txt --episodes 3 --seed 1
    expect_in out.txt "mean return over 3 episodes"
    printf 'S..\n.xG\n' > bad.txt
    run_valor 2 env play gridworld:bad.txt
    expect_in err.txt "bad.txt:2:2"
    printf 'S.#\n.#G\n' > walled.txt
    run_valor 2 env render gridworld:walled.txt
    expect_in err.txt "walled.txt"
    run_valor 2 env play gridworld:missing.txt
    expect_in err.txt "missing.txt"
    run_valor 0 env play CartPole-v1 --episodes 2
    run_valor 0 env render cliff --steps 2
    ;;
  harden)
    # Inputs a careful user tried (issue 23): each is refused with a located message and exit 2.
    # Numbers: an overflowing integer, a negative unsigned one, nan and inf.
    run_valor 2 env play breakout --seed 99999999999999999999999
    expect_in err.txt "out of range"
    run_valor 2 env play breakout --seed -1
    expect_in err.txt "--seed"
    run_valor 2 bench env --names breakout --seconds nan
    expect_in err.txt "not a finite number"
    run_valor 2 solve cliff --gamma inf
    expect_in err.txt "--gamma"
    run_valor 0 env play breakout --seed 4294967295 --episodes 1
    # A folder given as --config is not an empty configuration.
    mkdir confdir
    run_valor 2 config show cartpole-dqn --config confdir
    expect_in err.txt "confdir"
    expect_in err.txt "is a directory"
    run_valor 2 train cartpole-dqn --config confdir --out never
    [ ! -e never ] || fail "a run folder was made for a refused configuration"
    # --out / is a folder valor did not make: refused before anything is written.
    run_valor 2 train cartpole-dqn --out / --set train.frames=100
    expect_in err.txt "holds other files"
    [ ! -e /config.toml ] || fail "a run was written into /"
    # config show applies the checks train applies across keys.
    run_valor 2 config show cartpole-dqn --set value.v_min=5 --set value.v_max=1
    expect_in err.txt "value.v_min"
    run_valor 2 config show cartpole-dqn --set train.frames=1001 --set train.num_envs=2
    expect_in err.txt "multiple of train.num_envs"
    run_valor 2 config show cartpole-dqn --set network.kind=minatar_conv
    expect_in err.txt "minatar_conv"
    run_valor 2 config show cartpole-dqn --set train.seeds=3-1
    expect_in err.txt "train.seeds"
    # A sweep cannot set what its grid sets for every run.
    printf '[sweep]\npresets = ["cartpole-dqn"]\nseeds = 2\n[set]\nrun.seed = 7\n' > s.toml
    run_valor 2 sweep s.toml --out sw
    expect_in err.txt "s.toml"
    expect_in err.txt "set.run.seed"
    # The Slurm backend without Slurm: exit 1, saying what was tried (issue 21).
    printf '[sweep]\npresets = ["cartpole-dqn"]\nseeds = 1\n[set]\ntrain.frames = 1000\n' > one.toml
    PATH=/nonexistent run_valor 1 sweep one.toml --out on-slurm --backend slurm
    expect_in err.txt "cannot run 'sbatch'"
    expect_in err.txt "not found on PATH"
    # Malformed golden values are malformed (2), not mismatches (1).
    golden=${VALOR_TESTDATA_DIR:?}/golden
    head -n 1 "$golden/minatar/breakout.jsonl" | sed 's/"seed":1,/"seed":-1,/' > neg.jsonl
    run_valor 2 env check-golden neg.jsonl
    expect_in err.txt "neg.jsonl:1: malformed golden line: field 'seed'"
    head -n 1 "$golden/minatar/breakout.jsonl" | sed 's/"channels":4,/"channels":1000000000,/' \
      > chan.jsonl
    run_valor 2 env check-golden chan.jsonl
    expect_in err.txt "field 'channels'"
    # plot --out never replaces what valor did not write; a title may start with a quote.
    run_valor 0 train cartpole-dqn --out r0 --set train.frames=300 --set train.learning_starts=100 \
      --set train.log_every_frames=100 --set train.checkpoint_every_frames=300 --quiet
    cp r0/metrics.csv metrics.before
    run_valor 2 plot r0 --out r0/metrics.csv
    expect_in err.txt "r0/metrics.csv"
    expect_in err.txt "not a PNG"
    cmp -s metrics.before r0/metrics.csv || fail "plot --out replaced the run's metrics"
    run_valor 2 plot r0 --out r0
    expect_in err.txt "is a folder"
    run_valor 0 plot r0 --out r0/ret.png --title "'quoted' title"
    run_valor 0 plot r0 --out r0/ret.png --title "it's \\ \"fine\""
    [ "$(head -c 4 r0/ret.png | tail -c 3)" = "PNG" ] || fail "no PNG written"
    ;;
  check_golden)
    golden=${VALOR_TESTDATA_DIR:?}/golden
    run_valor 0 env check-golden "$golden/minatar/breakout.jsonl" "$golden/minatar/freeway.jsonl"
    expect_in out.txt "checked 12 trajectories, 36000 steps, 0 mismatches"
    # A golden file it has never seen (other seeds), then one with an edited reward.
    testdata=${VALOR_SOURCE_DIR:?}/valor/env/testdata
    run_valor 0 env check-golden "$testdata/minatar_seaquest_unseen.jsonl"
    expect_in out.txt "checked 2 trajectories, 3000 steps, 0 mismatches"
    head -n 1 "$golden/minatar/asterix.jsonl" | sed 's/"r":0.0/"r":1.0/' > edited.jsonl
    run_valor 1 env check-golden edited.jsonl
    expect_in out.txt "1 mismatches"
    expect_in out.txt "first mismatch: edited.jsonl:1: step 0: field r"
    { head -n 1 "$golden/minatar/asterix.jsonl"; echo '{"game": "asterix", "seed": '; } > bad.jsonl
    run_valor 2 env check-golden bad.jsonl
    expect_in err.txt "bad.jsonl:2: malformed golden line"
    ;;
  solve)
    run_valor 0 solve cliff --gamma 1
    expect_in out.txt "objective (expected return from the initial distribution): -13"
    expect_in out.txt "^CCCCCCCCCCG"
    expect_in out.txt "mean -13  sd 0"
    run_valor 0 solve russell-norvig-4x3 --gamma 0.99 --format json
    expect_in out.txt '"values"'
    expect_in out.txt '"policy"'
    expect_in out.txt '"objective"'
    expect_in out.txt '"certified": true'
    run_valor 0 solve chain --gamma 0.9
    expect_in out.txt "categorical fixed point"
    printf 'S..\n.#G\n' > map.txt
    run_valor 0 solve map.txt --gamma 0.9
    expect_in out.txt "objective (expected return from the initial distribution): 0.81"
    run_valor 0 solve map.txt --gamma 1
    expect_in out.txt "no episode of the greedy policy ends"
    run_valor 0 solve map.txt --gamma 1 --format json
    run_valor 0 solve gridworld-4x4 --gamma 1 --objective cvar:0.2 --horizon 20
    expect_in out.txt "optimal CVaR"
    # Bad input: alpha outside (0, 1], gamma 1 without a terminal state, maps without a start
    # or with an unreachable goal, rows that do not sum to 1 are caught by the model's validation.
    run_valor 2 solve gridworld-4x4 --gamma 1 --objective cvar:0
    expect_in err.txt "ALPHA must be a number in (0, 1]"
    run_valor 2 solve gridworld-4x4 --gamma 1 --objective cvar:1.5
    run_valor 2 solve garnet --gamma 1
    expect_in err.txt "needs a terminal state reachable"
    printf '...\n.#G\n' > nostart.txt
    run_valor 2 solve nostart.txt
    expect_in err.txt "nostart.txt"
    printf 'S.#\n.#G\n' > walled.txt
    run_valor 2 solve walled.txt
    expect_in err.txt "walled.txt"
    run_valor 2 solve no-such-mdp
    expect_in err.txt "neither a tabular environment"
    run_valor 2 solve chain --gamma 1.5
    # Expected utility of the return: deterministic map, goal +1, so E[u(G)] = u(1).
    run_valor 0 solve gridworld-4x4 --gamma 1 --objective 'utility:-exp(-2*x)' --horizon 20
    expect_in out.txt "optimal expected utility -0.135335"
    run_valor 0 solve gridworld-4x4 --gamma 1 --objective 'utility:x' --format json
    expect_in out.txt '"objective": 1.0'
    run_valor 2 solve gridworld-4x4 --gamma 1 --objective 'utility:foo(x'
    expect_in err.txt "cannot parse the utility"
    run_valor 2 solve gridworld-4x4 --gamma 0.9 --objective 'utility:x'
    expect_in err.txt "use --gamma 1"
    run_valor 0 solve compare-td gridworld-4x4 --seeds 2 --steps 3000 --noise 0,2 --out ctd
    expect_in out.txt "| c51 | 2 |"
    [ -s ctd/report.md ] && [ -s ctd/max_error-noise2.png ] || fail "compare-td wrote no report"
    run_valor 2 solve compare-td gridworld-4x4 --noise 0,-1 --out ctd2
    ;;
  solve_robust)
    # Issue 22. The answer is always printed; a summary that cannot be computed says why.
    run_valor 0 solve russell-norvig-4x3 --gamma 1
    expect_in out.txt "objective (expected return from the initial distribution): 0.745308"
    expect_in out.txt "return distribution: not computed: exact_return_distribution: the reward -0.04"
    run_valor 0 solve russell-norvig-4x3 --gamma 1 --no-distribution
    grep -q "return distribution" out.txt && fail "--no-distribution printed a distribution"
    run_valor 0 solve garnet --gamma 0.9999
    expect_in out.txt "objective (expected return from the initial distribution): 7993.46"
    expect_in out.txt "return distribution: not computed: categorical_policy_evaluation: no convergence"
    # Unreachable states: a walled-in cost cell is left out (and said so) at gamma 1.
    printf 'S..G\n####\n#5##\n' > walled-cost.txt
    run_valor 0 solve walled-cost.txt --gamma 1
    expect_in out.txt "solved on the 4 states reachable from the initial distribution; 1 unreachable: (2,1)"
    expect_in out.txt "unreach"
    expect_in out.txt "note: the greedy policy never reaches a terminal state from (0,0), (0,1), (0,2)"
    run_valor 0 solve walled-cost.txt --gamma 1 --format json
    expect_in out.txt '"unreachable_states"'
    expect_in out.txt 'null'
    # A reward cycle at gamma 1 is named at once.
    run_valor 2 solve walled-cost.txt --gamma 1 --step-reward 1
    expect_in err.txt "loops for ever through"
    # CVaR on the risk map (its header sets slip 0.1 and step reward -3): the optimum and b of the
    # independent Python reference (tools/bench-cvar-python.py).
    risk=${VALOR_SOURCE_DIR:?}/testdata/maps/risk.txt
    run_valor 0 solve "$risk" --gamma 1 --objective cvar:0.02 --horizon 25
    expect_in out.txt "optimal CVaR -59.4406 (dual maximiser b = -56"
    expect_in out.txt "solved on the 2576 reachable (step, state, stock) triples"
    run_valor 0 solve "$risk" --gamma 1 --objective cvar:0.02 --horizon 25 --format json
    expect_in out.txt '"layout": "the action at step t'
    # The command line replaces the header's options: without slip, the far start walks the top
    # row for -3 * 8 + 1.
    run_valor 0 solve "$risk" --gamma 1 --slip 0 --objective cvar:0.02 --horizon 25
    expect_in out.txt "optimal CVaR -23 "
    run_valor 0 solve cliff --gamma 1 --objective cvar:0.1
    expect_in out.txt "optimal CVaR -13 "
    # Too large for the memory allowed: refused by the forward pass, with the size it found.
    run_valor 2 solve cliff --gamma 1 --objective cvar:0.1 --horizon 100000 --max-memory 64
    expect_in err.txt "reachable (step, state, stock) triples, whose tables need"
    expect_in err.txt "more than the limit of 64.0 MiB"
    # Utilities: expressions in x only; evaluated at attainable returns only.
    run_valor 2 solve gridworld-4x4 --gamma 1 --objective 'utility:x=3'
    expect_in err.txt "assigns to a variable"
    run_valor 2 solve gridworld-4x4 --gamma 1 --objective 'utility:x,x'
    expect_in err.txt "2 comma-separated expressions"
    run_valor 2 solve gridworld-4x4 --gamma 1 --objective 'utility:x+y'
    expect_in err.txt "unknown variable 'y'"
    run_valor 0 solve gridworld-4x4 --gamma 1 --objective 'utility:log(x+2)' --horizon 20
    expect_in out.txt "optimal expected utility 1.09861"
    run_valor 2 solve cliff --gamma 1 --objective 'utility:-exp(-0.5*x)' --horizon 15
    expect_in err.txt "u(-1500) = -inf is not finite, and -1500 is a return that the MDP can reach"
    # Gamma-1 return statistics say they are conditional on finishing within the horizon.
    run_valor 0 solve frozen-lake-4x4 --gamma 1 --format json
    expect_in out.txt '"conditional_on_finishing_within": 100'
    # A cliff leads to every start: this start's only way out is the cliff.
    printf 'step_reward = -1\nS#G\nC#.\nS..\n' > two-starts.txt
    run_valor 0 solve two-starts.txt --gamma 1
    expect_in out.txt " -202.000 "
    run_valor 2 solve two-starts.txt --gamma 1 --wind 3
    run_valor 2 solve chain --gamma 0.9 --slip 0.1
    expect_in err.txt "apply to gridworlds only"
    ;;
  az)
    run_valor 0 --help
    expect_in out.txt "az"
    run_valor 0 az train --help
    expect_in out.txt "--value-head"
    run_valor 0 az train --iterations 2 --games 2 --steps 2 --simulations 4 --checkpoint ck/ttt.pt
    expect_in out.txt "iteration 2 games 2"
    grep -Eq "^iteration 1 .* eta [0-9.]+(s|m[0-9]+s) cpu " out.txt || fail "no ETA in the progress line"
    grep -Eq "^iteration 2 .* eta 0\.0s cpu " out.txt || fail "the last iteration's ETA is not 0"
    [ -f ck/ttt.pt ] || fail "no checkpoint"
    run_valor 0 az train --iterations 3 --games 2 --steps 2 --simulations 4 --checkpoint ck/ttt.pt \
      --resume
    expect_in out.txt "iteration 3 games 2"
    grep -q "iteration 1 " out.txt && fail "resume started over"
    # --resume continues with the checkpoint's training options: a resume without those flags
    # plays the stored 2 games an iteration (not the default 16), as the uninterrupted run does.
    run_valor 0 az train --iterations 3 --games 2 --steps 2 --simulations 4 --lr 0.002 \
      --checkpoint ck/full.pt
    grep "^iteration 3 " out.txt | sed 's/ time .*//' > full3.txt
    [ -s full3.txt ] || fail "no iteration 3 line"
    run_valor 0 az train --iterations 2 --games 2 --steps 2 --simulations 4 --lr 0.002 \
      --checkpoint ck/part.pt --quiet
    run_valor 0 az train --iterations 3 --checkpoint ck/part.pt --resume
    grep "^iteration 3 " out.txt | sed 's/ time .*//' > part3.txt
    cmp full3.txt part3.txt || fail "a resume without flags did not continue with the stored options"
    run_valor 0 az train --iterations 4 --checkpoint ck/part.pt --resume --lr 0.001
    expect_in err.txt "az.learning_rate: the checkpoint trained with 0.002, --lr continues with 0.001"
    expect_in out.txt "iteration 4 games 2"
    # Snapshots every 2 iterations beside the checkpoint; they load as checkpoints.
    run_valor 0 az train --iterations 4 --games 2 --steps 2 --simulations 4 --checkpoint ck/s.pt \
      --snapshot-every 2 --quiet
    [ -f ck/s.iter000002.pt ] && [ -f ck/s.iter000004.pt ] || fail "snapshots missing"
    [ -f ck/s.iter000001.pt ] && fail "a snapshot off the period"
    run_valor 0 game match az:ck/s.iter000002.pt random --game tictactoe --games 2
    run_valor 2 az train --iterations 1 --snapshot-every 2
    expect_in err.txt "--snapshot-every needs --checkpoint"
    run_valor 2 az train --iterations 1 --snapshot-every -1 --checkpoint ck/x.pt
    expect_in err.txt "--snapshot-every must be >= 0"
    run_valor 0 az train --game connect4 --iterations 1 --games 1 --steps 1 --simulations 2 \
      --value-head hl_gauss --quiet
    run_valor 0 az train --game connect4 --iterations 1 --games 3 --steps 1 --simulations 8 \
      --parallel-games 2 --leaf-batch 4
    expect_in out.txt "iteration 1 games 3"
    run_valor 2 az train --leaf-batch 0
    expect_in err.txt "az.leaf_batch (--leaf-batch) must be in [1, 4096], got 0"
    run_valor 2 az train --parallel-games 0
    expect_in err.txt "az.parallel_games (--parallel-games) must be in [1, 4096], got 0"
    run_valor 2 az train --game chess
    expect_in err.txt "accepted: connect4, tictactoe"
    run_valor 2 az train --resume
    expect_in err.txt "--resume needs --checkpoint"
    # A finished run's checkpoint is never overwritten by a fresh start.
    cp ck/ttt.pt kept.pt
    run_valor 2 az train --iterations 1 --games 2 --steps 2 --simulations 4 --checkpoint ck/ttt.pt
    expect_in err.txt "--checkpoint ck/ttt.pt exists: add --resume"
    cmp ck/ttt.pt kept.pt || fail "the checkpoint was overwritten"
    # The conv trunk; --resume takes the network from the checkpoint, a differing flag is named.
    run_valor 2 az train --trunk resnet
    expect_in err.txt "az.trunk must be one of mlp, conv; got 'resnet'"
    run_valor 0 az train --trunk conv --channels 4 --blocks 1 --iterations 1 --games 1 --steps 1 \
      --simulations 2 --checkpoint ck/conv.pt
    run_valor 0 az train --iterations 2 --games 1 --steps 1 --simulations 2 \
      --checkpoint ck/conv.pt --resume
    expect_in out.txt "iteration 2 games 1"
    run_valor 2 az train --iterations 3 --checkpoint ck/conv.pt --resume --channels 8
    expect_in err.txt "az.channels: the checkpoint has '4', these options give '8'"
    run_valor 2 az train --iterations 3 --checkpoint ck/conv.pt --resume --trunk mlp
    expect_in err.txt "az.trunk: the checkpoint has 'conv', these options give 'mlp'"
    run_valor 2 az train --iterations 3 --checkpoint ck/ttt.pt --resume --hidden 32
    expect_in err.txt "az.hidden: the checkpoint has '64 64', these options give '32'"
    ;;
  az_eval)
    run_valor 0 az train --iterations 2 --games 2 --steps 2 --simulations 4 --checkpoint ttt.pt \
      --quiet
    # Network agents: the front end hands these to valor-torch.
    run_valor 0 game match az:ttt.pt random --game tictactoe --games 2 --seed 1
    expect_in out.txt "tictactoe: az:ttt.pt vs random, 2 games"
    run_valor 0 game match az:ttt.pt:8 solver --game tictactoe --games 2 --format json
    expect_in out.txt '"losses":'
    expect_in out.txt '"wins":0'
    printf '5\n' | "$valor" game play tictactoe --agent=az:ttt.pt:4 \
      > out.txt 2> err.txt || { cat err.txt >&2; fail "game play with az"; }
    expect_in out.txt "az:ttt.pt:4 plays cell"
    run_valor 2 game match az:missing.pt random --game tictactoe
    expect_in err.txt "agent 'az:missing.pt': missing.pt: no such checkpoint file"
    run_valor 2 game match az:ttt.pt random --game connect4
    expect_in err.txt "the checkpoint's network plays tictactoe, not connect4"
    run_valor 2 game match az:ttt.pt:0 random --game tictactoe
    expect_in err.txt "SIMS must be in [1, 10000000]"
    run_valor 2 game match az: random --game tictactoe
    expect_in err.txt "names no checkpoint"
    # Evaluation against labelled positions.
    run_valor 0 game positions --game tictactoe --stones 2-6 --count 60 --seed 2 --out set.txt
    run_valor 0 az eval ttt.pt set.txt --sims 2,8 --bucket-width 3
    expect_in out.txt "60 tictactoe positions"
    expect_in out.txt "gumbel:8"
    expect_in out.txt "puct:2"
    expect_in out.txt "2-4"
    run_valor 0 az eval ttt.pt set.txt --sims 4 --search puct --format json
    expect_in out.txt '"puct:4"'
    expect_in out.txt '"ci95"'
    grep -q gumbel out.txt && fail "--search puct still ran gumbel"
    # --json writes the same document beside the text tables, from one evaluation.
    cp out.txt eval.json
    run_valor 0 az eval ttt.pt set.txt --sims 4 --search puct --json both.json
    expect_in out.txt "puct:4"
    python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); a.pop("seconds"); b.pop("seconds"); sys.exit(a != b)' eval.json both.json || fail "--json differs from --format json"
    # az export: the network alone evaluates exactly as its checkpoint, and cannot resume.
    run_valor 0 az export ttt.pt --out net.pt
    expect_in out.txt "net.pt: the network of ttt.pt (tictactoe, iteration 2)"
    [ "$(stat -c %s net.pt)" -lt "$(stat -c %s ttt.pt)" ] || fail "the export is not smaller"
    run_valor 0 az eval net.pt set.txt --sims 4 --search puct --format json
    python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); [d.pop(k) for d in (a,b) for k in ("seconds","checkpoint")]; sys.exit(a != b)' eval.json out.txt || fail "the exported network evaluates differently"
    run_valor 0 game match az:net.pt random --game tictactoe --games 2 --seed 1
    run_valor 2 az train --iterations 3 --games 2 --steps 2 --simulations 4 --checkpoint net.pt \
      --resume
    expect_in err.txt "holds a network only (valor az export)"
    run_valor 2 az export ttt.pt --out ./ttt.pt
    expect_in err.txt "is the checkpoint itself"
    run_valor 2 az export set.txt --out n.pt
    expect_in err.txt "'set.txt' is not a valor az checkpoint"
    run_valor 2 az eval ttt.pt set.txt --sims 4 --json no/such/dir/e.json
    expect_in err.txt "--json no/such/dir/e.json: no directory no/such/dir"
    head -n 3 set.txt > bad.txt
    echo "12 0 - - 0 0 0 0 0 0" >> bad.txt
    run_valor 2 az eval ttt.pt bad.txt
    expect_in err.txt "bad.txt:4: 10 fields; expected 11"
    run_valor 2 az eval ttt.pt set.txt --sims 0
    expect_in err.txt "--sims"
    run_valor 2 az eval missing.pt set.txt
    expect_in err.txt "missing.pt: no such checkpoint file"
    run_valor 2 az eval set.txt set.txt
    expect_in err.txt "'set.txt' is not a valor az checkpoint"
    # A ladder: round-robin games as comparisons that valor rank reads, rated on the Elo scale.
    run_valor 0 az ladder ttt.pt --anchor random --anchor solver --games 4 --sims 4 --out ladder.csv
    expect_in out.txt "az:ttt.pt:4 vs random: "
    expect_in out.txt "Bradley-Terry ratings (Elo scale"
    [ "$(grep -c . ladder.csv)" -eq 13 ] || fail "not 12 games in ladder.csv"
    run_valor 0 rank ladder.csv --firth
    expect_in out.txt "from 12 comparisons of 3 items"
    run_valor 2 az ladder ttt.pt --games 4 --out l.csv
    expect_in err.txt "two players at least"
    run_valor 2 az ladder ttt.pt --anchor random --games 3 --out l.csv
    expect_in err.txt "--games must be an even number"
    run_valor 2 az ladder ttt.pt --anchor alphazero --out l.csv
    expect_in err.txt "unknown agent 'alphazero'"
    ;;
  game)
    # Scores from Pascal Pons's solver (valor/game/testdata/connect4_pons.txt).
    printf '4147331457711545737257333155\n24622474443645533633377756\n' > c4.txt
    run_valor 0 game solve connect4 c4.txt
    expect_in out.txt "4147331457711545737257333155 7"
    expect_in out.txt "24622474443645533633377756 -8"
    run_valor 0 game solve connect4 --analyze c4.txt
    expect_in out.txt "4147331457711545737257333155 -5 -7 - -5 - 7 -"
    "$valor" game solve connect4 --analyze --format json - < c4.txt > out.txt 2> err.txt \
      || fail "json from stdin"
    expect_in out.txt '{"position":"4147331457711545737257333155","scores":[-5,-7,null,-5,null,7,null]}'
    printf '1\n' | "$valor" game solve tictactoe --analyze > out.txt || fail "tictactoe"
    expect_in out.txt "1 - -2 -2 -2 0 -2 -2 -2 -2"
    printf '5\n' > t.txt
    run_valor 0 game solve tictactoe t.txt
    expect_in out.txt "5 0"
    # Bad input: the file and line, what is accepted, exit 2.
    printf '44\n448\n' > bad.txt
    run_valor 2 game solve connect4 bad.txt
    expect_in err.txt "bad.txt:2: '448': move 3 is '8': Connect Four moves are columns 1-7"
    printf '44\n\n' > empty.txt
    run_valor 2 game solve connect4 empty.txt
    expect_in err.txt "empty.txt:2: empty line"
    printf '1111111\n' > full.txt
    run_valor 2 game solve connect4 full.txt
    expect_in err.txt "full.txt:1: '1111111': move 7: column 1 is already full"
    printf '12121213\n' > won.txt
    run_valor 2 game solve connect4 won.txt
    expect_in err.txt "won.txt:1: '12121213': move 8 (3) comes after the end of the game"
    run_valor 2 game solve chess c4.txt
    expect_in err.txt "unknown game 'chess'; accepted: connect4, tictactoe"
    run_valor 2 game solve connect4 --format xml c4.txt
    # Matches: perfect play never loses; the same seed gives the same games.
    run_valor 0 game match solver random --game tictactoe --games 20 --seed 1
    expect_in out.txt "tictactoe: solver vs random, 20 games"
    expect_in out.txt "0 losses"
    run_valor 0 game match mcts-rollout:400 solver --games 4 --seed 2
    expect_in out.txt "mcts-rollout:400: 0 wins, 4 draws, 0 losses"
    run_valor 0 game match gumbel-rollout:50 random --game connect4 --games 4 --seed 3 --format json
    cp out.txt first.json
    run_valor 0 game match gumbel-rollout:50 random --game connect4 --games 4 --seed 3 --format json
    diff first.json out.txt >&2 || fail "a match is not deterministic for a seed"
    expect_in out.txt '"games":4'
    run_valor 0 game match solver mcts-solver:20 --game connect4 --start 44444433333 --games 2
    # The player to move there wins with perfect play: each agent wins the game it starts.
    expect_in out.txt "solver: 1 wins, 0 draws, 1 losses"
    run_valor 2 game match solver alphazero
    expect_in err.txt "unknown agent 'alphazero'; accepted: random, solver, mcts-rollout:SIMS"
    run_valor 2 game match solver mcts-rollout:0
    expect_in err.txt "SIMS in [1, 10000000]"
    run_valor 2 game match solver random --start 14253
    expect_in err.txt "--start '14253': the game is already over"
    run_valor 2 game match solver random --games 0
    # Play against an agent: moves from a pipe; the solver takes the win a wasted move leaves
    # (X 5 and 4 threaten 6, O 1 and 2 threaten 3; X plays 7, O completes 1-2-3).
    printf '7\n' > moves.txt
    "$valor" game play tictactoe --agent solver --start 5142 < moves.txt > out.txt 2> err.txt \
      || fail "game play"
    expect_in out.txt "tictactoe against solver: you play first"
    expect_in out.txt "solver plays cell 3"
    expect_in out.txt "you lose (514273)"
    printf '5\n' | "$valor" game play tictactoe --agent random --seed 4 > out.txt \
      || fail "game play stopping at the end of input"
    expect_in out.txt "stopped at"
    printf '4\n8\n' > badmove.txt
    "$valor" game play connect4 --agent random < badmove.txt > out.txt 2> err.txt
    [[ $? == 2 ]] || fail "a bad move from a pipe must exit 2"
    expect_in err.txt "stdin:2:"
    expect_in err.txt "columns 1-7"
    ;;
  game_positions)
    # Solver-labelled positions: the labels are the solver's own (game solve --analyze).
    run_valor 0 game positions --game connect4 --stones 26-30 --count 5 --seed 3 --out set/c4.txt
    [ "$(grep -vc '^#' set/c4.txt)" -eq 5 ] || fail "not 5 positions"
    expect_in set/c4.txt "# valor game positions --game connect4 --stones 26-30 --count 5 --seed 3"
    grep -v '^#' set/c4.txt | cut -d' ' -f1 > moves.txt
    run_valor 0 game solve connect4 --analyze moves.txt
    grep -v '^#' set/c4.txt | cut -d' ' -f1,3- | diff - out.txt >&2 || fail "labels differ"
    run_valor 0 game positions --game connect4 --stones 26-30 --count 5 --seed 3
    grep -v '^#' set/c4.txt | diff - <(grep -v '^#' out.txt) >&2 || fail "not deterministic"
    run_valor 0 game positions --game tictactoe --stones 4 --count 20 --seed 1
    [ "$(grep -v '^#' out.txt | cut -d' ' -f1 | awk '{print length($1)}' | sort -u)" = 4 ] \
      || fail "not all with 4 stones"
    run_valor 2 game positions --game tictactoe --stones 3-9 --count 5
    expect_in err.txt "--stones 3-9: expected LO-HI"
    run_valor 2 game positions --stones x-3
    expect_in err.txt "--stones 'x-3'"
    run_valor 2 game positions --game tictactoe --stones 1 --count 20
    expect_in err.txt "no new unfinished tictactoe position with 1 stones"
    ;;
  rank)
    {
      echo "model_a,model_b,winner"
      for i in 1 2 3; do echo "a,b,model_a"; echo "b,c,model_a"; echo "a,c,model_a"; done
      echo "b,a,model_a"; echo "c,b,model_a"; echo "c,a,model_a"; echo "a,b,tie"
    } > battles.csv
    run_valor 0 rank battles.csv
    expect_in out.txt "bt ratings (Elo scale) from 13 comparisons of 3 items"
    expect_in out.txt "log-likelihood "
    expect_in out.txt ", AIC "
    head -n 4 out.txt | tail -n 1 | grep -q "  a  " || { cat out.txt >&2; fail "a is not ranked first"; }
    run_valor 0 rank battles.csv --format json --bootstrap 50 --seed 1 --prior 2
    expect_in out.txt '"ci_low"'
    cp out.txt first.json
    run_valor 0 rank battles.csv --format json --bootstrap 50 --seed 1 --prior 2
    diff first.json out.txt >&2 || fail "bootstrap is not deterministic for a seed"
    run_valor 0 rank battles.csv --model elo --format csv
    expect_in out.txt "rank,item,rating"
    printf 'model_a,model_b,winner\na,b,model_a\na,a,model_b\n' > self.csv
    run_valor 2 rank self.csv
    expect_in err.txt "self.csv:3"
    printf 'model_a,model_b,winner\na,b,model_c\n' > label.csv
    run_valor 2 rank label.csv
    expect_in err.txt "label.csv:2"
    printf 'model_a,model_b,winner\na,b\n' > short.csv
    run_valor 2 rank short.csv
    expect_in err.txt "short.csv:2"
    printf 'model_a,model_b,outcome\na,b,1.5\n' > prob.csv
    run_valor 2 rank prob.csv --col-outcome outcome
    expect_in err.txt "prob.csv:2"
    printf 'model_a,model_b,winner\n' > empty.csv
    run_valor 2 rank empty.csv
    printf 'model_a,model_b,winner\na,b,model_a\nb,a,model_a\nc,d,model_a\nd,c,model_a\n' > split.csv
    run_valor 2 rank split.csv
    expect_in err.txt "--prior"
    run_valor 0 rank split.csv --prior 1
    printf 'model_a,model_b,winner\na,b,model_a\nbad row\nb,a,model_a\n' > skip.csv
    run_valor 0 rank skip.csv --skip-bad
    expect_in out.txt "skipped 1 bad rows"
    run_valor 0 rank check split.csv
    expect_in out.txt "2 connected components"
    run_valor 0 rank check battles.csv
    expect_in out.txt "intransitive triads: 0 of 1"
    run_valor 0 rank suggest split.csv --n 2 --prior 1
    expect_in out.txt "P(a>b)"
    run_valor 2 rank
    # Models other than bt; bootstrap for each is deterministic for a seed.
    run_valor 0 rank battles.csv --model thurstone --bootstrap 20 --seed 3 --format json
    expect_in out.txt '"model": "thurstone"'
    expect_in out.txt '"sigma"'
    cp out.txt th.json
    run_valor 0 rank battles.csv --model thurstone --bootstrap 20 --seed 3 --format json
    diff th.json out.txt >&2 || fail "thurstone bootstrap is not deterministic for a seed"
    run_valor 0 rank battles.csv --model pl --bootstrap 20 --seed 3 --prior 2 --format csv
    expect_in out.txt "rank,item,rating"
    # Rankings for Plackett-Luce: CSV with '>' and top-k '|', JSONL arrays.
    printf 'ranking\na > b > c\nb > a > c\na > c | b\nc > a > b\nb > c\n' > ranks.csv
    run_valor 0 rank ranks.csv --model pl --bootstrap 20 --seed 1 --prior 2
    expect_in out.txt "pl ratings (Elo scale) from 5 rankings of 3 items"
    expect_in out.txt "bootstrap percentile 95% over rankings"
    run_valor 2 rank ranks.csv
    expect_in err.txt "--model pl"
    printf '{"ranking": ["a", "b", "c"]}\n{"ranking": ["c", "b"], "unranked": ["a"]}\n{"ranking": ["b", "a", "c"]}\n{"ranking": ["c", "a"]}\n' > ranks.jsonl
    run_valor 0 rank ranks.jsonl --model pl --format json
    expect_in out.txt '"rankings": 4'
    run_valor 0 rank check ranks.csv --folds 2 --prior 2
    expect_in out.txt "5 rankings of 3 items"
    expect_in out.txt "  pl  "
    printf 'ranking\na > b\nb > c > b\n' > dup.csv
    run_valor 2 rank dup.csv --model pl
    expect_in err.txt "dup.csv:3"
    expect_in err.txt "listed twice"
    printf 'ranking\na > b\nb\nb > a\n' > short_rank.csv
    run_valor 2 rank short_rank.csv --model pl
    expect_in err.txt "short_rank.csv:3"
    run_valor 0 rank short_rank.csv --model pl --skip-bad
    expect_in out.txt "skipped 1 bad rows"
    # Davidson ties.
    run_valor 0 rank battles.csv --ties davidson --format json
    expect_in out.txt '"model": "bt-davidson"'
    expect_in out.txt '"nu"'
    run_valor 2 rank split.csv --ties davidson --prior 1
    expect_in err.txt "no tie"
    run_valor 2 rank battles.csv --model elo --ties davidson
    # Pair totals as weights are counts: the header, the bootstrap and the folds count them.
    printf 'model_a,model_b,winner,count\na,b,model_a,30\na,b,model_b,10\nb,a,model_a,8\nb,a,model_b,22\nb,c,model_a,25\nc,b,model_a,15\na,c,model_a,35\nc,a,model_b,20\nc,a,model_a,5\n' > totals.csv
    run_valor 0 rank totals.csv --col-weight count --bootstrap 30 --seed 2
    expect_in out.txt "from 170 comparisons (9 weighted rows) of 3 items"
    expect_in out.txt "bootstrap percentile 95% over 170 comparisons, 30 replicates, seed 2"
    run_valor 0 rank totals.csv --col-weight count --format json
    expect_in out.txt '"comparisons": 170'
    expect_in out.txt '"deviance"'
    expect_in out.txt '"aic"'
    run_valor 0 rank totals.csv --col-weight count --format csv
    head -n 1 out.txt | grep -q '^# bt ratings' || { cat out.txt >&2; fail "csv comment header"; }
    expect_in out.txt "# log-likelihood "
    run_valor 0 rank totals.csv --col-weight count --format md
    expect_in out.txt "deviance"
    run_valor 0 rank check totals.csv --col-weight count
    expect_in out.txt "170 comparisons (9 weighted rows)"
    expect_in out.txt "over comparisons (weights counted as comparisons)"
    expect_in out.txt "log sigma prior sd 0.25"
    # The order effect, Firth and the covariance (bt only).
    run_valor 0 rank totals.csv --col-weight count --order-effect --covariance cov.csv
    expect_in out.txt "order effect (first position) h = "
    head -n 1 cov.csv | grep -qx 'parameter,a,b,c,(order effect)' || { cat cov.csv >&2; fail "covariance header"; }
    [ "$(wc -l < cov.csv)" -eq 5 ] || { cat cov.csv >&2; fail "covariance rows"; }
    run_valor 2 rank totals.csv --col-weight count --model thurstone --order-effect
    expect_in err.txt "--order-effect is for --model bt"
    run_valor 2 rank totals.csv --firth --prior 1
    expect_in err.txt "--firth"
    printf 'model_a,model_b,winner\na,b,model_a\nb,c,model_a\na,c,model_a\nb,c,model_a\n' > sweep.csv
    run_valor 2 rank sweep.csv
    expect_in err.txt "never loses"
    run_valor 0 rank sweep.csv --firth --format json
    expect_in out.txt '"bias_reduced": true'
    # The matrix and the figures.
    run_valor 0 rank battles.csv --matrix m.csv --scale natural
    head -n 1 m.csv | grep -qx "item,a,b,c" || { cat m.csv >&2; fail "matrix header"; }
    awk -F, 'NR == 2 && $2 != "" { exit 1 } NR == 2 { if ($3 <= 0.5) exit 1 }' m.csv \
      || { cat m.csv >&2; fail "matrix row a"; }
    if command -v gnuplot > /dev/null; then
      run_valor 0 rank battles.csv --bootstrap 20 --prior 2 --plot-dir figs
      for png in figs/win_matrix.png figs/ratings.png; do
        [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] \
          || fail "$png is not a PNG"
      done
    fi
    PATH=/nonexistent run_valor 1 rank battles.csv --plot-dir nofigs
    expect_in err.txt "gnuplot not found"
    # Held-out scores in rank check, deterministic for a seed.
    run_valor 0 rank check battles.csv --folds 3 --seed 2 --prior 2
    expect_in out.txt "held-out (3-fold, seed 2"
    expect_in out.txt "davidson"
    expect_in out.txt "thurstone"
    cp out.txt check1.txt
    run_valor 0 rank check battles.csv --folds 3 --seed 2 --prior 2
    diff check1.txt out.txt >&2 || fail "rank check is not deterministic for a seed"    # Input robustness (issue 23): a named pipe is read once (a second open would block: the
    # timeout turns a hang into a failure), standard input as - or /dev/stdin with the format
    # sniffed or given, missing files and directories are exit 2 with a clear message.
    run_valor 0 rank battles.csv --format csv
    cp out.txt from_file.txt
    mkfifo battles_pipe
    timeout 20 sh -c "cat battles.csv > battles_pipe" &
    timeout 20 "$valor" rank battles_pipe --format csv >out.txt 2>err.txt \
      || { cat err.txt >&2; fail "rank on a named pipe failed or hung"; }
    wait
    diff from_file.txt out.txt >&2 || fail "a named pipe gives other ratings than the file"
    "$valor" rank - --format csv < battles.csv > out.txt 2>err.txt || fail "rank - failed"
    diff from_file.txt out.txt >&2 || fail "rank - gives other ratings than the file"
    cat battles.csv | "$valor" rank /dev/stdin --format csv > out.txt 2>err.txt \
      || { cat err.txt >&2; fail "rank /dev/stdin failed"; }
    diff from_file.txt out.txt >&2 || fail "rank /dev/stdin gives other ratings than the file"
    printf '{"model_a": "a", "model_b": "b", "winner": "model_a"}\n{"model_a": "b", "model_b": "a", "winner": "tie"}\n' > pairs.txt
    "$valor" rank - --format json < pairs.txt > out.txt 2>err.txt || fail "rank - on JSON lines"
    expect_in out.txt '"comparisons": 2'
    "$valor" rank - --input-format csv < pairs.txt > out.txt 2>err.txt && fail "csv was not forced"
    expect_in err.txt "stdin:1: no column 'model_a'"
    run_valor 2 rank pairs.txt
    expect_in err.txt "name the format"
    run_valor 0 rank pairs.txt --input-format jsonl
    run_valor 2 rank no_such_file.csv
    expect_in err.txt "no_such_file.csv: cannot open for reading: No such file or directory"
    mkdir folder.csv
    run_valor 2 rank folder.csv
    expect_in err.txt "folder.csv: is a directory"
    run_valor 2 rank check folder.csv
    expect_in err.txt "is a directory"
    # Empty names, over-long lines and CR-only line ends: located errors, quoted short.
    printf 'model_a,model_b,winner\na,b,model_a\n,b,model_a\n' > noname.csv
    run_valor 2 rank noname.csv
    expect_in err.txt "noname.csv:3: empty item name in column 'model_a'"
    { echo "model_a,model_b,winner"; echo "a,b,model_a"; printf 'a,b,'; head -c 3000000 /dev/zero | tr '\0' x; echo; } > long.csv
    run_valor 2 rank long.csv --max-line-bytes 1000000
    expect_in err.txt "long.csv:3: a line (or quoted CSV record) longer than 1000000 bytes"
    [ "$(wc -c < err.txt)" -lt 1000 ] || fail "the error quotes too much: $(wc -c < err.txt) bytes"
    run_valor 2 rank long.csv
    expect_in err.txt "(3000000 bytes in all)"
    [ "$(wc -c < err.txt)" -lt 1000 ] || fail "the error quotes too much: $(wc -c < err.txt) bytes"
    { echo "model_a,model_b,winner"; for i in $(seq 1 2000); do echo "a,b,model_a"; echo "b,a,model_a"; done; } | tr '\n' '\r' > mac.csv
    run_valor 2 rank mac.csv
    expect_in err.txt "mac.csv:1: the line holds a carriage return"
    [ "$(wc -c < err.txt)" -lt 1000 ] || fail "the error quotes too much: $(wc -c < err.txt) bytes"
    # Above the dense limit for Wald intervals: refused with the options, which then work.
    awk 'BEGIN { print "model_a,model_b,winner"; n = 5001;
                 for (i = 0; i < n; i++) { j = (i + 1) % n; print "m" i ",m" j ",model_a";
                                           print "m" j ",m" i ",model_a" } }' > many.csv
    run_valor 2 rank many.csv
    expect_in err.txt "5001 items"
    expect_in err.txt "--no-intervals"
    run_valor 2 rank battles.csv --no-intervals --bootstrap 5
    run_valor 0 rank many.csv --no-intervals --format csv
    expect_in out.txt "rank,item,rating"
    ;;
  study_regret)
    # Issue 17: the regret-preference study on a tiny configuration (2 MDPs, 1 seed).
    run_valor 0 study regret --out st --preferences 10,40 --mdps 2 --seeds 1 --noise noiseless \
      --iterations 30 --bootstrap 200
    expect_in out.txt "2 MDPs x 1 seeds x 1 noise modes x 2 label models x 2 learning models x 2 preference counts = 16 fits"
    expect_in out.txt "| regret | regret |"
    expect_in out.txt "each model on its own labels: regret/regret - partial/partial"
    [ "$(wc -l < st/cells.csv)" -eq 17 ] || fail "cells.csv should hold 16 cells and a header"
    expect_in st/cells.csv "noise,labels,model,preferences,mdp,seed,scaled_return,near_optimal"
    expect_in st/report.md "## Label noise: noiseless"
    expect_in st/mdps.md "## delivery-1"
    [ -s st/near-optimal-noiseless.png ] || fail "study regret drew no plot"
    # The same options give the same cells, bit for bit.
    run_valor 0 study regret --out st2 --preferences 10,40 --mdps 2 --seeds 1 --noise noiseless \
      --iterations 30 --bootstrap 200
    cmp st/cells.csv st2/cells.csv || fail "the study is not deterministic"
    run_valor 2 study regret --out st3 --noise gaussian
    expect_in err.txt "--noise: unknown label noise 'gaussian' (accepted: noiseless, logistic)"
    run_valor 2 study regret --out st3 --preferences 10,10
    expect_in err.txt "preferences lists 10 twice"
    run_valor 2 study regret --out st3 --reward mlp
    expect_in err.txt "--reward: unknown reward 'mlp' (accepted: linear, tabular)"
    run_valor 2 study regret --out st3 --gamma 1
    expect_in err.txt "gamma must be in [0, 1)"
    run_valor 2 study regret
    ;;
  reward)
    data=$VALOR_TESTDATA_DIR/reward
    # Linear Bradley-Terry on item covariates: the coefficients of the scipy reference.
    run_valor 0 reward fit "$data/covariate_comparisons.csv" --covariates "$data/covariates.csv" \
      --col-weight weight --out lin
    expect_in out.txt "linear Bradley-Terry reward on 3 features from 400 comparisons"
    expect_in out.txt "x1                           0.556560     0.065322"
    for f in config.toml model.json summary.json log.txt; do [ -f lin/$f ] || fail "no lin/$f"; done
    expect_in lin/summary.json '"log_likelihood"'
    # One-hot item indicators (a the reference level) give `valor rank --model bt`'s ratings.
    printf 'model_a,model_b,winner\n' > battles.csv
    for i in 1 2 3; do echo "a,b,model_a"; echo "b,c,model_a"; echo "a,c,model_a"; done >> battles.csv
    printf 'b,a,model_a\nc,b,model_a\nc,a,model_a\na,b,tie\n' >> battles.csv
    printf 'item,is_b,is_c\na,0,0\nb,1,0\nc,0,1\n' > onehot.csv
    run_valor 0 reward fit battles.csv --covariates onehot.csv --out onehot
    run_valor 0 reward score onehot battles.csv --covariates onehot.csv
    cp out.txt linear.csv
    run_valor 0 rank battles.csv --format csv --scale natural
    awk -F, 'NR == FNR { if (FNR > 1) lin[$1] = $2; next }
             /^#/ { next }  # the rank csv: log-likelihood, deviance and AIC as comment lines
             !header++ { next }
             { bt[$2] = $3 }
             END { for (i in bt) { d = (bt[i] - bt["a"]) - lin[i]; if (d < 0) d = -d;
                                   if (d > 1e-6) { print i, d; bad = 1 } }
                   exit bad }' linear.csv out.txt || fail "one-hot linear fit differs from rank bt"
    # Per-comparison features: score (with the centred log-sigmoid per prompt) and eval.
    run_valor 0 reward fit "$data/pair_features.jsonl" --col-outcome outcome --out pairs
    expect_in out.txt "0.842283"
    run_valor 0 reward score pairs "$data/pair_features.jsonl" --col-outcome outcome \
      --col-prompt prompt --reference-quantile 0.5
    expect_in out.txt "comparison,prompt,reward_a,reward_b,p_a,reference_a,transformed_a"
    [ "$(wc -l < out.txt)" -eq 301 ] || fail "score printed $(wc -l < out.txt) lines"
    # A model combined with itself: twice its score, or twice its transformed score.
    run_valor 0 reward score pairs "$data/pair_features.jsonl" --col-outcome outcome --combine pairs
    awk -F, 'NR > 1 { d = $5 - 2 * $2; if (d < 0) d = -d; if (d > 1e-12) bad = 1 } END { exit bad }' \
      out.txt || fail "plain combination is not the sum"
    run_valor 0 reward score pairs "$data/pair_features.jsonl" --col-outcome outcome \
      --col-prompt prompt --reference-quantile 0.25 --combine pairs
    awk -F, 'NR > 1 { d = $10 - 2 * $7; if (d < 0) d = -d; if (d > 1e-12) bad = 1;
                      if ($7 > 0 || $9 > 0) bad = 1 } END { exit bad }' \
      out.txt || fail "transformed combination is not the sum of log-sigmoids"
    run_valor 0 reward eval pairs "$data/pair_features.jsonl" --col-outcome outcome --plot rel.png
    expect_in out.txt "accuracy"
    expect_in out.txt "expected calibration err."
    [ -s rel.png ] || fail "no reliability diagram"
    # Bad input: exit 2 naming the file and the line.
    printf 'winner,a_x,a_y,b_x,b_y\na,1,2,3,4\nb,1,2,3\n' > ragged.csv
    run_valor 2 reward fit ragged.csv --out r1
    expect_in err.txt "ragged.csv:3: 4 fields, but the header has 5"
    [ ! -e r1 ] || fail "a failed fit left its run directory"
    printf 'winner,a_x,b_x\na,1,x\n' > text.csv
    run_valor 2 reward fit text.csv --out r2
    expect_in err.txt "text.csv:2: column 'b_x' is 'x', not a number"
    printf '{"winner":"a","features_a":[1,NaN],"features_b":[1,2]}\n' > nan.jsonl
    run_valor 2 reward fit nan.jsonl --out r3
    expect_in err.txt "nan.jsonl:1"
    printf 'winner,a_x,b_x\na,1,inf\n' > inf.csv
    run_valor 2 reward fit inf.csv --out r4
    expect_in err.txt "inf.csv:2: column 'b_x' is inf; features must be finite"
    printf '{"winner":"a","features_a":[1,2],"features_b":[1,2]}\n{"winner":"b","features_a":[1],"features_b":[1]}\n' > dims.jsonl
    run_valor 2 reward fit dims.jsonl --out r5
    expect_in err.txt "dims.jsonl:2: 'features_a' has 1 values, but the first row has 2"
    printf 'item,is_b\na,0\nb,1\n' > partial.csv
    run_valor 2 reward fit battles.csv --covariates partial.csv --out r6
    expect_in err.txt "names item 'c', which has no row in the covariates"
    printf 'winner\na\nb\n' > labels.csv
    dict="{'descr': '<i8', 'fortran_order': False, 'shape': (2, 1), }"
    { printf '\x93NUMPY\x01\x00\x76\x00'; printf '%s%*s\n' "$dict" $((117 - ${#dict})) ''
      head -c 16 /dev/zero; } > int.npy
    run_valor 2 reward fit labels.csv --npy-a int.npy --npy-b int.npy --out r7
    expect_in err.txt "int.npy: dtype '<i8'; accepted: float64 ('<f8') or float32 ('<f4')"
    run_valor 2 reward eval pairs onehot.csv --covariates onehot.csv
    run_valor 2 reward eval nothing "$data/pair_features.jsonl"
    expect_in err.txt "no such file"
    run_valor 2 reward fit "$data/pair_features.jsonl" --col-outcome outcome --ensemble 3 --out r8
    expect_in err.txt "use them with --model mlp"
    ;;
  reward_resume)
    data=$VALOR_TESTDATA_DIR/reward
    args=(reward fit "$data/pair_features.jsonl" --col-outcome outcome --model mlp --hidden 256 256
          --batch 8 --epochs 40 --patience 100 --validation 0.2 --ensemble 2 --quiet)
    run_valor 0 "${args[@]}" --out whole
    expect_in out.txt "run directory: whole"
    [ "$(wc -l < whole/metrics.csv)" -eq 81 ] || fail "expected 80 epochs in whole/metrics.csv"
    # Interrupted (Ctrl-C) after a few epochs, killed outright later, resumed: the same models.
    "$valor" "${args[@]}" --out part > out.txt 2> err.txt &
    pid=$!
    for _ in $(seq 600); do
      [ -f part/metrics.csv ] && [ "$(wc -l < part/metrics.csv)" -gt 5 ] && break
      sleep 0.05
    done
    kill -INT $pid
    wait $pid
    status=$?
    [ "$status" -eq 130 ] || { cat err.txt >&2; fail "interrupted fit exited $status, expected 130"; }
    expect_in err.txt "valor reward fit --resume part"
    [ ! -f part/model.json ] || fail "an interrupted fit wrote model.json"
    "$valor" reward fit --resume part --quiet > out.txt 2> err.txt &
    pid=$!
    for _ in $(seq 600); do
      [ "$(wc -l < part/metrics.csv)" -gt 50 ] && break
      sleep 0.05
    done
    kill -KILL $pid
    wait $pid
    run_valor 0 reward fit --resume part --quiet
    cmp whole/model.json part/model.json || fail "the resumed model differs from the uninterrupted one"
    diff whole/metrics.csv part/metrics.csv >&2 || fail "the resumed metrics differ"
    run_valor 0 reward eval part "$data/pair_features.jsonl" --col-outcome outcome --rule uwo --lambda 1
    expect_in out.txt "mlp reward model (2 members, score: uwo)"
    ;;
  align)
    run_valor 0 align methods
    for m in dpo cdpo ipo bon; do expect_in out.txt "$m"; done
    run_valor 0 align presets
    expect_in out.txt "dpo"
    # A small DPO run: the run folder, metrics per step (gold, proxy, KL, loss), the summary.
    small="--set data.pairs=400 --set proxy.epochs=2 --set task.pretrain_steps=50"
    run_valor 0 align run dpo $small --set align.steps=40 --set align.eval_every=20 --out dpo
    for f in config.toml metrics.csv summary.json log.txt; do [ -f dpo/$f ] || fail "no dpo/$f"; done
    expect_in dpo/metrics.csv "step,loss,gold,proxy,kl,sqrt_kl,seconds"
    [ "$(wc -l < dpo/metrics.csv)" -eq 4 ] || fail "dpo/metrics.csv has $(wc -l < dpo/metrics.csv) lines"
    expect_in dpo/summary.json '"kl_optimum"'
    # Best-of-N: exact rows for each N.
    run_valor 0 align run bon $small --set align.bon_n=1,4 --out bon
    expect_in bon/metrics.csv "n,gold,proxy,kl,sqrt_kl"
    awk -F, 'NR == 2 && ($4 < -1e-9 || $4 > 1e-9) { exit 1 }' bon/metrics.csv \
      || fail "best-of-1 has KL != 0"
    # The data round trip: pairs written as JSONL, read back by data.file.
    run_valor 0 align data dpo --set data.pairs=30 --out pairs.jsonl
    [ "$(wc -l < pairs.jsonl)" -eq 30 ] || fail "pairs.jsonl has $(wc -l < pairs.jsonl) lines"
    run_valor 0 align run dpo $small --set data.file=pairs.jsonl --set align.steps=5 --out fromfile
    expect_in fromfile/summary.json '"pairs": 30'
    # Bad input: exit 2, a message naming the key or file:line and what is accepted.
    run_valor 2 align run dpo --set align.beta=0 --out b1
    expect_in err.txt "align.beta"
    run_valor 2 align run dpo --set align.beta=-1 --out b2
    expect_in err.txt "align.beta"
    run_valor 2 align run no-such-method-preset --out b3
    expect_in err.txt "unknown align preset 'no-such-method-preset'"
    run_valor 2 align run dpo --set align.method=no-such --out b4
    expect_in err.txt "align.method"
    expect_in err.txt "dpo"
    : > empty.jsonl
    run_valor 2 align run dpo --set data.file=empty.jsonl --out b5
    expect_in err.txt "empty.jsonl: no preference pairs"
    printf '{"prompt":0,"chosen":[1,2,3,4],"rejected":[4,3,2,1]}\n{"prompt":1,"chosen":[1,2,3,4],"rejected":[1,2,3,4]}\n' > same.jsonl
    run_valor 2 align run dpo --set data.file=same.jsonl --out b6
    expect_in err.txt "same.jsonl:2: contradictory pair"
    printf '{"prompt":0,"chosen":[1,2,3],"rejected":[4,3,2,1]}\n' > short.jsonl
    run_valor 2 align run dpo --set data.file=short.jsonl --out b7
    expect_in err.txt "short.jsonl:1: \"chosen\" has 3 tokens"
    run_valor 2 align run dpo --set align.exact=true --set task.vocab=64 --set task.length=8 --out b8
    expect_in err.txt "use the sampling mode (exact = false)"
    for d in b1 b2 b3 b4 b5 b6 b7 b8; do [ ! -e $d ] || fail "a failed run left $d"; done
    ;;
  *)
    fail "unknown case"
    ;;
esac
echo "PASS [$case_name]"
