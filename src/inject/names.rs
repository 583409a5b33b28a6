//! Names and paths the injection owns (DESIGN.md "Paths in the pod").

/// Shared emptyDir: packages, metadata, installed-packages.txt.
pub const SHARED_VOLUME: &str = "llsd-external-providers";
pub const SHARED_PATH: &str = "/opt/llama-stack/external-providers";
pub const PACKAGES_PATH: &str = "/opt/llama-stack/external-providers/python-packages";
pub const METADATA_PATH: &str = "/opt/llama-stack/external-providers/metadata";

/// emptyDir the merge writes the merged config into.
pub const MERGED_VOLUME: &str = "llsd-merged-config";
pub const MERGED_PATH: &str = "/opt/llama-stack/config";

/// Where merge-config sees the user's ConfigMap.
pub const BASE_CONFIG_PATH: &str = "/opt/llama-stack/base-config";

/// Where the list of installed packages (providers' and the server's) is written.
pub const INSTALLED_LIST_PATH: &str = "/opt/llama-stack/external-providers/installed-packages.txt";

/// initContainers mode: provider trees copied by `install-provider-{id}`
/// (`{SOURCES_PATH}/{id}/lls-provider`), and the staged native binary.
pub const SOURCES_PATH: &str = "/opt/llama-stack/external-providers/sources";
pub const STAGED_BINARY_PATH: &str = "/opt/llama-stack/external-providers/bin/llsd-providers";

/// imageVolume mode: each provider image mounted read-only at
/// `{PROVIDER_IMAGES_PATH}/{id}` from the volume `llsd-provider-{id}`, and
/// the merge image at TOOLS_PATH.
pub const PROVIDER_IMAGES_PATH: &str = "/opt/llama-stack/provider-images";
pub const PROVIDER_VOLUME_PREFIX: &str = "llsd-provider-";
pub const TOOLS_VOLUME: &str = "llsd-tools";
pub const TOOLS_PATH: &str = "/opt/llama-stack/llsd-tools";

/// The install-and-merge step (in the server's image), the per-provider
/// copy steps (initContainers mode) and the binary's staging step.
pub const MERGE_CONTAINER: &str = "merge-config";
pub const INSTALL_PREFIX: &str = "install-provider-";
pub const STAGE_CONTAINER: &str = "stage-installer";

/// Pod-template annotations: the hash that rolls the Deployment when the
/// provider list changes, and what the injection replaced (so that it can
/// be undone and redone idempotently).
pub const HASH_ANNOTATION: &str = "llsd-providers.llamastack.io/providers-hash";
pub const CONFIG_VOLUME_ANNOTATION: &str = "llsd-providers.llamastack.io/config-volume";

pub const PYTHONPATH: &str = "PYTHONPATH";

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
