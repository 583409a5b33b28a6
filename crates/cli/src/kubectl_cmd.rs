//! The kubectl plugin (native only): `kubectl llsd-providers status|validate|inject|rollout NAME`.
//! The binary is the plugin when it runs under the name
//! `kubectl-llsd_providers` (`make install` links it so); `llsd-providers
//! kubectl …` is the same. Every cluster read goes through the `kubectl` on
//! PATH (`$KUBECTL` overrides it), so the user's kubeconfig, context and
//! RBAC apply unchanged.

use super::answer::{Outcome, colour, json_text, usage_error, yaml_text};
use super::inject_cmd::{self, Source};
use super::status_cmd::{StatusFormat, now_rfc3339};
use clap::{Args, Subcommand};
use llsd_providers::operation::{ClusterRead, kubectl_error, rollout_status};
use llsd_providers::status::status_patch;
use llsd_providers::validate::rules::{namespace_argument, object_name_argument};
use llsd_providers::validate::{summary_line, validate_bytes};
use std::process::Command;

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

fn kubectl(args: &[String]) -> Result<Vec<u8>, String> {
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

/// `kubectl VERB [OPTION…] -n NS -- ARG…`: every option first and `--`
/// before the arguments, so that no argument can be read as an option.
fn kubectl_command(target: &Target, verb: &[&str], options: &[&str], args: &[&str]) -> Vec<String> {
    let mut command: Vec<String> = verb.iter().map(|s| s.to_string()).collect();
    command.extend(options.iter().map(|s| s.to_string()));
    if let Some(ns) = &target.namespace {
        command.push(format!("--namespace={ns}"));
    }
    command.push("--".to_string());
    command.extend(args.iter().map(|s| s.to_string()));
    command
}

/// `kubectl get -o json … -- WHAT…`, with `selector` as one
/// `--selector=…` argument (its labels come from the cluster).
fn get(target: &Target, what: &[&str], selector: Option<&str>) -> Result<Vec<u8>, String> {
    let selector = selector.map(|s| format!("--selector={s}"));
    let mut options = vec!["--output=json"];
    options.extend(selector.as_deref());
    kubectl(&kubectl_command(target, &["get"], &options, what))
}

fn status(target: &Target, format: StatusFormat) -> Result<Outcome, String> {
    let (llsd, report) = rollout_status(
        &target.name,
        target.namespace.as_deref(),
        |read| match read {
            ClusterRead::Llsd => get(target, &["llamastackdistribution", &target.name], None),
            ClusterRead::Deployment => get(target, &["deployment", &target.name], None),
            ClusterRead::ReplicaSets { selector } => get(target, &["replicasets"], Some(selector)),
            ClusterRead::Pods { selector } => get(target, &["pods"], Some(selector)),
        },
    )?;
    let printed = match format {
        StatusFormat::Text => Ok(report.render_text(colour())),
        StatusFormat::StatusPatch => match report.pods.first() {
            Some(newest) => json_text(&status_patch(newest, &llsd, &now_rfc3339()), false),
            None => Err(format!(
                "no pod of the Deployment {} to compute the status from. Fix: kubectl describe deployment {}",
                report.llsd, report.llsd
            )),
        },
        StatusFormat::Json => json_text(&report, true),
        StatusFormat::Yaml => yaml_text(&report),
    };
    print!("{}", printed?);
    Ok(Outcome::passed(report.ready()))
}

fn validate(target: &Target) -> Result<Outcome, String> {
    let bytes = get(target, &["llamastackdistribution", &target.name], None)?;
    let name = format!("llamastackdistribution/{}", target.name);
    let report = validate_bytes(&name, &bytes);
    print!("{}", report.render_text());
    println!("{}", summary_line(std::slice::from_ref(&report)));
    Ok(Outcome::passed(report.valid))
}

fn inject(target: &Target, dry_run: bool) -> Result<Outcome, String> {
    if !dry_run {
        return Err(
            "inject needs --dry-run: the plugin prints the wired Deployment and never writes it (the Kubewarden policy does on the next apply). Fix: kubectl llsd-providers inject NAME --dry-run".to_string(),
        );
    }
    let llsd = Source {
        name: format!("llamastackdistribution/{}", target.name),
        bytes: get(target, &["llamastackdistribution", &target.name], None)?,
    };
    let deployment = Source {
        name: format!("deployment/{}", target.name),
        bytes: get(target, &["deployment", &target.name], None)?,
    };
    // what kubectl printed goes straight to the injection: no file is written
    Ok(inject_cmd::run_on(&llsd, &deployment, None))
}

fn rollout(target: &Target) -> Result<Outcome, String> {
    let deployment = format!("deployment/{}", target.name);
    let out = kubectl(&kubectl_command(
        target,
        &["rollout", "restart"],
        &[],
        &[&deployment],
    ))?;
    print!("{}", String::from_utf8_lossy(&out));
    Ok(Outcome::Success)
}

pub fn run(args: &KubectlArgs) -> Outcome {
    let result = match &args.command {
        PluginCommand::Status { target, output } => status(target, *output),
        PluginCommand::Validate { target } => validate(target),
        PluginCommand::Inject { target, dry_run } => inject(target, *dry_run),
        PluginCommand::Rollout { target } => rollout(target),
    };
    result.unwrap_or_else(|message| usage_error(&message))
}
