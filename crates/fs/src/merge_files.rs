//! The merge on disk: the base (and, asked for, the files beside it) read,
//! the core's merge (`pipeline::merge_step`) run, and its outputs written
//! all or none — or, when the merge refuses, only the log that explains
//! why. Every decision and every word is the core's.

use crate::input::read_bounded;
use crate::merge_inputs::base_siblings;
use crate::output::{check_destinations, write_all_or_nothing};
use llsd_providers::limits::MAX_BASE_BYTES;
use llsd_providers::pipeline::{self, MergeFailure, MergeResult, ProviderSource};
use std::path::{Path, PathBuf};

/// The files of one merge.
#[derive(Debug, Clone)]
pub struct MergeFiles {
    /// The merged config.
    pub output: PathBuf,
    /// extra-providers.yaml.
    pub extra_providers_output: PathBuf,
    /// The merge log.
    pub log: PathBuf,
    /// The user's run.yaml; without it a minimal config.
    pub base: Option<PathBuf>,
    /// Also copy the other files next to the base beside the output.
    pub copy_base_siblings: bool,
}

/// How a merge on disk ended.
#[derive(Debug)]
pub enum MergeEnd {
    /// Every output written; the step's result.
    Written(MergeResult),
    /// Nothing was read or written: a destination, the base or a file
    /// beside it cannot be used (the sentence to print).
    Unusable(String),
    /// The merge succeeded but its outputs could not be written (none
    /// was): the sentence to print and the step's result.
    Unwritten(String, MergeResult),
    /// The merge refused; only the log, explaining why, was written.
    Refused(MergeFailure),
}

impl MergeFiles {
    /// Merges `sources` (the providers' checked metadata, or why they
    /// could not be) into the base; its warnings go to `warn`.
    pub fn merge(
        &self,
        sources: Result<Vec<ProviderSource>, MergeFailure>,
        mut warn: impl FnMut(&str),
    ) -> MergeEnd {
        let outputs = [
            self.output.as_path(),
            self.extra_providers_output.as_path(),
            self.log.as_path(),
        ];
        // Every destination is checked before anything is read or written.
        if let Err(message) = check_destinations(&outputs) {
            return MergeEnd::Unusable(message);
        }
        let base = self.base.as_deref();
        let base_text = match base.map(|b| read_bounded(b, MAX_BASE_BYTES)).transpose() {
            Ok(text) => text,
            Err(message) => return MergeEnd::Unusable(message),
        };
        let base_name = self.base.as_ref().map(|p| p.display().to_string());
        let base = base_name.as_deref().zip(base_text.as_deref());
        let (providers, out) = match pipeline::merge_step(sources, base) {
            Ok(merged) => merged,
            Err(failure) => {
                let log = pipeline::failure_log(base_name.as_deref(), &failure);
                let _ = write_all_or_nothing(&[(&self.log, log.as_bytes())]);
                return MergeEnd::Refused(failure);
            }
        };
        out.warnings.iter().for_each(|w| warn(w));
        let siblings = match (&self.base, self.copy_base_siblings) {
            (Some(base), true) => match base_siblings(base, outputs) {
                Ok(siblings) => siblings,
                Err(message) => return MergeEnd::Unusable(message),
            },
            _ => Vec::new(),
        };
        let mut files: Vec<(&Path, &[u8])> = vec![
            (&self.output, out.config.as_bytes()),
            (&self.extra_providers_output, out.extra_providers.as_bytes()),
            (&self.log, out.log.as_bytes()),
        ];
        files.extend(siblings.iter().map(|(p, b)| (p.as_path(), b.as_slice())));
        match write_all_or_nothing(&files) {
            Ok(()) => MergeEnd::Written(MergeResult::merged(&providers, &out.events)),
            Err(message) => {
                let result = MergeResult::failed("stepFailed", None, &message);
                MergeEnd::Unwritten(message, result)
            }
        }
    }
}
