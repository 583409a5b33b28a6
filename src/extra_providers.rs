//! `extra-providers.yaml` (kind `ExternalProviders`): the external providers
//! in run.yaml's `providers:` shape, written by `merge --extra-providers-output`
//! and read by `validate` (docs/forward-compatibility.md).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `apiVersion` of extra-providers.yaml.
pub const API_VERSION: &str = "llamastack.io/v1alpha1";
/// `kind` of extra-providers.yaml; `validate` picks the ExternalProviders rules by it.
pub const KIND: &str = "ExternalProviders";

/// A validated extra-providers.yaml; unknown fields are refused at every level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalProviders {
    /// Always [`API_VERSION`] once validated.
    pub api_version: String,
    /// Always [`KIND`] once validated.
    pub kind: String,
    /// run.yaml API key → the providers of that API, as run.yaml lists them.
    pub providers: BTreeMap<String, Vec<ProviderEntry>>,
}

/// One provider: exactly a run.yaml `providers.<api>[]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderEntry {
    /// The LLSD's `providerId`.
    pub provider_id: String,
    /// The spec's `providerType` (`remote::name`, `inline::name`).
    pub provider_type: String,
    /// The spec's `packageName`, the module Llama Stack imports.
    pub module: String,
    /// The LLSD's `config`; absent when the LLSD gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Map<String, Value>>,
}
