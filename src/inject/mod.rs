//! Injection: (LLSD, the operator's Deployment, options) → the Deployment
//! with the external providers' init containers and pod wiring
//! (docs/contracts.md, "Injection" and "Paths and volumes").
//!
//! Idempotent: a previous injection is removed first, so transforming the
//! output again changes nothing and an LLSD change replaces the old wiring.

mod changes;
mod containers;
mod hash;
mod options;
mod server;
mod size;
mod strip;

pub use changes::{
    Change, ChangeKind, ChangeOp, ChangeSummary, deployment_changes, list_key, summary,
};
pub use hash::providers_hash;
pub use options::{
    DEFAULT_INSTALL_BINARY, DEFAULT_MERGE_IMAGE, InitContainerResources, InjectOptions,
    InstallMode, REMOVED_MERGE_COMMAND,
};
pub use size::json_bytes;

use crate::contract::*;
use crate::diagnostic::{Diagnostic, Input, InputDiagnostic};
use crate::json;
use crate::llsd::LlamaStackDistribution;
use serde_json::Value;

/// Why a Deployment could not be wired: every problem with the input it is
/// in (the Deployment, the LLSD or the options) and its field path there.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectError {
    /// The problems, each tagged with its input.
    pub diagnostics: Vec<InputDiagnostic>,
}

/// A problem in the Deployment.
impl From<Diagnostic> for InjectError {
    fn from(diagnostic: Diagnostic) -> Self {
        InjectError {
            diagnostics: vec![Input::Deployment.with(diagnostic)],
        }
    }
}

/// Returns `deployment` (a Deployment as JSON) wired for the LLSD's
/// external providers, or with a previous wiring removed when the LLSD lists
/// none. Only the fields the wiring touches are read and written; every
/// other field is passed through as it is (see `crate::json`).
pub fn inject(
    llsd: &LlamaStackDistribution,
    deployment: &Value,
    options: &InjectOptions,
) -> Result<Value, InjectError> {
    let problems: Vec<InputDiagnostic> = options
        .check()
        .into_iter()
        .map(|d| Input::Options.with(d))
        .collect();
    if !problems.is_empty() {
        return Err(InjectError {
            diagnostics: problems,
        });
    }
    let mut deployment = deployment.clone();
    wire(llsd, &mut deployment, options)?;
    Ok(deployment)
}

const NOT_RENDERED: &str = "pass a Deployment as the operator renders it";

const POD: &str = "spec.template.spec";

/// A required mapping field of the Deployment: `parent[key]`, `at` the
/// path of `parent`.
fn required<'a>(
    parent: &'a mut json::Object,
    at: &str,
    key: &str,
) -> Result<&'a mut json::Object, Diagnostic> {
    json::child_mut(parent, at, key)?.ok_or_else(|| {
        Diagnostic::error(
            crate::diagnostic::field(at, key),
            "is missing",
            NOT_RENDERED,
        )
    })
}

