//! `llsd-providers inject --llsd FILE --deployment FILE [--options FILE]`

use super::Outcome;
use super::input::{display_name, read_bounded};
use clap::Args;
use llsd_providers::diagnostic::Diagnostic;
use llsd_providers::inject::{InjectOptions, inject};
use llsd_providers::llsd::LlamaStackDistribution;
use llsd_providers::validate::{FileReport, check_llsd, type_mismatch, validate_bytes};
use llsd_providers::yaml_input::{self, MAX_INPUT_BYTES};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct InjectArgs {
    /// The LlamaStackDistribution.
    #[arg(long, value_name = "FILE")]
    llsd: PathBuf,
    /// The Deployment the operator rendered for it.
    #[arg(long, value_name = "FILE")]
    deployment: PathBuf,
    /// Injection options (YAML or JSON): mergeImage, mergeCommand, sharedVolumeSizeLimit,
    /// initContainerResources, runAsUser.
    #[arg(long, value_name = "FILE")]
    options: Option<PathBuf>,
}

enum Failure {
    Unreadable(String),
    Invalid(Vec<FileReport>),
}

pub fn run(args: &InjectArgs) -> Outcome {
    match prepare(args) {
        Err(Failure::Unreadable(message)) => {
            eprintln!("ERROR: {message}");
            Outcome::UsageOrUnreadable
        }
        Err(Failure::Invalid(reports)) => {
            for report in reports {
                eprint!("{}", report.render_text());
            }
            Outcome::Problems
        }
        Ok((llsd, deployment, options)) => match inject(&llsd, &deployment, &options) {
            Ok(out) => match serde_yaml::to_string(&out) {
                Ok(yaml) => {
                    print!("{yaml}");
                    Outcome::Success
                }
                Err(err) => {
                    eprintln!("ERROR: cannot print the Deployment: {err}");
                    Outcome::Problems
                }
            },
            Err(err) => {
                let report = report(&args.deployment, err.diagnostics);
                eprint!("{}", report.render_text());
                Outcome::Problems
            }
        },
    }
}

type Inputs = (
    LlamaStackDistribution,
    k8s_openapi::api::apps::v1::Deployment,
    InjectOptions,
);

fn prepare(args: &InjectArgs) -> Result<Inputs, Failure> {
    let read = |path: &Path| read_bounded(path, MAX_INPUT_BYTES).map_err(Failure::Unreadable);
    let llsd_bytes = read(&args.llsd)?;
    let deployment_bytes = read(&args.deployment)?;
    let options_bytes = args.options.as_deref().map(read).transpose()?;

    let mut invalid = Vec::new();
    let llsd = match first_document(&llsd_bytes).and_then(|value| check_llsd(&value)) {
        Ok((llsd, _warnings)) => Some(llsd),
        Err(_) => {
            invalid.push(validate_bytes(&display_name(&args.llsd), &llsd_bytes));
            None
        }
    };
    let deployment = typed(
        &args.deployment,
        &deployment_bytes,
        "give the field the type Kubernetes defines for it",
        &mut invalid,
    );
    let options = match (&args.options, &options_bytes) {
        (Some(path), Some(bytes)) => typed::<InjectOptions>(path, bytes, OPTIONS_FIX, &mut invalid)
            .filter(|options| {
                let problems = options.check();
                let ok = problems.is_empty();
                if !ok {
                    invalid.push(report(path, problems));
                }
                ok
            }),
        _ => Some(InjectOptions::default()),
    };
    match (llsd, deployment, options) {
        (Some(l), Some(d), Some(o)) if invalid.is_empty() => Ok((l, d, o)),
        _ => Err(Failure::Invalid(invalid)),
    }
}

fn first_document(bytes: &[u8]) -> Result<serde_json::Value, Vec<Diagnostic>> {
    yaml_input::check_size(bytes.len())
        .and_then(|()| yaml_input::decode_utf8(bytes))
        .and_then(yaml_input::load_documents)
        .map(|mut docs| docs.swap_remove(0).value)
        .map_err(|d| vec![d])
}

const OPTIONS_FIX: &str = "options are mergeImage, mergeCommand, sharedVolumeSizeLimit, \
     initContainerResources (cpuRequest, memoryRequest, memoryLimit), runAsUser, installMode and installBinary; \
     see docs/external-providers.md";

/// Reads a typed document, recording a report when it does not fit the type.
fn typed<T: DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
    fix: &str,
    invalid: &mut Vec<FileReport>,
) -> Option<T> {
    let result = first_document(bytes).and_then(|value| {
        serde_path_to_error::deserialize(&value).map_err(|err| vec![type_mismatch(&err, fix)])
    });
    match result {
        Ok(value) => Some(value),
        Err(diagnostics) => {
            invalid.push(report(path, diagnostics));
            None
        }
    }
}

fn report(path: &Path, diagnostics: Vec<Diagnostic>) -> FileReport {
    FileReport::invalid(&display_name(path), diagnostics)
}
