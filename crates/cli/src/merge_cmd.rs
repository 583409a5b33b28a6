//! `llsd-providers merge`: what the `merge-config` init container runs.
//!
//! ```text
//! llsd-providers merge --metadata-dir DIR --providers ID[,ID...] --output FILE
//!                      --extra-providers-output FILE --log FILE [--base FILE]
//! ```

use super::Outcome;
use super::input::{not_regular, read_bounded, read_regular};
use super::output::{check_destinations, write_all_or_nothing};
use clap::Args;
use llsd_providers::limits::MAX_BASE_BYTES;
use llsd_providers::limits::MAX_INPUT_BYTES;
use llsd_providers::pipeline::{
    self, BaseConfig, CRD_CONFIG_FILE, MergeFailure, MergeResult, ProviderDir, ProviderSource,
    SPEC_FILE,
};
use llsd_providers::yaml_input;
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
    let mut merged_providers = Vec::new();
    let result = sources
        .and_then(|sources| pipeline::assemble(&sources))
        .and_then(|providers| {
            merged_providers = providers.clone();
            let base = match (&base_name, &base_text) {
                (Some(name), Some(bytes)) => Some(decode_base(name, bytes)?),
                _ => None,
            };
            let base = base
                .as_ref()
                .zip(base_name.as_deref())
                .map(|(text, name)| BaseConfig { name, text });
            pipeline::run_merge_step(base, &providers)
        });
    match result {
        Ok(out) => {
            for warning in &out.warnings {
                eprintln!("{warning}");
            }
            let siblings = match (&args.base, args.copy_base_siblings) {
                (Some(base), true) => match base_siblings(base, args) {
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

fn usage_error(message: &str) -> Outcome {
    eprintln!("ERROR: {message}");
    Outcome::UsageOrUnreadable
}

fn decode_base(name: &str, bytes: &[u8]) -> Result<String, MergeFailure> {
    if bytes.len() > MAX_BASE_BYTES {
        return Err(MergeFailure::InvalidBase {
            file: name.to_string(),
            message: format!(
                "the file is larger than {MAX_BASE_BYTES} bytes; a run.yaml is a few KB"
            ),
            location: None,
        });
    }
    yaml_input::decode_utf8(bytes)
        .map(str::to_string)
        .map_err(|d| MergeFailure::InvalidBase {
            file: name.to_string(),
            message: format!(
                "{} at {}",
                d.problem,
                d.location.map(|l| l.to_string()).unwrap_or_default()
            ),
            location: d.location,
        })
}

/// The regular files next to `base` (hidden names, the base itself and the
/// outputs excepted), with the paths they get next to the output.
fn base_siblings(base: &Path, args: &MergeArgs) -> Result<Vec<(PathBuf, Vec<u8>)>, String> {
    let parent = |p: &Path| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    let (dir, out_dir) = (parent(base), parent(&args.output));
    let taken: Vec<_> = [base, &args.output, &args.extra_providers_output, &args.log]
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_os_string()))
        .collect();
    let entries =
        std::fs::read_dir(&dir).map_err(|err| format!("cannot read {}: {err}", dir.display()))?;
    let mut siblings = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| format!("cannot read {}: {err}", dir.display()))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.')
            || taken.contains(&name)
            || !entry.path().is_file()
        {
            continue;
        }
        let bytes = read_bounded(&entry.path(), MAX_BASE_BYTES)?;
        siblings.push((out_dir.join(&name), bytes));
    }
    siblings.sort();
    Ok(siblings)
}

/// Every non-hidden subdirectory of `dir`, with its two files (`None` when absent).
fn read_metadata_dir(dir: &Path) -> Result<Vec<ProviderDir>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|err| format!("cannot read metadata directory {}: {err}", dir.display()))?;
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry
            .map_err(|err| format!("cannot read metadata directory {}: {err}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // The file type of the entry itself: a symlink is not followed.
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if name.starts_with('.') {
            continue;
        }
        if !is_dir {
            if let Ok(kind) = entry.file_type()
                && kind.is_symlink()
            {
                return Err(not_regular(&entry.path(), kind, METADATA_WRITERS));
            }
            continue;
        }
        dirs.push(ProviderDir {
            spec: read_optional(&entry.path().join(SPEC_FILE))?,
            crd_config: read_optional(&entry.path().join(CRD_CONFIG_FILE))?,
            name,
        });
    }
    dirs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(dirs)
}

/// Who writes the metadata directory, for the refusals of what is not a
/// regular file or directory there.
const METADATA_WRITERS: &str =
    "the install init containers write regular files and directories only";

/// A provider file's bytes; `None` when it does not exist (see
/// [`read_regular`]).
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, String> {
    read_regular(path, MAX_INPUT_BYTES, METADATA_WRITERS)
}
