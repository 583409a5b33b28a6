//! `llsd-providers status` on every pod fixture of tests/data/status/:
//! exact text and JSON (golden files under tests/golden/status/), natively
//! and as the WASI module under `wasmtime run`, byte for byte; and the pod
//! piped on stdin as `kubectl get pod -o json | … status --pod -` does.
//!
//! After an intended change: `UPDATE_GOLDEN=1 cargo test --test status_cli`.

mod common;

use common::{Prerequisite, Run, have, run_cli, wasm_module, wasmtime};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn pods() -> Vec<PathBuf> {
    let mut pods: Vec<PathBuf> = std::fs::read_dir(root().join("tests/data/status"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    pods.sort();
    assert!(pods.len() >= 7);
    pods
}

fn status(wasm: bool, pod: &Path, format: &str) -> Run {
    let pod = pod
        .strip_prefix(root())
        .unwrap()
        .to_string_lossy()
        .into_owned();
    run_cli(
        wasm,
        root(),
        &[
            "status",
            "--pod",
            &pod,
            "--llsd",
            "tests/data/status/llsd.yaml",
            "--output",
            format,
        ],
    )
}

fn check_golden(name: &str, run: &Run) {
    let golden = root().join("tests/golden/status").join(name);
    let actual = format!(
        "exit: {:?}\n{}",
        run.code,
        String::from_utf8_lossy(&run.stdout)
    );
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &actual).unwrap();
        return;
    }
    let expected =
        std::fs::read_to_string(&golden).unwrap_or_else(|_| panic!("missing {}", golden.display()));
    assert_eq!(actual, expected, "{name} differs from golden");
}

#[test]
fn every_fixture_matches_its_golden_report() {
    for pod in pods() {
        let stem = pod.file_stem().unwrap().to_string_lossy().into_owned();
        for format in ["text", "json"] {
            let run = status(false, &pod, format);
            assert!(
                run.stderr.is_empty(),
                "{}",
                String::from_utf8_lossy(&run.stderr)
            );
            let ready = ["pod-all-ready", "pod-merge-warnings"].contains(&stem.as_str());
            let expected_code = if ready { 0 } else { 1 };
            assert_eq!(run.code, Some(expected_code), "{stem}");
            check_golden(&format!("{stem}.{format}"), &run);
        }
    }
}

