#!/usr/bin/env bash
# CI stage (issue 8): the whole test suite built with AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer (CMake option CASELEDGER_SANITIZE), run by ctest. Exits non-zero
# on any failed test and on any sanitizer report, including one from a child process (the
# CLI, caseledgerd, crash_appender) whose exit code a test may not look at.
#
#   tools/ci/asan.sh          build in ${CASELEDGER_ASAN_BUILD_DIR:-build-asan}, run ctest
#
# Assumes tools/setup.sh has installed the packages (g++ ships libasan and libubsan). Leaves
# the normal build directory alone. See docs/reliability.md, "Sanitizers".
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${CASELEDGER_ASAN_BUILD_DIR:-$here/build-asan}"
jobs="$(nproc 2>/dev/null || echo 2)"
supp="$here/tools/ci"
# Each sanitized process writes its ASan and LSan reports to $logs/asan.<pid> instead of
# stderr, so that a finding in a child process cannot be lost in output a test does not show.
# (UBSan inside the ASan runtime of g++ 12 ignores log_path and prints to stderr; with
# -fno-sanitize-recover the process then exits 1, which the tests check for the CLI.)
logs="$build/sanitizer-logs"

# halt_on_error and a non-zero exit code on the first finding: a report is a failure.
# detect_stack_use_after_return catches frames of finished coroutine callers; strict init order
# catches static initialisers that read other translation units' globals.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:strict_string_checks=1:log_path=$logs/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

start=$(date +%s)
echo "== sanitizer build (address, undefined, leak) in $build with -j$jobs"
rm -rf "$logs"
mkdir -p "$logs"
# Benchmarks are not part of the test suite: leaving them out shortens the build.
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCASELEDGER_SANITIZE=ON -DCASELEDGER_BUILD_BENCHMARKS=OFF \
  -DCASELEDGER_SHARED_DIR="$here/../shared" "${launcher[@]}" >/dev/null
# catch_discover_tests runs the sanitized test binaries during the build, with the options above.
cmake --build "$build" -j "$jobs"
built=$(date +%s)
echo "== sanitizer build took $(( built - start )) s"

echo "== running the whole suite under ASan+UBSan+LSan"
echo "   ASAN_OPTIONS=$ASAN_OPTIONS"
echo "   UBSAN_OPTIONS=$UBSAN_OPTIONS"
echo "   LSAN_OPTIONS=$LSAN_OPTIONS"
status=0
(cd "$build" && ctest --output-on-failure -j "$jobs" --timeout 900) || status=$?
echo "== sanitizer test run took $(( $(date +%s) - built )) s"

reports=$(find "$logs" -type f | sort)
if [ -n "$reports" ]; then
  echo "== sanitizer reports ($(echo "$reports" | wc -l) files):"
  for f in $reports; do
    echo "---- $f"
    cat "$f"
  done
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "== sanitizer stage FAILED"
  exit 1
fi
echo "== sanitizer stage passed: every test clean, no sanitizer report"
