//! `llsd-providers check-image` on real OCI archives built here (tar,
//! gzip, zip wheels): a good image passes; each broken one is rejected with
//! its precise message and exit 1, natively and as the WASI module under
//! `wasmtime run`. The OCI layout directory and the unpacked root directory
//! are read natively (the root directory's modes and owners from the file
//! system).

mod common;

use common::{Prerequisite, Run, have, run_cli};
use std::path::Path;
use std::process::Command;

use llsd_providers::image_check::testing::{
    SPEC, archive, good_tree, gzip, index_archive, layer, wheel,
};
use llsd_providers::image_check::{Entry, Tree};

const MAIN: &str = "/lls-provider/packages/acme_provider-1.0.0-py3-none-any.whl";
const HELPER: &str = "/lls-provider/packages/helper-2.0-py3-none-any.whl";
const SPEC_FILE: &str = "/lls-provider/lls-provider-spec.yaml";

/// The broken images: name, tree, extra arguments, the message expected.
fn cases() -> Vec<(&'static str, Tree, Vec<&'static str>, &'static str)> {
    let mut cases = Vec::new();
    let mut t = good_tree();
    t.remove_all(SPEC_FILE);
    cases.push((
        "missing-spec",
        t,
        vec![],
        "ERROR /lls-provider/lls-provider-spec.yaml: is missing\n",
    ));
    let mut t = good_tree();
    t.remove_all(MAIN);
    cases.push((
        "no-main-wheel",
        t,
        vec![],
        "ERROR /lls-provider/packages/acme_provider-1.0.0-py3-none-any.whl: is missing, yet the spec's spec.wheelPath names it\n",
    ));
    let mut t = good_tree();
    t.insert(
        "/lls-provider/packages/stray-1.0-py3-none-any.whl",
        Entry::file(wheel("stray", "1.0", &["stray.py"], &[]), 0o644, 0, 0),
    );
    cases.push((
        "stray-wheel",
        t,
        vec![],
        "ERROR /lls-provider/packages/stray-1.0-py3-none-any.whl: is not listed in lls-provider-spec.yaml, yet the install step installs every wheel in packages/\n",
    ));
    let mut t = good_tree();
    t.insert(
        MAIN,
        Entry::file(
            wheel(
                "acme-provider",
                "1.0.0",
                &["acme/__init__.py"],
                &["helper>=2"],
            ),
            0o644,
            0,
            0,
        ),
    );
    cases.push((
        "module-not-in-wheel",
        t,
        vec![],
        "ERROR /lls-provider/packages/acme_provider-1.0.0-py3-none-any.whl: does not contain the module 'acme_provider' that spec.packageName names (no acme_provider/__init__.py or acme_provider.py); its top-level modules: acme\n",
    ));
    let mut t = good_tree();
    let tagged = "/lls-provider/packages/helper-2.0-cp311-cp311-manylinux_2_17_x86_64.whl";
    t.remove_all(HELPER);
    t.insert(
        tagged,
        Entry::file(wheel("helper", "2.0", &["helper.py"], &[]), 0o644, 0, 0),
    );
    let spec = SPEC.replace(
        "helper-2.0-py3-none-any.whl",
        "helper-2.0-cp311-cp311-manylinux_2_17_x86_64.whl",
    );
    t.insert(SPEC_FILE, Entry::file(spec, 0o644, 0, 0));
    cases.push((
        "wrong-tag",
        t,
        vec!["--python", "3.12"],
        "ERROR /lls-provider/packages/helper-2.0-cp311-cp311-manylinux_2_17_x86_64.whl: is tagged cp311-cp311-manylinux_2_17_x86_64, which CPython 3.12 on linux x86_64 does not install\n",
    ));
    let mut t = good_tree();
    t.insert("/lls-provider/token", Entry::file("secret", 0o600, 0, 0));
    cases.push((
        "root-only-file",
        t,
        vec![],
        "ERROR /lls-provider/token: has mode 0600 and is owned by 0:0, so a non-root UID that does not own it (the install step runs as an arbitrary UID, such as 1001) cannot read it\n",
    ));
    let mut t = good_tree();
    t.insert(
        MAIN,
        Entry::file(
            wheel(
                "acme-provider",
                "1.0.0",
                &["acme_provider/__init__.py"],
                &["helper>=3"],
            ),
            0o644,
            0,
            0,
        ),
    );
    cases.push((
        "unmet-requirement",
        t,
        vec![],
        "ERROR /lls-provider/packages/helper-2.0-py3-none-any.whl: is version 2.0, but acme-provider 1.0.0 requires helper>=3\n",
    ));
    cases
}

