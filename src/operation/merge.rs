//! Merge: the LLSD and its providers' metadata, as texts, into a base
//! config — the same steps as the install step in the pod: assemble (ids
//! unique, API placement), then the format-preserving merge.

use super::{InputTexts, read_llsd};
use crate::diagnostic::{Diagnostic, Input, InputDiagnostic};
use crate::limits::MAX_BASE_BYTES;
use crate::merge::render_extra_providers;
use crate::pipeline::{
    self, BaseConfig, FailureSummary, MergeFailure, MergeStepOutput, ProviderSource,
    sources_from_llsd,
};
use std::collections::BTreeMap;

/// The inputs of a merge.
#[derive(Debug, Clone, Copy)]
pub struct MergeTexts<'a> {
    /// The LLSD text.
    pub llsd: &'a str,
    /// lls-provider-spec.yaml text per providerId.
    pub specs: &'a BTreeMap<String, String>,
    /// The base config; `None`: the minimal config.
    pub base: Option<BaseConfig<'a>>,
}

/// A merge's answer.
#[derive(Debug)]
pub struct Merged {
    /// Whether the LLSD validated (the merge runs on a readable one anyway).
    pub llsd_valid: bool,
    /// The providers merged, in CRD order.
    pub sources: Vec<ProviderSource>,
    /// The merged config, extra-providers.yaml, the log and the warnings.
    pub output: MergeStepOutput,
}

/// Why a merge stopped: at which stage, with what the install step would
/// have said.
#[derive(Debug, Default)]
pub struct StepFailure {
    /// `llsd` (unreadable), `assemble` or `merge`; `None` for a bad input.
    pub stage: Option<&'static str>,
    /// The failure's summary (the termination message's data).
    pub summary: Option<FailureSummary>,
    /// merge-log.txt as the install step writes it.
    pub log: Option<String>,
    /// Every problem, located in its input.
    pub diagnostics: Vec<InputDiagnostic>,
    /// Whether the LLSD validated, when it was read.
    pub llsd_valid: Option<bool>,
}

/// The LLSD's providers with their metadata, and whether the LLSD is valid.
fn sources(
    llsd_text: &str,
    specs: &BTreeMap<String, String>,
) -> Result<(Vec<ProviderSource>, bool), StepFailure> {
    let read = read_llsd(llsd_text);
    let Some(llsd) = read.llsd else {
        return Err(StepFailure {
            stage: Some("llsd"),
            diagnostics: read.diagnostics,
            ..StepFailure::default()
        });
    };
    let sources = sources_from_llsd(&llsd, |id| specs.get(id).map(String::as_str))
        .map_err(|failure| failed_step("assemble", &failure, None, llsd_text, specs))?;
    Ok((sources, read.valid))
}

/// A pipeline failure: its summary, the merge log, and its markers located
/// in the inputs.
fn failed_step(
    stage: &'static str,
    failure: &MergeFailure,
    base: Option<BaseConfig<'_>>,
    llsd: &str,
    specs: &BTreeMap<String, String>,
) -> StepFailure {
    let texts = InputTexts {
        llsd,
        run_yaml: base.map_or("", |b| b.text),
        specs: Some(specs),
        ..InputTexts::default()
    };
    StepFailure {
        stage: Some(stage),
        summary: Some(failure.summary()),
        log: Some(pipeline::failure_log(base.map(|b| b.name), failure)),
        diagnostics: texts.locate(failure.diagnostics()),
        llsd_valid: None,
    }
}

/// Assembles the LLSD's providers and merges them into the base.
pub fn merge_texts(inputs: MergeTexts<'_>) -> Result<Merged, StepFailure> {
    if let Some(base) = inputs.base.filter(|b| b.text.len() > MAX_BASE_BYTES) {
        return Err(StepFailure {
            diagnostics: vec![Input::RunYaml.with(Diagnostic::error(
                "",
                format!("{} is over {MAX_BASE_BYTES} bytes", base.name),
                "give the ConfigMap's run.yaml itself",
            ))],
            ..StepFailure::default()
        });
    }
    let (sources, llsd_valid) = sources(inputs.llsd, inputs.specs)?;
    let output = pipeline::assemble(&sources)
        .and_then(|providers| pipeline::run_merge_step(inputs.base, &providers))
        .map_err(|failure| StepFailure {
            llsd_valid: Some(llsd_valid),
            ..failed_step("merge", &failure, inputs.base, inputs.llsd, inputs.specs)
        })?;
    Ok(Merged {
        llsd_valid,
        sources,
        output,
    })
}

/// extra-providers.yaml alone.
pub fn extra_providers_text(
    llsd: &str,
    specs: &BTreeMap<String, String>,
) -> Result<String, StepFailure> {
    let (sources, _) = sources(llsd, specs)?;
    let providers = pipeline::assemble(&sources)
        .map_err(|failure| failed_step("merge", &failure, None, llsd, specs))?;
    Ok(render_extra_providers(&providers))
}
