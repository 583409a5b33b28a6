//! Size of the injected Deployment (issue #14 item 7), both install modes:
//! the operator's Deployment fixture wired for 1, 20, 100 and 208 providers
//! (208: every API section at the CRD's 16), as compact JSON (what the
//! policy returns and the bound counts) and as YAML (what `inject` prints).
//! Not a timing: `cargo bench --bench inject_size` prints the table of
//! docs/benchmarks.md "Injected Deployment size".

mod operator_fixture;

use llsd_providers::api::APIS;
use llsd_providers::inject::{
    InjectOptions, InstallMode, MAX_DEPLOYMENT_BYTES, inject, json_bytes,
};
use llsd_providers::llsd::LlamaStackDistribution;

/// `n` providers spread over the API sections (at most 16 each), with
/// realistic ids, images and a one-URL config.
fn llsd(n: usize) -> LlamaStackDistribution {
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

fn main() {
    let deployment = operator_fixture::operator_deployment();
    let base = json_bytes(&deployment);
    println!("operator Deployment: {base} B JSON; bound {MAX_DEPLOYMENT_BYTES} B");
    println!("| providers | mode | JSON | per provider | YAML | verdict |");
    println!("|---:|---|---:|---:|---:|---|");
    for n in [1, 20, 100, 208] {
        let l = llsd(n);
        for (name, mode) in [
            ("initContainers", InstallMode::InitContainers),
            ("imageVolume", InstallMode::ImageVolume),
        ] {
            let options = InjectOptions {
                install_mode: mode,
                ..InjectOptions::default()
            };
            // A refused wiring's size is in its message.
            let verdict = inject(&l, &deployment, &options);
            let (json, yaml) = match &verdict {
                Ok(d) => (json_bytes(d), serde_yaml::to_string(d).unwrap().len()),
                Err(e) => {
                    let problem = &e.diagnostics[0].diagnostic.problem;
                    let bytes = problem
                        .split(" bytes")
                        .next()
                        .and_then(|t| t.rsplit(' ').next())
                        .and_then(|t| t.parse().ok())
                        .unwrap_or_else(|| panic!("{problem}"));
                    (bytes, 0)
                }
            };
            println!(
                "| {n} | {name} | {json} B | {} B | {} | {} |",
                (json - base) / n,
                if yaml > 0 {
                    format!("{yaml} B")
                } else {
                    "-".to_string()
                },
                if verdict.is_ok() {
                    "accepted"
                } else {
                    "refused"
                }
            );
        }
    }
}
