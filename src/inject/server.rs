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
/// packages first on PYTHONPATH, the shared volume read-only. Returns the
/// server's PYTHONPATH value before wiring when it had one (recorded in
/// [`PYTHONPATH_ANNOTATION`] so that [`unwire`] restores it exactly).
///
/// PYTHONPATH rules (docs/architecture.md, "Injection"): absent → added as
/// the packages path; empty → the packages path alone (no `:` that would
/// put the working directory on `sys.path`); already listing the packages
/// path → kept as the user wrote it; otherwise the packages path is
/// prepended. The last `PYTHONPATH` entry is the one Kubernetes uses. A
/// `valueFrom` PYTHONPATH, or none in `env` while `envFrom` could set one
/// (an `env` entry would silently override it), is refused.
pub fn wire_server(
    server: &mut Container,
    config_volume: &str,
) -> Result<Option<String>, Diagnostic> {
    let container_path = format!("spec.template.spec.containers[name={}]", server.name);
    let taken = server
        .volume_mounts
        .iter()
        .flatten()
        .find(|m| m.mount_path.trim_end_matches('/') == SHARED_PATH);
    if let Some(taken) = taken {
        return Err(Diagnostic::error(
            format!("{container_path}.volumeMounts[name={}]", taken.name),
            format!(
                "already mounts a volume at {SHARED_PATH}, where the injection mounts the installed provider packages (the API server refuses two mounts at one path)"
            ),
            "mount that volume elsewhere in the server container; the injection owns /opt/llama-stack/external-providers",
        ));
    }
    let env = server.env.get_or_insert_with(Vec::new);
    let at = env.iter().rposition(|e| e.name == PYTHONPATH);
    if at.is_none()
        && server
            .env_from
            .as_ref()
            .is_some_and(|from| !from.is_empty())
    {
        return Err(Diagnostic::error(
            format!("{container_path}.envFrom"),
            "may set PYTHONPATH, which the injection cannot see: its PYTHONPATH entry in env would silently replace that value",
            "set PYTHONPATH in the LLSD's containerSpec.env (an env entry takes precedence over envFrom; an empty value when you need none)",
        ));
    }
    let original = match at {
        None => {
            env.push(EnvVar {
                name: PYTHONPATH.to_string(),
                value: Some(PACKAGES_PATH.to_string()),
                ..EnvVar::default()
            });
            None
        }
        Some(i) if env[i].value_from.is_some() => {
            return Err(Diagnostic::error(
                format!("{container_path}.env[name=PYTHONPATH]"),
                "is set with valueFrom, so the provider packages path cannot be prepended",
                "set PYTHONPATH as a plain value in the LLSD's containerSpec.env",
            ));
        }
        Some(i) => {
            let value = env[i].value.clone().unwrap_or_default();
            let listed = value
                .split(':')
                .any(|entry| entry.trim_end_matches('/') == PACKAGES_PATH);
            env[i].value = Some(if value.is_empty() {
                PACKAGES_PATH.to_string()
            } else if listed {
                value.clone()
            } else {
                format!("{PACKAGES_PATH}:{value}")
            });
            Some(value)
        }
    };
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
    Ok(original)
}

/// Undoes [`wire_server`] on a container it wired (the one mounting the
/// shared volume); `pythonpath` is the recorded value from before wiring,
/// `None` when PYTHONPATH was absent (or the injection predates the record:
/// then a prepended packages path is removed).
pub fn unwire(container: &mut Container, config_volume: &str, pythonpath: Option<&str>) {
    let Some(mounts) = container.volume_mounts.as_mut() else {
        return;
    };
    if !mounts.iter().any(|m| m.name == SHARED_VOLUME) {
        return;
    }
    mounts.retain(|m| m.name != SHARED_VOLUME);
    for mount in mounts.iter_mut().filter(|m| m.name == MERGED_VOLUME) {
        mount.name = config_volume.to_string();
    }
    let Some(env) = container.env.as_mut() else {
        return;
    };
    if let Some(i) = env.iter().rposition(|e| e.name == PYTHONPATH) {
        match (pythonpath, env[i].value.as_deref()) {
            (Some(original), _) => env[i].value = Some(original.to_string()),
            (None, Some(PACKAGES_PATH)) => {
                env.remove(i);
            }
            (None, Some(value)) => {
                if let Some(rest) = value.strip_prefix(&format!("{PACKAGES_PATH}:")) {
                    env[i].value = Some(rest.to_string());
                }
            }
            (None, None) => {}
        }
    }
    if env.is_empty() {
        container.env = None;
    }
}
