//! Each check of [`super::check_tree`] on a good tree with one thing broken.

use super::testing::{SPEC, good_tree, wheel};
use super::*;
use crate::diagnostic::Severity;

const MAIN: &str = "/lls-provider/packages/acme_provider-1.0.0-py3-none-any.whl";
const HELPER: &str = "/lls-provider/packages/helper-2.0-py3-none-any.whl";
const SPEC_FILE: &str = "/lls-provider/lls-provider-spec.yaml";

fn py(v: &str) -> Target {
    Target {
        python: Some(TargetPython::parse(v).unwrap()),
        ..Target::default()
    }
}

fn errors(report: &ImageReport) -> Vec<(String, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.is_error())
        .map(|f| (f.file.clone(), f.diagnostic.problem.clone()))
        .collect()
}

#[test]
fn a_good_image_passes_with_the_server_requirement_noted() {
    let report = check_tree("img", &good_tree(), &py("3.12"));
    assert!(report.valid, "{}", report.render_text());
    assert_eq!(
        report.count(Severity::Warning),
        1,
        "{}",
        report.render_text()
    );
    let warning = &report.findings[0];
    assert_eq!(warning.file, MAIN);
    assert_eq!(
        warning.diagnostic.problem,
        "requires llama-stack>=0.2, which only llama-stack servers have: on ogx servers the install step refuses the provider"
    );
    assert!(
        warning
            .diagnostic
            .fix
            .contains("import ogx_api with a fallback to llama_stack_api"),
        "{}",
        warning.diagnostic.fix
    );
    assert!(check_tree("img", &good_tree(), &Target::default()).valid);
}

#[test]
fn a_missing_spec_is_reported_with_where_to_copy_it() {
    let mut tree = good_tree();
    tree.remove_all(SPEC_FILE);
    let report = check_tree("img", &tree, &Target::default());
    assert_eq!(
        errors(&report),
        [(SPEC_FILE.to_string(), "is missing".to_string())]
    );
    let mut tree = Tree::default();
    tree.insert("/etc/passwd", Entry::file("", 0o644, 0, 0));
    let report = check_tree("img", &tree, &Target::default());
    assert!(
        report.findings[0]
            .diagnostic
            .fix
            .contains("no /lls-provider directory")
    );
}

#[test]
fn spec_violations_carry_field_and_line() {
    let mut tree = good_tree();
    let bad = SPEC.replace("api: inference", "api: infrence");
    tree.insert(SPEC_FILE, Entry::file(bad, 0o644, 0, 0));
    let report = check_tree("img", &tree, &Target::default());
    let f = &report.findings[0];
    assert_eq!(f.file, SPEC_FILE);
    assert_eq!(Some(f.diagnostic.path.as_str()), Some("spec.api"));
    assert_eq!(f.diagnostic.location.map(|l| l.line), Some(7));
    let text = report.render_text();
    assert!(
        text.starts_with(
            "ERROR /lls-provider/lls-provider-spec.yaml spec.api (line 7, column 3): "
        ),
        "{text}"
    );
    let mut tree = good_tree();
    tree.insert(
        SPEC_FILE,
        Entry::file("kind: LlamaStackDistribution\napiVersion: x\n", 0o644, 0, 0),
    );
    assert!(!check_tree("img", &tree, &Target::default()).valid);
}

#[test]
fn declared_wheels_must_exist_and_shipped_ones_be_declared() {
    let mut tree = good_tree();
    tree.remove_all(MAIN);
    let report = check_tree("img", &tree, &Target::default());
    assert_eq!(
        errors(&report),
        [(
            MAIN.to_string(),
            "is missing, yet the spec's spec.wheelPath names it".to_string()
        )]
    );
    assert!(
        report.findings[0]
            .diagnostic
            .fix
            .contains("the wheels shipped: packages/helper-2.0-py3-none-any.whl")
    );
    let mut tree = good_tree();
    let stray = "/lls-provider/packages/stray-1.0-py3-none-any.whl";
    tree.insert(
        stray,
        Entry::file(wheel("stray", "1.0", &["stray.py"], &[]), 0o644, 0, 0),
    );
    let report = check_tree("img", &tree, &Target::default());
    assert_eq!(
        errors(&report),
        [(stray.to_string(), "is not listed in lls-provider-spec.yaml, yet the install step installs every wheel in packages/".to_string())]
    );
}

