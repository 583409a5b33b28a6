//! Errors and warnings as data: what is wrong, where, and how to fix it.

use serde::{Serialize, Serializer};
use std::fmt;

/// The field path of `key` under `path` (the one path join):
/// `spec.server` + `userConfig` → `spec.server.userConfig`; the empty path
/// is the document.
pub fn field(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The path of item `i` of the list at `path`: `…inference` + 1 → `…inference[1]`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// A 1-based line and column in the input text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters, not bytes.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `text` (clamped to the text's end).
    pub fn of_offset(text: &str, offset: usize) -> Location {
        let mut end = offset.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[..end];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            line,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl Location {
    /// The location of a YAML parser position (saphyr-parser counts lines
    /// from 1 and columns from 0).
    pub fn of_marker(marker: &saphyr_parser::Marker) -> Location {
        Location {
            line: marker.line(),
            column: marker.col() + 1,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// How serious a finding is; serialized as `error` or `warning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub enum Severity {
    /// The input is invalid: validation fails and hosts refuse it.
    Error,
    /// Worth knowing, but the input is accepted (e.g. a section whose API later
    /// releases no longer serve).
    Warning,
}

/// One finding about an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct Diagnostic {
    /// Error or warning; printed as the `ERROR` or `WARNING` label.
    pub severity: Severity,
    /// Field path inside the document (`spec.server.externalProviders.inference[1].providerId`);
    /// empty for problems with the document as a whole (syntax errors).
    pub path: String,
    /// Where in the text, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub location: Option<Location>,
    /// What is wrong.
    pub problem: String,
    /// How to fix it.
    pub fix: String,
}

impl Diagnostic {
    /// An error at field `path` (empty for the whole document), not yet located;
    /// see [`Diagnostic::at`].
    pub fn error(
        path: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            location: None,
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    /// A warning at field `path`, otherwise as [`Diagnostic::error`].
    pub fn warning(
        path: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, problem, fix)
        }
    }

    /// The same diagnostic, located at `location` in the input text.
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Whether it makes the input invalid (warnings do not).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Which input a diagnostic points into: each is one text a user edits
/// (a file for the CLI, an editor in the playground).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The LlamaStackDistribution.
    Llsd,
    /// The operator's Deployment.
    Deployment,
    /// The injection options (the policy's settings).
    Options,
    /// The user's run.yaml (the merge's base config).
    RunYaml,
    /// A pod, for status.
    Pod,
    /// The request itself (the playground's JSON call).
    Request,
    /// A provider's lls-provider-spec.yaml, by provider id.
    Spec(String),
    /// A provider's crd-config.yaml, by provider id.
    CrdConfig(String),
}

impl Input {
    /// A diagnostic in this input.
    pub fn with(self, diagnostic: Diagnostic) -> InputDiagnostic {
        InputDiagnostic {
            source: self,
            diagnostic,
        }
    }
}

/// `llsd`, `deployment`, `options`, `runYaml`, `pod`, `request`,
/// `spec:{providerId}`, `crdConfig:{providerId}`: the playground's editor keys.
impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Llsd => f.write_str("llsd"),
            Input::Deployment => f.write_str("deployment"),
            Input::Options => f.write_str("options"),
            Input::RunYaml => f.write_str("runYaml"),
            Input::Pod => f.write_str("pod"),
            Input::Request => f.write_str("request"),
            Input::Spec(id) => write!(f, "spec:{id}"),
            Input::CrdConfig(id) => write!(f, "crdConfig:{id}"),
        }
    }
}

/// The inverse of `Display`: an editor key back to its input (a key
/// without a known prefix names a provider's spec).
impl std::str::FromStr for Input {
    type Err = std::convert::Infallible;

    fn from_str(key: &str) -> Result<Input, Self::Err> {
        Ok(match key {
            "llsd" => Input::Llsd,
            "deployment" => Input::Deployment,
            "options" => Input::Options,
            "runYaml" => Input::RunYaml,
            "pod" => Input::Pod,
            "request" => Input::Request,
            other => match other.split_once(':') {
                Some(("crdConfig", id)) => Input::CrdConfig(id.to_string()),
                Some((_, id)) => Input::Spec(id.to_string()),
                None => Input::Spec(other.to_string()),
            },
        })
    }
}

