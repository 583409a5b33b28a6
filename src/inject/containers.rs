//! The injected init containers. initContainers mode: `stage-installer`,
//! one `install-provider-{id}` per provider (copies its tree), then
//! `merge-config` (install + merge, in the server's image). imageVolume
//! mode: `merge-config` only, with every provider image and the merge image
//! mounted as image volumes.

use super::options::{InjectOptions, InstallMode};
use super::server::{ConfigMount, ConfigSource};
use crate::contract::*;
use crate::diagnostic::Diagnostic;
use crate::json::{self, Object};
use crate::llsd::{ExternalProviderRef, ListedProvider};
use crate::pipeline::CrdConfigRef;
use k8s_openapi::api::core::v1::{
    Capabilities, EmptyDirVolumeSource, EnvVar, ImageVolumeSource, ResourceRequirements,
    SeccompProfile, SecurityContext, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::Serialize;
use std::collections::BTreeMap;

// The two outer objects the injection adds are written through these
// structs rather than k8s-openapi's `Container` and `Volume`: those types'
// serializers reach every pod-spec type (probes, every volume source, the
// ephemeral volume's ObjectMeta and its time formatter), which made a
// sixth of the playground's and the policy's code. The fields are the ones
// the injection sets, named and ordered as k8s-openapi writes them, with
// its types for everything inside; the inject tests read the output back
// as k8s-openapi's `Deployment`, and tests/python checks it against
// Kubernetes' own schemas.

/// An init container the injection adds (a `Container`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitContainer {
    /// `args`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// `command`.
    pub command: Vec<String>,
    /// `env`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// `image`.
    pub image: String,
    /// `imagePullPolicy`, always written (see [`TERMINATION_MESSAGE_PATH`]).
    pub image_pull_policy: String,
    /// `name`.
    pub name: String,
    /// `resources`.
    pub resources: ResourceRequirements,
    /// `securityContext`.
    pub security_context: SecurityContext,
    /// `terminationMessagePath`: Kubernetes' default, written out (see
    /// [`TERMINATION_MESSAGE_PATH`]).
    pub termination_message_path: &'static str,
    /// `terminationMessagePolicy`.
    pub termination_message_policy: String,
    /// `volumeMounts`.
    pub volume_mounts: Vec<VolumeMount>,
}

/// The API server fills in every field of a container that has a default
/// and stores the result, so the next admission of the Deployment (the
/// operator applies it on every reconcile) sees those defaults. The
/// injection writes each defaulted field of what it adds with the value the
/// API server would give it, so that re-injecting a stored Deployment
/// changes nothing: `terminationMessagePath`, and `imagePullPolicy` (see
/// [`default_pull_policy`]). The cluster layer (tests/cluster) holds this
/// against a real API server.
pub const TERMINATION_MESSAGE_PATH: &str = "/dev/termination-log";

/// The pull policy the API server gives a container without one
/// (`SetDefaults_Container`): `Always` for the tag `latest` or an image with
/// neither tag nor digest, `IfNotPresent` otherwise.
pub fn default_pull_policy(image: &str) -> &'static str {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    // A ':' followed by no '/' starts the tag; a registry port is followed by '/'.
    let tag = name
        .rfind(':')
        .map(|at| &name[at + 1..])
        .filter(|tag| !tag.contains('/'));
    match (tag, digest) {
        (Some("latest"), _) | (None, None) => "Always",
        _ => "IfNotPresent",
    }
}

/// A pod volume the injection adds (a `Volume`): an emptyDir or an image.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodVolume {
    /// `emptyDir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_dir: Option<EmptyDirVolumeSource>,
    /// `image`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageVolumeSource>,
    /// `name`.
    pub name: String,
}

/// An env var whose value arrives in the container exactly as given.
/// Kubernetes expands `$(VAR)` references in env values and turns `$$` into
/// `$`; every `$` is written as `$$`, so that a provider's config
/// (`a$$b`, `$(PROVIDER_ID)`) reaches the install step as the LLSD wrote it.
fn env(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value: Some(value.replace('$', "$$")),
        ..EnvVar::default()
    }
}

fn mount(name: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: name.to_string(),
        mount_path: path.to_string(),
        read_only: read_only.then_some(true),
        ..VolumeMount::default()
    }
}

