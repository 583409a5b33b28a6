//! `llsd-providers validate FILE...`

use super::answer::{Outcome, OutputFormat, print_report};
use llsd_providers::diagnostic::Diagnostic;
use llsd_providers::limits::MAX_INPUT_BYTES;
use llsd_providers::validate::{FileReport, summary_line, validate_bytes};
use llsd_providers_fs::input::{display_name, read_bounded};
use std::path::PathBuf;

pub fn run(files: &[PathBuf], output: OutputFormat) -> Outcome {
    let mut unreadable = false;
    let reports: Vec<FileReport> = files
        .iter()
        .map(|path| match read_bounded(path, MAX_INPUT_BYTES) {
            Ok(bytes) => validate_bytes(&display_name(path), &bytes),
            Err(message) => {
                unreadable = true;
                let fix = "check the path and its permissions";
                FileReport::broken(&display_name(path), Diagnostic::error("", message, fix))
            }
        })
        .collect();
    let valid = reports.iter().all(|r| r.valid);
    let text = || {
        let mut text: String = reports.iter().map(FileReport::render_text).collect();
        text.push_str(&summary_line(&reports));
        text.push('\n');
        text
    };
    print_report(
        output,
        text,
        &serde_json::json!({"valid": valid, "files": reports}),
    );
    if unreadable {
        Outcome::UsageOrUnreadable
    } else {
        Outcome::passed(valid)
    }
}
