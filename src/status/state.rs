//! What one init container is doing, read from the pod's
//! `initContainerStatuses`, and the messages that explain it.

use super::pod::{ContainerStatus, Terminated};
use crate::contract::{INSTALL_PREFIX, MERGE_CONTAINER, STAGE_CONTAINER};
use crate::llsd::ProviderPhase;
use std::collections::BTreeMap;

const PULL_FAILURES: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "RegistryUnavailable",
];

/// Why an init container is where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Situation {
    /// Not started; `blocked_by` is the earlier init container it waits for
    /// and whether that one failed.
    NotStarted {
        blocked_by: Option<(String, bool)>,
    },
    Creating,
    /// Not started because an earlier init container that is not one of
    /// the providers' (`stage-installer`, a user's) cannot pull its image:
    /// the provider is stuck until that pull is fixed.
    BlockedByPull {
        container: String,
        image: String,
        reason: String,
        message: String,
    },
    PullFailed {
        reason: String,
        message: String,
    },
    CannotStart {
        reason: String,
        message: String,
    },
    Running,
    Succeeded,
    /// Terminated non-zero; `crash_loop` when kubelet is backing off restarts.
    Failed {
        exit_code: i32,
        reason: String,
        output: String,
        crash_loop: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitState {
    pub phase: ProviderPhase,
    pub situation: Situation,
    pub restarts: i32,
    /// When the current state began (RFC 3339), when the pod says.
    pub since: Option<String>,
}

fn terminated_ok(status: Option<&ContainerStatus>) -> Option<bool> {
    let terminated = status?.state?.terminated?;
    Some(terminated.exit_code == 0)
}

/// The first init container before `name` (pod order) that has not
/// completed successfully, and whether it failed.
fn blocker(
    name: &str,
    order: &[&str],
    statuses: &BTreeMap<&str, ContainerStatus>,
) -> Option<(String, bool)> {
    order
        .iter()
        .take_while(|n| **n != name)
        .find_map(|earlier| {
            let status = statuses.get(earlier);
            match terminated_ok(status) {
                Some(true) => None,
                Some(false) => Some((earlier.to_string(), true)),
                None => {
                    let waiting_reason = status.and_then(|s| s.state?.waiting?.reason);
                    let failed = waiting_reason
                        .is_some_and(|r| r == "CrashLoopBackOff" || PULL_FAILURES.contains(&r));
                    Some((earlier.to_string(), failed))
                }
            }
        })
}

/// The first init container before `name` that waits with a pull error,
/// when it is the first one not done: `name` cannot start until it pulls.
fn blocking_pull(
    name: &str,
    order: &[&str],
    statuses: &BTreeMap<&str, ContainerStatus>,
) -> Option<Situation> {
    let (earlier, _) = blocker(name, order, statuses)?;
    if earlier.starts_with(INSTALL_PREFIX) {
        // another provider's: that provider is the one reported failing
        return None;
    }
    let status = statuses.get(earlier.as_str())?;
    let waiting = status.state?.waiting?;
    let reason = waiting.reason.filter(|r| PULL_FAILURES.contains(r))?;
    Some(Situation::BlockedByPull {
        container: earlier,
        image: status.image.to_string(),
        reason: reason.to_string(),
        message: waiting.message.unwrap_or_default().to_string(),
    })
}

fn failed(terminated: &Terminated, crash_loop: bool) -> Situation {
    Situation::Failed {
        exit_code: terminated.exit_code,
        reason: terminated.reason.unwrap_or_default().to_string(),
        output: human_part(terminated.message.unwrap_or_default()),
        crash_loop,
    }
}

/// A termination message without the merge result's JSON line (the
/// install-and-merge step's first line is the human-readable part).
fn human_part(message: &str) -> String {
    match crate::pipeline::parse_termination_message(message) {
        Some(_) => message
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
        None => message.trim().to_string(),
    }
}

/// Observes init container `name`.
pub fn observe(
    name: &str,
    order: &[&str],
    statuses: &BTreeMap<&str, ContainerStatus>,
) -> InitState {
    let status = statuses.get(name);
    let restarts = status.map_or(0, |s| s.restart_count);
    let state = status.and_then(|s| s.state);
    let not_started = || match blocking_pull(name, order, statuses) {
        Some(blocked) => blocked,
        None => Situation::NotStarted {
            blocked_by: blocker(name, order, statuses),
        },
    };
    let (situation, since) = match state {
        None => (not_started(), None),
        Some(state) => {
            if let Some(t) = &state.terminated {
                let since = t.finished_at.map(str::to_string);
                if t.exit_code == 0 {
                    (Situation::Succeeded, since)
                } else {
                    (failed(t, false), since)
                }
            } else if let Some(started_at) = state.running {
                (Situation::Running, started_at.map(str::to_string))
            } else if let Some(w) = &state.waiting {
                let reason = w.reason.unwrap_or_default().to_string();
                let message = w.message.unwrap_or_default().to_string();
                let last = status.and_then(|s| s.last_state?.terminated);
                match reason.as_str() {
                    r if PULL_FAILURES.contains(&r) => {
                        (Situation::PullFailed { reason, message }, None)
                    }
                    "CrashLoopBackOff" => match last {
                        Some(t) => (failed(&t, true), t.finished_at.map(str::to_string)),
                        None => (Situation::CannotStart { reason, message }, None),
                    },
                    "" | "PodInitializing" => (not_started(), None),
                    "ContainerCreating" => (Situation::Creating, None),
                    _ => (Situation::CannotStart { reason, message }, None),
                }
            } else {
                (not_started(), None)
            }
        }
    };
    let phase = match situation {
        Situation::NotStarted { .. } | Situation::Creating => ProviderPhase::Pending,
        Situation::Running => ProviderPhase::Installing,
        Situation::Succeeded => ProviderPhase::Ready,
        Situation::PullFailed { .. }
        | Situation::BlockedByPull { .. }
        | Situation::CannotStart { .. }
        | Situation::Failed { .. } => ProviderPhase::Failed,
    };
    InitState {
        phase,
        situation,
        restarts,
        since,
    }
}

fn restarted(restarts: i32) -> String {
    if restarts > 0 {
        format!(" (restarted {restarts} times)")
    } else {
        String::new()
    }
}

fn pull_fix(service_account: &str) -> String {
    format!(
        "Fix: check that the image reference and tag exist, and that credentials for its registry are in an \
         imagePullSecret of the pod's ServiceAccount '{service_account}' (kubectl patch serviceaccount \
         {service_account} -p '{{\"imagePullSecrets\": [{{\"name\": \"<secret>\"}}]}}')."
    )
}

fn not_started(blocked_by: &Option<(String, bool)>) -> String {
    match blocked_by {
        Some((earlier, true)) => {
            format!("Not started: init container {earlier} failed before it; fix that one first.")
        }
        Some((earlier, false)) => {
            format!("Not started: waiting for init container {earlier} to finish.")
        }
        None => "Not started: the pod is being scheduled or initialized.".to_string(),
    }
}

fn failure(
    what: &str,
    exit_code: i32,
    reason: &str,
    output: &str,
    crash_loop: bool,
    logs: &str,
) -> String {
    let reason = if reason.is_empty() || reason == "Error" {
        String::new()
    } else {
        format!(", {reason}")
    };
    let mut output = if output.is_empty() {
        "no termination message".to_string()
    } else {
        output.to_string()
    };
    if !output.ends_with(['.', '!', '?']) {
        output.push('.');
    }
    let verb = if crash_loop {
        "keeps failing; last exit"
    } else {
        "failed with exit"
    };
    let fix = if output.contains("Resolution:") {
        String::new()
    } else {
        " Fix: read the container log for the cause.".to_string()
    };
    format!("{what} {verb} code {exit_code}{reason}: {output}{fix} Logs: {logs}.")
}

/// The init container a message is about, and its own wording.
pub struct Subject<'a> {
    pub container: &'a str,
    pub image: &'a str,
    /// "Init container … (image …)".
    pub what: String,
    /// What the pull failure names besides the image.
    pub pull_context: String,
    /// What the failed pull was of ("provider image", "merge image").
    pub pulled: &'a str,
    pub running: String,
    pub done: String,
}

