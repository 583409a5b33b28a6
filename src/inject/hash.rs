//! The provider-list hash stored on the pod template: a change of any
//! provider's image, pull policy, config or order changes it, so the
//! Deployment rolls; `status` compares it to tell a stale pod. (Changes of
//! the injection options change the pod spec itself.)

use crate::llsd::ListedProvider;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// One provider as hashed: these fields, in this order, as compact JSON
/// (the hash is part of the contract: the same list must keep its hash
/// across releases, or every Deployment would roll on an upgrade).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Hashed<'a> {
    section: &'static str,
    provider_id: &'a str,
    image: &'a str,
    image_pull_policy: &'static str,
    config: &'a Option<Map<String, Value>>,
}

/// Feeds the JSON text straight into the digest.
struct DigestWriter(Sha256);

impl std::io::Write for DigestWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// First 16 hex digits of the SHA-256 of the canonical provider list: a
/// JSON list of `{section, providerId, image, imagePullPolicy, config}`.
pub fn providers_hash(providers: &[ListedProvider<'_>]) -> String {
    let hashed: Vec<Hashed> = providers
        .iter()
        .map(|listed| {
            let p = listed.provider;
            Hashed {
                section: listed.api.crd_field,
                provider_id: &p.provider_id,
                image: &p.image,
                image_pull_policy: p.pull_policy().as_str(),
                config: &p.config,
            }
        })
        .collect();
    let mut writer = DigestWriter(Sha256::new());
    // Writing JSON (string keys only) into a digest cannot fail.
    let _ = serde_json::to_writer(&mut writer, &hashed);
    let digest = writer.0.finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llsd::LlamaStackDistribution;

    #[test]
    fn the_hash_is_that_of_the_documented_json_text() {
        let llsd: LlamaStackDistribution = serde_yaml::from_str(
            "apiVersion: llamastack.io/v1alpha1\nkind: LlamaStackDistribution\nmetadata: {name: d}\n\
             spec:\n  server:\n    distribution: {name: starter}\n    externalProviders:\n\
             \x20     inference:\n      - {providerId: a, image: \"r.io/a:1\", config: {url: \"http://x\", n: 1}}\n\
             \x20     safety:\n      - {providerId: b, image: \"r.io/b:1\", imagePullPolicy: Always}\n",
        )
        .unwrap();
        let text = r#"[{"section":"inference","providerId":"a","image":"r.io/a:1","imagePullPolicy":"IfNotPresent","config":{"url":"http://x","n":1}},{"section":"safety","providerId":"b","image":"r.io/b:1","imagePullPolicy":"Always","config":null}]"#;
        let expected: String = Sha256::digest(text.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(providers_hash(&llsd.providers_in_crd_order()), expected);
    }
}
