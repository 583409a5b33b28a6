//! From LLSD entries and provider metadata to the ordered, checked list of
//! providers the merge writes into run.yaml.
//!
//! The checks that need both halves live here: the metadata's `api` must be
//! the section the LLSD lists the provider in, and ids must be unique.

mod crd_config;
mod directory;
mod failure;

pub use crd_config::{CrdConfig, parse_crd_config};
pub use directory::{CRD_CONFIG_FILE, ProviderDir, SPEC_FILE, sources_from_dirs};
pub use failure::MergeFailure;

use crate::api::{self, Api};
use crate::merge::ExternalProvider;
use crate::provider_package::ProviderPackage;
use serde_json::{Map, Value};

/// One provider as the merge step sees it: where the LLSD lists it, and the
/// metadata its image carries.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderSource {
    pub provider_id: String,
    pub image: String,
    /// The LLSD section (CRD field) the provider is listed in.
    pub section: &'static Api,
    pub config: Option<Map<String, Value>>,
    pub package: ProviderPackage,
}

/// Checks `sources` (in CRD order) and turns them into merge entries.
pub fn assemble(sources: &[ProviderSource]) -> Result<Vec<ExternalProvider>, MergeFailure> {
    for (i, source) in sources.iter().enumerate() {
        if let Some(first) = sources[..i]
            .iter()
            .find(|s| s.provider_id == source.provider_id)
        {
            return Err(MergeFailure::DuplicateId {
                provider_id: source.provider_id.clone(),
                first_image: first.image.clone(),
                first_section: first.section.crd_field.to_string(),
                second_image: source.image.clone(),
                second_section: source.section.crd_field.to_string(),
            });
        }
    }
    sources.iter().map(to_entry).collect()
}

fn to_entry(source: &ProviderSource) -> Result<ExternalProvider, MergeFailure> {
    let declared = source.package.spec.api.as_str();
    if declared != source.section.run_yaml_key {
        return Err(MergeFailure::ApiMismatch {
            provider_id: source.provider_id.clone(),
            image: source.image.clone(),
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
