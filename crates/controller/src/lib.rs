//! `llsd-providers controller`: the status controller. It watches
//! LlamaStackDistributions and the pods and ReplicaSets of their
//! Deployments, and keeps the LLSD's conditions (`ExternalProvidersReady`
//! and one per provider) and events current — what `kubectl get llsd` and
//! `kubectl describe llsd` show (docs/crd.md, "The status controller").
//!
//! The decisions are the core's (`status::conditions`); this host watches,
//! lists, writes and publishes. Leader election through a Lease makes two
//! replicas safe: only the holder reconciles.
//!
//! A host crate of its own (a long-running process, not a command): the
//! CLI binary forwards `llsd-providers controller` here (feature
//! `controller`, native only), so the merge-config image runs it.
//! Exit codes are the CLI's: 0 stopped cleanly, 1 it ran and could not go
//! on, 2 the arguments or the environment cannot work.

mod metrics;
mod reconcile;

use clap::{ArgAction, Args};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use kube::core::PartialObjectMeta;
use kube::runtime::controller::{self, Action, Controller};
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::watcher;
use kube::runtime::{WatchStreamExt, reflector::store::Writer};
use kube::{Client, Resource, ResourceExt};
use kube_lease_manager::LeaseManagerBuilder;
use llsd_providers::llsd::{GROUP, KIND, PLURAL, VERSION};
use llsd_providers::status::INSTANCE_LABEL;
use llsd_providers::validate::rules::{namespace_argument, object_name_argument};
use metrics::Metrics;
use reconcile::{Context, ReconcileError, key, reconcile};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The controller's name in events (`kubectl describe`'s "From") and its
/// field manager.
pub const CONTROLLER_NAME: &str = "llsd-providers.llamastack.io/controller";

/// The label the operator puts on every pod template it renders.
const APP_LABEL: &str = "app=llama-stack";

#[derive(Debug, Args)]
pub struct ControllerArgs {
    /// Where /metrics, /healthz and /readyz are served.
    #[arg(long, value_name = "ADDRESS", default_value = "0.0.0.0:8080")]
    metrics_bind_address: SocketAddr,
    /// Watch the LLSDs of this namespace only (default: every namespace).
    #[arg(long, value_parser = namespace_argument)]
    namespace: Option<String>,
    /// Elect a leader through a Lease, so that of several replicas only one writes.
    #[arg(long, default_value_t = true, action = ArgAction::Set, value_name = "BOOL")]
    leader_elect: bool,
    /// The leader Lease's name.
    #[arg(long, default_value = "llsd-providers-controller", value_parser = object_name_argument)]
    lease_name: String,
    /// The leader Lease's namespace (in a pod: its own, from the downward API).
    #[arg(long, env = "POD_NAMESPACE", value_parser = namespace_argument)]
    lease_namespace: Option<String>,
    /// Seconds a leader keeps the Lease without renewing it; a standby takes over after that.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(3..=3600))]
    lease_duration: u64,
    /// This replica's name in the Lease and in events (in a pod: its name).
    #[arg(long, env = "POD_NAME")]
    identity: Option<String>,
}

/// Why the controller stopped.
enum Stop {
    /// The arguments or the environment cannot work (exit 2).
    Setup(String),
    /// It ran and then could not go on (exit 1): the kubelet restarts it.
    Failed(String),
}

/// Runs the controller until it is stopped (SIGTERM) or cannot go on.
pub fn run(args: &ControllerArgs) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Stop::Failed(format!("cannot start the async runtime: {err}")));
    let (code, message) = match runtime.and_then(|runtime| runtime.block_on(serve(args))) {
        Ok(()) => return ExitCode::SUCCESS,
        Err(Stop::Setup(message)) => (2, message),
        Err(Stop::Failed(message)) => (1, message),
    };
    eprintln!("llsd-providers controller: {message}");
    ExitCode::from(code)
}