impl Serialize for Input {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A diagnostic and the input it points into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct InputDiagnostic {
    /// The input (`llsd`, `spec:{providerId}`, …).
    #[cfg_attr(feature = "typescript", ts(type = "string"))]
    pub source: Input,
    /// What is wrong there.
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
}

/// Appended where [`cut`] shortened a text.
pub const CUT_MARKER: &str = " [truncated]";

/// `text` in at most `max` bytes: cut at a character boundary, with
/// [`CUT_MARKER`] at the end, when it is longer (termination messages,
/// condition messages and events have byte limits).
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub(CUT_MARKER.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{CUT_MARKER}", &text[..end])
}

/// `s` safe to print to a terminal: control characters (ESC, BEL, CR, C1
/// such as CSI, …) and bidirectional overrides are written as `\u{…}`
/// escapes, so that text from an input (a value quoted in a problem, a
/// termination message a provider image controls) cannot move the cursor,
/// retitle the window or hide text. Tabs stay; line feeds stay when
/// `keep_newlines`.
pub fn printable(s: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\t' || (c == '\n' && keep_newlines) || !drives_terminal(c) {
            out.push(c);
        } else {
            out.extend(c.escape_unicode());
        }
    }
    out
}

/// A character a terminal acts on rather than shows: a control character
/// (C0, DEL, C1 such as CSI) or a bidirectional override or isolate.
pub fn drives_terminal(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// The bidirectional embeddings, overrides, isolates and marks, which
/// reorder the text a terminal shows ("Trojan Source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `value` as JSON to print (pretty or on one line, with a final newline),
/// terminal-safe (see [`terminal_safe_json`]).
pub fn json_text(value: &impl Serialize, pretty: bool) -> Result<String, String> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    text.map(|t| terminal_safe_json(&t) + "\n")
        .map_err(|e| e.to_string())
}

/// JSON text as serde_json writes it, with every character that drives a
/// terminal and that serde_json leaves raw (DEL, C1 controls, bidirectional
/// controls) written as a `\uXXXX` escape: the same JSON value, safe to
/// print. Outside strings JSON text is ASCII, so only strings change.
pub fn terminal_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if drives_terminal(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
        };
        write!(f, "{label}")?;
        if !self.path.is_empty() {
            write!(f, " {}", printable(&self.path, false))?;
        }
        if let Some(location) = self.location {
            write!(f, " ({location})")?;
        }
        write!(f, ": {}", printable(&self.problem, true))?;
        if !self.fix.is_empty() {
            write!(f, "\n  fix: {}", printable(&self.fix, true))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_compose() {
        assert_eq!(field("", "spec"), "spec");
        assert_eq!(index(&field("spec", "items"), 2), "spec.items[2]");
    }

    #[test]
    fn text_output_escapes_terminal_controls() {
        let d = Diagnostic::error(
            "a.\u{1b}[2J",
            "'\u{7}x\r\u{9b}\u{202e}' is bad",
            "fix\tit\nnow",
        );
        assert_eq!(
            d.to_string(),
            "ERROR a.\\u{1b}[2J: '\\u{7}x\\u{d}\\u{9b}\\u{202e}' is bad\n  fix: fix\tit\nnow"
        );
    }

    #[test]
    fn offsets_become_one_based_line_and_column() {
        let text = "a: 1\nbé: 2\n";
        assert_eq!(
            Location::of_offset(text, 0),
            Location { line: 1, column: 1 }
        );
        assert_eq!(
            Location::of_offset(text, 5),
            Location { line: 2, column: 1 }
        );
        // column counts characters, not bytes
        assert_eq!(
            Location::of_offset(text, 8),
            Location { line: 2, column: 3 }
        );
        assert_eq!(
            Location::of_offset(text, 999),
            Location { line: 3, column: 1 }
        );
    }

    #[test]
    fn input_keys_round_trip() {
        for input in [
            Input::Llsd,
            Input::RunYaml,
            Input::Spec("a".into()),
            Input::CrdConfig("b".into()),
        ] {
            assert_eq!(input.to_string().parse::<Input>(), Ok(input));
        }
    }

    #[test]
    fn display_names_path_location_problem_and_fix() {
        let d = Diagnostic::error("spec.x", "is wrong", "make it right")
            .at(Location { line: 3, column: 5 });
        assert_eq!(
            d.to_string(),
            "ERROR spec.x (line 3, column 5): is wrong\n  fix: make it right"
        );
        let w = Diagnostic::warning("", "odd", "");
        assert_eq!(w.to_string(), "WARNING: odd");
    }
}
