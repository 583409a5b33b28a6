//! Diagnosis: from a Pod (as `kubectl get pod -o json` prints it) and,
//! optionally, its LLSD, to the `status.externalProviders` entries, the
//! `ExternalProvidersReady` condition and the state of `merge-config`, each
//! with a message naming the provider, image, init container, what failed
//! and how to fix it.

pub mod conditions;
mod patch;
pub mod pod;
mod render;
mod rollout;
mod state;

pub use patch::status_patch;
pub use pod::{PodView, check_pod, read_pod};
pub use render::{StatusRow, render_table, status_rows};
pub use rollout::{DistributionStatus, Rollout, distribution_status};

use crate::contract::{HASH_ANNOTATION, INSTALL_PREFIX, MERGE_CONTAINER, PROVIDERS_ENV};
use crate::inject::providers_hash;
use crate::llsd::{ExternalProviderStatus, LlamaStackDistribution, ProviderPhase};
use crate::pipeline::{CrdConfig, MergeResult, parse_termination_message};
use pod::ContainerStatus;
use serde::Serialize;
use serde_json::Value;
use state::observe;
use std::collections::BTreeMap;

/// `type` of the condition `status` computes (docs/contracts.md, "Status").
pub const CONDITION_TYPE: &str = "ExternalProvidersReady";

/// `ExternalProvidersReady`, as the operator would set it on the LLSD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Condition {
    /// Always [`CONDITION_TYPE`].
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Machine-readable cause: `StalePod`, `ImagePullFailed`, `ProviderInstallFailed`,
    /// `MergeFailed`, `NoExternalProviders`, `AllProvidersReady`, `Installing` or
    /// `Pending` (docs/contracts.md, "Status").
    pub reason: String,
    /// What the state is and, when not ready, what failed and how to fix it.
    pub message: String,
}

/// The state of `merge-config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct MergeStatus {
    /// The `merge-config` container's image (empty when the pod spec names none).
    pub image: String,
    /// The init container's phase, by the same rules as a provider's
    /// (docs/contracts.md, "Status").
    pub phase: ProviderPhase,
    /// What happened, and how to fix it when it failed.
    pub message: String,
    /// When the current state began (RFC 3339), when the pod says.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub last_transition_time: Option<String>,
}

/// Everything `llsd-providers status` reports about one pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct StatusReport {
    /// The pod's name (`<unnamed pod>` when it has none).
    pub pod: String,
    /// Why this pod does not show the LLSD's current provider list, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub stale: Option<String>,
    /// One entry per provider: in CRD order with the LLSD, else in init-container order.
    pub external_providers: Vec<ExternalProviderStatus>,
    /// The `merge-config` init container's state; `None` when the pod has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub merge_config: Option<MergeStatus>,
    /// Restarts per injected init container.
    pub restarts: BTreeMap<String, i32>,
    /// The `ExternalProvidersReady` condition over all of the above.
    pub condition: Condition,
    /// What the install-and-merge step reported in its termination message
    /// (docs/contracts.md, "Termination message"), when it has reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(skip))]
    pub merge_result: Option<MergeResult>,
}

/// One provider as the pod names it.
struct Provider {
    id: String,
    image: String,
}

/// Providers from the LLSD (CRD order) or, without it, from the pod's
/// install init containers — or, in the image-volume install mode, which
/// has none, from the provider list the merge-config step is given
/// (`LLSD_PROVIDERS`).
fn providers(pod: PodView, llsd: Option<&LlamaStackDistribution>) -> Vec<Provider> {
    if let Some(llsd) = llsd {
        return llsd
            .providers_in_crd_order()
            .into_iter()
            .map(|listed| Provider {
                id: listed.provider.provider_id.clone(),
                image: listed.provider.image.clone(),
            })
            .collect();
    }
    let from_install_containers: Vec<Provider> = pod
        .init_containers()
        .filter_map(|c| {
            let id = c.name().strip_prefix(INSTALL_PREFIX)?;
            Some(Provider {
                id: id.to_string(),
                image: c
                    .env("PROVIDER_IMAGE")
                    .or(c.image())
                    .unwrap_or_default()
                    .to_string(),
            })
        })
        .collect();
    if !from_install_containers.is_empty() {
        return from_install_containers;
    }
    pod.init_containers()
        .find(|c| c.name() == MERGE_CONTAINER)
        .and_then(|c| c.env(PROVIDERS_ENV))
        .and_then(|list| serde_json::from_str::<Vec<CrdConfig>>(list).ok())
        .into_iter()
        .flatten()
        .map(|crd| Provider {
            id: crd.provider_id,
            image: crd.image.unwrap_or_default(),
        })
        .collect()
}

/// The init container doing `provider_id`'s work: its own
/// `install-provider-{id}` when the pod has one (initContainers mode),
/// else the one install-and-merge step (imageVolume mode).
fn working_container(provider_id: &str, order: &[&str]) -> String {
    let own = crate::contract::install_container(provider_id);
    if order.contains(&own.as_str()) || !order.contains(&MERGE_CONTAINER) {
        own
    } else {
        MERGE_CONTAINER.to_string()
    }
}