#[test]
fn phases_and_messages_per_fixture() {
    let json = |stem: &str| -> serde_json::Value {
        serde_json::from_slice(
            &status(
                false,
                &root().join(format!("tests/data/status/{stem}.json")),
                "json",
            )
            .stdout,
        )
        .unwrap()
    };
    let phases = |v: &serde_json::Value| -> Vec<String> {
        v["externalProviders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["phase"].as_str().unwrap().to_string())
            .collect()
    };
    let second = json("pod-second-failed");
    assert_eq!(phases(&second), ["Ready", "Failed", "Pending"]);
    let failed = second["externalProviders"][1]["message"].as_str().unwrap();
    for part in [
        "pgvector-ext",
        "registry.example.com/llama-providers/pgvector-ext:2.1.0",
        "install-provider-pgvector-ext",
        "No wheels (*.whl) in /lls-provider/packages",
        "Resolution:",
        "(restarted 3 times)",
    ] {
        assert!(failed.contains(part), "{part} missing from {failed}");
    }
    let pull = json("pod-image-pull-failure");
    assert_eq!(phases(&pull), ["Failed", "Pending", "Pending"]);
    assert!(pull["externalProviders"][0]["message"].as_str().unwrap()
        .starts_with("Failed to pull provider image registry.example.com/llama-providers/custom-vllm:1.0.0"));
    assert_eq!(pull["condition"]["reason"], "ImagePullFailed");
    let merge = json("pod-merge-failure");
    assert_eq!(phases(&merge), ["Ready", "Ready", "Ready"]);
    assert_eq!(merge["mergeConfig"]["phase"], "Failed");
    assert!(
        merge["condition"]["message"]
            .as_str()
            .unwrap()
            .contains("ERROR: Provider API type mismatch")
    );
    let ready = json("pod-all-ready");
    assert_eq!(ready["condition"]["status"], "True");
    let stale = json("pod-stale");
    assert_eq!(stale["condition"]["reason"], "StalePod");
    assert_eq!(
        phases(&json("pod-installing")),
        ["Ready", "Installing", "Pending"]
    );
    assert_eq!(
        phases(&json("pod-pending")),
        ["Pending", "Pending", "Pending"]
    );
}

#[test]
fn wasm_module_matches_native_on_every_fixture() {
    let needs = [Prerequisite::WasmModule, Prerequisite::Wasmtime];
    if !have("wasm_module_matches_native_on_every_fixture", &needs) {
        return;
    }
    for pod in pods() {
        for format in ["text", "json", "yaml"] {
            let native = status(false, &pod, format);
            let wasm = status(true, &pod, format);
            assert!(
                native == wasm,
                "{} {format}: native and wasm differ",
                pod.display()
            );
        }
    }
}

#[test]
fn the_pod_can_come_from_stdin_under_wasmtime() {
    let needs = [Prerequisite::WasmModule, Prerequisite::Wasmtime];
    if !have("the_pod_can_come_from_stdin_under_wasmtime", &needs) {
        return;
    }
    let pod = std::fs::read(root().join("tests/data/status/pod-second-failed.json")).unwrap();
    let mut child = Command::new(wasmtime())
        .args([
            "run",
            &wasm_module().to_string_lossy(),
            "status",
            "--pod",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("wasmtime");
    child.stdin.take().unwrap().write_all(&pod).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains("pgvector-ext  install-provider-pgvector-ext  Failed"),
        "{text}"
    );
}

#[test]
fn bad_pods_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.json"), r#"{"metadata": {"name": 3}}"#).unwrap();
    let run = run_cli(false, dir.path(), &["status", "--pod", "pod.json"]);
    // Malformed input is 2, distinct from 1 ("not ready").
    assert_eq!(run.code, Some(2));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("metadata.name"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let run = run_cli(false, dir.path(), &["status", "--pod", "missing.json"]);
    assert_eq!(run.code, Some(2));
    // Another kind: located at its `kind`.
    std::fs::write(
        dir.path().join("deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n",
    )
    .unwrap();
    let run = run_cli(false, dir.path(), &["status", "--pod", "deployment.yaml"]);
    assert_eq!(run.code, Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("ERROR kind (line 2, column 1): must be 'Pod', found 'Deployment'"),
        "{stderr}"
    );
}

#[test]
fn fields_the_diagnosis_does_not_read_are_not_checked() {
    // A pod from a newer Kubernetes: new fields, and types changed where
    // status does not read, diagnosed as the pod it is.
    let mut pod: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root().join("tests/data/status/pod-all-ready.json")).unwrap(),
    )
    .unwrap();
    pod["status"]["phase"] = serde_json::json!({"since": "v9.99"});
    pod["spec"]["containers"][0]["resources"] = serde_json::json!("lots");
    pod["status"]["initContainerStatuses"][0]["imageID"] = serde_json::json!(7);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.json"), pod.to_string()).unwrap();
    let run = run_cli(false, dir.path(), &["status", "--pod", "pod.json"]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.code,
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        text.contains("ExternalProvidersReady=True (AllProvidersReady)"),
        "{text}"
    );
}

#[test]
fn termination_messages_cannot_drive_the_terminal() {
    // A provider image controls its termination message: OSC (window
    // title), BEL, CSI (clear screen), CR (overwrite the line), C1 CSI and
    // a right-to-left override.
    let run = status(
        false,
        &root().join("tests/data/hostile/pod-terminal-escapes.json"),
        "text",
    );
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.code, Some(1), "{text}");
    for raw in ['\u{1b}', '\u{7}', '\r', '\u{9b}', '\u{202e}'] {
        assert!(!text.contains(raw), "{raw:?} printed raw:\n{text}");
    }
    assert!(
        text.contains(
            "pip failed\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{d}fake: Ready\\u{9b}31m\\u{202e}evil"
        ),
        "{text}"
    );
    // JSON and YAML carry the text as data, with every character a
    // terminal acts on escaped (C1 CSI and the right-to-left override
    // included, which serde_json and serde_yaml wrote raw): read back, the
    // same text (issue #24 item 9).
    let expected = "pip failed\u{1b}]0;owned\u{7}\u{1b}[2J\rfake: Ready\u{9b}31m\u{202e}evil";
    for format in ["json", "yaml"] {
        let run = status(
            false,
            &root().join("tests/data/hostile/pod-terminal-escapes.json"),
            format,
        );
        let out = String::from_utf8(run.stdout).unwrap();
        for raw in ['\u{1b}', '\u{7}', '\r', '\u{9b}', '\u{202e}'] {
            assert!(!out.contains(raw), "{format}: {raw:?} printed raw:\n{out}");
        }
        let report: serde_json::Value = if format == "json" {
            serde_json::from_str(&out).unwrap()
        } else {
            serde_yaml::from_str(&out).unwrap()
        };
        fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
            match value {
                serde_json::Value::String(s) => out.push(s.clone()),
                serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
                serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
                _ => {}
            }
        }
        let mut messages = Vec::new();
        strings(&report, &mut messages);
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{format}: {messages:?}"
        );
    }
}

#[test]
fn a_pod_of_another_llsd_is_not_reported_ready() {
    // Same provider list (same providers hash), other LLSD's label.
    let run = status(
        false,
        &root().join("tests/data/hostile/pod-of-another-llsd.json"),
        "text",
    );
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.code, Some(1), "{text}");
    assert!(
        text.contains("ExternalProvidersReady=Unknown (StalePod)"),
        "{text}"
    );
    assert!(
        text.contains("belongs to LlamaStackDistribution 'another-llsd'"),
        "{text}"
    );
}

