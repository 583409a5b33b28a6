//! `llsd-providers install`: what the install step runs, in the server's own
//! image (native only). Reads every provider tree, asks the server's Python
//! once for its distributions, marker environment and wheel tags, resolves
//! all providers at once (src/install/), unpacks the chosen wheels, writes
//! the metadata the merge reads, and can run the merge in the same step.
//!
//! ```text
//! llsd-providers install --sources DIR --target DIR --metadata-dir DIR --installed-list FILE
//!                        [--providers-json JSON | env LLSD_PROVIDERS] [--python PROG]
//!                        [--base FILE --output FILE --extra-providers-output FILE --log FILE [--copy-base-siblings]]
//! llsd-providers install --copy-binary-to FILE
//! ```

use super::Outcome;
use super::input::{not_regular, read_regular, real_dir};
use super::merge_cmd::{self, MergeArgs};
use super::unpack;
use clap::Args;
use llsd_providers::contract::{POD_CONTAINERS_ENV, PROVIDER_IMAGES_PATH};
use llsd_providers::install::wheel::{WheelName, parse_metadata, parse_requirement};
use llsd_providers::install::{Context, Failure, Provider, ServerDist, Target, Wheel, resolve};
use llsd_providers::pipeline::{
    self, CRD_CONFIG_FILE, CrdConfig, MergeResult, ProviderDir, SPEC_FILE, message_budget,
};
use llsd_providers::validate::rules;
use llsd_providers::yaml_input::MAX_INPUT_BYTES;
use pep508_rs::pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, PackageName};
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Provider trees: DIR/{providerId}/lls-provider/ (image volumes, or copies made by the install-provider init containers).
    #[arg(long, value_name = "DIR")]
    sources: Option<PathBuf>,
    /// The providers in CRD order: a JSON list of crd-config objects (providerId, api, image, config).
    #[arg(
        long,
        value_name = "JSON",
        env = "LLSD_PROVIDERS",
        hide_env_values = true
    )]
    providers_json: Option<String>,
    /// The packages directory (first on the server's PYTHONPATH).
    #[arg(long, value_name = "DIR")]
    target: Option<PathBuf>,
    /// Where {providerId}/lls-provider-spec.yaml and crd-config.yaml are written for the merge.
    #[arg(long, value_name = "DIR")]
    metadata_dir: Option<PathBuf>,
    /// Where the list of installed packages is written.
    #[arg(long, value_name = "FILE")]
    installed_list: Option<PathBuf>,
    /// The server's Python interpreter.
    #[arg(long, value_name = "PROG", default_value = "python3")]
    python: String,
    /// This step's init container name, for messages.
    #[arg(long, env = "INIT_CONTAINER_NAME", default_value = "merge-config")]
    init_container: String,
    /// Where the step's result goes: a summary line and a JSON line (`kubectl describe pod` shows it).
    #[arg(
        long,
        value_name = "FILE",
        env = "TERMINATION_LOG",
        default_value = "/dev/termination-log"
    )]
    termination_log: PathBuf,
    /// Containers and init containers of the pod, for the termination message's share of
    /// the pod's 12 KiB (the injection sets it; default: counted from the providers and the install mode).
    #[arg(long, value_name = "N", env = POD_CONTAINERS_ENV)]
    pod_containers: Option<usize>,
    /// Only copy this binary to FILE and exit (stages it for a step running in the server's image).
    #[arg(long, value_name = "FILE")]
    copy_binary_to: Option<PathBuf>,
    /// Then merge: the user's run.yaml.
    #[arg(long, value_name = "FILE")]
    base: Option<PathBuf>,
    /// Then merge: where to write the merged config.
    #[arg(long, value_name = "FILE", requires_all = ["extra_providers_output", "log"])]
    output: Option<PathBuf>,
    /// Then merge: where to write extra-providers.yaml.
    #[arg(long, value_name = "FILE", requires = "output")]
    extra_providers_output: Option<PathBuf>,
    /// Then merge: where to write the merge log.
    #[arg(long, value_name = "FILE", requires = "output")]
    log: Option<PathBuf>,
    /// Then merge: copy the other files next to --base.
    #[arg(long, requires = "base")]
    copy_base_siblings: bool,
}