fn pod_name(pod: PodView) -> String {
    pod.name().unwrap_or("<unnamed pod>").to_string()
}

/// The label the operator puts on an LLSD's pods, with the LLSD's name.
pub const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";

/// Why the pod does not reflect the LLSD (another LLSD's or namespace's
/// pod, or another provider list), if it does not.
fn staleness(pod: PodView, llsd: &LlamaStackDistribution) -> Option<String> {
    let wanted = llsd.providers_in_crd_order();
    let has = pod.annotation(HASH_ANNOTATION);
    let name = pod_name(pod);
    // The operator labels the pods of an LLSD with its name; two LLSDs
    // with the same provider list have the same hash.
    let owner = pod.label(INSTANCE_LABEL);
    if let (Some(owner), Some(llsd_name)) = (owner, llsd.metadata.name.as_deref())
        && owner != llsd_name
    {
        return Some(format!(
            "Pod {name} belongs to LlamaStackDistribution '{owner}' ({INSTANCE_LABEL} label), not to '{llsd_name}'. \
                 Fix: diagnose a pod of '{llsd_name}' (kubectl get pods -l {INSTANCE_LABEL}={llsd_name}) or pass the LLSD '{owner}'."
        ));
    }
    let namespaces = (pod.namespace(), llsd.metadata.namespace.as_deref());
    if let (Some(pod_ns), Some(llsd_ns)) = namespaces
        && pod_ns != llsd_ns
    {
        return Some(format!(
            "Pod {name} is in namespace '{pod_ns}' but the LLSD is in '{llsd_ns}'. \
                 Fix: diagnose a pod of the LLSD's namespace (kubectl get pods -n {llsd_ns})."
        ));
    }
    match (has, wanted.is_empty()) {
        (None, true) => None,
        (None, false) => Some(format!(
            "Pod {name} has no external-provider wiring (no {HASH_ANNOTATION} annotation) although the LLSD lists \
             {} provider(s). Fix: check that the Kubewarden policy that mutates Deployments is active \
             (kubectl get clusteradmissionpolicies) and restart the rollout (kubectl rollout restart deployment).",
            wanted.len()
        )),
        (Some(hash), _) => {
            let expected = providers_hash(&wanted);
            (hash != expected).then(|| {
                format!(
                    "Pod {name} was created for another provider list (hash {hash}; the LLSD's is {expected}): it belongs \
                     to an older or newer ReplicaSet. Fix: wait for the rollout (kubectl rollout status deployment) and \
                     diagnose the newest pod."
                )
            })
        }
    }
}

/// Diagnoses `pod` (`kubectl get pod -o json`'s object; it reads only the
/// fields [`check_pod`] checks, and reads one of the wrong type as absent).
/// With the LLSD, providers come in CRD order with the LLSD's images and
/// the pod is checked for staleness.
pub fn diagnose(pod: &Value, llsd: Option<&LlamaStackDistribution>) -> StatusReport {
    let pod = PodView::new(pod);
    // Inserted one by one (a later status of the same name wins, as
    // `collect` keeps it): `collect` sorts first, with a stable sort of
    // its own, 3 KB of the page's module for a handful of containers.
    let mut statuses: BTreeMap<&str, ContainerStatus> = BTreeMap::new();
    for status in pod.init_container_statuses() {
        statuses.insert(status.name, status);
    }
    let order: Vec<&str> = pod.init_containers().map(|c| c.name()).collect();
    let service_account = pod.service_account_name().unwrap_or("default");
    let observe_named = |name: &str| observe(name, &order, &statuses);

    let mut restarts = BTreeMap::new();
    let mut external_providers = Vec::new();
    for provider in providers(pod, llsd) {
        let container = working_container(&provider.id, &order);
        let state = observe_named(&container);
        restarts.insert(container.clone(), state.restarts);
        let subject = state::Subject::provider(&provider.id, &provider.image, &container);
        let message = state::message(&subject, &pod_name(pod), service_account, &state);
        external_providers.push(ExternalProviderStatus {
            provider_id: provider.id,
            image: provider.image,
            phase: state.phase,
            message,
            init_container_name: container,
            last_transition_time: state.since.clone(),
        });
    }
    let merge_config = pod
        .init_containers()
        .find(|c| c.name() == MERGE_CONTAINER)
        .map(|c| {
            let state = observe_named(MERGE_CONTAINER);
            restarts.insert(MERGE_CONTAINER.to_string(), state.restarts);
            let image = c.image().unwrap_or_default().to_string();
            MergeStatus {
                message: state::message(
                    &state::Subject::merge(&image),
                    &pod_name(pod),
                    service_account,
                    &state,
                ),
                phase: state.phase,
                image,
                last_transition_time: state.since,
            }
        });
    let merge_result = statuses
        .get(MERGE_CONTAINER)
        .and_then(|status| merge_result(status));
    if let Some(result) = &merge_result {
        let restarted = restarts.get(MERGE_CONTAINER).is_some_and(|r| *r > 0);
        apply_merge_result(&mut external_providers, result, &pod_name(pod), restarted);
    }
    let stale = llsd.and_then(|l| staleness(pod, l));
    let condition = condition(&external_providers, merge_config.as_ref(), stale.as_deref());
    StatusReport {
        pod: pod_name(pod),
        stale,
        external_providers,
        merge_config,
        restarts,
        condition,
        merge_result,
    }
}

