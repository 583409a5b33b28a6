//! The spec file: `/lls-provider/lls-provider-spec.yaml` exists, is a
//! readable file, and passes `validate` (every violation with its field,
//! line and column).

use super::finding::Finding;
use super::tree::{Kind, Tree};
use crate::provider_package::{ProviderPackage, SPEC_PATH};
use crate::validate::{Document, validate_document};
use crate::yaml_input;

/// The validated spec, and the findings about it.
pub fn check_spec(tree: &Tree) -> (Option<ProviderPackage>, Vec<Finding>) {
    let Some((resolved, entry)) = tree.resolve(SPEC_PATH) else {
        if tree.get(SPEC_PATH).is_some() {
            // a link that resolves nowhere (or loops): reported by links.rs
            return (None, Vec::new());
        }
        let fix = if tree.get("/lls-provider").is_none() {
            "the image has no /lls-provider directory: COPY the provider's lls-provider-spec.yaml and packages/ to /lls-provider/ in the Containerfile"
        } else {
            "COPY lls-provider-spec.yaml to /lls-provider/lls-provider-spec.yaml in the Containerfile"
        };
        return (None, vec![Finding::error(SPEC_PATH, "is missing", fix)]);
    };
    if matches!(tree.get(SPEC_PATH).map(|e| &e.kind), Some(Kind::Symlink(_))) {
        // reported as the link it is (links.rs): the install step does not follow it
        return (None, Vec::new());
    }
    let Kind::File(bytes) = &entry.kind else {
        return (
            None,
            vec![Finding::error(
                SPEC_PATH,
                format!("is not a regular file ({resolved})"),
                "make /lls-provider/lls-provider-spec.yaml a regular file",
            )],
        );
    };
    let text =
        match yaml_input::check_size(bytes.len()).and_then(|()| yaml_input::decode_utf8(bytes)) {
            Ok(text) => text,
            Err(d) => return (None, vec![from_diagnostic(d)]),
        };
    let documents = match yaml_input::load_documents(text) {
        Ok(documents) => documents,
        Err(d) => return (None, vec![from_diagnostic(d)]),
    };
    let Some(first) = documents.first() else {
        return (
            None,
            vec![Finding::error(
                SPEC_PATH,
                "is empty",
                "write the ProviderPackage (docs/contracts.md, \"lls-provider-spec.yaml\")",
            )],
        );
    };
    let report = validate_document(&first.value);
    let locations = crate::locate::Locations::of(text);
    let mut findings: Vec<Finding> = report
        .diagnostics
        .into_iter()
        .map(|mut d| {
            if d.location.is_none() {
                d.location = locations.find(first.number, &d.path);
            }
            from_diagnostic(d)
        })
        .collect();
    let package = match report.document {
        Some(Document::ProviderPackage(p)) => Some(*p),
        _ => None,
    };
    if package.is_none() && !findings.iter().any(Finding::is_error) {
        let mut finding = Finding::error(
            SPEC_PATH,
            format!(
                "is a {}, not a ProviderPackage",
                report.kind.as_deref().unwrap_or("document of another kind")
            ),
            "put the provider's ProviderPackage (kind: ProviderPackage) in the spec file",
        );
        finding.diagnostic.path = "kind".into();
        finding.diagnostic.location = locations.find(first.number, "kind");
        findings.push(finding);
    }
    (package, findings)
}

fn from_diagnostic(diagnostic: crate::diagnostic::Diagnostic) -> Finding {
    Finding {
        file: SPEC_PATH.to_string(),
        diagnostic,
    }
}
