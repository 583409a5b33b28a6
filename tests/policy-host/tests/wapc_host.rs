//! The built policy.wasm in a waPC host, against the request fixtures of
//! tests/data/policy: verdicts, messages, JSON patches, and the patched
//! Deployment compared with `llsd-providers inject` on the same inputs.

use llsd_policy_host::*;
use serde_json::{Value, json};

fn settings(name: &str) -> Value {
    read_json(data_dir().join(format!("settings/{name}.json")))
}

fn msg(response: &Value) -> &str {
    response["message"].as_str().unwrap_or_default()
}

type Calls = Vec<(String, String, String, Value)>;

/// Runs a fixture in the wasm host and natively; both must answer the same.
fn run(name: &str, settings: &Value) -> (Value, Calls) {
    run_in(Cluster::fixture(), name, settings)
}

/// `run` in another cluster.
fn run_in(cluster: Cluster, name: &str, settings: &Value) -> (Value, Calls) {
    run_request(cluster, &fixture(name), settings, name)
}

/// `run` on a request.
fn run_request(cluster: Cluster, request: &Value, settings: &Value, name: &str) -> (Value, Calls) {
    let host = PolicyHost::new(cluster.clone());
    let response = host.validate(request, settings);
    let payload = json!({"request": request, "settings": settings}).to_string();
    let native: Value =
        serde_json::from_slice(&native_validate(&cluster, payload.as_bytes())).unwrap();
    assert_eq!(response, native, "{name}: wasm and native answers differ");
    (response, host.take_calls())
}

/// The `get_resource` payloads of the host calls (all must be lookups).
fn lookups(calls: &Calls) -> Vec<Value> {
    calls
        .iter()
        .map(|(binding, namespace, operation, payload)| {
            assert_eq!(
                (binding.as_str(), namespace.as_str(), operation.as_str()),
                ("kubewarden", "kubernetes", "get_resource")
            );
            payload.clone()
        })
        .collect()
}

/// The owner lookup as the guest sends it.
fn llsd_lookup(name: &str, namespace: &str) -> Value {
    json!({
        "api_version": "llamastack.io/v1alpha1",
        "kind": "LlamaStackDistribution",
        "name": name,
        "namespace": namespace,
        "disable_cache": true,
        "field_masks": null
    })
}

/// The CRD lookup as the guest sends it: cluster-scoped, uncached.
fn crd_lookup() -> Value {
    json!({
        "api_version": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "name": "llamastackdistributions.llamastack.io",
        "namespace": null,
        "disable_cache": true,
        "field_masks": null
    })
}

