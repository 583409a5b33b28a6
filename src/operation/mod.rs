//! Each operation composed once, from the texts a user gives to the answer
//! every host renders: the CLI, the policy, the kubectl plugin and the
//! playground call these and nothing below them for the same job.
//!
//! Problems come back as data: each [`InputDiagnostic`](crate::InputDiagnostic) names the input it
//! points into with its field path and, where the text is known, its
//! 1-based line and column ([`InputTexts::locate`]).

mod inject;
mod llsd;
mod merge;
mod prefill;
mod reconcile;
mod rollout;
mod status;
mod texts;

pub use inject::{Injection, NamedInput, inject_files, inject_texts};
pub use llsd::{LlsdRead, read_llsd};
pub use merge::{MergeTexts, Merged, StepFailure, extra_providers_text, merge_texts};
pub use prefill::{ProviderEntry, default_spec, provider_entries, provider_entries_text};
pub use reconcile::{ObservedLlsd, llsd_status_update};
pub use rollout::{ClusterRead, kubectl_args, kubectl_error, rollout_status};
pub use status::{StatusAnswer, StatusOfFiles, status_files, status_texts};
pub use texts::{InputTexts, tagged};
