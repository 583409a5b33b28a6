//! The playground's operations as pure functions: a JSON request in, a JSON
//! response out. Every response is an object with `ok`; problems come back
//! as data (`errors`, `warnings`, `failure`), never as a panic or an
//! exception. Each diagnostic names the input it points into (`source`:
//! `llsd`, `deployment`, `options`, `runYaml`, `pod`, `spec:{providerId}` or
//! `request`) with its field `path` and, when known, `location` (1-based
//! line and column in that input's text), so the page can put a lint
//! marker on the right line of the right editor.

use super::k8s_diff::{deployment_changes, summary};
use super::prefill::{ProviderEntry, default_spec, provider_entries};
use crate::assemble::{self, MergeFailure, ProviderSource};
use crate::diagnostic::{Diagnostic, Location};
use crate::inject::{InjectOptions, inject};
use crate::llsd::LlamaStackDistribution;
use crate::locate::Locations;
use crate::merge::render_extra_providers;
use crate::merge_step::{self, BaseConfig, MAX_BASE_BYTES};
use crate::status::{diagnose, render_table};
use crate::validate::{check_llsd, check_provider_package, validate_text};
use crate::yaml_input;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

pub const LLSD: &str = "llsd";
pub const DEPLOYMENT: &str = "deployment";
pub const OPTIONS: &str = "options";
pub const RUN_YAML: &str = "runYaml";
pub const POD: &str = "pod";
pub const REQUEST: &str = "request";

/// The editor source of a provider's lls-provider-spec.yaml.
pub fn spec_source(provider_id: &str) -> String {
    format!("spec:{provider_id}")
}

/// A diagnostic as the page reads it: the core's fields plus `source`.
fn diagnostic_json(source: &str, diagnostic: &Diagnostic) -> Value {
    let mut value = serde_json::to_value(diagnostic).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut value {
        map.insert("source".into(), Value::from(source));
    }
    value
}

/// Gives each diagnostic without a location the position of its path in
/// document `document` of `text`.
fn locate(text: &str, document: usize, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if diagnostics.iter().any(|d| d.location.is_none()) {
        let locations = Locations::of(text);
        for d in diagnostics.iter_mut().filter(|d| d.location.is_none()) {
            d.location = locations.find(document, &d.path);
        }
    }
    diagnostics
}

/// Diagnostics of document `document` of `text`, located, as JSON.
fn located(source: &str, text: &str, document: usize, diagnostics: &[Diagnostic]) -> Vec<Value> {
    locate(text, document, diagnostics.to_vec())
        .iter()
        .map(|d| diagnostic_json(source, d))
        .collect()
}

fn failed(errors: Vec<Value>) -> Value {
    json!({"ok": false, "errors": errors})
}

/// Reads the request object; a malformed request is an error response.
fn request<T: DeserializeOwned>(json: &str) -> Result<T, Value> {
    serde_json::from_str(json).map_err(|err| {
        let diagnostic = Diagnostic::error(
            "",
            format!("malformed request: {err}"),
            "call the export with a JSON object as documented in src/web/ops.rs",
        );
        failed(vec![diagnostic_json(REQUEST, &diagnostic)])
    })
}

/// The first YAML (or JSON) document of `text`.
fn first_document(source: &str, text: &str) -> Result<Value, Vec<Value>> {
    match yaml_input::load_documents(text) {
        Ok(documents) => Ok(documents
            .into_iter()
            .next()
            .map_or(Value::Null, |d| d.value)),
        Err(diagnostic) => Err(located(source, text, 1, &[diagnostic])),
    }
}

/// Reads a typed Kubernetes object, naming the path of a type mismatch.
/// (Measured: tracking the path over the JSON value makes a smaller wasm
/// than deserializing these types with serde_yaml straight from the text.)
fn typed<T: DeserializeOwned>(source: &str, text: &str, fix: &str) -> Result<T, Vec<Value>> {
    let value = first_document(source, text)?;
    serde_path_to_error::deserialize(&value).map_err(|err| {
        let path = err.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let diagnostic = Diagnostic::error(path, err.inner().to_string(), fix);
        located(source, text, 1, &[diagnostic])
    })
}