/// Non-root, no privilege escalation, no capabilities, default seccomp:
/// what the `restricted` Pod Security Standard asks. The shared emptyDir is
/// writable for this UID through the pod's `fsGroup` when it has one, and
/// because emptyDirs are world-writable when it has none.
fn security_context(options: &InjectOptions) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_string()]),
            ..Capabilities::default()
        }),
        run_as_non_root: Some(true),
        run_as_user: Some(options.run_as_user),
        seccomp_profile: Some(SeccompProfile {
            type_: "RuntimeDefault".to_string(),
            ..SeccompProfile::default()
        }),
        ..SecurityContext::default()
    }
}

fn resources(options: &InjectOptions) -> ResourceRequirements {
    let r = &options.init_container_resources;
    // Inserted, not `BTreeMap::from([..])`: each array length is its own
    // sort and bulk build in the page's module.
    let quantities = |pairs: &[(&str, &String)]| {
        let mut map = BTreeMap::new();
        for (name, quantity) in pairs {
            map.insert(name.to_string(), Quantity((*quantity).clone()));
        }
        Some(map)
    };
    ResourceRequirements {
        requests: quantities(&[("cpu", &r.cpu_request), ("memory", &r.memory_request)]),
        limits: quantities(&[("memory", &r.memory_limit)]),
        ..ResourceRequirements::default()
    }
}

fn init_container(
    name: String,
    image: String,
    image_pull_policy: &str,
    command: Vec<String>,
    volume_mounts: Vec<VolumeMount>,
    options: &InjectOptions,
) -> InitContainer {
    InitContainer {
        args: None,
        command,
        env: Vec::new(),
        image,
        image_pull_policy: image_pull_policy.to_string(),
        name,
        resources: resources(options),
        security_context: security_context(options),
        termination_message_path: TERMINATION_MESSAGE_PATH,
        termination_message_policy: "FallbackToLogsOnError".to_string(),
        volume_mounts,
    }
}

/// `install-provider-{id}` (initContainers mode): the provider's image runs
/// the constant copy script, which puts its `/lls-provider` tree on the
/// shared volume; every per-provider value is an environment variable.
pub fn copy_container(provider: &ExternalProviderRef, options: &InjectOptions) -> InitContainer {
    let name = install_container(&provider.provider_id);
    InitContainer {
        env: vec![
            env("PROVIDER_ID", &provider.provider_id),
            env("PROVIDER_IMAGE", &provider.image),
            env("INIT_CONTAINER_NAME", &name),
            env("EXTERNAL_PROVIDERS_DIR", SHARED_PATH),
        ],
        ..init_container(
            name,
            provider.image.clone(),
            provider.pull_policy().as_str(),
            vec!["/bin/sh".to_string(), "-c".to_string(), install_script()],
            vec![mount(SHARED_VOLUME, SHARED_PATH, false)],
            options,
        )
    }
}

/// `stage-installer` (initContainers mode): copies the native binary from
/// the merge image to the shared volume, for the step in the server's image.
pub fn stage_container(options: &InjectOptions) -> InitContainer {
    InitContainer {
        args: Some(
            ["install", "--copy-binary-to", STAGED_BINARY_PATH]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        ..init_container(
            STAGE_CONTAINER.to_string(),
            options.merge_image.clone(),
            "IfNotPresent",
            vec![options.install_binary.clone()],
            vec![mount(SHARED_VOLUME, SHARED_PATH, false)],
            options,
        )
    }
}

/// The providers in CRD order as the install step reads them (`LLSD_PROVIDERS`).
pub fn providers_json(providers: &[ListedProvider<'_>]) -> String {
    let crds: Vec<CrdConfigRef> = providers
        .iter()
        .map(|listed| CrdConfigRef {
            provider_id: &listed.provider.provider_id,
            api: listed.api.crd_field,
            image: Some(&listed.provider.image),
            config: listed.provider.config.as_ref(),
        })
        .collect();
    serde_json::to_string(&crds).unwrap_or_default()
}

/// Where the install-and-merge step runs and what it sees.
pub struct InstallStep<'a> {
    /// The server container's image and pull policy: the step resolves
    /// against the distributions installed in it.
    pub server_image: &'a str,
    pub server_pull_policy: Option<&'a str>,
    pub providers: &'a [ListedProvider<'a>],
    /// Where the server reads its config, and what it is merged into.
    pub config: &'a ConfigMount,
    /// The LLSD's `distribution.name`: where a distribution's config is
    /// looked for when the server container sets no `DISTRO_NAME`.
    pub distribution_name: Option<&'a str>,
}

