#!/usr/bin/env bats
# End-to-end tests of the llsd-providers Kubewarden policy the way Kubewarden
# policies test theirs: `kwctl run` on the annotated module (and on the
# ClusterAdmissionPolicy manifests), requests from the policy's test data,
# the owning-LLSD lookup (and the CRD lookup before a wired Deployment's
# providers are removed) replayed from recorded host-capability sessions.
#
#   make e2e-tests    # builds annotated-policy.wasm, the role manifests and the CLI, then runs this
#
# Needs: kwctl ($KWCTL, PATH or ../shared/tools/kwctl; missing = every test
# fails), policy.wasm and annotated-policy.wasm, target/kubewarden/*.{wasm,yaml}
# (make kubewarden-manifests), target/debug/llsd-providers (cargo build),
# jq, yq, and .venv (make setup-python: PyYAML, jsonpatch).

bats_require_minimum_version 1.5.0

setup_file() {
  ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
  # Fails setup_file (so every test) with find-kwctl.sh's message when kwctl is missing.
  KWCTL="$("$ROOT/scripts/find-kwctl.sh")"
  export ROOT KWCTL
  for file in policy.wasm annotated-policy.wasm target/debug/llsd-providers .venv/bin/python \
    target/kubewarden/validate-llsd.yaml target/kubewarden/inject-deployments.yaml; do
    [[ -e "$ROOT/$file" ]] || { echo "missing $ROOT/$file: run make e2e-tests" >&2; return 1; }
  done
}

setup() {
  cd "$ROOT"
  DATA=tests/data/policy
  SESSIONS=tests/kubewarden/test_data
  POLICY=annotated-policy.wasm
  PY=.venv/bin/python
  # kwctl prints Rust backtraces into the host's error messages when this is set.
  export RUST_BACKTRACE=0
}

# kwctl run; stdout (the AdmissionResponse) in $output, kwctl's log in $stderr.
kw_run() {
  run --separate-stderr "$KWCTL" --no-color run "$@"
}

allowed() { jq -e '.allowed == true' <<<"$output" >/dev/null; }
rejected() { jq -e '.allowed == false' <<<"$output" >/dev/null; }
no_patch() { jq -e 'has("patch") | not' <<<"$output" >/dev/null; }
message() { jq -r '.status.message // ""' <<<"$output"; }
# The response's only admission warning (fails unless there is exactly one).
warning() { jq -er 'select((.warnings | length) == 1) | .warnings[0]' <<<"$output"; }
no_warning() { jq -e '(.warnings // []) == []' <<<"$output" >/dev/null; }

# The object of request file $1 with the response's JSON patch applied
# (what the API server stores), as JSON.
patched() {
  jq -r '.patch' <<<"$output" | base64 -d >"$BATS_TEST_TMPDIR/patch.json"
  jq '.object' "$1" >"$BATS_TEST_TMPDIR/object.json"
  "$PY" -c '
import json, sys, jsonpatch
obj = json.load(open(sys.argv[1]))
patch = json.load(open(sys.argv[2]))
print(json.dumps(jsonpatch.apply_patch(obj, patch), sort_keys=True))
' "$BATS_TEST_TMPDIR/object.json" "$BATS_TEST_TMPDIR/patch.json"
}

# `llsd-providers inject` on the request's Deployment and an LLSD of
# cluster.json ($2: namespace/name), [$3: options file], as JSON.
cli_inject() {
  jq '.object' "$1" >"$BATS_TEST_TMPDIR/deployment.json"
  jq --arg key "$2" '.resources[$key]' "$DATA/cluster.json" >"$BATS_TEST_TMPDIR/llsd.json"
  local options=()
  [[ -n "${3:-}" ]] && options=(--options "$3")
  target/debug/llsd-providers inject --llsd "$BATS_TEST_TMPDIR/llsd.json" \
    --deployment "$BATS_TEST_TMPDIR/deployment.json" "${options[@]}" >"$BATS_TEST_TMPDIR/cli.yaml"
  "$PY" -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1])), sort_keys=True))' \
    "$BATS_TEST_TMPDIR/cli.yaml"
}

# The yq filter comparing metadata field $1 (a dotted path) between files:
# the field itself, but contextAwareResources as the set kwctl keeps (kwctl
# annotate and scaffold write it sorted, whatever the order in metadata.yml).
field_filter() {
  case "$1" in
    contextAwareResources | *.contextAwareResources) echo ".$1 | sort" ;;
    *) echo ".$1" ;;
  esac
}

