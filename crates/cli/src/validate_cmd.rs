//! `llsd-providers validate FILE...`

use super::input::{display_name, read_bounded};
use super::{Outcome, OutputFormat};
use llsd_providers::diagnostic::Diagnostic;
use llsd_providers::limits::MAX_INPUT_BYTES;
use llsd_providers::validate::{FileReport, summary_line, validate_bytes};
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
    match output {
        OutputFormat::Text => {
            for report in &reports {
                print!("{}", report.render_text());
            }
            println!("{}", summary_line(&reports));
        }
        OutputFormat::Json => {
            let valid = reports.iter().all(|r| r.valid);
            let json = serde_json::json!({"valid": valid, "files": reports});
            println!(
                "{}",
                serde_json::to_string_pretty(&json).unwrap_or_default()
            );
        }
    }
    if unreadable {
        Outcome::UsageOrUnreadable
    } else if reports.iter().all(|r| r.valid) {
        Outcome::Success
    } else {
        Outcome::Problems
    }
}