#[test]
fn the_module_must_be_in_the_main_wheel() {
    let mut tree = good_tree();
    let w = wheel(
        "acme-provider",
        "1.0.0",
        &["other/__init__.py"],
        &["helper>=2"],
    );
    tree.insert(MAIN, Entry::file(w, 0o644, 0, 0));
    let report = check_tree("img", &tree, &Target::default());
    assert_eq!(
        errors(&report),
        [(MAIN.to_string(), "does not contain the module 'acme_provider' that spec.packageName names (no acme_provider/__init__.py or acme_provider.py); its top-level modules: other".to_string())]
    );
}

/// Issue #24 item 8: metadata that lies about the wheel is refused, as the
/// install step refuses it.
#[test]
fn a_wheel_describes_itself_only() {
    let mut tree = good_tree();
    let mut foreign = wheel(
        "acme-provider",
        "1.0.0",
        &["acme_provider/__init__.py", "PyYAML-1.0.dist-info/METADATA"],
        &[],
    );
    tree.insert(MAIN, Entry::file(foreign.clone(), 0o644, 0, 0));
    let report = check_tree("img", &tree, &Target::default());
    assert_eq!(
        errors(&report),
        [(MAIN.to_string(), "carries the metadata of 2 distributions (PyYAML-1.0.dist-info, acme_provider-1.0.0.dist-info); a wheel holds its own only".to_string())]
    );
    foreign = wheel("pyyaml", "1.0.0", &["acme_provider/__init__.py"], &[]);
    tree.insert(MAIN, Entry::file(foreign, 0o644, 0, 0));
    let report = check_tree("img", &tree, &Target::default());
    assert_eq!(
        errors(&report),
        [(MAIN.to_string(), "is not a readable wheel: pyyaml-1.0.0.dist-info/METADATA: its METADATA describes pyyaml 1.0.0, but its file name acme-provider 1.0.0; pip refuses such a wheel".to_string())]
    );
}

fn link(target: &str) -> Entry {
    Entry {
        kind: Kind::Symlink(target.to_string()),
        mode: 0o777,
        uid: 0,
        gid: 0,
    }
}

/// Issue #24 item 11: links are named as links (a symlinked /lls-provider
/// was "missing", a spec linked inside the image "empty", a loop
/// "missing"), since the install step follows none.
#[test]
fn links_in_the_provider_tree_are_named_as_links() {
    // /lls-provider itself a link to a valid tree elsewhere in the image
    let mut tree = Tree::default();
    for (path, entry) in good_tree().under("/") {
        let moved = path.replacen("/lls-provider", "/opt/provider", 1);
        tree.insert(&moved, entry.clone());
    }
    tree.insert("/lls-provider", link("/opt/provider"));
    let report = check_tree("img", &tree, &Target::default());
    assert_eq!(
        errors(&report),
        [("/lls-provider".to_string(), "is a symbolic link to /opt/provider; the install step follows no link in /lls-provider".to_string())]
    );
    // /lls-provider a file: one finding, never a valid image
    let mut tree = good_tree();
    tree.remove_all("/lls-provider");
    tree.insert("/lls-provider", Entry::file("x", 0o644, 0, 0));
    let report = check_tree("img", &tree, &Target::default());
    assert!(!report.valid);
    assert_eq!(
        errors(&report),
        [(
            "/lls-provider".to_string(),
            "is a file; the install step reads the directory /lls-provider".to_string()
        )]
    );
    // the spec a link inside the image, and a loop
    let mut tree = good_tree();
    tree.insert("/etc/spec.yaml", Entry::file(SPEC, 0o644, 0, 0));
    tree.insert(
        "/lls-provider/lls-provider-spec.yaml",
        link("/etc/spec.yaml"),
    );
    tree.insert("/lls-provider/loop", link("/lls-provider/loop"));
    let report = check_tree("img", &tree, &Target::default());
    let found = errors(&report);
    assert!(
        found.contains(&("/lls-provider/lls-provider-spec.yaml".to_string(), "is a symbolic link to /etc/spec.yaml; the install step follows no link in /lls-provider".to_string())),
        "{found:?}"
    );
    assert!(
        found.contains(&("/lls-provider/loop".to_string(), "is a symbolic link to /lls-provider/loop; the install step follows no link in /lls-provider".to_string())),
        "{found:?}"
    );
    assert!(
        !found
            .iter()
            .any(|(_, m)| m == "is missing" || m == "is empty"),
        "{found:?}"
    );
}

