//! Format-preserving merge of external providers into a llama-stack
//! run.yaml, plus the `extra-providers.yaml` and minimal-config renderers.
//! Pure code: no I/O, clock or randomness.

mod anchors;
mod apis;
mod emit;
mod engine;
mod envid;
mod error;
mod event;
mod idindex;
mod layout;
mod provider;
mod regions;
mod render;
mod section;
mod splice;
mod text;
mod yaml11;

/// A JSON mapping as a YAML document for people to read (the playground
/// prints the injected Deployment with it).
pub use emit::document as yaml_document;

/// A report (a JSON object once serialized) as a YAML document to print.
pub fn yaml_text(report: &impl serde::Serialize) -> Result<String, String> {
    match serde_json::to_value(report).map_err(|e| e.to_string())? {
        serde_json::Value::Object(object) => Ok(yaml_document(&object)),
        _ => Err("cannot print it as YAML: it is not a mapping".to_string()),
    }
}
/// A JSON sequence as a YAML document for people to read (the CRD patch).
pub use emit::sequence_document as yaml_sequence_document;
pub use engine::{Merged, merge};
pub use error::MergeError;
pub use event::MergeEvent;
pub use provider::ExternalProvider;
pub use render::{render_extra_providers, render_minimal_config};
