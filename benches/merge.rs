//! In-process merge benchmarks (criterion): the starter case (llama-stack
//! 0.7.1 starter config + 3 providers) and the large case (~1 MB config +
//! 200 providers), see `cases/mod.rs`.
//!
//! * `<case>/assemble_and_merge`: what `llsd-providers merge` does between
//!   reading the files and writing them: parse and check every provider's
//!   `lls-provider-spec.yaml` and `crd-config.yaml` (already in memory),
//!   assemble, merge into the base, render `extra-providers.yaml` and the log.
//! * `<case>/merge_step`: `pipeline::run_merge_step` alone, on providers
//!   assembled beforehand.
//!
//! Each is measured twice: wall-clock time (groups `starter`, `large`) and
//! the benchmark thread's CPU time (groups `starter-cpu`, `large-cpu`, see
//! `cpu_time/mod.rs`), which leaves out the time spent waiting for a core
//! on a machine shared with other builds.
//!
//! `cargo bench --bench merge` runs them; `benches/run.sh` (`make bench`)
//! also runs the end-to-end comparison. With `LLSD_BENCH_WRITE_CASES=DIR`
//! the binary only writes both cases under `DIR/{starter,large}/` and exits.

mod cases;
mod cpu_time;

use criterion::Criterion;
use criterion::measurement::Measurement;
use llsd_providers::merge::ExternalProvider;
use llsd_providers::pipeline::{self, BaseConfig, MergeStepOutput, ProviderDir};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

const METADATA_ROOT: &str = "/opt/llama-stack/external-providers/metadata";
const BASE_NAME: &str = "/opt/llama-stack/base-config/config.yaml";

fn assemble_and_merge(base: &str, order: &[String], dirs: &[ProviderDir]) -> MergeStepOutput {
    let sources = pipeline::sources_from_dirs(METADATA_ROOT, order, dirs).expect("sources");
    let providers = pipeline::assemble(&sources).expect("assemble");
    pipeline::run_merge_step(
        Some(BaseConfig {
            name: BASE_NAME,
            text: base,
        }),
        &providers,
    )
    .expect("merge")
}

/// Benchmarks `case` in the group `{case}{suffix}`.
fn bench_case<M: Measurement>(c: &mut Criterion<M>, case: &cases::Case, suffix: &str) {
    let order: Vec<String> = case.providers.iter().map(|p| p.id.clone()).collect();
    let dirs = case.dirs();
    // Check once, outside the timing, that the case merges as intended.
    let out = assemble_and_merge(&case.base, &order, &dirs);
    assert!(out.config.len() > case.base.len() / 2);
    let providers: Vec<ExternalProvider> = pipeline::assemble(
        &pipeline::sources_from_dirs(METADATA_ROOT, &order, &dirs).expect("sources"),
    )
    .expect("assemble");
    eprintln!(
        "case {}: base {} bytes, {} providers, merged {} bytes, {} warning(s)",
        case.name,
        case.base.len(),
        providers.len(),
        out.config.len(),
        out.warnings.len()
    );

    let mut group = c.benchmark_group(format!("{}{suffix}", case.name));
    group.measurement_time(Duration::from_secs(8));
    if case.base.len() > 100_000 {
        group.sample_size(50);
    }
    group.bench_function("assemble_and_merge", |b| {
        b.iter(|| assemble_and_merge(black_box(&case.base), black_box(&order), black_box(&dirs)))
    });
    group.bench_function("merge_step", |b| {
        b.iter(|| {
            pipeline::run_merge_step(
                Some(BaseConfig {
                    name: BASE_NAME,
                    text: black_box(&case.base),
                }),
                black_box(&providers),
            )
            .expect("merge")
        })
    });
    group.finish();
}

fn main() {
    if let Some(dir) = std::env::var_os("LLSD_BENCH_WRITE_CASES") {
        let dir = Path::new(&dir);
        for case in [cases::starter(), cases::large()] {
            let target = dir.join(case.name);
            case.write(&target)
                .unwrap_or_else(|err| panic!("cannot write {}: {err}", target.display()));
            eprintln!(
                "wrote {} ({} bytes of base, {} providers)",
                target.display(),
                case.base.len(),
                case.providers.len()
            );
        }
        return;
    }
    let starter = cases::starter();
    let large = cases::large();
    // Wall-clock time (criterion's default): groups `starter`, `large`.
    let mut c = Criterion::default().configure_from_args();
    bench_case(&mut c, &starter, "");
    bench_case(&mut c, &large, "");
    c.final_summary();
    // The thread's CPU time: groups `starter-cpu`, `large-cpu`.
    if cpu_time::available() {
        let mut c = Criterion::default()
            .with_measurement(cpu_time::ThreadCpuTime)
            .configure_from_args();
        bench_case(&mut c, &starter, "-cpu");
        bench_case(&mut c, &large, "-cpu");
        c.final_summary();
    }
}
