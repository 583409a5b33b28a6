use super::*;
use crate::status::{Rollout, distribution_status};
use k8s_openapi::api::apps::v1::ReplicaSet;
use serde_json::json;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/status");
const NOW: &str = "2026-12-07T12:00:00Z";
const LATER: &str = "2026-12-07T12:05:00Z";

fn llsd() -> LlamaStackDistribution {
    let text = std::fs::read_to_string(format!("{DATA}/llsd.yaml")).unwrap();
    let mut llsd: LlamaStackDistribution = serde_yaml::from_str(&text).unwrap();
    llsd.metadata.generation = Some(3);
    llsd
}

fn pod(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DATA}/pod-{name}.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn replica_set() -> ReplicaSet {
    serde_json::from_value(json!({
        "metadata": {
            "name": "llamastack-with-userconfig-5f7d9c8b6",
            "annotations": {"deployment.kubernetes.io/revision": "1"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "uid": "d",
                                 "name": "llamastack-with-userconfig", "controller": true}]
        }
    }))
    .unwrap()
}

fn desired(llsd: &LlamaStackDistribution, pods: &[Value]) -> Vec<Condition> {
    let replica_sets = [replica_set()];
    let status = distribution_status(Rollout {
        llsd,
        name: "llamastack-with-userconfig",
        namespace: Some("default"),
        replica_sets: &replica_sets,
        pods,
    });
    desired_conditions(&status, llsd)
}

/// The status after the update's patch is written (a JSON merge patch
/// replaces the atomic conditions list whole).
fn written(status: &Value, update: &ConditionsUpdate) -> Value {
    let mut status = status.clone();
    status["conditions"] = update.patch["status"]["conditions"].clone();
    status
}

fn of_type<'a>(status: &'a Value, type_: &str) -> &'a Value {
    status["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == type_)
        .unwrap_or_else(|| panic!("no condition {type_} in {status}"))
}

fn operator_status() -> Value {
    json!({
        "phase": "Initializing",
        "conditions": [{"type": "DeploymentReady", "status": "False", "reason": "DeploymentPending",
                        "message": "waiting", "lastTransitionTime": "2026-12-07T11:00:00Z"}]
    })
}

#[test]
fn a_pull_failure_names_every_provider_that_is_not_ready() {
    let llsd = llsd();
    let want = desired(&llsd, &[pod("image-pull-failure")]);
    let summary = &want[0];
    assert_eq!(
        (summary.status.as_str(), summary.reason.as_str()),
        ("False", "ImagePullFailed")
    );
    for id in [
        "custom-vllm Failed: Failed to pull",
        "pgvector-ext Pending:",
        "lmeval Pending:",
    ] {
        assert!(
            summary.message.contains(id),
            "{id} missing from {}",
            summary.message
        );
    }
    let vllm = &want[1];
    assert_eq!(vllm.type_, "llsd-providers.llamastack.io/custom-vllm");
    assert_eq!(
        (vllm.status.as_str(), vllm.reason.as_str()),
        ("False", "Failed")
    );
    assert!(vllm.message.starts_with(
        "image registry.example.com/llama-providers/custom-vllm:1.0.0: Failed to pull"
    ));
    assert!(vllm.message.contains("Fix:"), "{}", vllm.message);
    assert_eq!(want.len(), 4);
}

#[test]
fn the_first_write_sets_every_condition_and_announces_each_phase() {
    let llsd = llsd();
    let want = desired(&llsd, &[pod("image-pull-failure")]);
    let status = operator_status();
    let update = conditions_update(Some(&status), &want, "41", Some(3), NOW).unwrap();
    assert_eq!(update.patch["metadata"]["resourceVersion"], "41");
    let after = written(&status, &update);
    // the operator's condition stays first and untouched
    assert_eq!(after["conditions"][0], status["conditions"][0]);
    let summary = of_type(&after, CONDITION_TYPE);
    assert_eq!(summary["lastTransitionTime"], NOW);
    assert_eq!(summary["observedGeneration"], 3);
    let reasons: Vec<(&str, bool)> = update
        .transitions
        .iter()
        .map(|t| (t.reason.as_str(), t.warning))
        .collect();
    assert_eq!(
        reasons,
        [
            ("ExternalProvidersNotReady", true),
            ("ProviderFailed", true),
            ("ProviderPending", false),
            ("ProviderPending", false)
        ]
    );
    assert!(
        update.transitions[1]
            .note
            .starts_with("custom-vllm: new → Failed, image registry.example.com/llama-providers/custom-vllm:1.0.0: Failed to pull"),
        "{}",
        update.transitions[1].note
    );
}

#[test]
fn a_written_state_needs_no_second_write() {
    let llsd = llsd();
    let want = desired(&llsd, &[pod("installing")]);
    let status = operator_status();
    let update = conditions_update(Some(&status), &want, "41", Some(3), NOW).unwrap();
    let after = written(&status, &update);
    assert_eq!(
        conditions_update(Some(&after), &want, "42", Some(3), LATER),
        None
    );
}

#[test]
fn the_operators_status_replace_causes_no_write() {
    let llsd = llsd();
    let want = desired(&llsd, &[pod("all-ready")]);
    let update = conditions_update(Some(&operator_status()), &want, "41", Some(3), NOW).unwrap();
    let ours = written(&operator_status(), &update);
    // the operator's PUT: its own fields replaced and restamped, its
    // conditions re-set by type, externalProviders gone, ours kept
    let mut replaced = json!({
        "phase": "Ready",
        "version": {"operatorVersion": "v0.9.0", "lastUpdated": LATER},
        "availableReplicas": 1,
        "conditions": ours["conditions"].clone(),
    });
    replaced["conditions"][0] = json!({"type": "DeploymentReady", "status": "True", "reason": "DeploymentReady",
                                       "message": "ready", "lastTransitionTime": LATER});
    assert_eq!(
        conditions_update(Some(&replaced), &want, "43", Some(3), LATER),
        None
    );
}