impl<'a> Subject<'a> {
    pub fn provider(id: &str, image: &'a str, container: &'a str) -> Self {
        Subject {
            container,
            image,
            what: format!("Init container {container} for provider '{id}' (image {image})"),
            pull_context: format!("provider '{id}', init container {container}"),
            pulled: "provider image",
            running: format!(
                "Installing provider '{id}' from {image} in init container {container}."
            ),
            done: format!(
                "Installed provider '{id}' from {image}; its packages are in the shared volume."
            ),
        }
    }

    pub fn merge(image: &'a str) -> Self {
        Subject {
            container: MERGE_CONTAINER,
            image,
            what: format!("Init container {MERGE_CONTAINER} (image {image})"),
            pull_context: MERGE_CONTAINER.to_string(),
            pulled: "merge image",
            running: "Merging the external providers into the run.yaml.".to_string(),
            done: "Merged the external providers into the run.yaml the server reads.".to_string(),
        }
    }
}

/// The message for an injected init container's state.
pub fn message(subject: &Subject, pod: &str, service_account: &str, state: &InitState) -> String {
    let previous = if state.restarts > 0 {
        " --previous"
    } else {
        ""
    };
    let logs = format!("kubectl logs {pod} -c {}{previous}", subject.container);
    let what = &subject.what;
    let text = match &state.situation {
        Situation::NotStarted { blocked_by } => not_started(blocked_by),
        Situation::Creating => format!("Starting: {what} is being created."),
        Situation::Running => subject.running.clone(),
        Situation::Succeeded => subject.done.clone(),
        Situation::PullFailed { reason, message } => {
            let detail = if message.is_empty() {
                reason.to_string()
            } else {
                format!("{reason}: {message}")
            };
            format!(
                "Failed to pull {} {} ({}): {detail}. {}",
                subject.pulled,
                subject.image,
                subject.pull_context,
                pull_fix(service_account)
            )
        }
        Situation::BlockedByPull {
            container,
            image,
            reason,
            message,
        } => {
            let detail = if message.is_empty() {
                reason.to_string()
            } else {
                format!("{reason}: {message}")
            };
            let (pulled, setting) = if container == STAGE_CONTAINER {
                (
                    "merge image",
                    " It is the injection's mergeImage setting (the policy's settings, or inject --options): set it to an image your nodes can pull, or mirror it to your registry.",
                )
            } else {
                ("image", "")
            };
            format!(
                "Failed to pull {pulled} {image} (init container {container}, which {} waits for): {detail}. {}{setting}",
                subject.container,
                pull_fix(service_account)
            )
        }
        Situation::CannotStart { reason, message } => format!(
            "{what} cannot start: {reason}: {message}. Fix: kubectl describe pod {pod} shows the event that explains it."
        ),
        Situation::Failed {
            exit_code,
            reason,
            output,
            crash_loop,
        } => failure(what, *exit_code, reason, output, *crash_loop, &logs),
    };
    format!("{text}{}", restarted(state.restarts))
}
