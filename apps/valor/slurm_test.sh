#!/usr/bin/env bash
# Integration tests of `valor sweep --backend slurm` against a real single-node Slurm cluster that
# the test starts itself, as root (as CI runs): munged, slurmctld -D and slurmd -D with a minimal
# slurm.conf for this host, on free ports, all in a temp folder; stopped by their PIDs at the end.
#   slurm_test.sh CASE PATH_TO_VALOR     (CASE: slurm_sweep, slurm_cancel)
# Exits 77 (ctest: skipped, with the reason printed) when Slurm or munge is not installed
# (tools/install-deps installs slurm-wlm and munge) or when not run as root.
set -uo pipefail
case_name=$1
valor=$2

for program in munged slurmctld slurmd sbatch squeue scancel sinfo; do
  if ! command -v "$program" >/dev/null; then
    echo "SKIPPED [$case_name]: $program is not installed (tools/install-deps installs slurm-wlm and munge)"
    exit 77
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIPPED [$case_name]: starting slurmd needs root"
  exit 77
fi

work=$(mktemp -d)
daemons=()
cleanup() {
  if [ -n "${SLURM_CONF:-}" ]; then scancel --full --quiet -u root >/dev/null 2>&1 || true; fi
  for pid in "${daemons[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${daemons[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
fail() {
  echo "FAIL [$case_name]: $*" >&2
  for f in cluster/slurmctld.log cluster/slurmd.log; do [ -f "$f" ] && tail -n 20 "$f" >&2; done
  exit 1
}

# A free TCP port: one nothing listens on (ss lists the listening ones).
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    ss -Htln "sport = :$port" 2>/dev/null | grep -q . || { echo "$port"; return; }
  done
}

