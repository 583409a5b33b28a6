//! The playground's operations: a JSON request in, a typed response out
//! (the shapes are in [`super::responses`]). Each reads its request, calls
//! one of the core's operations ([`llsd_providers::operation`]) and maps
//! the answer: problems come back as data, each naming its input, field
//! path and line, so that the page marks the right line of the right editor.

use super::responses::*;
use llsd_providers::diagnostic::{Diagnostic, Input};
use llsd_providers::merge::yaml_document;
use llsd_providers::operation::{
    MergeTexts, StepFailure, default_spec, extra_providers_text, inject_texts, merge_texts,
    provider_entries_text, status_texts,
};
use llsd_providers::pipeline::BaseConfig;
use llsd_providers::status::{render_table, status_rows};
use llsd_providers::validate::validate_text;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Reads the request object; a malformed request is an error response.
/// `check-image` on an OCI archive's bytes (gzip layers are inflated in
/// wasm: the wheels' zip entries need inflate anyway).
pub fn check_image(archive: &[u8], json: &str) -> Result<CheckImageResponse, Failed> {
    use llsd_providers::image_check::{Target, check_archive};
    let req: CheckImageRequest = request(json)?;
    let target = Target::parse_fields(req.python.as_deref(), req.platform.as_deref()).map_err(
        |problems| {
            Failed::with(
                problems
                    .into_iter()
                    .map(|d| Input::Request.with(d))
                    .collect(),
            )
        },
    )?;
    let image = req.image.as_deref().unwrap_or("image.oci.tar");
    let report = check_archive(image, archive, &target);
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
            "call the export with a JSON object as crates/web/src/responses.rs describes",
        ))])
    })
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
    let diagnostics = report.flat_diagnostics(&source);
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
    let entries = provider_entries_text(&req.llsd).map_err(|errors| Failed {
        providers: Some(Vec::new()),
        ..Failed::with(errors)
    })?;
    let providers = entries
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
    let injection = inject_texts(&req.llsd, &req.deployment, &req.options).map_err(Failed::with)?;
    // Printed by the merge's YAML writer: serde_yaml's emitter would add a
    // fifth of this export's weight to the page for one printout. (Both
    // are mappings: the injection refuses anything else.)
    let print = |value: &Value| value.as_object().map(yaml_document).unwrap_or_default();
    Ok(InjectResponse {
        ok: true,
        deployment: print(&injection.after),
        input: print(&injection.before),
        summary: injection.summary,
        changes: injection.changes,
    })
}

/// A failed merge as a response.
fn failed(failure: StepFailure) -> Failed {
    Failed {
        stage: failure.stage,
        failure: failure.summary,
        log: failure.log,
        llsd_valid: failure.llsd_valid,
        ..Failed::with(failure.diagnostics)
    }
}

/// `{llsd, specs: {providerId: text}, runYaml?, runYamlName?}`: the same
/// steps as the install step in the pod.
pub fn merge(json: &str) -> Result<MergeResponse, Failed> {
    let req: MergeRequest = request(json)?;
    let base_text = req.run_yaml.as_deref().filter(|t| !t.trim().is_empty());
    let base = base_text.map(|text| BaseConfig {
        name: req.run_yaml_name.as_deref().unwrap_or("run.yaml"),
        text,
    });
    let merged = merge_texts(MergeTexts {
        llsd: &req.llsd,
        specs: &req.specs,
        base,
    })
    .map_err(failed)?;
    Ok(MergeResponse {
        ok: true,
        llsd_valid: merged.llsd_valid,
        providers: merged.sources.iter().map(ProviderEntry::of).collect(),
        base: base_text.map(str::to_string),
        config: merged.output.config,
        extra_providers: merged.output.extra_providers,
        log: merged.output.log,
        warnings: merged.output.warnings,
    })
}

/// `{llsd, specs}`: extra-providers.yaml alone.
pub fn extra_providers(json: &str) -> Result<TextResponse, Failed> {
    let req: ExtraProvidersRequest = request(json)?;
    let text = extra_providers_text(&req.llsd, &req.specs).map_err(failed)?;
    Ok(TextResponse { ok: true, text })
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
    let answer = status_texts(&req.pod, &req.llsd).map_err(Failed::with)?;
    Ok(StatusResponse {
        ok: true,
        used_llsd: answer.used_llsd,
        notes: answer.notes,
        table: render_table(&answer.report, false),
        rows: status_rows(&answer.report),
        report: answer.report,
    })
}

#[cfg(test)]
mod tests;
