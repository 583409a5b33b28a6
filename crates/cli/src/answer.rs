//! How every command ends: its outcome (the exit code), a usage error, and
//! the report formats with the printing they share.

use clap::ValueEnum;
use llsd_providers::diagnostic::json_text;
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// Outcome of a command, mapped onto the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Problems,
    UsageOrUnreadable,
}

impl Outcome {
    /// Success when the input passed (valid, ready), else Problems.
    pub fn passed(ok: bool) -> Outcome {
        if ok {
            Outcome::Success
        } else {
            Outcome::Problems
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Problems => ExitCode::from(1),
            Outcome::UsageOrUnreadable => ExitCode::from(2),
        }
    }
}

/// A command's answer: its outcome, or the sentence saying why the
/// arguments or an input cannot be used (printed by [`usage_error`]).
pub type Answer = Result<Outcome, String>;

/// Prints `ERROR: message`: the arguments or an input cannot be used.
pub fn usage_error(message: &str) -> Outcome {
    eprintln!("ERROR: {message}");
    Outcome::UsageOrUnreadable
}

/// Whether text reports get colour: standard output is a terminal and
/// `NO_COLOR` is unset.
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints a report as its text, or as pretty JSON.
pub fn print_report(
    format: OutputFormat,
    text: impl FnOnce() -> String,
    json: &impl serde::Serialize,
) {
    match format {
        OutputFormat::Text => print!("{}", text()),
        // terminal-safe, as every JSON the CLI prints
        OutputFormat::Json => print!("{}", json_text(json, true).unwrap_or_default()),
    }
}
