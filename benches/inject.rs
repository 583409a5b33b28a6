//! Native injection time, both install modes (criterion): the operator's
//! Deployment fixture wired for 1 and 10 providers, then serialized to JSON
//! as the policy answers it. `cargo bench --bench inject`.
//! The policy's figure is this plus the waPC/wasm overhead
//! (tests/policy-host, `make bench-policy`).

mod operator_fixture;

use criterion::Criterion;
use llsd_providers::inject::{InjectOptions, inject};
use operator_fixture::{MODES, llsd};
use std::hint::black_box;

fn main() {
    let deployment = operator_fixture::operator_deployment();
    let mut c = Criterion::default().configure_from_args();
    for n in [1, 10] {
        let l = llsd(n);
        for (name, mode) in MODES {
            let options = InjectOptions {
                install_mode: mode,
                ..InjectOptions::default()
            };
            c.bench_function(&format!("inject/{n}/{name}"), |b| {
                b.iter(|| {
                    let out = inject(black_box(&l), black_box(&deployment), &options).unwrap();
                    black_box(serde_json::to_vec(&out).unwrap())
                })
            });
        }
    }
    c.final_summary();
}
