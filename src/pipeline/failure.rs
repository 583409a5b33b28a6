//! Why external providers could not be assembled or merged, rendered in the
//! formats docs/contracts.md fixes ("Error formats"; tests compare
//! against them), and pointed into the inputs they are about.

use crate::contract::install_container;
use crate::diagnostic::{Diagnostic, Input, InputDiagnostic, Location};
use serde::Serialize;
use std::fmt;

/// Which file of a provider's metadata a failure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderFile {
    /// `lls-provider-spec.yaml`, from the provider image.
    Spec,
    /// `crd-config.yaml`, written by the install step from the LLSD entry.
    CrdConfig,
}

/// A failure of the merge step, as data.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeFailure {
    /// Metadata `api` differs from the LLSD section the provider is listed in.
    ApiMismatch {
        /// The provider's id.
        provider_id: String,
        /// The provider image.
        image: String,
        /// Field path of the provider's LLSD entry, when the LLSD is at hand.
        entry_path: Option<String>,
        /// `spec.api` of lls-provider-spec.yaml (run.yaml key).
        declared_api: String,
        /// LLSD section the declared API belongs in (CRD field); `declared_api`
        /// itself when no API has that run.yaml key.
        declared_section: String,
        /// LLSD section the provider is listed in (CRD field).
        placement_api: String,
    },
    /// Two external providers share one id.
    DuplicateId {
        /// The repeated id.
        provider_id: String,
        /// Image of the first provider using it, in CRD order.
        first_image: String,
        /// LLSD section (CRD field) of the first provider.
        first_section: String,
        /// Image of the second provider using it.
        second_image: String,
        /// LLSD section (CRD field) of the second provider.
        second_section: String,
        /// Field path of the second entry, when the LLSD is at hand.
        second_path: Option<String>,
    },
    /// The LLSD lists a provider whose lls-provider-spec.yaml is not at hand
    /// (the playground cannot pull images).
    MissingSpec {
        /// The provider's id.
        provider_id: String,
        /// The image whose metadata is missing.
        image: String,
        /// Field path of the provider's LLSD entry.
        entry_path: String,
    },
    /// A provider named in `--providers` has no directory, or lacks a file.
    MissingProvider {
        /// The listed id.
        provider_id: String,
        /// Path of what is missing: the directory (`DIR/{id}/`) or one of its files.
        missing: String,
    },
    /// A metadata directory holds a provider that `--providers` does not list.
    UnlistedProvider {
        /// Path of the unlisted directory (`DIR/{name}`).
        directory: String,
        /// The ids `--providers` lists, in its order.
        listed: Vec<String>,
    },
    /// A provider's lls-provider-spec.yaml or crd-config.yaml is invalid.
    InvalidProviderFile {
        /// The provider's id.
        provider_id: String,
        /// The provider image; `unknown` when crd-config.yaml does not name it or
        /// cannot be read.
        image: String,
        /// Which of the provider's files.
        which: ProviderFile,
        /// The file as the user knows it (a path, or a label).
        file: String,
        /// Every problem found in the file, with field paths and locations.
        diagnostics: Vec<Diagnostic>,
    },
    /// The base run.yaml cannot be merged (invalid YAML, wrong structure).
    InvalidBase {
        /// The base config as the user knows it (the `--base` path, or a label).
        file: String,
        /// What is wrong (names the line and column too).
        message: String,
        /// Where in the base, when known.
        location: Option<Location>,
    },
}

/// A failure as the playground shows it: which kind, the provider it
/// names, and the documented message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct FailureSummary {
    /// `apiMismatch`, `duplicateId`, `missingSpec`, `missingProvider`,
    /// `unlistedProvider`, `invalidProviderFile` or `invalidBase`.
    pub kind: &'static str,
    /// The provider the failure names, if it names one.
    pub provider_id: Option<String>,
    /// The message in the documented format.
    pub message: String,
}

