//! `llsd-providers merge` on the cases of tests/data/merge-cases/cases.yaml:
//! exact outputs (golden files under tests/golden/merge/), natively and as
//! the WASI module under the real `wasmtime` CLI, byte for byte; plus every
//! shared fixture run.yaml, native against wasm.
//!
//! After an intended change: `UPDATE_GOLDEN=1 cargo test --test merge_cli`.

mod common;

use common::{Prerequisite, Run, fixtures_dir, have, run_cli};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const OUTPUTS: [&str; 3] = ["config.yaml", "extra-providers.yaml", "merge-log.txt"];

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    base: Option<String>,
    providers: String,
    metadata: BTreeMap<String, Metadata>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    spec: String,
    #[serde(rename = "crd-config")]
    crd_config: Value,
}

fn cases_dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/data/merge-cases")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(cases_dir().join("cases.yaml")).expect("cases.yaml");
    serde_yaml::from_str(&text).expect("cases.yaml parses")
}

/// The cases `test` can run: those on a shared-fixture base only when the
/// shared fixtures are there.
fn runnable_cases(test: &str) -> Vec<Case> {
    let mut cases = cases();
    let on_fixture = |c: &Case| c.base.as_deref().is_some_and(|b| b.starts_with("fixture:"));
    if cases.iter().any(on_fixture)
        && !have(
            &format!("{test} (cases on shared fixtures)"),
            &[Prerequisite::SharedFixtures],
        )
    {
        cases.retain(|c| !on_fixture(c));
    }
    cases
}

fn base_path(base: &str) -> PathBuf {
    match base.strip_prefix("fixture:") {
        Some(name) => fixtures_dir().join("runyamls").join(name),
        None => cases_dir().join("bases").join(base),
    }
}

/// Lays a case out in a fresh directory: base.yaml, metadata/, out/.
fn prepare(case: &Case) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    if let Some(base) = &case.base {
        std::fs::copy(base_path(base), dir.path().join("base.yaml")).expect("copy base");
    }
    for (id, meta) in &case.metadata {
        let provider = dir.path().join("metadata").join(id);
        std::fs::create_dir_all(&provider).unwrap();
        std::fs::copy(
            cases_dir().join("specs").join(&meta.spec),
            provider.join("lls-provider-spec.yaml"),
        )
        .unwrap();
        std::fs::write(
            provider.join("crd-config.yaml"),
            serde_json::to_vec(&meta.crd_config).unwrap(),
        )
        .unwrap();
    }
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    dir
}

fn merge_args(case: &Case) -> Vec<String> {
    let mut args: Vec<String> = [
        "merge",
        "--metadata-dir",
        "metadata",
        "--providers",
        &case.providers,
        "--output",
        "out/config.yaml",
        "--extra-providers-output",
        "out/extra-providers.yaml",
        "--log",
        "out/merge-log.txt",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if case.base.is_some() {
        args.extend(["--base".to_string(), "base.yaml".to_string()]);
    }
    args
}

/// Exit code, stderr and every file in out/ after one run.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    run: Run,
    files: BTreeMap<String, Vec<u8>>,
}

fn run_case(case: &Case, wasm: bool) -> Outcome {
    let dir = prepare(case);
    let args = merge_args(case);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run_cli(wasm, dir.path(), &args);
    let files = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    Outcome { run, files }
}

fn check_golden(case: &Case, outcome: &Outcome) {
    let golden = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .join("tests/golden/merge")
        .join(&case.name);
    let mut expected: BTreeMap<String, Vec<u8>> = outcome.files.clone();
    expected.insert(
        "exit-code".into(),
        format!("{:?}\n", outcome.run.code).into_bytes(),
    );
    expected.insert("stderr.txt".into(), outcome.run.stderr.clone());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&golden);
        std::fs::create_dir_all(&golden).unwrap();
        for (name, bytes) in &expected {
            std::fs::write(golden.join(name), bytes).unwrap();
        }
        return;
    }
    let on_disk: BTreeMap<String, Vec<u8>> = std::fs::read_dir(&golden)
        .unwrap_or_else(|_| panic!("missing {}; run with UPDATE_GOLDEN=1", golden.display()))
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    for (name, bytes) in &on_disk {
        let actual = expected
            .get(name)
            .unwrap_or_else(|| panic!("{}: {name} was not produced", case.name));
        assert!(
            actual == bytes,
            "{}: {name} differs from golden:\n--- expected\n{}\n--- actual\n{}",
            case.name,
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(actual)
        );
    }
    assert_eq!(
        on_disk.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{}",
        case.name
    );
}

#[test]
fn cases_match_golden_outputs_natively() {
    let cases = runnable_cases("cases_match_golden_outputs_natively");
    assert!(cases.len() >= 10);
    for case in &cases {
        let outcome = run_case(case, false);
        let stdout = String::from_utf8_lossy(&outcome.run.stdout);
        assert!(
            stdout.is_empty(),
            "{}: merge prints nothing on stdout: {stdout}",
            case.name
        );
        match outcome.run.code {
            Some(0) => assert_eq!(
                outcome.files.keys().collect::<Vec<_>>(),
                ["config.yaml", "extra-providers.yaml", "merge-log.txt"]
            ),
            Some(1) => assert_eq!(
                outcome.files.keys().collect::<Vec<_>>(),
                ["merge-log.txt"],
                "{}: a failed merge writes only its log",
                case.name
            ),
            other => panic!("{}: unexpected exit {other:?}", case.name),
        }
        check_golden(case, &outcome);
    }
}