# A ClusterAdmissionPolicy manifest with its module pointed at a local file.
local_manifest() {
  sed "s|^\(  module: \).*|\1file://$ROOT/$2|" "$1" >"$BATS_TEST_TMPDIR/$(basename "$1")"
  echo "$BATS_TEST_TMPDIR/$(basename "$1")"
}

# --- kwctl itself and the annotated module -----------------------------------

@test "find-kwctl.sh fails naming where it looked when there is no kwctl" {
  mkdir -p "$BATS_TEST_TMPDIR/repo/scripts"
  cp scripts/find-kwctl.sh "$BATS_TEST_TMPDIR/repo/scripts/"
  run --separate-stderr env -u KWCTL PATH=/usr/bin:/bin "$BATS_TEST_TMPDIR/repo/scripts/find-kwctl.sh"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"kwctl not found: not in \$KWCTL, not on PATH, not at $BATS_TEST_TMPDIR/shared/tools/kwctl"* ]]
  run --separate-stderr env KWCTL=/nonexistent/kwctl "$BATS_TEST_TMPDIR/repo/scripts/find-kwctl.sh"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"KWCTL=/nonexistent/kwctl is not an executable"* ]]
}

@test "annotated-policy.wasm carries policy-metadata/metadata.yml and the policy README as usage" {
  run --separate-stderr "$KWCTL" inspect -o yaml "$POLICY"
  [ "$status" -eq 0 ]
  echo "$output" >"$BATS_TEST_TMPDIR/inspect.yaml"
  for field in rules mutating contextAwareResources hostCapabilities executionMode backgroundAudit; do
    diff <(yq -S "$(field_filter "$field")" policy-metadata/metadata.yml) \
      <(yq -S "$(field_filter "$field")" "$BATS_TEST_TMPDIR/inspect.yaml")
  done
  diff <(yq -r '.annotations["io.kubewarden.policy.usage"]' "$BATS_TEST_TMPDIR/inspect.yaml") \
    <(cat policy-metadata/README.md; echo)
  # the policy's own usage text, not the repository README (CLI, playground, merge)
  if yq -r '.annotations["io.kubewarden.policy.usage"]' "$BATS_TEST_TMPDIR/inspect.yaml" | grep -q "## Playground"; then
    echo "the usage text is the repository README"; false
  fi
}

# --- validating role: LlamaStackDistributions --------------------------------

@test "a valid LLSD is accepted" {
  kw_run -r "$DATA/llsd-create-valid.json" "$POLICY"
  [ "$status" -eq 0 ]
  allowed; no_patch
}

@test "an invalid LLSD is rejected with every violation, its path and fix" {
  kw_run -r "$DATA/llsd-create-invalid.json" "$POLICY"
  [ "$status" -eq 0 ]
  rejected
  msg="$(message)"
  [[ "$msg" == "LlamaStackDistribution 'invalid' is invalid (6 error(s)):"* ]]
  for path in inference[0].providerId inference[1].image inference[1].imagePullPolicy \
    safety[0].config safety[0].providerId vector_io; do
    [[ "$msg" == *"ERROR spec.server.externalProviders.$path:"* ]] || { echo "no $path in: $msg"; false; }
  done
  # and the warning that not every server serves safety (issue #22), with its fix
  [[ "$msg" == *"WARNING spec.server.externalProviders.safety: not every server serves"* ]]
  [ "$(grep -c '^  fix: ' <<<"$msg")" -eq 7 ]
}

