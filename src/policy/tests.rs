//! Native tests of the policy through its waPC entry points, with the SDK's
//! `test::Testcase` and a mocked `kubernetes/get_resource` host capability
//! answering from `tests/data/policy/cluster.json`.

use super::*;
use kubewarden_policy_sdk::test::Testcase;
use serde_json::json;

/// Stands in for `kubewarden_policy_sdk::host_capabilities::kubernetes`
/// under `cfg(test)` (the Kubewarden policies' `mock_kubernetes_sdk`
/// pattern, without mockall): answers from a per-thread cluster and records
/// every request.
pub mod mock_kubernetes_sdk {
    use super::GetResourceRequest;
    use kubewarden_policy_sdk::error::Error;
    use serde::de::DeserializeOwned;
    use serde_json::Value;
    use std::cell::RefCell;

    type Answer = Box<dyn Fn(&GetResourceRequest) -> Result<Value, String>>;

    thread_local! {
        static ANSWER: RefCell<Option<Answer>> = RefCell::new(None);
        static CALLS: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
    }

    /// Answers this thread's lookups with `answer` and forgets earlier calls.
    pub fn expect(answer: impl Fn(&GetResourceRequest) -> Result<Value, String> + 'static) {
        ANSWER.with(|a| *a.borrow_mut() = Some(Box::new(answer)));
        CALLS.with(|c| c.borrow_mut().clear());
    }

    /// The lookups made on this thread since the last `expect`.
    pub fn calls() -> Vec<Value> {
        CALLS.with(|c| c.borrow().clone())
    }

    pub fn get_resource<T: DeserializeOwned>(
        request: &GetResourceRequest,
    ) -> kubewarden_policy_sdk::Result<T> {
        CALLS.with(|c| {
            c.borrow_mut()
                .push(serde_json::to_value(request).unwrap_or_default())
        });
        let answer = ANSWER.with(|a| {
            a.borrow()
                .as_ref()
                .map(|f| f(request))
                .unwrap_or_else(|| Err("get_resource is not mocked".to_string()))
        });
        let value = answer.map_err(|message| Error::HostCall {
            operation: "kubernetes.get_resource".to_string(),
            source: message.into(),
        })?;
        serde_json::from_value(value).map_err(|source| Error::Deserialization {
            context: "get resource response".to_string(),
            source,
        })
    }
}

const DATA: &str = "tests/data/policy";

fn fixture(name: &str) -> String {
    format!("{DATA}/{name}.json")
}

fn read(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DATA}/{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Mocks the cluster of `cluster.json`: `resources` by `namespace/name`,
/// `errors` as host errors, anything else not found (as the policy-server says it).
fn mock_cluster() {
    let cluster = read("cluster.json");
    mock_kubernetes_sdk::expect(move |request| {
        let key = format!(
            "{}/{}",
            request.namespace.as_deref().unwrap_or_default(),
            request.name
        );
        if let Some(error) = cluster["errors"].get(&key).and_then(Value::as_str) {
            return Err(error.to_string());
        }
        cluster["resources"].get(&key).cloned().ok_or_else(|| {
            format!(
                "Cannot find {}/{} named '{}' inside of namespace '{}'",
                request.api_version,
                request.kind,
                request.name,
                request.namespace.as_deref().unwrap_or_default()
            )
        })
    });
}

fn strict() -> Settings {
    serde_json::from_value(read("settings/strict.json")).unwrap()
}

fn case(name: &str, accepted: bool, settings: Settings) -> ValidationResponse {
    mock_cluster();
    Testcase {
        name: name.to_string(),
        fixture_file: fixture(name),
        expected_validation_result: accepted,
        settings,
    }
    .eval(validate)
    .unwrap()
}

fn msg(response: &ValidationResponse) -> &str {
    response.message.as_deref().unwrap_or_default()
}

fn object(name: &str) -> Value {
    read(&format!("{name}.json"))["object"].clone()
}

#[test]
fn valid_llsd_is_accepted_without_a_lookup() {
    let response = case("llsd-create-valid", true, Settings::default());
    assert!(response.mutated_object.is_none());
    assert!(response.warnings.is_none());
    assert!(mock_kubernetes_sdk::calls().is_empty());
}

#[test]
fn invalid_llsd_lists_every_violation_in_one_message() {
    let response = case("llsd-create-invalid", false, Settings::default());
    let message = msg(&response);
    assert!(
        message.starts_with("LlamaStackDistribution 'invalid' is invalid ("),
        "{message}"
    );
    let base = "spec.server.externalProviders";
    for expected in [
        format!("ERROR {base}.inference[0].providerId: 'Custom_VLLM'"),
        format!("ERROR {base}.inference[1].image: 'NOT AN IMAGE'"),
        format!("ERROR {base}.inference[1].imagePullPolicy"),
        format!("ERROR {base}.vector_io: 'vector_io' is not a known API section"),
        format!("ERROR {base}.safety[0].config"),
        format!("ERROR {base}.safety[0].providerId: 'dup' is used twice"),
        "fix: LLSD sections use camelCase: rename `vector_io` to `vectorIo`".to_string(),
    ] {
        assert!(
            message.contains(&expected),
            "missing {expected:?} in\n{message}"
        );
    }
    // the same diagnostics as the core, in the same order
    let core: Vec<String> = check_llsd(&object("llsd-create-invalid"))
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        message.lines().skip(1).collect::<Vec<_>>().join("\n"),
        core.join("\n")
    );
}

