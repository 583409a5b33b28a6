//! `llsd-providers merge`: what the `merge-config` init container runs.
//!
//! ```text
//! llsd-providers merge --metadata-dir DIR --providers ID[,ID...] --output FILE
//!                      --extra-providers-output FILE --log FILE [--base FILE]
//! ```

use super::answer::{Outcome, usage_error};
use clap::Args;
use llsd_providers::limits::MAX_BASE_BYTES;
use llsd_providers::pipeline::{self, MergeFailure, MergeResult, ProviderSource};
use llsd_providers_fs::input::read_bounded;
use llsd_providers_fs::merge_inputs::{base_siblings, read_metadata_dir};
use llsd_providers_fs::output::{check_destinations, write_all_or_nothing};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Directory holding {providerId}/lls-provider-spec.yaml and {providerId}/crd-config.yaml.
    #[arg(long, value_name = "DIR")]
    pub(super) metadata_dir: PathBuf,
    /// Provider ids in CRD order, comma separated.
    #[arg(
        long,
        value_name = "ID[,ID...]",
        value_delimiter = ',',
        required = true
    )]
    pub(super) providers: Vec<String>,
    /// Where to write the merged config.
    #[arg(long, value_name = "FILE")]
    pub(super) output: PathBuf,
    /// Where to write extra-providers.yaml.
    #[arg(long, value_name = "FILE")]
    pub(super) extra_providers_output: PathBuf,
    /// Where to write the merge log.
    #[arg(long, value_name = "FILE")]
    pub(super) log: PathBuf,
    /// The user's run.yaml; without it the output is a minimal config with only the external providers.
    #[arg(long, value_name = "FILE")]
    pub(super) base: Option<PathBuf>,
    /// Also copy the other files next to --base (the rest of the user's ConfigMap) into the
    /// output's directory, so that the server still finds them where the merged config replaces
    /// the ConfigMap mount.
    #[arg(long, requires = "base")]
    pub(super) copy_base_siblings: bool,
}

pub fn run(args: &MergeArgs) -> Outcome {
    run_with_result(args).0
}

/// Runs the merge; also gives its result for a termination message, when
/// the merge ran (usage errors give none).
fn run_with_result(args: &MergeArgs) -> (Outcome, Option<MergeResult>) {
    let dirs = match read_metadata_dir(&args.metadata_dir) {
        Ok(dirs) => dirs,
        Err(message) => return (usage_error(&message), None),
    };
    let root = args.metadata_dir.display().to_string();
    merge_and_write(
        args,
        pipeline::sources_from_dirs(&root, &args.providers, &dirs),
    )
}

/// The merge on the providers' checked metadata (read from the metadata
/// directory, or held in memory by the install step): reads the base,
/// merges, writes every output or none.
pub(super) fn merge_and_write(
    args: &MergeArgs,
    sources: Result<Vec<ProviderSource>, MergeFailure>,
) -> (Outcome, Option<MergeResult>) {
    // Every destination is checked before anything is read or written.
    if let Err(message) =
        check_destinations(&[&args.output, &args.extra_providers_output, &args.log])
    {
        return (usage_error(&message), None);
    }
    let base_text = match &args.base {
        None => None,
        Some(path) => match read_bounded(path, MAX_BASE_BYTES) {
            Ok(bytes) => Some(bytes),
            Err(message) => return (usage_error(&message), None),
        },
    };
    let base_name = args.base.as_ref().map(|p| p.display().to_string());
    let base = base_name.as_deref().zip(base_text.as_deref());
    match pipeline::merge_step(sources, base) {
        Ok((merged_providers, out)) => {
            for warning in &out.warnings {
                eprintln!("{warning}");
            }
            let siblings = match (&args.base, args.copy_base_siblings) {
                (Some(base), true) => match base_siblings(
                    base,
                    [&args.output, &args.extra_providers_output, &args.log],
                ) {
                    Ok(siblings) => siblings,
                    Err(message) => return (usage_error(&message), None),
                },
                _ => Vec::new(),
            };
            let mut files: Vec<(&Path, &[u8])> = vec![
                (&args.output, out.config.as_bytes()),
                (&args.extra_providers_output, out.extra_providers.as_bytes()),
                (&args.log, out.log.as_bytes()),
            ];
            files.extend(
                siblings
                    .iter()
                    .map(|(path, bytes)| (path.as_path(), bytes.as_slice())),
            );
            match write_all_or_nothing(&files) {
                Ok(()) => (
                    Outcome::Success,
                    Some(MergeResult::merged(&merged_providers, &out.events)),
                ),
                Err(message) => (
                    usage_error(&message),
                    Some(MergeResult::failed("stepFailed", None, &message)),
                ),
            }
        }
        Err(failure) => {
            eprintln!("{failure}");
            // The log explains the failure too; the outputs stay unwritten.
            let log = pipeline::failure_log(base_name.as_deref(), &failure);
            let _ = write_all_or_nothing(&[(&args.log, log.as_bytes())]);
            (Outcome::Problems, Some(MergeResult::from_failure(&failure)))
        }
    }
}
