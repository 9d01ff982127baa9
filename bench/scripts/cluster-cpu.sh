#!/usr/bin/env bash
# CPU time of all sqlcluster nodes per 1,000 correct queries, under octopus-like link delays and no faults.
# Runs the harness with every fault monkey off (latency and jitter re-draws stay on: they are the delays) and the
# in-process checker, samples /proc/PID/stat of every node process while it runs, and divides.
# Usage: bench/scripts/cluster-cpu.sh [SECONDS] [SEED] [SQLCLUSTER]   (default 30, 1, publish FastDb)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}; seed=${2:-1}; root=$(mktemp -d /tmp/fdb-cpu-XXXX)
sqlcluster=${3:-}
if [ -z "$sqlcluster" ]; then
  dotnet publish src/Server -c Release -o "$root/bin" --nologo -v q >/dev/null
  sqlcluster="$root/bin/sqlcluster"
fi
hz=$(getconf CLK_TCK)
declare -A ticks
dotnet run -c Release --project bench/Harness -- --sqlcluster "$sqlcluster" --seed "$seed" --duration "${seconds}s" \
  --root "$root/run" --checker inproc --quiet --json "$root/result.json" \
  --disable-monkey lagsplit --disable-monkey link --disable-monkey netsplit --disable-monkey unneighborly \
  --disable-monkey freeze --disable-monkey spof > "$root/harness.out" 2>&1 &
harness=$!
while kill -0 "$harness" 2>/dev/null; do
  for pid in $(pgrep -f -- "-l ./node[0-9]+.sock" || true); do
    # fields 14 and 15 of /proc/PID/stat: utime and stime in clock ticks (comm has no spaces here)
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo "")
    [ -n "$t" ] && ticks[$pid]=$t
  done
  sleep 0.5
done
wait "$harness" || true
total=0; for pid in "${!ticks[@]}"; do total=$((total + ticks[$pid])); done
correct=$(grep -o '"CorrectQueries": *[0-9]*' "$root/result.json" | grep -o '[0-9]*$' || echo 0)
bytes=$(grep -o '"Bytes\(Read\|Written\)": *"[^"]*"' "$root/result.json" | tr '\n' ' ')
awk -v t="$total" -v hz="$hz" -v c="$correct" -v s="$seconds" -v b="$bytes" 'BEGIN {
  cpu = t / hz; printf "nodes CPU %.2f s over %d s; %d correct queries (%.0f/s); %.0f ms CPU per 1,000 queries; %s\n",
  cpu, s, c, c / s, (c > 0 ? 1000 * cpu * 1000 / c : 0), b }'
echo "(harness output and JSON in $root)"