/// The single warning of an accepted response without a patch.
fn only_warning(response: &Value) -> &str {
    assert_eq!(response["accepted"], true, "{response}");
    assert!(response["message"].is_null(), "{response}");
    assert!(response["mutated_object"].is_null(), "{response}");
    let warnings = response["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = warnings[0].as_str().unwrap();
    assert!(
        !warning.contains('\n'),
        "one line (an HTTP header): {warning}"
    );
    warning
}

/// The message of a rejection (no warnings, no patch).
fn rejection(response: &Value) -> &str {
    assert_eq!(response["accepted"], false, "{response}");
    assert!(response["warnings"].is_null(), "{response}");
    assert!(response["mutated_object"].is_null(), "{response}");
    msg(response)
}

const HOST_ERROR: &str = "error invoking host capability kubernetes.get_resource: Host error: ";

const LOOKUP_FIX: &str = "fix: if the LlamaStackDistribution exists, give the policy access to it \
     (contextAwareResources: llamastack.io/v1alpha1 LlamaStackDistribution) and check the \
     policy-server's RBAC; if it was deleted, the Deployment is orphaned";

fn owner_llsd(namespace_name: &str) -> Value {
    Cluster::fixture().resources[namespace_name].clone()
}

/// The injection options part of the settings (what `inject --options` reads).
fn options_of(settings: &Value) -> Option<Value> {
    let keys = [
        "mergeImage",
        "sharedVolumeSizeLimit",
        "initContainerResources",
        "runAsUser",
    ];
    let options: serde_json::Map<String, Value> = settings
        .as_object()?
        .iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (!options.is_empty()).then_some(Value::Object(options))
}

/// Every operation of an injection's patch is inside the pod template's
/// spec or annotations: the injection owns nothing else.
fn assert_only_the_pod_template_changes(patch: &json_patch::Patch) {
    for op in &patch.0 {
        let path = serde_json::to_value(op).unwrap()["path"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            path.starts_with("/spec/template/spec/")
                || path.starts_with("/spec/template/metadata/annotations"),
            "the patch touches {path}"
        );
    }
}

#[test]
fn protocol_version_is_v1() {
    let host = PolicyHost::new(Cluster::default());
    assert_eq!(host.protocol_version(), json!("v1"));
}

#[test]
fn settings_are_validated_field_by_field() {
    let host = PolicyHost::new(Cluster::default());
    assert_eq!(
        host.validate_settings(&json!({})),
        json!({"valid": true, "message": null})
    );
    assert_eq!(host.validate_settings(&Value::Null)["valid"], true);
    assert_eq!(host.validate_settings(&settings("strict"))["valid"], true);
    let response = host.validate_settings(&settings("invalid"));
    assert_eq!(response["valid"], false);
    let message = msg(&response);
    for expected in [
        "ERROR mergeImage: 'Not An Image' is not a valid image reference",
        "ERROR allowedRegistries[0]: 'https://quay.io' has a scheme",
        "ERROR requireDigest: must be true or false, found a string",
        "ERROR maxProviders: is 0",
        "ERROR sharedVolumeSizeLimit: '2GB' is not a Kubernetes quantity",
        "ERROR initContainerResources.cpu: unknown field `cpu`",
        "ERROR allowedRegistry: 'allowedRegistry' is not a setting of this policy",
        "fix: did you mean `allowedRegistries`?",
    ] {
        assert!(
            message.contains(expected),
            "missing {expected:?} in\n{message}"
        );
    }
    // garbage is a settings error, not a failure of the call
    for garbage in [
        &b"not json"[..],
        b"[1]",
        b"\"x\"",
        b"{\"maxProviders\": -1}",
    ] {
        let response: Value =
            serde_json::from_slice(&host.call("validate_settings", garbage).unwrap()).unwrap();
        assert_eq!(
            response["valid"],
            false,
            "{}",
            String::from_utf8_lossy(garbage)
        );
    }
}

#[test]
fn valid_llsd_is_accepted() {
    let (response, calls) = run("llsd-create-valid", &json!({}));
    assert_eq!(response["accepted"], true);
    assert!(response["mutated_object"].is_null());
    assert!(calls.is_empty(), "LLSD validation needs no lookup");
}

#[test]
fn invalid_llsd_is_rejected_with_every_violation() {
    let (response, _) = run("llsd-create-invalid", &json!({}));
    assert_eq!(response["accepted"], false);
    let message = msg(&response);
    assert!(
        message.starts_with("LlamaStackDistribution 'invalid' is invalid (6 error(s)):"),
        "{message}"
    );
    let base = "spec.server.externalProviders";
    let paths: Vec<&str> = message
        .lines()
        .filter_map(|l| l.strip_prefix("ERROR "))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            format!("{base}.inference[0].providerId"),
            format!("{base}.inference[1].image"),
            format!("{base}.inference[1].imagePullPolicy"),
            format!("{base}.vector_io"),
            format!("{base}.safety[0].config"),
            format!("{base}.safety[0].providerId"),
        ]
    );
    // and the warning that not every server serves `safety` (issue #22)
    assert!(
        message.contains(
            "WARNING spec.server.externalProviders.safety: not every server serves `safety`"
        ),
        "{message}"
    );
    assert_eq!(
        message.matches("\n  fix: ").count(),
        7,
        "every violation and the warning have a fix"
    );
}

