//! `llsd-providers status --pod FILE [--llsd FILE] [--output text|json|yaml]`

use super::answer::{Answer, Outcome, colour};
use clap::{Args, ValueEnum};
use k8s_openapi::jiff::Timestamp;
use llsd_providers::diagnostic::json_text;
use llsd_providers::merge::yaml_text;
use llsd_providers::operation::{StatusOfFiles, status_files};
use llsd_providers::status::conditions::kubernetes_time;
use llsd_providers::status::{render_table, status_patch};
use llsd_providers_fs::input::InputFile;
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
    Yaml,
    /// The JSON merge patch for the LLSD's status subresource (needs --llsd).
    StatusPatch,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The pod, as `kubectl get pod NAME -o json` (or -o yaml) prints it; `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    pod: PathBuf,
    /// The LlamaStackDistribution: gives CRD order and images, and tells a stale pod.
    #[arg(long, value_name = "FILE")]
    llsd: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    output: StatusFormat,
}

/// Exit 0 when ExternalProvidersReady is True, 1 when it is not, 2 when
/// an input cannot be read or is not a Pod / a valid LLSD (so that a
/// script waiting for 0 tells "not yet" from "wrong input").
pub fn run(args: &StatusArgs) -> Answer {
    let pod = InputFile::read(&args.pod)?;
    let llsd = args.llsd.as_deref().map(InputFile::read).transpose()?;
    let StatusOfFiles { report, llsd } =
        match status_files(pod.named(), llsd.as_ref().map(InputFile::named)) {
            Ok(answer) => answer,
            Err(reports) => {
                reports
                    .iter()
                    .for_each(|report| eprint!("{}", report.render_text()));
                return Ok(Outcome::UsageOrUnreadable);
            }
        };
    let patch = |now: &str| {
        match &llsd {
        Some(llsd) => Ok(status_patch(&report, llsd, now)),
        None => Err(
            "--output status-patch needs --llsd: the patch must carry the LLSD's other status conditions \
             (kubectl get llsd NAME -o json > llsd.json; pass --llsd llsd.json)"
                .to_string(),
        ),
    }
    };
    print_status(args.output, &report, |c| render_table(&report, c), patch)?;
    Ok(Outcome::passed(report.condition.status == "True"))
}

/// Prints a status answer (`status --pod`, the plugin's `status`) in
/// `format`; `patch` computes the status patch at a time (or says why
/// there is none).
pub(super) fn print_status(
    format: StatusFormat,
    report: &impl Serialize,
    text: impl FnOnce(bool) -> String,
    patch: impl FnOnce(&str) -> Result<Value, String>,
) -> Result<(), String> {
    let printed = match format {
        StatusFormat::Text => text(colour()),
        StatusFormat::Json => json_text(report, true)?,
        StatusFormat::Yaml => yaml_text(report)?,
        StatusFormat::StatusPatch => json_text(&patch(&kubernetes_time(Timestamp::now()))?, false)?,
    };
    print!("{printed}");
    Ok(())
}
