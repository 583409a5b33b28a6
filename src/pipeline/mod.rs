//! The merge step's pipeline, from provider metadata to the merged config:
//!
//! 1. **sources**: each provider as the merge sees it ([`ProviderSource`]),
//!    from the metadata directory the install step writes
//!    ([`sources_from_dirs`], the `merge` command) or from an LLSD and the
//!    providers' lls-provider-spec.yaml texts ([`sources_from_llsd`], the
//!    playground);
//! 2. **assemble**: the checks that need both the LLSD's placement and the
//!    metadata — ids unique ([`crate::llsd::repeated_ids`]), the metadata's
//!    `api` is the section the provider is listed in — giving the merge's
//!    entries ([`assemble`]);
//! 3. **merge**: the format-preserving merge into the user's run.yaml, with
//!    extra-providers.yaml, the log and the warnings ([`run_merge_step`]).
//!
//! Every failure is a [`MergeFailure`]: data that renders in the documented
//! format and points into the inputs it is about. See docs/contracts.md
//! ("Merge rules", "Error formats").

mod crd_config;
mod directory;
mod failure;
mod from_llsd;
mod step;
mod termination;

pub use crd_config::{CrdConfig, CrdConfigRef, parse_crd_config};
pub use directory::{CRD_CONFIG_FILE, ProviderDir, SPEC_FILE, sources_from_dirs};
pub use failure::{FailureSummary, MergeFailure, ProviderFile};
pub use from_llsd::sources_from_llsd;
pub use step::{BaseConfig, MergeStepOutput, failure_log, merge_step, run_merge_step};
pub use termination::{
    MAX_CONTAINER_MESSAGE_BYTES, MAX_POD_MESSAGE_BYTES, MERGE_RESULT_SCHEMA, MergeResult,
    MergeResultFailure, ProviderResult, message_budget, parse_termination_message,
};

use crate::api::{self, Api};
use crate::llsd::repeated_ids;
use crate::merge::ExternalProvider;
use crate::provider_package::ProviderPackage;
use serde_json::{Map, Value};

/// One provider as the merge step sees it: where the LLSD lists it, and the
/// metadata its image carries.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderSource {
    /// The LLSD's providerId.
    pub provider_id: String,
    /// The provider image, for messages.
    pub image: String,
    /// The LLSD section (CRD field) the provider is listed in.
    pub section: &'static Api,
    /// Field path of the LLSD entry, when the LLSD itself is at hand.
    pub entry_path: Option<String>,
    /// The entry's `config`, written as the provider's run.yaml config.
    pub config: Option<Map<String, Value>>,
    /// The image's lls-provider-spec.yaml.
    pub package: ProviderPackage,
}

/// Checks `sources` (in CRD order) and turns them into merge entries.
pub fn assemble(sources: &[ProviderSource]) -> Result<Vec<ExternalProvider>, MergeFailure> {
    let ids = sources.iter().map(|s| s.provider_id.as_str());
    if let Some(&(first, second)) = repeated_ids(ids).first() {
        let (first, second) = (&sources[first], &sources[second]);
        return Err(MergeFailure::DuplicateId {
            provider_id: second.provider_id.clone(),
            first_image: first.image.clone(),
            first_section: first.section.crd_field.to_string(),
            second_image: second.image.clone(),
            second_section: second.section.crd_field.to_string(),
            second_path: second.entry_path.clone(),
        });
    }
    sources.iter().map(to_entry).collect()
}

fn to_entry(source: &ProviderSource) -> Result<ExternalProvider, MergeFailure> {
    let declared = source.package.spec.api.as_str();
    if declared != source.section.run_yaml_key {
        return Err(MergeFailure::ApiMismatch {
            provider_id: source.provider_id.clone(),
            image: source.image.clone(),
            entry_path: source.entry_path.clone(),
            declared_api: declared.to_string(),
            declared_section: api::by_run_yaml_key(declared)
                .map_or(declared, |api| api.crd_field)
                .to_string(),
            placement_api: source.section.crd_field.to_string(),
        });
    }
    Ok(ExternalProvider {
        provider_id: source.provider_id.clone(),
        provider_type: source.package.spec.provider_type.clone(),
        module: source.package.spec.package_name.clone(),
        api: source.section.run_yaml_key.to_string(),
        config: source.config.clone(),
        image: source.image.clone(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::provider_package::{PackageMetadata, PackageSpec};

    pub fn package(api: &str, provider_type: &str, module: &str) -> ProviderPackage {
        ProviderPackage {
            api_version: "llamastack.io/v1alpha1".into(),
            kind: "ProviderPackage".into(),
            metadata: PackageMetadata {
                name: module.into(),
                version: "1.0.0".into(),
                vendor: "Example".into(),
                description: None,
                maintainer: None,
            },
            spec: PackageSpec {
                package_name: module.into(),
                provider_type: provider_type.into(),
                api: api.into(),
                wheel_path: format!("packages/{module}-1.0.0-py3-none-any.whl"),
                dependency_wheels: vec![],
            },
        }
    }

    fn source(id: &str, section: &str, api: &str) -> ProviderSource {
        ProviderSource {
            provider_id: id.into(),
            image: format!("r.io/{id}:1"),
            section: api::by_crd_field(section).unwrap(),
            entry_path: None,
            config: None,
            package: package(api, "remote::x", "x_mod"),
        }
    }

    #[test]
    fn sources_become_entries_with_the_run_yaml_key() {
        let entries = assemble(&[
            source("a", "inference", "inference"),
            source("v", "vectorIo", "vector_io"),
        ])
        .unwrap();
        assert_eq!(entries[1].api, "vector_io");
        assert_eq!(entries[1].module, "x_mod");
        assert_eq!(entries[1].image, "r.io/v:1");
    }

    #[test]
    fn api_mismatch_names_the_section_to_move_to() {
        let err = assemble(&[source("v", "inference", "vector_io")]).unwrap_err();
        assert_eq!(
            err,
            MergeFailure::ApiMismatch {
                provider_id: "v".into(),
                image: "r.io/v:1".into(),
                entry_path: None,
                declared_api: "vector_io".into(),
                declared_section: "vectorIo".into(),
                placement_api: "inference".into(),
            }
        );
    }

    #[test]
    fn duplicate_ids_fail_before_anything_else() {
        let mut second = source("a", "safety", "inference");
        second.image = "r.io/other:2".into();
        let err = assemble(&[source("a", "inference", "inference"), second]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("image r.io/a:1 (externalProviders.inference)"),
            "{text}"
        );
        assert!(
            text.contains("image r.io/other:2 (externalProviders.safety)"),
            "{text}"
        );
    }
}
