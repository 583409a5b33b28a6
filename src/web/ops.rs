//! The playground's operations: a JSON request in, a typed response out
//! (the shapes are in [`super::responses`]). Problems come back as data: each
//! diagnostic names the input it points into (`source`) with its field
//! `path` and, when known, its 1-based `location` in that input's text, so
//! that the page marks the right line of the right editor.
//!
//! Everything here is reading inputs and locating diagnostics; the steps
//! themselves are the core's (validation, [`crate::pipeline`],
//! [`mod@crate::inject`], [`crate::status`]).

use super::prefill::{default_spec, provider_entries};
use super::responses::*;
use crate::diagnostic::{Diagnostic, Input, InputDiagnostic};
use crate::inject::{InjectOptions, deployment_changes, inject, summary};
use crate::llsd::LlamaStackDistribution;
use crate::locate::Locations;
use crate::merge::{render_extra_providers, yaml_document};
use crate::pipeline::{
    self, BaseConfig, MAX_BASE_BYTES, MergeFailure, ProviderSource, sources_from_llsd,
};
use crate::status::{diagnose, read_pod, render_table};
use crate::validate::{check_llsd, validate_text};
use crate::yaml_input::read_text;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;

/// The texts of one request, by input, for locating diagnostics.
struct Texts<'a> {
    llsd: &'a str,
    deployment: &'a str,
    options: &'a str,
    run_yaml: &'a str,
    pod: &'a str,
    specs: Option<&'a BTreeMap<String, String>>,
}

impl<'a> Texts<'a> {
    fn of(input: &Input, texts: &Texts<'a>) -> Option<&'a str> {
        match input {
            Input::Llsd => Some(texts.llsd),
            Input::Deployment => Some(texts.deployment),
            Input::Options => Some(texts.options),
            Input::RunYaml => Some(texts.run_yaml),
            Input::Pod => Some(texts.pod),
            Input::Spec(id) => texts.specs?.get(id).map(String::as_str),
            Input::Request | Input::CrdConfig(_) => None,
        }
    }

    /// Gives each diagnostic without a location the position of its path in
    /// the text of its input.
    fn locate(&self, mut diagnostics: Vec<InputDiagnostic>) -> Vec<InputDiagnostic> {
        // Each input's text is parsed once, when one of its diagnostics needs it.
        let mut parsed: Vec<(Input, Locations)> = Vec::new();
        for d in diagnostics
            .iter_mut()
            .filter(|d| d.diagnostic.location.is_none())
        {
            let Some(text) = Texts::of(&d.source, self) else {
                continue;
            };
            let at = match parsed.iter().position(|(input, _)| *input == d.source) {
                Some(at) => at,
                None => {
                    parsed.push((d.source.clone(), Locations::of(text)));
                    parsed.len() - 1
                }
            };
            d.diagnostic.location = parsed[at].1.find(1, &d.diagnostic.path);
        }
        diagnostics
    }
}

const NO_TEXTS: Texts<'static> = Texts {
    llsd: "",
    deployment: "",
    options: "",
    run_yaml: "",
    pod: "",
    specs: None,
};

fn tagged(input: Input, diagnostics: Vec<Diagnostic>) -> Vec<InputDiagnostic> {
    diagnostics
        .into_iter()
        .map(|d| input.clone().with(d))
        .collect()
}

/// Reads the request object; a malformed request is an error response.
/// `check-image` on an OCI archive's bytes (gzip layers are inflated in
/// wasm: the wheels' zip entries need inflate anyway).
pub fn check_image(archive: &[u8], json: &str) -> Result<CheckImageResponse, Failed> {
    use crate::image_check::{TargetPython, check_archive};
    let req: CheckImageRequest = request(json)?;
    let python = match req.python.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(TargetPython::parse(text).map_err(|message| {
            Failed::with(vec![Input::Request.with(Diagnostic::error(
                "python",
                message,
                "give the server's Python as 3.12, or leave it empty",
            ))])
        })?),
    };
    let image = req.image.as_deref().unwrap_or("image.oci.tar");
    let report = check_archive(image, archive, python.as_ref());
    Ok(CheckImageResponse {
        ok: report.valid,
        text: report.render_text(),
        report,
    })
}

fn request<T: DeserializeOwned>(json: &str) -> Result<T, Failed> {
    serde_json::from_str(json).map_err(|err| {
        Failed::with(vec![Input::Request.with(Diagnostic::error(
            "",
            format!("malformed request: {err}"),
            "call the export with a JSON object as src/web/responses.rs describes",
        ))])
    })
}

/// An LLSD as far as it can be read: typed even when validation fails (so
/// that the merge can still show what merge-config would say), with every
/// diagnostic located.
struct LlsdRead {
    llsd: Option<LlamaStackDistribution>,
    valid: bool,
    diagnostics: Vec<InputDiagnostic>,
}

