//! The TypeScript declarations of the playground's requests and responses,
//! generated from the Rust types (ts-rs) into `playground/src/core-types.d.ts`,
//! which `playground/src/core.js` refers to. The test fails when the
//! committed file differs from what the types say; `make ts-types` writes it.

use super::responses::*;
use llsd_providers::diagnostic::{Diagnostic, InputDiagnostic, Location, Severity};
use llsd_providers::image_check::{Finding, ImageReport};
use llsd_providers::inject::{Change, ChangeKind, ChangeOp};
use llsd_providers::llsd::{ExternalProviderStatus, ProviderPhase};
use llsd_providers::pipeline::FailureSummary;
use llsd_providers::status::{Condition, MergeStatus, StatusReport, StatusRow};
use llsd_providers::validate::{DocumentSummary, FileReport};
use ts_rs::{Config, TS};

/// Where the declarations live, relative to the repository.
const FILE: &str = "playground/src/core-types.d.ts";

/// Every declaration, dependencies before their users.
fn declarations() -> String {
    let config = Config::default();
    let decls = [
        Location::decl(&config),
        Severity::decl(&config),
        Diagnostic::decl(&config),
        InputDiagnostic::decl(&config),
        DocumentSummary::decl(&config),
        FileReport::decl(&config),
        ProviderPhase::decl(&config),
        ExternalProviderStatus::decl(&config),
        Condition::decl(&config),
        MergeStatus::decl(&config),
        StatusReport::decl(&config),
        StatusRow::decl(&config),
        FailureSummary::decl(&config),
        ChangeOp::decl(&config),
        ChangeKind::decl(&config),
        Change::decl(&config),
        ProviderEntry::decl(&config),
        ValidateRequest::decl(&config),
        ProvidersRequest::decl(&config),
        DefaultSpecRequest::decl(&config),
        InjectRequest::decl(&config),
        MergeRequest::decl(&config),
        ExtraProvidersRequest::decl(&config),
        StatusRequest::decl(&config),
        Failed::decl(&config),
        DocumentDiagnostic::decl(&config),
        ValidateResponse::decl(&config),
        ProviderTab::decl(&config),
        ProvidersResponse::decl(&config),
        TextResponse::decl(&config),
        InjectResponse::decl(&config),
        MergeResponse::decl(&config),
        StatusResponse::decl(&config),
        Finding::decl(&config),
        ImageReport::decl(&config),
        CheckImageRequest::decl(&config),
        CheckImageResponse::decl(&config),
    ];
    let mut out = String::from(
        "// Generated from crates/web/src/responses.rs and the core types they use (ts-rs):\n\
         // do not edit; `make ts-types` rewrites it.\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn committed_declarations_match_the_types() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(FILE);
    let wanted = declarations();
    if std::env::var_os("UPDATE_TS_TYPES").is_some() {
        std::fs::write(&path, &wanted).expect("write the declarations");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == wanted,
        "{FILE} is stale: run `make ts-types` (UPDATE_TS_TYPES=1 cargo test -p llsd-providers-web --lib typescript)"
    );
}
