#!/usr/bin/env bash
# Speed and memory of `gatecast run`: wall time (best of 3) and peak memory
# (maximum resident set size, from GNU time) for the runs the README quotes.
#
#   bash benches/engine.sh            # all cases
#   THREADS=2 bash benches/engine.sh  # pin the worker threads
#
# Needs /usr/bin/time (Debian package `time`). Nothing is timed in tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
bin=target/release/gatecast
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
threads=()
[ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")

measure() {
  local label=$1; shift
  local best="" mem=0
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" run "$@" "${threads[@]}" --quiet --out "$tmp/out"
    read -r wall kb < "$tmp/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; fi
    [ "$kb" -gt "$mem" ] && mem=$kb
  done
  printf '%-62s %8s s %8d MB\n' "$label" "$best" $((mem / 1024))
}

echo "gatecast $("$bin" --version | cut -d' ' -f2) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
printf '%-62s %10s %11s\n' "case" "wall" "peak memory"
measure "enterprise-stage-gate, 1,000,000 iterations, no iterations.csv" \
  scenarios/enterprise-stage-gate.toml -n 1000000 --no-iterations-csv
measure "enterprise-stage-gate, 10,000 iterations, every file" \
  scenarios/enterprise-stage-gate.toml -n 10000
measure "example, 100,000 iterations, no iterations.csv" -n 100000 --no-iterations-csv
measure "enterprise-stage-gate, 1,000,000 iterations, iterations.csv streamed" \
  scenarios/enterprise-stage-gate.toml -n 1000000
