//! The server container: which one it is, where it reads the user's config,
//! and the changes it gets (merged config at the same path, packages on
//! PYTHONPATH, the shared volume read-only).

use super::names::*;
use crate::diagnostic::Diagnostic;
use k8s_openapi::api::core::v1::{Container, EnvVar, PodSpec, VolumeMount};

/// Where the server reads the user's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigMount {
    /// Index of the server container in `spec.containers`.
    pub container: usize,
    /// Name of the pod volume holding the user's ConfigMap.
    pub volume: String,
    /// File name of the config inside that volume (`config.yaml`, `run.yaml`).
    pub file: String,
}

const CONTAINERS_PATH: &str = "spec.template.spec.containers";

/// Finds the server container and its config mount.
pub fn find_config_mount(
    pod: &PodSpec,
    container_name: &str,
    config_map: &str,
) -> Result<ConfigMount, Diagnostic> {
    let container = pod
        .containers
        .iter()
        .position(|c| c.name == container_name)
        .or_else(|| (pod.containers.len() == 1).then_some(0))
        .ok_or_else(|| {
            let names: Vec<&str> = pod.containers.iter().map(|c| c.name.as_str()).collect();
            Diagnostic::error(
                CONTAINERS_PATH,
                format!(
                    "has no container named '{container_name}' (found: {})",
                    names.join(", ")
                ),
                "set spec.server.containerSpec.name in the LLSD to the server container's name",
            )
        })?;
    let volume = pod
        .volumes
        .iter()
        .flatten()
        .find(|v| v.config_map.as_ref().is_some_and(|cm| cm.name == config_map))
        .map(|v| v.name.clone())
        .ok_or_else(|| {
            Diagnostic::error(
                "spec.template.spec.volumes",
                format!("has no volume for the user ConfigMap '{config_map}'"),
                "let the operator render the Deployment from an LLSD with spec.server.userConfig.configMapName",
            )
        })?;
    let server = &pod.containers[container];
    let mount = server
        .volume_mounts
        .iter()
        .flatten()
        .find(|m| m.name == volume)
        .ok_or_else(|| {
            Diagnostic::error(
                format!("{CONTAINERS_PATH}[{container}].volumeMounts"),
                format!(
                    "container '{}' does not mount the user config volume '{volume}'",
                    server.name
                ),
                "mount the ConfigMap volume in the server container, as the operator does",
            )
        })?;
    let file = match &mount.sub_path {
        Some(sub_path) if !sub_path.is_empty() => sub_path.clone(),
        _ => config_file_name(server, &mount.mount_path),
    };
    Ok(ConfigMount {
        container,
        volume,
        file,
    })
}

/// The config file the server reads under `mount_path`: from
/// `LLAMA_STACK_CONFIG`, else from a path in its command or args, else the
/// operator's default `config.yaml`.
fn config_file_name(server: &Container, mount_path: &str) -> String {
    let dir = format!("{}/", mount_path.trim_end_matches('/'));
    let from_env = server
        .env
        .iter()
        .flatten()
        .filter(|e| e.name == "LLAMA_STACK_CONFIG")
        .filter_map(|e| e.value.as_deref())
        .find_map(|value| value.strip_prefix(dir.as_str()).map(str::to_string));
    let from_command = || {
        server
            .command
            .iter()
            .flatten()
            .chain(server.args.iter().flatten())
            .find_map(|text| {
                let start = text.find(dir.as_str())? + dir.len();
                let name: String = text[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                    .collect();
                (!name.is_empty()).then_some(name)
            })
    };
    from_env
        .filter(|name| !name.is_empty() && !name.contains('/'))
        .or_else(from_command)
        .unwrap_or_else(|| "config.yaml".to_string())
}

/// Wires the server container: merged config where the user's was,
/// packages first on PYTHONPATH, the shared volume read-only.
pub fn wire_server(server: &mut Container, config_volume: &str) -> Result<(), Diagnostic> {
    let mounts = server.volume_mounts.get_or_insert_with(Vec::new);
    for mount in mounts.iter_mut().filter(|m| m.name == config_volume) {
        mount.name = MERGED_VOLUME.to_string();
    }
    mounts.push(VolumeMount {
        name: SHARED_VOLUME.to_string(),
        mount_path: SHARED_PATH.to_string(),
        read_only: Some(true),
        ..VolumeMount::default()
    });
    let env = server.env.get_or_insert_with(Vec::new);
    match env.iter_mut().find(|e| e.name == PYTHONPATH) {
        None => env.push(EnvVar {
            name: PYTHONPATH.to_string(),
            value: Some(PACKAGES_PATH.to_string()),
            ..EnvVar::default()
        }),
        Some(existing) if existing.value_from.is_some() => {
            return Err(Diagnostic::error(
                format!(
                    "spec.template.spec.containers[name={}].env[name=PYTHONPATH]",
                    server.name
                ),
                "is set with valueFrom, so the provider packages path cannot be prepended",
                "set PYTHONPATH as a plain value in the LLSD's containerSpec.env",
            ));
        }
        Some(existing) => {
            existing.value = Some(match existing.value.as_deref() {
                None | Some("") => PACKAGES_PATH.to_string(),
                Some(value) => format!("{PACKAGES_PATH}:{value}"),
            });
        }
    }
    Ok(())
}

/// Undoes [`wire_server`] on every container.
pub fn unwire(container: &mut Container, config_volume: &str) {
    if let Some(mounts) = container.volume_mounts.as_mut() {
        mounts.retain(|m| m.name != SHARED_VOLUME);
        for mount in mounts.iter_mut().filter(|m| m.name == MERGED_VOLUME) {
            mount.name = config_volume.to_string();
        }
    }
    if let Some(env) = container.env.as_mut() {
        let prefix = format!("{PACKAGES_PATH}:");
        let last = env.len().saturating_sub(1);
        // wire_server appends PYTHONPATH only when it was absent, so a bare
        // packages path in last place was added; elsewhere it was empty.
        let added = env
            .iter()
            .position(|e| e.name == PYTHONPATH && e.value.as_deref() == Some(PACKAGES_PATH))
            .filter(|&i| i == last);
        if let Some(i) = added {
            env.remove(i);
        }
        for e in env.iter_mut().filter(|e| e.name == PYTHONPATH) {
            match e.value.as_deref() {
                Some(PACKAGES_PATH) => e.value = Some(String::new()),
                Some(value) => {
                    if let Some(rest) = value.strip_prefix(&prefix) {
                        e.value = Some(rest.to_string());
                    }
                }
                None => {}
            }
        }
        if env.is_empty() {
            container.env = None;
        }
    }
}
