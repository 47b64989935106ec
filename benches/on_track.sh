#!/usr/bin/env bash
# What the 9.1 figures (what on track looks like: usage and active users
# kept at every checkpoint, then the bands, decile tables and tripwires)
# add to a 1,000,000-iteration run: the same run with this build and with a
# build from before them (BASE, a gatecast binary), alternated RUNS times
# (default 5). Prints the median wall time, CPU time (user + system) and
# peak memory of each, and the overhead. Issue 9 allows at most 10%.
#
#   BASE=/path/to/old/gatecast bash benches/on_track.sh
#   BASE=... RUNS=9 THREADS=2 bash benches/on_track.sh
#   BASE=... NEW=/path/to/other/gatecast bash benches/on_track.sh   # no build
#
# To get BASE: `git worktree add /tmp/base <commit before on track>` and
# `cargo build --release` there. Needs /usr/bin/time (Debian `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BASE:?set BASE to a gatecast binary built before the 9.1 figures}"
if [ -n "${NEW:-}" ]; then
  new=$NEW # another build to measure against BASE
else
  cargo build --release --locked --quiet
  new=target/release/gatecast
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
threads=()
[ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")
runs=${RUNS:-5}
args=(run scenarios/enterprise-stage-gate.toml -n 1000000 --no-iterations-csv --quiet "${threads[@]}")

once() { # binary, label: appends "wall cpu kB" to $tmp/label
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" "$1" "${args[@]}" --out "$tmp/out-$2"
  read -r wall user sys kb < "$tmp/t"
  awk -v w="$wall" -v u="$user" -v s="$sys" -v k="$kb" 'BEGIN { printf "%s %.2f %d\n", w, u + s, k }' >> "$tmp/$2"
}
for _ in $(seq "$runs"); do
  once "$BASE" base
  once "$new" new
done
median() { sort -n | sed -n "$(( (runs + 1) / 2 ))p"; }
report() {
  local wall cpu mem
  wall=$(cut -d' ' -f1 "$tmp/$1" | median)
  cpu=$(cut -d' ' -f2 "$tmp/$1" | median)
  mem=$(cut -d' ' -f3 "$tmp/$1" | sort -n | tail -n1)
  printf '%-8s wall %6s s   cpu %6s s   peak memory %5d MB\n' "$1" "$wall" "$cpu" $((mem / 1024)) >&2
  echo "$wall $cpu $mem"
}
echo "enterprise-stage-gate, 1,000,000 iterations, no iterations.csv, $runs runs each, $(nproc) cores" >&2
read -r bw bc bm < <(report base)
read -r nw nc nm < <(report new)
awk -v bw="$bw" -v nw="$nw" -v bc="$bc" -v nc="$nc" -v bm="$bm" -v nm="$nm" 'BEGIN {
  printf "overhead: wall %+.1f%%, cpu %+.1f%%, peak memory %+d MB\n",
    100 * (nw / bw - 1), 100 * (nc / bc - 1), (nm - bm) / 1024 }'
# the 9.1 figures themselves, as the run reports them
grep -m1 -A1 "On track\|No tripwire\|No usage" "$tmp/out-new/summary.md" || true