/// An LLSD as far as it can be read: typed even when validation fails
/// (so that the merge can still show what merge-config would say), with
/// every diagnostic located in the text.
struct LlsdRead {
    llsd: Option<LlamaStackDistribution>,
    valid: bool,
    diagnostics: Vec<Value>,
}

fn read_llsd(text: &str) -> LlsdRead {
    let value = match first_document(LLSD, text) {
        Ok(value) => value,
        Err(diagnostics) => {
            return LlsdRead {
                llsd: None,
                valid: false,
                diagnostics,
            };
        }
    };
    match check_llsd(&value) {
        Ok((llsd, warnings)) => LlsdRead {
            llsd: Some(llsd),
            valid: true,
            diagnostics: located(LLSD, text, 1, &warnings),
        },
        Err(errors) => LlsdRead {
            // The same deserializer as check_llsd's (one copy of the code in wasm).
            llsd: serde_path_to_error::deserialize(&value).ok(),
            valid: false,
            diagnostics: located(LLSD, text, 1, &errors),
        },
    }
}

fn is_error(diagnostic: &Value) -> bool {
    diagnostic.get("severity").and_then(Value::as_str) == Some("error")
}

#[derive(Deserialize)]
struct ValidateRequest {
    text: String,
    #[serde(default)]
    file: Option<String>,
    /// Editor source the diagnostics are tagged with.
    #[serde(default)]
    source: Option<String>,
}

/// `{text, file?, source?}` → `{ok, report, diagnostics}`: the core's
/// FileReport (kind by `kind`: LLSD or ProviderPackage) and its
/// diagnostics as one flat, located list.
pub fn validate(json: &str) -> Value {
    let req: ValidateRequest = match request(json) {
        Ok(req) => req,
        Err(response) => return response,
    };
    let file = req.file.as_deref().unwrap_or("input.yaml");
    let source = req.source.as_deref().unwrap_or(LLSD);
    let report = validate_text(file, &req.text);
    let mut diagnostics: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| diagnostic_json(source, d))
        .collect();
    for document in &report.documents {
        for d in &document.diagnostics {
            let mut value = diagnostic_json(source, d);
            if let Value::Object(map) = &mut value {
                map.insert("document".into(), Value::from(document.document));
            }
            diagnostics.push(value);
        }
    }
    json!({"ok": report.valid, "report": report, "diagnostics": diagnostics})
}

#[derive(Deserialize)]
struct ProvidersRequest {
    llsd: String,
}

