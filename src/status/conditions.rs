//! The conditions the status controller keeps on an LLSD, and the events it
//! publishes when they change (docs/crd.md, "The status controller").
//!
//! The operator replaces the LLSD's whole status on every reconcile with a
//! Go type that lacks `status.externalProviders`, but keeps conditions of
//! types it does not own (`SetCondition` replaces by type). So everything
//! the controller writes is a condition:
//!
//! - `ExternalProvidersReady`: the summary, naming each provider that is not
//!   Ready with its phase and cause;
//! - one `llsd-providers.llamastack.io/<providerId>` per provider: its
//!   image, phase (the reason) and full message.
//!
//! The conditions are also the controller's memory: the previous phase of a
//! provider is its condition's reason, so a restarted controller publishes
//! no duplicate events. What is written depends only on the pods, the
//! ReplicaSets, the LLSD's provider list and generation and these
//! conditions — never on the operator's fields or a clock — so an operator
//! status write is answered with no write at all.

use super::{CONDITION_TYPE, Condition, DistributionStatus};
use crate::diagnostic::{Diagnostic, cut};
use crate::llsd::{LlamaStackDistribution, ProviderPhase};
use serde_json::{Map, Value, json};

/// The per-provider conditions' type prefix (then the `providerId`).
pub const PROVIDER_CONDITION_PREFIX: &str = "llsd-providers.llamastack.io/";

/// `metav1.Condition`'s `message` limit (bytes).
pub const MESSAGE_LIMIT: usize = 32_768;

/// An event's `note` limit (bytes, events.k8s.io/v1).
pub const EVENT_NOTE_LIMIT: usize = 1024;

/// The most a provider's cause takes in the summary message, so that a
/// summary over many providers names every one of them.
const SUMMARY_CAUSE_LIMIT: usize = 300;

/// The per-provider condition's type.
pub fn provider_condition_type(provider_id: &str) -> String {
    format!("{PROVIDER_CONDITION_PREFIX}{provider_id}")
}

fn is_ours(condition_type: &str) -> bool {
    condition_type == CONDITION_TYPE || condition_type.starts_with(PROVIDER_CONDITION_PREFIX)
}

fn condition(type_: String, status: &str, reason: &str, message: String) -> Condition {
    Condition {
        type_,
        status: status.to_string(),
        reason: reason.to_string(),
        message: cut(&message, MESSAGE_LIMIT),
    }
}

/// A provider's message up to its fix, on one line and short: what the
/// summary says about it (the provider's own condition has it whole).
fn cause(message: &str) -> String {
    let before_fix = message.split(" Fix:").next().unwrap_or_default();
    let one_line = before_fix.split_whitespace().collect::<Vec<_>>().join(" ");
    cut(&one_line, SUMMARY_CAUSE_LIMIT)
}

const INVALID_SPEC: &str = "InvalidSpec";

/// The condition of an LLSD that is not valid: its providers are not
/// diagnosed, and the message lists its problems.
pub fn invalid_spec(name: &str, problems: &[Diagnostic]) -> Condition {
    let listed: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
    Condition {
        type_: CONDITION_TYPE.into(),
        status: "Unknown".into(),
        reason: INVALID_SPEC.into(),
        message: cut(
            &format!(
                "The LLSD is not valid, so its providers are not diagnosed: {}. Fix: kubectl llsd-providers validate {name}",
                listed.join("; ")
            ),
            MESSAGE_LIMIT,
        ),
    }
}

