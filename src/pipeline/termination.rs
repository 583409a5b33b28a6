//! The install-and-merge step's result as its container termination message
//! (docs/contracts.md, "Termination message"): a human-readable first
//! line, which `kubectl describe pod` shows, then one JSON line in the
//! [`MERGE_RESULT_SCHEMA`] schema, which `llsd-providers status` reads back.
//! The whole message fits the byte budget Kubernetes keeps; what does not
//! fit is dropped deterministically and counted (`omittedProviders`,
//! `omittedWarnings`).

use super::MergeFailure;
use crate::diagnostic::cut;
use crate::merge::{ExternalProvider, MergeEvent};
use serde::{Deserialize, Serialize};

/// `schema` of the JSON line; a reader accepts any `…/v1` minor addition
/// (unknown fields are ignored) and nothing else.
pub const MERGE_RESULT_SCHEMA: &str = "llsd-providers.merge-result/v1";

/// The kubelet reads at most this much of a container's termination message.
pub const MAX_CONTAINER_MESSAGE_BYTES: usize = 4096;

/// The kubelet's status manager keeps this much per pod, split evenly over
/// every container and init container of the pod (each message is cut to
/// its share, keeping the start).
pub const MAX_POD_MESSAGE_BYTES: usize = 12 * 1024;

/// Longest failure message kept in the JSON line (the full one is in the log).
const MAX_FAILURE_MESSAGE_BYTES: usize = 1024;

/// Longest first line.
const MAX_FIRST_LINE_BYTES: usize = 1024;

/// The bytes one container of a pod with `containers` containers and init
/// containers can keep in its termination message.
pub fn message_budget(containers: usize) -> usize {
    (MAX_POD_MESSAGE_BYTES / containers.max(1)).min(MAX_CONTAINER_MESSAGE_BYTES)
}

/// What the install-and-merge step did, as its termination message carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeResult {
    /// Always [`MERGE_RESULT_SCHEMA`] when written.
    pub schema: String,
    /// `merged` or `failed`.
    pub outcome: String,
    /// One entry per provider merged, in CRD order (the first ones when
    /// `omitted_providers` > 0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderResult>,
    /// Warnings that name no external provider (a base id that can resolve
    /// to anything).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Why the step failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<MergeResultFailure>,
    /// Providers at the end of the list left out to fit the budget.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted_providers: usize,
    /// Warnings at the end of `warnings` left out to fit the budget.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted_warnings: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One merged provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderResult {
    /// The providerId.
    pub id: String,
    /// The run.yaml API key it was merged into.
    pub api: String,
    /// `added` (appended) or `replaced` (a base provider with its id was removed).
    pub result: String,
    /// `provider_type` of the base provider it replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_type: Option<String>,
    /// The merge's warnings about this provider, as `merge-log.txt` has them
    /// (without the `WARNING: ` prefix).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The failure of the step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeResultFailure {
    /// A [`MergeFailure::kind`], or `installFailed` / `resolutionFailed` /
    /// `stepFailed` for the install step's own failures.
    pub kind: String,
    /// The provider the failure names, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// The one-paragraph summary (cut at 1024 bytes).
    pub message: String,
}

impl MergeResult {
    /// The result of a merge of `providers` (CRD order) that did `events`.
    pub fn merged(providers: &[ExternalProvider], events: &[MergeEvent]) -> Self {
        let mut general = Vec::new();
        let mut entries: Vec<ProviderResult> = providers
            .iter()
            .map(|p| ProviderResult {
                id: p.provider_id.clone(),
                api: p.api.clone(),
                result: "added".to_string(),
                base_type: None,
                warnings: Vec::new(),
            })
            .collect();
        for event in events {
            let about = match event {
                MergeEvent::ProviderReplaced { id, api, .. }
                | MergeEvent::SameIdInOtherApi { id, api, .. } => Some((id, api)),
                _ => None,
            };
            let entry = about
                .and_then(|(id, api)| entries.iter_mut().find(|e| &e.id == id && &e.api == api));
            match (entry, event.warning_text()) {
                (Some(entry), warning) => {
                    if let MergeEvent::ProviderReplaced { base_type, .. } = event {
                        entry.result = "replaced".to_string();
                        entry.base_type = Some(base_type.clone());
                    }
                    entry.warnings.extend(warning);
                }
                (None, Some(warning)) => general.push(warning),
                (None, None) => {}
            }
        }
        MergeResult {
            schema: MERGE_RESULT_SCHEMA.to_string(),
            outcome: "merged".to_string(),
            providers: entries,
            warnings: general,
            failure: None,
            omitted_providers: 0,
            omitted_warnings: 0,
        }
    }

