//! The kubectl plugin (native only): `kubectl llsd-providers status|validate|inject|rollout NAME`.
//! The binary is the plugin when it runs under the name
//! `kubectl-llsd_providers` (`make install` links it so); `llsd-providers
//! kubectl …` is the same. Every cluster read goes through the `kubectl` on
//! PATH (`$KUBECTL` overrides it), so the user's kubeconfig, context and
//! RBAC apply unchanged.

use super::answer::{Answer, Outcome};
use super::inject_cmd;
use super::status_cmd::{StatusFormat, print_status};
use clap::{Args, Subcommand};
use llsd_providers::operation::{ClusterRead, kubectl_args, rollout_status};
use llsd_providers::status::status_patch;
use llsd_providers::validate::rules::{namespace_argument, object_name_argument};
use llsd_providers::validate::validate_files;
use llsd_providers_fs::input::InputFile;
use llsd_providers_fs::kubectl::kubectl;

/// The name the binary answers to as a kubectl plugin.
pub const PLUGIN_NAME: &str = "kubectl-llsd_providers";

#[derive(Debug, Args)]
pub struct KubectlArgs {
    #[command(subcommand)]
    command: PluginCommand,
}

#[derive(Debug, Args)]
struct Target {
    // Names and namespaces are checked as Kubernetes checks them before any
    // kubectl runs: what reaches kubectl can never read as one of its
    // options (`--server=…`, `--kubeconfig=…`, `-nkube-system`).
    /// The LlamaStackDistribution's name.
    #[arg(value_parser = object_name_argument)]
    name: String,
    /// Its namespace (default: the kubeconfig context's).
    #[arg(short = 'n', long, value_parser = namespace_argument)]
    namespace: Option<String>,
}

#[derive(Debug, Subcommand)]
enum PluginCommand {
    /// Diagnose every pod of the LLSD's Deployment, the newest first.
    Status {
        #[command(flatten)]
        target: Target,
        /// Report format.
        #[arg(short = 'o', long, value_enum, default_value_t = StatusFormat::Text)]
        output: StatusFormat,
    },
    /// Validate the live LLSD.
    Validate {
        #[command(flatten)]
        target: Target,
    },
    /// Print the Deployment wired for the live LLSD (nothing is written).
    Inject {
        #[command(flatten)]
        target: Target,
        /// Required: the plugin never writes the Deployment (the Kubewarden policy does).
        #[arg(long)]
        dry_run: bool,
    },
    /// Restart the LLSD's Deployment so that its pods get the current provider list.
    Rollout {
        #[command(flatten)]
        target: Target,
    },
}

/// What `kubectl get -o json` prints for `read` of the target LLSD.
fn get(target: &Target, read: ClusterRead<'_>) -> Result<Vec<u8>, String> {
    kubectl(&read.kubectl_get(&target.name, target.namespace.as_deref()))
}

/// The target LLSD or its Deployment, as an input file named after what was read.
fn get_file(target: &Target, read: ClusterRead<'_>, kind: &str) -> Result<InputFile, String> {
    Ok(InputFile {
        name: format!("{kind}/{}", target.name),
        bytes: get(target, read)?,
    })
}

fn status(target: &Target, format: StatusFormat) -> Answer {
    let (llsd, report) = rollout_status(&target.name, target.namespace.as_deref(), |read| {
        get(target, read)
    })?;
    let patch = |now: &str| match report.pods.first() {
        Some(newest) => Ok(status_patch(newest, &llsd, now)),
        None => Err(format!(
            "no pod of the Deployment {} to compute the status from. Fix: kubectl describe deployment {}",
            report.llsd, report.llsd
        )),
    };
    print_status(format, &report, |c| report.render_text(c), patch)?;
    Ok(Outcome::passed(report.ready()))
}

fn validate(target: &Target) -> Answer {
    let llsd = get_file(target, ClusterRead::Llsd, "llamastackdistribution")?;
    let report = validate_files([(llsd.name, Ok(llsd.bytes))]);
    print!("{}", report.render_text());
    Ok(Outcome::passed(report.valid))
}

fn inject(target: &Target, dry_run: bool) -> Answer {
    if !dry_run {
        return Err(
            "inject needs --dry-run: the plugin prints the wired Deployment and never writes it (the Kubewarden policy does on the next apply). Fix: kubectl llsd-providers inject NAME --dry-run".to_string(),
        );
    }
    let llsd = get_file(target, ClusterRead::Llsd, "llamastackdistribution")?;
    let deployment = get_file(target, ClusterRead::Deployment, "deployment")?;
    // what kubectl printed goes straight to the injection: no file is written
    inject_cmd::run_on(&llsd, &deployment, None)
}

fn rollout(target: &Target) -> Answer {
    let deployment = format!("deployment/{}", target.name);
    let namespace = target.namespace.as_deref();
    let out = kubectl(&kubectl_args(
        namespace,
        &["rollout", "restart"],
        &[],
        &[&deployment],
    ))?;
    print!("{}", String::from_utf8_lossy(&out));
    Ok(Outcome::Success)
}

pub fn run(args: &KubectlArgs) -> Answer {
    match &args.command {
        PluginCommand::Status { target, output } => status(target, *output),
        PluginCommand::Validate { target } => validate(target),
        PluginCommand::Inject { target, dry_run } => inject(target, *dry_run),
        PluginCommand::Rollout { target } => rollout(target),
    }
}
