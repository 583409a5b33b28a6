//! One reconcile of one LLSD: list its pods and ReplicaSets, let the core
//! decide the status write (`operation::llsd_status_update`), make it
//! through the status subresource, then publish the transitions as events.
//! Everything it decides, the core decides.

use super::metrics::Metrics;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType, Recorder};
use kube::{Client, Resource, ResourceExt};
use llsd_providers::operation::{ObservedLlsd, llsd_status_update};
use llsd_providers::status::INSTANCE_LABEL;
use llsd_providers::status::conditions::{ConditionsUpdate, kubernetes_time};
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
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    /// The API server refused or could not be reached.
    #[error("{doing}: {error}")]
    Api { doing: String, error: kube::Error },
    /// A pod the API server returned is not a pod this controller can read
    /// (the core's sentence).
    #[error("{0}")]
    Unreadable(String),
}

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
    let ended = outcome.map(|written| written.ended());
    ctx.metrics
        .reconciled(ended.as_ref().map_or("error", |(label, _)| label));
    ended.map(|(_, next)| next)
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
    /// The reconciles metric's label, and when to look at the LLSD again.
    fn ended(&self) -> (&'static str, Action) {
        match self {
            Written::Yes => ("written", Action::requeue(RESYNC)),
            Written::Unchanged => ("unchanged", Action::requeue(RESYNC)),
            Written::Conflict => ("conflict", Action::requeue(CONFLICT_RETRY)),
            Written::Gone => ("gone", Action::await_change()),
        }
    }
}

async fn reconcile_one(
    object: &DynamicObject,
    name: &str,
    namespace: &str,
    ctx: &Context,
) -> Result<Written, ReconcileError> {
    let params = ListParams::default().labels(&format!("{INSTANCE_LABEL}={name}"));
    let pods: Api<DynamicObject> = Api::namespaced_with(
        ctx.client.clone(),
        namespace,
        &ApiResource::erase::<Pod>(&()),
    );
    let pods = pods
        .list(&params)
        .await
        .map_err(api_error(format!("listing the pods of {namespace}/{name}")))?;
    let replica_sets: Api<ReplicaSet> = Api::namespaced(ctx.client.clone(), namespace);
    let replica_sets = replica_sets.list(&params).await.map_err(api_error(format!(
        "listing the ReplicaSets of {namespace}/{name}"
    )))?;
    let as_value = |object: &DynamicObject| serde_json::to_value(object).unwrap_or(Value::Null);
    let observed = ObservedLlsd {
        object: &as_value(object),
        name,
        namespace,
        replica_sets: &replica_sets.items,
        pods: &pods.items.iter().map(as_value).collect::<Vec<_>>(),
    };
    match llsd_status_update(observed, &kubernetes_time(Timestamp::now())) {
        Ok(Some(update)) => write(object, name, namespace, update, ctx).await,
        Ok(None) => Ok(Written::Unchanged),
        Err(unreadable) => Err(ReconcileError::Unreadable(unreadable)),
    }
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
        // the LLSD changed since it was read: the watch brings the new version
        Err(kube::Error::Api(status)) if status.code == 409 => return Ok(Written::Conflict),
        // deleted while it was reconciled: nothing left to write
        Err(kube::Error::Api(status)) if status.code == 404 => return Ok(Written::Gone),
        written => written.map_err(api_error(format!(
            "writing the status of {namespace}/{name}"
        )))?,
    };
    ctx.metrics.status_writes.inc();
    eprintln!(
        "llsd-providers controller: {namespace}/{name}: conditions written at resourceVersion {}, {} event(s)",
        object.resource_version().unwrap_or_default(),
        update.transitions.len()
    );
    let reference = object.object_ref(&ctx.llsd);
    for transition in update.transitions {
        let event = Event {
            type_: if transition.warning {
                EventType::Warning
            } else {
                EventType::Normal
            },
            reason: transition.reason,
            note: Some(transition.note),
            action: transition.action,
            secondary: None,
        };
        // The status is written; an event that cannot be published is said,
        // not retried (retrying would write the status again).
        match ctx.recorder.publish(&event, &reference).await {
            Ok(()) => ctx.metrics.published(event.type_),
            Err(error) => eprintln!(
                "llsd-providers controller: {namespace}/{name}: the event {} could not be published: {error}",
                event.reason
            ),
        }
    }
    Ok(Written::Yes)
}