/// The conditions the LLSD should carry: the summary first, then one per
/// provider in CRD order.
pub fn desired_conditions(
    status: &DistributionStatus,
    llsd: &LlamaStackDistribution,
) -> Vec<Condition> {
    let listed = llsd.providers_in_crd_order();
    let newest = status.pods.first();
    let not_current = newest.and_then(|pod| status.hash_mismatch.as_ref().or(pod.stale.as_ref()));
    let summary = match newest {
        _ if listed.is_empty() => condition(
            CONDITION_TYPE.into(),
            "True",
            "NoExternalProviders",
            "No external providers are configured.".into(),
        ),
        None => condition(
            CONDITION_TYPE.into(),
            "Unknown",
            "NoPods",
            format!(
                "The Deployment has no pods yet, so the {} external provider(s) are not installed. \
                 Fix: kubectl describe deployment {}",
                listed.len(),
                status.llsd
            ),
        ),
        Some(_) if not_current.is_some() => condition(
            CONDITION_TYPE.into(),
            "Unknown",
            if status.hash_mismatch.is_some() {
                "ProvidersChanging"
            } else {
                "StalePod"
            },
            not_current.cloned().unwrap_or_default(),
        ),
        Some(pod) if pod.condition.status == "True" => condition(
            CONDITION_TYPE.into(),
            "True",
            &pod.condition.reason,
            pod.condition.message.clone(),
        ),
        Some(pod) => {
            let not_ready: Vec<String> = pod
                .external_providers
                .iter()
                .filter(|p| p.phase != ProviderPhase::Ready)
                .map(|p| {
                    format!(
                        "{} {}: {}",
                        p.provider_id,
                        p.phase.as_str(),
                        cause(&p.message)
                    )
                })
                .collect();
            let ready = pod.external_providers.len() - not_ready.len();
            let message = if not_ready.is_empty() {
                // every provider is installed; the merge step is not done
                pod.condition.message.clone()
            } else {
                format!(
                    "{ready} of {} provider(s) ready; not ready: {}. Each provider's condition \
                     ({PROVIDER_CONDITION_PREFIX}<providerId>) has its full message.",
                    pod.external_providers.len(),
                    not_ready.join("; ")
                )
            };
            condition(
                CONDITION_TYPE.into(),
                "False",
                &pod.condition.reason,
                message,
            )
        }
    };
    let mut conditions = vec![summary];
    for provider in listed {
        let id = &provider.provider.provider_id;
        let image = &provider.provider.image;
        let type_ = provider_condition_type(id);
        let found =
            newest.and_then(|pod| pod.external_providers.iter().find(|p| &p.provider_id == id));
        conditions.push(match (newest, found) {
            (None, _) => condition(
                type_,
                "Unknown",
                "NoPod",
                format!("image {image}: the Deployment has no pod yet."),
            ),
            (Some(pod), None) => condition(
                type_,
                "Unknown",
                "NotInPod",
                format!(
                    "image {image}: the newest pod {} does not install this provider.",
                    pod.pod
                ),
            ),
            (Some(_), Some(p)) => {
                let status = match (not_current, p.phase) {
                    (Some(_), _) => "Unknown",
                    (None, ProviderPhase::Ready) => "True",
                    (None, _) => "False",
                };
                condition(
                    type_,
                    status,
                    p.phase.as_str(),
                    format!("image {image}: {}", p.message),
                )
            }
        });
    }
    conditions
}

/// A condition as the API stores it: `lastTransitionTime` kept from the
/// current one of the same type while `status` is unchanged (as Kubernetes'
/// condition helpers do), else `now`.
pub fn condition_value(
    desired: &Condition,
    current: Option<&Value>,
    generation: Option<i64>,
    now: &str,
) -> Value {
    let unchanged = current
        .and_then(|c| c.get("status"))
        .and_then(Value::as_str)
        == Some(desired.status.as_str());
    let since = current
        .filter(|_| unchanged)
        .and_then(|c| c.get("lastTransitionTime"))
        .cloned()
        .unwrap_or_else(|| Value::String(now.to_string()));
    let mut value = Map::new();
    value.insert("type".into(), json!(desired.type_));
    value.insert("status".into(), json!(desired.status));
    value.insert("reason".into(), json!(desired.reason));
    value.insert("message".into(), json!(desired.message));
    value.insert("lastTransitionTime".into(), since);
    if let Some(generation) = generation {
        value.insert("observedGeneration".into(), json!(generation));
    }
    Value::Object(value)
}

fn type_of(condition: &Value) -> Option<&str> {
    condition.get("type").and_then(Value::as_str)
}

/// `current` with the conditions of the types in `desired` set, the others'
/// conditions kept in place and order, and conditions of this project's
/// types that `desired` no longer has removed (`retired` says which).
pub fn merge_conditions(
    current: &[Value],
    desired: &[Condition],
    retired: impl Fn(&str) -> bool,
    generation: Option<i64>,
    now: &str,
) -> Vec<Value> {
    let find = |type_: &str| desired.iter().find(|d| d.type_ == type_);
    let mut placed = Vec::new();
    let mut merged = Vec::with_capacity(current.len() + desired.len());
    for existing in current {
        let type_ = type_of(existing).unwrap_or_default();
        match find(type_) {
            Some(_) if placed.contains(&type_) => {}
            Some(want) => {
                merged.push(condition_value(want, Some(existing), generation, now));
                placed.push(type_);
            }
            None if retired(type_) => {}
            None => merged.push(existing.clone()),
        }
    }
    for want in desired
        .iter()
        .filter(|d| !placed.contains(&d.type_.as_str()))
    {
        merged.push(condition_value(want, None, generation, now));
    }
    merged
}

