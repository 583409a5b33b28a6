//! Evaluation time of policy.wasm in the waPC host (wasmtime, as the
//! policy-server runs it) against the policy's own `evaluate` compiled
//! natively, for LLSD validation and Deployment injection with 1 and 10
//! providers (injection in both install modes); plus the module size.
//!
//!     make policy.wasm && cd tests/policy-host && cargo bench --locked --bench policy
//!
//! Each figure is the median (and p90) per-call **thread CPU time** over
//! batches of 20 calls — `BENCH_ITERATIONS` (default 2000) calls after 200
//! warm-up calls, on one warm instance — so that other processes on a shared
//! machine do not inflate it; wall-clock medians are printed alongside.
//! Prints a Markdown table (docs/kubewarden.md keeps the latest one).

use llsd_policy_host::*;
use serde_json::{Value, json};
use std::hint::black_box;
use std::time::{Duration, Instant};

struct Case {
    name: &'static str,
    /// File stem of the request (and replay session) `BENCH_DUMP_DIR` gets.
    slug: &'static str,
    /// The LLSD the `get_resource` lookup answers, for injection cases.
    owner: Option<Value>,
    payload: Vec<u8>,
    cluster: Cluster,
    expect_mutation: bool,
}

fn deployment_owned_by(name: &str) -> Value {
    let mut request = fixture("deployment-create-providers");
    request["object"]["metadata"]["ownerReferences"][0]["name"] = json!(name);
    request["object"]["metadata"]["name"] = json!(name);
    request["object"].clone()
}

fn cases() -> Vec<Case> {
    let cluster = Cluster::fixture()
        .with("default", "one", llsd_with_providers("one", "default", 1))
        .with("default", "ten", llsd_with_providers("ten", "default", 10));
    let with_settings = |request: Value, settings: Value| {
        json!({"request": request, "settings": settings})
            .to_string()
            .into_bytes()
    };
    let payload = |request: Value| with_settings(request, json!({}));
    let image_volume =
        |request: Value| with_settings(request, json!({"installMode": "imageVolume"}));
    let llsd = |n| admission_request("CREATE", &llsd_with_providers("x", "default", n), None);
    let deployment = |name| admission_request("CREATE", &deployment_owned_by(name), None);
    vec![
        Case {
            name: "LLSD validation, 1 provider",
            slug: "llsd-1",
            owner: None,
            payload: payload(llsd(1)),
            cluster: cluster.clone(),
            expect_mutation: false,
        },
        Case {
            name: "LLSD validation, 10 providers",
            slug: "llsd-10",
            owner: None,
            payload: payload(llsd(10)),
            cluster: cluster.clone(),
            expect_mutation: false,
        },
        Case {
            name: "Deployment injection, 1 provider",
            slug: "deployment-1",
            owner: Some(llsd_with_providers("one", "default", 1)),
            payload: payload(deployment("one")),
            cluster: cluster.clone(),
            expect_mutation: true,
        },
        Case {
            name: "Deployment injection, 10 providers",
            slug: "deployment-10",
            owner: Some(llsd_with_providers("ten", "default", 10)),
            payload: payload(deployment("ten")),
            cluster: cluster.clone(),
            expect_mutation: true,
        },
        Case {
            name: "Deployment injection, 1 provider, imageVolume",
            slug: "deployment-1-image-volume",
            owner: Some(llsd_with_providers("one", "default", 1)),
            payload: image_volume(deployment("one")),
            cluster: cluster.clone(),
            expect_mutation: true,
        },
        Case {
            name: "Deployment injection, 10 providers, imageVolume",
            slug: "deployment-10-image-volume",
            owner: Some(llsd_with_providers("ten", "default", 10)),
            payload: image_volume(deployment("ten")),
            cluster: cluster.clone(),
            expect_mutation: true,
        },
    ]
}

/// CPU time of this thread (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

struct Figures {
    median: Duration,
    p90: Duration,
    wall_median: Duration,
}

/// Per-call time from batches of `BATCH` calls (reading the clock costs a
/// few µs, so single calls are not timed): median and p90 over the batches.
fn measure(iterations: usize, mut f: impl FnMut()) -> Figures {
    const BATCH: usize = 20;
    for _ in 0..200 {
        f();
    }
    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    for _ in 0..iterations.div_ceil(BATCH) {
        let (c0, w0) = (thread_cpu(), Instant::now());
        for _ in 0..BATCH {
            f();
        }
        let w = w0.elapsed() / BATCH as u32;
        let c = match (c0, thread_cpu()) {
            (Some(a), Some(b)) => (b - a) / BATCH as u32,
            _ => w,
        };
        cpu.push(c);
        wall.push(w);
    }
    cpu.sort();
    wall.sort();
    Figures {
        median: cpu[cpu.len() / 2],
        p90: cpu[cpu.len() * 9 / 10],
        wall_median: wall[wall.len() / 2],
    }
}

fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

fn gzip_size(path: &std::path::Path) -> Option<usize> {
    let output = std::process::Command::new("gzip")
        .arg("-9")
        .arg("-c")
        .arg(path)
        .output()
        .ok()?;
    output.status.success().then_some(output.stdout.len())
}