/// The good tree with its helper wheel tagged `tag` instead of
/// py3-none-any (the spec names it), and the wheel's path.
fn helper_tagged(tag: &str) -> (Tree, String) {
    let mut tree = good_tree();
    let file = format!("helper-2.0-{tag}.whl");
    let name = format!("/lls-provider/packages/{file}");
    tree.remove_all(HELPER);
    tree.insert(
        &name,
        Entry::file(wheel("helper", "2.0", &["helper.py"], &[]), 0o644, 0, 0),
    );
    let spec = SPEC.replace("helper-2.0-py3-none-any.whl", &file);
    tree.insert(SPEC_FILE, Entry::file(spec, 0o644, 0, 0));
    (tree, name)
}

#[test]
fn tags_must_fit_the_python() {
    let (tree, name) = helper_tagged("cp311-cp311-manylinux_2_17_x86_64");
    assert!(check_tree("img", &tree, &py("3.11")).valid);
    assert!(check_tree("img", &tree, &Target::default()).valid);
    let report = check_tree("img", &tree, &py("3.12"));
    assert_eq!(
        errors(&report),
        [(name.clone(), "is tagged cp311-cp311-manylinux_2_17_x86_64, which CPython 3.12 on linux x86_64 does not install".to_string())]
    );
}

#[test]
fn tags_must_fit_the_platform() {
    let (tree, name) = helper_tagged("cp312-cp312-manylinux_2_17_aarch64");
    let arm = |python: Option<&str>| Target {
        platform: Platform::LinuxArm64,
        python: python.map(|v| TargetPython::parse(v).unwrap()),
    };
    assert!(check_tree("img", &tree, &arm(None)).valid);
    let report = check_tree("img", &tree, &arm(Some("3.12")));
    assert!(report.valid, "{}", report.render_text());
    assert_eq!(report.platform, "linux/arm64");
    let report = check_tree("img", &tree, &Target::default());
    assert_eq!(report.platform, "linux/amd64");
    assert_eq!(
        errors(&report),
        [(
            name.clone(),
            "is tagged cp312-cp312-manylinux_2_17_aarch64, for a platform other than linux x86_64"
                .to_string()
        )]
    );
    let report = check_tree("img", &tree, &py("3.12"));
    assert_eq!(
        errors(&report),
        [(name, "is tagged cp312-cp312-manylinux_2_17_aarch64, which CPython 3.12 on linux x86_64 does not install".to_string())]
    );
}

#[test]
fn requirements_met_by_a_wrong_version_are_errors() {
    let mut tree = good_tree();
    let w = wheel(
        "acme-provider",
        "1.0.0",
        &["acme_provider/__init__.py"],
        &["helper>=3"],
    );
    tree.insert(MAIN, Entry::file(w, 0o644, 0, 0));
    let report = check_tree("img", &tree, &Target::default());
    assert_eq!(
        errors(&report),
        [(
            HELPER.to_string(),
            "is version 2.0, but acme-provider 1.0.0 requires helper>=3".to_string()
        )]
    );
}

#[test]
fn files_unreadable_by_a_non_root_uid_are_errors() {
    let mut tree = good_tree();
    let data = tree.get(HELPER).unwrap().data().unwrap().to_vec();
    tree.insert(HELPER, Entry::file(data, 0o600, 0, 0));
    let report = check_tree("img", &tree, &Target::default());
    let errors = errors(&report);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, HELPER);
    assert!(errors[0].1.starts_with("has mode 0600 and is owned by 0:0"));
}

#[test]
fn archives_are_read_and_checked() {
    use super::testing::{archive, gzip, layer};
    let bytes = archive(&[gzip(&layer(&good_tree(), &[]))]);
    let report = check_archive("img.tar", &bytes, &py("3.12"));
    assert!(report.valid, "{}", report.render_text());
    let report = check_archive("img.tar", b"not a tar at all", &Target::default());
    assert!(!report.valid);
    assert_eq!(report.findings[0].file, "");
}
