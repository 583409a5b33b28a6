//! One reconcile of one LLSD: read its pods and ReplicaSets, let the core
//! diagnose them and decide the conditions (`status::conditions`), write
//! them through the status subresource when they changed, then publish the
//! transitions as events. Everything it decides, the core decides.

use super::metrics::{EventTypeLabel, Metrics};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder};
use kube::{Client, Resource, ResourceExt};
use llsd_providers::status::conditions::{
    ConditionsUpdate, conditions_update, desired_conditions, invalid_spec,
};
use llsd_providers::status::{INSTANCE_LABEL, Rollout, check_pod, distribution_status};
use llsd_providers::validate::check_llsd;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What every reconcile shares.
pub struct Context {
    pub client: Client,
    /// The LLSD's API resource (llamastack.io/v1alpha1, llamastackdistributions).
    pub llsd: ApiResource,
    pub recorder: Recorder,
    pub metrics: Arc<Metrics>,
}

/// Why a reconcile failed; the controller retries it.
#[derive(Debug)]
pub enum ReconcileError {
    /// The API server refused or could not be reached.
    Api { doing: String, error: kube::Error },
    /// A pod the API server returned is not a pod this controller can read.
    UnreadablePod { pod: String, problems: String },
}

impl std::fmt::Display for ReconcileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReconcileError::Api { doing, error } => write!(f, "{doing}: {error}"),
            ReconcileError::UnreadablePod { pod, problems } => write!(
                f,
                "pod {pod} cannot be read ({problems}); its providers are not reported until it can"
            ),
        }
    }
}

impl std::error::Error for ReconcileError {}

/// `namespace/name`, the key logs and the queue use.
pub fn key(namespace: Option<&str>, name: &str) -> String {
    format!("{}/{name}", namespace.unwrap_or_default())
}

fn api_error(doing: impl Into<String>) -> impl FnOnce(kube::Error) -> ReconcileError {
    move |error| ReconcileError::Api {
        doing: doing.into(),
        error,
    }
}

/// Now, as the API server writes times (RFC 3339, whole seconds, UTC).
fn now() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// How long an unchanged LLSD waits for a resync when nothing triggers it.
const RESYNC: Duration = Duration::from_secs(300);
/// The retry after a write lost to a newer version of the LLSD.
const CONFLICT_RETRY: Duration = Duration::from_millis(500);

pub async fn reconcile(
    llsd: Arc<DynamicObject>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let started = Instant::now();
    let name = llsd.name_any();
    let namespace = llsd.namespace().unwrap_or_default();
    ctx.metrics.dequeued(&key(Some(&namespace), &name));
    let outcome = reconcile_one(&llsd, &name, &namespace, &ctx).await;
    ctx.metrics
        .reconcile_seconds
        .observe(started.elapsed().as_secs_f64());
    match outcome {
        Ok(written) => {
            ctx.metrics.reconciled(written.label());
            Ok(written.next())
        }
        Err(error) => {
            ctx.metrics.reconciled("error");
            Err(error)
        }
    }
}

enum Written {
    Yes,
    Unchanged,
    /// The LLSD changed since it was read; nothing was written.
    Conflict,
    /// The LLSD was deleted while it was reconciled.
    Gone,
}

impl Written {
    fn label(&self) -> &'static str {
        match self {
            Written::Yes => "written",
            Written::Unchanged => "unchanged",
            Written::Conflict => "conflict",
            Written::Gone => "gone",
        }
    }

    fn next(&self) -> Action {
        match self {
            Written::Conflict => Action::requeue(CONFLICT_RETRY),
            Written::Gone => Action::await_change(),
            Written::Yes | Written::Unchanged => Action::requeue(RESYNC),
        }
    }
}

