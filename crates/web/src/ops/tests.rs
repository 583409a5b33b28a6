use super::*;
use serde::Serialize;
use serde_json::json;

const SINGLE: &str = include_str!("../../../../examples/llsd/single-provider.yaml");
const MULTI: &str = include_str!("../../../../examples/llsd/multi-provider.yaml");
const OVERRIDE: &str =
    include_str!("../../../../examples/llsd/override-distribution-provider.yaml");
const DUPLICATE: &str = include_str!("../../../../examples/llsd/invalid/duplicate-ids.yaml");
const MISMATCH: &str = include_str!("../../../../playground/examples/api-mismatch.yaml");
const DEPLOYMENT_TEXT: &str =
    include_str!("../../../../playground/examples/operator-deployment.yaml");
const RUN: &str = include_str!("../../../../examples/merge/run.yaml");
const VLLM_SPEC: &str = include_str!("../../../../examples/provider-spec/custom-vllm.yaml");
const OLLAMA_SPEC: &str =
    include_str!("../../../../examples/merge/metadata/ollama/lls-provider-spec.yaml");
const PGVECTOR_SPEC: &str =
    include_str!("../../../../examples/merge/metadata/pgvector-ext/lls-provider-spec.yaml");
const STATUS_LLSD: &str = include_str!("../../../../tests/data/status/llsd.yaml");
const PULL_POD: &str = include_str!("../../../../tests/data/status/pod-image-pull-failure.json");

/// Calls an operation as the page does and reads the response as JSON.
fn call<T: Serialize>(f: fn(&str) -> Result<T, Failed>, request: Value) -> Value {
    let response = match f(&request.to_string()) {
        Ok(done) => serde_json::to_value(done),
        Err(failed) => serde_json::to_value(failed),
    }
    .unwrap();
    assert!(response.get("ok").is_some(), "{response}");
    response
}

fn line_of(diagnostic: &Value) -> u64 {
    diagnostic["location"]["line"].as_u64().unwrap_or(0)
}

#[test]
fn validate_locates_every_diagnostic() {
    let r = call(validate, json!({"text": DUPLICATE, "file": "dup.yaml"}));
    assert_eq!(r["ok"], false);
    let d = &r["diagnostics"][0];
    assert_eq!(
        d["path"],
        "spec.server.externalProviders.vectorIo[0].providerId"
    );
    assert_eq!(d["location"], json!({"line": 15, "column": 9}));
    assert_eq!(d["source"], "llsd");
    assert_eq!(d["document"], 1);
    let r = call(
        validate,
        json!({"text": "kind: ProviderPackage\nspec: [\n", "source": "spec:a"}),
    );
    assert_eq!(r["diagnostics"][0]["source"], "spec:a");
    assert_eq!(line_of(&r["diagnostics"][0]), 3);
    let r = call(validate, json!({"text": SINGLE}));
    assert_eq!(r["ok"], true);
}

#[test]
fn providers_come_in_crd_order_with_a_prefilled_spec() {
    let r = call(providers, json!({"llsd": MULTI}));
    let ids: Vec<&str> = r["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["providerId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["custom-vllm", "ramalama", "pgvector-ext", "lmeval"]);
    assert_eq!(r["providers"][2]["api"], "vector_io");
    let spec = r["providers"][3]["defaultSpec"].as_str().unwrap();
    assert!(spec.contains("api: eval"), "{spec}");
    let r = call(providers, json!({"llsd": "a: ["}));
    assert_eq!(r["ok"], false);
    assert_eq!(r["providers"], json!([]));
}

#[test]
fn inject_returns_the_deployment_and_kubernetes_aware_changes() {
    let r = call(
        inject_json,
        json!({"llsd": SINGLE, "deployment": DEPLOYMENT_TEXT}),
    );
    assert_eq!(r["ok"], true, "{r}");
    let text = r["deployment"].as_str().unwrap();
    assert!(text.contains("install-provider-custom-vllm"), "{text}");
    let changes = r["changes"].as_array().unwrap();
    let has = |op: &str, kind: &str, name: &str| {
        changes
            .iter()
            .any(|c| c["op"] == op && c["kind"] == kind && c["name"] == name)
    };
    assert!(has(
        "added",
        "initContainer",
        "install-provider-custom-vllm"
    ));
    assert!(has("added", "initContainer", "merge-config"));
    assert!(has("added", "volume", "llsd-external-providers"));
    assert!(has("added", "env", "PYTHONPATH"));
    assert!(has("changed", "volumeMount", "/etc/llama-stack/"));
    // stage-installer, install-provider-custom-vllm, merge-config
    assert_eq!(r["summary"]["initContainer.added"], 3);
    assert!(r["input"].as_str().unwrap().contains("llama-stack"));
    // The printout is YAML that reads back as the injected Deployment (the
    // copy script as a literal block), and the input as the input.
    let printed: Value = serde_yaml::from_str(text).unwrap();
    let llsd: llsd_providers::llsd::LlamaStackDistribution = serde_yaml::from_str(SINGLE).unwrap();
    let input: Value = serde_yaml::from_str(DEPLOYMENT_TEXT).unwrap();
    let injected = llsd_providers::inject::inject(
        &llsd,
        &input,
        &llsd_providers::inject::InjectOptions::default(),
    )
    .unwrap();
    assert_eq!(printed, injected);
    assert!(text.contains("- |\n"), "{text}");
    let printed_input: Value = serde_yaml::from_str(r["input"].as_str().unwrap()).unwrap();
    assert_eq!(printed_input, input);
}