/// Where a provider's image keeps its tree, for messages.
const IN_IMAGE: &str = "/lls-provider";

/// What the server's Python reports about itself (see PROBE).
#[derive(Debug, serde::Deserialize)]
struct Probe {
    markers: std::collections::BTreeMap<String, String>,
    tags: Vec<String>,
    dists: Vec<ProbeDist>,
}

#[derive(Debug, serde::Deserialize)]
struct ProbeDist {
    name: String,
    version: String,
    requires: Vec<String>,
}

/// Run by the server's interpreter with -I (see the file's header).
const PROBE: &str = include_str!("probe.py");

/// The containers of the pod this step runs in, for the termination
/// message's share of the pod's budget: `--pod-containers` when given; else
/// the injected pod's count, the operator's server container and one spare
/// (image-volume mode: merge-config; init-containers mode: one
/// install-provider-{id} per provider, stage-installer and merge-config).
fn pod_containers(args: &InstallArgs) -> usize {
    if let Some(n) = args.pod_containers {
        return n;
    }
    let providers = args
        .providers_json
        .as_deref()
        .and_then(|json| serde_json::from_str::<Vec<serde_json::Value>>(json).ok())
        .map_or(0, |list| list.len());
    let image_volumes = args
        .sources
        .as_deref()
        .is_some_and(|s| s == Path::new(PROVIDER_IMAGES_PATH));
    if image_volumes { 3 } else { providers + 4 }
}

/// Writes the step's result to the termination log, within the pod's budget.
fn write_result(args: &InstallArgs, result: &MergeResult) {
    let message = result.termination_message(message_budget(pod_containers(args)));
    let _ = std::fs::write(&args.termination_log, message);
}

/// A failure: the full message to stderr, the summary (with the kind and
/// the provider it names) to the termination log.
fn fail(
    args: &InstallArgs,
    kind: &str,
    provider: Option<&str>,
    summary: &str,
    details: &str,
) -> Outcome {
    eprintln!("{details}");
    write_result(args, &MergeResult::failed(kind, provider, summary));
    Outcome::Problems
}

fn provider_error(args: &InstallArgs, crd: &CrdConfig, title: &str, fix: &str) -> Outcome {
    let image = crd.image.as_deref().unwrap_or("unknown");
    fail(
        args,
        "installFailed",
        Some(&crd.provider_id),
        &format!(
            "{title} (provider '{}', image {image}, init container {}). Resolution: {fix}",
            crd.provider_id, args.init_container
        ),
        &format!(
            "ERROR: {title}\n\nProvider: {}\nImage: {image}\nInit Container: {}\n\nResolution: {fix}",
            crd.provider_id, args.init_container
        ),
    )
}

/// A provider tree holding something else than regular files and
/// directories: `In image IMAGE: PROBLEM`, with the tree's paths as the
/// image has them (`/lls-provider/…`) rather than where the step sees them.
fn not_in_image_files(
    args: &InstallArgs,
    crd: &CrdConfig,
    sources: &Path,
    problem: &str,
) -> Outcome {
    let root = sources.join(&crd.provider_id).display().to_string();
    provider_error(
        args,
        crd,
        &format!(
            "In image {}: {}",
            crd.image.as_deref().unwrap_or("unknown"),
            problem.replace(&root, "")
        ),
        "Put the provider's spec and wheels in the image as regular files and directories.",
    )
}

/// What a provider tree may hold, for the refusals of anything else.
const IMAGE_FILES: &str = "a provider image holds its spec and wheels as regular files and directories (no symbolic links, FIFOs or devices)";

