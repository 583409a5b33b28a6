#!/usr/bin/env bash
# Runs the four fuzz targets (merge, metadata, install, requirement), one
# after the other, for N seconds each; `fuzz/run.sh 600 install` runs one.
#
#   fuzz/run.sh [seconds]          # default 600
#
# Stable Rust only: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly
# flags (-Zsanitizer=address, sanitizer-coverage). SANITIZER=none builds
# without ASan if -Zsanitizer=address is unavailable.
#
# libFuzzer runs in fork mode with one job (-fork=1): a crash, timeout or
# OOM is written to fuzz/artifacts/<target>/ and fuzzing goes on, so a
# known bug does not end the run early. FORK=0 stops at the first finding
# instead. Output goes to fuzz/logs/<target>.log (git-ignored).
set -euo pipefail

seconds="${1:-600}"
shift || true
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(merge metadata install requirement)
fi
fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$fuzz_dir"
export RUSTC_BOOTSTRAP=1

[ -d corpus/merge ] && [ -d corpus/metadata ] && [ -d corpus/requirement ] || ./seed.sh
mkdir -p corpus/install
mkdir -p logs

sanitizer=(--sanitizer "${SANITIZER:-address}")
cargo fuzz build "${sanitizer[@]}"

fork=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
[ "${FORK:-1}" = 0 ] && fork=()

status=0
for target in "${targets[@]}"; do
  echo "== $target: ${seconds}s"
  # per target: the YAML dictionary helps the targets that read YAML;
  # install's structured input needs room to describe trees and wheels
  extra=()
  case "$target" in
    merge | metadata) extra=(-dict=yaml.dict) ;;
    install) extra=(-max_len=8192) ;;
  esac
  if ! cargo fuzz run "${sanitizer[@]}" "$target" "corpus/$target" -- \
    "${extra[@]}" \
    -max_total_time="$seconds" \
    -rss_limit_mb=2048 \
    -timeout=10 \
    -print_final_stats=1 \
    "${fork[@]}" \
    2>&1 | tee "logs/$target.log" |
    { grep --line-buffered -E '^#[0-9]+: |^#[0-9]+[[:space:]]+DONE|^INFO: fuzzed for|panicked at|SUMMARY|^stat::' || true; }
  then
    status=1
  fi
  # Last progress line: total execs, cov (PCs), ft (features), corpus size.
  last=$(grep -E '^#[0-9]+[:[:space:]]' "logs/$target.log" | tail -n 1 || true)
  found=$(ls "artifacts/$target" 2>/dev/null | grep -cE '^(crash|timeout|oom|leak|slow-unit)-' || true)
  [ "$found" = 0 ] || status=1
  echo "== $target: $last"
  echo "== $target: $found finding(s) in fuzz/artifacts/$target/ (replay: RUSTC_BOOTSTRAP=1 cargo fuzz run $target <file>)"
done
exit "$status"
