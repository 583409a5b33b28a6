//! The injected Deployment's size bound (issue #14 item 7): etcd keeps
//! objects up to its `--max-request-bytes` (1.5 MiB by default; the API
//! server accepts requests up to 3 MiB), and the Deployment the policy
//! returns is stored whole, so a wiring that would not fit is refused with
//! a fix instead of failing later at the API server.

use super::options::{InjectOptions, InstallMode};
use crate::diagnostic::{Diagnostic, Input, InputDiagnostic};
use crate::limits::MAX_DEPLOYMENT_BYTES;
use serde_json::Value;

/// Counts the bytes written to it.
struct Count(usize);

impl std::io::Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The Deployment's size as compact JSON, without building the text.
pub fn json_bytes(deployment: &Value) -> usize {
    let mut count = Count(0);
    // Writing a JSON value to a counter cannot fail.
    let _ = serde_json::to_writer(&mut count, deployment);
    count.0
}

/// Refuses a wired Deployment over [`MAX_DEPLOYMENT_BYTES`], saying how
/// many providers made it that large and how to bring it down.
pub fn check(
    deployment: &Value,
    providers: usize,
    options: &InjectOptions,
) -> Result<(), InputDiagnostic> {
    let bytes = json_bytes(deployment);
    if bytes <= MAX_DEPLOYMENT_BYTES {
        return Ok(());
    }
    let (mode, fix) = match options.install_mode {
        InstallMode::InitContainers => (
            "initContainers",
            "list fewer external providers in this LLSD (split them over several distributions), \
             set installMode: imageVolume (one init container for all providers instead of one per provider), \
             or shorten the providers' config",
        ),
        InstallMode::ImageVolume => (
            "imageVolume",
            "list fewer external providers in this LLSD (split them over several distributions), \
             or shorten the providers' config (move long values into the run.yaml ConfigMap)",
        ),
    };
    Err(Input::Llsd.with(Diagnostic::error(
        "spec.server.externalProviders",
        format!(
            "wiring {providers} external providers (installMode {mode}) makes the Deployment {bytes} bytes, \
             over the {MAX_DEPLOYMENT_BYTES}-byte bound that keeps it within etcd's 1.5 MiB object limit \
             with room for the operator's fields and status"
        ),
        fix,
    )))
}