fn read_llsd(text: &str) -> LlsdRead {
    // Validation findings come back as data (read_text locates only an
    // Err): located here, once.
    let read = read_text(text, |value| {
        Ok(match check_llsd(value) {
            Ok((llsd, warnings)) => (Some(llsd), true, warnings),
            // The same deserializer as check_llsd's (one copy of the code in wasm).
            Err(errors) => (serde_path_to_error::deserialize(value).ok(), false, errors),
        })
    });
    let (llsd, valid, diagnostics) = match read {
        Ok((llsd, valid, mut diagnostics)) => {
            Locations::fill(text, 1, &mut diagnostics);
            (llsd, valid, diagnostics)
        }
        // unreadable YAML: its diagnostic carries its position
        Err(errors) => (None, false, errors),
    };
    LlsdRead {
        llsd,
        valid,
        diagnostics: tagged(Input::Llsd, diagnostics),
    }
}

/// `{text, file?, source?}`: the core's FileReport and its diagnostics as
/// one flat list.
pub fn validate(json: &str) -> Result<ValidateResponse, Failed> {
    let req: ValidateRequest = request(json)?;
    let source = req
        .source
        .and_then(|key| key.parse().ok())
        .unwrap_or(Input::Llsd);
    let report = validate_text(req.file.as_deref().unwrap_or("input.yaml"), &req.text);
    let whole = report.diagnostics.iter().map(|d| (None, d));
    let per_document = report
        .documents
        .iter()
        .flat_map(|doc| doc.diagnostics.iter().map(|d| (Some(doc.document), d)));
    let diagnostics = whole
        .chain(per_document)
        .map(|(document, d)| DocumentDiagnostic {
            document,
            diagnostic: source.clone().with(d.clone()),
        })
        .collect();
    Ok(ValidateResponse {
        ok: report.valid,
        report,
        diagnostics,
    })
}

/// `{llsd}`: the providers in CRD order with a prefilled spec each, read
/// leniently (tabs exist while the LLSD has errors).
pub fn providers(json: &str) -> Result<ProvidersResponse, Failed> {
    let req: ProvidersRequest = request(json)?;
    let document = read_text(&req.llsd, |value| Ok(value.clone())).map_err(|errors| Failed {
        providers: Some(Vec::new()),
        ..Failed::with(tagged(Input::Llsd, errors))
    })?;
    let providers = provider_entries(&document)
        .into_iter()
        .map(|entry| ProviderTab {
            default_spec: default_spec(&entry.provider_id, &entry.image, &entry.section),
            entry,
        })
        .collect();
    Ok(ProvidersResponse {
        ok: true,
        providers,
    })
}

/// `{providerId, image, section}`: a plausible lls-provider-spec.yaml for
/// a provider whose image the page cannot pull.
pub fn default_spec_json(json: &str) -> Result<TextResponse, Failed> {
    let req: DefaultSpecRequest = request(json)?;
    Ok(TextResponse {
        ok: true,
        text: default_spec(&req.provider_id, &req.image, &req.section),
    })
}

/// `{llsd, deployment, options?}`: the injected Deployment (YAML), the
/// input as the same serializer writes it (for a line diff), and the
/// Kubernetes-aware list of changes.
pub fn inject_json(json: &str) -> Result<InjectResponse, Failed> {
    let req: InjectRequest = request(json)?;
    let texts = Texts {
        llsd: &req.llsd,
        deployment: &req.deployment,
        options: &req.options,
        ..NO_TEXTS
    };
    let read = read_llsd(&req.llsd);
    let mut errors: Vec<InputDiagnostic> = read
        .diagnostics
        .into_iter()
        .filter(|d| d.diagnostic.is_error())
        .collect();
    let llsd = read.llsd.filter(|_| read.valid);
    let deployment = read_text(&req.deployment, |value| Ok(value.clone()))
        .map_err(|e| errors.extend(tagged(Input::Deployment, e)))
        .ok();
    let options = if req.options.trim().is_empty() {
        Some(InjectOptions::default())
    } else {
        read_text(&req.options, InjectOptions::read)
            .map_err(|e| errors.extend(tagged(Input::Options, e)))
            .ok()
    };
    let (Some(llsd), Some(deployment), Some(options)) = (llsd, deployment, options) else {
        return Err(Failed::with(errors));
    };
    let after = inject(&llsd, &deployment, &options)
        .map_err(|err| Failed::with(texts.locate(err.diagnostics)))?;
    let changes = deployment_changes(&deployment, &after);
    // Printed by the merge's YAML writer: serde_yaml's emitter would add a
    // fifth of this export's weight to the page for one printout. (Both
    // are mappings: inject() refuses anything else.)
    let print = |value: &Value| value.as_object().map(yaml_document).unwrap_or_default();
    Ok(InjectResponse {
        ok: true,
        deployment: print(&after),
        input: print(&deployment),
        summary: summary(&changes),
        changes,
    })
}