async fn reconcile_one(
    object: &DynamicObject,
    name: &str,
    namespace: &str,
    ctx: &Context,
) -> Result<Written, ReconcileError> {
    let value = serde_json::to_value(object).unwrap_or(Value::Null);
    let desired = match check_llsd(&value) {
        Ok((llsd, _warnings)) => {
            let selector = format!("{INSTANCE_LABEL}={name}");
            let params = ListParams::default().labels(&selector);
            let pod_resource = ApiResource::erase::<Pod>(&());
            let pods: Api<DynamicObject> =
                Api::namespaced_with(ctx.client.clone(), namespace, &pod_resource);
            let pods = pods
                .list(&params)
                .await
                .map_err(api_error(format!("listing the pods of {namespace}/{name}")))?;
            let pods = readable_pods(pods.items)?;
            let replica_sets: Api<ReplicaSet> = Api::namespaced(ctx.client.clone(), namespace);
            let replica_sets = replica_sets.list(&params).await.map_err(api_error(format!(
                "listing the ReplicaSets of {namespace}/{name}"
            )))?;
            let status = distribution_status(Rollout {
                llsd: &llsd,
                name,
                namespace: Some(namespace),
                replica_sets: &replica_sets.items,
                pods: &pods,
            });
            desired_conditions(&status, &llsd)
        }
        Err(problems) => vec![invalid_spec(name, &problems)],
    };
    let Some(update) = conditions_update(
        value.get("status"),
        &desired,
        object.resource_version().as_deref().unwrap_or_default(),
        object.meta().generation,
        &now(),
    ) else {
        return Ok(Written::Unchanged);
    };
    write(object, name, namespace, update, ctx).await
}

fn readable_pods(items: Vec<DynamicObject>) -> Result<Vec<Value>, ReconcileError> {
    items
        .into_iter()
        .map(|pod| {
            let value = serde_json::to_value(&pod).unwrap_or(Value::Null);
            match check_pod(&value) {
                Ok(()) => Ok(value),
                Err(problems) => Err(ReconcileError::UnreadablePod {
                    pod: pod.name_any(),
                    problems: problems
                        .iter()
                        .map(|d| format!("{}: {}", d.path, d.problem))
                        .collect::<Vec<_>>()
                        .join("; "),
                }),
            }
        })
        .collect()
}

async fn write(
    object: &DynamicObject,
    name: &str,
    namespace: &str,
    update: ConditionsUpdate,
    ctx: &Context,
) -> Result<Written, ReconcileError> {
    let api: Api<DynamicObject> = Api::namespaced_with(ctx.client.clone(), namespace, &ctx.llsd);
    let written = api
        .patch_status(name, &PatchParams::default(), &Patch::Merge(&update.patch))
        .await;
    match written {
        Ok(_) => {}
        // the LLSD changed since it was read: the watch brings the new version
        Err(kube::Error::Api(status)) if status.code == 409 => return Ok(Written::Conflict),
        // deleted while it was reconciled: nothing left to write
        Err(kube::Error::Api(status)) if status.code == 404 => return Ok(Written::Gone),
        Err(error) => {
            return Err(api_error(format!(
                "writing the status of {namespace}/{name}"
            ))(error));
        }
    }
    ctx.metrics.status_writes.inc();
    eprintln!(
        "llsd-providers controller: {namespace}/{name}: conditions written at resourceVersion {}, {} event(s)",
        object.resource_version().unwrap_or_default(),
        update.transitions.len()
    );
    let reference = object.object_ref(&ctx.llsd);
    for transition in update.transitions {
        let (type_, label) = if transition.warning {
            (EventType::Warning, "Warning")
        } else {
            (EventType::Normal, "Normal")
        };
        let event = Event {
            type_,
            reason: transition.reason,
            note: Some(transition.note),
            action: transition.action,
            secondary: None,
        };
        // The status is written; an event that cannot be published is said,
        // not retried (retrying would write the status again).
        match ctx.recorder.publish(&event, &reference).await {
            Ok(()) => {
                ctx.metrics
                    .events
                    .get_or_create(&EventTypeLabel { r#type: label })
                    .inc();
            }
            Err(error) => eprintln!(
                "llsd-providers controller: {namespace}/{name}: the event {} could not be published: {error}",
                event.reason
            ),
        }
    }
    Ok(Written::Yes)
}
