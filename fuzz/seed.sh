#!/usr/bin/env bash
# Builds the seed corpora fuzz/corpus/{merge,metadata}/ (git-ignored) from
# the trap files, the shared fixture run.yamls, the examples and the
# reproducers in fuzz/regressions/<target>/.
#
#   fuzz/seed.sh            # from anywhere; idempotent, only adds files
#
# The shared fixtures are read from $LLSD_FIXTURES, else ../shared/fixtures
# next to the checkout (the same rule as the integration tests).
set -euo pipefail

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$fuzz_dir")"
fixtures="${LLSD_FIXTURES:-$repo/../shared/fixtures}"

merge_dir="$fuzz_dir/corpus/merge"
metadata_dir="$fuzz_dir/corpus/metadata"
mkdir -p "$merge_dir" "$metadata_dir" "$fuzz_dir/corpus/install"

# Control prefixes for the merge target (`control NUL base`): the bytes
# before the NUL pick the providers (several APIs, ids that clash with the
# fixtures', configs); a seed without a NUL is merged with one default
# provider.
headers=(
  '\x03\x01\x00'
  '\x7f\x02\x05\x01\x41\x10\x22\x93\x05\xc1\x0b\x61\x62\x63\x2a\x07\x31\x0f\x3c\x88\x17\x00'
  '\xff\xf0\x30\x0b\x19\x04\x66\x42\x11\x80\x0d\x5a\xe3\x71\x09\x02\x7e\x01\x38\xa5\x4c\x27\x00'
)

count=0
add() { # add SOURCE NAME
  local src="$1" name="$2"
  cp "$src" "$metadata_dir/$name"
  cp "$src" "$merge_dir/$name"
  local i=0
  for h in "${headers[@]}"; do
    { printf "$h"; cat "$src"; } >"$merge_dir/h$i-$name"
    i=$((i + 1))
  done
  count=$((count + 1))
}

shopt -s nullglob
for f in "$repo"/tests/data/traps/*.yaml; do
  add "$f" "trap-$(basename "$f")"
done
if [ -d "$fixtures/runyamls" ]; then
  for f in "$fixtures"/runyamls/*.yaml; do
    add "$f" "fixture-$(basename "$f")"
  done
else
  echo "seed.sh: no shared fixtures at $fixtures/runyamls (set LLSD_FIXTURES)" >&2
fi
while IFS= read -r f; do
  rel="${f#"$repo"/examples/}"
  add "$f" "example-${rel//\//-}"
done < <(find "$repo/examples" -name '*.yaml' | sort)

# Requirement seeds: what Requires-Dist lines look like, markers and extras.
requirement_dir="$fuzz_dir/corpus/requirement"
mkdir -p "$requirement_dir"
i=0
for r in 'pyyaml>=6.0' 'llama-stack-api>=0.7.3' 'ogx-api==1.5.*' \
  'requests[socks,security] (>=2.31,<3)' \
  'numpy>=1.26; python_version >= "3.12" and platform_machine == "x86_64"' \
  'x; extra == "test" or extra == "dev"' 'torch ; sys_platform != "darwin"' \
  'pkg @ https://example.com/pkg-1.0-py3-none-any.whl'; do
  printf '%s' "$r" >"$requirement_dir/seed-$i"
  i=$((i + 1))
done

# Past findings go in as seeds too, so every run replays them first.
for target in merge metadata requirement install; do
  for f in "$fuzz_dir/regressions/$target"/*; do
    cp "$f" "$fuzz_dir/corpus/$target/regression-$(basename "$f")"
  done
done

echo "seed.sh: $count seed files -> $(ls "$merge_dir" | wc -l) in corpus/merge, $(ls "$metadata_dir" | wc -l) in corpus/metadata"