/// `apiVersion` and `kind`, when the input has them, must be a Deployment's.
fn check_kind(root: &json::Object) -> Result<(), Diagnostic> {
    for (key, expected) in [("apiVersion", "apps/v1"), ("kind", "Deployment")] {
        match json::string(root, "", key)? {
            Some(found) if found != expected => {
                return Err(Diagnostic::error(
                    key,
                    format!("is '{found}', expected '{expected}'"),
                    NOT_RENDERED,
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn wire(
    llsd: &LlamaStackDistribution,
    deployment: &mut Value,
    options: &InjectOptions,
) -> Result<(), InjectError> {
    let root = json::object_mut(deployment, "")?;
    check_kind(root)?;
    let spec = required(root, "", "spec")?;
    let template = required(spec, "spec", "template")?;
    strip::strip(template)?;
    let providers = llsd.providers_in_crd_order();
    if providers.is_empty() {
        return Ok(());
    }
    let config_map = llsd
        .spec
        .server
        .user_config
        .as_ref()
        .and_then(|u| u.config_map_name.as_deref());
    let server_name = llsd
        .spec
        .server
        .container_spec
        .as_ref()
        .and_then(|c| c.name.as_deref())
        .unwrap_or(DEFAULT_SERVER_CONTAINER);
    let pod = required(template, "spec.template", "spec")?;
    let config = server::find_config_mount(pod, server_name, config_map)?;
    let distribution_name = llsd
        .spec
        .server
        .distribution
        .as_ref()
        .and_then(|d| d.name.as_deref());

    let server_path = format!("spec.template.spec.containers[{}]", config.container);
    let (server_name, server_image, server_pull_policy) = {
        let containers = json::list(pod, POD, "containers")?;
        let server = json::object(&containers[config.container], &server_path)?;
        let name = json::field_str(server, "name").to_string();
        let image = json::string(server, &server_path, "image")?
            .ok_or_else(|| {
                Diagnostic::error(
                    format!("spec.template.spec.containers[name={name}].image"),
                    "is missing: the install step runs in the server's image to resolve against its packages",
                    NOT_RENDERED,
                )
            })?
            .to_string();
        let pull_policy =
            json::string(server, &server_path, "imagePullPolicy")?.map(str::to_string);
        (name, image, pull_policy)
    };
    let step = containers::InstallStep {
        server_image: &server_image,
        server_pull_policy: server_pull_policy.as_deref(),
        providers: &providers,
        config: &config,
        distribution_name,
    };
    let image_volumes = options.install_mode == InstallMode::ImageVolume;
    let mut added = Vec::new();
    if !image_volumes {
        added.push(containers::stage_container(options));
        added.extend(
            providers
                .iter()
                .map(|listed| containers::copy_container(listed.provider, options)),
        );
    }
    added.push(containers::install_merge_container(&step, options));
    containers::check_names(pod, &added)?;
    let pod_containers = json::list(pod, POD, "containers")?.len()
        + json::list(pod, POD, "initContainers")?.len()
        + added.len();
    if let Some(merge) = added.last_mut() {
        containers::tell_pod_containers(merge, pod_containers);
    }
    let added = added
        .iter()
        .map(|c| json::to_json(c, "init container"))
        .collect::<Result<Vec<_>, _>>()?;
    json::list_or_insert(pod, POD, "initContainers")?.extend(added);

    let mut volumes = vec![
        containers::empty_dir(SHARED_VOLUME, Some(&options.shared_volume_size_limit)),
        containers::empty_dir(MERGED_VOLUME, None),
    ];
    if image_volumes {
        volumes.push(containers::image_volume(
            TOOLS_VOLUME,
            &options.merge_image,
            "IfNotPresent",
        ));
        volumes.extend(providers.iter().map(|listed| {
            let p = listed.provider;
            containers::image_volume(
                &containers::provider_volume_name(&p.provider_id),
                &p.image,
                p.pull_policy().as_str(),
            )
        }));
    }
    let volumes = volumes
        .iter()
        .map(|v| json::to_json(v, "volume"))
        .collect::<Result<Vec<_>, _>>()?;
    json::list_or_insert(pod, POD, "volumes")?.extend(volumes);

    let server = json::list_mut(pod, POD, "containers")?
        .and_then(|containers| containers.get_mut(config.container))
        .ok_or_else(|| {
            Diagnostic::error("spec.template.spec.containers", "is missing", NOT_RENDERED)
        })?;
    let server = json::object_mut(server, &server_path)?;
    let wired = server::wire_server(server, &server_name, &server_path, &config)?;

    let metadata = json::child_or_insert(template, "spec.template", "metadata")?;
    let annotations = json::child_or_insert(metadata, "spec.template.metadata", "annotations")?;
    annotations.insert(
        HASH_ANNOTATION.to_string(),
        providers_hash(&providers).into(),
    );
    if let Some(volume) = config.config_volume() {
        annotations.insert(CONFIG_VOLUME_ANNOTATION.to_string(), volume.into());
    }
    if let Some(original) = wired.pythonpath {
        annotations.insert(PYTHONPATH_ANNOTATION.to_string(), original.into());
    }
    if let Some(original) = wired.run_config_path {
        annotations.insert(RUN_CONFIG_PATH_ANNOTATION.to_string(), original.into());
    }
    size::check(deployment, providers.len(), options).map_err(|d| InjectError {
        diagnostics: vec![d],
    })?;
    Ok(())
}

#[cfg(test)]
mod tests;
