#!/usr/bin/env bash
# CI stage (issue 8): hostile clients and a short soak against the real caseledgerd. See
# docs/reliability.md, "Hostile clients" and "Soak".
# - hostile_client: a baseline and six attacks of 6 s each (a flood of 1500 connections
#   against max_connections 500, 100 slow writers, random bytes, absurd frames, replayed
#   appends, other agencies' cases), then all of them at once for 9 s, with a well-behaved
#   client working throughout. Fails when the server dies or stops answering, an attack sees
#   something the server must never do, its RSS peaks over 512 MiB, the good client gets an
#   error or a p99 beyond 20x the baseline's p50 + 500 ms, a refusal has no log line, or the
#   invented personal-data marker shows in the server log.
# - soak: 70 s at 40 appends/s with reads, a subscriber, proofs and audit queries, in windows
#   of 10 s. Fails on any error or when the server's RSS grows past the RocksDB bound.
#
#   tools/ci/hostile_soak.sh    uses ${CASELEDGER_BUILD_DIR:-build} (tools/setup.sh test built it)
#
# Both need nothing beyond the normal build. Each prints its table and how long it took.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${CASELEDGER_BUILD_DIR:-build}"
case "$build" in /*) ;; *) build="$here/$build" ;; esac
for tool in "$build/tools/hostile_client" "$build/tools/soak" "$build/server/caseledgerd"; do
  if [ ! -x "$tool" ]; then
    echo "hostile_soak: $tool is missing (build the default targets first: tools/setup.sh test)" >&2
    exit 2
  fi
done
work="$(mktemp -d "${TMPDIR:-/tmp}/hostile_soak.XXXXXX")"
trap 'rm -rf "$work"' EXIT

status=0
start=$SECONDS
echo "== hostile_client (short)"
"$build/tools/hostile_client" --daemon "$build/server/caseledgerd" --dir "$work" \
  --phase-seconds 6 --all-seconds 9 --connections 1500 --max-connections 500 --slow 100 ||
  status=1
echo "== hostile_client took $((SECONDS - start)) s"

start=$SECONDS
echo "== soak (short)"
"$build/tools/soak" --daemon "$build/server/caseledgerd" --dir "$work" \
  --duration 70 --window 10 --rate 40 || status=1
echo "== soak took $((SECONDS - start)) s"

[ "$status" -eq 0 ] && echo "== hostile_soak: PASSED" || echo "== hostile_soak: FAILED"
exit "$status"
