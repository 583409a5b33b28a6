//! `llsd-providers merge`: what the `merge-config` init container runs.
//!
//! ```text
//! llsd-providers merge --metadata-dir DIR --providers ID[,ID...] --output FILE
//!                      --extra-providers-output FILE --log FILE [--base FILE]
//! ```

use super::answer::{Answer, Outcome, usage_error};
use clap::Args;
use llsd_providers::pipeline::{self, MergeFailure, MergeResult, ProviderSource};
use llsd_providers_fs::merge_files::{MergeEnd, MergeFiles};
use llsd_providers_fs::merge_inputs::read_metadata_dir;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Directory holding {providerId}/lls-provider-spec.yaml and {providerId}/crd-config.yaml.
    #[arg(long, value_name = "DIR")]
    metadata_dir: PathBuf,
    /// Provider ids in CRD order, comma separated.
    #[arg(
        long,
        value_name = "ID[,ID...]",
        value_delimiter = ',',
        required = true
    )]
    providers: Vec<String>,
    /// Where to write the merged config.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
    /// Where to write extra-providers.yaml.
    #[arg(long, value_name = "FILE")]
    extra_providers_output: PathBuf,
    /// Where to write the merge log.
    #[arg(long, value_name = "FILE")]
    log: PathBuf,
    /// The user's run.yaml; without it the output is a minimal config with only the external providers.
    #[arg(long, value_name = "FILE")]
    base: Option<PathBuf>,
    /// Also copy the other files next to --base (the rest of the user's ConfigMap) into the
    /// output's directory, so that the server still finds them where the merged config replaces
    /// the ConfigMap mount.
    #[arg(long, requires = "base")]
    copy_base_siblings: bool,
}

pub fn run(args: &MergeArgs) -> Answer {
    let dirs = read_metadata_dir(&args.metadata_dir)?;
    let root = args.metadata_dir.display().to_string();
    let files = MergeFiles {
        output: args.output.clone(),
        extra_providers_output: args.extra_providers_output.clone(),
        log: args.log.clone(),
        base: args.base.clone(),
        copy_base_siblings: args.copy_base_siblings,
    };
    let sources = pipeline::sources_from_dirs(&root, &args.providers, &dirs);
    Ok(merge_and_write(&files, sources).0)
}

/// The merge on the providers' checked metadata (read from the metadata
/// directory, or held in memory by the install step), on disk; also its
/// result for a termination message, when the merge ran.
pub(super) fn merge_and_write(
    files: &MergeFiles,
    sources: Result<Vec<ProviderSource>, MergeFailure>,
) -> (Outcome, Option<MergeResult>) {
    match files.merge(sources, |warning| eprintln!("{warning}")) {
        MergeEnd::Written(result) => (Outcome::Success, Some(result)),
        MergeEnd::Unusable(message) => (usage_error(&message), None),
        MergeEnd::Unwritten(message, result) => (usage_error(&message), Some(result)),
        MergeEnd::Refused(failure) => {
            eprintln!("{failure}");
            (Outcome::Problems, Some(MergeResult::from_failure(&failure)))
        }
    }
}
