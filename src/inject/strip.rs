//! Removing a previous injection, so that injecting again is idempotent
//! and an LLSD change replaces the old wiring instead of adding to it.

use super::names::*;
use super::server::unwire;
use crate::diagnostic::Diagnostic;
use k8s_openapi::api::core::v1::PodTemplateSpec;

fn is_injected_init_container(name: &str) -> bool {
    name == MERGE_CONTAINER || name == STAGE_CONTAINER || name.starts_with(INSTALL_PREFIX)
}

fn is_injected_volume(name: &str) -> bool {
    name == SHARED_VOLUME
        || name == MERGED_VOLUME
        || name == TOOLS_VOLUME
        || name.starts_with(PROVIDER_VOLUME_PREFIX)
}

/// Removes what an earlier injection added. A template without the hash
/// annotation must not hold anything with the injection's names.
pub fn strip(template: &mut PodTemplateSpec) -> Result<(), Diagnostic> {
    let annotations = template
        .metadata
        .as_ref()
        .and_then(|m| m.annotations.as_ref());
    let injected = annotations.is_some_and(|a| a.contains_key(HASH_ANNOTATION));
    let config_volume = annotations
        .and_then(|a| a.get(CONFIG_VOLUME_ANNOTATION))
        .cloned();
    let pythonpath = annotations
        .and_then(|a| a.get(PYTHONPATH_ANNOTATION))
        .cloned();
    let Some(pod) = template.spec.as_mut() else {
        return Ok(());
    };
    if !injected {
        let clash = pod
            .init_containers
            .iter()
            .flatten()
            .map(|c| c.name.as_str())
            .find(|name| is_injected_init_container(name))
            .or_else(|| {
                pod.volumes
                    .iter()
                    .flatten()
                    .map(|v| v.name.as_str())
                    .find(|name| is_injected_volume(name))
            });
        return match clash {
            Some(name) => Err(Diagnostic::error(
                "spec.template.spec",
                format!(
                    "already holds '{name}', a name the external-provider injection uses, without its {HASH_ANNOTATION} annotation"
                ),
                "rename that init container or volume; the injection owns merge-config, stage-installer, install-provider-* and llsd-* volumes",
            )),
            None => Ok(()),
        };
    }
    if let Some(init) = pod.init_containers.as_mut() {
        init.retain(|c| !is_injected_init_container(&c.name));
        if init.is_empty() {
            pod.init_containers = None;
        }
    }
    if let Some(volumes) = pod.volumes.as_mut() {
        volumes.retain(|v| !is_injected_volume(&v.name));
    }
    let config_volume = config_volume.unwrap_or_default();
    for container in pod.containers.iter_mut() {
        unwire(container, &config_volume, pythonpath.as_deref());
    }
    if let Some(metadata) = template.metadata.as_mut() {
        if let Some(annotations) = metadata.annotations.as_mut() {
            annotations.remove(HASH_ANNOTATION);
            annotations.remove(CONFIG_VOLUME_ANNOTATION);
            annotations.remove(PYTHONPATH_ANNOTATION);
            if annotations.is_empty() {
                metadata.annotations = None;
            }
        }
    }
    Ok(())
}