impl MergeFailure {
    /// The kind's name, as [`FailureSummary::kind`] gives it.
    pub fn kind(&self) -> &'static str {
        match self {
            MergeFailure::ApiMismatch { .. } => "apiMismatch",
            MergeFailure::DuplicateId { .. } => "duplicateId",
            MergeFailure::MissingSpec { .. } => "missingSpec",
            MergeFailure::MissingProvider { .. } => "missingProvider",
            MergeFailure::UnlistedProvider { .. } => "unlistedProvider",
            MergeFailure::InvalidProviderFile { .. } => "invalidProviderFile",
            MergeFailure::InvalidBase { .. } => "invalidBase",
        }
    }

    /// The provider the failure is about, if it is about one.
    pub fn provider_id(&self) -> Option<&str> {
        match self {
            MergeFailure::ApiMismatch { provider_id, .. }
            | MergeFailure::DuplicateId { provider_id, .. }
            | MergeFailure::MissingSpec { provider_id, .. }
            | MergeFailure::MissingProvider { provider_id, .. }
            | MergeFailure::InvalidProviderFile { provider_id, .. } => Some(provider_id),
            MergeFailure::UnlistedProvider { .. } | MergeFailure::InvalidBase { .. } => None,
        }
    }

    /// Kind, provider and message as data.
    pub fn summary(&self) -> FailureSummary {
        FailureSummary {
            kind: self.kind(),
            provider_id: self.provider_id().map(str::to_string),
            message: self.to_string(),
        }
    }

    /// The failure pointed into the inputs it is about: the LLSD entry,
    /// the provider's file, the base config. Paths are field paths of
    /// those inputs; locations are filled in only where the failure knows
    /// them (a host with the texts locates the rest).
    pub fn diagnostics(&self) -> Vec<InputDiagnostic> {
        match self {
            MergeFailure::ApiMismatch {
                provider_id,
                entry_path,
                declared_api,
                declared_section,
                placement_api,
                ..
            } => {
                let mut out = Vec::new();
                if let Some(path) = entry_path {
                    out.push(Input::Llsd.with(Diagnostic::error(
                        path.clone(),
                        format!(
                            "provider '{provider_id}' declares api={declared_api} in lls-provider-spec.yaml \
                             but is placed under externalProviders.{placement_api}"
                        ),
                        format!("move the provider to externalProviders.{declared_section}"),
                    )));
                }
                out.push(Input::Spec(provider_id.clone()).with(Diagnostic::error(
                    "spec.api",
                    format!(
                        "the LLSD places this provider under externalProviders.{placement_api}, not {declared_section}"
                    ),
                    "fix spec.api if the image is for that API, or move the LLSD entry",
                )));
                out
            }
            MergeFailure::DuplicateId {
                provider_id,
                second_path: Some(path),
                ..
            } => vec![Input::Llsd.with(Diagnostic::error(
                format!("{path}.providerId"),
                format!("'{provider_id}' is used by two external providers"),
                "give each provider a unique providerId",
            ))],
            MergeFailure::MissingSpec {
                provider_id,
                entry_path,
                ..
            } => vec![Input::Llsd.with(Diagnostic::error(
                format!("{entry_path}.image"),
                format!("no lls-provider-spec.yaml for provider '{provider_id}'"),
                "the image must carry /lls-provider/lls-provider-spec.yaml; in the playground, \
                 paste it into the provider's tab",
            ))],
            MergeFailure::InvalidProviderFile {
                provider_id,
                which,
                diagnostics,
                ..
            } => {
                let input = match which {
                    ProviderFile::Spec => Input::Spec(provider_id.clone()),
                    ProviderFile::CrdConfig => Input::CrdConfig(provider_id.clone()),
                };
                diagnostics
                    .iter()
                    .map(|d| input.clone().with(d.clone()))
                    .collect()
            }
            MergeFailure::InvalidBase {
                message, location, ..
            } => {
                let mut d = Diagnostic::error("", message.clone(), "fix the run.yaml");
                d.location = *location;
                vec![Input::RunYaml.with(d)]
            }
            MergeFailure::DuplicateId {
                second_path: None, ..
            }
            | MergeFailure::MissingProvider { .. }
            | MergeFailure::UnlistedProvider { .. } => Vec::new(),
        }
    }
}

