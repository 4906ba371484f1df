#!/usr/bin/env bash
# CI stage (issue 8): the crash campaign, short. Starts caseledgerd, drives it with concurrent
# mutual-TLS appenders, kills it with SIGKILL at random moments three times, restarts it, and
# checks after each kill that every acknowledged append is present once at its position, that
# positions have no gap, that `caseledger verify` passes, that the newest checkpoint is
# consistent with every earlier one, and that the projections catch up to a rebuild's digests.
# Prints the per-cycle table; exits non-zero on any violation. Then a one-cycle self-test with
# an invented acknowledgement, which must be reported. See docs/reliability.md,
# "Crash campaign".
#
#   tools/ci/crash.sh         uses ${CASELEDGER_BUILD_DIR:-build} (tools/setup.sh test built it)
#
# CASELEDGER_CRASH_SEED fixes the seed (default: a random one, printed, to replay a failure);
# CASELEDGER_CRASH_CYCLES the number of kills (default 3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${CASELEDGER_BUILD_DIR:-build}"
case "$build" in /*) ;; *) build="$here/$build" ;; esac
cycles="${CASELEDGER_CRASH_CYCLES:-3}"
seed_args=()
[ -n "${CASELEDGER_CRASH_SEED:-}" ] && seed_args=(--seed "$CASELEDGER_CRASH_SEED")

start=$(date +%s)
for bin in tools/crash_campaign tools/caseledger server/caseledgerd; do
  if [ ! -x "$build/$bin" ]; then
    echo "crash stage: $build/$bin is missing (run tools/setup.sh test first)" >&2
    exit 2
  fi
done
echo "== crash campaign: $cycles SIGKILL cycles against caseledgerd ($build)"
rc=0
"$build/tools/crash_campaign" --cycles "$cycles" --appenders 4 --min-delay-ms 300 \
  --max-delay-ms 2000 --daemon "$build/server/caseledgerd" --cli "$build/tools/caseledger" \
  "${seed_args[@]}" || rc=$?
# The checks must bite: with an invented acknowledgement the campaign has to fail.
echo "== self-test: one cycle with an invented acknowledgement must be reported"
scratch="$(mktemp -d)"
self=0
"$build/tools/crash_campaign" --cycles 1 --seed 1 --min-delay-ms 300 --max-delay-ms 300 \
  --daemon "$build/server/caseledgerd" --cli "$build/tools/caseledger" --dir "$scratch" \
  --inject-lost-ack >"$scratch/self-test.txt" 2>&1 || self=$?
# Exit 1 alone could be any failure (a server that did not start, say): the report must name
# the invented acknowledgement as missing.
reported=0
grep -q "acknowledged event .* is missing" "$scratch/self-test.txt" && reported=1
[ "$reported" -eq 1 ] || tail -20 "$scratch/self-test.txt" >&2
rm -rf "$scratch"
if [ "$self" -eq 1 ] && [ "$reported" -eq 1 ]; then
  echo "self-test: the invented acknowledgement was reported (exit 1), as it must be"
else
  echo "self-test FAILED: the campaign exited $self with an invented acknowledgement" >&2
  [ "$rc" -ne 0 ] || rc=1
fi
echo "== crash stage took $(( $(date +%s) - start )) s, exit $rc"
exit $rc
