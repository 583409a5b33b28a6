#!/usr/bin/env bash
# kwctl bench next to the waPC-host benchmark, on the same requests, in one run:
# LLSD validation and Deployment injection with 1 and 10 providers.
#
#   make bench-kwctl          (needs annotated-policy.wasm; compiles the host crate's bench once)
#
# 1. tests/policy-host's bench (policy.wasm in wapc + wasmtime, one warm
#    instance, thread CPU time) writes its requests and owner-lookup sessions
#    to target/kubewarden/bench/ and prints its table;
# 2. `kwctl bench` runs annotated-policy.wasm on each request (the injection
#    cases with --allow-context-aware and the replayed lookup), as the
#    policy-server evaluates: a fresh instance per evaluation, the
#    policy-evaluator's request/response handling around the call.
# Prints one Markdown table: waPC CPU and wall medians, kwctl wall median and
# mean (kwctl bench measures wall time), ratio of the wall medians.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
KWCTL="$(scripts/find-kwctl.sh)"
OUT=target/kubewarden/bench
# recorded lookups per injection case (see below)
REPLAYS="${REPLAYS:-20000}"
rm -rf "$OUT" && mkdir -p "$OUT"
export RUST_BACKTRACE=0

(cd tests/policy-host && BENCH_DUMP_DIR="$ROOT/$OUT" cargo bench --locked --bench policy) | tee "$OUT/wapc.txt"


printf '\n| case | waPC host CPU median µs | waPC host wall median µs | kwctl bench wall median µs | kwctl bench mean µs | kwctl/waPC (wall medians) |\n|---|---:|---:|---:|---:|---:|\n' | tee "$OUT/table.md"
for slug in llsd-1 llsd-10 deployment-1 deployment-10; do
  args=(-r "$OUT/$slug.json")
  bench_args=("${args[@]}")
  if [[ -f "$OUT/$slug.session.yml" ]]; then
    args+=(--allow-context-aware --replay-host-capabilities-interactions "$OUT/$slug.session.yml")
    # kwctl's replay consumes one recorded exchange per lookup: a one-exchange
    # session would turn every call after the first into the rejection path.
    # The bench gets the exchange $REPLAYS times (more than it makes calls:
    # checked below by kwctl's "not been replayed" warning at exit).
    { echo '---'; for _ in $(seq "$REPLAYS"); do tail -n +2 "$OUT/$slug.session.yml"; done; } >"$OUT/$slug.many.yml"
    bench_args+=(--allow-context-aware --replay-host-capabilities-interactions "$OUT/$slug.many.yml")
  fi
  # a verdict first: the request must be accepted (and, for a Deployment, mutated)
  verdict="$("$KWCTL" run "${args[@]}" annotated-policy.wasm 2>/dev/null)"
  jq -e '.allowed == true' <<<"$verdict" >/dev/null || { echo "$slug: not accepted: $verdict" >&2; exit 1; }
  if [[ "$slug" == deployment-* ]]; then jq -e '.patch' <<<"$verdict" >/dev/null || { echo "$slug: no patch" >&2; exit 1; }; fi
  "$KWCTL" bench --warm-up-time 1 --measurement-time 5 "${bench_args[@]}" annotated-policy.wasm \
    2>"$OUT/$slug.kwctl.err" >"$OUT/$slug.kwctl.txt"
  if [[ -f "$OUT/$slug.session.yml" ]]; then
    grep -q "Some of the recorded exchanges have not been replayed" "$OUT/$slug.kwctl.err" \
      || { echo "$slug: the bench used up the $REPLAYS recorded lookups; raise REPLAYS" >&2; exit 1; }
    rm -f "$OUT/$slug.many.yml" "$OUT/$slug.kwctl.err"
  fi
  line="$(sed -E 's/\x1b\[[0-9;]*m//g' "$OUT/$slug.kwctl.txt" | awk '/^validate /{grab=1} grab && /sample data/{print; exit}')"
  num() { # "<value><unit>" -> µs
    local s="$1" v unit; v="${s%%[a-zµ]*}"; unit="${s#"$v"}"
    case "$unit" in ns) awk -v v="$v" 'BEGIN{printf "%.1f", v/1000}' ;; µs) awk -v v="$v" 'BEGIN{printf "%.1f", v}' ;;
      ms) awk -v v="$v" 'BEGIN{printf "%.1f", v*1000}' ;; s) awk -v v="$v" 'BEGIN{printf "%.1f", v*1e6}' ;; *) echo "?"; return 1 ;; esac
  }
  med="$(num "$(grep -oE 'med = [0-9.]+[a-zµ]+' <<<"$line" | cut -d' ' -f3)")"
  mean="$(num "$(grep -oE '\]:[[:space:]]*\[[0-9.]+[a-zµ]+ [0-9.]+[a-zµ]+' <<<"$line" | awk '{print $3}')")"
  case "$slug" in
    llsd-1) name="LLSD validation, 1 provider" ;; llsd-10) name="LLSD validation, 10 providers" ;;
    deployment-1) name="Deployment injection, 1 provider" ;; deployment-10) name="Deployment injection, 10 providers" ;;
  esac
  wapc="$(awk -F'|' -v n="$name" '$2 == " " n " " {gsub(/ /, "", $3); print $3}' "$OUT/wapc.txt")"
  wapc_wall="$(awk -F'|' -v n="$name" '$2 == " " n " " {gsub(/ /, "", $8); print $8}' "$OUT/wapc.txt")"
  ratio="$(awk -v a="$med" -v b="$wapc_wall" 'BEGIN{printf "%.1f", a/b}')"
  echo "| $name | $wapc | $wapc_wall | $med | $mean | $ratio |" | tee -a "$OUT/table.md"
done
echo
echo "kwctl $("$KWCTL" --version | head -1 | awk '{print $2}'); raw outputs in $OUT/"