#[test]
fn supply_chain_settings_are_enforced() {
    let strict = settings("strict");
    let (response, _) = run("llsd-create-valid", &strict);
    assert_eq!(response["accepted"], false);
    let message = msg(&response);
    assert!(
        message.contains("is not pinned by a sha256 digest"),
        "{message}"
    );
    let (response, _) = run("llsd-update-pinned", &strict);
    assert_eq!(response["accepted"], true, "{}", msg(&response));
    let tight = json!({"allowedRegistries": ["quay.io"], "maxProviders": 1});
    let (response, _) = run("llsd-update-pinned", &tight);
    let message = msg(&response);
    assert!(
        message.contains("comes from registry 'registry.example.com'"),
        "{message}"
    );
    assert!(
        message.contains("lists 2 providers; the policy's maxProviders allows at most 1"),
        "{message}"
    );
}

#[test]
fn deleting_and_other_kinds_are_accepted_untouched() {
    for name in [
        "llsd-delete",
        "configmap-create",
        "deployment-create-unowned",
    ] {
        let (response, calls) = run(name, &settings("strict"));
        assert_eq!(response["accepted"], true, "{name}");
        assert!(response["mutated_object"].is_null(), "{name}");
        assert!(calls.is_empty(), "{name}");
    }
}

/// The mutation as a JSON patch, applied, equals the CLI's injection.
fn assert_patch_matches_cli(fixture_name: &str, owner: &str, settings: &Value) -> Value {
    let request = fixture(fixture_name);
    let original = &request["object"];
    let (response, calls) = run(fixture_name, settings);
    assert_eq!(response["accepted"], true, "{}", msg(&response));
    assert_eq!(calls.len(), 1);
    let (binding, namespace, operation, lookup) = &calls[0];
    assert_eq!(
        (binding.as_str(), namespace.as_str(), operation.as_str()),
        ("kubewarden", "kubernetes", "get_resource")
    );
    assert_eq!(lookup["api_version"], "llamastack.io/v1alpha1");
    assert_eq!(lookup["kind"], "LlamaStackDistribution");
    assert_eq!(lookup["namespace"], original["metadata"]["namespace"]);
    assert_eq!(lookup["disable_cache"], true);

    let patch = patch_of(&response, original).expect("a mutation");
    assert!(!patch.0.is_empty());
    assert_only_the_pod_template_changes(&patch);
    let mut patched = original.clone();
    json_patch::patch(&mut patched, &patch).expect("the patch applies");
    let cli = cli_inject(&owner_llsd(owner), original, options_of(settings).as_ref())
        .expect("CLI injects");
    assert_eq!(
        patched, cli,
        "policy and CLI disagree (one core, one answer)"
    );
    patched
}

#[test]
fn owned_deployment_gets_the_cli_injection_as_a_patch() {
    let patched = assert_patch_matches_cli(
        "deployment-create-providers",
        "default/llamastack-with-userconfig",
        &json!({}),
    );
    let init: Vec<&str> = patched["spec"]["template"]["spec"]["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        init,
        [
            "stage-installer",
            "install-provider-custom-vllm",
            "install-provider-pgvector-ext",
            "merge-config"
        ]
    );
}

#[test]
fn settings_change_the_injection_the_same_way_as_cli_options() {
    let custom = json!({
        "mergeImage": "registry.example.com/platform/merge-config:0.2.0",
        "sharedVolumeSizeLimit": "5Gi",
        "initContainerResources": {"cpuRequest": "50m", "memoryRequest": "128Mi", "memoryLimit": "1Gi"},
        "runAsUser": 2000,
        "allowedRegistries": ["registry.example.com"]
    });
    assert_patch_matches_cli(
        "deployment-create-providers",
        "default/llamastack-with-userconfig",
        &custom,
    );
    assert_patch_matches_cli(
        "deployment-create-pinned",
        "default/pinned",
        &settings("strict"),
    );
}

