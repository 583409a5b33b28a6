//! The JSON merge patch for an LLSD's `status` subresource
//! (`kubectl patch llsd NAME --subresource=status --type=merge -p …`):
//! `status.externalProviders` and the `ExternalProvidersReady` condition.
//! `status.conditions` is an atomic list (no `x-kubernetes-list-type`), so a
//! merge patch replaces it whole: the patch carries the LLSD's other
//! conditions unchanged, with ours replaced by type (docs/crd.md, "Who
//! writes status").

use super::StatusReport;
use super::conditions::merge_conditions;
use crate::llsd::LlamaStackDistribution;
use serde_json::{Value, json};

/// The merge patch setting `report` on `llsd`'s status. `now` (RFC 3339)
/// becomes the condition's `lastTransitionTime` when its status changes;
/// otherwise the existing one is kept, as Kubernetes' condition helpers do.
pub fn status_patch(report: &StatusReport, llsd: &LlamaStackDistribution, now: &str) -> Value {
    let existing: Vec<Value> = llsd
        .status
        .as_ref()
        .and_then(|s| s.rest.get("conditions"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let conditions = merge_conditions(
        &existing,
        std::slice::from_ref(&report.condition),
        |_| false,
        llsd.metadata.generation,
        now,
    );
    json!({
        "status": {
            "externalProviders": report.external_providers,
            "conditions": conditions,
        }
    })
}
