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
    expect_in out.txt "demo"
    expect_in out.txt "config"
    for cmd in demo plot version "config show" "config list"; do
      run_valor 0 $cmd --help
      expect_in out.txt "Usage"
    done
    ;;
  usage_errors)
    run_valor 2
    run_valor 2 no-such-command
    run_valor 2 config show demo --no-such-flag
    run_valor 2 config show no-such-preset
    expect_in err.txt "unknown preset 'no-such-preset'"
    expect_in err.txt "demo"
    ;;
  version)
    run_valor 0 version
    expect_in out.txt "valor 0."
    expect_in out.txt "LibTorch 1."
    expect_in out.txt "BLAS OpenBLAS"
    expect_in out.txt "intra-op 1"
    ;;
  config_unknown_key)
    run_valor 2 config show demo --set no.such.key=1
    expect_in err.txt "no.such.key"
    expect_in err.txt "closest valid keys"
    run_valor 2 config show demo --set value.bins=1
    expect_in err.txt "value.bins"
    expect_in err.txt "an integer in [2, 100000]"
    printf '[value]\nbins = 21\nbinz = 3\n' > user.toml
    run_valor 2 config show demo --config user.toml
    expect_in err.txt "user.toml:3"
    expect_in err.txt "value.bins"
    run_valor 2 config show --config missing.toml
    expect_in err.txt "missing.toml"
    ;;
  config_show)
    run_valor 0 config list
    expect_in out.txt "demo"
    run_valor 0 config show demo --set value.bins=21 --set run.seed=4
    expect_in out.txt "[value]"
    expect_in out.txt "bins = 21  # set by --set value.bins=21"
    expect_in out.txt "# Seed from which"
    expect_in out.txt "v_min = -10.0  # set by configs/demo.toml:"
    # The printed configuration is itself a valid configuration file that resolves the same.
    cp out.txt resolved.toml
    run_valor 0 config show --config resolved.toml
    grep -v '^#' resolved.toml | sed 's/  # set by.*//' > a.txt
    grep -v '^#' out.txt | sed 's/  # set by.*//' > b.txt
    diff a.txt b.txt >&2 || fail "config show output does not round-trip"
    ;;
  demo)
    run_valor 0 demo --set demo.steps=300 --set demo.seeds=2
    expect_in out.txt "two-hot"
    expect_in out.txt "HL-Gauss"
    expect_in out.txt "C51 projection"
    expect_in out.txt "hl_gauss"
    expect_in out.txt "Plot:"
    sweep=$(ls -d runs/demo-*)
    [ -d "$sweep" ] || fail "no runs/demo-<timestamp> folder"
    for run in mse-seed0 mse-seed1 two_hot-seed0 hl_gauss-seed1; do
      for f in config.toml metrics.csv log.txt summary.json; do
        [ -s "$sweep/$run/$f" ] || fail "missing $sweep/$run/$f"
      done
    done
    expect_in "$sweep/hl_gauss-seed1/config.toml" "head = 'hl_gauss'  # set by valor demo"
    expect_in "$sweep/hl_gauss-seed1/config.toml" 'seed = 1'
    expect_in "$sweep/mse-seed0/summary.json" '"final_estimate"'
    [ "$(wc -l < "$sweep/mse-seed0/metrics.csv")" -gt 100 ] || fail "too few metric rows"
    [ -s "$sweep/abs_error.png" ] || fail "no plot"
    # An explicit --out that already holds a run is refused, not overwritten.
    run_valor 0 demo --out mine --set demo.steps=10 --set demo.seeds=1
    run_valor 2 demo --out mine
    expect_in err.txt "already holds a run"
    run_valor 2 demo --set value.v_min=20
    expect_in err.txt "value.v_min"
    ;;
  plot)
    run_valor 0 demo --out d --set demo.steps=200 --set demo.seeds=2 --set demo.head=mse
    run_valor 0 plot d --metric estimate --out curves/estimate.png
    [ -s curves/estimate.png ] || fail "no PNG written"
    expect_in out.txt "2 runs plotted"
    run_valor 0 plot d/mse-seed0 d/mse-seed1 --metric loss --out loss.png
    [ -s loss.png ] || fail "no PNG written"
    run_valor 2 plot d --metric no_such_metric --out x.png
    expect_in err.txt "no_such_metric"
    expect_in err.txt "abs_error"
    run_valor 2 plot nowhere
    expect_in err.txt "nowhere"
    # Without gnuplot on PATH the message says how to install it.
    PATH=/nonexistent run_valor 1 plot d --metric estimate --out y.png
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
  check_golden)
    shared=${VALOR_SHARED_DIR:?}/golden
    run_valor 0 env check-golden "$shared/minatar/breakout.jsonl" "$shared/minatar/freeway.jsonl"
    expect_in out.txt "checked 12 trajectories, 36000 steps, 0 mismatches"
    # A golden file it has never seen (other seeds), then one with an edited reward.
    testdata=${VALOR_SOURCE_DIR:?}/valor/env/testdata
    run_valor 0 env check-golden "$testdata/minatar_seaquest_unseen.jsonl"
    expect_in out.txt "checked 2 trajectories, 3000 steps, 0 mismatches"
    head -n 1 "$shared/minatar/asterix.jsonl" | sed 's/"r":0.0/"r":1.0/' > edited.jsonl
    run_valor 1 env check-golden edited.jsonl
    expect_in out.txt "1 mismatches"
    expect_in out.txt "first mismatch: edited.jsonl:1: step 0: field r"
    { head -n 1 "$shared/minatar/asterix.jsonl"; echo '{"game": "asterix", "seed": '; } > bad.jsonl
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
  rank)
    {
      echo "model_a,model_b,winner"
      for i in 1 2 3; do echo "a,b,model_a"; echo "b,c,model_a"; echo "a,c,model_a"; done
      echo "b,a,model_a"; echo "c,b,model_a"; echo "c,a,model_a"; echo "a,b,tie"
    } > battles.csv
    run_valor 0 rank battles.csv
    expect_in out.txt "bt ratings (Elo scale) from 13 comparisons of 3 items"
    head -n 3 out.txt | tail -n 1 | grep -q "  a  " || { cat out.txt >&2; fail "a is not ranked first"; }
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
    ;;
  *)
    fail "unknown case"
    ;;
esac
echo "PASS [$case_name]"
