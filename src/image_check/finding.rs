//! What check-image reports: findings as data, each naming the file in the
//! image, what is wrong and the fix; hosts render them.

use crate::diagnostic::{Diagnostic, Severity};
use serde::Serialize;
use std::fmt::Write;

/// One finding about a provider image: a [`Diagnostic`] (its `path` the
/// field of the spec file, for spec validation findings) in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Finding {
    /// The file in the image (`/lls-provider/packages/x.whl`), or the
    /// archive itself (empty) when it cannot be read.
    pub file: String,
    /// What is wrong there and the fix.
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
}

impl Finding {
    /// An error about `file`.
    pub fn error(
        file: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Finding {
            file: file.into(),
            diagnostic: Diagnostic::error("", problem, fix),
        }
    }

    /// A warning about `file`.
    pub fn warning(
        file: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        let mut finding = Finding::error(file, problem, fix);
        finding.diagnostic.severity = Severity::Warning;
        finding
    }

    /// Whether it makes the image fail the check.
    pub fn is_error(&self) -> bool {
        self.diagnostic.is_error()
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
    /// The platform the image was checked for (`linux/amd64`): of an image
    /// index, the image read; the wheel platform tags that fit.
    pub platform: String,
    /// The Python the tags and markers were checked against (`3.12`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub python: Option<String>,
    /// Every finding, errors and warnings, in check order.
    pub findings: Vec<Finding>,
}

impl ImageReport {
    /// A report over `findings`, checked for `target`.
    pub fn new(image: &str, target: &super::Target, findings: Vec<Finding>) -> Self {
        ImageReport {
            image: image.to_string(),
            valid: !findings.iter().any(Finding::is_error),
            platform: target.platform.as_str().to_string(),
            python: target.python.as_ref().map(super::TargetPython::version),
            findings,
        }
    }

    /// How many findings have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.diagnostic.severity == severity)
            .count()
    }

    /// The text report: one block per finding, then a verdict line.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            // Printed as a diagnostic whose place is the file (and the
            // spec's field): the same escaping of what the archive named.
            let file = if f.file.is_empty() {
                &self.image
            } else {
                &f.file
            };
            let place = match f.diagnostic.path.as_str() {
                "" => file.clone(),
                field => format!("{file} {field}"),
            };
            let shown = Diagnostic {
                path: place,
                ..f.diagnostic.clone()
            };
            let _ = writeln!(out, "{shown}");
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
    fn what_the_archive_names_is_printed_escaped() {
        let report = ImageReport::new(
            "img.tar",
            &crate::image_check::Target::default(),
            vec![Finding::error("/lls-provider/\u{1b}[2Jx", "is odd", "")],
        );
        assert!(
            report
                .render_text()
                .starts_with("ERROR /lls-provider/\\u{1b}[2Jx: is odd\n"),
            "{}",
            report.render_text()
        );
    }

    #[test]
    fn text_names_the_file_the_problem_and_the_fix() {
        let report = ImageReport::new(
            "img.tar",
            &crate::image_check::Target::default(),
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
        assert_eq!(json["findings"][0]["file"], "/lls-provider/x");
        assert_eq!(json["findings"][0]["problem"], "is missing");
    }
}