async fn serve(args: &ControllerArgs) -> Result<(), Stop> {
    let metrics = Arc::new(Metrics::new());
    metrics::serve(args.metrics_bind_address, metrics.clone())
        .await
        .map_err(Stop::Setup)?;
    let client = Client::try_default().await.map_err(|err| {
        Stop::Setup(format!(
            "cannot configure the Kubernetes client: {err}. Fix: run it in a pod (its service account is used), \
             or set KUBECONFIG to a kubeconfig that reaches the cluster."
        ))
    })?;
    let identity = args
        .identity
        .clone()
        .unwrap_or_else(|| format!("llsd-providers-controller-{}", std::process::id()));
    let context = Arc::new(Context {
        client: client.clone(),
        llsd: ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(GROUP, VERSION, KIND),
            PLURAL,
        ),
        recorder: Recorder::new(
            client.clone(),
            Reporter {
                controller: CONTROLLER_NAME.into(),
                instance: Some(identity.clone()),
            },
        ),
        metrics: metrics.clone(),
    });
    if !args.leader_elect {
        eprintln!("llsd-providers controller: {identity} runs without leader election");
        metrics.leader.set(1);
        run_controller(context, args.namespace.as_deref()).await;
        return Ok(());
    }
    let namespace = args.lease_namespace.clone().ok_or_else(|| {
        Stop::Setup(
            "leader election needs the Lease's namespace. Fix: pass --lease-namespace NAMESPACE \
             (in a pod, set POD_NAMESPACE from the downward API, as deploy/controller/deployment.yaml does), \
             or --leader-elect=false when exactly one replica runs."
                .into(),
        )
    })?;
    let manager = LeaseManagerBuilder::new(client, &args.lease_name)
        .with_namespace(&namespace)
        .with_identity(&identity)
        .with_duration(args.lease_duration)
        .with_grace((args.lease_duration / 3).max(1))
        .with_field_manager(CONTROLLER_NAME)
        .build()
        .await
        .map_err(|err| {
            Stop::Setup(format!(
                "cannot use the Lease {namespace}/{}: {err}. Fix: check that the namespace exists and that the \
                 service account may get, create and patch leases there (deploy/controller/rbac.yaml).",
                args.lease_name
            ))
        })?;
    let (mut leader, lease_task) = manager.watch().await;
    // a standby is ready: it serves its probes and waits for the Lease
    metrics.set_ready();
    eprintln!(
        "llsd-providers controller: {identity} waits for the Lease {namespace}/{}",
        args.lease_name
    );
    tokio::select! {
        held = async { leader.wait_for(|held| *held).await.map(drop) } => held.map_err(manager_stopped)?,
        () = shutdown_signal() => return release(leader, lease_task).await,
    }
    eprintln!("llsd-providers controller: {identity} holds the Lease and reconciles");
    metrics.leader.set(1);
    tokio::select! {
        () = run_controller(context, args.namespace.as_deref()) => release(leader, lease_task).await,
        lost = async { leader.wait_for(|held| !*held).await.map(drop) } => {
            metrics.leader.set(0);
            // client-go's convention: a replica that lost the Lease exits, the kubelet restarts it
            lost.map_err(manager_stopped)?;
            Err(Stop::Failed(format!(
                "{identity} lost the Lease {namespace}/{} (another replica holds it, or renewing it failed); exiting so that only one replica writes",
                args.lease_name
            )))
        }
    }
}

fn manager_stopped(_: watch::error::RecvError) -> Stop {
    Stop::Failed("the Lease manager stopped".into())
}

/// Gives the Lease up (dropping the receiver makes the manager release it)
/// so that a standby takes over at once rather than after the lease expires.
async fn release(
    leader: watch::Receiver<bool>,
    task: tokio::task::JoinHandle<kube_lease_manager::Result<kube_lease_manager::LeaseManager>>,
) -> Result<(), Stop> {
    drop(leader);
    match task.await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(err)) => Err(Stop::Failed(format!("releasing the Lease failed: {err}"))),
        Err(err) => Err(Stop::Failed(format!("the Lease manager failed: {err}"))),
    }
}

