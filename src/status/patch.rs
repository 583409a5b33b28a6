//! The JSON merge patch for an LLSD's `status` subresource
//! (`kubectl patch llsd NAME --subresource=status --type=merge -p …`):
//! `status.externalProviders` and the `ExternalProvidersReady` condition.
//! `status.conditions` is an atomic list (no `x-kubernetes-list-type`), so a
//! merge patch replaces it whole: the patch carries the LLSD's other
//! conditions unchanged, with ours replaced by type (docs/crd.md, "Who
//! writes status").

use super::{CONDITION_TYPE, StatusReport};
use crate::llsd::LlamaStackDistribution;
use serde_json::{Map, Value, json};

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
    let ours_before = existing
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(CONDITION_TYPE));
    let unchanged = ours_before
        .and_then(|c| c.get("status"))
        .and_then(Value::as_str)
        == Some(report.condition.status.as_str());
    let since = ours_before
        .filter(|_| unchanged)
        .and_then(|c| c.get("lastTransitionTime"))
        .cloned()
        .unwrap_or_else(|| Value::String(now.to_string()));
    let mut ours = Map::new();
    ours.insert("type".into(), json!(CONDITION_TYPE));
    ours.insert("status".into(), json!(report.condition.status));
    ours.insert("reason".into(), json!(report.condition.reason));
    ours.insert("message".into(), json!(report.condition.message));
    ours.insert("lastTransitionTime".into(), since);
    if let Some(generation) = llsd.metadata.generation {
        ours.insert("observedGeneration".into(), json!(generation));
    }
    let mut conditions: Vec<Value> = Vec::with_capacity(existing.len() + 1);
    let mut placed = false;
    for condition in existing {
        if condition.get("type").and_then(Value::as_str) == Some(CONDITION_TYPE) {
            if !placed {
                conditions.push(Value::Object(ours.clone()));
                placed = true;
            }
        } else {
            conditions.push(condition);
        }
    }
    if !placed {
        conditions.push(Value::Object(ours));
    }
    json!({
        "status": {
            "externalProviders": report.external_providers,
            "conditions": conditions,
        }
    })
}
