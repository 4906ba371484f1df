#!/usr/bin/env bash
# Set-up for a fresh Debian 12 machine (as root) and for every run after it.
#
#   tools/setup.sh run    install what is missing, build, fill a demo data directory with
#                         synthetic cases and make development certificates (first run
#                         only), show a case, then run caseledgerd on 127.0.0.1:7450 (mutual
#                         TLS) in the foreground until Ctrl-C
#   tools/setup.sh test   install what is missing, build, run the whole test suite (ctest)
#
# Idempotent: packages already installed are not touched, the build is incremental, and the
# demo data and the development certificates are made once.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CASELEDGER_BUILD_DIR:-$here/build}"
jobs="$(nproc 2>/dev/null || echo 2)"

packages=(
  cmake g++ make ninja-build pkg-config git
  librocksdb-dev capnproto libcapnp-dev libboost-dev libboost-system-dev libssl-dev
  libspdlog-dev libfmt-dev catch2 libcli11-dev libhowardhinnant-date-dev libtomlplusplus-dev openssl
  libpng-dev  # the report browser tests decode screenshots
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
    # The first case of the log (the rule pack activations come first, in streams "rules:...").
    case_id="$("$cl" read --data "$data" --from-position 0 --limit 50 |
      sed -n 's/.*"caseId":"\([^"]*\)".*/\1/p' | grep -v '^rules:' | head -n 1)"
    echo
    "$cl" show --data "$data" --case "$case_id"

    # Development certificates (a throwaway CA, one client certificate per role) and the
    # server configuration that uses them. Made once; a partial set is made again.
    certs="$here/data/demo-certs"
    if [ ! -e "$certs/caseledgerd.toml" ]; then
      rm -rf "$certs"
      echo
      "$cl" certs --out "$certs" >/dev/null
      echo "== development certificates in $certs (never use them in production)"
    fi
    # The key that signs the demo's checkpoints: what a reader pins.
    key="$(cat "$data.checkpoint-key.pub")"
    b="${cl#"$here"/}"
    s="--server 127.0.0.1:7450 --tls-dir data/demo-certs --as oversight"
    cat <<TXT

caseledgerd now serves data/demo on 127.0.0.1:7450 over mutual TLS (Ctrl-C stops it).
Try next, from another shell (all data is synthetic; reads need a purpose, and each read is
recorded in the case's access stream):
  cd $here
  $b stat $s
  $b read $s --case $case_id --purpose "case review"
  $b read $s --case $case_id --purpose "case review" --verify-with '$key'
  $b subscribe $s --from 0 --limit 5 --purpose "monitoring"
  $b checkpoint $s --verify-with '$key' > /tmp/trusted-cp.txt
  $b checkpoint $s --verify-with '$key' --trusted /tmp/trusted-cp.txt
  $b read --server 127.0.0.1:7450 --tls-dir data/demo-certs --as ombudsperson --case access:$case_id --purpose "who read this case"
  $b read --server 127.0.0.1:7450 --tls-dir data/demo-certs --as witness --case $case_id --purpose "curious"   # refused: witnesses see proofs only
  $b timeline --data data/demo --case $case_id                   # its obligations under the rule packs
  $b view --data data/demo --case $case_id                       # the case as it stands
  $b accountability --data data/demo                             # per agency, rule and year
  $b rules list                                                  # the rules, limits and their sources
  $b query representative_wait --server 127.0.0.1:7450 --tls-dir data/demo-certs --as ombudsperson --purpose "annual review"   # an audit query (query list shows all)
  $b query interview_delay --data data/demo --format csv         # the same kind of answer, offline
  $b replay --data data/demo --case $case_id --as-of 2024-03-01  # the case as it stood then
  $b report case --data data/demo --case $case_id --out /tmp/case.html   # open it in a browser
  $b export --data data/demo --case $case_id --out /tmp/case.bundle       # prints what it covers
  $b verify-bundle /tmp/case.bundle --pubkey data/demo.checkpoint-key.pub # offline check of one case
  $b read --data data/demo --case $case_id --unseal              # the sealed personal data (invented), with the master key
  $b verify --data data/demo --pubkey data/demo.checkpoint-key.pub   # offline, while the server runs
  $b --help                                                        # every subcommand

TXT
    # The server holds the data directory's lock: the demo data above was made before it starts.
    exec "$build/server/caseledgerd" --config "$certs/caseledgerd.toml" --data "$data"
    ;;
  test)
    packages+=(chromium)  # the report tests load each report in headless Chromium
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
