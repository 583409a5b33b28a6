//! Every fixture run.yaml and every trap file, merged with several
//! provider sets, checked by PyYAML (`tests/python/merge_oracle.py`): same meaning as
//! the base plus exactly the expected provider changes, added values
//! exactly as their JSON, and no base line touched outside the regions
//! the rules allow.

use std::path::{Path, PathBuf};
use std::process::Command;

use llsd_providers::merge::{ExternalProvider, merge};
use serde_json::{Value, json};

mod common;

use common::{bases, python};

fn oracle() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/python/merge_oracle.py")
}

fn to_provider(v: &Value) -> ExternalProvider {
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    ExternalProvider {
        provider_id: s("provider_id"),
        provider_type: s("provider_type"),
        module: s("module"),
        api: s("api"),
        config: v.get("config").and_then(Value::as_object).cloned(),
        image: s("image"),
    }
}

#[test]
fn pyyaml_agrees_on_every_base_and_provider_set() {
    use common::Prerequisite::{PyYaml, SharedFixtures};
    if !common::have(
        "pyyaml_agrees_on_every_base_and_provider_set",
        &[PyYaml, SharedFixtures],
    ) {
        return;
    }
    let bases = bases();
    assert!(
        bases.len() >= 20,
        "expected fixtures and traps, found {}",
        bases.len()
    );
    let work = std::env::temp_dir().join(format!("runyaml-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let mut manifest = Vec::new();
    for (bi, base_path) in bases.iter().enumerate() {
        let base = std::fs::read_to_string(base_path).unwrap();
        let plan = Command::new(python())
            .arg(oracle())
            .arg("plan")
            .arg(base_path)
            .output()
            .unwrap();
        assert!(
            plan.status.success(),
            "plan failed for {}: {}",
            base_path.display(),
            String::from_utf8_lossy(&plan.stderr)
        );
        let sets: Vec<Vec<Value>> = serde_json::from_slice(&plan.stdout).unwrap();
        assert!(sets.len() >= 4);
        for (si, set) in sets.iter().enumerate() {
            let providers: Vec<ExternalProvider> = set.iter().map(to_provider).collect();
            let merged = merge(&base, &providers)
                .unwrap_or_else(|e| panic!("{} set {si}: {e}", base_path.display()));
            let again = merge(&merged.text, &providers).unwrap();
            assert_eq!(
                again.text,
                merged.text,
                "not idempotent: {} set {si}",
                base_path.display()
            );
            let out = work.join(format!("{bi}-{si}.yaml"));
            std::fs::write(&out, &merged.text).unwrap();
            manifest.push(json!({"base": base_path, "merged": out, "providers": set}));
        }
    }
    let manifest_path = work.join("manifest.json");
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let check = Command::new(python())
        .arg(oracle())
        .arg("check")
        .arg(&manifest_path)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&check.stdout);
    println!("{report}");
    assert!(
        check.status.success(),
        "PyYAML oracle failed:\n{report}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn rendered_documents_load_as_their_json() {
    if !common::have(
        "rendered_documents_load_as_their_json",
        &[common::Prerequisite::PyYaml],
    ) {
        return;
    }
    let plan = Command::new(python())
        .arg(oracle())
        .arg("plan")
        .arg(
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
                .join("tests/data/traps/comments.yaml"),
        )
        .output()
        .unwrap();
    let sets: Vec<Vec<Value>> = serde_json::from_slice(&plan.stdout).unwrap();
    let all: Vec<Value> = sets.last().cloned().unwrap_or_default();
    let all: Vec<Value> = sets
        .iter()
        .rev()
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or(all);
    let providers: Vec<ExternalProvider> = all.iter().map(to_provider).collect();
    let script = r#"
import json, sys, yaml
sys.path.insert(0, sys.argv[1])
from merge_oracle import entry
extra, minimal, ps = sys.stdin.read().split("\0")
ps = json.loads(ps)
sections = {}
for p in ps:
    sections.setdefault(p["api"], []).append(entry(p))
assert yaml.safe_load(extra) == {"apiVersion": "llamastack.io/v1alpha1", "kind": "ExternalProviders", "providers": sections}, yaml.safe_load(extra)
m = yaml.safe_load(minimal)
assert m == {"version": "2", "distro_name": "external-providers", "apis": list(sections), "providers": sections}, m
print("ok")
"#;
    let mut child = Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/python"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let input = format!(
        "{}\0{}\0{}",
        llsd_providers::merge::render_extra_providers(&providers),
        llsd_providers::merge::render_minimal_config(&providers),
        Value::Array(all.clone())
    );
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
