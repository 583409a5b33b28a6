#!/usr/bin/env bash
# Prints the kwctl to use, or fails saying where it looked.
# Order: $KWCTL (an explicit choice), kwctl on PATH, then ../shared/tools/kwctl
# relative to the repository root (where CI provides it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="$(cd "$root/.." && pwd)/shared/tools/kwctl"
if [[ -n "${KWCTL:-}" ]]; then
  if [[ -x "$KWCTL" ]] || command -v "$KWCTL" >/dev/null 2>&1; then
    command -v "$KWCTL"
    exit 0
  fi
  echo "kwctl not found: KWCTL=$KWCTL is not an executable" >&2
  exit 1
fi
if command -v kwctl >/dev/null 2>&1; then
  command -v kwctl
  exit 0
fi
if [[ -x "$shared" ]]; then
  echo "$shared"
  exit 0
fi
cat >&2 <<MSG
kwctl not found: not in \$KWCTL, not on PATH, not at $shared.
Install Kubewarden's kwctl (a release binary) and put it on PATH, or set KWCTL=/path/to/kwctl.
MSG
exit 1
