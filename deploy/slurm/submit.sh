#!/usr/bin/env bash
# Queues a sharded labeille sweep on Slurm: an array of N shard tasks, then the merge job with
# --dependency=afterok:<array job>. Prints "array <id> merge <id>".
# Usage: LABEILLE_OUT=/shared/sweep LABEILLE_SHARDS=8 deploy/slurm/submit.sh [bench run options...]
# Environment: LABEILLE_SHARDS (default 4), LABEILLE_EXCLUSIVE (default 1: one shard per node, so shards
# do not disturb each other's timings; 0 lets tasks share a node), SBATCH_ARGS (extra sbatch options,
# e.g. "--partition=bench --time=24:00:00"), and those of labeille-shard.sbatch.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${LABEILLE_OUT:?set LABEILLE_OUT to a folder every node can write}"
N=${LABEILLE_SHARDS:-4}
mkdir -p "$LABEILLE_OUT/logs"
extra=()
if [ -n "${SBATCH_ARGS:-}" ]; then read -r -a extra <<<"$SBATCH_ARGS"; fi
opts=(--parsable --array="0-$((N - 1))" --output="$LABEILLE_OUT/logs/shard-%A_%a.out" --export=ALL)
if [ "${LABEILLE_EXCLUSIVE:-1}" = 1 ]; then opts+=(--exclusive); fi
array=$(sbatch "${opts[@]}" "${extra[@]}" "$here/labeille-shard.sbatch" "$@")
array=${array%%;*}  # --parsable prints <job id>[;<cluster>]
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes "${extra[@]}" \
  --output="$LABEILLE_OUT/logs/merge-%j.out" --export="ALL,LABEILLE_SHARD_GROUP=slurm-$array" "$here/labeille-merge.sbatch")
echo "array $array merge ${merge%%;*}"