fn write_archives(dir: &Path) {
    std::fs::write(
        dir.join("good.oci.tar"),
        archive(&[gzip(&layer(&good_tree(), &[]))]),
    )
    .unwrap();
    for (name, tree, _, _) in cases() {
        // Two layers: the base without the provider, the provider on top
        // (uncompressed), so that layer order is exercised too.
        std::fs::write(
            dir.join(format!("{name}.oci.tar")),
            archive(&[gzip(&layer(&Tree::default(), &[])), layer(&tree, &[])]),
        )
        .unwrap();
    }
}

fn text(run: &Run) -> String {
    String::from_utf8_lossy(&run.stdout).into_owned()
}

fn check_all(wasm: bool) {
    let dir = tempfile::tempdir().unwrap();
    write_archives(dir.path());
    let good = run_cli(
        wasm,
        dir.path(),
        &["check-image", "good.oci.tar", "--python", "3.12"],
    );
    assert_eq!(good.code, Some(0), "{}", text(&good));
    assert!(
        text(&good).ends_with(
            "good.oci.tar: passes the provider image contract; 0 error(s), 1 warning(s)\n"
        ),
        "{}",
        text(&good)
    );
    assert!(text(&good).contains(
        "WARNING /lls-provider/packages/acme_provider-1.0.0-py3-none-any.whl: requires llama-stack>=0.2, which only llama-stack servers have: on ogx servers the install step refuses the provider\n"
    ));
    for (name, _, args, expected) in cases() {
        let file = format!("{name}.oci.tar");
        let mut argv = vec!["check-image", file.as_str()];
        argv.extend(args.iter().copied());
        let run = run_cli(wasm, dir.path(), &argv);
        assert_eq!(run.code, Some(1), "{name} (wasm={wasm}): {}", text(&run));
        let out = text(&run);
        assert!(
            out.contains(expected),
            "{name} (wasm={wasm}): expected {expected:?} in\n{out}"
        );
        assert_eq!(
            out.matches("ERROR ").count(),
            1,
            "{name}: exactly one error\n{out}"
        );
        assert!(
            out.contains("  fix: "),
            "{name}: every finding has a fix\n{out}"
        );
        argv.extend(["--output", "json"]);
        let json: serde_json::Value =
            serde_json::from_slice(&run_cli(wasm, dir.path(), &argv).stdout).unwrap();
        assert_eq!(json["valid"], false);
    }
    let missing = run_cli(wasm, dir.path(), &["check-image", "nothing-here.tar"]);
    assert_eq!(missing.code, Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .starts_with("ERROR: cannot read nothing-here.tar: ")
    );
    let bad_python = run_cli(
        wasm,
        dir.path(),
        &["check-image", "good.oci.tar", "--python", "2.7"],
    );
    assert_eq!(bad_python.code, Some(2));
    assert!(
        String::from_utf8_lossy(&bad_python.stderr)
            .contains("--python '2.7' is not a CPython 3 version such as 3.12")
    );
}

