//! What `install` reads before it resolves anything, built from hostile
//! inputs (issue #24):
//!
//! - item 10: the provider ids of `--providers-json` / `LLSD_PROVIDERS`
//!   become directory names under `--sources` and `--metadata-dir`, so
//!   `../elsewhere/x` or an absolute id would read trees and write files
//!   outside them: refused where they enter;
//! - item 5: a provider tree (in imageVolume mode, the image itself) is read
//!   as the merge reads its metadata directory — regular files and real
//!   directories only: a symbolic link is not followed into the server's
//!   files, a FIFO does not hang the step.
//!
//! Each refusal comes before anything is written, as a termination message.

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

/// `install` on one provider `p` whose tree `build` makes under `sources/p`.
fn install_tree(build: impl FnOnce(&Path)) -> (std::process::Output, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("sources/p/lls-provider");
    std::fs::create_dir_all(tree.parent().unwrap()).unwrap();
    build(&tree);
    let providers =
        serde_json::json!([{"providerId": "p", "api": "inference", "image": "r.io/p:1"}])
            .to_string();
    let out = install(dir.path(), &providers);
    let message = std::fs::read_to_string(dir.path().join("termination-log")).unwrap_or_default();
    (out, message, dir)
}

/// Makes a provider tree at the path it is given.
type BuildTree = Box<dyn FnOnce(&Path)>;

fn mkfifo(path: &Path) {
    let done = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(done.success());
}

#[test]
fn provider_trees_hold_regular_files_and_directories_only() {
    let secret = tempfile::tempdir().unwrap();
    std::fs::write(
        secret.path().join("config.yaml"),
        "api_key: SECRET-KEY-NAME\n",
    )
    .unwrap();
    let secret_dir = secret.path().to_path_buf();
    let cases: Vec<(&str, BuildTree, &str)> = vec![
        (
            "the tree a link to elsewhere",
            Box::new(move |tree: &Path| std::os::unix::fs::symlink(&secret_dir, tree).unwrap()),
            "/lls-provider: it is a symbolic link",
        ),
        (
            "the spec a link to the server's files",
            Box::new({
                let target = secret.path().join("config.yaml");
                move |tree: &Path| {
                    std::fs::create_dir_all(tree).unwrap();
                    std::os::unix::fs::symlink(&target, tree.join("lls-provider-spec.yaml"))
                        .unwrap()
                }
            }),
            "/lls-provider/lls-provider-spec.yaml: it is a symbolic link",
        ),
        (
            "the spec a FIFO",
            Box::new(|tree: &Path| {
                std::fs::create_dir_all(tree).unwrap();
                mkfifo(&tree.join("lls-provider-spec.yaml"));
            }),
            "/lls-provider/lls-provider-spec.yaml: it is not a regular file but a FIFO, socket or device",
        ),
        (
            "a wheel a FIFO",
            Box::new(|tree: &Path| {
                std::fs::create_dir_all(tree.join("packages")).unwrap();
                std::fs::write(tree.join("lls-provider-spec.yaml"), "x: 1\n").unwrap();
                mkfifo(&tree.join("packages/p-1.0-py3-none-any.whl"));
            }),
            "/lls-provider/packages/p-1.0-py3-none-any.whl: it is not a regular file but a FIFO",
        ),
        (
            "the packages a link",
            Box::new(|tree: &Path| {
                std::fs::create_dir_all(tree).unwrap();
                std::fs::write(tree.join("lls-provider-spec.yaml"), "x: 1\n").unwrap();
                std::os::unix::fs::symlink("/usr/lib", tree.join("packages")).unwrap();
            }),
            "/lls-provider/packages: it is a symbolic link",
        ),
    ];
    for (case, build, expected) in cases {
        let started = std::time::Instant::now();
        let (out, message, _dir) = install_tree(build);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{case}: {stderr}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{case}: took {:?}",
            started.elapsed()
        );
        assert!(
            message.contains(&format!("In image r.io/p:1: cannot read {expected}")),
            "{case}: {message}"
        );
        assert!(message.contains("\"installFailed\""), "{case}: {message}");
        assert!(
            !message.contains("SECRET-KEY-NAME") && !stderr.contains("SECRET-KEY-NAME"),
            "{case}"
        );
    }
}
