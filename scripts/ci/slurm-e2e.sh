#!/usr/bin/env bash
# End-to-end test of deploy/slurm on a real single-node Slurm cluster, started without systemd:
# installs Debian's slurmctld/slurmd/slurm-client/munge when missing, starts munged, slurmctld and slurmd
# by hand, submits deploy/slurm/submit.sh (a 3-task array on a toy registry, then the afterok merge job),
# checks the merged run, and stops only the daemons it started (by pid). Run as root.
# Usage: scripts/ci/slurm-e2e.sh [path/to/labeille]   (default: the debug build, built when missing)
# Env: SLURM_E2E_BASE working folder (default ${TMPDIR:-/tmp}/labeille-slurm-e2e); KEEP_UP=1 leaves the
#      cluster running on success.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
BASE=${SLURM_E2E_BASE:-${TMPDIR:-/tmp}/labeille-slurm-e2e}
RUN=$BASE/cluster
CONF=$RUN/etc/slurm.conf
export SLURM_CONF=$CONF

log() { printf '[slurm-e2e %(%H:%M:%S)T] %s\n' -1 "$*"; }
die() { log "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (it starts munged, slurmctld and slurmd)"

LABEILLE=${1:-$REPO/.build/debug/labeille}
if [ ! -x "$LABEILLE" ]; then log "building labeille"; swift build >/dev/null; fi
[ -x "$LABEILLE" ] || die "no labeille binary at $LABEILLE"
LABEILLE=$(cd "$(dirname "$LABEILLE")" && pwd)/$(basename "$LABEILLE")

# ---- daemons: pid-only control, never by name ---------------------------------------------------------
alive() {  # running and not a zombie (a killed daemon stays a zombie until PID 1 reaps it)
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
stop_pid() {  # PID PATTERN: TERM, up to 15 s, then KILL; only if its command line matches
  local p=$1 pat=$2 i
  alive "$p" && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$pat" || return 0
  kill "$p" 2>/dev/null || true
  for i in $(seq 1 30); do alive "$p" || return 0; sleep 0.5; done
  kill -9 "$p" 2>/dev/null || true
}
teardown() {
  local rc=$?
  set +e
  if [ -n "${KEEP_UP:-}" ] && [ "$rc" = 0 ]; then log "KEEP_UP: cluster left running (SLURM_CONF=$CONF)"; return; fi
  if [ -f "$RUN/run/slurmctld.pid" ] && alive "$(cat "$RUN/run/slurmctld.pid")" && munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    timeout 15 scancel --quiet --user=root 2>/dev/null  # scancel retries for minutes without munged
  fi
  [ -f "$RUN/run/slurmd.pid" ] && stop_pid "$(cat "$RUN/run/slurmd.pid")" "slurmd -f $CONF"
  [ -f "$RUN/run/slurmctld.pid" ] && stop_pid "$(cat "$RUN/run/slurmctld.pid")" "slurmctld -f $CONF"
  if [ -f "$RUN/run/munged.started-by-us" ]; then
    [ -f /run/munge/munged.pid ] && stop_pid "$(cat /run/munge/munged.pid)" munged
    rm -f "$RUN/run/munged.started-by-us"
  fi
  log "daemons stopped (exit $rc)"
}
if compgen -G "$RUN/run/*.pid" >/dev/null; then (KEEP_UP= ; teardown); fi  # leftovers of a crashed run
trap teardown EXIT

# ---- 1. packages ----------------------------------------------------------------------------------------
need=()
for p in slurmctld slurmd slurm-client munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -qq
  # Without systemd, postinst cannot start the services ("denied execution"): expected, started below.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---- 2. munge (as the munge user: as root it refuses its log file), then slurm ------------------------------
[ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
chown munge:munge /etc/munge/munge.key; chmod 0600 /etc/munge/munge.key
install -d -o munge -g munge -m 0755 /run/munge
rm -rf "$RUN"; mkdir -p "$RUN"/{etc,state,spool,log,run}
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged || runuser -u munge -- /usr/sbin/munged --force
  touch "$RUN/run/munged.started-by-us"
  for _ in $(seq 1 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.25; done
fi
munge -n | unmunge >/dev/null || die "munge round trip failed"

H=$(hostname -s)
getent hosts "$H" >/dev/null || die "hostname $H does not resolve (add it to /etc/hosts)"
NODELINE=$(slurmd -C | grep '^NodeName=')
[ -n "$NODELINE" ] || die "slurmd -C gave no NodeName line"
cat >"$CONF" <<CONF
ClusterName=labeille-ci
SlurmctldHost=$H
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$RUN/state
SlurmdSpoolDir=$RUN/spool
SlurmctldPidFile=$RUN/run/slurmctld.pid
SlurmdPidFile=$RUN/run/slurmd.pid
SlurmctldLogFile=$RUN/log/slurmctld.log
SlurmdLogFile=$RUN/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
$NODELINE State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
for port in 6817 6818; do
  if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then die "port $port already in use (another Slurm running?)"; fi
done
slurmctld -f "$CONF" || die "slurmctld did not start; see $RUN/log/slurmctld.log"
slurmd -f "$CONF" || die "slurmd did not start; see $RUN/log/slurmd.log"
state=
for _ in $(seq 1 60); do
  state=$(sinfo -h -n "$H" -o '%t' 2>/dev/null || true)
  [ "$state" = idle ] && break; sleep 0.5
done
[ "$state" = idle ] || { tail -n 20 "$RUN"/log/*.log; die "node $H not idle (state '$state')"; }
log "single-node cluster up: $(sinfo -h -o '%D node(s), %c CPUs, %t')"

# ---- 3. a toy registry: 3 packages with small unittest suites in local git repositories ----------------------
TOY=$BASE/toy
rm -rf "$TOY"; mkdir -p "$TOY/registry/packages" "$TOY/upstream"
printf 'last_updated: "2026-12-01T00:00:00"\npackages:\n' >"$TOY/registry/index.yaml"
n=0
for name in tinyone tinytwo tinythree; do
  n=$((n + 1)); repo=$TOY/upstream/$name
  mkdir -p "$repo/tests"; : >"$repo/tests/__init__.py"
  cat >"$repo/tests/test_$name.py" <<PY
import unittest

class Work(unittest.TestCase):
    def test_sum(self):
        self.assertGreater(sum(i * i for i in range(${n}00000)), 0)
PY
  git -C "$repo" init -q -b main
  git -C "$repo" add -A
  git -C "$repo" -c user.name=ci -c user.email=ci@example.invalid commit -q -m tests
  printf 'package: %s\nrepo: %s\ninstall_command: ""\ntest_command: "python -m unittest discover -s tests -q"\ntest_framework: unittest\n' \
    "$name" "$repo" >"$TOY/registry/packages/$name.yaml"
  printf -- '- name: %s\n  download_count: %d\n' "$name" $((100 - n)) >>"$TOY/registry/index.yaml"
done
PY=$(python3 -c 'import sys; print(sys.executable)')  # the interpreter itself, not a version-manager shim

# ---- 4. the deploy scripts: array of 3 shards + afterok merge ------------------------------------------------
OUT=$BASE/out
rm -rf "$OUT"; mkdir -p "$OUT"
T0=$(date +%s)
ids=$(LABEILLE="$LABEILLE" LABEILLE_OUT="$OUT" LABEILLE_SHARDS=3 LABEILLE_EXCLUSIVE=0 LABEILLE_WORK= \
  deploy/slurm/submit.sh --registry-dir "$TOY/registry" --iterations 3 --warmup 0 \
  --condition "plain:target_python=$PY" --condition "debugmalloc:target_python=$PY,env.PYTHONMALLOC=debug")
read -r _ A _ M <<<"$ids"
log "submitted: array $A, merge $M (afterok:$A)"
for _ in $(seq 1 600); do
  [ -z "$(squeue -h -j "$A,$M" 2>/dev/null)" ] && break; sleep 0.5
done
[ -z "$(squeue -h -j "$A,$M" 2>/dev/null)" ] || { squeue; die "jobs still queued after 300 s"; }
log "array and merge finished in $(($(date +%s) - T0)) s"

# ---- 5. checks ---------------------------------------------------------------------------------------------------
recs=$({ scontrol -o show job "$A"; scontrol -o show job "$M"; } 2>/dev/null || true)
if [ "$(grep -c 'JobState=COMPLETED .*ExitCode=0:0' <<<"$recs")" != 4 ]; then
  echo "$recs"; tail -n 30 "$OUT"/logs/*.out; die "not every job COMPLETED with exit code 0 (3 shards + merge)"
fi
for k in 1 2 3; do [ -s "$OUT/shards/shard-$k/shard.db" ] || die "shard $k wrote no database"; done
DB=$OUT/merged.db
q() { sqlite3 -batch -noheader "$DB" "$1"; }
[ "$(q "SELECT shard_group || ' ' || shard_count || ' ' || complete FROM merged_run")" = "slurm-$A 3 1" ] \
  || die "merged run: $(q 'SELECT * FROM merged_run')"
[ "$(q 'SELECT COUNT(*) FROM merged_shard')" = 3 ] || die "the merged run does not hold 3 shards"
[ "$(q "SELECT group_concat(package, ',') FROM (SELECT package FROM v_package_machine ORDER BY package)")" = "tinyone,tinythree,tinytwo" ] \
  || die "packages: $(q 'SELECT package, shard_index FROM v_package_machine')"
# Every package × condition × iteration exactly once: 3 × 2 × 3.
[ "$(q "SELECT COUNT(*), COUNT(DISTINCT package || '/' || condition || '/' || iteration) FROM v_iterations")" = "18|18" ] \
  || die "iterations: $(q 'SELECT COUNT(*) FROM v_iterations')"
[ "$(q "SELECT COUNT(*) FROM v_iterations WHERE status <> 'ok'")" = 0 ] || die "iterations that did not pass"
[ -s "$OUT/merged/bench_slurm-$A/bench_meta.json" ] && [ -s "$OUT/merged/bench_slurm-$A/bench_results.jsonl" ] \
  || die "no merged results folder"
grep -q 'debugmalloc' "$OUT/merged/bench_slurm-$A.md" || die "no markdown comparison from the merge job"
# Outputs are captured before grep -q: with pipefail, grep stopping early would fail the pipeline.
shown=$("$LABEILLE" bench show --db "$DB" "bench_slurm-$A")
grep -q "Machines: 3 of 3 shards of group slurm-$A (complete)" <<<"$shown" || die "bench show does not list the machines"
# Merging again changes nothing.
again=$("$LABEILLE" bench merge --db "$DB" --results-dir "$OUT/merged" --bench-id "bench_slurm-$A" "$OUT/shards")
grep -q "unchanged" <<<"$again" || die "a second merge changed the run: $again"
log "OK: 3 shards on Slurm merged into bench_slurm-$A (18 iterations, 3 packages, complete)"
