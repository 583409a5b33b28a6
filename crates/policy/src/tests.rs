//! Native tests of the policy through its waPC entry points, with the SDK's
//! `test::Testcase` and a mocked `kubernetes/get_resource` host capability
//! answering from `tests/data/policy/cluster.json`.

use super::*;
use kubewarden_policy_sdk::test::Testcase;
use llsd_providers::validate::supply_chain::SupplyChainRules;
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

/// The repository's root: the fixtures and examples live there.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/policy");

fn fixture(name: &str) -> String {
    format!("{DATA}/{name}.json")
}

fn read(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DATA}/{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Mocks the cluster of `cluster.json`: `resources` by `namespace/name`
/// (cluster-scoped ones by `/name`), `errors` as host errors, anything else
/// not found (as the policy-server says it).
fn mock_cluster() {
    mock(read("cluster.json"));
}

/// `cluster.json` with an overlay file of the fixtures (`resources` and
/// `errors` entries replaced or added by key) merged over it.
fn cluster_with(overlay: &str) -> Value {
    let mut cluster = read("cluster.json");
    if let Value::Object(parts) = read(overlay) {
        for (part, entries) in parts {
            let target = cluster[part.as_str()].as_object_mut().unwrap();
            target.extend(entries.as_object().unwrap().clone());
        }
    }
    cluster
}

/// Mocks `cluster` (the shape of `cluster.json`).
fn mock(cluster: Value) {
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
    eval(name, accepted, settings)
}

/// `case` in another cluster (`cluster_with`).
fn case_in(cluster: Value, name: &str, accepted: bool) -> ValidationResponse {
    mock(cluster);
    eval(name, accepted, Settings::default())
}

/// A request fixture through `validate` with the cluster mocked already.
fn eval(name: &str, accepted: bool, settings: Settings) -> ValidationResponse {
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
        supply_chain: SupplyChainRules {
            allowed_registries: vec!["quay.io".into()],
            max_providers: Some(1),
            ..SupplyChainRules::default()
        },
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
        supply_chain: SupplyChainRules {
            require_digest: true,
            ..SupplyChainRules::default()
        },
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

use llsd_providers::inject::InjectOptions;

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
    for (s, api) in llsd_providers::api::APIS.iter().take(8).enumerate() {
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
    assert!(response.warnings.is_none());
    // not wired: nothing to remove, so no CRD lookup
    assert_eq!(
        mock_kubernetes_sdk::calls(),
        [llsd_lookup("plain", "default")]
    );
}

/// The owner lookup the Deployment fixtures make (owner `name` in `default`).
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

/// The CRD lookup (cluster-scoped, uncached), made only before removing a
/// wired Deployment's providers.
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

/// The one warning of an accepted response without a patch.
fn only_warning(response: &ValidationResponse) -> &str {
    assert!(response.accepted);
    assert!(response.message.is_none(), "{:?}", response.message);
    assert!(
        response.mutated_object.is_none(),
        "{:?}",
        response.mutated_object
    );
    let warnings = response.warnings.as_deref().unwrap_or_default();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    // admission warnings travel as HTTP headers
    assert!(!warnings[0].contains('\n'), "{}", warnings[0]);
    &warnings[0]
}

const LOOKUP_FIX: &str = "fix: if the LlamaStackDistribution exists, give the policy access to it \
     (contextAwareResources: llamastack.io/v1alpha1 LlamaStackDistribution) and check the \
     policy-server's RBAC; if it was deleted, the Deployment is orphaned";

#[test]
fn missing_owner_of_an_unwired_deployment_is_admitted_with_a_warning() {
    let response = case("deployment-create-owner-missing", true, Settings::default());
    let warning = only_warning(&response);
    assert_eq!(
        warning,
        format!(
            "external providers not injected: cannot look up LlamaStackDistribution 'default/ghost', \
             the controller owner of Deployment 'llamastack-with-userconfig', to inject its external \
             providers: error invoking host capability kubernetes.get_resource: Cannot find \
             llamastack.io/v1alpha1/LlamaStackDistribution named 'ghost' inside of namespace 'default' \
             ({LOOKUP_FIX}; the operator's next update is wired once the lookup works)"
        )
    );
    // no CRD lookup: nothing is removed
    assert_eq!(
        mock_kubernetes_sdk::calls(),
        [llsd_lookup("ghost", "default")]
    );
}

#[test]
fn lookup_errors_on_an_unwired_deployment_are_a_warning_naming_the_error() {
    let response = case("deployment-create-lookup-error", true, Settings::default());
    let warning = only_warning(&response);
    assert!(
        warning.starts_with(
            "external providers not injected: cannot look up LlamaStackDistribution \
             'restricted/llamastack-with-userconfig', the controller owner of Deployment \
             'llamastack-with-userconfig', to inject its external providers: "
        ),
        "{warning}"
    );
    assert!(
        warning.contains("Forbidden: the policy is not allowed"),
        "{warning}"
    );
    assert!(warning.contains(&format!("({LOOKUP_FIX};")), "{warning}");
    assert_eq!(
        mock_kubernetes_sdk::calls(),
        [llsd_lookup("llamastack-with-userconfig", "restricted")]
    );
}

/// A rejection: no warnings, no patch, the message.
fn rejection(response: &ValidationResponse) -> &str {
    assert!(!response.accepted);
    assert!(response.warnings.is_none(), "{:?}", response.warnings);
    assert!(response.mutated_object.is_none());
    msg(response)
}

#[test]
fn missing_owner_of_a_wired_deployment_is_a_rejection_naming_the_llsd_and_the_error() {
    let response = case(
        "deployment-update-wired-owner-missing",
        false,
        Settings::default(),
    );
    assert_eq!(
        rejection(&response),
        format!(
            "cannot look up LlamaStackDistribution 'default/ghost', the controller owner of \
             Deployment 'llamastack-with-userconfig', to inject its external providers: error \
             invoking host capability kubernetes.get_resource: Cannot find \
             llamastack.io/v1alpha1/LlamaStackDistribution named 'ghost' inside of namespace \
             'default'\n  {LOOKUP_FIX}"
        )
    );
    assert_eq!(
        mock_kubernetes_sdk::calls(),
        [llsd_lookup("ghost", "default")]
    );
}

/// `validate` on a request fixture edited by `edit`, in `cluster`.
fn edited(cluster: Value, name: &str, edit: impl FnOnce(&mut Value)) -> ValidationResponse {
    mock(cluster);
    let mut request = read(&format!("{name}.json"));
    edit(&mut request);
    verdict(
        json!({"request": request, "settings": {}})
            .to_string()
            .as_bytes(),
    )
}

#[test]
fn the_wiring_of_either_the_object_or_the_old_object_makes_a_failed_lookup_a_rejection() {
    let plain = object("deployment-create-owner-missing");
    let wired = object("deployment-update-wired-owner-missing");
    let cluster = read("cluster.json");
    for (object, old, wired_at) in [
        // an UPDATE (a forced apply, a PUT) dropping the wiring
        (&plain, &wired, "oldObject"),
        // a CREATE of a wired Deployment (restored from a backup)
        (&wired, &Value::Null, "object"),
    ] {
        let response = edited(
            cluster.clone(),
            "deployment-update-wired-owner-missing",
            |r| {
                r["object"] = object.clone();
                r["oldObject"] = old.clone();
            },
        );
        let message = rejection(&response);
        assert!(
            message.starts_with("cannot look up LlamaStackDistribution 'default/ghost'"),
            "wired in {wired_at}: {message}"
        );
        assert!(message.ends_with(LOOKUP_FIX), "{message}");
    }
    // neither wired: an UPDATE too is admitted with the warning
    let response = edited(
        cluster.clone(),
        "deployment-update-wired-owner-missing",
        |r| {
            r["object"] = plain.clone();
            r["oldObject"] = plain.clone();
        },
    );
    assert!(
        only_warning(&response).starts_with("external providers not injected: cannot look up"),
        "{response:?}"
    );
    // only the hash annotation counts: other pod-template annotations are not wiring
    let mut annotated = plain.clone();
    annotated["spec"]["template"]["metadata"]["annotations"] = json!({"llsd-providers.llamastack.io/other": "x", "kubectl.kubernetes.io/restartedAt": "now"});
    let response = edited(cluster, "deployment-update-wired-owner-missing", |r| {
        r["object"] = annotated.clone();
        r["oldObject"] = annotated.clone();
    });
    only_warning(&response);
}

#[test]
fn lookup_errors_on_a_wired_deployment_are_rejections_naming_the_error() {
    // the already-wired Deployment, in the namespace the policy may not read
    let response = edited(read("cluster.json"), "deployment-update-injected", |r| {
        r["namespace"] = json!("restricted");
        for part in ["object", "oldObject"] {
            r[part]["metadata"]["namespace"] = json!("restricted");
        }
    });
    let message = rejection(&response);
    assert!(
        message.starts_with(
            "cannot look up LlamaStackDistribution 'restricted/llamastack-with-userconfig', the \
             controller owner of Deployment 'llamastack-with-userconfig', to inject its external \
             providers: "
        ),
        "{message}"
    );
    assert!(
        message.contains("Forbidden: the policy is not allowed"),
        "{message}"
    );
    assert!(message.ends_with(&format!("\n  {LOOKUP_FIX}")), "{message}");
    assert_eq!(
        mock_kubernetes_sdk::calls(),
        [llsd_lookup("llamastack-with-userconfig", "restricted")]
    );
}

#[test]
fn host_error_line_keeps_the_first_non_empty_line() {
    use super::host_error_line;
    assert_eq!(host_error_line("a: b\n\nStack backtrace:\n 0: x"), "a: b");
    assert_eq!(host_error_line("\n  \nForbidden  \nmore"), "Forbidden");
    assert_eq!(host_error_line(""), "");
}

#[test]
fn a_host_error_is_cut_to_its_first_line() {
    // the policy-server appends a stack backtrace to some errors
    const ERROR: &str = "Forbidden: not allowed\nstack backtrace:\n   0: policy_server::x\n";
    let first_line =
        "error invoking host capability kubernetes.get_resource: Forbidden: not allowed";
    mock_kubernetes_sdk::expect(|_| Err(ERROR.to_string()));
    let response = eval("deployment-create-providers", true, Settings::default());
    let warning = only_warning(&response);
    assert!(
        warning.contains(&format!("providers: {first_line} ({LOOKUP_FIX};")),
        "{warning}"
    );
    mock_kubernetes_sdk::expect(|_| Err(ERROR.to_string()));
    let response = eval("deployment-update-injected", false, Settings::default());
    let message = rejection(&response);
    assert!(
        message.ends_with(&format!("providers: {first_line}\n  {LOOKUP_FIX}")),
        "{message}"
    );
    // the CRD lookup's too: the rejection is the problem and its fix
    let plain = read("cluster.json")["resources"]["default/plain"].clone();
    mock_kubernetes_sdk::expect(move |request| {
        if request.kind == "CustomResourceDefinition" {
            Err(ERROR.to_string())
        } else {
            Ok(plain.clone())
        }
    });
    let response = eval(
        "deployment-update-wired-no-providers",
        false,
        Settings::default(),
    );
    let message = rejection(&response);
    assert_eq!(message.lines().count(), 2, "{message}");
    assert!(
        message.contains(&format!(
            "serves spec.server.externalProviders: {first_line}\n  fix: give the policy access"
        )),
        "{message}"
    );
}

#[test]
fn an_owner_without_providers_strips_a_wired_deployment_when_the_crd_serves_them() {
    let response = case(
        "deployment-update-wired-no-providers",
        true,
        Settings::default(),
    );
    assert!(response.warnings.is_none(), "{:?}", response.warnings);
    let mutated = response.mutated_object.expect("the wiring removed");
    // back to the operator's own Deployment, as the core injection gives it
    assert_eq!(mutated, object("deployment-create-no-providers"));
    let llsd: LlamaStackDistribution =
        serde_json::from_value(read("cluster.json")["resources"]["default/plain"].clone()).unwrap();
    let expected = inject(
        &llsd,
        &object("deployment-update-wired-no-providers"),
        &InjectOptions::default(),
    )
    .unwrap();
    assert_eq!(mutated, expected);
    assert_eq!(
        mock_kubernetes_sdk::calls(),
        [llsd_lookup("plain", "default"), crd_lookup()]
    );
}

const CRD_FIX: &str = "fix: re-apply the patch: kubectl patch crd \
     llamastackdistributions.llamastack.io --type=json --patch-file \
     config/crd/external-providers-patch.yaml (docs/crd.md, \"Operator upgrades\")";

#[test]
fn an_owner_without_providers_and_an_unpatched_crd_keep_the_wiring() {
    let response = case_in(
        cluster_with("cluster-crd-unpatched.json"),
        "deployment-update-wired-no-providers",
        false,
    );
    assert_eq!(
        rejection(&response),
        format!(
            "refusing to remove the external providers of Deployment 'llamastack-with-userconfig': \
             LlamaStackDistribution 'default/plain' lists none, but CustomResourceDefinition \
             'llamastackdistributions.llamastack.io' (version v1alpha1) has no \
             spec.server.externalProviders: the operator's CRD was installed or upgraded without \
             the llsd-providers patch, so the API server drops the external providers of every \
             LlamaStackDistribution it returns. The Deployment keeps its providers until the patch \
             is back.\n  {CRD_FIX}"
        )
    );
    assert_eq!(
        mock_kubernetes_sdk::calls(),
        [llsd_lookup("plain", "default"), crd_lookup()]
    );
}

#[test]
fn an_update_dropping_the_wiring_is_checked_against_the_crd_too() {
    // the stored Deployment is wired, the request's is the operator's plain one
    let drop_wiring = |r: &mut Value| r["object"] = object("deployment-create-no-providers");
    let response = edited(
        read("cluster.json"),
        "deployment-update-wired-no-providers",
        drop_wiring,
    );
    assert!(response.accepted, "{}", msg(&response));
    assert!(response.mutated_object.is_none(), "already plain");
    assert_eq!(
        mock_kubernetes_sdk::calls(),
        [llsd_lookup("plain", "default"), crd_lookup()]
    );
    let response = edited(
        cluster_with("cluster-crd-unpatched.json"),
        "deployment-update-wired-no-providers",
        drop_wiring,
    );
    assert!(
        rejection(&response).starts_with(
            "refusing to remove the external providers of Deployment 'llamastack-with-userconfig': \
             LlamaStackDistribution 'default/plain' lists none, but CustomResourceDefinition"
        ),
        "{}",
        msg(&response)
    );
}

#[test]
fn a_crd_without_the_field_in_v1alpha1_or_unreadable_keeps_the_wiring() {
    let key = "/llamastackdistributions.llamastack.io";
    let patched = read("cluster.json")["resources"][key].clone();
    let with_crd = |crd: Value| {
        let mut cluster = read("cluster.json");
        cluster["resources"][key] = crd;
        cluster
    };
    // the field in another version only, no versions, not a CRD at all
    let mut other_version = patched.clone();
    other_version["spec"]["versions"][0]["name"] = json!("v1beta1");
    let mut no_versions = patched.clone();
    no_versions["spec"]["versions"] = json!([]);
    for crd in [
        other_version,
        no_versions,
        json!({}),
        json!({"spec": {"versions": 3}}),
    ] {
        let response = edited(
            with_crd(crd.clone()),
            "deployment-update-wired-no-providers",
            |_| {},
        );
        let message = rejection(&response);
        assert!(
            message.contains(
                "lists none, but CustomResourceDefinition 'llamastackdistributions.llamastack.io' \
                 (version v1alpha1) has no spec.server.externalProviders"
            ),
            "{crd}: {message}"
        );
        assert!(message.ends_with(CRD_FIX), "{message}");
    }
    // the lookup fails: not found (deleted), refused
    let mut missing = read("cluster.json");
    missing["resources"].as_object_mut().unwrap().remove(key);
    let mut refused = read("cluster.json");
    refused["errors"][key] = json!("Forbidden: customresourcedefinitions is not allowed");
    for (cluster, error) in [
        (
            missing,
            "Cannot find apiextensions.k8s.io/v1/CustomResourceDefinition named \
             'llamastackdistributions.llamastack.io' inside of namespace ''",
        ),
        (
            refused,
            "Forbidden: customresourcedefinitions is not allowed",
        ),
    ] {
        let response = edited(cluster, "deployment-update-wired-no-providers", |_| {});
        let message = rejection(&response);
        assert_eq!(
            message,
            format!(
                "refusing to remove the external providers of Deployment \
                 'llamastack-with-userconfig': LlamaStackDistribution 'default/plain' lists none, \
                 but cannot read CustomResourceDefinition 'llamastackdistributions.llamastack.io' \
                 to tell whether the API server still serves spec.server.externalProviders: error \
                 invoking host capability kubernetes.get_resource: {error}\n  fix: give the policy \
                 access to it (contextAwareResources: apiextensions.k8s.io/v1 \
                 CustomResourceDefinition, and a ClusterRole allowing get on \
                 customresourcedefinitions 'llamastackdistributions.llamastack.io', as \
                 docs/kubewarden.md shows)"
            )
        );
        assert_eq!(
            mock_kubernetes_sdk::calls(),
            [llsd_lookup("plain", "default"), crd_lookup()]
        );
    }
}

#[test]
fn the_crd_is_looked_up_only_before_removing_a_wired_deployments_providers() {
    let fixtures = std::fs::read_dir(DATA)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|file| file.strip_suffix(".json").map(str::to_string))
        .filter(|name| !name.starts_with("cluster"))
        .collect::<Vec<_>>();
    assert!(fixtures.len() >= 15, "{fixtures:?}");
    for cluster in [
        read("cluster.json"),
        cluster_with("cluster-crd-unpatched.json"),
    ] {
        for name in &fixtures {
            edited(cluster.clone(), name, |_| {});
            let crd_lookups = mock_kubernetes_sdk::calls()
                .into_iter()
                .filter(|call| call["kind"] == "CustomResourceDefinition")
                .count();
            let expected = usize::from(name == "deployment-update-wired-no-providers");
            assert_eq!(crd_lookups, expected, "{name}");
        }
    }
    // wired, owner with providers: no CRD lookup, whatever the CRD
    case_in(
        cluster_with("cluster-crd-unpatched.json"),
        "deployment-update-injected",
        true,
    );
    assert_eq!(
        mock_kubernetes_sdk::calls(),
        [llsd_lookup("llamastack-with-userconfig", "default")]
    );
    // not wired, owner without providers: none either
    case_in(
        cluster_with("cluster-crd-unpatched.json"),
        "deployment-create-no-providers",
        true,
    );
    assert_eq!(
        mock_kubernetes_sdk::calls(),
        [llsd_lookup("plain", "default")]
    );
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
    serde_yaml::from_str(&std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap()).unwrap()
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
