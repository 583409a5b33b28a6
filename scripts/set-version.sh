#!/bin/sh
# scripts/set-version.sh NEW — sets the project's version: Cargo.toml's
# [workspace.package] version (which the code, the image labels and
# `make release` derive from) and every text that names a released
# artifact (the merge-config image, the policy modules, the policy
# metadata, Artifact Hub's version and links). tests/python/test_version.py
# fails while any of them differs.
set -eu
new=${1:?usage: scripts/set-version.sh NEW (for example 0.2.0)}
case $new in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "set-version: '$new' is not a version like 0.2.0" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
old=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
[ -n "$old" ] || { echo "set-version: no [workspace.package] version in Cargo.toml" >&2; exit 1; }
sed -i "/^\[workspace.package\]/,/^\[/s/^version = \"$old\"/version = \"$new\"/" Cargo.toml
esc=$(printf '%s' "$old" | sed 's/\./\\./g')
git ls-files -z | xargs -0 grep -lIE "quay\.io/llsd-providers/|io\.kubewarden\.policy\.version|releases/download/v|VERSION=v|^version: $esc" 2>/dev/null \
  | grep -v '^Cargo.lock$' | while IFS= read -r file; do
    sed -i -E \
      -e "s#(quay\.io/llsd-providers/merge-config:)$esc\b#\1$new#g" \
      -e "s#(quay\.io/llsd-providers/kubewarden-policy[a-z-]*:v)$esc\b#\1$new#g" \
      -e "s#(io\.kubewarden\.policy\.version: *\"?)$esc\b#\1$new#g" \
      -e "s#(/releases/download/v)$esc/#\1$new/#g" \
      -e "s#\bVERSION=v$esc\b#VERSION=v$new#g" \
      "$file"
  done
for pkg in artifacthub/*pkg*.yml; do
  [ -f "$pkg" ] && sed -i -E "s/^version: $esc\$/version: $new/" "$pkg"
done
cargo update --workspace --quiet
echo "version $old -> $new; check with: .venv/bin/python -m pytest -q tests/python/test_version.py"