    /// A failed step: `kind`, the provider it names, and its summary.
    pub fn failed(kind: &str, provider_id: Option<&str>, message: &str) -> Self {
        MergeResult {
            schema: MERGE_RESULT_SCHEMA.to_string(),
            outcome: "failed".to_string(),
            providers: Vec::new(),
            warnings: Vec::new(),
            failure: Some(MergeResultFailure {
                kind: kind.to_string(),
                provider_id: provider_id.map(str::to_string),
                message: cut(&one_line(message), MAX_FAILURE_MESSAGE_BYTES),
            }),
            omitted_providers: 0,
            omitted_warnings: 0,
        }
    }

    /// A failed merge.
    pub fn from_failure(failure: &MergeFailure) -> Self {
        Self::failed(failure.kind(), failure.provider_id(), &failure.to_string())
    }

    /// Every warning, per provider and general.
    pub fn warning_count(&self) -> usize {
        self.providers
            .iter()
            .map(|p| p.warnings.len())
            .sum::<usize>()
            + self.warnings.len()
    }

    /// The human-readable first line.
    pub fn first_line(&self) -> String {
        let line = match &self.failure {
            Some(failure) => format!("merge-config failed: {}", failure.message),
            None => {
                let replaced = self
                    .providers
                    .iter()
                    .filter(|p| p.result == "replaced")
                    .count();
                let listed = self.providers.len();
                let total = listed + self.omitted_providers;
                format!(
                    "merge-config: merged {total} external provider(s) ({} added, {replaced} replaced a base provider), {} warning(s){}; merge-log.txt has the details.",
                    listed - replaced,
                    self.warning_count(),
                    if self.omitted_providers + self.omitted_warnings > 0 {
                        " (counts of the first listed only: the rest did not fit)"
                    } else {
                        ""
                    }
                )
            }
        };
        cut(&line, MAX_FIRST_LINE_BYTES)
    }

    /// The termination message: the first line, then the JSON line, at most
    /// `budget` bytes. Providers and warnings are dropped from the end until
    /// it fits; when not even the JSON line without them fits, the message
    /// is the first line alone, cut with a marker.
    pub fn termination_message(&self, budget: usize) -> String {
        let mut result = self.clone();
        loop {
            let message = format!("{}\n{}\n", result.first_line(), result.json());
            if message.len() <= budget {
                return message;
            }
            if result.warnings.pop().is_some() {
                result.omitted_warnings += 1;
            } else if result.providers.pop().is_some() {
                result.omitted_providers += 1;
            } else {
                let line = format!("{}\n", result.first_line());
                return if line.len() <= budget {
                    line
                } else {
                    cut(&result.first_line(), budget.saturating_sub(1)) + "\n"
                };
            }
        }
    }

    fn json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The merge result a termination message carries, if it carries one: its
/// JSON line, in schema v1.
pub fn parse_termination_message(message: &str) -> Option<MergeResult> {
    message
        .lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str::<MergeResult>(l).ok())
        .find(|r| r.schema == MERGE_RESULT_SCHEMA)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(id: &str) -> ExternalProvider {
        ExternalProvider {
            provider_id: id.into(),
            provider_type: format!("remote::{id}"),
            module: format!("{id}_mod"),
            api: "inference".into(),
            config: None,
            image: format!("r.io/{id}:1"),
        }
    }

    fn replaced(id: &str) -> MergeEvent {
        MergeEvent::ProviderReplaced {
            api: "inference".into(),
            id: id.into(),
            base_type: "remote::ollama".into(),
            external_type: format!("remote::{id}"),
        }
    }

    #[test]
    fn budget_is_the_pod_share_capped_at_the_container_limit() {
        assert_eq!(message_budget(1), 4096);
        assert_eq!(message_budget(3), 4096);
        assert_eq!(message_budget(4), 3072);
        assert_eq!(message_budget(211), 58);
        assert_eq!(message_budget(0), 4096);
    }

