//! The install step's decisions, as data: what a provider tree must hold,
//! the wheels read from it, the metadata checked as the merge checks it,
//! the server's answer to the probe, what to write, and every way the step
//! stops — the summary for the termination message and the full text for
//! the log, worded once. [`super::sequence`] puts them in order; the pod
//! (`crates/fs/src/install.rs`) reads the trees, runs the probe, unpacks and
//! writes.

use super::inputs::{Provider, ServerDist, Target, Wheel};
use super::report::{Context, Failure, Refusal, details_block};
use crate::contract::PROVIDER_IMAGES_PATH;
use crate::pipeline::{
    self, CrdConfig, MergeFailure, MergeResult, ProviderDir, ProviderSource, sources_from_dirs,
};
use crate::wheel::{WheelName, parse_metadata, parse_requirement};
use pep508_rs::pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, PackageName};
use std::str::FromStr;

/// The containers of the pod the step runs in, for the termination
/// message's share of the pod's budget, when the injection did not say
/// ([`POD_CONTAINERS_ENV`](crate::contract::POD_CONTAINERS_ENV)): the
/// injected pod's count, the operator's server container and one spare.
/// Image-volume mode (`sources` is
/// [`PROVIDER_IMAGES_PATH`]):
/// merge-config; init-containers mode: one install-provider-{id} per
/// provider in `providers_json` (the crd-config list), stage-installer and
/// merge-config.
pub fn pod_containers(providers_json: Option<&str>, sources: Option<&str>) -> usize {
    let providers = providers_json
        .and_then(|json| serde_json::from_str::<Vec<serde_json::Value>>(json).ok())
        .map_or(0, |list| list.len());
    // compared as paths: `/provider-images/` is the same directory
    let image_volumes = sources
        .is_some_and(|s| std::path::Path::new(s) == std::path::Path::new(PROVIDER_IMAGES_PATH));
    if image_volumes { 3 } else { providers + 4 }
}

/// The providers the step is given (`--providers-json`, or the
/// `LLSD_PROVIDERS` environment variable the injection sets): the
/// crd-config objects in CRD order, or the sentence saying what is wrong.
pub fn providers_from_json(json: Option<&str>) -> Result<Vec<CrdConfig>, String> {
    let json = json.ok_or(
        "install needs the providers: --providers-json or the LLSD_PROVIDERS environment variable",
    )?;
    serde_json::from_str(json)
        .map_err(|err| format!("--providers-json is not a list of crd-config objects: {err}"))
}

/// Where a provider's image keeps its tree, for messages.
pub const IN_IMAGE: &str = "/lls-provider";

/// What a provider tree may hold, for the refusals of anything else.
pub const IMAGE_FILES: &str = "a provider image holds its spec and wheels as regular files and directories (no symbolic links, FIFOs or devices)";

/// Why the step stops: one line for the termination message, the whole
/// text for stderr, and the kind and provider `status` reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    /// `installFailed`, `resolutionFailed` or `stepFailed`.
    pub kind: &'static str,
    /// The provider it names, if one.
    pub provider: Option<String>,
    /// One line, for the termination message.
    pub summary: String,
    /// From `ERROR: …` to `Resolution: …`, for stderr.
    pub details: String,
}

impl Stop {
    /// The step's result for the termination message.
    pub fn result(&self) -> MergeResult {
        MergeResult::failed(self.kind, self.provider.as_deref(), &self.summary)
    }
}

/// The step's own name, for every message (`merge-config` in a pod).
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// This init container's name.
    pub init_container: &'a str,
}

fn image_of(crd: &CrdConfig) -> &str {
    crd.image.as_deref().unwrap_or("unknown")
}