#[test]
fn supply_chain_settings_add_their_violations() {
    let response = case("llsd-create-valid", false, strict());
    let message = msg(&response);
    let base = "spec.server.externalProviders";
    assert!(message.contains(&format!(
        "ERROR {base}.inference[0].image: 'registry.example.com/llama-providers/custom-vllm:1.0.0' is not pinned by a sha256 digest"
    )), "{message}");
    assert!(
        message.contains(&format!("ERROR {base}.vectorIo[0].image")),
        "{message}"
    );
    assert!(message.contains(
        "fix: reference the image as registry.example.com/llama-providers/custom-vllm@sha256:"
    ));

    let response = case("llsd-update-pinned", true, strict());
    assert!(response.message.is_none());

    let tight = Settings {
        allowed_registries: vec!["quay.io".into()],
        max_providers: Some(1),
        ..Settings::default()
    };
    let response = case("llsd-update-pinned", false, tight);
    let message = msg(&response);
    assert!(
        message.contains("which the policy's allowedRegistries (quay.io) does not list"),
        "{message}"
    );
    assert!(
        message.contains("lists 2 providers; the policy's maxProviders allows at most 1"),
        "{message}"
    );
    assert!(
        message.starts_with("LlamaStackDistribution 'pinned' is invalid (3 error(s))"),
        "{message}"
    );
}

#[test]
fn core_and_supply_chain_violations_are_reported_together() {
    let settings = Settings {
        require_digest: true,
        ..Settings::default()
    };
    let response = case("llsd-create-invalid", false, settings);
    let message = msg(&response);
    assert!(message.contains("'Custom_VLLM'"), "{message}");
    assert!(
        message.contains("'docker.io/someone/guard:latest' is not pinned"),
        "{message}"
    );
}

#[test]
fn deleting_is_not_validated() {
    let response = case("llsd-delete", true, strict());
    assert!(response.mutated_object.is_none());
}

#[test]
fn owned_deployment_is_mutated_with_the_core_injection() {
    let response = case("deployment-create-providers", true, Settings::default());
    let mutated = response.mutated_object.expect("a mutation");
    let calls = mock_kubernetes_sdk::calls();
    assert_eq!(
        calls,
        [json!({
            "api_version": "llamastack.io/v1alpha1",
            "kind": "LlamaStackDistribution",
            "name": "llamastack-with-userconfig",
            "namespace": "default",
            "disable_cache": true,
            "field_masks": null
        })]
    );
    let llsd: LlamaStackDistribution = serde_json::from_value(
        read("cluster.json")["resources"]["default/llamastack-with-userconfig"].clone(),
    )
    .unwrap();
    let expected = inject(
        &llsd,
        &object("deployment-create-providers"),
        &InjectOptions::default(),
    )
    .unwrap();
    assert_eq!(mutated, expected);
    let names: Vec<&str> = mutated["spec"]["template"]["spec"]["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "stage-installer",
            "install-provider-custom-vllm",
            "install-provider-pgvector-ext",
            "merge-config"
        ]
    );
}

use crate::inject::InjectOptions;

