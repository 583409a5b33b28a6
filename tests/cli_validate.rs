//! `llsd-providers validate` over every example: exit codes, exact messages
//! (golden files under tests/golden/validate/), JSON output and stdin.
//!
//! Regenerate the golden files after an intended message change with
//! `UPDATE_GOLDEN=1 cargo test --test cli_validate`, then review the diff.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_llsd-providers"))
}

fn validate(args: &[&str]) -> Output {
    binary()
        .arg("validate")
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .output()
        .expect("run llsd-providers")
}

fn examples(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
        .expect("examples dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| path.strip_prefix(root).expect("under root").to_path_buf())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no examples in {dir}");
    files
}

fn check_golden(example: &Path, stdout: &str) {
    let name = example
        .to_string_lossy()
        .replace('/', "__")
        .replace(".yaml", ".txt");
    let golden = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .join("tests/golden/validate")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, stdout).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(&golden)
        .unwrap_or_else(|_| panic!("missing {}; run with UPDATE_GOLDEN=1", golden.display()));
    assert_eq!(
        stdout,
        expected,
        "output of {} differs from {}",
        example.display(),
        golden.display()
    );
}

fn run_examples(dir: &str, expected_code: i32) {
    for example in examples(dir) {
        let out = validate(&[example.to_str().expect("utf-8 path")]);
        let stdout = String::from_utf8(out.stdout).expect("utf-8 output");
        assert_eq!(
            out.status.code(),
            Some(expected_code),
            "{}:\n{stdout}",
            example.display()
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        check_golden(&example, &stdout);
    }
}

#[test]
fn valid_llsd_examples_pass() {
    run_examples("examples/llsd", 0);
}

#[test]
fn invalid_llsd_examples_fail_with_exact_messages() {
    run_examples("examples/llsd/invalid", 1);
}

#[test]
fn valid_provider_specs_pass() {
    run_examples("examples/provider-spec", 0);
}

#[test]
fn invalid_provider_specs_fail_with_exact_messages() {
    run_examples("examples/provider-spec/invalid", 1);
}

#[test]
fn valid_extra_providers_pass() {
    run_examples("examples/extra-providers", 0);
}

#[test]
fn invalid_extra_providers_fail_with_exact_messages() {
    run_examples("examples/extra-providers/invalid", 1);
}

/// What `merge --extra-providers-output` writes validates as ExternalProviders.
#[test]
fn the_merge_output_validates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("extra-providers.yaml");
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_llsd-providers"))
        .args(["merge", "--metadata-dir"])
        .arg(root.join("examples/merge/metadata"))
        .args(["--providers", "ollama,pgvector-ext", "--base"])
        .arg(root.join("examples/merge/run.yaml"))
        .arg("--output")
        .arg(dir.path().join("run.yaml"))
        .arg("--extra-providers-output")
        .arg(&out)
        .arg("--log")
        .arg(dir.path().join("log.txt"))
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_llsd-providers"))
        .arg("validate")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(": ExternalProviders is valid\n"),
        "{stdout}"
    );
}

#[test]
fn every_violation_class_of_the_issue_is_exemplified() {
    let out = validate(&[
        "examples/llsd/invalid/bad-provider-id.yaml",
        "examples/llsd/invalid/duplicate-ids.yaml",
        "examples/llsd/invalid/bad-image.yaml",
        "examples/llsd/invalid/bad-pull-policy.yaml",
        "examples/llsd/invalid/config-not-object.yaml",
        "examples/llsd/invalid/unknown-section.yaml",
        "examples/llsd/invalid/api-not-served.yaml",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "inference[0].providerId (line 12, column 9): 'Custom_VLLM' is not a DNS-1123 label",
        "is 56 characters long; at most 46 are allowed",
        "'shared' is used twice: by spec.server.externalProviders.inference[0] (image registry.example.com/llama-providers/custom-vllm:1.0.0) and by spec.server.externalProviders.vectorIo[0] (image registry.example.com/llama-providers/pgvector-ext:2.1.0)",
        "is not a valid image reference",
        "safety[0].imagePullPolicy (line 14, column 9): is 'always', not a pull policy",
        "inference[0].config (line 14, column 9): must be a mapping, found a string",
        "'weather' is not a known API section",
        "spec.server.externalProviders.safety (line 11, column 7): ogx 1.5.0 (named by the distribution image) does not serve `safety`",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in\n{stdout}"
        );
    }
    assert!(
        stdout
            .ends_with("7 file(s), 7 document(s): 0 valid, 7 invalid; 11 error(s), 1 warning(s)\n"),
        "{stdout}"
    );
}

#[test]
fn json_output_is_machine_readable() {
    let out = validate(&[
        "--output",
        "json",
        "examples/llsd/single-provider.yaml",
        "examples/llsd/invalid/duplicate-ids.yaml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["valid"], false);
    assert_eq!(json["files"][0]["valid"], true);
    let diag = &json["files"][1]["documents"][0]["diagnostics"][0];
    assert_eq!(diag["severity"], "error");
    assert_eq!(
        diag["path"],
        "spec.server.externalProviders.vectorIo[0].providerId"
    );
    assert!(
        diag["fix"]
            .as_str()
            .unwrap()
            .starts_with("give each provider a unique providerId")
    );
}

#[test]
fn stdin_and_multi_document_input() {
    let llsd = std::fs::read_to_string(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("examples/llsd/single-provider.yaml"),
    )
    .unwrap();
    let spec = std::fs::read_to_string(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("examples/provider-spec/custom-vllm.yaml"),
    )
    .unwrap();
    let input = format!("{llsd}---\n{spec}");
    let mut child = binary()
        .args(["validate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "<stdin> (document 1): LlamaStackDistribution 'llamastack-custom-vllm' is valid"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("<stdin> (document 2): ProviderPackage 'custom-vllm' is valid"),
        "{stdout}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(validate(&[]).status.code(), Some(2));
    assert_eq!(
        validate(&["--output", "xml", "x.yaml"]).status.code(),
        Some(2)
    );
    let out = validate(&["does/not/exist.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("cannot read does/not/exist.yaml"));
    let out = validate(&["examples"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("it is a directory"));
}
