//! The server container: which one it is, where it reads the user's config,
//! and the changes it gets (merged config at the same path, packages on
//! PYTHONPATH, the shared volume read-only).

use crate::contract::*;
use crate::diagnostic::Diagnostic;
use crate::json::{self, Object};
use k8s_openapi::api::core::v1::{EnvVar, VolumeMount};
use serde_json::Value;

/// Where the server reads its config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigMount {
    /// Index of the server container in `spec.containers`.
    pub container: usize,
    /// File name of the config (`config.yaml`, `run.yaml`).
    pub file: String,
    /// Where the config comes from.
    pub source: ConfigSource,
}

/// What the providers are merged into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// The user's ConfigMap (`spec.server.userConfig`), mounted from this
    /// pod volume.
    ConfigMap {
        /// Name of the pod volume holding the ConfigMap.
        volume: String,
    },
    /// No ConfigMap: the distribution's own config inside the server image,
    /// which its entrypoint runs (`RUN_CONFIG_PATH`, else `DISTRO_NAME`).
    /// The server container's own values of those variables, when it sets
    /// them: the install step looks where the server would.
    Distribution {
        /// The server container's `RUN_CONFIG_PATH`.
        run_config_path: Option<String>,
        /// The server container's `DISTRO_NAME`.
        distro_name: Option<String>,
    },
}

impl ConfigMount {
    /// The ConfigMap volume, when the config comes from one.
    pub fn config_volume(&self) -> Option<&str> {
        match &self.source {
            ConfigSource::ConfigMap { volume } => Some(volume),
            ConfigSource::Distribution { .. } => None,
        }
    }
}

const POD_PATH: &str = "spec.template.spec";
const CONTAINERS_PATH: &str = "spec.template.spec.containers";
const VOLUMES_PATH: &str = "spec.template.spec.volumes";

/// Finds the server container and where it reads its config: the
/// ConfigMap `config_map` mounts, or without one the distribution's config
/// its image's entrypoint runs.
pub fn find_config_mount(
    pod: &Object,
    container_name: &str,
    config_map: Option<&str>,
) -> Result<ConfigMount, Diagnostic> {
    let containers = json::keyed_items(
        json::list(pod, POD_PATH, "containers")?,
        CONTAINERS_PATH,
        "name",
    )?;
    let container = containers
        .iter()
        .position(|(_, name)| *name == container_name)
        .or_else(|| (containers.len() == 1).then_some(0))
        .ok_or_else(|| {
            let names: Vec<&str> = containers.iter().map(|(_, name)| *name).collect();
            Diagnostic::error(
                CONTAINERS_PATH,
                format!(
                    "has no container named '{container_name}' (found: {})",
                    names.join(", ")
                ),
                "set spec.server.containerSpec.name in the LLSD to the server container's name",
            )
        })?;
    let Some(config_map) = config_map else {
        let (server, server_name) = containers[container];
        return distribution_config(server, server_name, container);
    };
    let volumes = json::keyed_items(json::list(pod, POD_PATH, "volumes")?, VOLUMES_PATH, "name")?;
    let mut volume = None;
    for (i, (item, name)) in volumes.into_iter().enumerate() {
        // Only a ConfigMap volume has a path worth building (for an error).
        let Some(source) = item.get("configMap").filter(|source| !source.is_null()) else {
            continue;
        };
        let at = format!("{VOLUMES_PATH}[{i}].configMap");
        let map_name = json::string(json::object(source, &at)?, &at, "name")?;
        if map_name == Some(config_map) {
            volume = Some(name.to_string());
            break;
        }
    }
    let volume = volume.ok_or_else(|| {
        Diagnostic::error(
            VOLUMES_PATH,
            format!("has no volume for the user ConfigMap '{config_map}'"),
            "let the operator render the Deployment from an LLSD with spec.server.userConfig.configMapName",
        )
    })?;
    let (server, server_name) = containers[container];
    let server_path = format!("{CONTAINERS_PATH}[{container}]");
    let mounts_path = format!("{server_path}.volumeMounts");
    let mounts = json::keyed_items(
        json::list(server, &server_path, "volumeMounts")?,
        &mounts_path,
        "name",
    )?;
    let (mount, _) = mounts
        .iter()
        .find(|(_, name)| *name == volume)
        .ok_or_else(|| {
            Diagnostic::error(
                &mounts_path,
                format!(
                    "container '{server_name}' does not mount the user config volume '{volume}'"
                ),
                "mount the ConfigMap volume in the server container, as the operator does",
            )
        })?;
    let mount_path = format!("{mounts_path}[name={volume}]");
    let file = match json::string(mount, &mount_path, "subPath")? {
        Some(sub_path) if !sub_path.is_empty() => sub_path.to_string(),
        _ => {
            let dir = json::string(mount, &mount_path, "mountPath")?.unwrap_or_default();
            config_file_name(server, &server_path, dir)?
        }
    };
    Ok(ConfigMount {
        container,
        file,
        source: ConfigSource::ConfigMap { volume },
    })
}

