//! The Kubewarden policy host (this crate, built for `wasm32-wasip1`
//! as `policy.wasm`): a thin waPC wrapper over the core.
//!
//! - `LlamaStackDistribution` CREATE/UPDATE: the core's validation
//!   ([`check_llsd`]) plus the settings' supply-chain rules; one rejection
//!   lists every violation with its field path and fix.
//! - `Deployment` CREATE/UPDATE controlled by an LLSD: the LLSD is fetched
//!   through the context-aware `kubernetes/get_resource` host capability and
//!   the Deployment is mutated with the core's [`inject`]; an up-to-date
//!   Deployment is accepted without a patch. When the lookup fails, a
//!   Deployment not wired yet is admitted unchanged with a warning and a
//!   wired one is rejected; a wired one whose LLSD shows no providers keeps
//!   them when the LLSD CRD lost its patch ([`crd_guard`]).
//! - Anything else is accepted unchanged.
//!
//! Every decision is in [`evaluate`], a pure function of the payload and a
//! lookup, so native tests and benchmarks run exactly what the module runs.
//! Nothing here panics on input: bad requests and bad settings become
//! rejections or settings errors.

pub mod crd_guard;
pub mod settings;

pub use kubewarden_policy_sdk::host_capabilities::kubernetes::GetResourceRequest;
pub use kubewarden_policy_sdk::response::ValidationResponse;
pub use kubewarden_policy_sdk::settings::SettingsValidationResponse;
pub use settings::Settings;

use kubewarden_policy_sdk::request::ValidationRequest;
use kubewarden_policy_sdk::wapc_guest::{self, CallResult};
use llsd_providers::contract::HASH_ANNOTATION;
use llsd_providers::diagnostic::Diagnostic;
use llsd_providers::inject::inject;
use llsd_providers::llsd::{API_VERSION, GROUP, KIND, LlamaStackDistribution};
use llsd_providers::validate::{check_llsd, supply_chain};
use serde_json::Value;

#[cfg(not(test))]
use kubewarden_policy_sdk::host_capabilities::kubernetes::get_resource;
#[cfg(test)]
use tests::mock_kubernetes_sdk::get_resource;

/// Registers the waPC functions the policy-server calls.
#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    wapc_guest::register_function("validate", validate);
    wapc_guest::register_function("validate_settings", validate_settings);
    wapc_guest::register_function(
        "protocol_version",
        kubewarden_policy_sdk::protocol_version_guest,
    );
}

/// waPC `validate`: `{"request": AdmissionRequest, "settings": …}` →
/// `ValidationResponse`. Never returns an error for bad input.
pub fn validate(payload: &[u8]) -> CallResult {
    // Sized for a mutated object about as large as the request's, so that
    // the response is not copied over and over while it grows.
    let mut response = Vec::with_capacity(payload.len() * 2);
    serde_json::to_writer(&mut response, &evaluate(payload, &host_lookup))?;
    Ok(response)
}

/// waPC `validate_settings`: the settings JSON → `{valid, message}`, every
/// problem named by its field.
pub fn validate_settings(payload: &[u8]) -> CallResult {
    Ok(serde_json::to_vec(&check_settings(payload))?)
}

/// The settings verdict for a `validate_settings` payload.
pub fn check_settings(payload: &[u8]) -> SettingsValidationResponse {
    let problems = match serde_json::from_slice::<Value>(payload) {
        Err(err) => vec![Diagnostic::error(
            "",
            format!("the settings are not JSON: {err}"),
            "pass the settings as a JSON object",
        )],
        Ok(value) => match Settings::parse(&value) {
            Ok(_) => Vec::new(),
            Err(problems) => problems,
        },
    };
    SettingsValidationResponse {
        valid: problems.is_empty(),
        message: (!problems.is_empty())
            .then(|| render("the policy settings are invalid", &problems)),
    }
}

/// Fetches a resource from the cluster: `Ok(object)` or the host's error.
pub type Lookup<'a> = &'a dyn Fn(&GetResourceRequest) -> Result<Value, String>;

fn host_lookup(request: &GetResourceRequest) -> Result<Value, String> {
    get_resource::<Value>(request).map_err(|err| host_error_line(&err.to_string()))
}

