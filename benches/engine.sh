#!/usr/bin/env bash
# Speed and memory of `gatecast run`: wall time (median, min and max of
# RUNS runs, default 5) and peak memory (maximum resident set size, from GNU
# time) for the runs the README quotes. Shared virtual machines vary by 20%
# from run to run, hence the median and the spread.
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

runs=${RUNS:-5}
measure() {
  local label=$1; shift
  local walls=() mem=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$bin" run "$@" "${threads[@]}" --quiet --out "$tmp/out"
    read -r wall kb < "$tmp/time"
    walls+=("$wall")
    [ "$kb" -gt "$mem" ] && mem=$kb
  done
  local sorted
  sorted=$(printf '%s\n' "${walls[@]}" | sort -n)
  local median min max
  median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
  min=$(echo "$sorted" | head -n1)
  max=$(echo "$sorted" | tail -n1)
  printf '%-66s %6s s  (%s-%s)  %5d MB\n' "$label" "$median" "$min" "$max" $((mem / 1024))
}

echo "gatecast $("$bin" --version | cut -d' ' -f2) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
printf '%-66s %8s  %11s  %8s\n' "case" "median" "(min-max)" "peak mem"
measure "enterprise-stage-gate, 1,000,000 iterations, no iterations.csv" \
  scenarios/enterprise-stage-gate.toml -n 1000000 --no-iterations-csv
measure "enterprise-stage-gate, 10,000 iterations, every file" \
  scenarios/enterprise-stage-gate.toml -n 10000
measure "example, 100,000 iterations, no iterations.csv" -n 100000 --no-iterations-csv
measure "enterprise-stage-gate, 1,000,000 iterations, iterations.csv streamed" \
  scenarios/enterprise-stage-gate.toml -n 1000000