/// The server container runs its image's entrypoint, which reads
/// `RUN_CONFIG_PATH` and `DISTRO_NAME`; a `command` would bypass it, and a
/// value from `valueFrom` cannot be read here.
fn distribution_config(
    server: &Object,
    server_name: &str,
    container: usize,
) -> Result<ConfigMount, Diagnostic> {
    let path = format!("{CONTAINERS_PATH}[{container}]");
    let container_path = format!("{CONTAINERS_PATH}[name={server_name}]");
    if !json::strings(server, &path, "command")?.is_empty() {
        return Err(Diagnostic::error(
            format!("{container_path}.command"),
            "is set, so the server does not run its image's entrypoint, which is how the injection hands it the merged config when the LLSD has no spec.server.userConfig",
            "set spec.server.userConfig.configMapName to a ConfigMap with the server's config, or remove containerSpec.command from the LLSD",
        ));
    }
    let env_path = format!("{path}.env");
    let value_of = |name: &str| -> Result<Option<String>, Diagnostic> {
        let vars = json::keyed_items(json::list(server, &path, "env")?, &env_path, "name")?;
        let Some((var, _)) = vars.iter().rev().find(|(_, n)| *n == name) else {
            return Ok(None);
        };
        if var.get("valueFrom").is_some_and(|v| !v.is_null()) {
            return Err(Diagnostic::error(
                format!("{container_path}.env[name={name}]"),
                "is set with valueFrom, so the install step cannot look for the distribution's config where the server would",
                format!(
                    "set {name} as a plain value in the LLSD's containerSpec.env, or set spec.server.userConfig.configMapName"
                ),
            ));
        }
        Ok(json::string(var, &env_path, "value")?.map(str::to_string))
    };
    let run_config_path = value_of(RUN_CONFIG_PATH)?;
    let distro_name = value_of(DISTRO_NAME)?;
    Ok(ConfigMount {
        container,
        file: "config.yaml".to_string(),
        source: ConfigSource::Distribution {
            run_config_path,
            distro_name,
        },
    })
}