/// The host's error as one line: its first non-empty line (policy-server
/// appends a stack backtrace after it). The error travels in admission
/// warnings, which the API server drops when they hold a line break.
pub fn host_error_line(error: &str) -> String {
    error
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// The policy's verdict on one `validate` payload.
pub fn evaluate(payload: &[u8], lookup: Lookup) -> ValidationResponse {
    let request = match serde_json::from_slice::<ValidationRequest<Value>>(payload) {
        Ok(request) => request,
        Err(err) => {
            return reject(format!(
                "the admission request cannot be read: {err}; expected {{\"request\": <AdmissionRequest>, \"settings\": {{…}}}}"
            ));
        }
    };
    let settings = match Settings::parse(&request.settings) {
        Ok(settings) => settings,
        Err(problems) => return reject(render("the policy settings are invalid", &problems)),
    };
    let request = request.request;
    if !matches!(request.operation.as_str(), "CREATE" | "UPDATE")
        || !request.sub_resource.is_empty()
        || being_deleted(&request.object)
    {
        return accept(Vec::new());
    }
    let kind = &request.kind;
    match (kind.group.as_str(), kind.kind.as_str()) {
        (GROUP, KIND) => admit_llsd(&request.object, &settings),
        ("apps", "Deployment") => admit_deployment(&request, &settings, lookup),
        _ => accept(Vec::new()),
    }
}

/// Objects on their way out are not validated or wired (finalizer updates
/// must go through).
fn being_deleted(object: &Value) -> bool {
    object
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|t| !t.is_null())
}

fn admit_llsd(object: &Value, settings: &Settings) -> ValidationResponse {
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>");
    let mut diagnostics = match check_llsd(object) {
        Ok((_, warnings)) => warnings,
        Err(diagnostics) => diagnostics,
    };
    diagnostics.extend(supply_chain::check(object, &settings.supply_chain));
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        return reject(render(
            &format!("{KIND} '{name}' is invalid ({errors} error(s))"),
            &diagnostics,
        ));
    }
    accept(diagnostics.iter().map(one_line).collect())
}

fn admit_deployment(
    request: &kubewarden_policy_sdk::request::KubernetesAdmissionRequest,
    settings: &Settings,
    lookup: Lookup,
) -> ValidationResponse {
    let object = &request.object;
    let Some(owner) = llsd_owner(object) else {
        return accept(Vec::new());
    };
    let deployment_name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or(request.name.as_str());
    let namespace = Some(request.namespace.as_str())
        .filter(|n| !n.is_empty())
        .or_else(|| {
            object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
        })
        .unwrap_or_default();
    let Some(llsd_name) = owner.filter(|n| !n.is_empty()) else {
        return reject(format!(
            "Deployment '{deployment_name}' has a controller ownerReference to a {KIND} without a name; \
             fix: let the llama-stack operator set metadata.ownerReferences"
        ));
    };
    if namespace.is_empty() {
        return reject(format!(
            "Deployment '{deployment_name}' has no namespace, so its {KIND} '{llsd_name}' cannot be looked up"
        ));
    }
    let who = format!("{KIND} '{namespace}/{llsd_name}'");
    let lookup_request = GetResourceRequest {
        api_version: API_VERSION.to_string(),
        kind: KIND.to_string(),
        name: llsd_name.to_string(),
        namespace: Some(namespace.to_string()),
        // The operator writes the Deployment right after reading a changed
        // LLSD: a cached (up to 5 s old) copy would wire the old providers.
        disable_cache: true,
        field_masks: None,
    };
    // A Deployment this policy has wired: the request's object, or the stored
    // one an UPDATE replaces (a forced apply or a PUT may drop the wiring).
    let wired = is_wired(object) || is_wired(&request.old_object);
    let llsd_value = match lookup(&lookup_request) {
        Ok(value) => value,
        Err(err) => {
            let problem = format!(
                "cannot look up {who}, the controller owner of Deployment '{deployment_name}', \
                 to inject its external providers: {err}"
            );
            let fix = format!(
                "if the {KIND} exists, give the policy access to it (contextAwareResources: \
                 llamastack.io/v1alpha1 {KIND}) and check the policy-server's RBAC; if it was \
                 deleted, the Deployment is orphaned"
            );
            // Never wired: admitting it as it is loses nothing, and an LLSD
            // without providers must not depend on the policy's lookups.
            if !wired {
                return accept(vec![format!(
                    "external providers not injected: {problem} (fix: {fix}; the operator's next \
                     update is wired once the lookup works)"
                )]);
            }
            return reject(format!("{problem}\n  fix: {fix}"));
        }
    };
    let llsd: LlamaStackDistribution = match check_llsd(&llsd_value) {
        Ok((llsd, _warnings)) => llsd,
        Err(diagnostics) => {
            return reject(render(
                &format!(
                    "{who}, the controller owner of Deployment '{deployment_name}', is invalid, so its \
                     external providers cannot be injected"
                ),
                &diagnostics,
            ));
        }
    };
    if wired && llsd.providers_in_crd_order().is_empty() {
        let version = API_VERSION.split_once('/').map_or(API_VERSION, |(_, v)| v);
        if let Err(message) = crd_guard::check_crd_serves_providers(lookup, version) {
            return reject(format!(
                "refusing to remove the external providers of Deployment '{deployment_name}': \
                 {who} lists none, but {message}"
            ));
        }
    }
    let violations = supply_chain::check(&llsd_value, &settings.supply_chain);
    if !violations.is_empty() {
        return reject(render(
            &format!(
                "{who}, the controller owner of Deployment '{deployment_name}', breaks the policy's \
                 supply-chain rules"
            ),
            &violations,
        ));
    }
    let injected = match inject(&llsd, object, &settings.inject) {
        Ok(injected) => injected,
        Err(err) => {
            return reject(render(
                &format!(
                    "cannot inject the external providers of {who} into Deployment '{deployment_name}'"
                ),
                &err.diagnostics
                    .into_iter()
                    .map(|d| d.diagnostic)
                    .collect::<Vec<_>>(),
            ));
        }
    };
    if injected == *object {
        // already wired for this LLSD and these settings
        return accept(Vec::new());
    }
    ValidationResponse {
        mutated_object: Some(injected),
        ..accept(Vec::new())
    }
}