async fn shutdown_signal() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match terminate.as_mut() {
                Some(signal) => { signal.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}

/// The reconcile an LLSD's pod or ReplicaSet event asks for: the LLSD its
/// instance label names, in its namespace.
fn owner_llsd<K: Resource>(
    object: &PartialObjectMeta<K>,
    llsd: &ApiResource,
    metrics: &Metrics,
) -> Option<ObjectRef<DynamicObject>> {
    let name = object.labels().get(INSTANCE_LABEL)?;
    let namespace = object.namespace()?;
    metrics.queued(key(Some(&namespace), name));
    Some(ObjectRef::new_with(name, llsd.clone()).within(&namespace))
}

fn scoped<K>(client: &Client, namespace: Option<&str>) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as Resource>::DynamicType: Default,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// Runs until SIGTERM or Ctrl-C.
async fn run_controller(context: Arc<Context>, namespace: Option<&str>) {
    let client = &context.client;
    let ar = context.llsd.clone();
    let llsds: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    let writer = Writer::new(ar.clone());
    let store = writer.as_reader();
    let metrics = context.metrics.clone();
    let llsd_changes =
        reflector::reflector(writer, watcher::watcher(llsds, watcher::Config::default()))
            .default_backoff()
            .applied_objects()
            .inspect_ok(move |llsd| {
                metrics.queued(key(llsd.namespace().as_deref(), &llsd.name_any()))
            });
    // metadata only: the pods' specs and statuses are read when reconciling
    let operator_pods = watcher::Config::default().labels(&format!("{APP_LABEL},{INSTANCE_LABEL}"));
    let pods = watcher::watcher(
        scoped::<PartialObjectMeta<Pod>>(client, namespace),
        operator_pods.clone(),
    )
    .default_backoff()
    .touched_objects();
    let replica_sets = watcher::watcher(
        scoped::<PartialObjectMeta<ReplicaSet>>(client, namespace),
        operator_pods,
    )
    .default_backoff()
    .touched_objects();
    let (pod_ar, pod_metrics) = (ar.clone(), context.metrics.clone());
    let (rs_ar, rs_metrics) = (ar.clone(), context.metrics.clone());
    let ready = context.metrics.clone();
    let ready_store = store.clone();
    tokio::spawn(async move {
        if ready_store.wait_until_ready().await.is_ok() {
            ready.set_ready();
        }
    });
    let metrics = context.metrics.clone();
    Controller::for_stream_with(llsd_changes, store, ar)
        .watches_stream(pods, move |pod| owner_llsd(&pod, &pod_ar, &pod_metrics))
        .watches_stream(replica_sets, move |rs| owner_llsd(&rs, &rs_ar, &rs_metrics))
        .with_config(
            controller::Config::default()
                .debounce(Duration::from_millis(100))
                .concurrency(4),
        )
        .shutdown_on_signal()
        .run(reconcile, error_policy, context)
        .for_each(|result| {
            report(&metrics, result);
            async {}
        })
        .await;
}

fn error_policy(_llsd: Arc<DynamicObject>, _error: &ReconcileError, _ctx: Arc<Context>) -> Action {
    Action::requeue(Duration::from_secs(5))
}

type RunResult =
    Result<(ObjectRef<DynamicObject>, Action), controller::Error<ReconcileError, watcher::Error>>;

fn report(metrics: &Metrics, result: RunResult) {
    let Err(error) = result else { return };
    let message = match error {
        // The LLSD is gone (deleted; its pods' last events still map to
        // it): nothing to reconcile, nothing wrong.
        controller::Error::ObjectNotFound(llsd) => {
            return metrics.dequeued(&key(llsd.namespace.as_deref(), &llsd.name));
        }
        controller::Error::ReconcilerFailed(error, llsd) => {
            let llsd = key(llsd.namespace.as_deref(), &llsd.name);
            format!("{llsd}: {error}; retrying in 5 s")
        }
        controller::Error::QueueError(error) => {
            format!("a watch failed: {error}; it restarts with backoff")
        }
        controller::Error::RunnerError(error) => error.to_string(),
    };
    eprintln!("llsd-providers controller: {message}");
}
