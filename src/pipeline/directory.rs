//! The merge step's input directory: `DIR/{providerId}/lls-provider-spec.yaml`
//! and `DIR/{providerId}/crd-config.yaml`, written by the install init
//! containers. The host reads the files; this module decides.

use super::crd_config::parse_crd_config;
use super::{MergeFailure, ProviderFile, ProviderSource};
use crate::api;
use crate::diagnostic::Diagnostic;
use crate::validate::parse_provider_package;
use crate::yaml_input;

/// The provider metadata's file name in `DIR/{providerId}/`, copied from the image.
pub const SPEC_FILE: &str = "lls-provider-spec.yaml";
/// The LLSD entry's file name in `DIR/{providerId}/` (docs/contracts.md,
/// "crd-config.yaml").
pub const CRD_CONFIG_FILE: &str = "crd-config.yaml";

/// One provider directory as the host found it: file bytes, `None` when
/// the file is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderDir {
    /// The directory's name, which should be a provider id listed in `--providers`.
    pub name: String,
    /// Bytes of its `lls-provider-spec.yaml`.
    pub spec: Option<Vec<u8>>,
    /// Bytes of its `crd-config.yaml`.
    pub crd_config: Option<Vec<u8>>,
}

fn decode(bytes: &[u8]) -> Result<&str, Vec<Diagnostic>> {
    yaml_input::check_size(bytes.len())
        .and_then(|()| yaml_input::decode_utf8(bytes))
        .map_err(|d| vec![d])
}

/// Matches the directories against `order` (the `--providers` list, CRD
/// order) and reads each provider's files.
pub fn sources_from_dirs(
    root: &str,
    order: &[String],
    dirs: &[ProviderDir],
) -> Result<Vec<ProviderSource>, MergeFailure> {
    if let Some(unlisted) = dirs.iter().find(|dir| !order.contains(&dir.name)) {
        return Err(MergeFailure::UnlistedProvider {
            directory: format!("{root}/{}", unlisted.name),
            listed: order.to_vec(),
        });
    }
    let mut sources: Vec<ProviderSource> = Vec::with_capacity(order.len());
    for id in order {
        let missing = |file: &str| MergeFailure::MissingProvider {
            provider_id: id.clone(),
            missing: format!("{root}/{id}/{file}"),
        };
        let dir = dirs
            .iter()
            .find(|dir| &dir.name == id)
            .ok_or_else(|| missing(""))?;
        let crd_text = dir
            .crd_config
            .as_deref()
            .ok_or_else(|| missing(CRD_CONFIG_FILE))?;
        let spec_text = dir.spec.as_deref().ok_or_else(|| missing(SPEC_FILE))?;
        let invalid = |which: ProviderFile, image: &str, diagnostics: Vec<Diagnostic>| {
            let file = match which {
                ProviderFile::Spec => SPEC_FILE,
                ProviderFile::CrdConfig => CRD_CONFIG_FILE,
            };
            MergeFailure::InvalidProviderFile {
                provider_id: id.clone(),
                image: image.to_string(),
                which,
                file: format!("{root}/{id}/{file}"),
                diagnostics,
            }
        };
        let crd = decode(crd_text)
            .and_then(parse_crd_config)
            .map_err(|d| invalid(ProviderFile::CrdConfig, "unknown", d))?;
        let image = crd.image.clone().unwrap_or_else(|| "unknown".to_string());
        if &crd.provider_id != id {
            let problem = format!(
                "providerId is '{}' but the directory is '{id}'",
                crd.provider_id
            );
            let fix = "the install init container writes DIR/{providerId}/; do not edit the files by hand";
            return Err(invalid(
                ProviderFile::CrdConfig,
                &image,
                vec![Diagnostic::error("providerId", problem, fix)],
            ));
        }
        let package = decode(spec_text)
            .and_then(parse_provider_package)
            .map_err(|d| invalid(ProviderFile::Spec, &image, d))?;
        sources.push(ProviderSource {
            provider_id: id.clone(),
            section: api::by_crd_field(&crd.api).unwrap_or(&api::APIS[0]),
            entry_path: None,
            image,
            config: crd.config,
            package,
        });
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "apiVersion: llamastack.io/v1alpha1\nkind: ProviderPackage\n\
        metadata: {name: a, version: 1.0.0, vendor: x}\n\
        spec: {packageName: a_mod, providerType: remote::a, api: inference, wheelPath: packages/a-1.0-py3-none-any.whl}\n";

    fn dir(name: &str) -> ProviderDir {
        ProviderDir {
            name: name.into(),
            spec: Some(SPEC.into()),
            crd_config: Some(
                format!(r#"{{"providerId":"{name}","api":"inference","image":"r.io/{name}:1"}}"#)
                    .into_bytes(),
            ),
        }
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn order_comes_from_the_providers_list() {
        let sources = sources_from_dirs("/m", &ids(&["b", "a"]), &[dir("a"), dir("b")]).unwrap();
        let order: Vec<&str> = sources.iter().map(|s| s.provider_id.as_str()).collect();
        assert_eq!(order, ["b", "a"]);
        assert_eq!(sources[0].image, "r.io/b:1");
    }

    #[test]
    fn missing_and_unlisted_providers_are_named() {
        let err = sources_from_dirs("/m", &ids(&["a", "b"]), &[dir("a")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("Missing metadata for provider 'b'"),
            "{err}"
        );
        let err = sources_from_dirs("/m", &ids(&["a"]), &[dir("a"), dir("c")]).unwrap_err();
        assert!(
            err.to_string().contains("/m/c is not one of the providers"),
            "{err}"
        );
        let mut no_spec = dir("a");
        no_spec.spec = None;
        let err = sources_from_dirs("/m", &ids(&["a"]), &[no_spec]).unwrap_err();
        assert!(
            err.to_string()
                .contains("/m/a/lls-provider-spec.yaml does not exist"),
            "{err}"
        );
    }

    #[test]
    fn invalid_metadata_names_file_line_and_image() {
        let mut broken = dir("a");
        broken.spec = Some(b"kind: ProviderPackage\nspec: [\n".to_vec());
        let text = sources_from_dirs("/m", &ids(&["a"]), &[broken])
            .unwrap_err()
            .to_string();
        assert!(text.contains("Provider 'a' (image: r.io/a:1)"), "{text}");
        assert!(text.contains("File: /m/a/lls-provider-spec.yaml"), "{text}");
        assert!(text.contains("(line 3, column 1)"), "{text}");
    }

    #[test]
    fn non_utf8_metadata_is_located() {
        let mut broken = dir("a");
        broken.spec = Some(b"kind: ProviderPackage\nname: \xff\n".to_vec());
        let text = sources_from_dirs("/m", &ids(&["a"]), &[broken])
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("(line 2, column 7): input is not valid UTF-8"),
            "{text}"
        );
    }

    #[test]
    fn listing_an_id_twice_is_a_duplicate() {
        let sources = sources_from_dirs("/m", &ids(&["a", "a"]), &[dir("a")]).unwrap();
        let err = crate::pipeline::assemble(&sources).unwrap_err();
        assert!(matches!(err, MergeFailure::DuplicateId { .. }), "{err}");
    }

    #[test]
    fn crd_config_must_match_its_directory() {
        let mut moved = dir("a");
        moved.crd_config = Some(br#"{"providerId":"z","api":"inference"}"#.to_vec());
        let text = sources_from_dirs("/m", &ids(&["a"]), &[moved])
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("providerId is 'z' but the directory is 'a'"),
            "{text}"
        );
    }
}
