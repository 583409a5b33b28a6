//! Removing a previous injection, so that injecting again is idempotent
//! and an LLSD change replaces the old wiring instead of adding to it.

use super::server::unwire;
use crate::contract::*;
use crate::diagnostic::Diagnostic;
use crate::json::{self, Object};

fn is_injected_init_container(name: &str) -> bool {
    name == MERGE_CONTAINER || name == STAGE_CONTAINER || name.starts_with(INSTALL_PREFIX)
}

fn is_injected_volume(name: &str) -> bool {
    name == SHARED_VOLUME
        || name == MERGED_VOLUME
        || name == TOOLS_VOLUME
        || name.starts_with(PROVIDER_VOLUME_PREFIX)
}

const TEMPLATE: &str = "spec.template";
const POD: &str = "spec.template.spec";
const METADATA: &str = "spec.template.metadata";

/// Removes what an earlier injection added from the pod template. A
/// template without the hash annotation must not hold anything with the
/// injection's names.
pub fn strip(template: &mut Object) -> Result<(), Diagnostic> {
    let annotations = match json::child(template, TEMPLATE, "metadata")? {
        Some(metadata) => json::child(metadata, METADATA, "annotations")?,
        None => None,
    };
    let annotations_path = format!("{METADATA}.annotations");
    let annotation = |key: &str| -> Result<Option<String>, Diagnostic> {
        Ok(match annotations {
            Some(a) => json::string(a, &annotations_path, key)?.map(str::to_string),
            None => None,
        })
    };
    let injected = annotations.is_some_and(|a| a.contains_key(HASH_ANNOTATION));
    let config_volume = annotation(CONFIG_VOLUME_ANNOTATION)?;
    let recorded = super::server::Wired {
        pythonpath: annotation(PYTHONPATH_ANNOTATION)?,
        run_config_path: annotation(RUN_CONFIG_PATH_ANNOTATION)?,
    };
    let Some(pod) = json::child_mut(template, TEMPLATE, "spec")? else {
        return Ok(());
    };
    if !injected {
        let names = |key: &str| -> Result<Vec<&str>, Diagnostic> {
            let at = format!("{POD}.{key}");
            Ok(json::keyed_items(json::list(pod, POD, key)?, &at, "name")?
                .into_iter()
                .map(|(_, name)| name)
                .collect())
        };
        let clash = names("initContainers")?
            .into_iter()
            .find(|name| is_injected_init_container(name))
            .or(names("volumes")?
                .into_iter()
                .find(|name| is_injected_volume(name)));
        return match clash {
            Some(name) => Err(Diagnostic::error(
                POD,
                format!(
                    "already holds '{name}', a name the external-provider injection uses, without its {HASH_ANNOTATION} annotation"
                ),
                "rename that init container or volume; the injection owns merge-config, stage-installer, install-provider-* and llsd-* volumes",
            )),
            None => Ok(()),
        };
    }
    if let Some(init) = json::list_mut(pod, POD, "initContainers")? {
        init.retain(|c| !is_injected_init_container(json::key_of(c, "name")));
        if init.is_empty() {
            pod.shift_remove("initContainers");
        }
    }
    if let Some(volumes) = json::list_mut(pod, POD, "volumes")? {
        volumes.retain(|v| !is_injected_volume(json::key_of(v, "name")));
    }
    let config_volume = config_volume.unwrap_or_default();
    if let Some(containers) = json::list_mut(pod, POD, "containers")? {
        for (i, container) in containers.iter_mut().enumerate() {
            let path = format!("{POD}.containers[{i}]");
            unwire(
                json::object_mut(container, &path)?,
                &path,
                &config_volume,
                &recorded,
            )?;
        }
    }
    if let Some(metadata) = json::child_mut(template, TEMPLATE, "metadata")?
        && let Some(annotations) = json::child_mut(metadata, METADATA, "annotations")?
    {
        annotations.shift_remove(HASH_ANNOTATION);
        annotations.shift_remove(CONFIG_VOLUME_ANNOTATION);
        annotations.shift_remove(PYTHONPATH_ANNOTATION);
        annotations.shift_remove(RUN_CONFIG_PATH_ANNOTATION);
        if annotations.is_empty() {
            metadata.shift_remove("annotations");
        }
    }
    Ok(())
}
