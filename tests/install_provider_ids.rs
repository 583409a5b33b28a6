//! `install` checks the provider ids of `--providers-json` / `LLSD_PROVIDERS`
//! where they enter (issue #24 item 10): they become directory names under
//! `--sources` and `--metadata-dir`, so `../elsewhere/x` or an absolute id
//! would read trees and write files outside them. Refused before anything
//! is read or written, with a termination message naming the id.

use std::path::Path;
use std::process::Command;

fn install(dir: &Path, providers: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_llsd-providers"))
        .arg("install")
        .arg("--sources")
        .arg(dir.join("sources"))
        .arg("--target")
        .arg(dir.join("packages"))
        .arg("--metadata-dir")
        .arg(dir.join("in/metadata"))
        .arg("--installed-list")
        .arg(dir.join("installed.txt"))
        .arg("--termination-log")
        .arg(dir.join("termination-log"))
        .env("LLSD_PROVIDERS", providers)
        .env_remove("INIT_CONTAINER_NAME")
        .output()
        .unwrap()
}

#[test]
fn provider_ids_that_are_not_labels_are_refused_before_any_file_is_touched() {
    for id in [
        "../elsewhere/x",
        "/etc",
        "..",
        "a/b",
        "A",
        "a\u{1b}[2Jb",
        &"a".repeat(47),
    ] {
        let dir = tempfile::tempdir().unwrap();
        // a provider tree where the hostile id points, which must not be read
        let outside = dir.path().join("elsewhere/x/lls-provider");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("lls-provider-spec.yaml"), "CANARY").unwrap();
        let providers = serde_json::json!([{"providerId": id, "api": "inference"}]).to_string();
        let out = install(dir.path(), &providers);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{id:?}: {stderr}");
        assert!(
            stderr.contains(
                "ERROR: the provider list (--providers-json or LLSD_PROVIDERS) has an invalid providerId: '"
            ),
            "{id:?}: {stderr}"
        );
        assert!(!stderr.contains('\u{1b}'), "escaped: {stderr}");
        let message = std::fs::read_to_string(dir.path().join("termination-log")).unwrap();
        assert!(
            message.contains("has an invalid providerId") && message.contains("\"stepFailed\""),
            "{message}"
        );
        // nothing was written where the ids point, or anywhere else
        for written in ["in", "packages", "installed.txt", "metadata"] {
            assert!(!dir.path().join(written).exists(), "{id:?} wrote {written}");
        }
        assert!(!dir.path().join("elsewhere/x/crd-config.yaml").exists());
    }
}
