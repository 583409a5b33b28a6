//! What the injection benches wire: the operator-rendered Deployment
//! (`operator-deployment.yaml` from `../shared/fixtures`, or
//! `LLSD_FIXTURES`), LLSDs with any number of providers, and the install
//! modes.

use llsd_providers::api::APIS;
use llsd_providers::inject::InstallMode;
use llsd_providers::llsd::LlamaStackDistribution;
use serde_json::Value;

/// The Deployment as JSON, as the injection reads it.
pub fn operator_deployment() -> Value {
    let fixtures = std::env::var("LLSD_FIXTURES")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures").to_string());
    serde_yaml::from_str(
        &std::fs::read_to_string(format!("{fixtures}/operator-deployment.yaml"))
            .expect("operator-deployment.yaml (set LLSD_FIXTURES)"),
    )
    .unwrap()
}

/// The install modes, by their option value.
pub const MODES: [(&str, InstallMode); 2] = [
    ("initContainers", InstallMode::InitContainers),
    ("imageVolume", InstallMode::ImageVolume),
];

/// An LLSD with `n` providers spread over the API sections (at most 16
/// each, the CRD's bound), with realistic ids, images and a one-URL config.
pub fn llsd(n: usize) -> LlamaStackDistribution {
    let mut text = String::from(
        "apiVersion: llamastack.io/v1alpha1\nkind: LlamaStackDistribution\nmetadata: {name: demo}\n\
         spec:\n  server:\n    distribution: {name: starter}\n    userConfig: {configMapName: llama-stack-config}\n\
         \x20   externalProviders:\n",
    );
    let mut left = n;
    for (s, api) in APIS.iter().enumerate() {
        if left == 0 {
            break;
        }
        text.push_str(&format!("      {}:\n", api.crd_field));
        for j in 0..left.min(16) {
            let i = s * 16 + j;
            text.push_str(&format!(
                "      - {{providerId: acme-provider-{i:03}, image: \"registry.example.com/acme/provider-{i:03}:1.0.0\", \
                 config: {{url: \"http://provider-{i:03}.models.svc:8000/v1\"}}}}\n"
            ));
        }
        left -= left.min(16);
    }
    assert_eq!(left, 0, "more providers than sections hold");
    serde_yaml::from_str(&text).unwrap()
}
