#!/usr/bin/env bash
# Measurement benchmark of bench run's harness (issue 4):
#  1. harness overhead on /bin/true against a bare posix_spawn + wait4 (target: /bin/true measured ≤ 1 ms);
#  2. a fixed CPU-bound Python workload measured by the harness and by hyperfine, alternating in one run
#     (target: medians within 1%). Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product labeille-benchmarks >/dev/null
bin=.build/release/labeille-benchmarks
$bin spawn 1000
command -v hyperfine >/dev/null || { echo "hyperfine not installed"; exit 0; }
workload='s=0
for i in range(3_000_000): s += i*i'
# The real interpreter, not a pyenv shim (a shell script whose own start-up would dominate the noise).
py=$(python3 -c 'import sys; print(sys.executable)')
echo
echo "CPU-bound workload: $py -c '<3M-iteration loop>', 6 alternating batches of 10 runs each"
ours_all=(); hf_all=()
for batch in 1 2 3 4 5 6; do
  ours=$($bin measure 10 "$py" -c "$workload" | awk '/median_wall_s/ {print $2}')
  hyperfine -N --warmup 1 --runs 10 --export-json /tmp/hf.json "$py -c '$workload'" >/dev/null 2>&1
  hf=$(python3 -c "import json;print(json.load(open('/tmp/hf.json'))['results'][0]['median'])")
  ours_all+=("$ours"); hf_all+=("$hf")
  python3 -c "o=$ours; h=$hf; print(f'  batch $batch: labeille median {o:.4f} s, hyperfine median {h:.4f} s, difference {100*(o-h)/h:+.2f}%')"
done
python3 -c "
import statistics as s
o=[$(IFS=,; echo "${ours_all[*]}")]; h=[$(IFS=,; echo "${hf_all[*]}")]
print(f'  median of batch medians: labeille {s.median(o):.4f} s, hyperfine {s.median(h):.4f} s, difference {100*(s.median(o)-s.median(h))/s.median(h):+.2f}%')"
