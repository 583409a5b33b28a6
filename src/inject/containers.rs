//! The injected init containers: one `install-provider-{id}` per provider,
//! then `merge-config`.

use super::names::*;
use super::options::InjectOptions;
use crate::api::Api;
use crate::llsd::{ExternalProviderRef, install_container_name};
use crate::pipeline::CrdConfig;
use k8s_openapi::api::core::v1::{
    Capabilities, Container, EnvVar, ResourceRequirements, SeccompProfile, SecurityContext,
    VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::collections::BTreeMap;

fn env(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value: Some(value.to_string()),
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
    ResourceRequirements {
        requests: Some(BTreeMap::from([
            ("cpu".to_string(), Quantity(r.cpu_request.clone())),
            ("memory".to_string(), Quantity(r.memory_request.clone())),
        ])),
        limits: Some(BTreeMap::from([(
            "memory".to_string(),
            Quantity(r.memory_limit.clone()),
        )])),
        ..ResourceRequirements::default()
    }
}

fn init_container(name: String, image: String, options: &InjectOptions) -> Container {
    Container {
        name,
        image: Some(image),
        resources: Some(resources(options)),
        security_context: Some(security_context(options)),
        termination_message_policy: Some("FallbackToLogsOnError".to_string()),
        ..Container::default()
    }
}

/// `install-provider-{id}`: the provider's image runs the constant install
/// script; every per-provider value is an environment variable.
pub fn install_container(
    api: &Api,
    provider: &ExternalProviderRef,
    options: &InjectOptions,
) -> Container {
    let name = install_container_name(&provider.provider_id);
    let crd_config = CrdConfig {
        provider_id: provider.provider_id.clone(),
        api: api.crd_field.to_string(),
        image: Some(provider.image.clone()),
        config: provider.config.clone(),
    };
    let crd_config = serde_json::to_string(&crd_config).unwrap_or_default();
    Container {
        image_pull_policy: Some(provider.pull_policy().as_str().to_string()),
        command: Some(vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            install_script(),
        ]),
        env: Some(vec![
            env("PROVIDER_ID", &provider.provider_id),
            env("PROVIDER_IMAGE", &provider.image),
            env("PROVIDER_API", api.crd_field),
            env("INIT_CONTAINER_NAME", &name),
            env("PROVIDER_CRD_CONFIG", &crd_config),
            env("EXTERNAL_PROVIDERS_DIR", SHARED_PATH),
            env("HOME", "/tmp"),
        ]),
        volume_mounts: Some(vec![mount(SHARED_VOLUME, SHARED_PATH, false)]),
        ..init_container(name, provider.image.clone(), options)
    }
}

/// `merge-config`: runs the merge CLI contract with the providers in CRD order.
pub fn merge_container(
    provider_ids: &[&str],
    config_volume: &str,
    config_file: &str,
    options: &InjectOptions,
) -> Container {
    let args = [
        "merge",
        "--metadata-dir",
        METADATA_PATH,
        "--providers",
        &provider_ids.join(","),
        "--base",
        &format!("{BASE_CONFIG_PATH}/{config_file}"),
        "--output",
        &format!("{MERGED_PATH}/{config_file}"),
        "--extra-providers-output",
        &format!("{MERGED_PATH}/extra-providers.yaml"),
        "--log",
        &format!("{MERGED_PATH}/merge-log.txt"),
        "--copy-base-siblings",
    ];
    Container {
        image_pull_policy: Some("IfNotPresent".to_string()),
        command: Some(options.merge_command.clone()),
        args: Some(args.iter().map(|s| s.to_string()).collect()),
        volume_mounts: Some(vec![
            mount(SHARED_VOLUME, SHARED_PATH, true),
            mount(config_volume, BASE_CONFIG_PATH, true),
            mount(MERGED_VOLUME, MERGED_PATH, false),
        ]),
        ..init_container(
            MERGE_CONTAINER.to_string(),
            options.merge_image.clone(),
            options,
        )
    }
}
