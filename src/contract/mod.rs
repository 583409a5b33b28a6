//! The pod's contract: the names, paths, environment variables,
//! annotations and limits the injection writes and the install step, the
//! status diagnosis, the copy script (`install.sh`, checked by a test) and
//! the playground (through its generated types) read — in one place, at the
//! bottom of the core (docs/contracts.md, "Paths and volumes").

/// Shared emptyDir: packages, metadata, installed-packages.txt.
pub const SHARED_VOLUME: &str = "llsd-external-providers";
/// Where the shared emptyDir is mounted: read-write in the install init
/// containers, read-only in `merge-config` and the server.
pub const SHARED_PATH: &str = "/opt/llama-stack/external-providers";
/// pip's `--target` for every provider; prepended to the server's `PYTHONPATH`.
pub const PACKAGES_PATH: &str = "/opt/llama-stack/external-providers/python-packages";
/// `{providerId}/lls-provider-spec.yaml` and `{providerId}/crd-config.yaml` per
/// provider; `merge-config`'s `--metadata-dir`.
pub const METADATA_PATH: &str = "/opt/llama-stack/external-providers/metadata";

/// emptyDir the merge writes the merged config into.
pub const MERGED_VOLUME: &str = "llsd-merged-config";
/// Where `merge-config` mounts the merged-config emptyDir and writes the config,
/// `extra-providers.yaml` and `merge-log.txt`. The server mounts the same volume
/// where it mounted the user's ConfigMap.
pub const MERGED_PATH: &str = "/opt/llama-stack/config";

/// Where merge-config sees the user's ConfigMap.
pub const BASE_CONFIG_PATH: &str = "/opt/llama-stack/base-config";

/// Where the list of installed packages (providers' and the server's) is written.
pub const INSTALLED_LIST_PATH: &str = "/opt/llama-stack/external-providers/installed-packages.txt";

/// initContainers mode: provider trees copied by `install-provider-{id}`
/// (`{SOURCES_PATH}/{id}/lls-provider`); `merge-config`'s `--sources`.
pub const SOURCES_PATH: &str = "/opt/llama-stack/external-providers/sources";
/// initContainers mode: where `stage-installer` copies the native binary
/// that `merge-config` then runs (docs/external-providers.md, "In the pod").
pub const STAGED_BINARY_PATH: &str = "/opt/llama-stack/external-providers/bin/llsd-providers";

/// imageVolume mode: each provider image mounted read-only at
/// `{PROVIDER_IMAGES_PATH}/{id}`; `merge-config`'s `--sources`.
pub const PROVIDER_IMAGES_PATH: &str = "/opt/llama-stack/provider-images";
/// imageVolume mode: name prefix of the provider image volumes
/// (`llsd-provider-{providerId}`); the strip removes every volume with it.
pub const PROVIDER_VOLUME_PREFIX: &str = "llsd-provider-";
/// imageVolume mode: the volume that holds the merge image (`mergeImage`).
pub const TOOLS_VOLUME: &str = "llsd-tools";
/// imageVolume mode: where the merge image is mounted read-only; the binary
/// runs from `{TOOLS_PATH}{installBinary}` (`installBinary` is absolute).
pub const TOOLS_PATH: &str = "/opt/llama-stack/llsd-tools";

/// The install-and-merge step (in the server's image), last of the injected
/// init containers.
pub const MERGE_CONTAINER: &str = "merge-config";
/// Name prefix of the per-provider install init containers
/// (`install-provider-{providerId}`).
pub const INSTALL_PREFIX: &str = "install-provider-";
/// The per-provider install init container's name.
pub fn install_container(provider_id: &str) -> String {
    format!("{INSTALL_PREFIX}{provider_id}")
}

/// initContainers mode: the first injected init container; runs in
/// `mergeImage` and copies the native binary to [`STAGED_BINARY_PATH`].
pub const STAGE_CONTAINER: &str = "stage-installer";

/// Pod-template annotation holding the providers hash: it rolls the Deployment
/// when the provider list changes, marks a previous injection (so that it can
/// be undone and redone idempotently) and lets `status` tell a stale pod
/// (docs/contracts.md, "Paths and volumes").
pub const HASH_ANNOTATION: &str = "llsd-providers.llamastack.io/providers-hash";
/// Pod-template annotation naming the ConfigMap volume the merged config
/// replaced, so that the injection can be undone.
pub const CONFIG_VOLUME_ANNOTATION: &str = "llsd-providers.llamastack.io/config-volume";

