//! `llsd-providers status --pod FILE [--llsd FILE] [--output text|json|yaml]`

use super::answer::{Outcome, colour, json_text, usage_error, yaml_text};
use clap::{Args, ValueEnum};
use llsd_providers::diagnostic::Diagnostic;
use llsd_providers::limits::MAX_INPUT_BYTES;
use llsd_providers::llsd::LlamaStackDistribution;
use llsd_providers::status::{diagnose, read_pod, render_table, status_patch};
use llsd_providers::validate::{FileReport, check_llsd};
use llsd_providers::yaml_input;
use llsd_providers_fs::input::{display_name, read_bounded};
use std::path::{Path, PathBuf};

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
pub fn run(args: &StatusArgs) -> Outcome {
    let pod = match read_document(&args.pod, read_pod) {
        Ok(pod) => pod,
        Err(outcome) => return outcome,
    };
    let llsd = match &args.llsd {
        None => None,
        Some(path) => match read_document::<LlamaStackDistribution>(path, |value| {
            check_llsd(value).map(|(l, _)| l)
        }) {
            Ok(llsd) => Some(llsd),
            Err(outcome) => return outcome,
        },
    };
    let report = diagnose(&pod, llsd.as_ref());
    let printed = match (args.output, &llsd) {
        (StatusFormat::StatusPatch, None) => {
            eprintln!(
                "ERROR: --output status-patch needs --llsd: the patch must carry the LLSD's other status conditions \
                 (kubectl get llsd NAME -o json > llsd.json; pass --llsd llsd.json)"
            );
            return Outcome::UsageOrUnreadable;
        }
        (StatusFormat::StatusPatch, Some(llsd)) => {
            json_text(&status_patch(&report, llsd, &now_rfc3339()), false)
        }
        (StatusFormat::Text, _) => Ok(render_table(&report, colour())),
        (StatusFormat::Json, _) => json_text(&report, true),
        (StatusFormat::Yaml, _) => yaml_text(&report),
    };
    match printed {
        Ok(text) => print!("{text}"),
        Err(err) => {
            eprintln!("ERROR: cannot print the report: {err}");
            return Outcome::Problems;
        }
    }
    Outcome::passed(report.condition.status == "True")
}

/// The current time as Kubernetes writes it (RFC 3339, seconds).
pub(super) fn now_rfc3339() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let Ok(timestamp) = k8s_openapi::jiff::Timestamp::from_second(seconds) else {
        return String::new();
    };
    let now = k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(timestamp);
    serde_json::to_value(now)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Reads the one YAML/JSON document of `path` and converts it.
fn read_document<T>(
    path: &Path,
    convert: impl FnOnce(&serde_json::Value) -> Result<T, Vec<Diagnostic>>,
) -> Result<T, Outcome> {
    let bytes = read_bounded(path, MAX_INPUT_BYTES).map_err(|message| usage_error(&message))?;
    yaml_input::read_document(&bytes, convert).map_err(|diagnostics| {
        eprint!(
            "{}",
            FileReport::invalid(&display_name(path), diagnostics).render_text()
        );
        Outcome::UsageOrUnreadable
    })
}
