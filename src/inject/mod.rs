//! Injection: (LLSD, the operator's Deployment, options) → the Deployment
//! with the external providers' init containers and pod wiring
//! (docs/architecture.md, "Injection" and "Paths and volumes").
//!
//! Idempotent: a previous injection is removed first, so transforming the
//! output again changes nothing and an LLSD change replaces the old wiring.

mod changes;
mod containers;
mod hash;
pub mod names;
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
pub use size::{MAX_DEPLOYMENT_BYTES, json_bytes};

use crate::diagnostic::{Diagnostic, Input, InputDiagnostic};
use crate::llsd::LlamaStackDistribution;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{EmptyDirVolumeSource, PodSpec, Volume};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use names::*;

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

/// Returns `deployment` wired for the LLSD's external providers (or with a
/// previous wiring removed when the LLSD lists none).
pub fn inject(
    llsd: &LlamaStackDistribution,
    deployment: &Deployment,
    options: &InjectOptions,
) -> Result<Deployment, InjectError> {
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
    let template = &mut deployment
        .spec
        .as_mut()
        .ok_or_else(|| {
            Diagnostic::error(
                "spec",
                "is missing",
                "pass a Deployment as the operator renders it",
            )
        })?
        .template;
    strip::strip(template)?;
    let providers = llsd.providers_in_crd_order();
    if providers.is_empty() {
        return Ok(deployment);
    }
    let config_map = llsd
        .spec
        .server
        .user_config
        .as_ref()
        .and_then(|u| u.config_map_name.as_deref())
        .ok_or_else(|| InjectError {
            diagnostics: vec![Input::Llsd.with(Diagnostic::error(
                "spec.server.userConfig.configMapName",
                "is required when externalProviders are set: the providers are merged into that run.yaml",
                "set spec.server.userConfig.configMapName in the LLSD",
            ))],
        })?;
    let server_name = llsd
        .spec
        .server
        .container_spec
        .as_ref()
        .and_then(|c| c.name.as_deref())
        .unwrap_or(DEFAULT_SERVER_CONTAINER);
    let pod: &mut PodSpec = template.spec.as_mut().ok_or_else(|| {
        Diagnostic::error(
            "spec.template.spec",
            "is missing",
            "pass a Deployment as the operator renders it",
        )
    })?;
    let config = server::find_config_mount(pod, server_name, config_map)?;

    let server = &pod.containers[config.container];
    let server_image = server.image.clone().ok_or_else(|| {
        Diagnostic::error(
            format!("spec.template.spec.containers[name={}].image", server.name),
            "is missing: the install step runs in the server's image to resolve against its packages",
            "pass a Deployment as the operator renders it",
        )
    })?;
    let server_pull_policy = server.image_pull_policy.clone();
    let step = containers::InstallStep {
        server_image: &server_image,
        server_pull_policy: server_pull_policy.as_deref(),
        providers: &providers,
        config_volume: &config.volume,
        config_file: &config.file,
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
    let pod_containers =
        pod.containers.len() + pod.init_containers.as_ref().map_or(0, Vec::len) + added.len();
    if let Some(merge) = added.last_mut() {
        containers::tell_pod_containers(merge, pod_containers);
    }
    pod.init_containers
        .get_or_insert_with(Vec::new)
        .extend(added);

    let volumes = pod.volumes.get_or_insert_with(Vec::new);
    volumes.push(empty_dir(
        SHARED_VOLUME,
        Some(&options.shared_volume_size_limit),
    ));
    volumes.push(empty_dir(MERGED_VOLUME, None));
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
    let pythonpath = server::wire_server(&mut pod.containers[config.container], &config.volume)?;

    let annotations = template
        .metadata
        .get_or_insert_with(Default::default)
        .annotations
        .get_or_insert_with(Default::default);
    annotations.insert(HASH_ANNOTATION.to_string(), providers_hash(&providers));
    annotations.insert(CONFIG_VOLUME_ANNOTATION.to_string(), config.volume);
    if let Some(original) = pythonpath {
        annotations.insert(PYTHONPATH_ANNOTATION.to_string(), original);
    }
    size::check(&deployment, providers.len(), options).map_err(|d| InjectError {
        diagnostics: vec![d],
    })?;
    Ok(deployment)
}

fn empty_dir(name: &str, size_limit: Option<&str>) -> Volume {
    Volume {
        name: name.to_string(),
        empty_dir: Some(EmptyDirVolumeSource {
            size_limit: size_limit.map(|s| Quantity(s.to_string())),
            ..EmptyDirVolumeSource::default()
        }),
        ..Volume::default()
    }
}

#[cfg(test)]
mod tests;