#[test]
fn injection_is_idempotent_through_the_host() {
    let request = fixture("deployment-create-providers");
    let host = PolicyHost::new(Cluster::fixture());
    let first = host.validate(&request, &json!({}));
    let mut patched = request["object"].clone();
    json_patch::patch(&mut patched, &patch_of(&first, &request["object"]).unwrap()).unwrap();
    let again = admission_request("UPDATE", &patched, Some(&patched));
    let second = host.validate(&again, &json!({}));
    assert_eq!(second["accepted"], true);
    assert!(
        second["mutated_object"].is_null(),
        "admitting the policy's own output changes nothing"
    );
}

#[test]
fn already_injected_deployment_update_has_no_patch() {
    let (response, calls) = run("deployment-update-injected", &json!({}));
    assert_eq!(response["accepted"], true, "{}", msg(&response));
    assert!(
        response["mutated_object"].is_null(),
        "the fixture is stale or the injection is not idempotent: rerun tests/data/policy/generate.py\n{}",
        response["mutated_object"]
    );
    assert_eq!(calls.len(), 1);
}

#[test]
fn deployment_without_providers_is_accepted_unchanged() {
    let (response, calls) = run("deployment-create-no-providers", &json!({}));
    assert_eq!(response["accepted"], true);
    assert!(response["mutated_object"].is_null());
    assert_eq!(calls[0].3["name"], "plain");
    // and the CLI agrees there is nothing to do
    let request = fixture("deployment-create-no-providers");
    let cli = cli_inject(&owner_llsd("default/plain"), &request["object"], None).unwrap();
    assert_eq!(cli, request["object"]);
}

#[test]
fn missing_owner_of_an_unwired_deployment_is_admitted_with_a_warning() {
    let (response, calls) = run("deployment-create-owner-missing", &json!({}));
    assert_eq!(
        only_warning(&response),
        format!(
            "external providers not injected: cannot look up LlamaStackDistribution 'default/ghost', \
             the controller owner of Deployment 'llamastack-with-userconfig', to inject its external \
             providers: {HOST_ERROR}Cannot find llamastack.io/v1alpha1/LlamaStackDistribution named \
             'ghost' inside of namespace 'default' ({LOOKUP_FIX}; the operator's next update is \
             wired once the lookup works)"
        )
    );
    assert_eq!(lookups(&calls), [llsd_lookup("ghost", "default")]);
}

#[test]
fn missing_owner_of_a_wired_deployment_is_rejected_naming_the_llsd_and_the_error() {
    let (response, calls) = run("deployment-update-wired-owner-missing", &json!({}));
    assert_eq!(
        rejection(&response),
        format!(
            "cannot look up LlamaStackDistribution 'default/ghost', the controller owner of \
             Deployment 'llamastack-with-userconfig', to inject its external providers: \
             {HOST_ERROR}Cannot find llamastack.io/v1alpha1/LlamaStackDistribution named 'ghost' \
             inside of namespace 'default'\n  {LOOKUP_FIX}"
        )
    );
    assert_eq!(lookups(&calls), [llsd_lookup("ghost", "default")]);
    // wired in the stored Deployment only: an UPDATE dropping the wiring
    let mut request = fixture("deployment-update-wired-owner-missing");
    request["object"] = fixture("deployment-create-owner-missing")["object"].clone();
    let (response, _) = run_request(Cluster::fixture(), &request, &json!({}), "drop wiring");
    assert!(
        rejection(&response).starts_with("cannot look up LlamaStackDistribution 'default/ghost'"),
        "{response}"
    );
}

#[test]
fn lookup_errors_on_an_unwired_deployment_are_a_warning_naming_the_error() {
    let (response, calls) = run("deployment-create-lookup-error", &json!({}));
    let warning = only_warning(&response);
    assert!(
        warning.starts_with(&format!(
            "external providers not injected: cannot look up LlamaStackDistribution \
             'restricted/llamastack-with-userconfig', the controller owner of Deployment \
             'llamastack-with-userconfig', to inject its external providers: {HOST_ERROR}Forbidden: \
             the policy is not allowed to read"
        )),
        "{warning}"
    );
    assert!(warning.contains(&format!("({LOOKUP_FIX};")), "{warning}");
    assert_eq!(
        lookups(&calls),
        [llsd_lookup("llamastack-with-userconfig", "restricted")]
    );
}