/// `BENCH_DUMP_DIR`: each case's AdmissionRequest as `<slug>.json` and, for
/// the injection cases, the owner lookup as a kwctl replay session
/// `<slug>.session.yml`, so that `kwctl bench` (tests/kubewarden/bench.sh) runs
/// the very same requests.
fn dump(dir: &std::path::Path, case: &Case) {
    std::fs::create_dir_all(dir).expect("BENCH_DUMP_DIR");
    let payload: Value = serde_json::from_slice(&case.payload).unwrap();
    let request = serde_json::to_string_pretty(&payload["request"]).unwrap();
    std::fs::write(dir.join(format!("{}.json", case.slug)), request).unwrap();
    if let Some(owner) = &case.owner {
        let quoted = owner.to_string().replace('\'', "''");
        let session = format!(
            "---\n- type: Exchange\n  request: |\n    !KubernetesGetResource\n    \
             api_version: llamastack.io/v1alpha1\n    kind: LlamaStackDistribution\n    \
             name: {}\n    namespace: {}\n    disable_cache: true\n  response:\n    \
             type: Success\n    payload: '{quoted}'\n",
            owner["metadata"]["name"].as_str().unwrap(),
            owner["metadata"]["namespace"].as_str().unwrap(),
        );
        std::fs::write(dir.join(format!("{}.session.yml", case.slug)), session).unwrap();
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let iterations: usize = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let wasm = policy_wasm_path();
    let raw = std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or(0);
    println!(
        "module: {} — {raw} bytes ({:.3} MiB), gzip -9 {} bytes",
        wasm.display(),
        raw as f64 / 1048576.0,
        gzip_size(&wasm).map_or("n/a".to_string(), |n| n.to_string())
    );
    let start = Instant::now();
    drop(PolicyHost::new(Cluster::default()));
    println!(
        "compile + first instantiation: {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    let start = Instant::now();
    drop(PolicyHost::new(Cluster::default()));
    println!(
        "instantiation (compiled module): {:.1} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    println!();
    // `BENCH_BASELINE_WASM`: a previous build of the module, measured in
    // the same run beside this one (its responses are checked for the
    // verdict only: a previous build may word or order them differently).
    let baseline = std::env::var_os("BENCH_BASELINE_WASM").map(|path| {
        let bytes = std::fs::read(&path).expect("BENCH_BASELINE_WASM");
        println!(
            "baseline: {} — {} bytes, gzip -9 {} bytes",
            std::path::Path::new(&path).display(),
            bytes.len(),
            gzip_size(std::path::Path::new(&path)).map_or("n/a".to_string(), |n| n.to_string())
        );
        bytes
    });
    if baseline.is_some() {
        println!(
            "| case | wasm median µs | wasm p90 µs | baseline wasm median µs | wasm/baseline | native median µs | wasm/native |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
    } else {
        println!(
            "| case | wasm median µs | wasm p90 µs | native median µs | native p90 µs | wasm/native | wasm wall median µs | first call µs |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    }
    let dump_dir = std::env::var_os("BENCH_DUMP_DIR").map(std::path::PathBuf::from);
    for case in cases() {
        if let Some(dir) = &dump_dir {
            dump(dir, &case);
        }
        let host = PolicyHost::new(case.cluster.clone());
        let start = Instant::now();
        let first = host.call("validate", &case.payload).expect("validate");
        let cold = start.elapsed();
        let verdict: Value = serde_json::from_slice(&first).unwrap();
        assert_eq!(
            verdict["accepted"], true,
            "{}: {}",
            case.name, verdict["message"]
        );
        assert_eq!(
            !verdict["mutated_object"].is_null(),
            case.expect_mutation,
            "{}",
            case.name
        );
        assert_eq!(
            first,
            native_validate(&case.cluster, &case.payload),
            "{}: wasm and native differ",
            case.name
        );
        let wasm = measure(iterations, || {
            black_box(host.call("validate", black_box(&case.payload)).unwrap());
        });
        let native = measure(iterations, || {
            black_box(native_validate(&case.cluster, black_box(&case.payload)));
        });
        if let Some(module) = &baseline {
            let old = PolicyHost::with_module(module, case.cluster.clone());
            let answer: Value =
                serde_json::from_slice(&old.call("validate", &case.payload).expect("validate"))
                    .unwrap();
            assert_eq!(answer["accepted"], true, "baseline: {}", case.name);
            assert_eq!(
                !answer["mutated_object"].is_null(),
                case.expect_mutation,
                "baseline: {}",
                case.name
            );
            let before = measure(iterations, || {
                black_box(old.call("validate", black_box(&case.payload)).unwrap());
            });
            println!(
                "| {} | {} | {} | {} | {:.2} | {} | {:.2} |",
                case.name,
                us(wasm.median),
                us(wasm.p90),
                us(before.median),
                wasm.median.as_secs_f64() / before.median.as_secs_f64(),
                us(native.median),
                wasm.median.as_secs_f64() / native.median.as_secs_f64(),
            );
            continue;
        }
        println!(
            "| {} | {} | {} | {} | {} | {:.2} | {} | {} |",
            case.name,
            us(wasm.median),
            us(wasm.p90),
            us(native.median),
            us(native.p90),
            wasm.median.as_secs_f64() / native.median.as_secs_f64(),
            us(wasm.wall_median),
            us(cold),
        );
    }
}