/// `{llsd}` → `{ok, providers: [{providerId, image, section, api, defaultSpec}]}`
/// in CRD order, read leniently (tabs exist while the LLSD has errors).
pub fn providers(json: &str) -> Value {
    let req: ProvidersRequest = match request(json) {
        Ok(req) => req,
        Err(response) => return response,
    };
    match first_document(LLSD, &req.llsd) {
        Err(errors) => json!({"ok": false, "providers": [], "errors": errors}),
        Ok(document) => {
            let providers: Vec<Value> = provider_entries(&document)
                .into_iter()
                .map(|entry| {
                    let spec = default_spec(&entry.provider_id, &entry.image, &entry.section);
                    let mut value = serde_json::to_value(&entry).unwrap_or_else(|_| json!({}));
                    if let Value::Object(map) = &mut value {
                        map.insert("defaultSpec".into(), Value::from(spec));
                    }
                    value
                })
                .collect();
            json!({"ok": true, "providers": providers})
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DefaultSpecRequest {
    provider_id: String,
    #[serde(default)]
    image: String,
    #[serde(default)]
    section: String,
}

/// `{providerId, image, section}` → `{ok, text}`: a plausible
/// lls-provider-spec.yaml for a provider whose image the page cannot pull.
pub fn default_spec_json(json: &str) -> Value {
    match request::<DefaultSpecRequest>(json) {
        Ok(req) => {
            json!({"ok": true, "text": default_spec(&req.provider_id, &req.image, &req.section)})
        }
        Err(response) => response,
    }
}

#[derive(Deserialize)]
struct InjectRequest {
    llsd: String,
    deployment: String,
    #[serde(default)]
    options: String,
}

/// Which input an injection diagnostic points into, and its path there.
fn inject_source(path: &str) -> (&'static str, &str) {
    if let Some(rest) = path.strip_prefix("options.") {
        (OPTIONS, rest)
    } else if path.starts_with("spec.server") {
        (LLSD, path)
    } else {
        (DEPLOYMENT, path)
    }
}

/// `{llsd, deployment, options?}` → `{ok, deployment, input, changes, summary}`:
/// the injected Deployment (YAML), the input as the same serializer writes
/// it (for a line diff), and the Kubernetes-aware list of changes.
pub fn inject_json(json: &str) -> Value {
    let req: InjectRequest = match request(json) {
        Ok(req) => req,
        Err(response) => return response,
    };
    let mut errors = Vec::new();
    let read = read_llsd(&req.llsd);
    let llsd = if read.valid { read.llsd } else { None };
    errors.extend(read.diagnostics.into_iter().filter(is_error));
    let deployment = typed::<Deployment>(
        DEPLOYMENT,
        &req.deployment,
        "give the field the type Kubernetes defines for a Deployment",
    )
    .map_err(|e| errors.extend(e))
    .ok();
    let options = if req.options.trim().is_empty() {
        Some(InjectOptions::default())
    } else {
        typed::<InjectOptions>(
            OPTIONS,
            &req.options,
            "use the options' types: mergeImage (string), mergeCommand (list of strings), \
             sharedVolumeSizeLimit (quantity), initContainerResources (cpuRequest, memoryRequest, \
             memoryLimit), runAsUser (integer)",
        )
        .map_err(|e| errors.extend(e))
        .ok()
    };
    let (Some(llsd), Some(deployment), Some(options)) = (llsd, deployment, options) else {
        return failed(errors);
    };
    match inject(&llsd, &deployment, &options) {
        Ok(out) => {
            // Printed from the JSON values, not the typed objects: one
            // serializer for the Kubernetes types keeps the wasm smaller.
            let before = serde_json::to_value(&deployment).unwrap_or(Value::Null);
            let after = serde_json::to_value(&out).unwrap_or(Value::Null);
            let changes = deployment_changes(&before, &after);
            match (
                serde_yaml::to_string(&after),
                serde_yaml::to_string(&before),
            ) {
                (Ok(text), Ok(input)) => json!({
                    "ok": true,
                    "deployment": text,
                    "input": input,
                    "summary": summary(&changes),
                    "changes": changes,
                }),
                (Err(err), _) | (_, Err(err)) => failed(vec![diagnostic_json(
                    DEPLOYMENT,
                    &Diagnostic::error("", format!("cannot print the Deployment: {err}"), ""),
                )]),
            }
        }
        Err(err) => {
            let errors = err
                .diagnostics
                .iter()
                .map(|d| {
                    let (source, path) = inject_source(&d.path);
                    let text = match source {
                        LLSD => &req.llsd,
                        OPTIONS => &req.options,
                        _ => &req.deployment,
                    };
                    let mut local = d.clone();
                    local.path = path.to_string();
                    let mut value = located(source, text, 1, &[local]);
                    let mut value = value.pop().unwrap_or(Value::Null);
                    if let Value::Object(map) = &mut value {
                        // Keep the core's path (options.* included) for display.
                        map.insert("path".into(), Value::from(d.path.clone()));
                    }
                    value
                })
                .collect();
            failed(errors)
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MergeRequest {
    llsd: String,
    /// lls-provider-spec.yaml text per providerId.
    #[serde(default)]
    specs: Map<String, Value>,
    /// The user's run.yaml; absent or blank: no base (minimal config).
    #[serde(default)]
    run_yaml: Option<String>,
    #[serde(default)]
    run_yaml_name: Option<String>,
}

/// What the LLSD and the spec editors make of the providers.
struct Sources {
    sources: Vec<ProviderSource>,
    /// Field path of each source's LLSD entry.
    paths: Vec<String>,
    llsd_valid: bool,
    entries: Vec<ProviderEntry>,
}

/// LLSD entries (CRD order) + each provider's parsed metadata → the
/// sources the core assembles. A failure is a complete response.
fn build_sources(llsd_text: &str, specs: &Map<String, Value>) -> Result<Sources, Value> {
    let read = read_llsd(llsd_text);
    let Some(llsd) = read.llsd else {
        let mut response = failed(read.diagnostics);
        response["stage"] = Value::from("llsd");
        return Err(response);
    };
    let providers = llsd.providers_in_crd_order();
    let mut sources = Vec::with_capacity(providers.len());
    let mut paths = Vec::with_capacity(providers.len());
    let mut entries = Vec::with_capacity(providers.len());
    let mut index_in_section: Vec<(&str, usize)> = Vec::new();
    for (api, entry) in providers {
        let index = match index_in_section
            .iter_mut()
            .find(|(s, _)| *s == api.crd_field)
        {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                index_in_section.push((api.crd_field, 0));
                0
            }
        };
        let path = format!("spec.server.externalProviders.{}[{index}]", api.crd_field);
        let id = entry.provider_id.as_str();
        let source = spec_source(id);
        let Some(text) = specs.get(id).and_then(Value::as_str) else {
            let message = format!(
                "ERROR: Missing lls-provider-spec.yaml for provider '{id}' (image: {})\n\n\
                 A browser cannot pull images.\n\n\
                 Resolution: Paste /lls-provider/lls-provider-spec.yaml from the image into the provider's tab.",
                entry.image
            );
            let diagnostic = Diagnostic::error(
                format!("{path}.image"),
                format!("no lls-provider-spec.yaml for provider '{id}'"),
                "paste the image's /lls-provider/lls-provider-spec.yaml into its tab",
            );
            return Err(json!({
                "ok": false,
                "stage": "assemble",
                "failure": {"kind": "missingSpec", "providerId": id, "image": entry.image, "message": message},
                "errors": located(LLSD, llsd_text, 1, &[diagnostic]),
            }));
        };
        let package = yaml_input::load_documents(text)
            .map_err(|d| vec![d])
            .and_then(|documents| match documents.into_iter().next() {
                Some(document) => check_provider_package(&document.value).map(|(p, _)| p),
                None => Err(Vec::new()),
            });
        let package = match package {
            Ok(package) => package,
            Err(diagnostics) => {
                let diagnostics = locate(text, 1, diagnostics);
                let errors: Vec<Value> = diagnostics
                    .iter()
                    .map(|d| diagnostic_json(&source, d))
                    .collect();
                let failure = MergeFailure::InvalidProviderFile {
                    provider_id: id.to_string(),
                    image: entry.image.clone(),
                    file: format!("lls-provider-spec.yaml ({id})"),
                    diagnostics,
                };
                let mut response = failure_response(&failure, None);
                response["errors"] = Value::from(errors);
                return Err(response);
            }
        };
        entries.push(ProviderEntry {
            provider_id: id.to_string(),
            image: entry.image.clone(),
            section: api.crd_field.to_string(),
            api: api.run_yaml_key.to_string(),
        });
        paths.push(path);
        sources.push(ProviderSource {
            provider_id: id.to_string(),
            image: entry.image.clone(),
            section: api,
            config: entry.config.clone(),
            package,
        });
    }
    Ok(Sources {
        sources,
        paths,
        llsd_valid: read.valid,
        entries,
    })
}

fn failure_kind(failure: &MergeFailure) -> &'static str {
    match failure {
        MergeFailure::ApiMismatch { .. } => "apiMismatch",
        MergeFailure::DuplicateId { .. } => "duplicateId",
        MergeFailure::MissingProvider { .. } => "missingProvider",
        MergeFailure::UnlistedProvider { .. } => "unlistedProvider",
        MergeFailure::InvalidProviderFile { .. } => "invalidProviderFile",
        MergeFailure::InvalidBase { .. } => "invalidBase",
    }
}

fn failure_response(failure: &MergeFailure, base: Option<&str>) -> Value {
    let provider_id = match failure {
        MergeFailure::ApiMismatch { provider_id, .. }
        | MergeFailure::DuplicateId { provider_id, .. }
        | MergeFailure::MissingProvider { provider_id, .. }
        | MergeFailure::InvalidProviderFile { provider_id, .. } => Some(provider_id.as_str()),
        MergeFailure::UnlistedProvider { .. } | MergeFailure::InvalidBase { .. } => None,
    };
    json!({
        "ok": false,
        "stage": "merge",
        "failure": {
            "kind": failure_kind(failure),
            "providerId": provider_id,
            "message": failure.to_string(),
        },
        "log": merge_step::failure_log(base, failure),
        "errors": [],
    })
}

/// The first `line N, column M` in a core message (MergeError texts put
/// the position of the problem there).
fn location_in_message(message: &str) -> Option<Location> {
    let rest = &message[message.find("line ")? + 5..];
    let line_end = rest.find(|c: char| !c.is_ascii_digit())?;
    let line = rest[..line_end].parse().ok()?;
    let rest = rest[line_end..].strip_prefix(", column ")?;
    let column_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let column = rest[..column_end].parse().ok()?;
    Some(Location { line, column })
}

/// Markers for a merge failure in the inputs it is about.
fn failure_markers(failure: &MergeFailure, built: &Sources, llsd_text: &str) -> Vec<Value> {
    let entry_path = |id: &str, nth: usize| {
        built
            .sources
            .iter()
            .zip(&built.paths)
            .filter(|(s, _)| s.provider_id == id)
            .nth(nth)
            .map(|(_, path)| path.clone())
    };
    match failure {
        MergeFailure::ApiMismatch {
            provider_id,
            declared_api,
            declared_section,
            placement_api,
            ..
        } => {
            let mut markers = Vec::new();
            if let Some(path) = entry_path(provider_id, 0) {
                let d = Diagnostic::error(
                    path,
                    format!(
                        "provider '{provider_id}' declares api={declared_api} in lls-provider-spec.yaml but is placed under externalProviders.{placement_api}"
                    ),
                    format!("move the provider to externalProviders.{declared_section}"),
                );
                markers.extend(located(LLSD, llsd_text, 1, &[d]));
            }
            markers
        }
        MergeFailure::DuplicateId { provider_id, .. } => entry_path(provider_id, 1)
            .map(|path| {
                let d = Diagnostic::error(
                    format!("{path}.providerId"),
                    format!("'{provider_id}' is used by two external providers"),
                    "give each provider a unique providerId",
                );
                located(LLSD, llsd_text, 1, &[d])
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Spec-side marker of an API mismatch (`spec.api` of the provider's file).
fn spec_api_marker(failure: &MergeFailure, specs: &Map<String, Value>) -> Option<Value> {
    let MergeFailure::ApiMismatch {
        provider_id,
        declared_section,
        placement_api,
        ..
    } = failure
    else {
        return None;
    };
    let text = specs.get(provider_id)?.as_str()?;
    let d = Diagnostic::error(
        "spec.api",
        format!(
            "the LLSD places this provider under externalProviders.{placement_api}, not {declared_section}"
        ),
        "fix spec.api if the image is for that API, or move the LLSD entry",
    );
    located(&spec_source(provider_id), text, 1, &[d]).pop()
}

/// `{llsd, specs: {providerId: text}, runYaml?, runYamlName?}` →
/// `{ok, config, extraProviders, log, warnings, providers, llsdValid}`, or
/// `{ok: false, stage, failure: {kind, providerId, message}, log, errors}`.
/// The same steps as the merge-config init container: assemble (ids
/// unique, API placement) then the format-preserving merge.
pub fn merge(json: &str) -> Value {
    let req: MergeRequest = match request(json) {
        Ok(req) => req,
        Err(response) => return response,
    };
    let built = match build_sources(&req.llsd, &req.specs) {
        Ok(built) => built,
        Err(response) => return response,
    };
    let base_name = req.run_yaml_name.as_deref().unwrap_or("run.yaml");
    let base_text = req.run_yaml.as_deref().filter(|t| !t.trim().is_empty());
    if base_text.is_some_and(|t| t.len() > MAX_BASE_BYTES) {
        let d = Diagnostic::error(
            "",
            format!("run.yaml is over {MAX_BASE_BYTES} bytes"),
            "paste the ConfigMap's run.yaml itself",
        );
        return failed(vec![diagnostic_json(RUN_YAML, &d)]);
    }
    let base = base_text.map(|text| BaseConfig {
        name: base_name,
        text,
    });
    let result = assemble::assemble(&built.sources)
        .and_then(|providers| merge_step::run_merge_step(base, &providers));
    match result {
        Ok(out) => json!({
            "ok": true,
            "llsdValid": built.llsd_valid,
            "providers": built.entries,
            "base": base_text,
            "config": out.config,
            "extraProviders": out.extra_providers,
            "log": out.log,
            "warnings": out.warnings,
        }),
        Err(failure) => {
            let mut response = failure_response(&failure, base.map(|b| b.name));
            let mut errors = failure_markers(&failure, &built, &req.llsd);
            errors.extend(spec_api_marker(&failure, &req.specs));
            if let MergeFailure::InvalidBase { message, .. } = &failure {
                let mut d = Diagnostic::error("", message.clone(), "fix the run.yaml");
                d.location = location_in_message(message);
                errors.push(diagnostic_json(RUN_YAML, &d));
            }
            response["errors"] = Value::from(errors);
            response["llsdValid"] = Value::from(built.llsd_valid);
            response
        }
    }
}

#[derive(Deserialize)]
struct ExtraProvidersRequest {
    llsd: String,
    #[serde(default)]
    specs: Map<String, Value>,
}

/// `{llsd, specs}` → `{ok, text}`: extra-providers.yaml alone.
pub fn extra_providers(json: &str) -> Value {
    let req: ExtraProvidersRequest = match request(json) {
        Ok(req) => req,
        Err(response) => return response,
    };
    let built = match build_sources(&req.llsd, &req.specs) {
        Ok(built) => built,
        Err(response) => return response,
    };
    match assemble::assemble(&built.sources) {
        Ok(providers) => json!({"ok": true, "text": render_extra_providers(&providers)}),
        Err(failure) => {
            let mut response = failure_response(&failure, None);
            let mut errors = failure_markers(&failure, &built, &req.llsd);
            errors.extend(spec_api_marker(&failure, &req.specs));
            response["errors"] = Value::from(errors);
            response
        }
    }
}

#[derive(Deserialize)]
struct StatusRequest {
    pod: String,
    #[serde(default)]
    llsd: String,
}

/// `{pod, llsd?}` → `{ok, report, table, usedLlsd, notes}`: the per-provider
/// status as the operator would set it, and the CLI's table.
pub fn status(json: &str) -> Value {
    let req: StatusRequest = match request(json) {
        Ok(req) => req,
        Err(response) => return response,
    };
    if req.pod.trim().is_empty() {
        return json!({"ok": false, "empty": true, "errors": []});
    }
    let pod: Pod = match typed(
        POD,
        &req.pod,
        "pass the pod as `kubectl get pod NAME -o json` prints it",
    ) {
        Ok(pod) => pod,
        Err(errors) => return failed(errors),
    };
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
    json!({
        "ok": true,
        "usedLlsd": llsd.is_some(),
        "notes": notes,
        "table": render_table(&report, false),
        "report": report,
    })
}

#[cfg(test)]
mod tests;
