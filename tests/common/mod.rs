//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use llsd_providers::merge::ExternalProvider;
use serde_json::{Map, Value};

/// Where the shared fixtures are: `$LLSD_FIXTURES`, else `../shared/fixtures`
/// next to the checkout.
fn fixtures_path() -> PathBuf {
    match std::env::var_os("LLSD_FIXTURES") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("../shared/fixtures"),
    }
}

/// The shared fixtures directory. Call [`have`] with
/// [`Prerequisite::SharedFixtures`] first; this asserts they are there.
pub fn fixtures_dir() -> PathBuf {
    let dir = fixtures_path();
    assert!(
        dir.is_dir(),
        "the shared fixtures are not at {}: keep this repository next to `shared/` \
         (fixtures in ../shared/fixtures) or set LLSD_FIXTURES to their directory",
        dir.display()
    );
    dir
}

/// Something a test layer needs from outside the repository. A plain
/// `cargo test` on a fresh clone runs every test that needs none of them
/// and names, for each one it skips, the make target that runs it;
/// `make test` sets `LLSD_TEST_ALL=1`, which turns a missing prerequisite
/// into a failure (CI never skips).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prerequisite {
    /// `../shared/fixtures` (or `$LLSD_FIXTURES`).
    SharedFixtures,
    /// The WASI command module built by `make wasm`.
    WasmModule,
    /// The `wasmtime` CLI (`make setup-wasmtime`).
    Wasmtime,
    /// A Python with PyYAML, the merge oracle (`make setup-python`).
    PyYaml,
}

impl Prerequisite {
    /// `Err(what is missing)` when the prerequisite is absent.
    fn check(self) -> Result<(), String> {
        let runs = |program: &str, args: &[&str]| {
            std::process::Command::new(program)
                .args(args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        };
        match self {
            Prerequisite::SharedFixtures => {
                let dir = fixtures_path();
                if dir.is_dir() {
                    Ok(())
                } else {
                    Err(format!("the shared fixtures ({})", dir.display()))
                }
            }
            Prerequisite::WasmModule => {
                let module = wasm_module();
                if module.is_file() {
                    Ok(())
                } else {
                    Err(format!("the WASI module ({})", module.display()))
                }
            }
            Prerequisite::Wasmtime => {
                if runs(&wasmtime(), &["--version"]) {
                    Ok(())
                } else {
                    Err(format!("the wasmtime CLI (`{}`)", wasmtime()))
                }
            }
            Prerequisite::PyYaml => {
                if runs(&python(), &["-c", "import yaml"]) {
                    Ok(())
                } else {
                    Err(format!("PyYAML in `{}` (set PYTHON)", python()))
                }
            }
        }
    }
}

/// Whether `test` can run: true when every prerequisite is present.
/// Otherwise it fails under `LLSD_TEST_ALL=1`, and elsewhere writes a
/// `skipped` line to the terminal (past the test harness's capture) and
/// returns false, so that the caller returns early.
pub fn have(test: &str, needs: &[Prerequisite]) -> bool {
    let missing: Vec<String> = needs.iter().filter_map(|n| n.check().err()).collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "{test}: skipped, it needs {}; `make test` sets everything up and runs it",
        missing.join(" and ")
    );
    assert!(
        std::env::var_os("LLSD_TEST_ALL").is_none(),
        "{message} (LLSD_TEST_ALL is set: nothing may be skipped)"
    );
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "note: {message}");
    false
}

/// The Python that has the test oracles installed: `$PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Fixture run.yamls (when the shared fixtures are there) and trap files, sorted.
pub fn bases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let traps = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("tests/data/traps");
    for dir in [fixtures_path().join("runyamls").as_path(), traps.as_path()] {
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
        None => Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
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
