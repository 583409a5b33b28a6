//! Validating a whole input file (any number of YAML documents) and
//! rendering the result for people or machines.

use super::{DocumentReport, validate_document};
use crate::diagnostic::{Diagnostic, Input, InputDiagnostic, Severity};
use crate::locate::Locations;
use crate::yaml_input;
use serde::Serialize;
use std::fmt::Write;

/// The findings for one input file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct FileReport {
    /// The file's name as the caller gave it; reports start with it.
    pub file: String,
    /// Whether the file was read and no document has an error.
    pub valid: bool,
    /// Problems with the file as a whole (unreadable, not YAML, empty).
    pub diagnostics: Vec<Diagnostic>,
    /// One summary per non-empty document, in file order; empty when the file
    /// could not be read or parsed.
    pub documents: Vec<DocumentSummary>,
}

/// The findings for one document of a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct DocumentSummary {
    /// 1-based position in the file.
    pub document: usize,
    /// The document's `kind`, when it is a string.
    pub kind: Option<String>,
    /// The document's `metadata.name`, when it is a string.
    pub name: Option<String>,
    /// Whether no diagnostic is an error (warnings allowed).
    pub valid: bool,
    /// Every finding, located where the path can be found in the text.
    pub diagnostics: Vec<Diagnostic>,
}

impl DocumentSummary {
    fn new(document: usize, report: DocumentReport) -> Self {
        DocumentSummary {
            document,
            valid: report.is_valid(),
            kind: report.kind,
            name: report.name,
            diagnostics: report.diagnostics,
        }
    }
}

/// Validates every document in `bytes`, read from `file`.
pub fn validate_bytes(file: &str, bytes: &[u8]) -> FileReport {
    let text = yaml_input::check_size(bytes.len()).and_then(|()| yaml_input::decode_utf8(bytes));
    match text {
        Err(diagnostic) => FileReport::broken(file, diagnostic),
        Ok(text) => validate_text(file, text),
    }
}

/// Validates every document in `text`; field diagnostics get the line and
/// column of their path.
pub fn validate_text(file: &str, text: &str) -> FileReport {
    let documents = match yaml_input::load_documents(text) {
        Err(diagnostic) => return FileReport::broken(file, diagnostic),
        Ok(documents) => documents,
    };
    let mut documents: Vec<DocumentSummary> = documents
        .iter()
        .map(|doc| DocumentSummary::new(doc.number, validate_document(&doc.value)))
        .collect();
    if documents.iter().any(|d| !d.diagnostics.is_empty()) {
        let locations = Locations::of(text);
        for doc in &mut documents {
            for diagnostic in doc.diagnostics.iter_mut().filter(|d| d.location.is_none()) {
                diagnostic.location = locations.find(doc.document, &diagnostic.path);
            }
        }
    }
    FileReport {
        file: file.to_string(),
        valid: documents.iter().all(|d| d.valid),
        diagnostics: Vec::new(),
        documents,
    }
}

/// A diagnostic of a report, with the document it is in (none for the
/// file as a whole).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct DocumentDiagnostic {
    /// 1-based document number.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "typescript", ts(optional))]
    pub document: Option<usize>,
    /// The diagnostic and its input.
    #[serde(flatten)]
    pub diagnostic: InputDiagnostic,
}

impl FileReport {
    /// Every diagnostic of the report, flat: the file's own, then each
    /// document's, each tagged with `input`.
    pub fn flat_diagnostics(&self, input: &Input) -> Vec<DocumentDiagnostic> {
        let whole = self.diagnostics.iter().map(|d| (None, d));
        let per_document = self
            .documents
            .iter()
            .flat_map(|doc| doc.diagnostics.iter().map(|d| (Some(doc.document), d)));
        whole
            .chain(per_document)
            .map(|(document, d)| DocumentDiagnostic {
                document,
                diagnostic: input.clone().with(d.clone()),
            })
            .collect()
    }

    /// A file that could not be read or parsed at all.
    pub fn broken(file: &str, diagnostic: Diagnostic) -> Self {
        FileReport::invalid(file, vec![diagnostic])
    }

    /// A file with problems found outside per-document validation.
    pub fn invalid(file: &str, diagnostics: Vec<Diagnostic>) -> Self {
        FileReport {
            file: file.to_string(),
            valid: false,
            diagnostics,
            documents: Vec::new(),
        }
    }