/// The config file the server reads under `mount_path`: from
/// `LLAMA_STACK_CONFIG` or `OGX_CONFIG`, else from a path in its command or
/// args (`llama stack run PATH`, `ogx run PATH`), else the operator's
/// default `config.yaml`. `path` is the server container's.
fn config_file_name(server: &Object, path: &str, mount_path: &str) -> Result<String, Diagnostic> {
    let dir = format!("{}/", mount_path.trim_end_matches('/'));
    let env_path = format!("{path}.env");
    let mut from_env = None;
    for (i, (var, name)) in json::keyed_items(json::list(server, path, "env")?, &env_path, "name")?
        .into_iter()
        .enumerate()
    {
        if !SERVER_CONFIG_ENV.contains(&name) {
            continue;
        }
        let value = json::string(var, &format!("{env_path}[{i}]"), "value")?;
        if let Some(file) = value.and_then(|v| v.strip_prefix(dir.as_str())) {
            from_env = Some(file.to_string());
            break;
        }
    }
    let command = json::strings(server, path, "command")?;
    let args = json::strings(server, path, "args")?;
    let from_command = || {
        command.iter().chain(&args).find_map(|text| {
            let start = text.find(dir.as_str())? + dir.len();
            let name: String = text[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect();
            (!name.is_empty()).then_some(name)
        })
    };
    Ok(from_env
        .filter(|name| !name.is_empty() && !name.contains('/'))
        .or_else(from_command)
        .unwrap_or_else(|| "config.yaml".to_string()))
}

/// Wires the server container: merged config where the user's was,
/// packages first on PYTHONPATH, the shared volume read-only. Returns the
/// server's PYTHONPATH value before wiring when it had one (recorded in
/// [`PYTHONPATH_ANNOTATION`] so that [`unwire`] restores it exactly).
///
/// PYTHONPATH rules (docs/contracts.md, "Injection"): absent → added as
/// the packages path; empty → the packages path alone (no `:` that would
/// put the working directory on `sys.path`); already listing the packages
/// path → kept as the user wrote it; otherwise the packages path is
/// prepended. The last `PYTHONPATH` entry is the one Kubernetes uses. A
/// `valueFrom` PYTHONPATH, or none in `env` while `envFrom` could set one
/// (an `env` entry would silently override it), is refused.
pub fn wire_server(
    server: &mut Object,
    server_name: &str,
    server_path: &str,
    config: &ConfigMount,
) -> Result<Wired, Diagnostic> {
    let container_path = format!("spec.template.spec.containers[name={server_name}]");
    let mounts_path = format!("{server_path}.volumeMounts");
    let mounts = json::keyed_items(
        json::list(server, server_path, "volumeMounts")?,
        &mounts_path,
        "name",
    )?;
    let mut owned = vec![(SHARED_PATH, "the installed provider packages")];
    if config.config_volume().is_none() {
        owned.push((MERGED_PATH, "the merged config"));
    }
    for (at, what) in owned {
        let taken = mounts
            .iter()
            .find(|(mount, _)| json::field_str(mount, "mountPath").trim_end_matches('/') == at);
        if let Some((_, taken)) = taken {
            return Err(Diagnostic::error(
                format!("{container_path}.volumeMounts[name={taken}]"),
                format!(
                    "already mounts a volume at {at}, where the injection mounts {what} (the API server refuses two mounts at one path)"
                ),
                format!(
                    "mount that volume elsewhere in the server container; the injection owns {at}"
                ),
            ));
        }
    }
    let run_config_path = match &config.source {
        ConfigSource::ConfigMap { .. } => None,
        ConfigSource::Distribution { .. } => {
            let merged = format!("{MERGED_PATH}/{}", config.file);
            let env = json::list_or_insert(server, server_path, "env")?;
            let at = env
                .iter()
                .rposition(|e| json::key_of(e, "name") == RUN_CONFIG_PATH);
            match at {
                Some(i) => {
                    let var_path = format!("{server_path}.env[{i}]");
                    let var = json::object_mut(&mut env[i], &var_path)?;
                    let original = json::string(var, &var_path, "value")?.map(str::to_string);
                    var.insert("value".to_string(), Value::String(merged));
                    original
                }
                None => {
                    env.push(json::to_json(
                        &EnvVar {
                            name: RUN_CONFIG_PATH.to_string(),
                            value: Some(merged),
                            ..EnvVar::default()
                        },
                        "RUN_CONFIG_PATH entry",
                    )?);
                    None
                }
            }
        }
    };
    let env_path = format!("{server_path}.env");
    let env_from = json::list(server, server_path, "envFrom")?;
    let has_env_from = !env_from.is_empty();
    let env = json::list_or_insert(server, server_path, "env")?;
    json::keyed_items(env, &env_path, "name")?;
    let at = env
        .iter()
        .rposition(|e| json::key_of(e, "name") == PYTHONPATH);
    if at.is_none() && has_env_from {
        return Err(Diagnostic::error(
            format!("{container_path}.envFrom"),
            "may set PYTHONPATH, which the injection cannot see: its PYTHONPATH entry in env would silently replace that value",
            "set PYTHONPATH in the LLSD's containerSpec.env (an env entry takes precedence over envFrom; an empty value when you need none)",
        ));
    }
    let original = match at {
        None => {
            env.push(json::to_json(
                &EnvVar {
                    name: PYTHONPATH.to_string(),
                    value: Some(PACKAGES_PATH.to_string()),
                    ..EnvVar::default()
                },
                "PYTHONPATH entry",
            )?);
            None
        }
        Some(i) => {
            let var_path = format!("{env_path}[{i}]");
            let var = json::object_mut(&mut env[i], &var_path)?;
            if var.get("valueFrom").is_some_and(|v| !v.is_null()) {
                return Err(Diagnostic::error(
                    format!("{container_path}.env[name=PYTHONPATH]"),
                    "is set with valueFrom, so the provider packages path cannot be prepended",
                    "set PYTHONPATH as a plain value in the LLSD's containerSpec.env",
                ));
            }
            let value = json::string(var, &var_path, "value")?
                .unwrap_or_default()
                .to_string();
            let listed = value
                .split(':')
                .any(|entry| entry.trim_end_matches('/') == PACKAGES_PATH);
            let wired = if value.is_empty() {
                PACKAGES_PATH.to_string()
            } else if listed {
                value.clone()
            } else {
                format!("{PACKAGES_PATH}:{value}")
            };
            var.insert("value".to_string(), Value::String(wired));
            Some(value)
        }
    };
    let mounts = json::list_or_insert(server, server_path, "volumeMounts")?;
    match config.config_volume() {
        Some(config_volume) => {
            for mount in mounts.iter_mut().filter_map(Value::as_object_mut) {
                if json::field_str(mount, "name") == config_volume {
                    mount.insert("name".to_string(), Value::String(MERGED_VOLUME.to_string()));
                }
            }
        }
        None => mounts.push(json::to_json(
            &VolumeMount {
                name: MERGED_VOLUME.to_string(),
                mount_path: MERGED_PATH.to_string(),
                read_only: Some(true),
                ..VolumeMount::default()
            },
            "volume mount",
        )?),
    }
    mounts.push(json::to_json(
        &VolumeMount {
            name: SHARED_VOLUME.to_string(),
            mount_path: SHARED_PATH.to_string(),
            read_only: Some(true),
            ..VolumeMount::default()
        },
        "volume mount",
    )?);
    Ok(Wired {
        pythonpath: original,
        run_config_path,
    })
}

/// The server container's values before [`wire_server`] changed them,
/// recorded in annotations so that [`unwire`] restores them exactly.
#[derive(Debug, Default)]
pub struct Wired {
    /// `PYTHONPATH`, when it had one ([`PYTHONPATH_ANNOTATION`]).
    pub pythonpath: Option<String>,
    /// `RUN_CONFIG_PATH`, when it had one and the config is the
    /// distribution's ([`RUN_CONFIG_PATH_ANNOTATION`]).
    pub run_config_path: Option<String>,
}

/// Undoes [`wire_server`] on a container it wired (the one mounting the
/// shared volume); `pythonpath` is the recorded value from before wiring,
/// `None` when PYTHONPATH was absent (or the injection predates the record:
/// then a prepended packages path is removed).
pub fn unwire(
    container: &mut Object,
    path: &str,
    config_volume: &str,
    recorded: &Wired,
) -> Result<(), Diagnostic> {
    let pythonpath = recorded.pythonpath.as_deref();
    let Some(mounts) = json::list_mut(container, path, "volumeMounts")? else {
        return Ok(());
    };
    let name = |mount: &Value| json::key_of(mount, "name").to_string();
    if !mounts.iter().any(|m| name(m) == SHARED_VOLUME) {
        return Ok(());
    }
    mounts.retain(|m| name(m) != SHARED_VOLUME);
    if config_volume.is_empty() {
        // no ConfigMap: the merged config's mount was added
        mounts.retain(|m| name(m) != MERGED_VOLUME);
    }
    for mount in mounts.iter_mut().filter_map(Value::as_object_mut) {
        if json::field_str(mount, "name") == MERGED_VOLUME {
            mount.insert("name".to_string(), Value::String(config_volume.to_string()));
        }
    }
    let no_mounts = mounts.is_empty();
    if no_mounts {
        container.shift_remove("volumeMounts");
    }
    let Some(env) = json::list_mut(container, path, "env")? else {
        return Ok(());
    };
    if config_volume.is_empty()
        && let Some(i) = env
            .iter()
            .rposition(|e| json::key_of(e, "name") == RUN_CONFIG_PATH)
    {
        match (&recorded.run_config_path, env[i].as_object_mut()) {
            (Some(original), Some(var)) => {
                var.insert("value".to_string(), Value::String(original.clone()));
            }
            _ => {
                env.remove(i);
            }
        }
    }
    if let Some(i) = env
        .iter()
        .rposition(|e| json::key_of(e, "name") == PYTHONPATH)
    {
        let value = env[i]
            .get("value")
            .and_then(Value::as_str)
            .map(str::to_string);
        let restored = match (pythonpath, value.as_deref()) {
            (Some(original), _) => Some(original.to_string()),
            (None, Some(PACKAGES_PATH)) => {
                env.remove(i);
                None
            }
            (None, Some(value)) => value
                .strip_prefix(&format!("{PACKAGES_PATH}:"))
                .map(str::to_string),
            (None, None) => None,
        };
        if let (Some(restored), Some(var)) =
            (restored, env.get_mut(i).and_then(Value::as_object_mut))
        {
            var.insert("value".to_string(), Value::String(restored));
        }
    }
    if env.is_empty() {
        container.shift_remove("env");
    }
    Ok(())
}