/// The `*.whl` files of a provider's `packages` directory, sorted; none when
/// it is absent. The directory must be a real one and every wheel a regular
/// file (see [`IMAGE_FILES`]).
fn wheel_files(packages: &Path) -> Result<Vec<PathBuf>, String> {
    if !real_dir(packages, IMAGE_FILES)? {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(packages)
        .map_err(|err| format!("cannot read {}: {err}", packages.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| format!("cannot read {}: {err}", packages.display()))?;
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "whl") {
            continue;
        }
        let kind = entry
            .file_type()
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        if !kind.is_file() {
            return Err(not_regular(&path, kind, IMAGE_FILES));
        }
        files.push(path);
    }
    files.sort();
    Ok(files)
}

/// The last line of defence: should the step panic anyway (the bounds on
/// its inputs are the fix for every crash known), it still ends with a
/// termination message, so that `status` can tell the user what stopped
/// the pod's start. The previous hook still prints the panic to stderr.
fn write_termination_message_on_panic(termination_log: PathBuf, budget: usize, container: String) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let result = MergeResult::failed(
            "stepFailed",
            None,
            &format!(
                "The install step stopped on an internal error (init container {container}): {}. Resolution: report it with the provider images; kubectl logs has the full message.",
                llsd_providers::diagnostic::printable(&info.to_string(), false)
            ),
        );
        let _ = std::fs::write(&termination_log, result.termination_message(budget));
        previous(info);
    }));
}

fn usage_error(message: &str) -> Outcome {
    eprintln!("ERROR: {message}");
    Outcome::UsageOrUnreadable
}

