//! Inject: the LLSD, the operator's Deployment and the options, as texts,
//! to the wired Deployment or every problem of every input.

use super::{InputTexts, read_llsd, tagged};
use crate::diagnostic::{Diagnostic, Input, InputDiagnostic};
use crate::inject::{Change, ChangeSummary, InjectOptions, deployment_changes, inject, summary};
use crate::llsd::LlamaStackDistribution;
use crate::locate::Locations;
use crate::validate::{FileReport, check_llsd, validate_bytes};
use crate::yaml_input::{self, read_text};
use serde_json::Value;

/// The wired Deployment and what changed.
#[derive(Debug)]
pub struct Injection {
    /// The Deployment as given.
    pub before: Value,
    /// The wired Deployment.
    pub after: Value,
    /// The changes, keyed as Kubernetes keys its lists.
    pub changes: Vec<Change>,
    /// Counts of the changes by kind and operation.
    pub summary: ChangeSummary,
}

/// Reads the three inputs (blank options: the defaults) and wires the
/// Deployment; the problems of every input at once, located in its text.
pub fn inject_texts(
    llsd: &str,
    deployment: &str,
    options: &str,
) -> Result<Injection, Vec<InputDiagnostic>> {
    let texts = InputTexts {
        llsd,
        deployment,
        options,
        ..InputTexts::default()
    };
    let read = read_llsd(llsd);
    let mut errors: Vec<InputDiagnostic> = read
        .diagnostics
        .iter()
        .filter(|d| d.diagnostic.is_error())
        .cloned()
        .collect();
    let llsd = read.valid_llsd();
    let before = read_text(deployment, |value| Ok(value.clone()))
        .map_err(|e| errors.extend(tagged(Input::Deployment, e)))
        .ok();
    let options = if options.trim().is_empty() {
        Some(InjectOptions::default())
    } else {
        read_text(options, InjectOptions::read)
            .map_err(|e| errors.extend(tagged(Input::Options, e)))
            .ok()
    };
    let (Some(llsd), Some(before), Some(options)) = (llsd, before, options) else {
        return Err(errors);
    };
    let after = inject(&llsd, &before, &options).map_err(|err| texts.locate(err.diagnostics))?;
    let changes = deployment_changes(&before, &after);
    Ok(Injection {
        summary: summary(&changes),
        changes,
        before,
        after,
    })
}

/// One input file of an injection: the name its problems are reported
/// under (a file, or what the kubectl plugin read) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct NamedInput<'a> {
    /// The name in reports.
    pub name: &'a str,
    /// The file's bytes.
    pub bytes: &'a [u8],
}

/// The name the default options' problems are reported under.
const DEFAULT_OPTIONS: &str = "<default options>";

/// The injection on files (the CLI and the kubectl plugin): the wired
/// Deployment, or a report for each input with problems — an invalid
/// LLSD's whole report (every document, warnings too), and the injection's
/// findings against the file they are in, at the line of their field.
/// `options` absent: the defaults.
pub fn inject_files(
    llsd: NamedInput<'_>,
    deployment: NamedInput<'_>,
    options: Option<NamedInput<'_>>,
) -> Result<Value, Vec<FileReport>> {
    let (typed, before, read_options) = read_files(llsd, deployment, options)?;
    let err = match inject(&typed, &before, &read_options) {
        Ok(after) => return Ok(after),
        Err(err) => err,
    };
    let text = |input: Option<NamedInput<'_>>| {
        input.map_or_else(String::new, |i| {
            String::from_utf8_lossy(i.bytes).into_owned()
        })
    };
    let mut reports = Vec::new();
    for (input, file) in [
        (Input::Llsd, Some(llsd)),
        (Input::Deployment, Some(deployment)),
        (Input::Options, options),
    ] {
        let mut diagnostics: Vec<Diagnostic> = err
            .diagnostics
            .iter()
            .filter(|d| d.source == input)
            .map(|d| d.diagnostic.clone())
            .collect();
        if !diagnostics.is_empty() {
            Locations::fill(&text(file), 1, &mut diagnostics);
            let name = file.map_or(DEFAULT_OPTIONS, |f| f.name);
            reports.push(FileReport::invalid(name, diagnostics));
        }
    }
    Err(reports)
}

/// The three inputs read and checked, or a report for each that is not a
/// valid LLSD, Deployment or options.
fn read_files(
    llsd: NamedInput<'_>,
    deployment: NamedInput<'_>,
    options: Option<NamedInput<'_>>,
) -> Result<(LlamaStackDistribution, Value, InjectOptions), Vec<FileReport>> {
    let mut invalid = Vec::new();
    let typed = match yaml_input::read_document(llsd.bytes, check_llsd) {
        Ok((typed, _warnings)) => Some(typed),
        Err(_) => {
            // The whole file's report: every document, warnings too.
            invalid.push(validate_bytes(llsd.name, llsd.bytes));
            None
        }
    };
    let mut report = |input: NamedInput<'_>, diagnostics| {
        invalid.push(FileReport::invalid(input.name, diagnostics))
    };
    let before = yaml_input::read_document(deployment.bytes, |value| Ok(value.clone()))
        .map_err(|d| report(deployment, d))
        .ok();
    let read_options = match options {
        Some(input) => yaml_input::read_document(input.bytes, InjectOptions::read)
            .map_err(|d| report(input, d))
            .ok(),
        None => Some(InjectOptions::default()),
    };
    match (typed, before, read_options) {
        (Some(typed), Some(before), Some(read_options)) if invalid.is_empty() => {
            Ok((typed, before, read_options))
        }
        _ => Err(invalid),
    }
}
