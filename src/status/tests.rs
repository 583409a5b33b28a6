use super::*;
use serde_json::json;

fn pod(init: &[&str], statuses: Value) -> Value {
    let containers: Vec<_> = init
        .iter()
        .map(|n| json!({"name": n, "image": format!("r.io/{n}:1"), "env": [{"name": "PROVIDER_IMAGE", "value": format!("r.io/{n}:1")}]}))
        .collect();
    let pod = json!({
        "metadata": {"name": "p1"},
        "spec": {"initContainers": containers, "containers": [{"name": "llama-stack"}], "serviceAccountName": "sa"},
        "status": {"initContainerStatuses": statuses}
    });
    check_pod(&pod).unwrap();
    pod
}

fn status(name: &str, state: Value) -> Value {
    json!({"name": name, "image": "x", "imageID": "", "ready": false, "restartCount": 0, "state": state})
}

const INIT: [&str; 3] = ["install-provider-a", "install-provider-b", "merge-config"];

#[test]
fn phases_follow_container_states() {
    let report = diagnose(
        &pod(
            &INIT,
            json!([
                status(
                    INIT[0],
                    json!({"terminated": {"exitCode": 0, "finishedAt": "2026-11-26T10:00:00Z"}})
                ),
                status(
                    INIT[1],
                    json!({"running": {"startedAt": "2026-11-26T10:00:01Z"}})
                ),
                status(INIT[2], json!({"waiting": {"reason": "PodInitializing"}})),
            ]),
        ),
        None,
    );
    let phases: Vec<ProviderPhase> = report.external_providers.iter().map(|p| p.phase).collect();
    assert_eq!(phases, [ProviderPhase::Ready, ProviderPhase::Installing]);
    assert_eq!(
        report.external_providers[0].last_transition_time.as_deref(),
        Some("2026-11-26T10:00:00Z")
    );
    assert_eq!(
        report.external_providers[1].image,
        "r.io/install-provider-b:1"
    );
    let merge = report.merge_config.unwrap();
    assert_eq!(merge.phase, ProviderPhase::Pending);
    assert_eq!(
        merge.message,
        "Not started: waiting for init container install-provider-b to finish."
    );
    assert_eq!(report.condition.status, "False");
    assert_eq!(report.condition.reason, "Installing");
}

#[test]
fn pull_failures_name_the_image_and_the_service_account() {
    for reason in ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"] {
        let report = diagnose(
            &pod(
                &INIT,
                json!([status(
                    INIT[0],
                    json!({"waiting": {"reason": reason, "message": "nope"}})
                )]),
            ),
            None,
        );
        let first = &report.external_providers[0];
        assert_eq!(first.phase, ProviderPhase::Failed);
        assert!(
            first
                .message
                .starts_with("Failed to pull provider image r.io/install-provider-a:1"),
            "{}",
            first.message
        );
        assert!(
            first.message.contains("ServiceAccount 'sa'"),
            "{}",
            first.message
        );
        assert_eq!(report.condition.reason, "ImagePullFailed");
        assert!(
            report.external_providers[1]
                .message
                .contains("install-provider-a failed before it")
        );
    }
}

/// Issue #23 item 4: the merge image's pull failure on `stage-installer`
/// (initContainers mode) stops every provider: each is reported failed
/// with that image, the kubelet's reason and message, and the fixes —
/// imagePullSecrets and the mergeImage setting.
#[test]
fn a_merge_image_pull_failure_names_the_image_and_the_merge_image_setting() {
    let init = ["stage-installer", INIT[0], INIT[1], INIT[2]];
    for reason in ["ErrImagePull", "ImagePullBackOff", "InvalidImageName"] {
        let mut stage = status(
            init[0],
            json!({"waiting": {"reason": reason, "message": "Back-off pulling image \"quay.io/llsd-providers/merge-config:0.1.0\""}}),
        );
        stage["image"] = json!("quay.io/llsd-providers/merge-config:0.1.0");
        let report = diagnose(&pod(&init, json!([stage])), None);
        for provider in &report.external_providers {
            assert_eq!(provider.phase, ProviderPhase::Failed);
            assert!(
                provider.message.starts_with(&format!(
                    "Failed to pull merge image quay.io/llsd-providers/merge-config:0.1.0 (init container stage-installer, which {} waits for): {reason}: Back-off pulling image",
                    provider.init_container_name
                )),
                "{}",
                provider.message
            );
            assert!(
                provider
                    .message
                    .contains("imagePullSecret of the pod's ServiceAccount 'sa'"),
                "{}",
                provider.message
            );
            assert!(
                provider.message.contains("mergeImage setting"),
                "{}",
                provider.message
            );
        }
        assert_eq!(report.condition.status, "False");
        assert_eq!(report.condition.reason, "ImagePullFailed");
        assert!(
            report
                .condition
                .message
                .starts_with("Provider(s) failed: a, b. Failed to pull merge image"),
            "{}",
            report.condition.message
        );
    }
}

