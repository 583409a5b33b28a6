//! The cluster as the kubectl plugin reads it: through the `kubectl` on
//! PATH (`$KUBECTL` overrides it), so that the user's kubeconfig, context
//! and RBAC apply unchanged. The arguments are the core's
//! (`operation::kubectl_args`, `ClusterRead::kubectl_get`), and so are the
//! words for a refusal (`operation::kubectl_error`).

use llsd_providers::operation::kubectl_error;
use std::process::Command;

/// What `kubectl ARGS…` printed, or the sentence saying why it failed.
pub fn kubectl(args: &[String]) -> Result<Vec<u8>, String> {
    let program = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".to_string());
    let out = Command::new(&program).args(args).output().map_err(|err| {
        if err.kind() == std::io::ErrorKind::NotFound {
            format!(
                "kubectl is not on PATH (looked for `{program}`). Fix: install kubectl, or set KUBECTL to its path."
            )
        } else {
            format!("cannot run `{program}`: {err}")
        }
    })?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(kubectl_error(args, &String::from_utf8_lossy(&out.stderr)))
    }
}