/// Pod-template annotation holding the server's PYTHONPATH value from before
/// the injection, when it had one, so that the injection can be undone
/// exactly (an empty value, or one already listing the packages path).
pub const PYTHONPATH_ANNOTATION: &str = "llsd-providers.llamastack.io/pythonpath";

/// LLSD annotation naming the server its distribution runs (`ogx-1.5.0`,
/// `llama-stack`), for validation when the distribution image does not say
/// (`distribution.name`, or an image of another name).
pub const SERVER_ANNOTATION: &str = "llsd-providers.llamastack.io/server";

/// Pod-template annotation recording the server container's
/// `RUN_CONFIG_PATH` before the injection pointed it at the merged config
/// (no userConfig), so that removing the providers restores it.
pub const RUN_CONFIG_PATH_ANNOTATION: &str = "llsd-providers.llamastack.io/run-config-path";

/// Environment variable of the install-and-merge step holding the providers
/// in CRD order, as a JSON list of crd-config objects (docs/contracts.md,
/// "crd-config.yaml"); `status` reads it when a pod has no per-provider
/// init containers (the image-volume mode).
pub const PROVIDERS_ENV: &str = "LLSD_PROVIDERS";

/// Environment variable of the install-and-merge step holding the number of
/// containers and init containers of the injected pod: the kubelet splits
/// 12 KiB of termination messages evenly over them, so the step's summary
/// is cut to its share (docs/contracts.md, "Termination message").
pub const POD_CONTAINERS_ENV: &str = "LLSD_POD_CONTAINERS";

/// The server's environment variable that gets [`PACKAGES_PATH`] prepended.
pub const PYTHONPATH: &str = "PYTHONPATH";

/// The variables the server reads its config path from: llama-stack 0.x
/// reads `LLAMA_STACK_CONFIG`, ogx 1.x `OGX_CONFIG` (each only its own).
pub const SERVER_CONFIG_ENV: [&str; 2] = ["LLAMA_STACK_CONFIG", "OGX_CONFIG"];

/// The config file a distribution image's entrypoint runs when it exists
/// (`llama stack run "$RUN_CONFIG_PATH"`, `ogx stack run …`): without a
/// userConfig ConfigMap the injection points it at the merged config.
pub const RUN_CONFIG_PATH: &str = "RUN_CONFIG_PATH";

/// The distribution a distribution image's entrypoint runs when
/// `RUN_CONFIG_PATH` names no file (`starter` by default).
pub const DISTRO_NAME: &str = "DISTRO_NAME";

/// Server container name the operator uses when containerSpec.name is unset.
pub const DEFAULT_SERVER_CONTAINER: &str = "llama-stack";

/// The copy script (initContainers mode) as documented in `install.sh`.
pub const INSTALL_SCRIPT_SOURCE: &str = include_str!("install.sh");

/// The copy script as the init containers run it: the source without
/// its comment lines (they would be repeated in every init container).
/// Constant text; values come from the environment.
/// Computed once per process: rebuilding it for every provider cost about
/// 20 µs each, a third of an injection.
pub fn install_script() -> String {
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCRIPT
        .get_or_init(|| {
            INSTALL_SCRIPT_SOURCE
                .lines()
                .filter(|line| !line.trim_start().starts_with('#'))
                .map(|line| format!("{line}\n"))
                .collect()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy script's fallbacks are the contract's values (the injection
    /// sets each variable; the defaults serve a script run by hand).
    #[test]
    fn the_copy_script_defaults_are_the_contract() {
        for default in [
            format!("DEST=\"${{EXTERNAL_PROVIDERS_DIR:-{SHARED_PATH}}}\""),
            format!("CONTAINER=\"${{INIT_CONTAINER_NAME:-{INSTALL_PREFIX}$ID}}\""),
        ] {
            assert!(
                INSTALL_SCRIPT_SOURCE.contains(&default),
                "install.sh lacks {default}"
            );
        }
    }

    #[test]
    fn the_longest_provider_id_names_valid_objects() {
        let id = "a".repeat(crate::limits::MAX_PROVIDER_ID_LEN);
        assert_eq!(install_container(&id).len(), 63);
        assert!(format!("{PROVIDER_VOLUME_PREFIX}{id}").len() <= 63);
    }
}