/// The merge result of the step's current termination, or of its last one
/// while it waits to restart.
fn merge_result(status: &ContainerStatus) -> Option<MergeResult> {
    let state = status.state;
    let terminated = state.and_then(|s| s.terminated).or_else(|| {
        state
            .filter(|s| s.running.is_none())
            .and(status.last_state)
            .and_then(|s| s.terminated)
    })?;
    parse_termination_message(terminated.message?)
}

/// Puts the merge result into the providers' entries: the provider a
/// failure names becomes `Failed` with the failure; a merged provider's
/// message says what the merge did and carries its warnings.
fn apply_merge_result(
    providers: &mut [ExternalProviderStatus],
    result: &MergeResult,
    pod: &str,
    restarted: bool,
) {
    let previous = if restarted { " --previous" } else { "" };
    let logs = format!("kubectl logs {pod} -c {MERGE_CONTAINER}{previous}");
    if let Some(failure) = &result.failure {
        if let Some(p) = providers
            .iter_mut()
            .find(|p| Some(&p.provider_id) == failure.provider_id.as_ref())
        {
            p.phase = ProviderPhase::Failed;
            p.message = format!(
                "The install-and-merge step (init container {MERGE_CONTAINER}) failed on provider '{}' ({}): {} Logs: {logs}.",
                p.provider_id, failure.kind, failure.message
            );
        }
        return;
    }
    for merged in &result.providers {
        let Some(p) = providers.iter_mut().find(|p| p.provider_id == merged.id) else {
            continue;
        };
        let what = match &merged.base_type {
            Some(base) => format!(
                " Merged into API '{}', replacing the base provider with its id (type {base}).",
                merged.api
            ),
            None => format!(" Merged into API '{}'.", merged.api),
        };
        p.message.push_str(&what);
        for warning in &merged.warnings {
            p.message.push_str(&format!(" WARNING: {warning}"));
        }
    }
}

fn condition(
    providers: &[ExternalProviderStatus],
    merge: Option<&MergeStatus>,
    stale: Option<&str>,
) -> Condition {
    let make = |status: &str, reason: &str, message: String| Condition {
        type_: CONDITION_TYPE.to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message,
    };
    if let Some(stale) = stale {
        return make("Unknown", "StalePod", stale.to_string());
    }
    let failed: Vec<&ExternalProviderStatus> = providers
        .iter()
        .filter(|p| p.phase == ProviderPhase::Failed)
        .collect();
    if let Some(first) = failed.first() {
        let reason = if first.message.starts_with("Failed to pull") {
            "ImagePullFailed"
        } else if first.message.starts_with("The install-and-merge step") {
            "MergeFailed"
        } else {
            "ProviderInstallFailed"
        };
        let ids: Vec<&str> = failed.iter().map(|p| p.provider_id.as_str()).collect();
        return make(
            "False",
            reason,
            format!("Provider(s) failed: {}. {}", ids.join(", "), first.message),
        );
    }
    if let Some(merge) = merge.filter(|m| m.phase == ProviderPhase::Failed) {
        return make("False", "MergeFailed", merge.message.clone());
    }
    if providers.is_empty() {
        return make(
            "True",
            "NoExternalProviders",
            "No external providers are configured.".to_string(),
        );
    }
    let ready = providers
        .iter()
        .filter(|p| p.phase == ProviderPhase::Ready)
        .count();
    let merged = merge.is_some_and(|m| m.phase == ProviderPhase::Ready);
    if ready == providers.len() && merged {
        return make(
            "True",
            "AllProvidersReady",
            format!("All {ready} external provider(s) are installed and merged."),
        );
    }
    let installing = providers
        .iter()
        .any(|p| p.phase == ProviderPhase::Installing);
    let reason = if installing { "Installing" } else { "Pending" };
    let step = match merge {
        Some(m) if ready == providers.len() => format!("merge-config: {}", m.message),
        None if ready == providers.len() => "no merge-config init container in the pod".to_string(),
        _ => {
            let next = providers.iter().find(|p| p.phase != ProviderPhase::Ready);
            next.map(|p| p.message.clone()).unwrap_or_default()
        }
    };
    make(
        "False",
        reason,
        format!(
            "{ready} of {} provider(s) installed; {step}",
            providers.len()
        ),
    )
}

#[cfg(test)]
mod tests;
