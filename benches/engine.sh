#!/usr/bin/env bash
# Speed and memory of `gatecast run` (and `gatecast portfolio`): wall time (median, min and max of
# RUNS runs, default 5), peak memory (maximum resident set size, from GNU
# time) and CPU time (user + system, median) for the runs the README quotes.
# Shared virtual machines vary by 20% from run to run, hence the median and
# the spread; when others load the machine, wall time grows but CPU time
# barely moves (CPU time / cores is the wall time an idle machine gives).
#
#   bash benches/engine.sh            # all cases
#   THREADS=2 bash benches/engine.sh  # pin the worker threads
#   ONLY=sensitivity bash benches/engine.sh  # only the cases whose label has this
#   ONLY=/ RUNS=5 bash benches/engine.sh     # only the two ratios (floor, iterations.csv)
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
  [[ -n "${ONLY:-}" && "$label" != *"$ONLY"* ]] && return 0
  local walls=() cpus=() mem=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M %U %S" -o "$tmp/time" "$bin" "${cmd:-run}" "$@" "${threads[@]}" --quiet --out "$tmp/out"
    read -r wall kb user sys < "$tmp/time"
    walls+=("$wall")
    cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')")
    [ "$kb" -gt "$mem" ] && mem=$kb
  done
  local sorted cpu
  sorted=$(printf '%s\n' "${walls[@]}" | sort -n)
  cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  local median min max
  median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
  min=$(echo "$sorted" | head -n1)
  max=$(echo "$sorted" | tail -n1)
  printf '%-66s %6s s  (%s-%s)  %5d MB  %6s s\n' "$label" "$median" "$min" "$max" $((mem / 1024)) "$cpu"
}