#[test]
fn a_provider_that_becomes_ready_keeps_the_others_transition_times() {
    let llsd = llsd();
    let first = conditions_update(
        Some(&operator_status()),
        &desired(&llsd, &[pod("installing")]),
        "41",
        Some(3),
        NOW,
    )
    .unwrap();
    let installing = written(&operator_status(), &first);
    let ready = desired(&llsd, &[pod("all-ready")]);
    let second = conditions_update(Some(&installing), &ready, "42", Some(3), LATER).unwrap();
    let after = written(&installing, &second);
    assert_eq!(of_type(&after, CONDITION_TYPE)["status"], "True");
    assert_eq!(of_type(&after, CONDITION_TYPE)["lastTransitionTime"], LATER);
    // custom-vllm was already Ready (True) while the others installed
    let vllm = of_type(&after, "llsd-providers.llamastack.io/custom-vllm");
    assert_eq!(vllm["status"], "True");
    assert_eq!(vllm["lastTransitionTime"], NOW);
    let notes: Vec<&str> = second.transitions.iter().map(|t| t.note.as_str()).collect();
    assert_eq!(second.transitions[0].reason, "ExternalProvidersReady");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("pgvector-ext: Installing → Ready")
                || n.starts_with("pgvector-ext: Pending → Ready")),
        "{notes:?}"
    );
    assert!(
        !notes.iter().any(|n| n.starts_with("custom-vllm")),
        "{notes:?}"
    );
}

#[test]
fn a_removed_provider_loses_its_condition() {
    let mut llsd = llsd();
    let update = conditions_update(
        Some(&operator_status()),
        &desired(&llsd, &[pod("all-ready")]),
        "41",
        Some(3),
        NOW,
    )
    .unwrap();
    let before = written(&operator_status(), &update);
    llsd.spec
        .server
        .external_providers
        .as_mut()
        .unwrap()
        .sections
        .remove("eval");
    let want = desired(&llsd, &[]);
    let update = conditions_update(Some(&before), &want, "42", Some(4), LATER).unwrap();
    let after = written(&before, &update);
    let types: Vec<&str> = after["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "DeploymentReady",
            CONDITION_TYPE,
            "llsd-providers.llamastack.io/custom-vllm",
            "llsd-providers.llamastack.io/pgvector-ext"
        ]
    );
    assert_eq!(of_type(&after, CONDITION_TYPE)["reason"], "NoPods");
}

#[test]
fn an_llsd_without_providers_is_written_only_if_it_had_some() {
    let mut llsd = llsd();
    llsd.spec.server.external_providers = None;
    let want = desired(&llsd, &[]);
    assert_eq!(want.len(), 1);
    assert_eq!(
        conditions_update(Some(&operator_status()), &want, "1", Some(1), NOW),
        None
    );
    assert_eq!(conditions_update(None, &want, "1", Some(1), NOW), None);
    let had = json!({"conditions": [
        {"type": CONDITION_TYPE, "status": "False", "reason": "Installing", "message": "m", "lastTransitionTime": NOW},
        {"type": "llsd-providers.llamastack.io/custom-vllm", "status": "False", "reason": "Installing",
         "message": "m", "lastTransitionTime": NOW}]});
    let update = conditions_update(Some(&had), &want, "2", Some(2), LATER).unwrap();
    let after = written(&had, &update);
    assert_eq!(after["conditions"].as_array().unwrap().len(), 1);
    assert_eq!(
        of_type(&after, CONDITION_TYPE)["reason"],
        "NoExternalProviders"
    );
}

#[test]
fn a_stale_newest_pod_makes_every_condition_unknown() {
    let llsd = llsd();
    let want = desired(&llsd, &[pod("stale")]);
    assert!(want.iter().all(|c| c.status == "Unknown"), "{want:?}");
    assert!(
        matches!(want[0].reason.as_str(), "StalePod" | "ProvidersChanging"),
        "{want:?}"
    );
}

#[test]
fn messages_and_notes_stay_within_the_api_limits() {
    let llsd = llsd();
    let mut huge = pod("merge-failure");
    let long = "x".repeat(200_000);
    for status in huge["status"]["initContainerStatuses"]
        .as_array_mut()
        .unwrap()
    {
        if let Some(terminated) = status["state"].get_mut("terminated") {
            terminated["message"] = json!(long);
        }
    }
    let want = desired(&llsd, &[huge]);
    assert!(want.iter().all(|c| c.message.len() <= MESSAGE_LIMIT));
    let update = conditions_update(None, &want, "1", None, NOW).unwrap();
    assert!(
        update
            .transitions
            .iter()
            .all(|t| t.note.len() <= EVENT_NOTE_LIMIT)
    );
}

#[test]
fn other_conditions_keep_their_bytes_and_order() {
    let current = vec![
        json!({"type": "A", "status": "True", "extra": [1, 2]}),
        json!({"type": CONDITION_TYPE, "status": "False", "reason": "Installing", "message": "m", "lastTransitionTime": NOW}),
        json!({"type": "B", "status": "False"}),
    ];
    let want = [Condition {
        type_: CONDITION_TYPE.into(),
        status: "False".into(),
        reason: "Pending".into(),
        message: "n".into(),
    }];
    let merged = merge_conditions(&current, &want, is_ours, None, LATER);
    assert_eq!(merged[0], current[0]);
    assert_eq!(merged[2], current[2]);
    assert_eq!(merged[1]["reason"], "Pending");
    // the status did not change: the transition time stays
    assert_eq!(merged[1]["lastTransitionTime"], NOW);
}