start_cluster() {
  mkdir -p cluster/munge cluster/state cluster/spool
  chmod 700 cluster/munge
  head -c 128 /dev/urandom > cluster/munge/munge.key
  chmod 600 cluster/munge/munge.key
  munged -F -f --socket="$work/cluster/munge/munge.sock" --key-file="$work/cluster/munge/munge.key" \
    --pid-file="$work/cluster/munge/munged.pid" --log-file="$work/cluster/munge/munged.log" \
    --seed-file="$work/cluster/munge/munged.seed" &
  daemons+=($!)
  local host ctld_port d_port mem
  host=$(hostname -s)
  ctld_port=$(free_port)
  d_port=$(free_port)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
  cat > cluster/slurm.conf <<CONF
ClusterName=valortest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/cluster/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$work/cluster/state
SlurmdSpoolDir=$work/cluster/spool
SlurmctldPidFile=$work/cluster/slurmctld.pid
SlurmdPidFile=$work/cluster/slurmd.pid
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmctldLogFile=$work/cluster/slurmctld.log
SlurmdLogFile=$work/cluster/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
KillWait=10
NodeName=$host CPUs=2 RealMemory=$mem State=UNKNOWN
PartitionName=valortest Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$work/cluster/slurm.conf
  for _ in $(seq 1 50); do [ -S cluster/munge/munge.sock ] && break; sleep 0.1; done
  slurmctld -D -i > cluster/slurmctld.out 2>&1 &
  daemons+=($!)
  slurmd -D > cluster/slurmd.out 2>&1 &
  daemons+=($!)
  for _ in $(seq 1 300); do
    [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && return 0
    sleep 0.1
  done
  cat cluster/*.out >&2
  fail "the test cluster did not come up (sinfo: $(sinfo -h 2>&1))"
}

# The sweep: CartPole, 2 heads x 3 seeds, a few thousand frames each.
cat > s.toml <<'SWEEP'
# valor's Slurm test sweep
[sweep]
name = "slurmtest"
presets = ["cartpole-dqn"]
heads = ["huber", "hl_gauss"]
seeds = 3
processes = 2
[set]
train.frames = 4000
train.learning_starts = 500
train.log_every_frames = 500
train.checkpoint_every_frames = 1000
eval.every_frames = 0
SWEEP

# The report's table without its timing columns (frames per second, wall time).
table_without_timings() {
  grep '^|' "$1/report.md" | awk -F'|' '{ print $2 "|" $3 "|" $4 "|" $5 "|" $6 "|" $7 }'
}
same_report() {  # same_report LOCAL_DIR SLURM_DIR
  diff <(table_without_timings "$1") <(table_without_timings "$2") >&2 ||
    fail "the Slurm sweep's report differs from the local one"
  [ "$(table_without_timings "$2" | grep -c '| 3 |')" -eq 2 ] || fail "a cell is missing seeds"
  for run in "$1"/runs/*; do
    diff <(cut -d, -f1-8 "$run/metrics.csv") \
      <(cut -d, -f1-8 "$2/runs/$(basename "$run")/metrics.csv") >&2 ||
      fail "$(basename "$run") differs between the backends"
  done
}

start_cluster
"$valor" sweep s.toml --out local > local.txt 2>&1 || { cat local.txt >&2; fail "local sweep"; }

case "$case_name" in
  slurm_sweep)
    "$valor" sweep s.toml --out on-slurm --backend slurm --poll-seconds 1 > slurm.txt 2>&1 ||
      { cat slurm.txt >&2; fail "the Slurm sweep exited $?"; }
    grep -q "submitted Slurm array" slurm.txt || { cat slurm.txt >&2; fail "no array submitted"; }
    same_report local on-slurm
    # Run again: every run is complete, nothing is submitted.
    "$valor" sweep s.toml --out on-slurm --backend slurm --poll-seconds 1 > again.txt 2>&1 ||
      fail "the rerun exited $?"
    grep -q "6 runs were already complete" again.txt || { cat again.txt >&2; fail "rerun"; }
    if grep -q "submitted" again.txt; then fail "the rerun submitted a complete sweep again"; fi
    # Slurm options are refused with the local backend.
    "$valor" sweep s.toml --out x --partition p > opt.txt 2>&1
    [ $? -eq 2 ] && grep -q "backend slurm" opt.txt || { cat opt.txt >&2; fail "--partition accepted locally"; }
    ;;
  slurm_cancel)
    "$valor" sweep s.toml --out on-slurm --backend slurm --no-wait > submit.txt 2>&1 ||
      { cat submit.txt >&2; fail "submission exited $?"; }
    job=$(sed -n 's/^submitted Slurm array \([0-9]*\):.*/\1/p' submit.txt)
    [ -n "$job" ] || { cat submit.txt >&2; fail "no job id printed"; }
    # Cancel the array once a run has logged a row (so at least one is cut mid-way).
    for _ in $(seq 1 600); do
      [ "$(cat on-slurm/runs/*/metrics.csv 2>/dev/null | wc -l)" -ge 3 ] && break
      sleep 0.1
    done
    scancel "$job" || fail "scancel $job"
    for _ in $(seq 1 300); do
      [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
      sleep 0.1
    done
    complete=$(grep -ls '"complete": true' on-slurm/runs/*/summary.json | wc -l)
    [ "$complete" -lt 6 ] || fail "every run finished before the cancel; nothing was tested"
    # The rerun submits only the runs that are not complete, resumes the cut ones, and reports
    # what the local sweep reported.
    "$valor" sweep s.toml --out on-slurm --backend slurm --poll-seconds 1 > rerun.txt 2>&1 ||
      { cat rerun.txt >&2; fail "the rerun exited $?"; }
    grep -q "submitted Slurm array .*: $((6 - complete)) tasks" rerun.txt ||
      { cat rerun.txt >&2; fail "the rerun did not submit exactly the $((6 - complete)) runs left"; }
    same_report local on-slurm
    ;;
  *)
    fail "unknown case"
    ;;
esac
echo "PASS [$case_name]"