# Issue 8's two ratios, each from alternating whole runs (A B A B ...) on
# the same machine, as the medians' ratio: the shared machine's speed
# drifts from minute to minute, and alternating spreads the drift over both.
#  - gatecast against ../shared/floor, the bare loop making the same draws
#    and curve evaluations with no bookkeeping (at most 2.5);
#  - the run writing iterations.csv against the same run without it (at
#    most 1.8).
ratio() {
  local label=$1 limit=$2 a=$3 b=$4 as=() bs=()
  [[ -n "${ONLY:-}" && "$label" != *"$ONLY"* ]] && return 0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e" -o "$tmp/a" bash -c "$a" >/dev/null
    /usr/bin/time -f "%e" -o "$tmp/b" bash -c "$b" >/dev/null
    as+=("$(cat "$tmp/a")")
    bs+=("$(cat "$tmp/b")")
  done
  local ma mb
  ma=$(printf '%s\n' "${as[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  mb=$(printf '%s\n' "${bs[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  awk -v l="$label" -v a="$ma" -v b="$mb" -v lim="$limit" 'BEGIN {
    r = a / b
    printf "%-66s %5.2f  (%s s / %s s, at most %s: %s)\n", l, r, a, b, lim, (r <= lim ? "ok" : "OVER") }'
}

floor=target/floor/release/floor
if [ -d ../shared/floor ]; then
  cargo build --release --quiet --manifest-path ../shared/floor/Cargo.toml --target-dir target/floor
fi

echo "gatecast $("$bin" --version | cut -d' ' -f2) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
printf '%-66s %5s\n' "ratio of medians" "ratio"
if [ -x "$floor" ]; then
  ratio "1,000,000 iterations, no iterations.csv / the floor (tight)" 2.5 \
    "$bin run scenarios/enterprise-stage-gate.toml -n 1000000 --no-iterations-csv ${threads[*]} --quiet --out $tmp/r1" \
    "$floor 1000000 tight"
else
  echo "(no ../shared/floor here: the ratio to the floor is not measured)"
fi
ratio "1,000,000 iterations, with iterations.csv / without (no xlsx)" 1.8 \
  "$bin run scenarios/enterprise-stage-gate.toml -n 1000000 --formats png,svg,html ${threads[*]} --quiet --out $tmp/r2" \
  "$bin run scenarios/enterprise-stage-gate.toml -n 1000000 --formats png,svg,html --no-iterations-csv ${threads[*]} --quiet --out $tmp/r3"
echo
printf '%-66s %8s  %11s  %8s  %8s\n' "case" "median" "(min-max)" "peak mem" "cpu"
measure "enterprise-stage-gate, 1,000,000 iterations, no iterations.csv" \
  scenarios/enterprise-stage-gate.toml -n 1000000 --no-iterations-csv
measure "enterprise-stage-gate, 10,000 iterations, every file" \
  scenarios/enterprise-stage-gate.toml -n 10000
measure "example, 100,000 iterations, no iterations.csv" -n 100000 --no-iterations-csv
measure "enterprise-stage-gate, 1,000,000 iterations, iterations.csv streamed, no xlsx" \
  scenarios/enterprise-stage-gate.toml -n 1000000 --formats png,svg,html
# report.xlsx's Iterations sheet (one row per iteration, zip-compressed) is
# the slowest file to write
measure "enterprise-stage-gate, 100,000 iterations, every file (xlsx Iterations sheet)" \
  scenarios/enterprise-stage-gate.toml -n 100000
# Issue 9's bar: the re-forecast of the example from its behind-plan
# actuals, to an effective sample size of 2,000, every file, in at most 2 s
measure "example, behind-plan actuals (ESS 2,000), every file" \
  scenarios/example.toml --actuals scenarios/actuals/example-behind-plan.toml
# Issue 4's bar: the full sensitivity set (decile tornado, rank correlations,
# pinned tornado at P10/P90 for each of the 33 uncertain inputs and each of
# the 4 gates, spider over the top 5) at 10,000 iterations in at most 3 s on
# 2 cores. The run without --sensitivity beside it shows what the set adds.
measure "enterprise-stage-gate, 10,000 iterations, --sensitivity, all files" \
  scenarios/enterprise-stage-gate.toml -n 10000 --sensitivity --no-iterations-csv
measure "enterprise-stage-gate, 10,000 iterations, --sensitivity, svg only" \
  scenarios/enterprise-stage-gate.toml -n 10000 --sensitivity --no-iterations-csv --formats svg
measure "enterprise-stage-gate, 10,000 iterations, no sensitivity, svg only" \
  scenarios/enterprise-stage-gate.toml -n 10000 --no-iterations-csv --formats svg
# What Latin hypercube and Sobol sampling cost in speed (what they buy in
# precision: cargo bench --bench sampling).
measure "enterprise-stage-gate, 1,000,000 iterations, --sampling lhs, no iterations.csv" \
  scenarios/enterprise-stage-gate.toml -n 1000000 --no-iterations-csv --sampling lhs
measure "enterprise-stage-gate, 1,000,000 iterations, --sampling sobol, no iterations.csv" \
  scenarios/enterprise-stage-gate.toml -n 1000000 --no-iterations-csv --sampling sobol

# Issue 10's bar: the shipped eight-initiative programme with selection
# (255 subsets) in at most 3 s at 10,000 iterations and 15 s at 100,000, on
# 2 cores; 4 and 12 initiatives show how the time grows with their number.
p=scenarios/portfolio
prog="$tmp/programme"
mkdir -p "$prog"
# the programme's initiatives by absolute path, so copies can live in $tmp
sed "s#^scenario = \"#scenario = \"$PWD/$p/#" "$p/group-ai-programme.toml" > "$prog/8.toml"
awk '/^\[\[initiative\]\]/ { n++ } n <= 4' "$prog/8.toml" > "$prog/4.toml"
{
  cat "$prog/8.toml"
  for k in 0 1 2 3; do
    f=(example.toml portfolio/contact-centre-assistant.toml portfolio/service-drafting.toml portfolio/document-review.toml)
    printf '\n[[initiative]]\nscenario = "%s"\nname = "Extra %s"\nstart_month = %s\n' \
      "$PWD/scenarios/${f[$k]}" "$k" "$((12 + 4 * k))"
  done
} > "$prog/12.toml"
cmd=portfolio measure "portfolio, 4 initiatives, 10,000 iterations, every file" "$prog/4.toml" -n 10000
cmd=portfolio measure "portfolio, 8 initiatives, 10,000 iterations, every file" "$prog/8.toml" -n 10000
cmd=portfolio measure "portfolio, 12 initiatives, 10,000 iterations, every file" "$prog/12.toml" -n 10000
cmd=portfolio measure "portfolio, 4 initiatives, 100,000 iterations, every file" "$prog/4.toml" -n 100000
cmd=portfolio measure "portfolio, 8 initiatives, 100,000 iterations, every file" "$prog/8.toml" -n 100000
cmd=portfolio measure "portfolio, 8 initiatives, 100,000 iterations, no iterations.csv" "$prog/8.toml" -n 100000 --no-iterations-csv
