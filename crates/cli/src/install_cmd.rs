//! `llsd-providers install`: what the install step runs, in the server's own
//! image (native only). The host of the core's `install::sequence`: parses
//! the arguments, runs the sequence on the pod's volumes
//! (`llsd_providers_fs::install::PodVolumes`), writes its result to the
//! termination log and runs the merge on the metadata it checked, in
//! memory. Every decision and message is the core's.
//!
//! ```text
//! llsd-providers install --sources DIR --target DIR --metadata-dir DIR --installed-list FILE
//!                        [--providers-json JSON | env LLSD_PROVIDERS] [--python PROG]
//!                        [--base FILE --output FILE --extra-providers-output FILE --log FILE [--copy-base-siblings]]
//! llsd-providers install --copy-binary-to FILE
//! ```

use super::answer::{Outcome, usage_error};
use super::merge_cmd::{self, MergeArgs};
use clap::Args;
use llsd_providers::contract::{MERGE_CONTAINER, POD_CONTAINERS_ENV};
use llsd_providers::install::sequence::{self, Installed, Request, Stopped};
use llsd_providers::install::step::{self, Step, Stop};
use llsd_providers::pipeline::{self, CrdConfig, MergeResult, message_budget};
use llsd_providers_fs::install::{PodVolumes, copy_running_binary};
use std::path::{Path, PathBuf};

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
    #[arg(long, env = "INIT_CONTAINER_NAME", default_value = MERGE_CONTAINER)]
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
    /// Then merge into the distribution's own config in this (the server's) image instead of
    /// --base: the file $RUN_CONFIG_PATH names, else $DISTRO_NAME's (or, when it is unset, NAME's: the LLSD's
    /// distribution.name; empty when it names an image) config in the server package.
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with = "base",
        requires = "output"
    )]
    base_from_distribution: Option<String>,
}

/// The containers of this step's pod: `--pod-containers`, else the core's count.
fn pod_containers(args: &InstallArgs) -> usize {
    args.pod_containers.unwrap_or_else(|| {
        let sources = args.sources.as_deref().and_then(Path::to_str);
        step::pod_containers(args.providers_json.as_deref(), sources)
    })
}

/// Writes the step's result to the termination log, within the pod's budget.
fn write_result(args: &InstallArgs, result: &MergeResult) {
    let message = result.termination_message(message_budget(pod_containers(args)));
    let _ = std::fs::write(&args.termination_log, message);
}

/// The step stops: the whole message to stderr, the summary (with the kind
/// and the provider it names) to the termination log.
fn stop(args: &InstallArgs, stop: Stop) -> Outcome {
    eprintln!("{}", stop.details);
    write_result(args, &stop.result());
    Outcome::Problems
}

/// The last line of defence: should the step panic anyway (the bounds on
/// its inputs are the fix for every crash known), it still ends with a
/// termination message, so that `status` can tell the user what stopped
/// the pod's start. The previous hook still prints the panic to stderr.
fn write_termination_message_on_panic(termination_log: PathBuf, budget: usize, container: String) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let step = Step {
            init_container: &container,
        };
        let result = step.internal_error(&info.to_string()).result();
        let _ = std::fs::write(&termination_log, result.termination_message(budget));
        previous(info);
    }));
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

    let mut pod = PodVolumes {
        sources: sources.clone(),
        target: target_dir.clone(),
        metadata_dir: metadata_dir.clone(),
        installed_list: installed_list.clone(),
        python: args.python.clone(),
    };
    let (target, metadata, list) = (
        target_dir.display().to_string(),
        metadata_dir.display().to_string(),
        installed_list.display().to_string(),
    );
    let request = Request {
        step: Step {
            init_container: &args.init_container,
        },
        crds: &crds,
        python: &args.python,
        target: &target,
        metadata_dir: &metadata,
        installed_list: &list,
        base_from_distribution: args.base_from_distribution.as_deref(),
    };
    match sequence::install(&request, &mut pod) {
        Ok(installed) => merge(args, metadata_dir, &crds, installed),
        Err(Stopped::Step(failure)) => stop(args, failure),
        Err(Stopped::Metadata(failure)) => {
            eprintln!("{failure}");
            write_result(args, &MergeResult::from_failure(&failure));
            if let Some(log) = &args.log {
                let base = args.base.as_ref().map(|b| b.display().to_string());
                let _ = std::fs::write(log, pipeline::failure_log(base.as_deref(), &failure));
            }
            Outcome::Problems
        }
    }
}

/// Then the merge, on the metadata the sequence checked (held in memory:
/// the files it wrote are for `status` and people, not read back).
fn merge(
    args: &InstallArgs,
    metadata_dir: &Path,
    crds: &[CrdConfig],
    installed: Installed,
) -> Outcome {
    let (Some(output), Some(extra), Some(log)) =
        (&args.output, &args.extra_providers_output, &args.log)
    else {
        return Outcome::Success;
    };
    let base = installed
        .distribution_config
        .map(PathBuf::from)
        .or_else(|| args.base.clone());
    let (outcome, result) = merge_cmd::merge_and_write(
        &MergeArgs {
            metadata_dir: metadata_dir.to_path_buf(),
            providers: crds.iter().map(|c| c.provider_id.clone()).collect(),
            output: output.clone(),
            extra_providers_output: extra.clone(),
            log: log.clone(),
            base,
            copy_base_siblings: args.copy_base_siblings,
        },
        Ok(installed.sources),
    );
    if let Some(result) = result {
        write_result(args, &result);
    }
    outcome
}

fn copy_binary(to: &Path) -> Outcome {
    match copy_running_binary(to) {
        Ok(()) => {
            println!("Copied llsd-providers to {}", to.display());
            Outcome::Success
        }
        Err(message) => usage_error(&message),
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
