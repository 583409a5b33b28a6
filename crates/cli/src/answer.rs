//! How every command ends: its outcome (the exit code), a usage error, and
//! the report formats with the printing they share.

use clap::ValueEnum;
use llsd_providers::diagnostic::terminal_safe_json;
use llsd_providers::merge::yaml_document;
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
        OutputFormat::Json => {
            println!("{}", serde_json::to_string_pretty(json).unwrap_or_default())
        }
    }
}

/// `value` as JSON text and a line break; what a terminal would act on
/// (DEL, C1 controls, bidirectional controls, which serde_json writes raw)
/// escaped: the same JSON value. Termination messages come from provider
/// images.
pub fn json_text(value: &impl serde::Serialize, pretty: bool) -> Result<String, String> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    text.map(|t| terminal_safe_json(&t) + "\n")
        .map_err(|e| e.to_string())
}

/// `value` (an object) as a YAML document by the project's YAML writer,
/// which double-quotes and escapes the same characters.
pub fn yaml_text(value: &impl serde::Serialize) -> Result<String, String> {
    match serde_json::to_value(value).map_err(|e| e.to_string())? {
        serde_json::Value::Object(object) => Ok(yaml_document(&object)),
        _ => Err("the report is not an object".to_string()),
    }
}