#[test]
fn a_multi_line_host_error_reaches_the_warning_as_its_first_line() {
    // the policy-server appends a stack backtrace to some errors
    let mut cluster = Cluster::fixture();
    cluster.errors.insert(
        "default/ghost".to_string(),
        json!("Forbidden: not allowed\nstack backtrace:\n   0: policy_server::x\n"),
    );
    let (response, _) = run_in(
        cluster.clone(),
        "deployment-create-owner-missing",
        &json!({}),
    );
    let warning = only_warning(&response);
    assert!(
        warning.contains(&format!(
            "providers: {HOST_ERROR}Forbidden: not allowed ({LOOKUP_FIX};"
        )),
        "{warning}"
    );
    let (response, _) = run_in(cluster, "deployment-update-wired-owner-missing", &json!({}));
    let message = rejection(&response);
    assert!(
        message.ends_with(&format!(
            "providers: {HOST_ERROR}Forbidden: not allowed\n  {LOOKUP_FIX}"
        )),
        "{message}"
    );
}

#[test]
fn lookup_errors_on_a_wired_deployment_are_rejected_naming_the_error() {
    let mut request = fixture("deployment-update-injected");
    request["namespace"] = json!("restricted");
    for part in ["object", "oldObject"] {
        request[part]["metadata"]["namespace"] = json!("restricted");
    }
    let (response, _) = run_request(Cluster::fixture(), &request, &json!({}), "restricted");
    let message = rejection(&response);
    assert!(
        message.contains("'restricted/llamastack-with-userconfig'"),
        "{message}"
    );
    assert!(
        message.contains("Forbidden: the policy is not allowed to read"),
        "{message}"
    );
    assert!(message.ends_with(&format!("\n  {LOOKUP_FIX}")), "{message}");
}

#[test]
fn owner_without_providers_strips_a_wired_deployment_when_the_crd_serves_them() {
    let request = fixture("deployment-update-wired-no-providers");
    let original = &request["object"];
    let (response, calls) = run("deployment-update-wired-no-providers", &json!({}));
    assert_eq!(response["accepted"], true, "{}", msg(&response));
    assert!(response["warnings"].is_null(), "{response}");
    assert_eq!(
        lookups(&calls),
        [llsd_lookup("plain", "default"), crd_lookup()]
    );
    let patch = patch_of(&response, original).expect("a mutation");
    assert_only_the_pod_template_changes(&patch);
    let mut patched = original.clone();
    json_patch::patch(&mut patched, &patch).expect("the patch applies");
    // the operator's own Deployment again, as the CLI gives it
    assert_eq!(patched, fixture("deployment-create-no-providers")["object"]);
    let cli = cli_inject(&owner_llsd("default/plain"), original, None).expect("CLI injects");
    assert_eq!(
        patched, cli,
        "policy and CLI disagree (one core, one answer)"
    );
}

const UNPATCHED: &str = "cluster-crd-unpatched.json";

#[test]
fn owner_without_providers_and_an_unpatched_crd_keep_the_wiring() {
    let (response, calls) = run_in(
        Cluster::fixture_with(UNPATCHED),
        "deployment-update-wired-no-providers",
        &json!({}),
    );
    assert_eq!(
        rejection(&response),
        "refusing to remove the external providers of Deployment 'llamastack-with-userconfig': \
         LlamaStackDistribution 'default/plain' lists none, but CustomResourceDefinition \
         'llamastackdistributions.llamastack.io' (version v1alpha1) has no \
         spec.server.externalProviders: the operator's CRD was installed or upgraded without the \
         llsd-providers patch, so the API server drops the external providers of every \
         LlamaStackDistribution it returns. The Deployment keeps its providers until the patch is \
         back.\n  fix: re-apply the patch: kubectl patch crd llamastackdistributions.llamastack.io \
         --type=json --patch-file config/crd/external-providers-patch.yaml (docs/crd.md, \
         \"Operator upgrades\")"
    );
    assert_eq!(
        lookups(&calls),
        [llsd_lookup("plain", "default"), crd_lookup()]
    );
}