    fn all_diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .chain(self.documents.iter().flat_map(|d| d.diagnostics.iter()))
    }

    /// How many findings of `severity` the file has, its own and its documents'.
    pub fn count(&self, severity: Severity) -> usize {
        self.all_diagnostics()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Human-readable report: one heading per document, then its findings.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for diagnostic in &self.diagnostics {
            let _ = writeln!(out, "{}: {diagnostic}", self.file);
        }
        let several = self.documents.len() > 1;
        for doc in &self.documents {
            let place = if several {
                format!("{} (document {})", self.file, doc.document)
            } else {
                self.file.clone()
            };
            let what = match (&doc.kind, &doc.name) {
                (Some(kind), Some(name)) => format!("{kind} '{name}'"),
                (Some(kind), None) => kind.clone(),
                _ => "document".to_string(),
            };
            let verdict = if doc.valid { "valid" } else { "invalid" };
            let _ = writeln!(out, "{place}: {what} is {verdict}");
            for diagnostic in &doc.diagnostics {
                let _ = writeln!(out, "  {}", indent(&diagnostic.to_string()));
            }
        }
        out
    }
}

fn indent(text: &str) -> String {
    text.replace('\n', "\n  ")
}

/// The validation of several files (`validate FILE…`, the kubectl
/// plugin's `validate`), serialized as the JSON report.
#[derive(Debug, Serialize)]
pub struct FilesReport {
    /// Whether every file is valid.
    pub valid: bool,
    /// Each file's report, in the order given.
    pub files: Vec<FileReport>,
    /// Whether a file could not be read (its report says why).
    #[serde(skip)]
    pub unreadable: bool,
}

/// Validates each file, named, from its bytes — or reports why it could
/// not be read.
pub fn validate_files(
    files: impl IntoIterator<Item = (String, Result<Vec<u8>, String>)>,
) -> FilesReport {
    let mut unreadable = false;
    let files: Vec<FileReport> = files
        .into_iter()
        .map(|(name, read)| match read {
            Ok(bytes) => validate_bytes(&name, &bytes),
            Err(message) => {
                unreadable = true;
                let fix = "check the path and its permissions";
                FileReport::broken(&name, Diagnostic::error("", message, fix))
            }
        })
        .collect();
    FilesReport {
        valid: files.iter().all(|r| r.valid),
        files,
        unreadable,
    }
}

impl FilesReport {
    /// Each file's text report, then the summary line.
    pub fn render_text(&self) -> String {
        let mut text: String = self.files.iter().map(FileReport::render_text).collect();
        text.push_str(&summary_line(&self.files));
        text.push('\n');
        text
    }
}

/// The closing line of a text report over several files.
pub fn summary_line(reports: &[FileReport]) -> String {
    let documents: usize = reports.iter().map(|r| r.documents.len().max(1)).sum();
    let invalid = reports
        .iter()
        .map(|r| {
            if r.documents.is_empty() {
                usize::from(!r.valid)
            } else {
                r.documents.iter().filter(|d| !d.valid).count()
            }
        })
        .sum::<usize>();
    let errors: usize = reports.iter().map(|r| r.count(Severity::Error)).sum();
    let warnings: usize = reports.iter().map(|r| r.count(Severity::Warning)).sum();
    format!(
        "{} file(s), {documents} document(s): {} valid, {invalid} invalid; {errors} error(s), {warnings} warning(s)",
        reports.len(),
        documents - invalid
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const LLSD: &str = "apiVersion: llamastack.io/v1alpha1\nkind: LlamaStackDistribution\n\
        metadata: {name: demo}\nspec: {server: {distribution: {name: starter}}}\n";

    #[test]
    fn multi_document_files_report_each_document() {
        let text = format!("{LLSD}---\nkind: LlamaStackDistribution\n");
        let report = validate_bytes("x.yaml", text.as_bytes());
        assert!(!report.valid);
        assert_eq!(report.documents.len(), 2);
        assert!(report.documents[0].valid);
        assert!(!report.documents[1].valid);
        let text = report.render_text();
        assert!(
            text.starts_with("x.yaml (document 1): LlamaStackDistribution 'demo' is valid\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "x.yaml (document 2): LlamaStackDistribution is invalid\n  ERROR apiVersion"
            ),
            "{text}"
        );
        assert_eq!(
            summary_line(&[report]),
            "1 file(s), 2 document(s): 1 valid, 1 invalid; 3 error(s), 0 warning(s)"
        );
    }

    #[test]
    fn broken_files_report_the_syntax_error() {
        let report = validate_bytes("bad.yaml", b"a: [\n");
        assert!(!report.valid);
        let text = report.render_text();
        assert!(
            text.starts_with("bad.yaml: ERROR (line 2, column 1): document 1: invalid YAML"),
            "{text}"
        );
        assert_eq!(
            summary_line(&[report]),
            "1 file(s), 1 document(s): 0 valid, 1 invalid; 1 error(s), 0 warning(s)"
        );
    }

    #[test]
    fn json_shape_is_stable() {
        let report = validate_bytes("x.yaml", LLSD.as_bytes());
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["valid"], true);
        assert_eq!(json["documents"][0]["kind"], "LlamaStackDistribution");
        assert_eq!(json["documents"][0]["diagnostics"], serde_json::json!([]));
    }
}