pub fn run(args: &InstallArgs) -> Outcome {
    if let Some(to) = &args.copy_binary_to {
        return copy_binary(to);
    }
    write_termination_message_on_panic(
        args.termination_log.clone(),
        message_budget(pod_containers(args)),
        args.init_container.clone(),
    );
    let (Some(sources), Some(target_dir), Some(metadata_dir), Some(installed_list)) = (
        &args.sources,
        &args.target,
        &args.metadata_dir,
        &args.installed_list,
    ) else {
        return usage_error(
            "install needs --sources, --target, --metadata-dir and --installed-list (or only --copy-binary-to)",
        );
    };
    let Some(json) = &args.providers_json else {
        return usage_error(
            "install needs the providers: --providers-json or the LLSD_PROVIDERS environment variable",
        );
    };
    let crds: Vec<CrdConfig> = match serde_json::from_str(json) {
        Ok(crds) => crds,
        Err(err) => {
            return usage_error(&format!(
                "--providers-json is not a list of crd-config objects: {err}"
            ));
        }
    };

    // The ids become directory names under --sources and --metadata-dir:
    // checked as the LLSD's are, where they enter (a hand-set LLSD_PROVIDERS
    // could name `../elsewhere` or an absolute path).
    for crd in &crds {
        if let Err(problem) = rules::provider_id(&crd.provider_id) {
            return fail(
                args,
                "stepFailed",
                None,
                &format!(
                    "The provider list (--providers-json or LLSD_PROVIDERS) has an invalid providerId: {} (init container {}). Resolution: {}; the injection writes this list from the LLSD.",
                    problem.problem, args.init_container, problem.fix
                ),
                &format!(
                    "ERROR: the provider list (--providers-json or LLSD_PROVIDERS) has an invalid providerId: {}\n\nResolution: {}; the injection writes this list from the LLSD.",
                    problem.problem, problem.fix
                ),
            );
        }
    }

    // Every provider tree: its spec and its wheels with their metadata.
    let mut providers = Vec::new();
    let mut specs = Vec::new();
    for crd in &crds {
        let tree = sources.join(&crd.provider_id).join("lls-provider");
        let spec_path = tree.join(SPEC_FILE);
        // Regular files and real directories only (as the merge reads its
        // metadata directory): in imageVolume mode the tree is the image
        // itself, and a link, FIFO or device there would be followed into the
        // server's own files, block the step, or never end.
        let read = real_dir(&tree, IMAGE_FILES)
            .and_then(|_| read_regular(&spec_path, MAX_INPUT_BYTES, IMAGE_FILES));
        let spec = match read {
            Ok(Some(bytes)) => bytes,
            Err(problem) => return not_in_image_files(args, crd, sources, &problem),
            Ok(None) => {
                return provider_error(
                    args,
                    crd,
                    &format!(
                        "Missing {IN_IMAGE}/lls-provider-spec.yaml in image {}",
                        crd.image.as_deref().unwrap_or("unknown")
                    ),
                    &format!(
                        "Build the provider image with its metadata file at {IN_IMAGE}/lls-provider-spec.yaml (see docs/external-providers.md)."
                    ),
                );
            }
        };
        let mut wheels = Vec::new();
        let files = match wheel_files(&tree.join("packages")) {
            Ok(files) => files,
            Err(problem) => return not_in_image_files(args, crd, sources, &problem),
        };
        if files.is_empty() {
            return provider_error(
                args,
                crd,
                &format!(
                    "No wheels (*.whl) in {IN_IMAGE}/packages in image {}",
                    crd.image.as_deref().unwrap_or("unknown")
                ),
                &format!(
                    "Build the wheels with pip wheel and copy them to {IN_IMAGE}/packages/ in the image."
                ),
            );
        }
        for file in &files {
            let file_name = file
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let parsed = WheelName::parse(&file_name).and_then(|name| {
                let metadata =
                    unpack::read_metadata(file).and_then(|text| parse_metadata(&text))?;
                name.check_metadata(&metadata)?;
                Ok(Wheel {
                    file: name,
                    metadata,
                })
            });
            match parsed {
                Ok(wheel) => wheels.push(wheel),
                Err(problem) => {
                    return provider_error(
                        args,
                        crd,
                        &format!("Cannot read wheel {file_name} in {IN_IMAGE}/packages: {problem}"),
                        "Rebuild the wheel with pip wheel; a wheel is a zip file named name-version-python-abi-platform.whl with a .dist-info/METADATA.",
                    );
                }
            }
        }
        providers.push(Provider {
            id: crd.provider_id.clone(),
            image: crd.image.clone().unwrap_or_else(|| "unknown".to_string()),
            root: String::new(),
            wheels,
        });
        specs.push(spec);
    }

    // The metadata, checked as the merge checks it (same messages), before
    // anything is installed; the main wheel comes from spec.wheelPath.
    let dirs: Vec<ProviderDir> = crds
        .iter()
        .zip(&specs)
        .map(|(crd, spec)| ProviderDir {
            name: crd.provider_id.clone(),
            spec: Some(spec.clone()),
            crd_config: Some(serde_json::to_vec(crd).unwrap_or_default()),
        })
        .collect();
    let ids: Vec<String> = crds.iter().map(|c| c.provider_id.clone()).collect();
    let checked = pipeline::sources_from_dirs(&metadata_dir.display().to_string(), &ids, &dirs)
        .and_then(|sources| pipeline::assemble(&sources).map(|_| sources));
    match checked {
        Ok(sources) => {
            for (provider, source) in providers.iter_mut().zip(&sources) {
                let path = &source.package.spec.wheel_path;
                provider.root = path.rsplit('/').next().unwrap_or(path).to_string();
            }
        }
        Err(failure) => {
            eprintln!("{failure}");
            write_result(args, &MergeResult::from_failure(&failure));
            if let Some(log) = &args.log {
                let base = args.base.as_ref().map(|b| b.display().to_string());
                let _ = std::fs::write(log, pipeline::failure_log(base.as_deref(), &failure));
            }
            return Outcome::Problems;
        }
    }

    // The server's Python, once.
    let (server, target) = match probe(&args.python, target_dir) {
        Ok(found) => found,
        Err(problem) => {
            let title = format!(
                "Cannot ask the server's Python ({}) for its installed packages: {problem}",
                args.python
            );
            return fail(
                args,
                "stepFailed",
                None,
                &format!(
                    "{title} (init container {}). Resolution: run the install step in the server's image, which has python3 on PATH.",
                    args.init_container
                ),
                &format!(
                    "ERROR: {title}\n\nInit Container: {}\n\nResolution: The install step runs in the server's own image and asks its python3 for the installed distributions; check that the image has python3 on PATH.",
                    args.init_container
                ),
            );
        }
    };
    let list = installed_list.display().to_string();
    let plan = match resolve(&server, &providers, &target) {
        Ok(plan) => plan,
        Err(refusal) => {
            let _ = std::fs::write(installed_list, installed_text(&providers, &[], &server));
            let rendered = refusal.render(&Context {
                providers: &providers,
                init_container: &args.init_container,
                installed_list: &list,
            });
            // The provider being installed when the resolution stopped, if one.
            let named = match &refusal.failure {
                Failure::Unsatisfied { provider, .. }
                | Failure::MissingRootWheel { provider, .. }
                | Failure::UnusableRootWheel { provider, .. } => {
                    providers.get(*provider).map(|p| p.id.as_str())
                }
                Failure::Broken { .. } => None,
            };
            return fail(
                args,
                "resolutionFailed",
                named,
                &rendered.summary,
                &rendered.details,
            );
        }
    };
    for line in &plan.log {
        println!("{line}");
    }
    for shadow in &plan.shadows {
        eprintln!("{}", shadow.warning(&providers));
    }

    // Unpack, from a clean directory (a restarted pod keeps its emptyDir).
    for dir in [target_dir, metadata_dir] {
        let _ = std::fs::remove_dir_all(dir);
        if let Err(err) = std::fs::create_dir_all(dir) {
            return write_error(args, dir, &err.to_string());
        }
    }
    // Which chosen wheel wrote each file: two distributions writing one file
    // would leave whichever came last (issue #24 item 8).
    let mut owners: std::collections::HashMap<PathBuf, usize> = std::collections::HashMap::new();
    for (index, chosen) in plan.install.iter().enumerate() {
        let provider = &providers[chosen.provider];
        let wheel = &provider.wheels[chosen.wheel];
        let path = sources
            .join(&provider.id)
            .join("lls-provider/packages")
            .join(&wheel.file.file_name);
        let written = match unpack::install_wheel(&path, target_dir) {
            Ok(written) => written,
            Err(problem) => {
                return provider_error(
                    args,
                    &crds[chosen.provider],
                    &format!("Cannot install wheel {}: {problem}", wheel.file.file_name),
                    "Rebuild the wheel with pip wheel, and check that the shared volume has room (sharedVolumeSizeLimit).",
                );
            }
        };
        for file in written {
            if let Some(&first) = owners.get(&file) {
                let earlier = &plan.install[first];
                let earlier_provider = &providers[earlier.provider];
                return provider_error(
                    args,
                    &crds[chosen.provider],
                    &format!(
                        "Wheel {} overwrites {}, which wheel {} of provider '{}' (image {}) installed",
                        wheel.file.file_name,
                        file.display(),
                        earlier_provider.wheels[earlier.wheel].file.file_name,
                        earlier_provider.id,
                        earlier_provider.image
                    ),
                    "Two distributions cannot own one file: rename the module in one of them, or ship one distribution that both providers require.",
                );
            }
            owners.insert(file, index);
        }
    }
    for (crd, spec) in crds.iter().zip(&specs) {
        let dir = metadata_dir.join(&crd.provider_id);
        let crd_json = serde_json::to_string(crd).unwrap_or_default();
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join(SPEC_FILE), spec))
            .and_then(|()| std::fs::write(dir.join(CRD_CONFIG_FILE), format!("{crd_json}\n")));
        if let Err(err) = written {
            return write_error(args, &dir, &err.to_string());
        }
    }
    let installed: Vec<(usize, &Wheel)> = plan
        .install
        .iter()
        .map(|c| (c.provider, &providers[c.provider].wheels[c.wheel]))
        .collect();
    if let Err(err) = std::fs::write(
        installed_list,
        installed_text(&providers, &installed, &server),
    ) {
        return write_error(args, installed_list, &err.to_string());
    }
    println!(
        "Installed {} wheel(s) for {} provider(s) into {}",
        installed.len(),
        providers.len(),
        target_dir.display()
    );

    match (&args.output, &args.extra_providers_output, &args.log) {
        (Some(output), Some(extra), Some(log)) => {
            let (outcome, result) = merge_cmd::run_with_result(&MergeArgs {
                metadata_dir: metadata_dir.clone(),
                providers: crds.iter().map(|c| c.provider_id.clone()).collect(),
                output: output.clone(),
                extra_providers_output: extra.clone(),
                log: log.clone(),
                base: args.base.clone(),
                copy_base_siblings: args.copy_base_siblings,
            });
            if let Some(result) = result {
                write_result(args, &result);
            }
            outcome
        }
        _ => Outcome::Success,
    }
}