#[test]
fn an_unreadable_crd_keeps_the_wiring() {
    let mut cluster = Cluster::fixture();
    cluster.errors.insert(
        "/llamastackdistributions.llamastack.io".to_string(),
        json!("customresourcedefinitions is forbidden"),
    );
    let (response, calls) = run_in(cluster, "deployment-update-wired-no-providers", &json!({}));
    let message = rejection(&response);
    assert!(
        message.starts_with(&format!(
            "refusing to remove the external providers of Deployment 'llamastack-with-userconfig': \
             LlamaStackDistribution 'default/plain' lists none, but cannot read \
             CustomResourceDefinition 'llamastackdistributions.llamastack.io' to tell whether the \
             API server still serves spec.server.externalProviders: {HOST_ERROR}\
             customresourcedefinitions is forbidden\n  fix: give the policy access to it \
             (contextAwareResources: apiextensions.k8s.io/v1 CustomResourceDefinition"
        )),
        "{message}"
    );
    assert_eq!(
        lookups(&calls),
        [llsd_lookup("plain", "default"), crd_lookup()]
    );
}

#[test]
fn the_crd_is_looked_up_only_before_removing_a_wired_deployments_providers() {
    let mut names: Vec<String> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|file| file.strip_suffix(".json").map(str::to_string))
        .filter(|name| !name.starts_with("cluster"))
        .collect();
    names.sort();
    assert!(names.len() >= 15, "{names:?}");
    for cluster in [Cluster::fixture(), Cluster::fixture_with(UNPATCHED)] {
        for name in &names {
            let (_, calls) = run_in(cluster.clone(), name, &json!({}));
            let crd = lookups(&calls)
                .iter()
                .filter(|lookup| **lookup == crd_lookup())
                .count();
            let expected = usize::from(name == "deployment-update-wired-no-providers");
            assert_eq!(crd, expected, "{name}");
        }
    }
}

#[test]
fn invalid_owner_llsd_is_rejected_with_its_violations() {
    let (response, _) = run("deployment-create-owner-invalid", &json!({}));
    assert_eq!(response["accepted"], false);
    let message = msg(&response);
    assert!(
        message.contains("LlamaStackDistribution 'default/broken'"),
        "{message}"
    );
    assert!(
        message.contains("ERROR spec.server.externalProviders.inference[0].image: is required"),
        "{message}"
    );
    // an LLSD without userConfig may list providers (issue #22): the
    // distribution's own config is merged into
    assert!(!message.contains("userConfig"), "{message}");
}

#[test]
fn unknown_deployment_fields_are_not_patched_away() {
    let mut request = fixture("deployment-create-providers");
    request["object"]["spec"]["template"]["spec"]["futureField"] = json!({"enabled": true});
    request["object"]["spec"]["template"]["spec"]["containers"][0]["futureField"] = json!(1);
    let host = PolicyHost::new(Cluster::fixture());
    let response = host.validate(&request, &json!({}));
    let patch = patch_of(&response, &request["object"]).unwrap();
    for op in serde_json::to_value(&patch).unwrap().as_array().unwrap() {
        assert!(
            !op["path"].as_str().unwrap().contains("futureField"),
            "{op}"
        );
        assert_ne!(op["op"], "remove", "{op}");
    }
}

#[test]
fn host_errors_for_other_capabilities_do_not_trap() {
    // a cluster that answers every lookup with a non-LLSD object
    let cluster = Cluster::default().with(
        "default",
        "llamastack-with-userconfig",
        json!({"kind": "ConfigMap"}),
    );
    let host = PolicyHost::new(cluster);
    let response = host.validate(&fixture("deployment-create-providers"), &json!({}));
    assert_eq!(response["accepted"], false);
    assert!(msg(&response).contains("is invalid"), "{}", msg(&response));
}