/// `merge-config`: in the server's image, installs every provider with one
/// resolution against the server's packages, then merges (CLI contract:
/// `llsd-providers install … --base … --output …`).
pub fn install_merge_container(step: &InstallStep<'_>, options: &InjectOptions) -> InitContainer {
    let image_volumes = options.install_mode == InstallMode::ImageVolume;
    let (binary, sources) = if image_volumes {
        (
            format!("{TOOLS_PATH}{}", options.install_binary),
            PROVIDER_IMAGES_PATH,
        )
    } else {
        (STAGED_BINARY_PATH.to_string(), SOURCES_PATH)
    };
    let file = &step.config.file;
    let mut args: Vec<String> = [
        "install",
        "--sources",
        sources,
        "--target",
        PACKAGES_PATH,
        "--metadata-dir",
        METADATA_PATH,
        "--installed-list",
        INSTALLED_LIST_PATH,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut mounts = vec![mount(SHARED_VOLUME, SHARED_PATH, false)];
    // The step's own variables, then the base's (pushed here rather than
    // concatenated: `concat` clones every entry, one more generic copy).
    let mut env_vars = vec![
        env(PROVIDERS_ENV, &providers_json(step.providers)),
        env("INIT_CONTAINER_NAME", MERGE_CONTAINER),
        env("HOME", "/tmp"),
    ];
    match &step.config.source {
        ConfigSource::ConfigMap { volume } => {
            args.extend(["--base".to_string(), format!("{BASE_CONFIG_PATH}/{file}")]);
            mounts.push(mount(volume, BASE_CONFIG_PATH, true));
        }
        ConfigSource::Distribution {
            run_config_path,
            distro_name,
        } => {
            args.extend([
                "--base-from-distribution".to_string(),
                step.distribution_name.unwrap_or_default().to_string(),
            ]);
            // what the server's entrypoint would see (the image's own ENV
            // reaches this container too)
            for (name, value) in [
                (RUN_CONFIG_PATH, run_config_path),
                (DISTRO_NAME, distro_name),
            ] {
                if let Some(value) = value {
                    env_vars.push(env(name, value));
                }
            }
        }
    }
    args.extend([
        "--output".to_string(),
        format!("{MERGED_PATH}/{file}"),
        "--extra-providers-output".to_string(),
        format!("{MERGED_PATH}/extra-providers.yaml"),
        "--log".to_string(),
        format!("{MERGED_PATH}/merge-log.txt"),
    ]);
    if step.config.config_volume().is_some() {
        args.push("--copy-base-siblings".to_string());
    }
    mounts.push(mount(MERGED_VOLUME, MERGED_PATH, false));
    if image_volumes {
        mounts.push(mount(TOOLS_VOLUME, TOOLS_PATH, true));
        mounts.extend(step.providers.iter().map(|listed| {
            let id = &listed.provider.provider_id;
            mount(
                &provider_volume_name(id),
                &format!("{PROVIDER_IMAGES_PATH}/{id}"),
                true,
            )
        }));
    }
    InitContainer {
        args: Some(args),
        env: env_vars,
        ..init_container(
            MERGE_CONTAINER.to_string(),
            step.server_image.to_string(),
            // the server's own policy, or the one the API server gives it
            step.server_pull_policy
                .unwrap_or_else(|| default_pull_policy(step.server_image)),
            vec![binary],
            mounts,
            options,
        )
    }
}

/// Tells the install-and-merge step how many containers its pod has, so
/// that its termination message stays within its share of the pod's.
pub fn tell_pod_containers(merge: &mut InitContainer, pod_containers: usize) {
    merge
        .env
        .push(env(POD_CONTAINERS_ENV, &pod_containers.to_string()));
}

/// Refuses init containers whose names the pod already uses: Kubernetes
/// wants one name per container over `containers` and `initContainers`
/// (the earlier injection's are already removed, so a clash is someone
/// else's container).
pub fn check_names(pod: &Object, added: &[InitContainer]) -> Result<(), Diagnostic> {
    for list in ["containers", "initContainers"] {
        let path = format!("spec.template.spec.{list}");
        for (_, name) in
            json::keyed_items(json::list(pod, "spec.template.spec", list)?, &path, "name")?
        {
            if added.iter().any(|a| a.name == name) {
                return Err(Diagnostic::error(
                    format!("{path}[name={name}]"),
                    format!(
                        "has the name of an init container the external-provider injection adds ('{name}'); container names must be unique in a pod"
                    ),
                    "rename that container; the injection owns merge-config, stage-installer and install-provider-{providerId}",
                ));
            }
        }
    }
    Ok(())
}

/// `llsd-provider-{id}`: the pod volume of a provider image (imageVolume mode).
pub fn provider_volume_name(provider_id: &str) -> String {
    format!("{PROVIDER_VOLUME_PREFIX}{provider_id}")
}

/// A read-only image volume (`volumes[].image`).
pub fn image_volume(name: &str, reference: &str, pull_policy: &str) -> PodVolume {
    PodVolume {
        empty_dir: None,
        image: Some(ImageVolumeSource {
            reference: Some(reference.to_string()),
            pull_policy: Some(pull_policy.to_string()),
        }),
        name: name.to_string(),
    }
}

/// An emptyDir volume, with a size limit when given.
pub fn empty_dir(name: &str, size_limit: Option<&str>) -> PodVolume {
    PodVolume {
        empty_dir: Some(EmptyDirVolumeSource {
            size_limit: size_limit.map(|s| Quantity(s.to_string())),
            ..EmptyDirVolumeSource::default()
        }),
        image: None,
        name: name.to_string(),
    }
}

#[cfg(test)]
mod default_tests {
    use super::default_pull_policy;

    /// Kubernetes' `SetDefaults_Container` on the tag `ParseImageName` finds.
    #[test]
    fn pull_policy_defaults_as_the_api_server_does() {
        for (image, expected) in [
            ("docker.io/llamastack/distribution-starter:latest", "Always"),
            ("docker.io/llamastack/distribution-starter", "Always"),
            ("registry.example.com:5000/team/server", "Always"),
            (
                "registry.example.com:5000/team/server:0.7.3",
                "IfNotPresent",
            ),
            ("quay.io/a/b@sha256:0123", "IfNotPresent"),
            ("quay.io/a/b:latest@sha256:0123", "Always"),
            ("quay.io/a/b:1.0@sha256:0123", "IfNotPresent"),
        ] {
            assert_eq!(default_pull_policy(image), expected, "{image}");
        }
    }
}

#[cfg(test)]
mod env_tests {
    use super::env;

    /// Kubernetes' expansion of an env value (the rules of the container
    /// API's `env[].value`): `$$` is a literal `$`, `$(NAME)` becomes the
    /// value of an earlier variable NAME when there is one and stays as
    /// written otherwise, any other `$` is kept.
    fn kubernetes_expand(value: &str, defined: &[(&str, &str)]) -> String {
        let mut out = String::new();
        let mut rest = value;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                out.push('$');
                rest = tail;
            } else if let Some(inner) = after.strip_prefix('(')
                && let Some(end) = inner.find(')')
            {
                let name = &inner[..end];
                match defined.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[at..at + 3 + end]),
                }
                rest = &inner[end + 1..];
            } else {
                out.push('$');
                rest = after;
            }
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn values_survive_kubernetes_expansion() {
        let defined = [("PROVIDER_ID", "ollama"), ("X", "x")];
        for value in [
            "a$$b",
            "$(PROVIDER_ID)",
            "$$(X)",
            "$",
            "end$",
            "$(",
            "$(UNDEFINED)",
            r#"{"config":{"pw":"p$(X)$$w$"}}"#,
            "plain",
        ] {
            let written = env("V", value).value.unwrap();
            assert_eq!(kubernetes_expand(&written, &defined), value, "{written}");
        }
        // what the oracle does with an unescaped value, as Kubernetes would
        assert_eq!(kubernetes_expand("a$$b$(X)", &defined), "a$bx");
    }
}