    #[test]
    fn replaced_provider_carries_base_type_and_its_warning() {
        let events = [
            MergeEvent::ProviderAdded {
                api: "inference".into(),
                id: "a".into(),
                provider_type: "remote::a".into(),
            },
            replaced("ollama"),
            MergeEvent::UnconstrainedBaseId {
                api: "inference".into(),
                template: "${env.X}".into(),
                line: 4,
            },
        ];
        let result = MergeResult::merged(&[provider("a"), provider("ollama")], &events);
        assert_eq!(result.providers[0].result, "added");
        assert!(result.providers[0].warnings.is_empty());
        assert_eq!(result.providers[1].result, "replaced");
        assert_eq!(
            result.providers[1].base_type.as_deref(),
            Some("remote::ollama")
        );
        assert_eq!(result.providers[1].warnings.len(), 1);
        assert_eq!(result.warnings.len(), 1);
        let message = result.termination_message(4096);
        let mut lines = message.lines();
        assert_eq!(
            lines.next(),
            Some(
                "merge-config: merged 2 external provider(s) (1 added, 1 replaced a base provider), 2 warning(s); merge-log.txt has the details."
            )
        );
        assert_eq!(parse_termination_message(&message), Some(result));
    }

    #[test]
    fn failure_names_its_provider_on_one_line() {
        let result =
            MergeResult::failed("apiMismatch", Some("x"), "ERROR: bad\n\nResolution: move");
        let message = result.termination_message(4096);
        assert!(message.starts_with("merge-config failed: ERROR: bad Resolution: move\n"));
        let parsed = parse_termination_message(&message).unwrap();
        assert_eq!(parsed.failure.unwrap().provider_id.as_deref(), Some("x"));
    }

    #[test]
    fn over_budget_drops_providers_from_the_end_and_counts_them() {
        let providers: Vec<ExternalProvider> = (0..208)
            .map(|i| provider(&format!("provider-{i:03}")))
            .collect();
        let result = MergeResult::merged(&providers, &[]);
        let message = result.termination_message(4096);
        assert!(message.len() <= 4096, "{}", message.len());
        let parsed = parse_termination_message(&message).unwrap();
        assert_eq!(
            parsed.providers.len() + parsed.omitted_providers,
            208,
            "every provider listed or counted"
        );
        assert!(parsed.omitted_providers > 0);
        assert_eq!(parsed.providers[0].id, "provider-000");
        // Deterministic: the same input gives the same bytes.
        assert_eq!(message, result.termination_message(4096));
    }

    /// The figures of docs/contracts.md ("Termination message"):
    /// (providers, containers in the pod) → (budget, bytes, providers listed).
    #[test]
    fn documented_sizes() {
        let figures: Vec<(usize, usize, usize, usize)> =
            [(1, 5), (20, 24), (20, 3), (208, 3), (208, 212)]
                .iter()
                .map(|&(n, containers)| {
                    let providers: Vec<ExternalProvider> = (0..n)
                        .map(|i| provider(&format!("provider-{i:03}")))
                        .collect();
                    let budget = message_budget(containers);
                    let message = MergeResult::merged(&providers, &[]).termination_message(budget);
                    let listed =
                        parse_termination_message(&message).map_or(0, |r| r.providers.len());
                    (n, budget, message.len(), listed)
                })
                .collect();
        assert_eq!(
            figures,
            [
                (1, 2457, 262, 1),
                (20, 512, 512, 4),
                (20, 4096, 1347, 20),
                (208, 4096, 4049, 66),
                (208, 57, 57, 0)
            ]
        );
    }

    #[test]
    fn a_tiny_budget_keeps_a_cut_first_line_only() {
        let result = MergeResult::failed("invalidBase", None, &"long ".repeat(100));
        let message = result.termination_message(58);
        assert!(message.len() <= 58);
        assert!(message.ends_with("[truncated]\n"), "{message}");
        assert_eq!(parse_termination_message(&message), None);
    }

    #[test]
    fn other_text_is_not_a_result() {
        assert_eq!(parse_termination_message("ERROR: x\n{\"a\": 1}\n"), None);
        assert_eq!(
            parse_termination_message("{\"schema\":\"other/v1\",\"outcome\":\"merged\"}"),
            None
        );
    }
}
