//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use llsd_providers::merge::ExternalProvider;
use serde_json::{Map, Value};

/// The shared fixtures (`../shared/fixtures` next to the checkout), or
/// `$LLSD_FIXTURES` when set.
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("LLSD_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"),
    }
}

/// The Python that has the test oracles installed: `$PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Fixture run.yamls and trap files, sorted.
pub fn bases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let traps = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/traps");
    for dir in [fixtures_dir().join("runyamls").as_path(), traps.as_path()] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().extension().is_some_and(|x| x == "yaml") {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

pub fn provider(id: &str, api: &str, config: Option<Map<String, Value>>) -> ExternalProvider {
    ExternalProvider {
        provider_id: id.to_string(),
        provider_type: format!("remote::{id}"),
        module: format!("ext_{}", id.replace('-', "_")),
        api: api.to_string(),
        config,
        image: format!("img/{id}"),
    }
}
