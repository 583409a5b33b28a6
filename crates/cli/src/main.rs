//! The `llsd-providers` command (native and WASI) and the kubectl plugin: a
//! host over the core library that parses arguments, reads and writes files,
//! calls one core operation per command and renders its answer.
//!
//! Exit codes: 0 success, 1 the input has problems (violations, merge
//! errors), 2 usage errors or unreadable input.

mod answer;
mod check_image_cmd;
mod crd_cmd;
mod inject_cmd;
#[cfg(not(target_arch = "wasm32"))]
mod install_cmd;
#[cfg(not(target_arch = "wasm32"))]
mod kubectl_cmd;
mod merge_cmd;
mod status_cmd;
mod validate_cmd;

use answer::{OutputFormat, usage_error};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Deploy-time external providers for Llama Stack on Kubernetes.
#[derive(Debug, Parser)]
#[command(name = "llsd-providers", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate LlamaStackDistributions and provider metadata (lls-provider-spec.yaml), by kind.
    Validate {
        /// Files to validate; `-` reads standard input. Multi-document YAML is accepted.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Report format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        output: OutputFormat,
    },
    /// Print the operator's Deployment wired for the LLSD's external providers.
    Inject(inject_cmd::InjectArgs),
    /// Merge external providers into a run.yaml (what the merge-config init container runs).
    Merge(merge_cmd::MergeArgs),
    /// Install the providers' wheels with one resolution against the server's packages, then merge (native only).
    #[cfg(not(target_arch = "wasm32"))]
    Install(Box<install_cmd::InstallArgs>),
    /// Diagnose external providers from a pod: phase and an actionable message per provider.
    Status(status_cmd::StatusArgs),
    /// Check a provider image (OCI archive, OCI layout or root directory) against the contract before pushing it.
    CheckImage(check_image_cmd::CheckImageArgs),
    /// Print the JSON patch adding externalProviders to the operator's LlamaStackDistribution CRD.
    Crd,
    /// The kubectl plugin (`kubectl llsd-providers …`): status, validate, inject, rollout against the cluster (native only).
    #[cfg(not(target_arch = "wasm32"))]
    Kubectl(kubectl_cmd::KubectlArgs),
    /// The status controller: keeps each LLSD's provider conditions and events current (native only).
    #[cfg(all(feature = "controller", not(target_arch = "wasm32")))]
    Controller(llsd_providers_controller::ControllerArgs),
}

fn main() -> ExitCode {
    #[cfg_attr(target_arch = "wasm32", allow(unused_mut))]
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Run as `kubectl-llsd_providers` (kubectl's plugin naming), the binary is
    // the plugin: `kubectl llsd-providers status NAME` = `llsd-providers kubectl status NAME`.
    #[cfg(not(target_arch = "wasm32"))]
    if args.first().is_some_and(|argv0| {
        std::path::Path::new(argv0)
            .file_stem()
            .is_some_and(|stem| stem == kubectl_cmd::PLUGIN_NAME)
    }) {
        args.splice(0..1, ["kubectl llsd-providers".into(), "kubectl".into()]);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version on stdout (exit 0) and usage errors on stderr (exit 2).
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let answer = match cli.command {
        Command::Validate { files, output } => validate_cmd::run(&files, output),
        Command::Inject(args) => inject_cmd::run(&args),
        Command::Merge(args) => merge_cmd::run(&args),
        #[cfg(not(target_arch = "wasm32"))]
        Command::Install(args) => install_cmd::run(&args),
        Command::Status(args) => status_cmd::run(&args),
        Command::CheckImage(args) => check_image_cmd::run(&args),
        Command::Crd => crd_cmd::run(),
        #[cfg(not(target_arch = "wasm32"))]
        Command::Kubectl(args) => kubectl_cmd::run(&args),
        #[cfg(all(feature = "controller", not(target_arch = "wasm32")))]
        Command::Controller(args) => return llsd_providers_controller::run(&args),
    };
    answer
        .unwrap_or_else(|message| usage_error(&message))
        .into()
}
