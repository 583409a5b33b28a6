//! Why external providers could not be assembled or merged, rendered in the
//! formats DESIGN.md fixes (tests compare against them).

use crate::diagnostic::Diagnostic;
use std::fmt;

/// A failure of the merge step, as data.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeFailure {
    /// Metadata `api` differs from the LLSD section the provider is listed in.
    ApiMismatch {
        provider_id: String,
        image: String,
        /// `spec.api` of lls-provider-spec.yaml (run.yaml key).
        declared_api: String,
        /// LLSD section the declared API belongs in (CRD field), when known.
        declared_section: String,
        /// LLSD section the provider is listed in (CRD field).
        placement_api: String,
    },
    /// Two external providers share one id.
    DuplicateId {
        provider_id: String,
        first_image: String,
        first_section: String,
        second_image: String,
        second_section: String,
    },
    /// A provider named in `--providers` has no directory, or lacks a file.
    MissingProvider {
        provider_id: String,
        missing: String,
    },
    /// A metadata directory holds a provider that `--providers` does not list.
    UnlistedProvider {
        directory: String,
        listed: Vec<String>,
    },
    /// A provider's lls-provider-spec.yaml or crd-config.yaml is invalid.
    InvalidProviderFile {
        provider_id: String,
        image: String,
        file: String,
        diagnostics: Vec<Diagnostic>,
    },
    /// The base run.yaml cannot be merged (invalid YAML, wrong structure).
    InvalidBase { file: String, message: String },
}

impl fmt::Display for MergeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeFailure::ApiMismatch {
                provider_id,
                image,
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
            } => write!(
                f,
                "ERROR: Duplicate external provider id\n\n\
                 Provider id '{provider_id}' is used by two external providers:\n  \
                 image {first_image} (externalProviders.{first_section})\n  \
                 image {second_image} (externalProviders.{second_section})\n\n\
                 Resolution: Give each provider a unique providerId in the LLSD spec; \
                 ids are unique across all sections."
            ),
            MergeFailure::MissingProvider {
                provider_id,
                missing,
            } => write!(
                f,
                "ERROR: Missing metadata for provider '{provider_id}'\n\n\
                 {missing} does not exist.\n\n\
                 Resolution: Check that the init container install-provider-{provider_id} ran and \
                 completed; it writes this file. The merge lists providers in the order given by --providers."
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
                let name = file.rsplit('/').next().unwrap_or(file);
                if name == "crd-config.yaml" {
                    write!(
                        f,
                        "\nResolution: crd-config.yaml is written by the init container install-provider-{provider_id} \
                         from the LLSD entry; re-create the pod, and fix the entry if the error names one of its fields."
                    )
                } else {
                    write!(
                        f,
                        "\nResolution: Fix {name} in the provider image (see docs/troubleshooting.md)."
                    )
                }
            }
            MergeFailure::InvalidBase { file, message } => write!(
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
    }
}