#[test]
fn settings_reach_the_injection() {
    let mut settings = Settings::default();
    settings.inject.merge_image = "quay.io/org/merge:2".into();
    settings.inject.shared_volume_size_limit = "5Gi".into();
    let response = case("deployment-create-providers", true, settings);
    let mutated = response.mutated_object.unwrap();
    let pod = &mutated["spec"]["template"]["spec"];
    // The merge image stages the installer (initContainers, the default mode).
    assert_eq!(pod["initContainers"][0]["name"], "stage-installer");
    assert_eq!(pod["initContainers"][0]["image"], "quay.io/org/merge:2");
    let shared = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "llsd-external-providers")
        .unwrap();
    assert_eq!(shared["emptyDir"]["sizeLimit"], "5Gi");
}

#[test]
fn the_install_mode_setting_reaches_the_injection() {
    let settings = Settings::parse(&serde_json::json!({"installMode": "imageVolume"})).unwrap();
    let response = case("deployment-create-providers", true, settings);
    let mutated = response.mutated_object.unwrap();
    let pod = &mutated["spec"]["template"]["spec"];
    let names: Vec<&str> = pod["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["merge-config"]);
    assert!(
        pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["image"]["reference"].is_string()),
        "{pod}"
    );
    let err = Settings::parse(&serde_json::json!({"installMode": "sideways"})).unwrap_err();
    assert_eq!(err[0].path, "installMode");
}

#[test]
fn a_deployment_too_large_for_etcd_is_rejected_not_mutated() {
    let cluster = read("cluster.json");
    let mut llsd = cluster["resources"]["default/llamastack-with-userconfig"].clone();
    // 8 sections of 15 (the per-section limit is 16), ~8 KB of config each:
    // every value is valid, only the wired Deployment is too large.
    let mut sections = serde_json::Map::new();
    for (s, api) in crate::api::APIS.iter().take(8).enumerate() {
        let providers: Vec<Value> = (0..15)
            .map(|i| {
                json!({
                    "providerId": format!("p{s}-{i:02}"),
                    "image": format!("registry.example.com/llama-providers/p{s}-{i:02}:1.0.0"),
                    "config": {"note": "x".repeat(8 * 1024)},
                })
            })
            .collect();
        sections.insert(api.crd_field.to_string(), Value::Array(providers));
    }
    llsd["spec"]["server"]["externalProviders"] = Value::Object(sections);
    mock_kubernetes_sdk::expect(move |_| Ok(llsd.clone()));
    let response = Testcase {
        name: "oversized".to_string(),
        fixture_file: fixture("deployment-create-providers"),
        expected_validation_result: false,
        settings: Settings::default(),
    }
    .eval(validate)
    .unwrap();
    assert!(response.mutated_object.is_none());
    let message = msg(&response);
    assert!(
        message.contains(
            "wiring 120 external providers (installMode initContainers) makes the Deployment"
        ),
        "{message}"
    );
    assert!(
        message.contains("set installMode: imageVolume"),
        "{message}"
    );
}

#[test]
fn deployment_of_an_llsd_without_providers_is_accepted_unchanged() {
    let response = case("deployment-create-no-providers", true, Settings::default());
    assert!(response.mutated_object.is_none());
    assert_eq!(mock_kubernetes_sdk::calls().len(), 1);
}

#[test]
fn missing_owner_is_a_rejection_naming_the_llsd_and_the_error() {
    let response = case(
        "deployment-create-owner-missing",
        false,
        Settings::default(),
    );
    let message = msg(&response);
    assert!(
        message.starts_with("cannot look up LlamaStackDistribution 'default/ghost', the controller owner of Deployment 'llamastack-with-userconfig'"),
        "{message}"
    );
    assert!(
        message.contains("Cannot find llamastack.io/v1alpha1/LlamaStackDistribution named 'ghost'"),
        "{message}"
    );
}

#[test]
fn lookup_errors_are_rejections_naming_the_error() {
    let response = case("deployment-create-lookup-error", false, Settings::default());
    let message = msg(&response);
    assert!(
        message.contains("'restricted/llamastack-with-userconfig'"),
        "{message}"
    );
    assert!(
        message.contains("Forbidden: the policy is not allowed"),
        "{message}"
    );
    assert!(message.contains("contextAwareResources"), "{message}");
}

#[test]
fn already_injected_deployment_is_accepted_without_a_patch() {
    let response = case("deployment-update-injected", true, Settings::default());
    assert!(
        response.mutated_object.is_none(),
        "{:?}",
        response.mutated_object
    );
}