impl fmt::Display for MergeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeFailure::ApiMismatch {
                provider_id,
                image,
                entry_path: _,
                declared_api,
                declared_section,
                placement_api,
            } => write!(
                f,
                "ERROR: Provider API type mismatch\n\n\
                 Provider '{provider_id}' (image: {image})\n\
                 declares api={declared_api} in lls-provider-spec.yaml\n\
                 but is placed under externalProviders.{placement_api}\n\n\
                 Resolution: Move the provider to externalProviders.{declared_section} section in the LLSD spec."
            ),
            MergeFailure::DuplicateId {
                provider_id,
                first_image,
                first_section,
                second_image,
                second_section,
                second_path: _,
            } => write!(
                f,
                "ERROR: Duplicate external provider id\n\n\
                 Provider id '{provider_id}' is used by two external providers:\n  \
                 image {first_image} (externalProviders.{first_section})\n  \
                 image {second_image} (externalProviders.{second_section})\n\n\
                 Resolution: Give each provider a unique providerId in the LLSD spec; \
                 ids are unique across all sections."
            ),
            MergeFailure::MissingSpec {
                provider_id,
                image,
                entry_path: _,
            } => write!(
                f,
                "ERROR: Missing lls-provider-spec.yaml for provider '{provider_id}' (image: {image})\n\n\
                 The provider's metadata is not at hand (a browser cannot pull images).\n\n\
                 Resolution: Paste /lls-provider/lls-provider-spec.yaml from the image into the provider's tab."
            ),
            MergeFailure::MissingProvider {
                provider_id,
                missing,
            } => write!(
                f,
                "ERROR: Missing metadata for provider '{provider_id}'\n\n\
                 {missing} does not exist.\n\n\
                 Resolution: Check that the init container {} ran and \
                 completed; it writes this file. The merge lists providers in the order given by --providers.",
                install_container(provider_id)
            ),
            MergeFailure::UnlistedProvider { directory, listed } => write!(
                f,
                "ERROR: Unexpected provider metadata directory\n\n\
                 {directory} is not one of the providers passed with --providers ({}).\n\n\
                 Resolution: Pass every provider in --providers, in CRD order, or remove the stale directory.",
                listed.join(",")
            ),
            MergeFailure::InvalidProviderFile {
                provider_id,
                image,
                which,
                file,
                diagnostics,
            } => {
                write!(
                    f,
                    "ERROR: Invalid provider file\n\n\
                     Provider '{provider_id}' (image: {image})\nFile: {file}\n"
                )?;
                for diagnostic in diagnostics {
                    writeln!(f, "{diagnostic}")?;
                }
                if *which == ProviderFile::CrdConfig {
                    write!(
                        f,
                        "\nResolution: crd-config.yaml is written by the init container {} \
                         from the LLSD entry; re-create the pod, and fix the entry if the error names one of its fields.",
                        install_container(provider_id)
                    )
                } else {
                    write!(
                        f,
                        "\nResolution: Fix lls-provider-spec.yaml in the provider image (see docs/troubleshooting.md)."
                    )
                }
            }
            MergeFailure::InvalidBase { file, message, .. } => write!(
                f,
                "ERROR: Cannot merge into the base config\n\n\
                 File: {file}\n{message}\n\n\
                 Resolution: Fix the run.yaml in the ConfigMap named by spec.server.userConfig.configMapName."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_mismatch_follows_the_documented_format() {
        let failure = MergeFailure::ApiMismatch {
            provider_id: "custom-vllm".into(),
            image: "registry.example.com/p:1".into(),
            entry_path: None,
            declared_api: "inference".into(),
            declared_section: "inference".into(),
            placement_api: "safety".into(),
        };
        assert_eq!(
            failure.to_string(),
            "ERROR: Provider API type mismatch\n\n\
             Provider 'custom-vllm' (image: registry.example.com/p:1)\n\
             declares api=inference in lls-provider-spec.yaml\n\
             but is placed under externalProviders.safety\n\n\
             Resolution: Move the provider to externalProviders.inference section in the LLSD spec."
        );
    }

    #[test]
    fn duplicate_ids_name_both_images() {
        let failure = MergeFailure::DuplicateId {
            provider_id: "p".into(),
            first_image: "a:1".into(),
            first_section: "inference".into(),
            second_image: "b:1".into(),
            second_section: "safety".into(),
            second_path: Some("spec.server.externalProviders.safety[0]".into()),
        };
        let text = failure.to_string();
        assert!(
            text.contains("image a:1 (externalProviders.inference)"),
            "{text}"
        );
        assert!(
            text.contains("image b:1 (externalProviders.safety)"),
            "{text}"
        );
        let markers = failure.diagnostics();
        assert_eq!(markers.len(), 1);
        assert_eq!(markers[0].source, Input::Llsd);
        assert_eq!(
            markers[0].diagnostic.path,
            "spec.server.externalProviders.safety[0].providerId"
        );
    }
}
