//! The operator-rendered Deployment the injection benches wire:
//! `operator-deployment.yaml` from `../shared/fixtures` (or `LLSD_FIXTURES`).

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
