//! Reading user YAML (LLSDs, provider metadata) into JSON values, with every
//! failure turned into a [`Diagnostic`] carrying line and column.
//!
//! One reader for every host: saphyr-parser's events build the node arena
//! the merge also edits by (`yaml_tree`), and the documents become JSON
//! values from it (`value`), scalars resolved as the YAML 1.2 core schema
//! says (`scalar`). Bounds hold before anything costs more than the
//! input's size in memory and time (docs/contracts.md, "Bounded
//! inputs"): a lexical pass refuses a line of flow openers deeper than
//! [`MAX_YAML_DEPTH`] before the scanner sees it (`flow`), the arena refuses
//! deeper nesting, and aliases are expanded only while they add at most
//! [`MAX_ALIAS_NODES`](crate::limits::MAX_ALIAS_NODES) nodes and
//! [`MAX_ALIAS_BYTES`](crate::limits::MAX_ALIAS_BYTES) bytes.

mod flow;
mod scalar;
mod value;

use crate::diagnostic::{Diagnostic, Location};
use crate::locate::Locations;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::limits::{MAX_INPUT_BYTES, MAX_YAML_DEPTH};

/// One non-empty YAML document of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// 1-based position of the document in its file (`---` separated).
    pub number: usize,
    /// The document as a JSON value, the form validation and the typed readers take.
    pub value: Value,
}

/// Refuses inputs over [`MAX_INPUT_BYTES`].
pub fn check_size(len: usize) -> Result<(), Diagnostic> {
    if len > MAX_INPUT_BYTES {
        return Err(Diagnostic::error(
            "",
            format!(
                "input is {} bytes, over the {} byte limit for one Kubernetes object or provider metadata",
                len, MAX_INPUT_BYTES
            ),
            "pass the object itself (the LLSD, the Deployment, the pod as kubectl get -o json prints it) \
             or lls-provider-spec.yaml; Kubernetes objects are at most 1.5 MiB",
        ));
    }
    Ok(())
}

/// Decodes UTF-8, naming the line and column of the first invalid byte.
pub fn decode_utf8(bytes: &[u8]) -> Result<&str, Diagnostic> {
    std::str::from_utf8(bytes).map_err(|err| {
        let valid = err.valid_up_to();
        // `valid` is a char boundary of the valid prefix.
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        Diagnostic::error(
            "",
            format!("input is not valid UTF-8 (byte 0x{:02x})", bytes[valid]),
            "save the file as UTF-8; YAML files must be Unicode text",
        )
        .at(Location::of_offset(prefix, prefix.len()))
    })
}

/// Parses every document of `text`. Empty documents (a lone `---`) are
/// skipped; a file with none is an error.
pub fn load_documents(text: &str) -> Result<Vec<Document>, Diagnostic> {
    check_size(text.len())?;
    if let Some(here) = flow::flow_too_deep(text) {
        return Err(too_deep(
            1 + text[..here].matches("\n---").count(),
            Location::of_offset(text, here),
        ));
    }
    let mut documents = value::documents(text)?;
    documents.retain(|document| !document.value.is_null());
    if documents.is_empty() {
        return Err(Diagnostic::error(
            "",
            "input is empty: no YAML document found",
            "pass a LlamaStackDistribution or a ProviderPackage (lls-provider-spec.yaml)",
        ));
    }
    Ok(documents)
}

/// Document `number`, a second one where one is read.
fn second_document(number: usize) -> Diagnostic {
    Diagnostic::error(
        "",
        format!(
            "document {number}: the input holds more than one YAML document; it is read as exactly one"
        ),
        "pass one document: remove the `---` separator and what follows, or split the file",
    )
}

/// Nesting deeper than [`MAX_YAML_DEPTH`] in `document`, at `here`.
fn too_deep(document: usize, here: Location) -> Diagnostic {
    Diagnostic::error(
        "",
        format!("document {document}: nesting is deeper than {MAX_YAML_DEPTH} levels"),
        "flatten the document; no LLSD or provider metadata nests this deep",
    )
    .at(here)
}

/// The one way hosts read a document: the only YAML (or JSON) document of
/// `bytes` (a second one is an error), size- and UTF-8-checked, turned into a typed value by
/// `convert`; on failure, every diagnostic carries the line and column of
/// its field path.
pub fn read_document<T>(
    bytes: &[u8],
    convert: impl FnOnce(&Value) -> Result<T, Vec<Diagnostic>>,
) -> Result<T, Vec<Diagnostic>> {
    let text = check_size(bytes.len())
        .and_then(|()| decode_utf8(bytes))
        .map_err(|d| vec![d])?;
    read_text(text, convert)
}

/// [`read_document`] for text already decoded.
pub fn read_text<T>(
    text: &str,
    convert: impl FnOnce(&Value) -> Result<T, Vec<Diagnostic>>,
) -> Result<T, Vec<Diagnostic>> {
    let document = only_document(text)?;
    convert(&document.value).map_err(|diagnostics| located(text, document.number, diagnostics))
}

/// The one document of `text`, or why not: the part of [`read_text`]
/// that does not depend on `T` (one copy in the page's module, not one
/// per caller).
fn only_document(text: &str) -> Result<Document, Vec<Diagnostic>> {
    let mut documents = load_documents(text).map_err(|d| vec![d])?;
    if let Some(second) = documents.get(1) {
        // Reading the first and ignoring the rest would drop content silently.
        let diagnostic = second_document(second.number);
        return Err(vec![match Locations::of(text).find(second.number, "") {
            Some(at) => diagnostic.at(at),
            None => diagnostic,
        }]);
    }
    // `load_documents` returns at least one.
    Ok(documents.swap_remove(0))
}

/// `diagnostics` about document `number` of `text`, with their lines and
/// columns.
fn located(text: &str, number: usize, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    Locations::fill(text, number, &mut diagnostics);
    diagnostics
}

/// A converter for [`read_document`] that deserializes into `T` (a
/// Kubernetes object, the injection options): a type mismatch names its
/// field path, and `fix` says what the field should hold.
pub fn typed<T: DeserializeOwned>(fix: &str) -> impl FnOnce(&Value) -> Result<T, Vec<Diagnostic>> {
    move |value| {
        serde_path_to_error::deserialize(value).map_err(|err| vec![type_mismatch(&err, fix)])
    }
}

/// A serde type error at a field path, as a diagnostic (the document root
/// has the empty path).
pub fn type_mismatch<E: std::fmt::Display>(
    err: &serde_path_to_error::Error<E>,
    fix: &str,
) -> Diagnostic {
    let path = err.path().to_string();
    let path = if path == "." { String::new() } else { path };
    Diagnostic::error(path, err.inner().to_string(), fix)
}

#[cfg(test)]
mod tests;