#[test]
fn changed_settings_reinject() {
    let mut settings = Settings::default();
    settings.inject.init_container_resources.memory_limit = "1Gi".into();
    let response = case("deployment-update-injected", true, settings);
    let mutated = response.mutated_object.expect("new options, new wiring");
    assert_eq!(
        mutated["spec"]["template"]["spec"]["initContainers"][0]["resources"]["limits"]["memory"],
        "1Gi"
    );
    // the user's change in the same request is kept
    assert_eq!(mutated["spec"]["replicas"], 2);
}

#[test]
fn other_objects_are_accepted_untouched() {
    for name in ["deployment-create-unowned", "configmap-create"] {
        let response = case(name, true, strict());
        assert!(response.mutated_object.is_none(), "{name}");
        assert!(mock_kubernetes_sdk::calls().is_empty(), "{name}");
    }
}

#[test]
fn invalid_owner_llsd_is_a_rejection() {
    let response = case(
        "deployment-create-owner-invalid",
        false,
        Settings::default(),
    );
    let message = msg(&response);
    assert!(
        message.starts_with(
            "LlamaStackDistribution 'default/broken', the controller owner of Deployment"
        ),
        "{message}"
    );
    assert!(
        message.contains("ERROR spec.server.externalProviders.inference[0].image: is required"),
        "{message}"
    );
}

#[test]
fn supply_chain_rules_also_guard_the_injection() {
    let response = case("deployment-create-providers", false, strict());
    assert!(msg(&response).contains("breaks the policy's supply-chain rules"));
    let response = case("deployment-create-pinned", true, strict());
    assert!(response.mutated_object.is_some());
}

#[test]
fn unknown_fields_of_the_deployment_survive_the_mutation() {
    mock_cluster();
    let mut request = read("deployment-create-providers.json");
    request["object"]["spec"]["futureField"] = json!({"x": 1});
    request["object"]["spec"]["template"]["spec"]["containers"][0]["futureField"] = json!(true);
    let payload = json!({"request": request, "settings": {}}).to_string();
    let response = evaluate(payload.as_bytes(), &host_lookup);
    let mutated = response.mutated_object.unwrap();
    assert_eq!(mutated["spec"]["futureField"], json!({"x": 1}));
    assert_eq!(
        mutated["spec"]["template"]["spec"]["containers"][0]["futureField"],
        true
    );
}

#[test]
fn being_deleted_deployments_and_subresources_pass() {
    mock_cluster();
    let mut request = read("deployment-create-owner-missing.json");
    request["operation"] = json!("UPDATE");
    request["object"]["metadata"]["deletionTimestamp"] = json!("2025-01-01T00:00:00Z");
    let payload = json!({"request": request, "settings": {}}).to_string();
    assert!(evaluate(payload.as_bytes(), &host_lookup).accepted);
    let mut request = read("llsd-create-invalid.json");
    request["subResource"] = json!("status");
    let payload = json!({"request": request, "settings": {}}).to_string();
    assert!(evaluate(payload.as_bytes(), &host_lookup).accepted);
}

fn verdict(payload: &[u8]) -> ValidationResponse {
    serde_json::from_slice(&validate(payload).expect("validate never errors")).unwrap()
}

#[test]
fn malformed_payloads_are_clear_rejections() {
    mock_cluster();
    for payload in [
        &b""[..],
        b"not json",
        b"[]",
        b"{\"settings\": {}}",
        b"{\"request\": 7, \"settings\": {}}",
        b"{\"request\": {\"kind\": \"Deployment\"}, \"settings\": {}}",
    ] {
        let response = verdict(payload);
        assert!(!response.accepted, "{}", String::from_utf8_lossy(payload));
        assert!(
            msg(&response).starts_with("the admission request cannot be read"),
            "{}",
            msg(&response)
        );
    }
}

