//! `llsd-providers validate FILE...`

use super::answer::{Answer, Outcome, OutputFormat, print_report};
use llsd_providers::limits::MAX_INPUT_BYTES;
use llsd_providers::validate::validate_files;
use llsd_providers_fs::input::{display_name, read_bounded};
use std::path::PathBuf;

pub fn run(files: &[PathBuf], output: OutputFormat) -> Answer {
    let read = files
        .iter()
        .map(|path| (display_name(path), read_bounded(path, MAX_INPUT_BYTES)));
    let report = validate_files(read);
    print_report(output, || report.render_text(), &report);
    Ok(if report.unreadable {
        Outcome::UsageOrUnreadable
    } else {
        Outcome::passed(report.valid)
    })
}