impl Step<'_> {
    /// A problem with one provider's image.
    pub fn provider_error(&self, crd: &CrdConfig, title: &str, fix: &str) -> Stop {
        let (id, image, container) = (&crd.provider_id, image_of(crd), self.init_container);
        Stop {
            kind: "installFailed",
            provider: Some(id.clone()),
            summary: format!(
                "{title} (provider '{id}', image {image}, init container {container}). Resolution: {fix}"
            ),
            details: details_block(title, (id, image, container), "", fix),
        }
    }

    /// A step-wide failure (`stepFailed`).
    fn step_failed(&self, summary: String, details: String) -> Stop {
        Stop {
            kind: "stepFailed",
            provider: None,
            summary,
            details,
        }
    }

    /// A providerId of the provider list that is not one (a hand-set
    /// `LLSD_PROVIDERS` could name `../elsewhere`): the ids become
    /// directory names, so they are checked where they enter.
    pub fn check_provider_ids(&self, crds: &[CrdConfig]) -> Result<(), Stop> {
        for crd in crds {
            if let Err(problem) = crate::validate::rules::provider_id(&crd.provider_id) {
                return Err(self.step_failed(
                    format!(
                        "The provider list (--providers-json or LLSD_PROVIDERS) has an invalid providerId: {} (init container {}). Resolution: {}; the injection writes this list from the LLSD.",
                        problem.problem, self.init_container, problem.fix
                    ),
                    format!(
                        "ERROR: the provider list (--providers-json or LLSD_PROVIDERS) has an invalid providerId: {}\n\nResolution: {}; the injection writes this list from the LLSD.",
                        problem.problem, problem.fix
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A provider tree holding something else than regular files and
    /// directories: `problem` names the paths as the image has them
    /// (`/lls-provider/…`).
    pub fn not_image_files(&self, crd: &CrdConfig, problem: &str) -> Stop {
        self.provider_error(
            crd,
            &format!("In image {}: {problem}", image_of(crd)),
            "Put the provider's spec and wheels in the image as regular files and directories.",
        )
    }

    /// The tree has no lls-provider-spec.yaml.
    pub fn missing_spec(&self, crd: &CrdConfig) -> Stop {
        self.provider_error(
            crd,
            &format!(
                "Missing {IN_IMAGE}/lls-provider-spec.yaml in image {}",
                image_of(crd)
            ),
            &format!(
                "Build the provider image with its metadata file at {IN_IMAGE}/lls-provider-spec.yaml (see docs/external-providers.md)."
            ),
        )
    }

    /// The tree has no wheels.
    pub fn no_wheels(&self, crd: &CrdConfig) -> Stop {
        self.provider_error(
            crd,
            &format!(
                "No wheels (*.whl) in {IN_IMAGE}/packages in image {}",
                image_of(crd)
            ),
            &format!(
                "Build the wheels with pip wheel and copy them to {IN_IMAGE}/packages/ in the image."
            ),
        )
    }

    /// No userConfig ConfigMap, and none of the places a distribution's
    /// config can be in the server image holds one.
    pub fn no_distribution_config(&self, tried: &[String]) -> Stop {
        let tried_text = if tried.is_empty() {
            "no place to look: RUN_CONFIG_PATH and DISTRO_NAME are unset, the LLSD names no distribution and the image has no ogx or llama_stack package".to_string()
        } else {
            tried.join(", ")
        };
        let title = format!(
            "Cannot find the distribution's config in the server image; tried {tried_text}"
        );
        Stop {
            kind: "invalidBase",
            provider: None,
            summary: format!(
                "{title} (init container {}). Resolution: set spec.server.userConfig.configMapName to a ConfigMap holding the server's config, or set RUN_CONFIG_PATH or DISTRO_NAME in spec.server.containerSpec.env to a config the image ships.",
                self.init_container
            ),
            details: format!(
                "ERROR: {title}\n\nInit Container: {}\n\nResolution: Without spec.server.userConfig the providers are merged into the config the server image would run: the file RUN_CONFIG_PATH names, else the distribution DISTRO_NAME (or the LLSD's distribution.name) names inside the server package (ogx/distributions/NAME/config.yaml, llama_stack/distributions/NAME/config.yaml). \
                 Set spec.server.userConfig.configMapName to a ConfigMap holding the server's config, or set RUN_CONFIG_PATH or DISTRO_NAME in spec.server.containerSpec.env to a config the image ships.",
                self.init_container
            ),
        }
    }

    /// A wheel whose name or METADATA cannot be read.
    pub fn unreadable_wheel(&self, crd: &CrdConfig, file_name: &str, problem: &str) -> Stop {
        self.provider_error(
            crd,
            &format!("Cannot read wheel {file_name} in {IN_IMAGE}/packages: {problem}"),
            "Rebuild the wheel with pip wheel; a wheel is a zip file named name-version-python-abi-platform.whl with a .dist-info/METADATA.",
        )
    }

    /// A wheel that could not be unpacked.
    pub fn unpack_failed(&self, crd: &CrdConfig, file_name: &str, problem: &str) -> Stop {
        self.provider_error(
            crd,
            &format!("Cannot install wheel {file_name}: {problem}"),
            "Rebuild the wheel with pip wheel, and check that the shared volume has room (sharedVolumeSizeLimit).",
        )
    }

    /// A wheel writing a file another chosen wheel wrote.
    pub fn overwrite(
        &self,
        crd: &CrdConfig,
        file_name: &str,
        path: &str,
        earlier: (&Provider, &str),
    ) -> Stop {
        let (provider, earlier_wheel) = earlier;
        self.provider_error(
            crd,
            &format!(
                "Wheel {file_name} overwrites {path}, which wheel {earlier_wheel} of provider '{}' (image {}) installed",
                provider.id, provider.image
            ),
            "Two distributions cannot own one file: rename the module in one of them, or ship one distribution that both providers require.",
        )
    }

    /// The server's Python could not be asked.
    pub fn probe_failed(&self, python: &str, problem: &str) -> Stop {
        let title = format!(
            "Cannot ask the server's Python ({python}) for its installed packages: {problem}"
        );
        self.step_failed(
            format!(
                "{title} (init container {}). Resolution: run the install step in the server's image, which has python3 on PATH.",
                self.init_container
            ),
            format!(
                "ERROR: {title}\n\nInit Container: {}\n\nResolution: The install step runs in the server's own image and asks its python3 for the installed distributions; check that the image has python3 on PATH.",
                self.init_container
            ),
        )
    }

    /// The shared volume could not be written.
    pub fn write_failed(&self, path: &str, err: &str) -> Stop {
        self.step_failed(
            format!(
                "Cannot write the shared volume at {path} (init container {}): {err}. Resolution: check the pod's fsGroup and the volume mount.",
                self.init_container
            ),
            format!(
                "ERROR: Cannot write the shared volume at {path}: {err}\n\nInit Container: {}\n\nResolution: The volume must be writable by the init container's user; keep the pod securityContext.fsGroup or run the init container as the volume's owner.",
                self.init_container
            ),
        )
    }

    /// The resolution refused: the message documented in
    /// docs/troubleshooting.md, naming the provider being installed.
    pub fn refused(&self, refusal: &Refusal, providers: &[Provider], installed_list: &str) -> Stop {
        let rendered = refusal.render(&Context {
            providers,
            init_container: self.init_container,
            installed_list,
        });
        let provider = match &refusal.failure {
            Failure::Unsatisfied { provider, .. }
            | Failure::MissingRootWheel { provider, .. }
            | Failure::UnusableRootWheel { provider, .. } => {
                providers.get(*provider).map(|p| p.id.clone())
            }
            Failure::Broken { .. } => None,
        };
        Stop {
            kind: "resolutionFailed",
            provider,
            summary: rendered.summary,
            details: rendered.details,
        }
    }

    /// The install step stopped on a panic: the last line of defence.
    pub fn internal_error(&self, panic: &str) -> Stop {
        let summary = format!(
            "The install step stopped on an internal error (init container {}): {}. Resolution: report it with the provider images; kubectl logs has the full message.",
            self.init_container,
            crate::diagnostic::printable(panic, false)
        );
        self.step_failed(summary.clone(), summary)
    }
}

/// One wheel of a provider tree: its file name and its METADATA text as the
/// host read it (or why it could not).
pub fn read_wheel(file_name: &str, metadata: Result<String, String>) -> Result<Wheel, String> {
    let name = WheelName::parse(file_name)?;
    let metadata = parse_metadata(&metadata?)?;
    name.check_metadata(&metadata)?;
    Ok(Wheel {
        file: name,
        metadata,
    })
}

/// The providers' metadata checked as the merge checks it (same messages),
/// before anything is installed: the sources the merge then runs on, and
/// each provider's main wheel (from `spec.wheelPath`) set as its root.
pub fn check_metadata(
    metadata_dir: &str,
    crds: &[CrdConfig],
    specs: &[Vec<u8>],
    providers: &mut [Provider],
) -> Result<Vec<ProviderSource>, MergeFailure> {
    let dirs: Vec<ProviderDir> = crds
        .iter()
        .zip(specs)
        .map(|(crd, spec)| ProviderDir {
            name: crd.provider_id.clone(),
            spec: Some(spec.clone()),
            crd_config: Some(crd_config_text(crd).into_bytes()),
        })
        .collect();
    let ids: Vec<String> = crds.iter().map(|c| c.provider_id.clone()).collect();
    let sources = sources_from_dirs(metadata_dir, &ids, &dirs)?;
    pipeline::assemble(&sources)?;
    for (provider, source) in providers.iter_mut().zip(&sources) {
        let path = &source.package.spec.wheel_path;
        provider.root = path.rsplit('/').next().unwrap_or(path).to_string();
    }
    Ok(sources)
}

/// crd-config.yaml as the step writes it (JSON is YAML), newline-terminated.
pub fn crd_config_text(crd: &CrdConfig) -> String {
    format!("{}\n", serde_json::to_string(crd).unwrap_or_default())
}

/// installed-packages.txt: what each provider installed, then the server's own.
pub fn installed_text(
    providers: &[Provider],
    installed: &[(usize, &Wheel)],
    server: &[ServerDist],
) -> String {
    let mut text = String::from(
        "# Installed for the external providers (name==version  # provider: id, image):\n",
    );
    for (p, wheel) in installed {
        text.push_str(&format!(
            "{}=={}  # provider: {}, image {}\n",
            wheel.metadata.name, wheel.metadata.version, providers[*p].id, providers[*p].image
        ));
    }
    text.push_str("# In the server image (after the providers' packages on PYTHONPATH):\n");
    for dist in server {
        text.push_str(&format!(
            "{}=={}  # server image\n",
            dist.display_name, dist.version
        ));
    }
    text
}

/// The top-level name a file under a packages directory makes importable:
/// `yaml/__init__.py` → `yaml`, `six.py` → `six`, `_cffi.abi3.so` →
/// `_cffi`; none for distribution metadata, scripts, headers, data files or
/// caches.
pub fn top_level_module(relative: &str) -> Option<&str> {
    let (first, rest) = match relative.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (relative, None),
    };
    if first.ends_with(".dist-info")
        || first.ends_with(".data")
        || first.ends_with(".egg-info")
        || matches!(
            first,
            "bin" | "include" | "share" | "__pycache__" | ".." | ""
        )
    {
        return None;
    }
    let module = match rest {
        // a package (or a namespace package's directory)
        Some(_) => first,
        None => {
            let (stem, extension) = first.split_once('.')?;
            if !matches!(extension.rsplit('.').next(), Some("py" | "so" | "pyd")) {
                return None;
            }
            stem
        }
    };
    let identifier = module
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && module.chars().all(|c| c.is_alphanumeric() || c == '_');
    identifier.then_some(module)
}

/// Warnings for the modules a provider's wheel installs that a server
/// distribution of another name also provides: the providers' packages
/// directory comes first on `PYTHONPATH`, so the server imports the
/// provider's copy. (A wheel of the same distribution is the resolution's
/// own shadow warning.) `written` holds, per chosen wheel of the plan, the
/// paths it wrote under the packages directory.
pub fn module_shadows(
    providers: &[Provider],
    plan: &super::Plan,
    written: &[Vec<String>],
    server: &[ServerDist],
) -> Vec<String> {
    let mut warnings = Vec::new();
    for (chosen, files) in plan.install.iter().zip(written) {
        let provider = &providers[chosen.provider];
        let wheel = &provider.wheels[chosen.wheel];
        let mut modules: Vec<&str> = files.iter().filter_map(|f| top_level_module(f)).collect();
        modules.sort_unstable();
        modules.dedup();
        for module in modules {
            for dist in server
                .iter()
                .filter(|d| d.name != wheel.file.name && d.modules.iter().any(|m| m == module))
            {
                warnings.push(format!(
                    "WARNING: Provider '{}' installs module {module} ({}, image {}), which shadows module {module} of the server image's {} {} on PYTHONPATH\n  \
                     The server imports the provider's copy instead of its own. Resolution: rename the module in the provider's distribution, or require {} instead of shipping its module.",
                    provider.id,
                    wheel.file.file_name,
                    provider.image,
                    dist.display_name,
                    dist.version,
                    dist.display_name
                ));
            }
        }
    }
    warnings
}

/// What the server's Python reports about itself (`probe.py`'s output).
#[derive(Debug, serde::Deserialize)]
struct Probe {
    markers: std::collections::BTreeMap<String, String>,
    tags: Vec<String>,
    dists: Vec<ProbeDist>,
    /// Import name (`ogx`, `llama_stack`) → the server package's directory.
    #[serde(default)]
    server_packages: std::collections::BTreeMap<String, String>,
}

/// What the install step learns from the server's Python.
#[derive(Debug, Clone)]
pub struct ServerImage {
    /// Its distributions, first on `sys.path` first.
    pub dists: Vec<ServerDist>,
    /// Its marker environment and wheel tags.
    pub target: Target,
    /// The directories of its server packages (`…/site-packages/ogx`,
    /// `…/site-packages/llama_stack`), where the distributions' configs are.
    pub server_packages: Vec<String>,
}

/// Where a server image keeps a distribution's config, in the order the
/// server looks when no ConfigMap is mounted (the image's entrypoint:
/// `$RUN_CONFIG_PATH` when that file exists, else `$DISTRO_NAME`, resolved
/// by `resolve_config_or_distro` to `<package>/distributions/<name>/config.yaml`;
/// llama-stack before 0.7 named it `run.yaml`, and 0.2.0–0.2.10 kept it
/// under `templates/`). `distro_names` are the names to look for, in order:
/// `$DISTRO_NAME` when set, else the LLSD's `distribution.name`.
pub fn distribution_config_candidates(
    run_config_path: Option<&str>,
    distro_names: &[&str],
    server_packages: &[String],
) -> Vec<String> {
    let mut candidates: Vec<String> = Vec::new();
    let mut add = |path: String| {
        if !candidates.contains(&path) {
            candidates.push(path);
        }
    };
    if let Some(path) = run_config_path.filter(|p| !p.trim().is_empty()) {
        add(path.to_string());
    }
    for name in distro_names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
    {
        if name.ends_with(".yaml") && name.starts_with('/') {
            add(name.to_string());
            continue;
        }
        // a name is one path segment (`starter`), never a way out of the package
        if name.contains(['/', '\\']) || name.starts_with('.') {
            continue;
        }
        for dir in server_packages {
            let dir = dir.trim_end_matches('/');
            add(format!("{dir}/distributions/{name}/config.yaml"));
            add(format!("{dir}/distributions/{name}/run.yaml"));
            add(format!("{dir}/templates/{name}/run.yaml"));
        }
    }
    candidates
}

#[derive(Debug, serde::Deserialize)]
struct ProbeDist {
    name: String,
    version: String,
    requires: Vec<String>,
    /// The top-level names of its files (older probes did not say).
    #[serde(default)]
    top_level: Vec<String>,
}

/// Reads the probe's JSON answer: the server's distributions and the
/// target (marker environment, Python version, supported wheel tags).
pub fn read_probe(stdout: &[u8]) -> Result<ServerImage, String> {
    let probe: Probe =
        serde_json::from_slice(stdout).map_err(|err| format!("unexpected output: {err}"))?;
    let m = |key: &str| probe.markers.get(key).map(String::as_str).unwrap_or("");
    let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: m("implementation_name"),
        implementation_version: m("implementation_version"),
        os_name: m("os_name"),
        platform_machine: m("platform_machine"),
        platform_python_implementation: m("platform_python_implementation"),
        platform_release: m("platform_release"),
        platform_system: m("platform_system"),
        platform_version: m("platform_version"),
        python_full_version: m("python_full_version"),
        python_version: m("python_version"),
        sys_platform: m("sys_platform"),
    })
    .map_err(|err| format!("marker environment: {err}"))?;
    let python_full_version = Version::from_str(m("python_full_version"))
        .map_err(|err| format!("python version: {err}"))?;
    let mut server = Vec::new();
    for dist in probe.dists {
        // A distribution whose metadata pep508 cannot read is skipped, not fatal:
        // the server image is what it is.
        let Ok(name) = PackageName::from_str(&dist.name) else {
            continue;
        };
        let Ok(version) = Version::from_str(&dist.version) else {
            continue;
        };
        let requires = dist
            .requires
            .iter()
            .filter_map(|r| parse_requirement(r).ok())
            .collect();
        let mut modules: Vec<String> = dist
            .top_level
            .iter()
            .filter_map(|path| top_level_module(path))
            .map(str::to_string)
            .collect();
        modules.sort();
        modules.dedup();
        server.push(ServerDist {
            name,
            display_name: dist.name,
            version,
            requires,
            modules,
        });
    }
    Ok(ServerImage {
        dists: server,
        target: Target {
            markers,
            python_full_version,
            supported_tags: probe.tags.into_iter().collect(),
        },
        server_packages: probe.server_packages.into_values().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue #22 item 3: where a server image keeps a distribution's
    /// config, in the order its entrypoint looks, for both families.
    #[test]
    fn distribution_configs_are_looked_for_where_the_server_would() {
        let packages = ["/sp/ogx".to_string(), "/sp/llama_stack/".to_string()];
        assert_eq!(
            distribution_config_candidates(
                Some("/app/run.yaml"),
                &["starter", "starter"],
                &packages[..1]
            ),
            [
                "/app/run.yaml",
                "/sp/ogx/distributions/starter/config.yaml",
                "/sp/ogx/distributions/starter/run.yaml",
                "/sp/ogx/templates/starter/run.yaml"
            ]
        );
        let both = distribution_config_candidates(Some(" "), &["", "remote-vllm"], &packages);
        assert_eq!(both[0], "/sp/ogx/distributions/remote-vllm/config.yaml");
        assert_eq!(
            both[3],
            "/sp/llama_stack/distributions/remote-vllm/config.yaml"
        );
        // a name is one path segment; an absolute .yaml is a file
        assert!(distribution_config_candidates(None, &["../../etc", "a/b"], &packages).is_empty());
        assert_eq!(
            distribution_config_candidates(None, &["/etc/x.yaml"], &packages),
            ["/etc/x.yaml"]
        );
        let stop = Step {
            init_container: "merge-config",
        }
        .no_distribution_config(&both[..1]);
        assert_eq!(stop.kind, "invalidBase");
        assert!(stop.summary.starts_with("Cannot find the distribution's config in the server image; tried /sp/ogx/distributions/remote-vllm/config.yaml (init container merge-config). Resolution: set spec.server.userConfig.configMapName"), "{}", stop.summary);
    }

    #[test]
    fn files_name_their_top_level_module() {
        for (path, module) in [
            ("yaml/__init__.py", Some("yaml")),
            ("yaml/", Some("yaml")),
            ("six.py", Some("six")),
            (
                "_cffi_backend.cpython-312-x86_64-linux-gnu.so",
                Some("_cffi_backend"),
            ),
            ("PyYAML-6.0.dist-info/RECORD", None),
            ("x-1.0.data/scripts/x", None),
            ("bin/tool", None),
            ("README.txt", None),
            ("../escape.py", None),
            ("__pycache__/x.pyc", None),
            ("not-a-module/x.py", None),
        ] {
            assert_eq!(top_level_module(path), module, "{path}");
        }
    }
}
