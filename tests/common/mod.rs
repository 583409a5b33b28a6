//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use llsd_providers::merge::ExternalProvider;
use serde_json::{Map, Value};

/// The shared fixtures (`../shared/fixtures` next to the checkout), or
/// `$LLSD_FIXTURES` when set.
pub fn fixtures_dir() -> PathBuf {
    let dir = match std::env::var_os("LLSD_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"),
    };
    assert!(
        dir.is_dir(),
        "the shared fixtures are not at {}: keep this repository next to `shared/` \
         (fixtures in ../shared/fixtures) or set LLSD_FIXTURES to their directory",
        dir.display()
    );
    dir
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

/// Where the WASI command module is built (`make wasm`), or `$LLSD_WASM`.
pub fn wasm_module() -> PathBuf {
    match std::env::var_os("LLSD_WASM") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/wasm32-wasip1/release/llsd-providers.wasm"),
    }
}

/// The `wasmtime` CLI: `$WASMTIME`, else `wasmtime` on PATH.
pub fn wasmtime() -> String {
    std::env::var("WASMTIME").unwrap_or_else(|_| "wasmtime".to_string())
}

/// One run of the CLI: exit code, stdout, stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `llsd-providers ARGS` in `dir`, natively or as the WASI module
/// under `wasmtime run` with `dir` preopened as the guest's `.`, so both
/// see the same relative paths.
pub fn run_cli(wasm: bool, dir: &Path, args: &[&str]) -> Run {
    let mut command = if wasm {
        let module = wasm_module();
        assert!(
            module.exists(),
            "{} is missing: build it with `make wasm`",
            module.display()
        );
        let mut c = std::process::Command::new(wasmtime());
        c.arg("run")
            .arg("--dir")
            .arg(format!("{}::.", dir.display()))
            .arg(module);
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_llsd-providers"))
    };
    let out = command
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|err| panic!("cannot run (wasm={wasm}): {err}"));
    Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}
