//! `llsd-providers inject --llsd FILE --deployment FILE [--options FILE]`

use super::Outcome;
use super::input::{display_name, read_bounded};
use clap::Args;
use llsd_providers::diagnostic::{Diagnostic, Input};
use llsd_providers::inject::{InjectOptions, inject};
use llsd_providers::llsd::LlamaStackDistribution;
use llsd_providers::locate::Locations;
use llsd_providers::validate::{FileReport, check_llsd, validate_bytes};
use llsd_providers::yaml_input::{self, MAX_INPUT_BYTES};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct InjectArgs {
    /// The LlamaStackDistribution.
    #[arg(long, value_name = "FILE")]
    pub(super) llsd: PathBuf,
    /// The Deployment the operator rendered for it.
    #[arg(long, value_name = "FILE")]
    pub(super) deployment: PathBuf,
    /// Injection options (YAML or JSON; docs/external-providers.md lists them).
    #[arg(long, value_name = "FILE")]
    pub(super) options: Option<PathBuf>,
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
        Ok(Inputs {
            llsd,
            deployment,
            options,
            texts,
        }) => match inject(&llsd, &deployment, &options) {
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
                // Each problem is reported against the file it is in, at
                // the line of its field.
                for (input, path, text) in [
                    (Input::Llsd, Some(args.llsd.as_path()), &texts[0]),
                    (
                        Input::Deployment,
                        Some(args.deployment.as_path()),
                        &texts[1],
                    ),
                    (Input::Options, args.options.as_deref(), &texts[2]),
                ] {
                    let mut diagnostics: Vec<Diagnostic> = err
                        .diagnostics
                        .iter()
                        .filter(|d| d.source == input)
                        .map(|d| d.diagnostic.clone())
                        .collect();
                    if !diagnostics.is_empty() {
                        Locations::fill(text, 1, &mut diagnostics);
                        let name = path.map_or("<default options>".to_string(), display_name);
                        eprint!("{}", FileReport::invalid(&name, diagnostics).render_text());
                    }
                }
                Outcome::Problems
            }
        },
    }
}

struct Inputs {
    llsd: LlamaStackDistribution,
    /// The Deployment as JSON: the injection reads only what it wires.
    deployment: Value,
    options: InjectOptions,
    /// The three files' texts (empty for default options), to locate
    /// the injection's findings in them.
    texts: [String; 3],
}

fn prepare(args: &InjectArgs) -> Result<Inputs, Failure> {
    let read = |path: &Path| read_bounded(path, MAX_INPUT_BYTES).map_err(Failure::Unreadable);
    let llsd_bytes = read(&args.llsd)?;
    let deployment_bytes = read(&args.deployment)?;
    let options_bytes = args.options.as_deref().map(read).transpose()?;

    let mut invalid = Vec::new();
    let llsd = match yaml_input::read_document(&llsd_bytes, check_llsd) {
        Ok((llsd, _warnings)) => Some(llsd),
        Err(_) => {
            // The whole file's report: every document, warnings too.
            invalid.push(validate_bytes(&display_name(&args.llsd), &llsd_bytes));
            None
        }
    };
    let mut report = |path: &Path, diagnostics| {
        invalid.push(FileReport::invalid(&display_name(path), diagnostics))
    };
    let deployment = yaml_input::read_document(&deployment_bytes, |value| Ok(value.clone()))
        .map_err(|d| report(&args.deployment, d))
        .ok();
    let options = match (&args.options, &options_bytes) {
        (Some(path), Some(bytes)) => yaml_input::read_document(bytes, InjectOptions::read)
            .map_err(|d| report(path, d))
            .ok(),
        _ => Some(InjectOptions::default()),
    };
    match (llsd, deployment, options) {
        (Some(llsd), Some(deployment), Some(options)) if invalid.is_empty() => {
            let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
            Ok(Inputs {
                llsd,
                deployment,
                options,
                texts: [
                    text(&llsd_bytes),
                    text(&deployment_bytes),
                    options_bytes.as_deref().map(text).unwrap_or_default(),
                ],
            })
        }
        _ => Err(Failure::Invalid(invalid)),
    }
}