/// An image index (`buildah manifest push --all`): `--platform` picks the
/// image and the wheel platform tags that fit; a platform the index lacks is
/// named with what it has.
fn check_platforms(wasm: bool) {
    let dir = tempfile::tempdir().unwrap();
    let mut arm = good_tree();
    let native = "/lls-provider/packages/helper-2.0-cp312-cp312-manylinux_2_28_aarch64.whl";
    arm.remove_all(HELPER);
    arm.insert(
        native,
        Entry::file(wheel("helper", "2.0", &["helper.py"], &[]), 0o644, 0, 0),
    );
    let spec = SPEC.replace(
        "helper-2.0-py3-none-any.whl",
        &native["/lls-provider/packages/".len()..],
    );
    arm.insert(SPEC_FILE, Entry::file(spec, 0o644, 0, 0));
    let both = index_archive(&[
        ("amd64", vec![gzip(&layer(&good_tree(), &[]))]),
        ("arm64", vec![gzip(&layer(&arm, &[]))]),
    ]);
    std::fs::write(dir.path().join("both.oci.tar"), both).unwrap();
    let amd_only = index_archive(&[("amd64", vec![gzip(&layer(&good_tree(), &[]))])]);
    std::fs::write(dir.path().join("amd64.oci.tar"), amd_only).unwrap();
    for (args, code, expected) in [
        (vec!["both.oci.tar"], 0, "\"platform\": \"linux/amd64\""),
        (
            vec![
                "both.oci.tar",
                "--platform",
                "linux/arm64",
                "--python",
                "3.12",
            ],
            0,
            "\"platform\": \"linux/arm64\"",
        ),
        (
            vec!["amd64.oci.tar", "--platform", "linux/arm64"],
            1,
            " has no linux/arm64 image: it lists linux/amd64",
        ),
    ] {
        let mut argv = vec!["check-image", "--output", "json"];
        argv.extend(args.iter().copied());
        let run = run_cli(wasm, dir.path(), &argv);
        assert_eq!(
            run.code,
            Some(code),
            "{args:?} (wasm={wasm}): {}",
            text(&run)
        );
        assert!(
            text(&run).contains(expected),
            "{args:?} (wasm={wasm}): {}",
            text(&run)
        );
    }
    let bad = run_cli(
        wasm,
        dir.path(),
        &["check-image", "both.oci.tar", "--platform", "linux/s390x"],
    );
    assert_eq!(bad.code, Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains(
            "--platform 'linux/s390x' is not a platform Llama Stack servers run on: use linux/amd64 or linux/arm64"
        ),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn archives_natively() {
    check_all(false);
    check_platforms(false);
}

#[test]
fn archives_under_wasmtime() {
    if !have(
        "check_image_cli::archives_under_wasmtime",
        &[Prerequisite::WasmModule, Prerequisite::Wasmtime],
    ) {
        return;
    }
    check_all(true);
    check_platforms(true);
}

/// A temporary directory holding `layout/`, the good image as an OCI
/// layout directory (the archive unpacked).
fn good_layout() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout");
    std::fs::create_dir(&layout).unwrap();
    let bytes = archive(&[gzip(&layer(&good_tree(), &[]))]);
    tar::Archive::new(bytes.as_slice()).unpack(&layout).unwrap();
    (dir, layout)
}

/// An OCI layout directory: the archive unpacked.
#[test]
fn layout_directories() {
    let (dir, layout) = good_layout();
    let run = run_cli(
        false,
        dir.path(),
        &["check-image", "layout", "--output", "json"],
    );
    assert_eq!(run.code, Some(0), "{}", text(&run));
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(json["valid"], true);
    std::fs::remove_file(layout.join("index.json")).unwrap();
    let run = run_cli(false, dir.path(), &["check-image", "layout"]);
    assert_eq!(run.code, Some(1));
    assert!(
        text(&run).contains("ERROR layout: is not an OCI image: it has no index.json\n"),
        "{}",
        text(&run)
    );
}

/// Issue #24 item 11: a layout file that is a link or a FIFO is named as
/// such, at once — a FIFO index.json hung, a blob linked to /dev/zero read
/// 1 GiB and was then called missing.
#[test]
fn layout_files_that_are_links_or_fifos_are_named_as_such() {
    let (dir, layout) = good_layout();
    std::fs::remove_file(layout.join("index.json")).unwrap();
    let fifo = Command::new("mkfifo")
        .arg(layout.join("index.json"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let started = std::time::Instant::now();
    let run = run_cli(false, dir.path(), &["check-image", "layout"]);
    assert_eq!(run.code, Some(1), "{}", text(&run));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(
        text(&run).contains(
            "ERROR layout: cannot read index.json: it is not a regular file but a FIFO, socket or device; image tools write an OCI layout as regular files"
        ),
        "{}",
        text(&run)
    );
    std::fs::remove_file(layout.join("index.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", layout.join("index.json")).unwrap();
    let run = run_cli(false, dir.path(), &["check-image", "layout"]);
    assert!(
        text(&run).contains("ERROR layout: cannot read index.json: it is a symbolic link;"),
        "{}",
        text(&run)
    );
}

/// An unpacked root directory: modes from the file system.
#[test]
fn root_directories() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    let tree = good_tree();
    for (path, entry) in tree.under("/") {
        let target = root.join(path.trim_start_matches('/'));
        match entry.data() {
            Some(data) => std::fs::write(&target, data).unwrap(),
            None => std::fs::create_dir_all(&target).unwrap(),
        }
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(entry.mode)).unwrap();
    }
    let run = run_cli(
        false,
        dir.path(),
        &["check-image", "rootfs", "--python", "3.12"],
    );
    assert_eq!(run.code, Some(0), "{}", text(&run));
    let wheel = root.join(HELPER.trim_start_matches('/'));
    std::fs::set_permissions(&wheel, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = run_cli(false, dir.path(), &["check-image", "rootfs"]);
    assert_eq!(run.code, Some(1));
    assert!(
        text(&run).contains("ERROR /lls-provider/packages/helper-2.0-py3-none-any.whl: has mode 0600 and is owned by "),
        "{}",
        text(&run)
    );
}