@test "supply chain: requireDigest rejects tagged provider images" {
  kw_run -r "$DATA/llsd-create-valid.json" -s "$DATA/settings/strict.json" "$POLICY"
  rejected
  [ "$(grep -c "is not pinned by a sha256 digest, which the policy's requireDigest demands" <<<"$(message)")" -eq 2 ]
}

@test "supply chain: allowedRegistries rejects an image from another registry" {
  kw_run -r "$DATA/llsd-create-valid.json" --settings-json '{"allowedRegistries":["quay.io/trustyai"]}' "$POLICY"
  rejected
  [[ "$(message)" == *"'registry.example.com/llama-providers/custom-vllm:1.0.0' comes from registry 'registry.example.com', which the policy's allowedRegistries (quay.io/trustyai) does not list"* ]]
}

@test "supply chain: maxProviders rejects an LLSD with too many providers" {
  kw_run -r "$DATA/llsd-create-valid.json" --settings-json '{"maxProviders":1}' "$POLICY"
  rejected
  [[ "$(message)" == *"ERROR spec.server.externalProviders: lists 2 providers; the policy's maxProviders allows at most 1"* ]]
}

@test "supply chain: pinned images from an allowed registry are accepted" {
  kw_run -r "$DATA/llsd-update-pinned.json" -s "$DATA/settings/strict.json" "$POLICY"
  allowed; no_patch
}

@test "LLSD DELETE and other kinds pass unchecked" {
  kw_run -r "$DATA/llsd-delete.json" "$POLICY"
  allowed; no_patch
  kw_run -r "$DATA/configmap-create.json" "$POLICY"
  allowed; no_patch
}

# --- injecting role: the operator's Deployments ------------------------------

@test "an owned Deployment is injected: the patch applied is what llsd-providers inject prints" {
  req="$DATA/deployment-create-providers.json"
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner.yml" -r "$req" "$POLICY"
  [ "$status" -eq 0 ]
  allowed
  [ "$(jq -r .patchType <<<"$output")" = JSONPatch ]
  patched "$req" >"$BATS_TEST_TMPDIR/admitted.json"
  cli_inject "$req" default/llamastack-with-userconfig >"$BATS_TEST_TMPDIR/expected.json"
  diff <(jq . "$BATS_TEST_TMPDIR/expected.json") <(jq . "$BATS_TEST_TMPDIR/admitted.json")
  # and it did inject (installMode initContainers, the default): the
  # installer staged, both providers' trees copied, then install + merge
  [ "$(jq -c '[.spec.template.spec.initContainers[].name]' "$BATS_TEST_TMPDIR/admitted.json")" = \
    '["stage-installer","install-provider-custom-vllm","install-provider-pgvector-ext","merge-config"]' ]
}

@test "installMode imageVolume: one init container, provider images as image volumes, what llsd-providers inject prints" {
  req="$DATA/deployment-create-providers.json"
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner.yml" \
    --settings-json '{"installMode":"imageVolume"}' -r "$req" "$POLICY"
  [ "$status" -eq 0 ]
  allowed
  patched "$req" >"$BATS_TEST_TMPDIR/admitted.json"
  echo 'installMode: imageVolume' >"$BATS_TEST_TMPDIR/options.yaml"
  cli_inject "$req" default/llamastack-with-userconfig "$BATS_TEST_TMPDIR/options.yaml" >"$BATS_TEST_TMPDIR/expected.json"
  diff <(jq . "$BATS_TEST_TMPDIR/expected.json") <(jq . "$BATS_TEST_TMPDIR/admitted.json")
  [ "$(jq -c '[.spec.template.spec.initContainers[].name]' "$BATS_TEST_TMPDIR/admitted.json")" = '["merge-config"]' ]
  [ "$(jq -c '[.spec.template.spec.volumes[] | select(.image) | .name]' "$BATS_TEST_TMPDIR/admitted.json")" = \
    '["llsd-tools","llsd-provider-custom-vllm","llsd-provider-pgvector-ext"]' ]
}

@test "re-admitting its own output yields no patch" {
  req="$DATA/deployment-create-providers.json"
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner.yml" -r "$req" "$POLICY"
  patched "$req" >"$BATS_TEST_TMPDIR/admitted.json"
  jq --slurpfile admitted "$BATS_TEST_TMPDIR/admitted.json" \
    '.operation = "UPDATE" | .oldObject = $admitted[0] | .object = $admitted[0]' "$req" >"$BATS_TEST_TMPDIR/update.json"
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner.yml" \
    -r "$BATS_TEST_TMPDIR/update.json" "$POLICY"
  [ "$status" -eq 0 ]
  allowed; no_patch
  # the fixture written from the CLI's output (replicas changed by the operator) is unchanged too
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner.yml" \
    -r "$DATA/deployment-update-injected.json" "$POLICY"
  allowed; no_patch
}

@test "an unowned Deployment passes untouched, without a lookup" {
  # the empty session fails any host call: passing proves no lookup was made
  echo '[]' >"$BATS_TEST_TMPDIR/empty.yml"
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$BATS_TEST_TMPDIR/empty.yml" \
    -r "$DATA/deployment-create-unowned.json" "$POLICY"
  [ "$status" -eq 0 ]
  allowed; no_patch
  # the same session fails an owned Deployment's lookup: the check above can fail
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$BATS_TEST_TMPDIR/empty.yml" \
    -r "$DATA/deployment-create-providers.json" "$POLICY"
  allowed; no_patch
  [[ "$(warning)" == "external providers not injected: "*"the list of recorded responses is empty"* ]]
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$BATS_TEST_TMPDIR/empty.yml" \
    -r "$DATA/deployment-update-injected.json" "$POLICY"
  rejected
  [[ "$(message)" == *"the list of recorded responses is empty"* ]]
}

@test "the owner lookup is uncached: a session recorded with the cache would not replay" {
  sed 's/disable_cache: true/disable_cache: false/' "$SESSIONS/session-owner.yml" >"$BATS_TEST_TMPDIR/cached.yml"
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$BATS_TEST_TMPDIR/cached.yml" \
    -r "$DATA/deployment-update-injected.json" "$POLICY"
  rejected
  [[ "$(message)" == *"Replay error: unexpected request"* ]]
  # an unwired Deployment is admitted as it is, with the error as a warning
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$BATS_TEST_TMPDIR/cached.yml" \
    -r "$DATA/deployment-create-providers.json" "$POLICY"
  allowed; no_patch
  [[ "$(warning)" == *"Replay error: unexpected request"* ]]
}

@test "an owner LLSD without providers: an unwired Deployment passes unchanged, without a CRD lookup" {
  # the session holds the owner lookup only: a CRD lookup would fail the replay
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner-plain.yml" \
    -r "$DATA/deployment-create-no-providers.json" "$POLICY"
  allowed; no_patch; no_warning
}

@test "an owner LLSD without providers: a wired Deployment's providers are removed when the CRD has the patch" {
  req="$DATA/deployment-update-wired-no-providers.json"
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner-plain-crd.yml" -r "$req" "$POLICY"
  [ "$status" -eq 0 ]
  allowed; no_warning
  [ "$(jq -r .patchType <<<"$output")" = JSONPatch ]
  patched "$req" >"$BATS_TEST_TMPDIR/admitted.json"
  # back to the operator's own Deployment, what llsd-providers inject prints
  diff <(jq -S .object "$DATA/deployment-create-no-providers.json") <(jq -S . "$BATS_TEST_TMPDIR/admitted.json")
  cli_inject "$req" default/plain >"$BATS_TEST_TMPDIR/expected.json"
  diff <(jq . "$BATS_TEST_TMPDIR/expected.json") <(jq . "$BATS_TEST_TMPDIR/admitted.json")
  # without the CRD lookup in the session the replay fails, and the wiring is kept
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner-plain.yml" -r "$req" "$POLICY"
  rejected
  [[ "$(message)" == "refusing to remove the external providers of Deployment 'llamastack-with-userconfig': LlamaStackDistribution 'default/plain' lists none, but cannot read CustomResourceDefinition 'llamastackdistributions.llamastack.io'"* ]]
}

@test "an owner LLSD without providers and a CRD without the patch: a wired Deployment is rejected naming the patch" {
  req="$DATA/deployment-update-wired-no-providers.json"
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner-plain-crd-unpatched.yml" \
    -r "$req" "$POLICY"
  [ "$status" -eq 0 ]
  rejected; no_patch
  msg="$(message)"
  [[ "$msg" == "refusing to remove the external providers of Deployment 'llamastack-with-userconfig': LlamaStackDistribution 'default/plain' lists none, but CustomResourceDefinition 'llamastackdistributions.llamastack.io' (version v1alpha1) has no spec.server.externalProviders: "* ]]
  [[ "$msg" == *$'\n  fix: re-apply the patch: kubectl patch crd llamastackdistributions.llamastack.io --type=json --patch-file config/crd/external-providers-patch.yaml'* ]]
  # the CRD lookup is cluster-scoped and uncached too: a session recorded with the cache would not replay
  sed '/name: llamastackdistributions.llamastack.io/{n;s/disable_cache: true/disable_cache: false/}' \
    "$SESSIONS/session-owner-plain-crd-unpatched.yml" >"$BATS_TEST_TMPDIR/crd-cached.yml"
  [ "$(grep -c 'disable_cache: false' "$BATS_TEST_TMPDIR/crd-cached.yml")" -eq 1 ]
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$BATS_TEST_TMPDIR/crd-cached.yml" -r "$req" "$POLICY"
  rejected
  [[ "$(message)" == *"cannot read CustomResourceDefinition"*"Replay error: unexpected request"* ]]
}

@test "without CustomResourceDefinition in contextAwareResources the CRD lookup is refused and the wiring kept" {
  yq -y 'del(.contextAwareResources[] | select(.kind == "CustomResourceDefinition"))' policy-metadata/metadata.yml \
    >"$BATS_TEST_TMPDIR/metadata.yml"
  [ "$(yq -c .contextAwareResources "$BATS_TEST_TMPDIR/metadata.yml")" = '[{"apiVersion":"llamastack.io/v1alpha1","kind":"LlamaStackDistribution"}]' ]
  "$KWCTL" annotate -m "$BATS_TEST_TMPDIR/metadata.yml" -u policy-metadata/README.md -o "$BATS_TEST_TMPDIR/no-crd.wasm" policy.wasm
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner-plain-crd.yml" \
    -r "$DATA/deployment-update-wired-no-providers.json" "$BATS_TEST_TMPDIR/no-crd.wasm"
  rejected
  msg="$(message)"
  [[ "$msg" == *"lists none, but cannot read CustomResourceDefinition 'llamastackdistributions.llamastack.io'"* ]]
  [[ "$msg" == *"Policy has not been granted access to Kubernetes apiextensions.k8s.io/v1/CustomResourceDefinition resources"* ]]
  [[ "$msg" == *"fix: give the policy access to it (contextAwareResources: apiextensions.k8s.io/v1 CustomResourceDefinition"* ]]
  # the same module wires an owner with providers (the LLSD lookup is granted)
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner.yml" \
    -r "$DATA/deployment-create-providers.json" "$BATS_TEST_TMPDIR/no-crd.wasm"
  allowed
  [ "$(jq -r .patchType <<<"$output")" = JSONPatch ]
}

@test "the owner LLSD is not found: an unwired Deployment is admitted unchanged with a warning saying which and why" {
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner-missing.yml" \
    -r "$DATA/deployment-create-owner-missing.json" "$POLICY"
  [ "$status" -eq 0 ]
  allowed; no_patch
  [ -z "$(message)" ]
  msg="$(warning)"
  [[ "$msg" == "external providers not injected: cannot look up LlamaStackDistribution 'default/ghost', the controller owner of Deployment 'llamastack-with-userconfig', to inject its external providers: "* ]]
  [[ "$msg" == *"Cannot find llamastack.io/v1alpha1/LlamaStackDistribution named 'ghost' inside of namespace 'default' (fix: if the LlamaStackDistribution exists, give the policy access to it"* ]]
  [[ "$msg" == *"; the operator's next update is wired once the lookup works)" ]]
  [[ "$msg" != *$'\n'* ]]
}

@test "the owner LLSD is not found: a wired Deployment is rejected saying which and why" {
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner-missing.yml" \
    -r "$DATA/deployment-update-wired-owner-missing.json" "$POLICY"
  [ "$status" -eq 0 ]
  rejected; no_patch; no_warning
  msg="$(message)"
  [[ "$msg" == "cannot look up LlamaStackDistribution 'default/ghost', the controller owner of Deployment 'llamastack-with-userconfig', to inject its external providers: "* ]]
  [[ "$msg" == *"Cannot find llamastack.io/v1alpha1/LlamaStackDistribution named 'ghost' inside of namespace 'default'"$'\n'"  fix: if the LlamaStackDistribution exists, give the policy access to it"* ]]
}

@test "without --allow-context-aware the lookup is refused: an unwired Deployment is admitted with a warning, a wired one rejected" {
  kw_run --replay-host-capabilities-interactions "$SESSIONS/session-owner.yml" \
    -r "$DATA/deployment-create-providers.json" "$POLICY"
  allowed; no_patch
  [[ "$(warning)" == "external providers not injected: "*"Policy has not been granted access to Kubernetes llamastack.io/v1alpha1/LlamaStackDistribution resources"* ]]
  kw_run --replay-host-capabilities-interactions "$SESSIONS/session-owner.yml" \
    -r "$DATA/deployment-update-injected.json" "$POLICY"
  rejected
  [[ "$(message)" == *"Policy has not been granted access to Kubernetes llamastack.io/v1alpha1/LlamaStackDistribution resources"* ]]
}

@test "an invalid owner LLSD: the Deployment is rejected with the LLSD's violations" {
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner-invalid.yml" \
    -r "$DATA/deployment-create-owner-invalid.json" "$POLICY"
  rejected
  [[ "$(message)" == "LlamaStackDistribution 'default/broken', the controller owner of Deployment 'llamastack-with-userconfig', is invalid"* ]]
  [[ "$(message)" == *"ERROR "* ]]
}

@test "supply chain on the looked-up owner: tagged images are not wired under requireDigest" {
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner.yml" \
    -r "$DATA/deployment-create-providers.json" -s "$DATA/settings/strict.json" "$POLICY"
  rejected
  [[ "$(message)" == *"breaks the policy's supply-chain rules:"* ]]
  [[ "$(message)" == *"is not pinned by a sha256 digest"* ]]
}

@test "supply chain on the looked-up owner: a pinned owner is injected under the same settings" {
  req="$DATA/deployment-create-pinned.json"
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner-pinned.yml" \
    -r "$req" -s "$DATA/settings/strict.json" "$POLICY"
  allowed
  patched "$req" >"$BATS_TEST_TMPDIR/admitted.json"
  cli_inject "$req" default/pinned >"$BATS_TEST_TMPDIR/expected.json"
  diff <(jq . "$BATS_TEST_TMPDIR/expected.json") <(jq . "$BATS_TEST_TMPDIR/admitted.json")
}

# --- settings ----------------------------------------------------------------

@test "bad settings are refused by kwctl run with every problem named" {
  kw_run -r "$DATA/llsd-create-valid.json" -s "$DATA/settings/invalid.json" "$POLICY"
  [ "$status" -ne 0 ]
  [ -z "$output" ]
  [[ "$stderr" == *"Provided settings are not valid: the policy settings are invalid:"* ]]
  for line in \
    "ERROR allowedRegistries[0]: 'https://quay.io' has a scheme; registries are matched by host name" \
    "ERROR allowedRegistry: 'allowedRegistry' is not a setting of this policy" \
    "ERROR maxProviders: is 0, not a whole number from 1 to 1024" \
    "ERROR requireDigest: must be true or false, found a string" \
    "ERROR initContainerResources.cpu: unknown field \`cpu\`" \
    "ERROR mergeImage: 'Not An Image' is not a valid image reference" \
    "ERROR sharedVolumeSizeLimit: '2GB' is not a Kubernetes quantity"; do
    [[ "$stderr" == *"$line"* ]] || { echo "missing: $line"; false; }
  done
}

@test "the settings example (every setting, its default) is accepted" {
  kw_run -r "$DATA/llsd-create-valid.json" -s examples/kubewarden/settings.yaml "$POLICY"
  [ "$status" -eq 0 ]
  allowed
}

# --- the two roles: scaffolded manifests and the documented examples ---------

@test "kwctl scaffold manifest, validating role: LLSD rule, not mutating, no cluster access" {
  m=target/kubewarden/validate-llsd.yaml
  [ "$(yq -r .kind "$m")" = ClusterAdmissionPolicy ]
  [ "$(yq -r .metadata.name "$m")" = llsd-providers-validate ]
  [ "$(yq -c .spec.rules "$m")" = '[{"apiGroups":["llamastack.io"],"apiVersions":["v1alpha1"],"resources":["llamastackdistributions"],"operations":["CREATE","UPDATE"]}]' ]
  [ "$(yq -r .spec.mutating "$m")" = false ]
  [ "$(yq -c '.spec.contextAwareResources // []' "$m")" = '[]' ]
  [ "$(yq -r '.spec.backgroundAudit // true' "$m")" = true ]
}

@test "kwctl scaffold manifest, injecting role: Deployment rule, mutating, reads LLSDs and their CRD" {
  m=target/kubewarden/inject-deployments.yaml
  [ "$(yq -r .kind "$m")" = ClusterAdmissionPolicy ]
  [ "$(yq -r .metadata.name "$m")" = llsd-providers-inject ]
  [ "$(yq -c .spec.rules "$m")" = '[{"apiGroups":["apps"],"apiVersions":["v1"],"resources":["deployments"],"operations":["CREATE","UPDATE"]}]' ]
  [ "$(yq -r .spec.mutating "$m")" = true ]
  # (in kwctl's order: sorted)
  [ "$(yq -c .spec.contextAwareResources "$m")" = '[{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition"},{"apiVersion":"llamastack.io/v1alpha1","kind":"LlamaStackDistribution"}]' ]
  [ "$(yq -r .spec.backgroundAudit "$m")" = false ]
}

@test "the documented examples are the scaffolded manifests plus mode, failure policy and selection" {
  for role in validate-llsd inject-deployments; do
    scaffold=target/kubewarden/$role.yaml example=examples/kubewarden/$role.yaml
    diff <(yq -S '.metadata' "$scaffold") <(yq -S '.metadata' "$example")
    # every field kwctl wrote is in the example, with the same value (module aside)
    for key in $(yq -r '.spec | keys[] | select(. != "module")' "$scaffold"); do
      diff <(yq -S "$(field_filter "spec.$key")" "$scaffold") <(yq -S "$(field_filter "spec.$key")" "$example") ||
        { echo "$role: spec.$key differs"; false; }
    done
    # and the example adds only these
    extra="$(jq -rn --argjson s "$(yq -c '.spec | keys' "$scaffold")" --argjson e "$(yq -c '.spec | keys' "$example")" \
      '$e - $s - ["mode","failurePolicy","timeoutSeconds","matchConditions","backgroundAudit","module"] | join(",")')"
    [ -z "$extra" ] || { echo "$role: unexpected spec fields $extra"; false; }
  done
  # selection: the injecting instance by the controller ownerReference, the
  # validating one by its rule and whether the LLSD lists external providers
  [ "$(yq -r '.spec.matchConditions[0].name' examples/kubewarden/inject-deployments.yaml)" = controlled-by-llamastackdistribution ]
  [ "$(yq -r '.spec | has("objectSelector")' examples/kubewarden/inject-deployments.yaml)" = false ]
  [ "$(yq -c '.spec.matchConditions' examples/kubewarden/validate-llsd.yaml)" = \
    '[{"name":"lists-external-providers","expression":"has(object.spec.server) && has(object.spec.server.externalProviders)"}]' ]
  [ "$(yq -r '.spec | has("objectSelector")' examples/kubewarden/validate-llsd.yaml)" = false ]
}

@test "kwctl run on the validating example manifest rejects an LLSD breaking its supply-chain settings" {
  manifest="$(local_manifest examples/kubewarden/validate-llsd.yaml target/kubewarden/validate-llsd.wasm)"
  kw_run -r "$DATA/llsd-create-valid.json" "$manifest"
  [ "$status" -eq 0 ]
  rejected
  [[ "$(message)" == *"requireDigest demands"* ]]
  kw_run -r "$DATA/llsd-update-pinned.json" "$manifest"
  allowed; no_patch
}

@test "kwctl run on the injecting example manifest injects a pinned owner with the manifest's settings" {
  manifest="$(local_manifest examples/kubewarden/inject-deployments.yaml target/kubewarden/inject-deployments.wasm)"
  req="$DATA/deployment-create-pinned.json"
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner-pinned.yml" -r "$req" "$manifest"
  [ "$status" -eq 0 ]
  allowed
  patched "$req" >"$BATS_TEST_TMPDIR/admitted.json"
  yq '.spec.settings | del(.allowedRegistries, .requireDigest, .maxProviders)' examples/kubewarden/inject-deployments.yaml \
    >"$BATS_TEST_TMPDIR/options.json"
  cli_inject "$req" default/pinned "$BATS_TEST_TMPDIR/options.json" >"$BATS_TEST_TMPDIR/expected.json"
  diff <(jq . "$BATS_TEST_TMPDIR/expected.json") <(jq . "$BATS_TEST_TMPDIR/admitted.json")
  # the tagged owner breaks the manifest's requireDigest
  kw_run --allow-context-aware --replay-host-capabilities-interactions "$SESSIONS/session-owner.yml" \
    -r "$DATA/deployment-create-providers.json" "$manifest"
  rejected
  [[ "$(message)" == *"breaks the policy's supply-chain rules"* ]]
}

# --- packaging ---------------------------------------------------------------

@test "the replay sessions are what sessions.py writes from cluster.json" {
  run python3 tests/kubewarden/test_data/sessions.py --check
  [ "$status" -eq 0 ]
}
