//! What check-image reports: findings as data, each naming the file in the
//! image, what is wrong and the fix; hosts render them.

use crate::diagnostic::{Location, Severity};
use serde::Serialize;
use std::fmt::Write;

/// One finding about a provider image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Finding {
    /// Error (the image breaks the contract) or warning (worth checking).
    pub severity: Severity,
    /// The file in the image (`/lls-provider/packages/x.whl`), or the
    /// archive itself (empty) when it cannot be read.
    pub path: String,
    /// The field of the spec file, for spec validation findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub field: Option<String>,
    /// Line and column in the spec file, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub location: Option<Location>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl Finding {
    /// An error about `path`.
    pub fn error(
        path: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding {
            severity: Severity::Error,
            path: path.into(),
            field: None,
            location: None,
            message: message.into(),
            fix: fix.into(),
        }
    }

    /// A warning about `path`.
    pub fn warning(
        path: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(path, message, fix)
        }
    }

    /// Whether it makes the image fail the check.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The result of checking one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ImageReport {
    /// The image as the caller named it (a file or directory name).
    pub image: String,
    /// Whether no finding is an error.
    pub valid: bool,
    /// The Python the tags and markers were checked against (`3.12`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub python: Option<String>,
    /// Every finding, errors and warnings, in check order.
    pub findings: Vec<Finding>,
}

impl ImageReport {
    /// A report over `findings`.
    pub fn new(image: &str, python: Option<String>, findings: Vec<Finding>) -> Self {
        ImageReport {
            image: image.to_string(),
            valid: !findings.iter().any(Finding::is_error),
            python,
            findings,
        }
    }

    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The text report: one block per finding, then a verdict line.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let label = match f.severity {
                Severity::Error => "ERROR",
                Severity::Warning => "WARNING",
            };
            let mut place = if f.path.is_empty() {
                self.image.clone()
            } else {
                f.path.clone()
            };
            if let Some(field) = &f.field {
                if !field.is_empty() {
                    let _ = write!(place, " {field}");
                }
            }
            if let Some(location) = f.location {
                let _ = write!(place, " ({location})");
            }
            let _ = writeln!(out, "{label} {place}: {}", f.message);
            if !f.fix.is_empty() {
                let _ = writeln!(out, "  fix: {}", f.fix);
            }
        }
        let verdict = if self.valid {
            "passes the provider image contract"
        } else {
            "does not pass the provider image contract"
        };
        let _ = writeln!(
            out,
            "{}: {verdict}; {} error(s), {} warning(s)",
            self.image,
            self.count(Severity::Error),
            self.count(Severity::Warning)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_names_the_file_the_problem_and_the_fix() {
        let report = ImageReport::new(
            "img.tar",
            None,
            vec![
                Finding::error("/lls-provider/x", "is missing", "add it"),
                Finding::warning("", "odd", ""),
            ],
        );
        assert!(!report.valid);
        assert_eq!(
            report.render_text(),
            "ERROR /lls-provider/x: is missing\n  fix: add it\nWARNING img.tar: odd\n\
             img.tar: does not pass the provider image contract; 1 error(s), 1 warning(s)\n"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["findings"][0]["severity"], "error");
        assert!(json["findings"][0].get("field").is_none());
    }
}