#[test]
fn wasm_module_matches_native_on_every_case() {
    let test = "wasm_module_matches_native_on_every_case";
    if !have(test, &[Prerequisite::WasmModule, Prerequisite::Wasmtime]) {
        return;
    }
    for case in &runnable_cases(test) {
        let native = run_case(case, false);
        let wasm = run_case(case, true);
        assert_eq!(native.run.code, wasm.run.code, "{}", case.name);
        assert_eq!(
            String::from_utf8_lossy(&native.run.stderr),
            String::from_utf8_lossy(&wasm.run.stderr),
            "{}",
            case.name
        );
        assert!(
            native == wasm,
            "{}: outputs differ between native and wasm",
            case.name
        );
    }
}

#[test]
fn wasm_module_matches_native_on_every_fixture() {
    use Prerequisite::*;
    if !have(
        "wasm_module_matches_native_on_every_fixture",
        &[SharedFixtures, WasmModule, Wasmtime],
    ) {
        return;
    }
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(fixtures_dir().join("runyamls"))
        .expect("shared fixtures")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 15, "found {} fixtures", fixtures.len());
    let template = cases()
        .into_iter()
        .find(|c| c.name == "override-env-template-id")
        .unwrap();
    for fixture in fixtures {
        let case = Case {
            name: fixture.file_name().unwrap().to_string_lossy().into_owned(),
            base: Some(format!(
                "fixture:{}",
                fixture.file_name().unwrap().to_string_lossy()
            )),
            providers: template.providers.clone(),
            metadata: template
                .metadata
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        Metadata {
                            spec: v.spec.clone(),
                            crd_config: v.crd_config.clone(),
                        },
                    )
                })
                .collect(),
        };
        let native = run_case(&case, false);
        assert_eq!(
            native.run.code,
            Some(0),
            "{}: {}",
            case.name,
            String::from_utf8_lossy(&native.run.stderr)
        );
        for name in OUTPUTS {
            assert!(native.files.contains_key(name), "{}: {name}", case.name);
        }
        let wasm = run_case(&case, true);
        assert!(
            native == wasm,
            "{}: outputs differ between native and wasm",
            case.name
        );
    }
}

#[test]
fn usage_errors_exit_2_and_write_nothing() {
    let case = cases().into_iter().next().unwrap();
    let dir = prepare(&case);
    let run = run_cli(
        false,
        dir.path(),
        &[
            "merge",
            "--metadata-dir",
            "metadata",
            "--providers",
            "custom-vllm",
        ],
    );
    assert_eq!(run.code, Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--output"));
    let run = run_cli(
        false,
        dir.path(),
        &[
            "merge",
            "--metadata-dir",
            "nowhere",
            "--providers",
            "a",
            "--output",
            "out/c.yaml",
            "--extra-providers-output",
            "out/e.yaml",
            "--log",
            "out/l.txt",
        ],
    );
    assert_eq!(run.code, Some(2));
    assert!(
        String::from_utf8_lossy(&run.stderr)
            .starts_with("ERROR: cannot read metadata directory nowhere")
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("out")).unwrap().count(),
        0
    );
}

#[test]
fn the_rest_of_the_user_configmap_is_carried_over() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "override-env-template-id")
        .unwrap();
    let dir = prepare(&case);
    let base_dir = dir.path().join("base-config");
    std::fs::create_dir_all(base_dir.join("..data")).unwrap();
    std::fs::rename(dir.path().join("base.yaml"), base_dir.join("config.yaml")).unwrap();
    std::fs::write(base_dir.join("ca.pem"), "-----BEGIN CERTIFICATE-----\n").unwrap();
    std::fs::write(base_dir.join(".hidden"), "x").unwrap();
    let with_wasm = have(
        "the_rest_of_the_user_configmap_is_carried_over (under wasmtime)",
        &[Prerequisite::WasmModule, Prerequisite::Wasmtime],
    );
    for wasm in [false, true].into_iter().filter(|&w| !w || with_wasm) {
        let out = dir.path().join("out");
        std::fs::remove_dir_all(&out).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        let run = run_cli(
            wasm,
            dir.path(),
            &[
                "merge",
                "--metadata-dir",
                "metadata",
                "--providers",
                &case.providers,
                "--base",
                "base-config/config.yaml",
                "--output",
                "out/config.yaml",
                "--extra-providers-output",
                "out/extra-providers.yaml",
                "--log",
                "out/merge-log.txt",
                "--copy-base-siblings",
            ],
        );
        assert_eq!(
            run.code,
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "ca.pem",
                "config.yaml",
                "extra-providers.yaml",
                "merge-log.txt"
            ],
            "wasm={wasm}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("ca.pem")).unwrap(),
            "-----BEGIN CERTIFICATE-----\n"
        );
    }
}
