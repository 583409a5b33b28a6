//! docs/architecture.md is the code's map: every module of every crate has
//! a heading there, and every heading names a module that exists.

use std::collections::BTreeSet;
use std::path::Path;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The source directories of the workspace's crates.
const CRATE_SOURCES: &[&str] = &[
    "src",
    "crates/cli/src",
    "crates/controller/src",
    "crates/fs/src",
    "crates/policy/src",
    "crates/web/src",
];

/// Files that are not modules of their own: crate roots and test files.
const NOT_MODULES: &[&str] = &["lib.rs", "main.rs", "tests.rs", "testing.rs"];

/// `src/inject/` and `src/inject.rs` are the module `src/inject`.
fn module_of(path: &str) -> String {
    path.trim_end_matches('/')
        .trim_end_matches(".rs")
        .to_string()
}

/// The top-level modules of each crate: its `.rs` files and module directories.
fn modules_in_tree() -> BTreeSet<String> {
    let mut modules = BTreeSet::new();
    for source in CRATE_SOURCES {
        let dir = Path::new(ROOT).join(source);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_module_dir = entry.path().is_dir();
            let is_module_file = name.ends_with(".rs") && !NOT_MODULES.contains(&name.as_str());
            if is_module_dir || is_module_file {
                modules.insert(module_of(&format!("{source}/{name}")));
            }
        }
    }
    modules
}

/// Every module a `### ` heading of the map names: backticked paths, the
/// first one full, the others on the same heading relative to its directory
/// (`` `crates/fs/src/input.rs`, `output.rs` ``).
fn modules_in_map(text: &str) -> Vec<String> {
    let mut modules = Vec::new();
    for heading in text.lines().filter_map(|l| l.strip_prefix("### ")) {
        let paths: Vec<&str> = heading.split('`').skip(1).step_by(2).collect();
        let Some(first) = paths.first() else { continue };
        let dir = first.rsplit_once('/').map_or("", |(dir, _)| dir);
        for path in &paths {
            let full = if path.contains('/') && path.starts_with(first.split('/').next().unwrap()) {
                path.to_string()
            } else {
                format!("{dir}/{path}")
            };
            modules.push(module_of(&full));
        }
    }
    modules
}

#[test]
fn the_map_names_every_module_and_only_modules() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("docs/architecture.md")).unwrap();
    let mapped = modules_in_map(&text);
    let tree = modules_in_tree();
    let known: BTreeSet<String> = mapped
        .iter()
        .filter(|m| !m.ends_with("/lib") && !m.ends_with("/main"))
        .cloned()
        .collect();
    let missing: Vec<&String> = tree.difference(&known).collect();
    let stale: Vec<&String> = known.difference(&tree).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/architecture.md is out of step with the code:\n  modules without a heading: {missing:?}\n  headings naming no module: {stale:?}\nAdd a `### ` heading for each new module (what it owns, its invariants), remove the ones for modules that are gone."
    );
}

#[test]
fn headings_are_read_as_paths() {
    assert_eq!(
        modules_in_map("### `crates/fs/src/input.rs`, `output.rs`\n### `src/inject/`\n"),
        ["crates/fs/src/input", "crates/fs/src/output", "src/inject"]
    );
}
