//! The status report as a table a person reads in a terminal; colour only
//! when the caller says the output is a terminal.

use super::StatusReport;
use crate::contract::MERGE_CONTAINER;
use crate::diagnostic::printable;
use crate::llsd::ProviderPhase;
use anstyle::{AnsiColor, Style};
use serde::Serialize;

fn phase_style(phase: ProviderPhase) -> Style {
    let colour = match phase {
        ProviderPhase::Ready => AnsiColor::Green,
        ProviderPhase::Installing => AnsiColor::Yellow,
        ProviderPhase::Pending => AnsiColor::Cyan,
        ProviderPhase::Failed => AnsiColor::Red,
    };
    Style::new().fg_color(Some(colour.into())).bold()
}

/// A padded table cell for a phase, coloured when `colour`.
fn phase_cell(phase: ProviderPhase, width: usize, colour: bool) -> String {
    let name = format!("{:<width$}", phase.as_str());
    if colour {
        let style = phase_style(phase);
        format!("{style}{name}{style:#}")
    } else {
        name
    }
}

/// One row of the status table: a provider's install init container, or
/// the install step. Built once, for the terminal table and the playground.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct StatusRow {
    /// The provider's id; `-` for the install step.
    pub provider: String,
    /// The init container.
    pub container: String,
    /// Its phase.
    pub phase: ProviderPhase,
    /// Its restarts.
    pub restarts: i32,
    /// Its image.
    pub image: String,
    /// What it is doing or why it failed, with the fix.
    pub message: String,
}

/// The table's rows: one per provider, then the install step.
pub fn status_rows(report: &StatusReport) -> Vec<StatusRow> {
    let restarts = |container: &str| report.restarts.get(container).copied().unwrap_or(0);
    let mut rows: Vec<StatusRow> = report
        .external_providers
        .iter()
        .map(|p| StatusRow {
            provider: p.provider_id.clone(),
            container: p.init_container_name.clone(),
            phase: p.phase,
            restarts: restarts(&p.init_container_name),
            image: p.image.clone(),
            message: p.message.clone(),
        })
        .collect();
    if let Some(merge) = &report.merge_config {
        rows.push(StatusRow {
            provider: "-".to_string(),
            container: MERGE_CONTAINER.to_string(),
            phase: merge.phase,
            restarts: restarts(MERGE_CONTAINER),
            image: merge.image.clone(),
            message: merge.message.clone(),
        });
    }
    rows
}

/// Renders `report` as text: a header, one row per provider and one for
/// merge-config, then the condition and every non-trivial message.
pub fn render_table(report: &StatusReport, colour: bool) -> String {
    // Everything from the pod is printed escaped.
    let rows: Vec<StatusRow> = status_rows(report)
        .into_iter()
        .map(|row| StatusRow {
            provider: printable(&row.provider, false),
            container: printable(&row.container, false),
            image: printable(&row.image, false),
            ..row
        })
        .collect();
    let width = |header: &str, cell: &dyn Fn(&StatusRow) -> usize| {
        rows.iter()
            .map(cell)
            .chain([header.len()])
            .max()
            .unwrap_or(0)
    };
    let w_provider = width("PROVIDER", &|r| r.provider.chars().count());
    let w_container = width("INIT CONTAINER", &|r| r.container.chars().count());
    let w_phase = "Installing".len();
    let mut out = format!("Pod: {}\n", printable(&report.pod, false));
    if let Some(stale) = &report.stale {
        out.push_str(&format!("STALE: {}\n", printable(stale, false)));
    }
    out.push('\n');
    out.push_str(&format!(
        "{:<w_provider$}  {:<w_container$}  {:<w_phase$}  {:>8}  IMAGE\n",
        "PROVIDER", "INIT CONTAINER", "PHASE", "RESTARTS"
    ));
    for row in &rows {
        out.push_str(&format!(
            "{:<w_provider$}  {:<w_container$}  {}  {:>8}  {}\n",
            row.provider,
            row.container,
            phase_cell(row.phase, w_phase, colour),
            row.restarts,
            row.image
        ));
    }
    out.push('\n');
    let condition = &report.condition;
    out.push_str(&format!(
        "{}={} ({}): {}\n",
        condition.type_,
        condition.status,
        printable(&condition.reason, false),
        printable(&condition.message, true)
    ));
    let details: Vec<(&str, &str)> = report
        .external_providers
        .iter()
        .filter(|p| p.phase != ProviderPhase::Ready)
        .map(|p| (p.init_container_name.as_str(), p.message.as_str()))
        .chain(
            report
                .merge_config
                .iter()
                .filter(|m| m.phase != ProviderPhase::Ready)
                .map(|m| (MERGE_CONTAINER, m.message.as_str())),
        )
        .collect();
    let warnings: Vec<(String, &str)> = report
        .merge_result
        .iter()
        .flat_map(|r| {
            r.providers
                .iter()
                .flat_map(|p| {
                    p.warnings
                        .iter()
                        .map(|w| (format!("provider {}", p.id), w.as_str()))
                })
                .chain(
                    r.warnings
                        .iter()
                        .map(|w| ("run.yaml".to_string(), w.as_str())),
                )
        })
        .collect();
    if !warnings.is_empty() {
        out.push_str("\nMerge warnings (merge-config termination message):\n");
        for (about, warning) in warnings {
            out.push_str(&format!(
                "  {}: {}\n",
                printable(&about, false),
                printable(warning, true).replace('\n', "\n    ")
            ));
        }
    }
    if let Some(result) = report
        .merge_result
        .as_ref()
        .filter(|r| r.omitted_providers + r.omitted_warnings > 0)
    {
        out.push_str(&format!(
            "  ({} provider(s) and {} warning(s) did not fit the termination message: merge-log.txt has them)\n",
            result.omitted_providers, result.omitted_warnings
        ));
    }
    if !details.is_empty() {
        out.push('\n');
        for (container, message) in details {
            out.push_str(&format!(
                "{}:\n  {}\n",
                printable(container, false),
                printable(message, true).replace('\n', "\n  ")
            ));
        }
    }
    out
}
