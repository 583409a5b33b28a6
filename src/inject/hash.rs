//! The provider-list hash stored on the pod template: any change of image,
//! config, order or merge options changes it, so the Deployment rolls.

use super::options::InjectOptions;
use crate::api::Api;
use crate::llsd::ExternalProviderRef;
use serde_json::json;
use sha2::{Digest, Sha256};

pub fn providers_hash(
    providers: &[(&'static Api, &ExternalProviderRef)],
    config_file: &str,
    options: &InjectOptions,
) -> String {
    let providers: Vec<_> = providers
        .iter()
        .map(|(api, p)| {
            json!({
                "section": api.crd_field,
                "providerId": p.provider_id,
                "image": p.image,
                "imagePullPolicy": p.pull_policy().as_str(),
                "config": p.config,
            })
        })
        .collect();
    let canonical = json!({"providers": providers, "configFile": config_file, "options": options});
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..16]
        .to_string()
}