#[test]
fn an_invalid_llsd_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/data/status/pod-all-ready.json"),
        dir.path().join("pod.json"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("llsd.yaml"),
        "kind: LlamaStackDistribution\n---\nx: 1\n",
    )
    .unwrap();
    let run = run_cli(
        false,
        dir.path(),
        &["status", "--pod", "pod.json", "--llsd", "llsd.yaml"],
    );
    assert_eq!(run.code, Some(2));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("more than one YAML document"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn merge_result_in_the_termination_message_marks_the_named_provider_failed() {
    let run = status(
        false,
        &root().join("tests/data/status/pod-merge-result-failure.json"),
        "json",
    );
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let lmeval = &report["externalProviders"][2];
    assert_eq!(lmeval["providerId"], "lmeval");
    assert_eq!(lmeval["phase"], "Failed");
    assert!(
        lmeval["message"].as_str().unwrap().contains("apiMismatch"),
        "{lmeval}"
    );
    assert_eq!(report["condition"]["reason"], "MergeFailed");
    assert_eq!(report["mergeResult"]["failure"]["providerId"], "lmeval");
    // The old-format fixture (a bare stderr message) keeps the provider Ready.
    let old = status(
        false,
        &root().join("tests/data/status/pod-merge-failure.json"),
        "json",
    );
    let old: serde_json::Value = serde_json::from_slice(&old.stdout).unwrap();
    assert_eq!(old["externalProviders"][2]["phase"], "Ready");
    assert!(old.get("mergeResult").is_none());
}

#[test]
fn merge_warnings_are_shown_per_provider() {
    let pod = root().join("tests/data/status/pod-merge-warnings.json");
    let text = String::from_utf8(status(false, &pod, "text").stdout).unwrap();
    assert!(
        text.contains("Merge warnings (merge-config termination message):\n  provider custom-vllm: External provider 'custom-vllm' overrides"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&status(false, &pod, "json").stdout).unwrap();
    let message = json["externalProviders"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("replacing the base provider with its id (type remote::vllm)"),
        "{message}"
    );
}

fn status_patch(llsd: &str) -> (Run, serde_json::Value) {
    let run = run_cli(
        false,
        root(),
        &[
            "status",
            "--pod",
            "tests/data/status/pod-merge-warnings.json",
            "--llsd",
            llsd,
            "--output",
            "status-patch",
        ],
    );
    let patch = serde_json::from_slice(&run.stdout).unwrap_or(serde_json::Value::Null);
    (run, patch)
}

#[test]
fn status_patch_keeps_the_other_conditions_and_replaces_ours_by_type() {
    let dir = tempfile::tempdir().unwrap();
    let llsd = dir.path().join("llsd.yaml");
    let mut text = std::fs::read_to_string(root().join("tests/data/status/llsd.yaml")).unwrap();
    text.push_str(
        "status:\n  phase: Ready\n  conditions:\n  - {type: DeploymentReady, status: \"True\", reason: Ready, message: ok, lastTransitionTime: \"2026-11-26T09:00:00Z\"}\n  - {type: ExternalProvidersReady, status: \"True\", reason: Old, message: old, lastTransitionTime: \"2026-11-26T09:30:00Z\"}\n  - {type: ServiceReady, status: \"True\", reason: Ready, message: ok, lastTransitionTime: \"2026-11-26T09:00:00Z\"}\n",
    );
    std::fs::write(&llsd, text).unwrap();
    let (run, patch) = status_patch(llsd.to_str().unwrap());
    assert_eq!(
        run.code,
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let conditions = patch["status"]["conditions"].as_array().unwrap();
    let types: Vec<&str> = conditions
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["DeploymentReady", "ExternalProvidersReady", "ServiceReady"]
    );
    assert_eq!(conditions[0]["message"], "ok");
    assert_eq!(conditions[1]["reason"], "AllProvidersReady");
    // Same status as before: the transition time stays.
    assert_eq!(conditions[1]["lastTransitionTime"], "2026-11-26T09:30:00Z");
    assert_eq!(
        patch["status"]["externalProviders"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(
        patch["status"].get("phase").is_none(),
        "only our fields: {patch}"
    );

    // Without conditions: ours is appended with the current time.
    let (_, patch) = status_patch("tests/data/status/llsd.yaml");
    let conditions = patch["status"]["conditions"].as_array().unwrap();
    assert_eq!(conditions.len(), 1);
    let time = conditions[0]["lastTransitionTime"].as_str().unwrap();
    assert!(time.len() == 20 && time.ends_with('Z'), "{time}");
}

#[test]
fn status_patch_without_the_llsd_is_a_usage_error() {
    let run = run_cli(
        false,
        root(),
        &[
            "status",
            "--pod",
            "tests/data/status/pod-all-ready.json",
            "--output",
            "status-patch",
        ],
    );
    assert_eq!(run.code, Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--output status-patch needs --llsd"));
}