#[test]
fn inject_errors_point_into_the_right_input() {
    let r = call(
        inject_json,
        json!({"llsd": DUPLICATE, "deployment": DEPLOYMENT_TEXT}),
    );
    assert_eq!(r["ok"], false);
    let e = &r["errors"][0];
    assert_eq!(e["source"], "llsd");
    assert!(line_of(e) > 0, "{e}");
    let r = call(
        inject_json,
        json!({"llsd": SINGLE, "deployment": "kind: Deployment\nspec:\n  template:\n    spec:\n      containers: many\n"}),
    );
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors[0]["source"], "deployment");
    assert_eq!(errors[0]["path"], "spec.template.spec.containers");
    assert_eq!(errors[0]["problem"], "must be a list, found a string");
    assert_eq!(line_of(&errors[0]), 5);
    // Options are typed first; a valid type with a bad value fails in inject().
    let r = call(
        inject_json,
        json!({"llsd": SINGLE, "deployment": DEPLOYMENT_TEXT, "options": "\nrunAsUser: 0\n"}),
    );
    let e = &r["errors"][0];
    assert_eq!(e["source"], "options");
    assert_eq!(e["path"], "runAsUser");
    assert_eq!(line_of(e), 2);
}

#[test]
fn merge_with_override_warns() {
    let r = call(
        merge,
        json!({"llsd": OVERRIDE, "specs": {"ollama": OLLAMA_SPEC}, "runYaml": RUN}),
    );
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["warnings"].as_array().unwrap().len(), 1);
    assert!(r["warnings"][0].as_str().unwrap().starts_with(
        "WARNING: External provider 'ollama' overrides base provider in API 'inference'"
    ));
    assert!(
        r["config"]
            .as_str()
            .unwrap()
            .contains("module: ollama_patched")
    );
    assert!(
        r["log"]
            .as_str()
            .unwrap()
            .contains("merge-config: done, 1 warning(s)")
    );
    assert!(
        r["extraProviders"]
            .as_str()
            .unwrap()
            .contains("kind: ExternalProviders")
    );
    let r = call(
        extra_providers,
        json!({"llsd": OVERRIDE, "specs": {"ollama": OLLAMA_SPEC}}),
    );
    assert!(r["text"].as_str().unwrap().contains("provider_id: ollama"));
}

#[test]
fn merge_without_base_writes_the_minimal_config() {
    let r = call(
        merge,
        json!({"llsd": SINGLE, "specs": {"custom-vllm": VLLM_SPEC}, "runYaml": "  \n"}),
    );
    assert_eq!(r["ok"], true, "{r}");
    assert!(
        r["config"]
            .as_str()
            .unwrap()
            .contains("distro_name: external-providers")
    );
}

#[test]
fn api_mismatch_is_the_documented_error_with_markers_in_both_inputs() {
    let r = call(
        merge,
        json!({"llsd": MISMATCH, "specs": {"pgvector-ext": PGVECTOR_SPEC}, "runYaml": RUN}),
    );
    assert_eq!(r["ok"], false);
    assert_eq!(r["failure"]["kind"], "apiMismatch");
    assert!(
        r["failure"]["message"]
            .as_str()
            .unwrap()
            .starts_with("ERROR: Provider API type mismatch\n\nProvider 'pgvector-ext'")
    );
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors[0]["source"], "llsd");
    assert_eq!(line_of(&errors[0]), 16);
    assert_eq!(errors[1]["source"], "spec:pgvector-ext");
    assert_eq!(line_of(&errors[1]), 7);
    assert!(r["log"].as_str().unwrap().contains("failed"));
}

#[test]
fn duplicate_ids_fail_the_merge_even_though_validation_already_refuses_them() {
    let r = call(
        merge,
        json!({"llsd": DUPLICATE, "specs": {"shared": VLLM_SPEC}, "runYaml": RUN}),
    );
    assert_eq!(r["ok"], false);
    assert_eq!(r["llsdValid"], false);
    assert_eq!(r["failure"]["kind"], "duplicateId");
    assert_eq!(line_of(&r["errors"][0]), 15);
}

