#!/usr/bin/env bash
# README's two commands, timed in a fresh clone of this repository's HEAD: `make reproduce`,
# then `make test`. Writes benchmarks/results/fresh_clone.json (wall-clock seconds, exit
# codes, per-notebook seconds, the machine, and whether the rerun left the committed
# notebooks and figures byte-identical, and that no committed replicate file was rewritten).
# Run it on an otherwise idle machine:
#   bash benchmarks/fresh_clone.sh [WORKDIR]        (default: a new temporary folder)
# With REPRODUCE_ONLY=1 it times `make reproduce` alone (make_test_* then are null) and writes
# benchmarks/results/fresh_clone_reproduce.json instead.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
unset PRECOG_CACHE PRECOG_CONCURRENT_RUNS  # a fresh clone: its own cache, the default concurrency
rm -rf "$work/precog"
git clone -q "$repo" "$work/precog" || exit 1
cd "$work/precog"
start=$(date +%s)
make reproduce > "$work/reproduce.log" 2>&1
reproduce_rc=$?
middle=$(date +%s)
changed=$(git status --porcelain | wc -l)
if [ "${REPRODUCE_ONLY:-0}" = 1 ]; then
  test_rc=null; out="$repo/benchmarks/results/fresh_clone_reproduce.json"
else
  make test > "$work/test.log" 2>&1
  test_rc=$?; out="$repo/benchmarks/results/fresh_clone.json"
fi
end=$(date +%s)
replicates_changed=$(git status --porcelain -- 'figures/replicate*' | wc -l)  # the committed replicates: never rewritten
python3 - "$out" <<PY
import json, os, platform, sys
timings = "build/demo/timings.json"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
result = {
    "commit": os.popen("git rev-parse --short HEAD").read().strip(),
    "cpu": cpu,
    "cores": os.cpu_count(),
    "make_reproduce_seconds": $middle - $start,
    "make_reproduce_rc": $reproduce_rc,
    "make_test_seconds": None if "$test_rc" == "null" else $end - $middle,
    "make_test_rc": None if "$test_rc" == "null" else $test_rc,
    "make_reproduce_minutes": round(($middle - $start) / 60, 1),
    "make_test_minutes": None if "$test_rc" == "null" else round(($end - $middle) / 60, 1),
    "files_changed_by_reproduce": $changed,
    "replicate_files_changed": $replicates_changed,
    "notebook_seconds": json.load(open(timings)) if os.path.exists(timings) else None,
}
with open(sys.argv[1], "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")
print(json.dumps(result, indent=1))
PY
