//! The provider-list hash stored on the pod template: a change of any
//! provider's image, pull policy, config or order changes it, so the
//! Deployment rolls; `status` compares it to tell a stale pod. (Changes of
//! the injection options change the pod spec itself.)

use crate::llsd::ListedProvider;
use serde_json::json;
use sha2::{Digest, Sha256};

/// First 16 hex digits of the SHA-256 of the canonical provider list.
pub fn providers_hash(providers: &[ListedProvider<'_>]) -> String {
    let providers: Vec<_> = providers
        .iter()
        .map(|listed| {
            let p = listed.provider;
            json!({
                "section": listed.api.crd_field,
                "providerId": p.provider_id,
                "image": p.image,
                "imagePullPolicy": p.pull_policy().as_str(),
                "config": p.config,
            })
        })
        .collect();
    let digest = Sha256::digest(json!(providers).to_string().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}