#[test]
fn missing_and_invalid_specs_name_the_provider() {
    let r = call(merge, json!({"llsd": SINGLE, "specs": {}, "runYaml": RUN}));
    assert_eq!(r["failure"]["kind"], "missingSpec");
    assert_eq!(r["failure"]["providerId"], "custom-vllm");
    let r = call(
        merge,
        json!({"llsd": SINGLE, "specs": {"custom-vllm": "kind: ProviderPackage\napiVersion: llamastack.io/v1alpha1\nmetadata: {name: a, version: '1', vendor: b}\nspec:\n  packageName: a-b\n"}}),
    );
    assert_eq!(r["failure"]["kind"], "invalidProviderFile");
    let errors = r["errors"].as_array().unwrap();
    assert!(errors.iter().all(|e| e["source"] == "spec:custom-vllm"));
    assert_eq!(errors[0]["path"], "spec.packageName");
    assert_eq!(line_of(&errors[0]), 5);
    assert!(
        r["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("ERROR spec.packageName (line 5, column 3)")
    );
}

#[test]
fn a_broken_base_is_located() {
    let r = call(
        merge,
        json!({"llsd": SINGLE, "specs": {"custom-vllm": VLLM_SPEC}, "runYaml": "version: '2'\nproviders: [\n"}),
    );
    assert_eq!(r["failure"]["kind"], "invalidBase");
    let e = &r["errors"][0];
    assert_eq!(e["source"], "runYaml");
    assert_eq!(line_of(e), 3);
}

#[test]
fn status_reports_an_image_pull_failure() {
    let r = call(status, json!({"pod": PULL_POD, "llsd": STATUS_LLSD}));
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["usedLlsd"], true);
    let providers = r["report"]["externalProviders"].as_array().unwrap();
    assert!(providers.iter().any(|p| {
        p["phase"] == "Failed"
            && p["message"]
                .as_str()
                .unwrap()
                .starts_with("Failed to pull provider image")
    }));
    assert_eq!(r["report"]["condition"]["reason"], "ImagePullFailed");
    assert!(r["table"].as_str().unwrap().contains("PROVIDER"));
    let r = call(status, json!({"pod": ""}));
    assert_eq!(r["empty"], true);
    let r = call(status, json!({"pod": "{\"spec\": 3}"}));
    assert_eq!(r["errors"][0]["source"], "pod");
}

#[test]
fn bad_requests_and_garbage_inputs_come_back_as_data() {
    let r = serde_json::to_value(validate("not json").unwrap_err()).unwrap();
    assert_eq!(r["ok"], false);
    assert_eq!(r["errors"][0]["source"], "request");
    let garbage = [
        "",
        "---",
        "a: [",
        "- 1\n- 2",
        "\"text\"",
        "kind: LlamaStackDistribution",
        "spec: {server: {externalProviders: {inference: [{providerId: 3}]}}}",
        "spec: {server: {externalProviders: {inference: 7}}}",
        "&a [*a]",
        "{}",
        "\u{0}",
    ];
    for text in garbage {
        let request = json!({
            "text": text, "llsd": text, "deployment": text, "options": text,
            "pod": text, "runYaml": text, "specs": {"x": text},
            "providerId": text, "image": text, "section": text,
        });
        let responses = [
            call(validate, request.clone()),
            call(providers, request.clone()),
            call(default_spec_json, request.clone()),
            call(inject_json, request.clone()),
            call(merge, request.clone()),
            call(extra_providers, request.clone()),
            call(status, request.clone()),
        ];
        for response in responses {
            assert!(response["ok"].is_boolean(), "{text:?}: {response}");
        }
    }
}

#[test]
fn check_image_reports_findings_and_refuses_a_bad_python() {
    use llsd_providers::image_check::testing::{archive, good_tree, gzip, layer};
    let good = archive(&[gzip(&layer(&good_tree(), &[]))]);
    let response = serde_json::to_value(
        check_image(&good, r#"{"image": "p.tar", "python": "3.12"}"#).unwrap(),
    )
    .unwrap();
    assert_eq!(response["ok"], true, "{response}");
    assert_eq!(response["report"]["python"], "3.12");
    assert!(
        response["text"]
            .as_str()
            .unwrap()
            .ends_with("p.tar: passes the provider image contract; 0 error(s), 1 warning(s)\n")
    );
    let mut broken = good_tree();
    broken.remove_all("/lls-provider/lls-provider-spec.yaml");
    let bytes = archive(&[layer(&broken, &[])]);
    let response = serde_json::to_value(check_image(&bytes, "{}").unwrap()).unwrap();
    assert_eq!(response["ok"], false);
    assert_eq!(
        response["report"]["findings"][0]["file"],
        "/lls-provider/lls-provider-spec.yaml"
    );
    let failed =
        serde_json::to_value(check_image(&good, r#"{"python": "2.7"}"#).unwrap_err()).unwrap();
    assert_eq!(failed["errors"][0]["source"], "request");
    assert_eq!(failed["errors"][0]["path"], "python");
}
