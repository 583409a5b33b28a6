//! Provider metadata: `/lls-provider/lls-provider-spec.yaml` in a provider image.

use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "llamastack.io/v1alpha1";
pub const KIND: &str = "ProviderPackage";

/// Where the metadata file lives in a provider image.
pub const SPEC_PATH: &str = "/lls-provider/lls-provider-spec.yaml";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderPackage {
    pub api_version: String,
    pub kind: String,
    pub metadata: PackageMetadata,
    pub spec: PackageSpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageMetadata {
    pub name: String,
    pub version: String,
    pub vendor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer: Option<String>,
}

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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependency_wheels: Vec<String>,
}

impl ProviderPackage {
    /// Every wheel the install step installs: the main one, then the dependencies.
    pub fn wheels(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.spec.wheel_path.as_str())
            .chain(self.spec.dependency_wheels.iter().map(String::as_str))
    }
}