/// Whether a Deployment (JSON, `null` for none) carries this policy's wiring.
fn is_wired(deployment: &Value) -> bool {
    deployment
        .pointer("/spec/template/metadata/annotations")
        .and_then(Value::as_object)
        .is_some_and(|annotations| annotations.contains_key(HASH_ANNOTATION))
}

/// The name of the LLSD controlling the Deployment: `None` when no
/// controller ownerReference points at an LLSD, `Some(None)` when it has no
/// usable name.
fn llsd_owner(object: &Value) -> Option<Option<&str>> {
    let owner = object
        .pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| {
            r.get("controller").and_then(Value::as_bool) == Some(true)
                && r.get("kind").and_then(Value::as_str) == Some(KIND)
                && r.get("apiVersion")
                    .and_then(Value::as_str)
                    .and_then(|v| v.split('/').next())
                    == Some(GROUP)
        })?;
    Some(owner.get("name").and_then(Value::as_str))
}

fn accept(warnings: Vec<String>) -> ValidationResponse {
    ValidationResponse {
        accepted: true,
        message: None,
        code: None,
        mutated_object: None,
        audit_annotations: None,
        warnings: (!warnings.is_empty()).then_some(warnings),
    }
}

fn reject(message: String) -> ValidationResponse {
    ValidationResponse {
        accepted: false,
        message: Some(message),
        code: None,
        mutated_object: None,
        audit_annotations: None,
        warnings: None,
    }
}

/// `header:` then every diagnostic as the CLI prints it (`ERROR path: problem` / `  fix: …`).
fn render(header: &str, diagnostics: &[Diagnostic]) -> String {
    let mut message = format!("{header}:");
    for diagnostic in diagnostics {
        message.push('\n');
        message.push_str(&diagnostic.to_string());
    }
    message
}

/// A warning as one line (admission warnings travel as HTTP headers).
fn one_line(diagnostic: &Diagnostic) -> String {
    format!(
        "{}: {} (fix: {})",
        diagnostic.path, diagnostic.problem, diagnostic.fix
    )
}

#[cfg(test)]
mod tests;
