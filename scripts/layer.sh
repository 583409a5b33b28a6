#!/usr/bin/env bash
# Runs one layer of `make test` and records its wall time and result.
#
#   scripts/layer.sh NAME COMMAND [ARG...]   run COMMAND (env assignments
#                                            allowed first), record NAME
#   scripts/layer.sh --summary               print the table of this run
#
# Records go to target/test-layers.txt; `make test` removes it first, so the
# table is the current run's. A failing layer is recorded, then its exit
# status ends `make test` as before.
set -uo pipefail
RECORD="${LAYER_RECORD:-target/test-layers.txt}"

if [ "${1:-}" = "--summary" ]; then
    [ -f "$RECORD" ] || { echo "no layers recorded in $RECORD"; exit 0; }
    total=0
    echo
    echo "== make test: time per layer"
    while read -r name seconds result; do
        printf '  %-16s %6s s  %s\n' "$name" "$seconds" "$result"
        total=$((total + seconds))
    done < "$RECORD"
    printf '  %-16s %6s s\n' "total" "$total"
    exit 0
fi

[ $# -ge 2 ] || { echo "usage: $0 NAME COMMAND [ARG...] | --summary" >&2; exit 2; }
name=$1
shift
mkdir -p "$(dirname "$RECORD")"
echo "== layer $name: $*"
start=$(date +%s)
env "$@"
status=$?
seconds=$(($(date +%s) - start))
if [ "$status" -eq 0 ]; then result=passed; else result="FAILED (exit $status)"; fi
echo "$name $seconds $result" >> "$RECORD"
echo "== layer $name: $result in ${seconds} s"
exit "$status"
