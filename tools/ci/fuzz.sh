#!/usr/bin/env bash
# CI stage (issue 8): the libFuzzer targets of tests/fuzz, each for a bounded time. Builds them
# with clang (ASan + UBSan + libFuzzer, only the libraries they need) in their own build
# directory, runs each on a COPY of its seed corpus and regressions (nothing is written into
# the repository), and prints per target: executions, exec/s, coverage (cov: edges, ft:
# features, from libFuzzer's last status line), corpus size before and after, and the result.
# Exits non-zero when a target crashes, leaks, times out or breaks an invariant; the log then
# names the input libFuzzer saved. See docs/reliability.md, "Fuzzing".
#
#   tools/ci/fuzz.sh [SECONDS_PER_TARGET]     default 20 (CI); the full run uses 300
#
# CASELEDGER_FUZZ_BUILD_DIR: the clang build directory (default build-fuzz in the source tree);
# CASELEDGER_FUZZ_OUT: where corpora copies, logs and crashing inputs go (default a new
# temporary directory, kept and printed); CASELEDGER_FUZZ_TARGETS: a subset ("frame bundle").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-20}"
build="${CASELEDGER_FUZZ_BUILD_DIR:-build-fuzz}"
case "$build" in /*) ;; *) build="$here/$build" ;; esac
targets=(${CASELEDGER_FUZZ_TARGETS:-frame event_json rule_pack checkpoint bundle})
start=$(date +%s)

# clang 14 and its runtime (libFuzzer, sanitizers), as tools/setup.sh installs packages.
missing=()
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== building the fuzz targets with clang in $build"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CC=clang CXX=clang++ cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCASELEDGER_FUZZ=ON -DCASELEDGER_SHARED_DIR="$here/../shared" "${launcher[@]}" >/dev/null
build_start=$(date +%s)
cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null
echo "== build took $(( $(date +%s) - build_start )) s"

out="${CASELEDGER_FUZZ_OUT:-$(mktemp -d /tmp/caseledger-fuzz.XXXXXX)}"
mkdir -p "$out"
echo "== fuzzing each target for $seconds s; corpora copies, logs and crashes in $out"

# Longest input each target is given: a little over its largest seed.
max_len() {
  case "$1" in
    frame) echo 16384 ;; event_json) echo 16384 ;; rule_pack) echo 32768 ;;
    checkpoint) echo 4096 ;; bundle) echo 65536 ;; *) echo 4096 ;;
  esac
}

rc=0
rows=()
for t in "${targets[@]}"; do
  corpus="$out/corpus/$t"
  rm -rf "$corpus"
  mkdir -p "$corpus" "$out/crashes"
  cp "$here/tests/fuzz/corpus/$t/"* "$corpus/"
  if [ -d "$here/tests/fuzz/regressions/$t" ]; then
    cp "$here/tests/fuzz/regressions/$t/"* "$corpus/" 2>/dev/null || true
  fi
  seeds=$(ls "$corpus" | wc -l)
  log="$out/$t.log"
  result=ok
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb bounds the process, and
  # -malloc_limit_mb any one allocation (as caseledger_fuzz_replay does: 64 MiB).
  if ! "$build/tests/fuzz/fuzz_$t" "$corpus" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
      -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=64 -print_final_stats=1 \
      -artifact_prefix="$out/crashes/$t-" >"$log" 2>&1; then
    result=FAILED
    rc=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  rows+=("$(printf '%-12s %10s %8s %7s %7s %7s %7s  %s' "$t" "${execs:--}" "${rate:--}" \
    "${cov:--}" "${ft:--}" "$seeds" "$(ls "$corpus" | wc -l)" "$result")")
  if [ "$result" != ok ]; then
    echo "== fuzz_$t FAILED; the end of its log ($log):"
    tail -n 40 "$log"
    grep -h 'Test unit written to' "$log" || true
  fi
done

echo
printf '%-12s %10s %8s %7s %7s %7s %7s  %s\n' target execs exec/s cov ft seeds corpus result
printf '%s\n' "${rows[@]}"
echo "== fuzz stage took $(( $(date +%s) - start )) s ($seconds s per target), exit $rc"
exit $rc
