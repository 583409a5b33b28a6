//! Inject: the LLSD, the operator's Deployment and the options, as texts,
//! to the wired Deployment or every problem of every input.

use super::{InputTexts, read_llsd, tagged};
use crate::diagnostic::{Input, InputDiagnostic};
use crate::inject::{Change, ChangeSummary, InjectOptions, deployment_changes, inject, summary};
use crate::yaml_input::read_text;
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
