#!/usr/bin/env bash
# Set-up for a fresh Debian 12 machine (as root) and for every run after it.
#
#   tools/setup.sh run    install what is missing, build, fill a demo data directory with
#                         synthetic cases (first run only) and show one
#   tools/setup.sh test   install what is missing, build, run the whole test suite (ctest)
#
# Idempotent: packages already installed are not touched, the build is incremental, and the
# demo data is generated once.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CASELEDGER_BUILD_DIR:-$here/build}"
jobs="$(nproc 2>/dev/null || echo 2)"

packages=(
  cmake g++ make ninja-build pkg-config git
  librocksdb-dev capnproto libcapnp-dev libboost-dev libboost-system-dev libssl-dev
  libspdlog-dev libfmt-dev catch2 libcli11-dev libhowardhinnant-date-dev libtomlplusplus-dev openssl
)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

build_all() {
  echo "== building in $build"
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCASELEDGER_SHARED_DIR="$here/../shared" >/dev/null
  cmake --build "$build" -j "$jobs"
}

cmd="${1:-}"
case "$cmd" in
  run)
    install_missing
    build_all
    data="$here/data/demo"
    cl="$build/tools/caseledger"
    if [ ! -e "$data/CURRENT" ]; then
      rm -rf "$data"
      echo "== generating synthetic demo data in $data"
      "$cl" gen --data "$data" --cases 200 --seed 7 --late-share 0.2 --start 2024-03-04T08:00:00Z
    fi
    "$cl" stat --data "$data"
    "$cl" verify --data "$data" --quiet
    case_id="$("$cl" read --data "$data" --from-position 0 --limit 1 | sed -n 's/.*"caseId":"\([^"]*\)".*/\1/p')"
    echo
    "$cl" show --data "$data" --case "$case_id"
    cat <<TXT

Try next (all data is synthetic):
  $cl read --data $data --case $case_id          # the case as JSON lines
  $cl read --data $data --from-position 0 --limit 5   # the global log
  $cl checkpoint --data $data                           # the newest signed checkpoint
  $cl prove inclusion --data $data --position 0 > /tmp/proof.json
  $cl checkpoint --data $data > /tmp/cp.txt
  $cl verify-proof /tmp/proof.json --checkpoint /tmp/cp.txt --pubkey $data.checkpoint-key.pub
  $cl verify --data $data --pubkey $data.checkpoint-key.pub
  $cl --help                                            # every subcommand
TXT
    ;;
  test)
    install_missing
    build_all
    echo "== running the test suite"
    cd "$build"
    ctest --output-on-failure -j "$jobs" --timeout 600
    ;;
  *)
    echo "usage: tools/setup.sh run|test" >&2
    exit 2
    ;;
esac