/// The LLSD's providers with the metadata the spec editors hold, and
/// whether the LLSD itself is valid. A failure is a complete response.
fn sources(
    llsd_text: &str,
    specs: &BTreeMap<String, String>,
) -> Result<(Vec<ProviderSource>, bool), Failed> {
    let read = read_llsd(llsd_text);
    let Some(llsd) = read.llsd else {
        return Err(Failed {
            stage: Some("llsd"),
            ..Failed::with(read.diagnostics)
        });
    };
    let sources = sources_from_llsd(&llsd, |id| specs.get(id).map(String::as_str))
        .map_err(|failure| failed_step("assemble", &failure, None, llsd_text, specs))?;
    Ok((sources, read.valid))
}

/// A pipeline failure as a response: its summary, the merge log, and its
/// markers located in the inputs.
fn failed_step(
    stage: &'static str,
    failure: &MergeFailure,
    base: Option<BaseConfig<'_>>,
    llsd: &str,
    specs: &BTreeMap<String, String>,
) -> Failed {
    let texts = Texts {
        llsd,
        run_yaml: base.map_or("", |b| b.text),
        specs: Some(specs),
        ..NO_TEXTS
    };
    Failed {
        stage: Some(stage),
        failure: Some(failure.summary()),
        log: Some(pipeline::failure_log(base.map(|b| b.name), failure)),
        ..Failed::with(texts.locate(failure.diagnostics()))
    }
}

/// `{llsd, specs: {providerId: text}, runYaml?, runYamlName?}`: the same
/// steps as the merge-config init container — assemble (ids unique, API
/// placement), then the format-preserving merge.
pub fn merge(json: &str) -> Result<MergeResponse, Failed> {
    let req: MergeRequest = request(json)?;
    let (sources, llsd_valid) = sources(&req.llsd, &req.specs)?;
    let base_text = req.run_yaml.as_deref().filter(|t| !t.trim().is_empty());
    if base_text.is_some_and(|t| t.len() > MAX_BASE_BYTES) {
        return Err(Failed::with(vec![Input::RunYaml.with(Diagnostic::error(
            "",
            format!("run.yaml is over {MAX_BASE_BYTES} bytes"),
            "paste the ConfigMap's run.yaml itself",
        ))]));
    }
    let base = base_text.map(|text| BaseConfig {
        name: req.run_yaml_name.as_deref().unwrap_or("run.yaml"),
        text,
    });
    let out = pipeline::assemble(&sources)
        .and_then(|providers| pipeline::run_merge_step(base, &providers))
        .map_err(|failure| Failed {
            llsd_valid: Some(llsd_valid),
            ..failed_step("merge", &failure, base, &req.llsd, &req.specs)
        })?;
    Ok(MergeResponse {
        ok: true,
        llsd_valid,
        providers: sources.iter().map(ProviderEntry::of).collect(),
        base: base_text.map(str::to_string),
        config: out.config,
        extra_providers: out.extra_providers,
        log: out.log,
        warnings: out.warnings,
    })
}

/// `{llsd, specs}`: extra-providers.yaml alone.
pub fn extra_providers(json: &str) -> Result<TextResponse, Failed> {
    let req: ExtraProvidersRequest = request(json)?;
    let (sources, _) = sources(&req.llsd, &req.specs)?;
    let providers = pipeline::assemble(&sources)
        .map_err(|failure| failed_step("merge", &failure, None, &req.llsd, &req.specs))?;
    Ok(TextResponse {
        ok: true,
        text: render_extra_providers(&providers),
    })
}

/// `{pod, llsd?}`: the per-provider status as the operator would set it,
/// and the CLI's table.
pub fn status(json: &str) -> Result<StatusResponse, Failed> {
    let req: StatusRequest = request(json)?;
    if req.pod.trim().is_empty() {
        return Err(Failed {
            empty: true,
            ..Failed::with(Vec::new())
        });
    }
    let pod =
        read_text(&req.pod, read_pod).map_err(|errors| Failed::with(tagged(Input::Pod, errors)))?;
    let mut notes = Vec::new();
    let llsd = if req.llsd.trim().is_empty() {
        None
    } else {
        let read = read_llsd(&req.llsd);
        if !read.valid {
            notes.push(if read.llsd.is_some() {
                "The LLSD has validation errors; it is used as far as it could be read."
            } else {
                "The LLSD cannot be read; providers are taken from the pod's init containers."
            });
        }
        read.llsd
    };
    let report = diagnose(&pod, llsd.as_ref());
    Ok(StatusResponse {
        ok: true,
        used_llsd: llsd.is_some(),
        notes,
        table: render_table(&report, false),
        report,
    })
}

#[cfg(test)]
mod tests;
