//! Fuzz target `metadata`: arbitrary bytes into the readers of user
//! metadata: `validate::validate_bytes` (LLSD and ProviderPackage documents,
//! any number per file) and `pipeline::parse_crd_config` (crd-config.yaml,
//! YAML or JSON).
//!
//! Oracles (any failure panics, which libFuzzer reports as a crash):
//! * no panic, no hang, no leak in validation, rendering or parsing;
//! * a report is valid exactly when it carries no error diagnostic, and an
//!   invalid report explains itself in `render_text()`;
//! * a parsed `CrdConfig` written back as JSON (what the install init
//!   container records) parses again to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llsd_providers::pipeline::parse_crd_config;
use llsd_providers::diagnostic::Severity;
use llsd_providers::validate::validate_bytes;

fuzz_target!(|data: &[u8]| {
    let report = validate_bytes("fuzz.yaml", data);
    let text = report.render_text();
    let errors = report.count(Severity::Error);
    assert_eq!(
        report.valid,
        errors == 0,
        "report.valid = {} but it has {errors} error(s)\n{text}",
        report.valid
    );
    if !report.valid {
        assert!(
            !text.is_empty(),
            "invalid report renders no text: {report:#?}"
        );
    }

    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = parse_crd_config(source) {
        let json = serde_json::to_string(&config).expect("CrdConfig serialises to JSON");
        match parse_crd_config(&json) {
            Ok(again) => assert!(
                again == config,
                "crd-config JSON round trip changed the value\n--- input ---\n{source}\n--- json ---\n{json}\n--- first ---\n{config:#?}\n--- again ---\n{again:#?}"
            ),
            Err(e) => panic!(
                "crd-config written as JSON does not parse again: {e:?}\n--- input ---\n{source}\n--- json ---\n{json}"
            ),
        }
    }
});
