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

use super::answer::{Answer, Outcome};
use super::merge_cmd;
use clap::Args;
use llsd_providers::contract::{MERGE_CONTAINER, POD_CONTAINERS_ENV};
use llsd_providers::install::sequence::{self, Installed, Request, Stopped};
use llsd_providers::install::step::{self, Step};
use llsd_providers::pipeline::{MergeFailure, MergeResult, message_budget};
use llsd_providers_fs::install::{PodVolumes, TerminationLog, copy_running_binary};
use llsd_providers_fs::merge_files::MergeFiles;
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

/// The step's termination log: `--pod-containers`, else the core's count,
/// sets its share of the pod's budget.
fn termination_log(args: &InstallArgs) -> TerminationLog {
    let containers = args.pod_containers.unwrap_or_else(|| {
        let sources = args.sources.as_deref().and_then(Path::to_str);
        step::pod_containers(args.providers_json.as_deref(), sources)
    });
    TerminationLog {
        path: args.termination_log.clone(),
        budget: message_budget(containers),
        init_container: args.init_container.clone(),
    }
}

pub fn run(args: &InstallArgs) -> Answer {
    if let Some(to) = &args.copy_binary_to {
        return copy_binary(to);
    }
    let log = termination_log(args);
    log.write_on_panic();
    let (Some(sources), Some(target), Some(metadata_dir), Some(installed_list)) = (
        &args.sources,
        &args.target,
        &args.metadata_dir,
        &args.installed_list,
    ) else {
        return Err("install needs --sources, --target, --metadata-dir and --installed-list (or only --copy-binary-to)".into());
    };
    let crds = step::providers_from_json(args.providers_json.as_deref())?;
    let shown = |path: &PathBuf| path.display().to_string();
    let (target_name, metadata_name, list_name) =
        (shown(target), shown(metadata_dir), shown(installed_list));
    let request = Request {
        step: Step {
            init_container: &args.init_container,
        },
        crds: &crds,
        python: &args.python,
        target: &target_name,
        metadata_dir: &metadata_name,
        installed_list: &list_name,
        base_from_distribution: args.base_from_distribution.as_deref(),
    };
    let mut pod = PodVolumes {
        sources: sources.clone(),
        target: target.clone(),
        metadata_dir: metadata_dir.clone(),
        installed_list: installed_list.clone(),
        python: args.python.clone(),
    };
    let installed = match sequence::install(&request, &mut pod) {
        Ok(installed) => Ok(installed),
        Err(Stopped::Metadata(failure)) => Err(failure),
        Err(Stopped::Step(stop)) => {
            // the whole text to stderr, the summary (with the kind and the
            // provider it names) to the termination log
            eprintln!("{}", stop.details);
            log.write(&stop.result());
            return Ok(Outcome::Problems);
        }
    };
    let (outcome, result) = match merge_files(args, &installed) {
        Some(files) => merge_cmd::merge_and_write(&files, installed.map(|i| i.sources)),
        None => match installed {
            Ok(_) => (Outcome::Success, None),
            Err(failure) => {
                eprintln!("{failure}");
                (Outcome::Problems, Some(MergeResult::from_failure(&failure)))
            }
        },
    };
    if let Some(result) = result {
        log.write(&result);
    }
    Ok(outcome)
}

/// The merge's files, when the step merges: it runs on the metadata the
/// sequence checked (held in memory: the files it wrote are for `status`
/// and people, not read back), into the distribution's config when the
/// sequence found it.
fn merge_files(
    args: &InstallArgs,
    installed: &Result<Installed, MergeFailure>,
) -> Option<MergeFiles> {
    let config = installed
        .as_ref()
        .ok()
        .and_then(|i| i.distribution_config.as_ref());
    Some(MergeFiles {
        output: args.output.clone()?,
        extra_providers_output: args.extra_providers_output.clone()?,
        log: args.log.clone()?,
        base: config.map(PathBuf::from).or_else(|| args.base.clone()),
        copy_base_siblings: args.copy_base_siblings,
    })
}

fn copy_binary(to: &Path) -> Answer {
    copy_running_binary(to)?;
    println!("Copied llsd-providers to {}", to.display());
    Ok(Outcome::Success)
}