#[test]
fn wrong_shapes_never_panic() {
    mock_cluster();
    let kinds = [
        json!({"group": "apps", "version": "v1", "kind": "Deployment"}),
        json!({"group": "llamastack.io", "version": "v1alpha1", "kind": "LlamaStackDistribution"}),
    ];
    let objects = [
        Value::Null,
        json!(1),
        json!("x"),
        json!([]),
        json!({}),
        json!({"metadata": {"ownerReferences": [{"controller": true, "kind": "LlamaStackDistribution", "apiVersion": "llamastack.io/v1alpha1"}]}}),
        json!({"metadata": {"ownerReferences": [{"controller": true, "kind": "LlamaStackDistribution", "apiVersion": "llamastack.io/v1alpha1", "name": "llamastack-with-userconfig"}]}, "spec": 3}),
        json!({"metadata": {"ownerReferences": [{"controller": true, "kind": "LlamaStackDistribution", "apiVersion": "llamastack.io/v1alpha1", "name": "llamastack-with-userconfig"}]}}),
        json!({"spec": {"server": {"externalProviders": {"inference": [null, 3, {"image": 5}]}}}}),
    ];
    for kind in &kinds {
        for object in &objects {
            let payload = json!({
                "request": {"uid": "u", "kind": kind, "operation": "CREATE", "namespace": "default", "object": object},
                "settings": {"allowedRegistries": ["quay.io"], "requireDigest": true, "maxProviders": 1}
            })
            .to_string();
            let response = verdict(payload.as_bytes());
            if !response.accepted {
                assert!(!msg(&response).is_empty());
            }
        }
    }
}

#[test]
fn invalid_settings_in_a_request_are_a_rejection() {
    mock_cluster();
    let request = read("llsd-create-valid.json");
    let payload = json!({"request": request, "settings": {"maxProviders": "many"}}).to_string();
    let response = verdict(payload.as_bytes());
    assert!(!response.accepted);
    assert!(
        msg(&response).contains("ERROR maxProviders: is a string"),
        "{}",
        msg(&response)
    );
}

fn settings_verdict(payload: &[u8]) -> SettingsValidationResponse {
    serde_json::from_slice(&validate_settings(payload).expect("never errors")).unwrap()
}

#[test]
fn validate_settings_names_every_field() {
    assert!(settings_verdict(b"{}").valid);
    assert!(settings_verdict(b"null").valid);
    let strict = serde_json::to_vec(&read("settings/strict.json")).unwrap();
    assert!(settings_verdict(&strict).valid);
    let invalid = serde_json::to_vec(&read("settings/invalid.json")).unwrap();
    let response = settings_verdict(&invalid);
    assert!(!response.valid);
    let message = response.message.unwrap();
    assert!(
        message.starts_with("the policy settings are invalid:"),
        "{message}"
    );
    for field in [
        "ERROR allowedRegistries[0]: 'https://quay.io' has a scheme",
        "ERROR requireDigest: must be true or false",
        "ERROR maxProviders: is 0, not a whole number",
        "ERROR allowedRegistry: 'allowedRegistry' is not a setting",
        "ERROR initContainerResources.cpu: unknown field `cpu`",
    ] {
        assert!(message.contains(field), "missing {field:?} in\n{message}");
    }
    let response = settings_verdict(b"{not json");
    assert!(!response.valid);
    assert!(response.message.unwrap().contains("not JSON"));
}

#[test]
fn value_errors_of_injection_options_are_settings_errors() {
    let response = settings_verdict(
        br#"{"mergeImage": "Not An Image", "sharedVolumeSizeLimit": "2GB", "runAsUser": 0}"#,
    );
    let message = response.message.unwrap();
    for field in [
        "ERROR mergeImage:",
        "ERROR sharedVolumeSizeLimit: '2GB' is not a Kubernetes quantity",
        "ERROR runAsUser:",
    ] {
        assert!(message.contains(field), "missing {field:?} in\n{message}");
    }
}

#[test]
fn protocol_version_is_v1() {
    let version = kubewarden_policy_sdk::protocol_version_guest(&[]).unwrap();
    assert_eq!(version, b"\"v1\"");
}

fn yaml(path: &str) -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_settings_example_documents_the_real_defaults() {
    let example = yaml("examples/kubewarden/settings.yaml");
    assert_eq!(Settings::parse(&example).unwrap(), Settings::default());
    assert_eq!(
        serde_json::to_value(InjectOptions::default()).unwrap()["mergeImage"],
        example["mergeImage"]
    );
}

#[test]
fn the_example_policies_carry_valid_settings() {
    for file in ["validate-llsd.yaml", "inject-deployments.yaml"] {
        let policy = yaml(&format!("examples/kubewarden/{file}"));
        let settings = &policy["spec"]["settings"];
        assert!(
            Settings::parse(settings).is_ok(),
            "{file}: {:?}",
            Settings::parse(settings)
        );
        assert!(
            check_settings(settings.to_string().as_bytes()).valid,
            "{file}"
        );
    }
}
