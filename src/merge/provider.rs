//! The input of a merge: one external provider, already validated upstream.

use serde_json::{Map, Value};

/// One external provider to place into `providers.<api>`.
///
/// Values arrive validated (ids unique, `api` correct); this module only
/// turns them into text.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalProvider {
    /// `provider_id` of the run.yaml entry.
    pub provider_id: String,
    /// `provider_type`, e.g. `remote::custom-vllm`.
    pub provider_type: String,
    /// Python module that holds the provider, e.g. `my_org.custom_vllm`.
    pub module: String,
    /// run.yaml API key, e.g. `inference`, `vector_io`.
    pub api: String,
    /// Provider config; the `config:` key is omitted when `None`.
    pub config: Option<Map<String, Value>>,
    /// Image the provider came from; only used in messages.
    pub image: String,
}
