//! Validation of user documents by kind: every violation at once, each with
//! its field path, what is wrong and how to fix it.

mod external_providers_rules;
pub(crate) mod fields;
mod file;
mod llsd_rules;
mod provider_package_rules;
pub mod rules;
pub mod supply_chain;

pub use crate::json::type_name;
pub use external_providers_rules::check_external_providers;
pub use fields::closest;
pub use file::{
    DocumentDiagnostic, DocumentSummary, FileReport, FilesReport, summary_line, validate_bytes,
    validate_files, validate_text,
};
pub use llsd_rules::check_llsd;
pub use provider_package_rules::check_provider_package;

use crate::diagnostic::Diagnostic;
use crate::llsd::LlamaStackDistribution;
use crate::provider_package::ProviderPackage;
use fields::Collector;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A typed document and its warnings, or every error found.
pub type Checked<T> = Result<(T, Vec<Diagnostic>), Vec<Diagnostic>>;

/// Finishes a check: on no errors, reads the typed value (reporting a type
/// mismatch in a field the walk did not cover, with its path).
fn typed<T: DeserializeOwned>(document: &Value, collector: Collector) -> Checked<T> {
    let mut diagnostics = collector.diagnostics;
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics);
    }
    // Outside the playground, plain serde first: path tracking allocates
    // every key it passes (a third of the policy's LLSD check), and the walk
    // above has already checked the fields it knows; only a mismatch it did
    // not cover is read again for its path. The playground's module
    // (feature `compact`) skips the second copy of the deserializers (10 KB
    // gzipped) and pays the tracking.
    if !cfg!(feature = "compact")
        && let Ok(value) = T::deserialize(document)
    {
        return Ok((value, diagnostics));
    }
    match serde_path_to_error::deserialize::<_, T>(document) {
        Ok(value) => Ok((value, diagnostics)),
        Err(err) => {
            diagnostics.push(type_mismatch(
                &err,
                "give the field the type its schema defines (docs/external-providers.md)",
            ));
            Err(diagnostics)
        }
    }
}

pub use crate::yaml_input::type_mismatch;

/// Reads and checks an lls-provider-spec.yaml (its first document), every
/// diagnostic located.
pub fn parse_provider_package(text: &str) -> Result<ProviderPackage, Vec<Diagnostic>> {
    crate::yaml_input::read_text(text, |value| check_provider_package(value).map(|(p, _)| p))
}

/// A validated document of a kind this project reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// A `LlamaStackDistribution`.
    Llsd(Box<LlamaStackDistribution>),
    /// An lls-provider-spec.yaml.
    ProviderPackage(Box<ProviderPackage>),
    /// An extra-providers.yaml (`merge --extra-providers-output`).
    ExternalProviders(Box<crate::extra_providers::ExternalProviders>),
}

/// Result of validating one document: its kind and name when readable, and
/// every diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentReport {
    /// The document's `kind`, when it is a string.
    pub kind: Option<String>,
    /// The document's `metadata.name`, when it is a string.
    pub name: Option<String>,
    /// The typed document; `None` when it has an error or an unknown kind.
    pub document: Option<Document>,
    /// Every error and warning, with field paths but not yet locations.
    pub diagnostics: Vec<Diagnostic>,
}

impl DocumentReport {
    /// Whether no diagnostic is an error.
    pub fn is_valid(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Validates a document by its `kind`.
pub fn validate_document(value: &Value) -> DocumentReport {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .map(str::to_string);
    let name = value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let (document, diagnostics) = match kind.as_deref() {
        Some(crate::llsd::KIND) => split(check_llsd(value), |v| Document::Llsd(Box::new(v))),
        Some(crate::provider_package::KIND) => split(check_provider_package(value), |v| {
            Document::ProviderPackage(Box::new(v))
        }),
        Some(crate::extra_providers::KIND) => split(check_external_providers(value), |v| {
            Document::ExternalProviders(Box::new(v))
        }),
        Some(other) => (
            None,
            vec![Diagnostic::error(
                "kind",
                format!("'{other}' is not a kind this tool validates"),
                "pass a LlamaStackDistribution, a ProviderPackage (lls-provider-spec.yaml) or an ExternalProviders file (extra-providers.yaml)",
            )],
        ),
        None => (
            None,
            vec![Diagnostic::error(
                "kind",
                "is missing, so the document's kind is unknown",
                "add `kind: LlamaStackDistribution`, `kind: ProviderPackage` or `kind: ExternalProviders`",
            )],
        ),
    };
    DocumentReport {
        kind,
        name,
        document,
        diagnostics,
    }
}

fn split<T>(
    checked: Checked<T>,
    wrap: impl FnOnce(T) -> Document,
) -> (Option<Document>, Vec<Diagnostic>) {
    match checked {
        Ok((value, warnings)) => (Some(wrap(value)), warnings),
        Err(errors) => (None, errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_are_dispatched_by_kind() {
        let report = validate_document(&json!({"kind": "ConfigMap", "metadata": {"name": "x"}}));
        assert!(!report.is_valid());
        assert_eq!(report.name.as_deref(), Some("x"));
        assert!(report.diagnostics[0].problem.contains("'ConfigMap'"));
        let report = validate_document(&json!({"a": 1}));
        assert_eq!(report.diagnostics[0].path, "kind");
        let report = validate_document(&json!({"kind": "ProviderPackage"}));
        assert!(!report.is_valid());
        assert_eq!(report.kind.as_deref(), Some("ProviderPackage"));
    }
}
