//! Provider metadata: `/lls-provider/lls-provider-spec.yaml` in a provider image.

use serde::{Deserialize, Serialize};

/// `apiVersion` of an lls-provider-spec.yaml.
pub const API_VERSION: &str = "llamastack.io/v1alpha1";
/// `kind` of an lls-provider-spec.yaml; `validate` picks the ProviderPackage rules by it.
pub const KIND: &str = "ProviderPackage";

/// Where the metadata file lives in a provider image.
pub const SPEC_PATH: &str = "/lls-provider/lls-provider-spec.yaml";

/// The provider metadata an image carries at [`SPEC_PATH`]; unknown fields are
/// refused (docs/contracts.md, "lls-provider-spec.yaml (ProviderPackage)").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderPackage {
    /// Always [`API_VERSION`] once validated.
    pub api_version: String,
    /// Always [`KIND`] once validated.
    pub kind: String,
    /// Who made the package and which version it is.
    pub metadata: PackageMetadata,
    /// What the merge needs: module, provider type, API, wheels.
    pub spec: PackageSpec,
}

/// `metadata` of an lls-provider-spec.yaml: descriptive only; the merge log
/// and messages do not use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageMetadata {
    /// Package name (required).
    pub name: String,
    /// Package version, free text such as `1.0.0` (required).
    pub version: String,
    /// Who publishes the provider (required).
    pub vendor: String,
    /// Optional free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Optional contact, free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer: Option<String>,
}

/// `spec` of an lls-provider-spec.yaml: what becomes the provider's run.yaml entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageSpec {
    /// Importable Python module path (`my_org.custom_vllm`), the run.yaml `module`.
    pub package_name: String,
    /// `remote::name` or `inline::name`.
    pub provider_type: String,
    /// run.yaml API key (`inference`, `vector_io`, …).
    pub api: String,
    /// Main wheel, relative to `/lls-provider`.
    pub wheel_path: String,
    /// Further wheels, same rule as `wheel_path`, no duplicates. Like `wheel_path` only
    /// validated: the install step installs every `packages/*.whl` (docs/contracts.md,
    /// "Install step").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependency_wheels: Vec<String>,
}

impl ProviderPackage {
    /// The wheels the metadata declares: the main one, then the dependencies.
    /// The install step does not consult this list; it installs every
    /// `packages/*.whl` (docs/contracts.md, "Install step").
    pub fn wheels(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.spec.wheel_path.as_str())
            .chain(self.spec.dependency_wheels.iter().map(String::as_str))
    }
}
