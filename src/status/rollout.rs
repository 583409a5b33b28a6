//! The status of a whole LLSD: every pod of its Deployment, newest first,
//! with the pods being replaced and a provider list that has not reached
//! the newest pod said in words — what `kubectl llsd-providers status`
//! prints, from the objects the host read from the cluster.

use super::{PodView, StatusReport, diagnose, render_table};
use crate::contract::HASH_ANNOTATION;
use crate::diagnostic::printable;
use crate::inject::providers_hash;
use crate::llsd::LlamaStackDistribution;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

/// What the host read: the LLSD, the ReplicaSets and the pods its
/// Deployment's selector matches.
#[derive(Debug, Clone, Copy)]
pub struct Rollout<'a> {
    /// The LLSD (valid).
    pub llsd: &'a LlamaStackDistribution,
    /// Its name (the operator names the Deployment after it).
    pub name: &'a str,
    /// Its namespace, when the user named one.
    pub namespace: Option<&'a str>,
    /// The ReplicaSets the Deployment's selector matches.
    pub replica_sets: &'a [ReplicaSet],
    /// The pods the Deployment's selector matches (JSON as the API serves them).
    pub pods: &'a [serde_json::Value],
}

/// The report over every pod of the Deployment.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DistributionStatus {
    /// The LLSD's name.
    pub llsd: String,
    /// Its namespace, when named.
    pub namespace: Option<String>,
    /// The provider list's hash the LLSD asks for.
    pub providers_hash: String,
    /// Set when the newest pod runs another provider list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash_mismatch: Option<String>,
    /// Newest first.
    pub pods: Vec<StatusReport>,
}

impl DistributionStatus {
    /// Ready: the newest pod's providers are Ready and it runs the LLSD's
    /// provider list.
    pub fn ready(&self) -> bool {
        self.pods
            .first()
            .is_some_and(|r| r.condition.status == "True" && self.hash_mismatch.is_none())
    }

    /// The text report: a header, the provider-list change, then each pod's table.
    pub fn render_text(&self, colour: bool) -> String {
        let mut out = format!(
            "LlamaStackDistribution {} : {} pod(s), newest first; providers hash {}\n",
            self.llsd,
            self.pods.len(),
            self.providers_hash
        );
        if let Some(mismatch) = &self.hash_mismatch {
            out.push_str(&format!("PROVIDERS CHANGED: {mismatch}\n"));
        }
        if self.pods.is_empty() {
            out.push_str(&format!(
                "No pods: the Deployment has none yet. Fix: kubectl describe deployment {}\n",
                self.llsd
            ));
        }
        for pod in &self.pods {
            out.push('\n');
            out.push_str(&render_table(pod, colour));
        }
        out
    }
}

fn revision(rs: &ReplicaSet) -> u64 {
    rs.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("deployment.kubernetes.io/revision"))
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn controller(meta: &ObjectMeta) -> Option<&str> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .map(|o| o.name.as_str())
}

/// Diagnoses every pod of the LLSD's Deployment (those whose ReplicaSet the
/// Deployment controls), newest first.
pub fn distribution_status(rollout: Rollout<'_>) -> DistributionStatus {
    let ours: Vec<&ReplicaSet> = rollout
        .replica_sets
        .iter()
        .filter(|rs| controller(&rs.metadata) == Some(rollout.name))
        .collect();
    let current = ours
        .iter()
        .max_by_key(|rs| revision(rs))
        .and_then(|rs| rs.metadata.name.clone());
    let mut pods: Vec<PodView> = rollout
        .pods
        .iter()
        .map(PodView::new)
        .filter(|p| {
            p.controller()
                .is_some_and(|o| ours.iter().any(|rs| rs.metadata.name.as_deref() == Some(o)))
        })
        .collect();
    // Newest first: the API server writes creationTimestamp in UTC with
    // whole seconds, so the text sorts as the time.
    pods.sort_by(|a, b| {
        b.creation_timestamp()
            .cmp(&a.creation_timestamp())
            .then_with(|| a.name().cmp(&b.name()))
    });
    let expected = providers_hash(&rollout.llsd.providers_in_crd_order());
    let mut reports = Vec::new();
    for pod in &pods {
        let mut report = diagnose(pod.value(), Some(rollout.llsd));
        let rs = pod.controller().unwrap_or_default();
        if report.stale.is_none() && current.as_deref().is_some_and(|c| c != rs) {
            report.stale = Some(format!(
                "Pod {} belongs to ReplicaSet {rs}, not to the Deployment's current ReplicaSet {}: it is being replaced. \
                 Fix: wait for the rollout (kubectl rollout status deployment/{}) and diagnose the newest pod.",
                report.pod,
                current.as_deref().unwrap_or_default(),
                rollout.name
            ));
        }
        reports.push(report);
    }
    let hash_mismatch = pods.first().and_then(|newest| {
        let has = newest.annotation(HASH_ANNOTATION).unwrap_or("none");
        (has != expected).then(|| {
            // the annotation and the pod's name come from the cluster
            let has = printable(has, false);
            format!(
                "The newest pod {} runs provider list {has}, the LLSD asks for {expected}: the change has not reached \
                 the pod. Fix: kubectl llsd-providers rollout {}{}",
                printable(newest.name().unwrap_or_default(), false),
                rollout.name,
                rollout
                    .namespace
                    .map(|ns| format!(" -n {ns}"))
                    .unwrap_or_default()
            )
        })
    });
    DistributionStatus {
        llsd: rollout.name.to_string(),
        namespace: rollout.namespace.map(str::to_string),
        providers_hash: expected,
        hash_mismatch,
        pods: reports,
    }
}
