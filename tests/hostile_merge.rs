//! Hostile metadata directories and output paths for `llsd-providers
//! merge` (issue #14): outputs are all-or-nothing, checked before the first
//! write; only regular files are read from the metadata directory; extra
//! documents are refused; config strings arrive exactly.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SPEC: &str = "apiVersion: llamastack.io/v1alpha1\nkind: ProviderPackage\n\
    metadata: {name: a, version: 1.0.0, vendor: x}\n\
    spec: {packageName: a_mod, providerType: remote::a, api: inference, wheelPath: packages/a-1.0-py3-none-any.whl}\n";

fn metadata(dir: &Path, crd_config: &str) {
    let a = dir.join("meta/a");
    std::fs::create_dir_all(&a).unwrap();
    std::fs::write(a.join("lls-provider-spec.yaml"), SPEC).unwrap();
    std::fs::write(a.join("crd-config.yaml"), crd_config).unwrap();
}

const CRD: &str =
    r#"{"providerId":"a","api":"inference","image":"r.io/a:1","config":{"url":"http://v:8000"}}"#;

/// Runs `merge` in `dir` with the outputs given, killing it after 20 s.
fn merge(dir: &Path, output: &str, extra: &str, log: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_llsd-providers"))
        .current_dir(dir)
        .args(["merge", "--metadata-dir", "meta", "--providers", "a"])
        .args(["--output", output, "--extra-providers-output", extra])
        .args(["--log", log])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("merge hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_fixture_directory_merges() {
    let dir = tempfile::tempdir().unwrap();
    metadata(dir.path(), CRD);
    let out = merge(dir.path(), "run.yaml", "extra.yaml", "log.txt");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        names(dir.path()),
        ["extra.yaml", "log.txt", "meta", "run.yaml"]
    );
}

#[test]
fn a_log_that_is_a_directory_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    metadata(dir.path(), CRD);
    std::fs::create_dir(dir.path().join("logdir")).unwrap();
    let out = merge(dir.path(), "run.yaml", "extra.yaml", "logdir");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "ERROR: cannot write logdir: it is a directory; pass a file path\n"
    );
    assert_eq!(names(dir.path()), ["logdir", "meta"]);
}

#[test]
fn outputs_naming_one_file_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    metadata(dir.path(), CRD);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    for (output, log) in [("run.yaml", "run.yaml"), ("run.yaml", "sub/../run.yaml")] {
        let out = merge(dir.path(), output, "extra.yaml", log);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            stderr(&out),
            format!(
                "ERROR: {output} and {log} are the same file; pass a different path for each output\n"
            )
        );
        assert_eq!(names(dir.path()), ["meta", "sub"]);
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path(), dir.path().join("link")).unwrap();
        let out = merge(dir.path(), "run.yaml", "link/run.yaml", "log.txt");
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("are the same file"));
    }
    let out = merge(dir.path(), "missing/run.yaml", "extra.yaml", "log.txt");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "ERROR: cannot write missing/run.yaml: its directory missing cannot be used"
        ),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_in_the_metadata_directory_is_refused_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    metadata(dir.path(), CRD);
    let spec = dir.path().join("meta/a/lls-provider-spec.yaml");
    std::fs::remove_file(&spec).unwrap();
    let made = Command::new("mkfifo").arg(&spec).status().unwrap();
    assert!(made.success());
    let out = merge(dir.path(), "run.yaml", "extra.yaml", "log.txt");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "ERROR: cannot read meta/a/lls-provider-spec.yaml: it is not a regular file but a FIFO, socket or device; \
         the install init containers write regular files and directories only\n"
    );
}

#[cfg(unix)]
#[test]
fn a_symlinked_crd_config_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    metadata(dir.path(), CRD);
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "token: SECRET-VALUE\n").unwrap();
    let crd = dir.path().join("meta/a/crd-config.yaml");
    std::fs::remove_file(&crd).unwrap();
    std::os::unix::fs::symlink(&secret, &crd).unwrap();
    let out = merge(dir.path(), "run.yaml", "extra.yaml", "log.txt");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("it is a symbolic link"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("SECRET"));
    assert!(!dir.path().join("run.yaml").exists());
    // A symlinked provider directory too.
    std::fs::rename(dir.path().join("meta/a"), dir.path().join("real")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("meta/a")).unwrap();
    let out = merge(dir.path(), "run.yaml", "extra.yaml", "log.txt");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("meta/a: it is a symbolic link"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn extra_documents_in_provider_files_are_refused() {
    for (crd, spec) in [
        (
            "providerId: a\napi: inference\n---\nproviderId: b\n".to_string(),
            SPEC.to_string(),
        ),
        (format!("{CRD}\n---\n{{}}\n"), SPEC.to_string()),
        (CRD.to_string(), format!("{SPEC}---\nkind: Other\n")),
    ] {
        let dir = tempfile::tempdir().unwrap();
        metadata(dir.path(), &crd);
        std::fs::write(dir.path().join("meta/a/lls-provider-spec.yaml"), &spec).unwrap();
        let out = merge(dir.path(), "run.yaml", "extra.yaml", "log.txt");
        assert_eq!(out.status.code(), Some(1), "{crd}{spec}");
        let err = stderr(&out);
        assert!(
            err.contains("more than one YAML document") || err.contains("trailing characters"),
            "{err}"
        );
        assert!(!dir.path().join("run.yaml").exists());
    }
}

#[test]
fn control_characters_in_config_arrive_escaped_and_long_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let crd = serde_json::json!({
        "providerId": "a", "api": "inference", "image": "r.io/a:1",
        "config": {"del": "a\u{7f}b", "c1": "\u{9b}31m", "nel": "x\u{85}y", "ls": "\u{2028}"}
    });
    metadata(dir.path(), &crd.to_string());
    let out = merge(dir.path(), "run.yaml", "extra.yaml", "log.txt");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let run = std::fs::read_to_string(dir.path().join("run.yaml")).unwrap();
    for escaped in [
        "del: \"a\\x7Fb\"",
        "c1: \"\\x9B31m\"",
        "nel: \"x\\Ny\"",
        "ls: \"\\L\"",
    ] {
        assert!(run.contains(escaped), "{escaped} not in\n{run}");
    }
    let dir = tempfile::tempdir().unwrap();
    let long = "k".repeat(161);
    let crd = serde_json::json!({"providerId": "a", "api": "inference", "config": {long: 1}});
    metadata(dir.path(), &crd.to_string());
    let out = merge(dir.path(), "run.yaml", "extra.yaml", "log.txt");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has a key of 161 characters"),
        "{}",
        stderr(&out)
    );
}
