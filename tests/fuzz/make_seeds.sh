#!/usr/bin/env bash
# Regenerates the fuzz seed corpora (tests/fuzz/corpus/<target>/) from real outputs of the
# project, so that anyone can see where each seed came from:
#   frame       the bytes `server::Client` sends to caseledgerd, recorded by fuzz_frame_seeds
#               (two whole sessions, and each of their frames alone)
#   event_json  events as `caseledger read` prints them from `caseledger gen` ledgers: one per
#               event type (the rule pack activations aside: fuzz_rule_pack has the packs),
#               some with their personal section (`read --unseal`), and personal sections alone
#   rule_pack   the shipped rule packs, projections/rules/*.toml
#   checkpoint  `caseledger stat`'s verifier key line + `caseledger checkpoint` (three ledgers of
#               different sizes), and `caseledger prove inclusion|consistency` documents
#   bundle      `caseledger export` bundles of a few cases
# Everything is synthetic (the generator's invented cases). Needs a normal build with the
# tests: tests/fuzz/make_seeds.sh [BUILD_DIR]   (default: $CASELEDGER_BUILD_DIR or build)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-${CASELEDGER_BUILD_DIR:-$src/build}}" && pwd)
cli=$build/tools/caseledger
out=$src/tests/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rm -rf "$out"
mkdir -p "$out"/{frame,event_json,rule_pack,checkpoint,bundle}

cmake --build "$build" --target fuzz_frame_seeds caseledger >/dev/null
CASELEDGER_FUZZ_SEED_DIR=$out/frame "$build/tests/fuzz/fuzz_frame_seeds" "[.seeds]" >/dev/null

cp "$src"/projections/rules/*.toml "$out/rule_pack/"

n=0
for cases in 2 5 12; do
  data=$tmp/data-$cases
  "$cli" gen --data "$data" --cases "$cases" --seed "$cases" --quiet >/dev/null
  key=$("$cli" stat --data "$data" --json | sed -n 's/.*"verifierKey":"\([^"]*\)".*/\1/p')
  { echo "$key"; "$cli" checkpoint --data "$data"; } >"$out/checkpoint/checkpoint-$cases.txt"
  size=$("$cli" checkpoint --data "$data" | sed -n 2p)
  for pos in 0 $((size / 2)) $((size - 1)); do
    "$cli" prove inclusion --data "$data" --position "$pos" >"$out/checkpoint/inclusion-$cases-$pos.json"
  done
  for from in 1 $((size / 3)) $size; do
    "$cli" prove consistency --data "$data" --from "$from" >"$out/checkpoint/consistency-$cases-$from.json"
  done
  "$cli" read --data "$data" --from-position 0 --limit 100000 >"$tmp/log.jsonl"
  cat "$tmp/log.jsonl" >>"$tmp/events.jsonl"
  # Bundles of two of the generator's cases (the rule pack streams aside).
  for case_id in $(grep -o '"caseId":"[A-Z][A-Z]-[^"]*"' "$tmp/log.jsonl" | cut -d'"' -f4 |
                   sort -u | head -2); do
    "$cli" export --data "$data" --case "$case_id" \
      --out "$out/bundle/$cases-$case_id.bundle" >/dev/null
    # Personal sections, as `read --unseal` shows them: whole events, and the section alone.
    "$cli" read --data "$data" --case "$case_id" --unseal --limit 3 | grep '^{"personal"' |
      head -2 >"$tmp/unsealed.jsonl" || true
    while IFS= read -r line; do
      n=$((n + 1))
      printf '%s\n' "$line" >"$out/event_json/unsealed-$n.json"
      printf '%s\n' "$line" | sed -n 's/^{"personal":\(.*\)},"eventId".*/\1}/p' \
        >"$out/event_json/personal-$n.json"
    done <"$tmp/unsealed.jsonl"
  done
done

# One event of each type, first seen first.
awk '{
  if (match($0, /"body":\{"[A-Za-z]+"/) == 0) next
  type = substr($0, RSTART + 9, RLENGTH - 10)
  if (type == "rulePackActivated" || seen[type]++) next
  print > (dir "/event-" type ".json")
}' dir="$out/event_json" "$tmp/events.jsonl"

du -sh "$out"
for d in "$out"/*/; do echo "$(ls "$d" | wc -l) $(basename "$d")"; done
