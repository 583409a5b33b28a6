//! The controller's metrics (OpenMetrics text at `/metrics`) and probes
//! (`/healthz`, `/readyz`), served with hyper on `--metrics-bind-address`.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use kube::runtime::events::EventType;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::collections::HashSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// How a reconcile ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    pub result: &'static str,
}

/// An event's type.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventTypeLabel {
    pub r#type: &'static str,
}

/// Everything the controller counts, and the state its probes report.
pub struct Metrics {
    registry: Registry,
    /// Reconciles by result: `written`, `unchanged`, `conflict`, `gone`, `error`.
    reconciles: Family<ResultLabel, Counter>,
    pub reconcile_seconds: Histogram,
    /// Status writes that succeeded.
    pub status_writes: Counter,
    /// Events published, by type (`Normal`, `Warning`).
    events: Family<EventTypeLabel, Counter>,
    /// 1 while this replica holds the Lease (or runs without election).
    pub leader: Gauge,
    queue_depth: Gauge,
    /// LLSDs (`namespace/name`) with a change seen and no reconcile started since.
    pending: Mutex<HashSet<String>>,
    ready: AtomicBool,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("llsd_providers_controller");
        let reconciles = Family::<ResultLabel, Counter>::default();
        registry.register(
            "reconciles",
            "Reconciles of an LLSD, by result (written, unchanged, conflict, gone, error)",
            reconciles.clone(),
        );
        let reconcile_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 14));
        registry.register(
            "reconcile_duration_seconds",
            "Time from the start of a reconcile to its status write or decision not to write",
            reconcile_seconds.clone(),
        );
        let status_writes = Counter::default();
        registry.register(
            "status_writes",
            "Writes of an LLSD's status subresource",
            status_writes.clone(),
        );
        let events = Family::<EventTypeLabel, Counter>::default();
        registry.register(
            "events",
            "Events published on LLSDs, by type",
            events.clone(),
        );
        let leader = Gauge::default();
        registry.register(
            "leader",
            "1 while this replica holds the leader Lease",
            leader.clone(),
        );
        let queue_depth = Gauge::default();
        registry.register(
            "queue_depth",
            "LLSDs with a change seen and no reconcile started yet",
            queue_depth.clone(),
        );
        Metrics {
            registry,
            reconciles,
            reconcile_seconds,
            status_writes,
            events,
            leader,
            queue_depth,
            pending: Mutex::default(),
            ready: AtomicBool::new(false),
        }
    }

    /// A change to `key`'s LLSD was seen: a reconcile is due.
    pub fn queued(&self, key: String) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.insert(key);
        self.queue_depth.set(pending.len() as i64);
    }

    /// A reconcile of `key` started (or the LLSD is gone).
    pub fn dequeued(&self, key: &str) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.remove(key);
        self.queue_depth.set(pending.len() as i64);
    }

    pub fn reconciled(&self, result: &'static str) {
        self.reconciles.get_or_create(&ResultLabel { result }).inc();
    }

    /// `/readyz` answers 200 from now on.
    /// Counts an event published, by its type.
    pub fn published(&self, event_type: EventType) {
        let r#type = match event_type {
            EventType::Warning => "Warning",
            EventType::Normal => "Normal",
        };
        self.events.get_or_create(&EventTypeLabel { r#type }).inc();
    }

    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    fn encode(&self) -> String {
        let mut text = String::new();
        // writing into a String cannot fail
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

fn respond(metrics: &Metrics, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    const TEXT: &str = "text/plain; charset=utf-8";
    const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    let ready = metrics.ready.load(Ordering::Acquire);
    let (status, content_type, body) = match (request.method(), request.uri().path()) {
        (method, _) if method != Method::GET => {
            (StatusCode::METHOD_NOT_ALLOWED, TEXT, "GET only\n".into())
        }
        (_, "/metrics") => (StatusCode::OK, OPENMETRICS, metrics.encode()),
        (_, "/healthz") => (StatusCode::OK, TEXT, "ok\n".into()),
        (_, "/readyz") if ready => (StatusCode::OK, TEXT, "ok\n".into()),
        (_, "/readyz") => (
            StatusCode::SERVICE_UNAVAILABLE,
            TEXT,
            "not ready: the API server has not answered yet\n".into(),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            TEXT,
            "not found: /metrics, /healthz and /readyz are served\n".to_string(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let content_type = hyper::header::HeaderValue::from_static(content_type);
    response
        .headers_mut()
        .insert(hyper::header::CONTENT_TYPE, content_type);
    response
}

pub async fn serve(address: SocketAddr, metrics: Arc<Metrics>) -> Result<(), String> {
    let listener = TcpListener::bind(address).await.map_err(|err| {
        format!(
            "cannot listen on {address} for /metrics, /healthz and /readyz: {err}. \
             Fix: pass a free address with --metrics-bind-address."
        )
    })?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // out of file descriptors, say: try again shortly
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let response = respond(&metrics, &request);
                    async move { Ok::<_, Infallible>(response) }
                });
                // a client that hangs up mid-request is not the controller's problem
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_counts_each_llsd_once_until_its_reconcile_starts() {
        let metrics = Metrics::new();
        metrics.queued("ai/demo".into());
        metrics.queued("ai/demo".into());
        metrics.queued("ml/other".into());
        assert!(
            metrics
                .encode()
                .contains("llsd_providers_controller_queue_depth 2\n")
        );
        metrics.dequeued("ai/demo");
        metrics.dequeued("ai/gone");
        assert!(
            metrics
                .encode()
                .contains("llsd_providers_controller_queue_depth 1\n")
        );
    }

    #[test]
    fn metrics_are_openmetrics_with_the_documented_names() {
        let metrics = Metrics::new();
        metrics.reconciled("written");
        metrics.status_writes.inc();
        let text = metrics.encode();
        for name in [
            "llsd_providers_controller_reconciles_total{result=\"written\"} 1",
            "llsd_providers_controller_status_writes_total 1",
            "llsd_providers_controller_reconcile_duration_seconds_bucket",
            "llsd_providers_controller_leader 0",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
