//! Hostile and broken inputs: each gets a clear error and exit 1 or 2,
//! never a panic, a hang or a stack overflow.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn validate_bytes(bytes: &[u8]) -> Output {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(bytes).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_llsd-providers"))
        .args(["validate", "--output", "json"])
        .arg(file.path())
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    out
}

/// Asserts exit 1 and returns the first diagnostic of the file.
fn first_error(bytes: &[u8]) -> serde_json::Value {
    let out = validate_bytes(bytes);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let file = &json["files"][0];
    let diag = file["diagnostics"]
        .get(0)
        .or_else(|| file["documents"][0]["diagnostics"].get(0))
        .expect("a diagnostic")
        .clone();
    assert!(
        !diag["fix"].as_str().unwrap_or_default().is_empty(),
        "no fix in {diag}"
    );
    diag
}

fn problem(diag: &serde_json::Value) -> String {
    diag["problem"].as_str().unwrap_or_default().to_string()
}

const LLSD_HEAD: &str =
    "apiVersion: llamastack.io/v1alpha1\nkind: LlamaStackDistribution\nmetadata:\n  name: x\n";

#[test]
fn truncated_yaml_names_line_and_column() {
    let text = format!(
        "{LLSD_HEAD}spec:\n  server:\n    externalProviders:\n      inference: [{{providerId: a, image: \"r.io/a"
    );
    let diag = first_error(text.as_bytes());
    assert!(problem(&diag).contains("invalid YAML"), "{diag}");
    assert_eq!(diag["location"]["line"], 8);
}

#[test]
fn wrong_types_are_reported_with_paths() {
    let text = format!("{LLSD_HEAD}spec: [1, 2]\n");
    let diag = first_error(text.as_bytes());
    assert_eq!(diag["path"], "spec");
    assert_eq!(problem(&diag), "must be a mapping, found a list");
    let diag = first_error(b"- just\n- a list\n");
    assert_eq!(diag["path"], "kind");
}

#[test]
fn non_utf8_bytes_are_located() {
    let mut bytes = LLSD_HEAD.as_bytes().to_vec();
    bytes.extend_from_slice(b"spec: {server: \xc3\x28}\n");
    let diag = first_error(&bytes);
    assert!(problem(&diag).contains("not valid UTF-8"), "{diag}");
    assert_eq!(diag["location"]["line"], 5);
}

#[test]
fn a_50_mb_file_is_refused_quickly() {
    let mut bytes = LLSD_HEAD.as_bytes().to_vec();
    bytes.extend(std::iter::repeat_n(b'#', 50 * 1024 * 1024));
    let diag = first_error(&bytes);
    assert!(problem(&diag).contains("byte limit"), "{diag}");
}

#[test]
fn ten_thousand_deep_nesting_does_not_overflow() {
    let flow = format!(
        "{LLSD_HEAD}spec: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(problem(&first_error(flow.as_bytes())).contains("deeper than 128"));
    // Block sequences nest on one line: `spec: \n- - - - … x`.
    let block = format!("{LLSD_HEAD}spec:\n{}x\n", "- ".repeat(10_000));
    assert!(problem(&first_error(block.as_bytes())).contains("deeper than 128"));
}

#[test]
fn alias_bombs_are_refused() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..12 {
        let items = vec![format!("*a{}", level - 1); 9].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    assert!(problem(&first_error(text.as_bytes())).contains("alias bomb"));
}

#[test]
fn duplicate_keys_are_refused() {
    let text = format!("{LLSD_HEAD}spec:\n  server: {{}}\n  server: {{}}\n");
    assert!(problem(&first_error(text.as_bytes())).contains("duplicate key \"server\""));
}

#[test]
fn empty_files_are_refused() {
    for bytes in [&b""[..], b"\n\n", b"---\n", b"# nothing\n"] {
        assert!(problem(&first_error(bytes)).contains("empty"));
    }
}

#[test]
fn unknown_kinds_are_refused() {
    let diag = first_error(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
    assert_eq!(
        problem(&diag),
        "'ConfigMap' is not a kind this tool validates"
    );
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/hostile/{name}",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../..")
    ))
    .unwrap()
}