#[test]
fn terminated_failures_carry_the_termination_message_and_restarts() {
    let mut failed = status(
        INIT[0],
        json!({"terminated": {"exitCode": 1, "reason": "Error", "message": "Missing x. Resolution: add x."}}),
    );
    failed["restartCount"] = json!(2);
    let report = diagnose(&pod(&INIT, json!([failed])), None);
    let message = &report.external_providers[0].message;
    assert!(
        message.contains("failed with exit code 1: Missing x. Resolution: add x."),
        "{message}"
    );
    assert!(
        message.contains("kubectl logs p1 -c install-provider-a --previous"),
        "{message}"
    );
    assert!(message.ends_with("(restarted 2 times)"), "{message}");
    assert_eq!(report.restarts["install-provider-a"], 2);
    let bare = diagnose(
        &pod(
            &INIT,
            json!([status(
                INIT[0],
                json!({"terminated": {"exitCode": 137, "reason": "OOMKilled"}})
            )]),
        ),
        None,
    );
    let message = &bare.external_providers[0].message;
    assert!(
        message.contains(
            "exit code 137, OOMKilled: no termination message. Fix: read the container log"
        ),
        "{message}"
    );
}

#[test]
fn merge_failures_set_the_condition() {
    let report = diagnose(
        &pod(
            &INIT,
            json!([
                status(INIT[0], json!({"terminated": {"exitCode": 0}})),
                status(INIT[1], json!({"terminated": {"exitCode": 0}})),
                status(
                    INIT[2],
                    json!({"terminated": {"exitCode": 1, "message": "ERROR: Duplicate external provider id"}})
                ),
            ]),
        ),
        None,
    );
    assert_eq!(report.condition.reason, "MergeFailed");
    assert!(
        report
            .condition
            .message
            .contains("ERROR: Duplicate external provider id")
    );
}

#[test]
fn all_ready_is_true() {
    let done = json!({"terminated": {"exitCode": 0}});
    let report = diagnose(
        &pod(
            &INIT,
            json!([
                status(INIT[0], done.clone()),
                status(INIT[1], done.clone()),
                status(INIT[2], done)
            ]),
        ),
        None,
    );
    assert_eq!(report.condition.status, "True");
    assert_eq!(report.condition.reason, "AllProvidersReady");
}

#[test]
fn a_pod_without_wiring_is_stale_for_an_llsd_with_providers() {
    let llsd: LlamaStackDistribution = serde_yaml::from_str(
        "apiVersion: llamastack.io/v1alpha1\nkind: LlamaStackDistribution\nmetadata: {name: d}\nspec:\n  server:\n    externalProviders:\n      inference: [{providerId: a, image: \"r.io/a:1\"}]\n",
    )
    .unwrap();
    let report = diagnose(&pod(&[], json!([])), Some(&llsd));
    assert_eq!(report.condition.reason, "StalePod");
    assert!(
        report
            .stale
            .unwrap()
            .contains("no external-provider wiring")
    );
    assert_eq!(report.external_providers[0].phase, ProviderPhase::Pending);
}

#[test]
fn table_is_coloured_only_when_asked() {
    let report = diagnose(&pod(&INIT, json!([])), None);
    assert!(!render_table(&report, false).contains('\u{1b}'));
    assert!(render_table(&report, true).contains('\u{1b}'));
    assert!(render_table(&report, false).contains("PROVIDER  INIT CONTAINER"));
}

#[test]
fn in_the_image_volume_mode_providers_follow_the_install_step() {
    // One init container does every provider's work; without the LLSD the
    // providers come from its LLSD_PROVIDERS list.
    let mut pod = pod(
        &["merge-config"],
        json!([status(
            "merge-config",
            json!({"running": {"startedAt": "2026-11-26T10:00:01Z"}})
        )]),
    );
    let list = json!([
        {"providerId": "a", "api": "inference", "image": "r.io/a:1"},
        {"providerId": "b", "api": "safety", "image": "r.io/b:1"},
    ]);
    pod["spec"]["initContainers"][0]["env"] =
        json!([{"name": "LLSD_PROVIDERS", "value": list.to_string()}]);
    let report = diagnose(&pod, None);
    let seen: Vec<(&str, &str, ProviderPhase)> = report
        .external_providers
        .iter()
        .map(|p| {
            (
                p.provider_id.as_str(),
                p.init_container_name.as_str(),
                p.phase,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("a", "merge-config", ProviderPhase::Installing),
            ("b", "merge-config", ProviderPhase::Installing),
        ]
    );
    assert_eq!(report.external_providers[1].image, "r.io/b:1");
}