/// One change a user should see as an event on the LLSD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// `Warning` for a failure or a summary that is no longer ready, else `Normal`.
    pub warning: bool,
    /// The event's reason (`ProviderReady`, `ProviderFailed`, …, `ExternalProvidersReady`).
    pub reason: String,
    /// The event's action: the type of the condition that changed. Event
    /// recorders fold repeated events of one object, reason and action
    /// into a series, so two providers' events must differ in it.
    pub action: String,
    /// What changed: the provider, its image, the old and new phase, the cause.
    pub note: String,
}

/// The status write the controller makes, and the events it publishes once
/// the write succeeded.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionsUpdate {
    /// A JSON merge patch for the status subresource. It carries the
    /// `resourceVersion` it was computed from, so a write over a newer
    /// object fails with a conflict instead of replacing what is new, and
    /// the whole conditions list (an atomic list).
    pub patch: Value,
    /// The events to publish once the patch is written.
    pub transitions: Vec<Transition>,
}

fn phase_event(phase: &str) -> Option<(&'static str, bool)> {
    Some(match phase {
        "Ready" => ("ProviderReady", false),
        "Installing" => ("ProviderInstalling", false),
        "Pending" => ("ProviderPending", false),
        "Failed" => ("ProviderFailed", true),
        _ => return None,
    })
}

fn transitions(current: &[Value], desired: &[Condition]) -> Vec<Transition> {
    let before = |type_: &str| current.iter().find(|c| type_of(c) == Some(type_));
    let field = |c: Option<&Value>, name: &str| {
        c.and_then(|c| c.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut out = Vec::new();
    for want in desired {
        let previous = before(&want.type_);
        if want.type_ == CONDITION_TYPE {
            let was = field(previous, "status");
            let (reason, warning) = match want.status.as_str() {
                "True" => ("ExternalProvidersReady", false),
                "False" => ("ExternalProvidersNotReady", true),
                _ => continue,
            };
            if was.as_deref() != Some(want.status.as_str()) {
                out.push(Transition {
                    warning,
                    reason: reason.into(),
                    action: want.type_.clone(),
                    note: cut(
                        &format!("{}: {}", want.reason, want.message),
                        EVENT_NOTE_LIMIT,
                    ),
                });
            }
            continue;
        }
        let was = field(previous, "reason");
        if was.as_deref() == Some(want.reason.as_str()) {
            continue;
        }
        let Some((reason, warning)) = phase_event(&want.reason) else {
            continue;
        };
        let id = want.type_.trim_start_matches(PROVIDER_CONDITION_PREFIX);
        let from = was.unwrap_or_else(|| "new".into());
        // "image X: message" → "X: message" after the id and the phases
        let detail = want.message.strip_prefix("image ").unwrap_or(&want.message);
        out.push(Transition {
            warning,
            reason: reason.into(),
            action: want.type_.clone(),
            note: cut(
                &format!("{id}: {from} → {}, image {detail}", want.reason),
                EVENT_NOTE_LIMIT,
            ),
        });
    }
    out
}

/// `at` as the API server writes times (RFC 3339, whole seconds, UTC):
/// the hosts read the clock, the core words it.
pub fn kubernetes_time(at: k8s_openapi::jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The write that brings `status` (the LLSD's status as read, `None` when it
/// has none) to `desired`, or `None` when it is already there — or when the
/// LLSD lists no providers (`desired` holds no provider condition and no
/// [`invalid_spec`]) and carries none of this project's conditions
/// (an LLSD that does not use external providers is never written).
pub fn conditions_update(
    status: Option<&Value>,
    desired: &[Condition],
    resource_version: &str,
    generation: Option<i64>,
    now: &str,
) -> Option<ConditionsUpdate> {
    let current: &[Value] = status
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let has_ours = current.iter().any(|c| type_of(c).is_some_and(is_ours));
    // a provider condition, or the summary of an invalid LLSD that lists
    // providers (the caller asks for InvalidSpec only then)
    let uses_providers = desired
        .iter()
        .any(|d| d.type_ != CONDITION_TYPE || d.reason == INVALID_SPEC);
    if !has_ours && !uses_providers {
        return None;
    }
    let merged = merge_conditions(current, desired, is_ours, generation, now);
    if merged == current {
        return None;
    }
    Some(ConditionsUpdate {
        patch: json!({
            "metadata": {"resourceVersion": resource_version},
            "status": {"conditions": merged},
        }),
        transitions: transitions(current, desired),
    })
}

#[cfg(test)]
mod tests;
