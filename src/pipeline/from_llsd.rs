//! Provider sources from an LLSD and each provider's lls-provider-spec.yaml
//! text: what the merge step would see once the install step has run,
//! without pulling an image (the playground).

use super::{MergeFailure, ProviderFile, ProviderSource};
use crate::llsd::LlamaStackDistribution;
use crate::validate::parse_provider_package;

/// The LLSD's providers in CRD order, each with the metadata `spec_text`
/// gives for its providerId. A provider without metadata is a
/// [`MergeFailure::MissingSpec`]; invalid metadata an
/// [`MergeFailure::InvalidProviderFile`] whose diagnostics are located in
/// that text.
pub fn sources_from_llsd<'t>(
    llsd: &LlamaStackDistribution,
    spec_text: impl Fn(&str) -> Option<&'t str>,
) -> Result<Vec<ProviderSource>, MergeFailure> {
    llsd.providers_in_crd_order()
        .into_iter()
        .map(|listed| {
            let entry = listed.provider;
            let id = entry.provider_id.as_str();
            let text = spec_text(id).ok_or_else(|| MergeFailure::MissingSpec {
                provider_id: id.to_string(),
                image: entry.image.clone(),
                entry_path: listed.path(),
            })?;
            let package = parse_provider_package(text).map_err(|diagnostics| {
                MergeFailure::InvalidProviderFile {
                    provider_id: id.to_string(),
                    image: entry.image.clone(),
                    which: ProviderFile::Spec,
                    file: format!("lls-provider-spec.yaml ({id})"),
                    diagnostics,
                }
            })?;
            Ok(ProviderSource {
                provider_id: id.to_string(),
                image: entry.image.clone(),
                section: listed.api,
                entry_path: Some(listed.path()),
                config: entry.config.clone(),
                package,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Input;
    use crate::pipeline::assemble;
    use crate::validate::check_llsd;

    const SPEC: &str = "apiVersion: llamastack.io/v1alpha1\nkind: ProviderPackage\n\
        metadata: {name: a, version: 1.0.0, vendor: x}\n\
        spec: {packageName: a_mod, providerType: remote::a, api: inference, wheelPath: packages/a-1.0-py3-none-any.whl}\n";

    fn llsd(sections: serde_json::Value) -> LlamaStackDistribution {
        let value = serde_json::json!({
            "apiVersion": "llamastack.io/v1alpha1",
            "kind": "LlamaStackDistribution",
            "metadata": {"name": "x"},
            "spec": {"server": {
                "distribution": {"name": "starter"},
                "userConfig": {"configMapName": "cfg"},
                "externalProviders": sections,
            }},
        });
        match check_llsd(&value) {
            Ok((llsd, _)) => llsd,
            // duplicates are invalid LLSDs, but still readable
            Err(_) => serde_json::from_value(value).unwrap(),
        }
    }

    #[test]
    fn entries_carry_their_llsd_paths() {
        let llsd = llsd(serde_json::json!({
            "inference": [{"providerId": "a", "image": "r.io/a:1"}],
        }));
        let sources = sources_from_llsd(&llsd, |_| Some(SPEC)).unwrap();
        assert_eq!(
            sources[0].entry_path.as_deref(),
            Some("spec.server.externalProviders.inference[0]")
        );
        assert_eq!(assemble(&sources).unwrap()[0].module, "a_mod");
    }

    #[test]
    fn a_missing_spec_points_at_the_entry_image() {
        let llsd = llsd(serde_json::json!({
            "inference": [{"providerId": "a", "image": "r.io/a:1"}],
        }));
        let failure = sources_from_llsd(&llsd, |_| None).unwrap_err();
        let markers = failure.diagnostics();
        assert_eq!(markers[0].source, Input::Llsd);
        assert_eq!(
            markers[0].diagnostic.path,
            "spec.server.externalProviders.inference[0].image"
        );
    }

    #[test]
    fn invalid_metadata_is_located_in_its_text() {
        let llsd = llsd(serde_json::json!({
            "inference": [{"providerId": "a", "image": "r.io/a:1"}],
        }));
        let broken = SPEC.replace("api: inference", "api: 7");
        let failure = sources_from_llsd(&llsd, |_| Some(broken.as_str())).unwrap_err();
        let markers = failure.diagnostics();
        assert_eq!(markers[0].source, Input::Spec("a".into()));
        assert_eq!(markers[0].diagnostic.location.map(|l| l.line), Some(4));
    }

    #[test]
    fn a_repeated_id_points_at_the_second_entry() {
        let llsd = llsd(serde_json::json!({
            "inference": [{"providerId": "a", "image": "r.io/a:1"}],
            "safety": [{"providerId": "a", "image": "r.io/b:1"}],
        }));
        let sources = sources_from_llsd(&llsd, |_| Some(SPEC)).unwrap();
        let markers = assemble(&sources).unwrap_err().diagnostics();
        assert_eq!(
            markers[0].diagnostic.path,
            "spec.server.externalProviders.safety[0].providerId"
        );
    }
}
