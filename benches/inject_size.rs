//! Size of the injected Deployment (issue #14 item 7), both install modes:
//! the operator's Deployment fixture wired for 1, 20, 100 and 208 providers
//! (208: every API section at the CRD's 16), as compact JSON (what the
//! policy returns and the bound counts) and as YAML (what `inject` prints).
//! Not a timing: `cargo bench --bench inject_size` prints the table of
//! docs/benchmarks.md "Injected Deployment size".

mod operator_fixture;

use llsd_providers::inject::{InjectOptions, inject, json_bytes};
use llsd_providers::limits::MAX_DEPLOYMENT_BYTES;
use operator_fixture::{MODES, llsd};

fn main() {
    let deployment = operator_fixture::operator_deployment();
    let base = json_bytes(&deployment);
    println!("operator Deployment: {base} B JSON; bound {MAX_DEPLOYMENT_BYTES} B");
    println!("| providers | mode | JSON | per provider | YAML | verdict |");
    println!("|---:|---|---:|---:|---:|---|");
    for n in [1, 20, 100, 208] {
        let l = llsd(n);
        for (name, mode) in MODES {
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