fn write_error(args: &InstallArgs, path: &Path, err: &str) -> Outcome {
    fail(
        args,
        "stepFailed",
        None,
        &format!(
            "Cannot write the shared volume at {} (init container {}): {err}. Resolution: check the pod's fsGroup and the volume mount.",
            path.display(),
            args.init_container
        ),
        &format!(
            "ERROR: Cannot write the shared volume at {}: {err}\n\nInit Container: {}\n\nResolution: The volume must be writable by the init container's user; keep the pod securityContext.fsGroup or run the init container as the volume's owner.",
            path.display(),
            args.init_container
        ),
    )
}

/// installed-packages.txt: what each provider installed, then the server's own.
fn installed_text(
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

fn probe(python: &str, exclude: &Path) -> Result<(Vec<ServerDist>, Target), String> {
    let output = std::process::Command::new(python)
        .args(["-I", "-c", PROBE])
        .env("LLSD_EXCLUDE_PATH", exclude)
        .output()
        .map_err(|err| err.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "it exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let probe: Probe = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("unexpected output: {err}"))?;
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
        server.push(ServerDist {
            name,
            display_name: dist.name,
            version,
            requires,
        });
    }
    Ok((
        server,
        Target {
            markers,
            python_full_version,
            supported_tags: probe.tags.into_iter().collect(),
        },
    ))
}

fn copy_binary(to: &Path) -> Outcome {
    let copied = std::env::current_exe().and_then(|exe| {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(exe, to)
    });
    match copied {
        Ok(_) => {
            println!("Copied llsd-providers to {}", to.display());
            Outcome::Success
        }
        Err(err) => usage_error(&format!(
            "cannot copy llsd-providers to {}: {err}",
            to.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::write_termination_message_on_panic;

    /// The hook writes the termination message a crash would otherwise
    /// leave empty (issue #24 item 3), and hands the panic on.
    #[test]
    fn a_panic_still_ends_in_a_termination_message() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("termination-log");
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        write_termination_message_on_panic(log.clone(), 4096, "merge-config".to_string());
        let caught = std::panic::catch_unwind(|| panic!("boom \u{1b}[2J"));
        let _ = std::panic::take_hook();
        std::panic::set_hook(before);
        assert!(caught.is_err());
        let message = std::fs::read_to_string(&log).unwrap();
        assert!(
            message.starts_with(
                "merge-config failed: The install step stopped on an internal error (init container merge-config): "
            ),
            "{message}"
        );
        assert!(
            message.contains("boom \\u{1b}[2J") && message.contains("\"stepFailed\""),
            "{message}"
        );
    }
}
