//! `llsd-providers inject --llsd FILE --deployment FILE [--options FILE]`

use super::answer::{Outcome, usage_error};
use clap::Args;
use llsd_providers::diagnostic::{Diagnostic, Input};
use llsd_providers::inject::{InjectOptions, inject};
use llsd_providers::limits::MAX_INPUT_BYTES;
use llsd_providers::llsd::LlamaStackDistribution;
use llsd_providers::locate::Locations;
use llsd_providers::merge::yaml_document;
use llsd_providers::validate::{FileReport, check_llsd, validate_bytes};
use llsd_providers::yaml_input;
use llsd_providers_fs::input::{display_name, read_bounded};
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

/// The inputs that are not a valid LLSD, Deployment or options, each with
/// its report.
struct Invalid(Vec<FileReport>);

/// One input of the injection: the name its problems are reported under
/// (a file, or what the kubectl plugin read) and its bytes.
pub struct Source {
    pub name: String,
    pub bytes: Vec<u8>,
}

pub fn run(args: &InjectArgs) -> Outcome {
    let read = |path: &Path| {
        read_bounded(path, MAX_INPUT_BYTES).map(|bytes| Source {
            name: display_name(path),
            bytes,
        })
    };
    let sources = read(&args.llsd).and_then(|llsd| {
        let deployment = read(&args.deployment)?;
        let options = args.options.as_deref().map(read).transpose()?;
        Ok((llsd, deployment, options))
    });
    match sources {
        Ok((llsd, deployment, options)) => run_on(&llsd, &deployment, options.as_ref()),
        Err(message) => usage_error(&message),
    }
}

/// The injection on inputs already read; the kubectl plugin passes what
/// kubectl printed, so nothing is written to disk.
pub fn run_on(
    llsd_source: &Source,
    deployment_source: &Source,
    options_source: Option<&Source>,
) -> Outcome {
    match prepare(llsd_source, deployment_source, options_source) {
        Err(Invalid(reports)) => {
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
            // Printed by the core's YAML writer, as the playground prints
            // it (the injection refuses a Deployment that is not a mapping).
            Ok(out) => match out.as_object() {
                Some(deployment) => {
                    print!("{}", yaml_document(deployment));
                    Outcome::Success
                }
                None => {
                    eprintln!("ERROR: cannot print the Deployment: it is not a mapping");
                    Outcome::Problems
                }
            },
            Err(err) => {
                // Each problem is reported against the file it is in, at
                // the line of its field.
                for (input, source, text) in [
                    (Input::Llsd, Some(llsd_source), &texts[0]),
                    (Input::Deployment, Some(deployment_source), &texts[1]),
                    (Input::Options, options_source, &texts[2]),
                ] {
                    let mut diagnostics: Vec<Diagnostic> = err
                        .diagnostics
                        .iter()
                        .filter(|d| d.source == input)
                        .map(|d| d.diagnostic.clone())
                        .collect();
                    if !diagnostics.is_empty() {
                        Locations::fill(text, 1, &mut diagnostics);
                        let name = source.map_or(DEFAULT_OPTIONS, |s| s.name.as_str());
                        eprint!("{}", FileReport::invalid(name, diagnostics).render_text());
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

const DEFAULT_OPTIONS: &str = "<default options>";

fn prepare(
    llsd_source: &Source,
    deployment_source: &Source,
    options_source: Option<&Source>,
) -> Result<Inputs, Invalid> {
    let mut invalid = Vec::new();
    let llsd = match yaml_input::read_document(&llsd_source.bytes, check_llsd) {
        Ok((llsd, _warnings)) => Some(llsd),
        Err(_) => {
            // The whole file's report: every document, warnings too.
            invalid.push(validate_bytes(&llsd_source.name, &llsd_source.bytes));
            None
        }
    };
    let mut report =
        |source: &Source, diagnostics| invalid.push(FileReport::invalid(&source.name, diagnostics));
    let deployment = yaml_input::read_document(&deployment_source.bytes, |value| Ok(value.clone()))
        .map_err(|d| report(deployment_source, d))
        .ok();
    let options = match options_source {
        Some(source) => yaml_input::read_document(&source.bytes, InjectOptions::read)
            .map_err(|d| report(source, d))
            .ok(),
        None => Some(InjectOptions::default()),
    };
    match (llsd, deployment, options) {
        (Some(llsd), Some(deployment), Some(options)) if invalid.is_empty() => {
            let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
            Ok(Inputs {
                llsd,
                deployment,
                options,
                texts: [
                    text(&llsd_source.bytes),
                    text(&deployment_source.bytes),
                    options_source.map(|s| text(&s.bytes)).unwrap_or_default(),
                ],
            })
        }
        _ => Err(Invalid(invalid)),
    }
}