#[test]
fn alias_fan_out_is_refused_in_bounded_time_and_memory() {
    // 27 KB: one anchored list of 10,000 items referenced 2,328 times took
    // 87 s and 4.7 GB (debug build) before it was refused; 59 KB aborted.
    let started = std::time::Instant::now();
    let diag = first_error(&fixture("alias-fan-out-27k.yaml"));
    assert!(problem(&diag).contains("more than 100000 nodes (an alias bomb)"));
    assert_eq!(diag["location"]["line"], 2);
    let mut wide = fixture("alias-fan-out-27k.yaml");
    wide.truncate(wide.len() - 2); // "]\n"
    wide.extend(",*a".repeat(10_667).bytes());
    wide.extend(b"]\n");
    assert!(problem(&first_error(&wide)).contains("alias bomb"));
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

#[test]
fn deep_flow_mappings_are_refused_while_scanning() {
    let diag = first_error(&fixture("deep-flow-mapping.yaml"));
    assert_eq!(
        problem(&diag),
        "document 1: nesting is deeper than 128 levels"
    );
    assert_eq!(diag["location"]["line"], 4);
    // 50,000 levels in 250 KB took 12 s before; now it stops at level 129.
    let n = 50_000;
    let text = format!("{LLSD_HEAD}spec: {}x{}\n", "{a: ".repeat(n), "}".repeat(n));
    let started = std::time::Instant::now();
    assert!(problem(&first_error(text.as_bytes())).contains("deeper than 128"));
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}

#[test]
fn config_values_that_cannot_reach_run_yaml_exactly_are_refused() {
    // An explicit key of 1,100 characters: the merge wrote it as an
    // implicit key, which PyYAML cannot load.
    let diag = first_error(&fixture("llsd-long-config-key.yaml"));
    assert_eq!(
        diag["path"],
        "spec.server.externalProviders.inference[0].config"
    );
    assert!(
        problem(&diag).starts_with("has a key of 1100 characters ('kkkkkkkkkkkkkkkkkkkk…')"),
        "{diag}"
    );
    // `.inf` and `1e400` became null.
    let diag = first_error(&fixture("llsd-infinite-number.yaml"));
    assert_eq!(
        problem(&diag),
        "document 1: '.inf' is a number JSON cannot hold (infinite, not a number, or an integer beyond 64 bits)"
    );
    assert_eq!(diag["location"]["line"], 14);
}

#[test]
fn control_characters_in_config_are_valid_and_printed_escaped() {
    let out = validate_bytes(&fixture("llsd-control-characters.yaml"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The same document with a bad providerId: the message quotes the
    // key path, escaped for the terminal.
    let text = String::from_utf8(fixture("llsd-control-characters.yaml"))
        .unwrap()
        .replace("providerId: a", "providerId: \"\\e[2Jx\"");
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_llsd-providers"))
        .arg("validate")
        .arg(file.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stdout.contains(&0x1b), "raw ESC printed");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\\u{1b}[2Jx"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `llsd-providers controller` with a setup that cannot work: exit 2 and a
/// message naming what to fix, before anything is watched.
fn controller(args: &[&str], kubeconfig: &std::path::Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_llsd-providers"))
        .arg("controller")
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("POD_NAMESPACE")
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    (out.status.code(), stderr)
}

#[test]
fn the_controller_refuses_a_setup_that_cannot_work() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-kubeconfig");
    let free = "--metrics-bind-address=127.0.0.1:0";
    let (code, stderr) = controller(&[free], &missing);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot configure the Kubernetes client") && stderr.contains("Fix: "),
        "{stderr}"
    );
    // a namespace that would read as something else is refused by name
    let (code, stderr) = controller(&[free, "--namespace=-nkube-system"], &missing);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is not a Kubernetes namespace"), "{stderr}");
    let (code, stderr) = controller(&[free, "--lease-duration", "1"], &missing);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--lease-duration"), "{stderr}");
    // the metrics port is taken
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("--metrics-bind-address={}", taken.local_addr().unwrap());
    let (code, stderr) = controller(&[&address], &missing);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("Fix: pass a free address"), "{stderr}");
}
