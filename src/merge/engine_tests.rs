//! Unit tests of the merge, one trap each.

use super::*;
use serde_json::json;

fn ext(id: &str, api: &str) -> ExternalProvider {
    ExternalProvider {
        provider_id: id.into(),
        provider_type: format!("remote::{id}"),
        module: format!("mod_{id}"),
        api: api.into(),
        config: None,
        image: format!("img/{id}"),
    }
}

fn text(base: &str, ps: &[ExternalProvider]) -> String {
    match merge(base, ps) {
        Ok(m) => m.text,
        Err(e) => panic!("merge failed: {e}"),
    }
}

#[test]
fn appends_to_block_section_keeping_comments() {
    let base = "version: 2\nproviders:\n  inference: # c1\n  - provider_id: a # c2\n    provider_type: x\n  safety: []\n";
    assert_eq!(
        text(base, &[ext("b", "inference")]),
        "version: 2\nproviders:\n  inference: # c1\n  - provider_id: a # c2\n    provider_type: x\n  - provider_id: b\n    provider_type: remote::b\n    module: mod_b\n  safety: []\n"
    );
}

#[test]
fn replaces_same_id_and_warns() {
    let base = "providers:\n  inference:\n  - provider_id: a\n    # inner comment\n    provider_type: old\n  - provider_id: z\n";
    let m = merge(base, &[ext("a", "inference")]).unwrap();
    assert_eq!(
        m.text,
        "providers:\n  inference:\n  - provider_id: z\n  - provider_id: a\n    provider_type: remote::a\n    module: mod_a\n"
    );
    assert!(m.events.contains(&MergeEvent::ProviderReplaced {
        api: "inference".into(),
        id: "a".into(),
        base_type: "old".into(),
        external_type: "remote::a".into(),
    }));
}

#[test]
fn env_template_id_is_replaced_bare_is_kept() {
    let base = "providers:\n  inference:\n  - provider_id: ${env.OLLAMA_URL:+ollama}\n    provider_type: remote::ollama\n  - provider_id: ${env.OTHER}\n";
    let m = merge(base, &[ext("ollama", "inference")]).unwrap();
    assert!(!m.text.contains("OLLAMA_URL"));
    assert!(m.text.contains("${env.OTHER}"));
    assert!(
        m.events
            .iter()
            .any(|e| matches!(e, MergeEvent::TemplateIdMatched { .. }))
    );
    assert!(
        m.events
            .iter()
            .any(|e| matches!(e, MergeEvent::UnconstrainedBaseId { .. }))
    );
}

#[test]
fn creates_missing_section_in_siblings_style() {
    let base = "providers:\n    inference:\n      - provider_id: a\napis:\n- inference\n";
    assert_eq!(
        text(base, &[ext("v", "vector_io")]),
        "providers:\n    inference:\n      - provider_id: a\n    vector_io:\n      - provider_id: v\n        provider_type: remote::v\n        module: mod_v\napis:\n- inference\n- vector_io\n"
    );
}

#[test]
fn creates_missing_providers_key() {
    assert_eq!(
        text("version: 2\n", &[ext("a", "inference")]),
        "version: 2\nproviders:\n  inference:\n  - provider_id: a\n    provider_type: remote::a\n    module: mod_a\n"
    );
}

#[test]
fn empty_values_are_filled() {
    assert_eq!(
        text(
            "providers:\n  inference: # none yet\nx: 1\n",
            &[ext("a", "inference")]
        ),
        "providers:\n  inference: # none yet\n  - provider_id: a\n    provider_type: remote::a\n    module: mod_a\nx: 1\n"
    );
    assert_eq!(
        text("providers: ~\n", &[ext("a", "inference")]),
        "providers: \n  inference:\n  - provider_id: a\n    provider_type: remote::a\n    module: mod_a\n"
    );
}

#[test]
fn flow_sections_get_flow_entries() {
    assert_eq!(
        text("providers:\n  inference: []\n", &[ext("a", "inference")]),
        "providers:\n  inference: [{provider_id: a, provider_type: remote::a, module: mod_a}]\n"
    );
    assert_eq!(
        text(
            "providers: {inference: [{provider_id: a}, {provider_id: b}]}\n",
            &[ext("a", "inference"), ext("s", "safety")]
        ),
        "providers: {inference: [{provider_id: b}, {provider_id: a, provider_type: remote::a, module: mod_a}], safety: [{provider_id: s, provider_type: remote::s, module: mod_s}]}\n"
    );
}

#[test]
fn crlf_bom_markers_and_no_final_newline() {
    let base = "\u{feff}---\r\nproviders:\r\n  inference:\r\n  - provider_id: a\r\n...\r\n";
    assert_eq!(
        text(base, &[ext("b", "inference")]),
        "\u{feff}---\r\nproviders:\r\n  inference:\r\n  - provider_id: a\r\n  - provider_id: b\r\n    provider_type: remote::b\r\n    module: mod_b\r\n...\r\n"
    );
    let base = "providers:\n  inference:\n  - provider_id: a";
    assert_eq!(
        text(base, &[ext("a", "inference")]),
        "providers:\n  inference:\n  - provider_id: a\n    provider_type: remote::a\n    module: mod_a"
    );
}

#[test]
fn config_values_are_quoted_for_pyyaml() {
    let mut p = ext("a", "inference");
    p.config = json!({"on": "yes", "mode": "0777", "t": "1:30", "f": 1e20})
        .as_object()
        .cloned();
    let out = text("providers: {}\n", &[p]);
    assert!(
        out.contains("config: {\"on\": \"yes\", mode: \"0777\", t: \"1:30\", f: 1.0e+20}"),
        "{out}"
    );
}

#[test]
fn same_id_in_other_api_is_reported() {
    let base = "providers:\n  safety:\n  - provider_id: a\n";
    let m = merge(base, &[ext("a", "inference")]).unwrap();
    assert!(m.text.contains("  safety:\n  - provider_id: a\n"));
    assert!(m.events.contains(&MergeEvent::SameIdInOtherApi {
        id: "a".into(),
        api: "inference".into(),
        other_api: "safety".into(),
    }));
}

#[test]
fn anchored_removed_entry_moves_to_alias() {
    let base = "providers:\n  inference:\n  - provider_id: a\n    config: &cfg\n      url: x\n      n: 1\nother:\n  c: *cfg\n  d: *cfg\n";
    assert_eq!(
        text(base, &[ext("a", "inference")]),
        "providers:\n  inference:\n  - provider_id: a\n    provider_type: remote::a\n    module: mod_a\nother:\n  c: &cfg\n    url: x\n    n: 1\n  d: *cfg\n"
    );
    let base = "providers:\n  inference:\n  - provider_id: a\n    config: {url: &u http://x}\nother: [*u]\n";
    assert!(text(base, &[ext("a", "inference")]).ends_with("other: [&u http://x]\n"));
}

#[test]
fn anchor_block_into_flow_alias_is_an_error() {
    let base = "providers:\n  inference:\n  - provider_id: a\n    config: &cfg\n      url: x\nother: [*cfg]\n";
    assert!(matches!(
        merge(base, &[ext("a", "inference")]),
        Err(MergeError::AnchorRelocation { line: 4, .. })
    ));
}

#[test]
fn structural_errors_have_positions() {
    let p = [ext("a", "inference")];
    assert!(matches!(
        merge("providers: [1]\n", &p),
        Err(MergeError::ProvidersNotMapping {
            line: 1,
            column: 12,
            ..
        })
    ));
    assert!(matches!(
        merge("providers:\n  inference: {a: 1}\n", &p),
        Err(MergeError::SectionNotSequence { line: 2, .. })
    ));
    assert!(matches!(
        merge("- a\n", &p),
        Err(MergeError::RootNotMapping { .. })
    ));
    assert!(matches!(
        merge("a: [\n", &p),
        Err(MergeError::InvalidYaml { .. })
    ));
    assert!(matches!(
        merge("providers:\n  inference: []\n  inference: []\n", &p),
        Err(MergeError::DuplicateKey { line: 3, .. })
    ));
}

#[test]
fn alias_bomb_is_cheap() {
    let mut base = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..40 {
        let prev = i - 1;
        base.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
    }
    let m = merge(&base, &[ext("a", "inference")]).unwrap();
    assert!(m.text.starts_with(&base));
}

#[test]
fn idempotent_on_simple_base() {
    let ps = [ext("a", "inference"), ext("b", "vector_io")];
    let once = text(
        "apis: [inference]\nproviders:\n  inference:\n  - provider_id: a\n",
        &ps,
    );
    assert_eq!(text(&once, &ps), once);
}

#[test]
fn consecutive_removals_at_end_without_final_newline() {
    let ps = [ext("a", "inference"), ext("b", "inference")];
    let base = "providers:\n  inference:\n  - provider_id: a\n  - provider_id: b";
    let out = text(base, &ps);
    assert_eq!(
        out,
        "providers:\n  inference:\n  - provider_id: a\n    provider_type: remote::a\n    module: mod_a\n  - provider_id: b\n    provider_type: remote::b\n    module: mod_b"
    );
    assert_eq!(text(&out, &ps), out);
}

#[test]
fn no_providers_leaves_text_untouched_but_still_validates() {
    assert_eq!(text("a: 1 # c\n", &[]), "a: 1 # c\n");
    assert!(merge("a: [", &[]).is_err());
}

#[test]
fn bom_before_a_root_on_line_one_keeps_columns() {
    // Found by the `merge` fuzz target: the BOM counted as a column, so
    // created keys were indented by one and the output did not parse.
    for base in [
        "\u{feff}version: 2\nimage_name: starter\napis:\n- inference\n",
        "\u{feff}image_name: x\nenv:\n",
        "\u{feff}providers:\n  safety: []\n",
    ] {
        let out = text(base, &[ext("a", "inference")]);
        assert!(out.starts_with('\u{feff}'), "{out:?}");
        assert!(
            out.contains("\nproviders:\n") || out.contains("\u{feff}providers:\n"),
            "{out:?}"
        );
        crate::yaml_tree::validate(&out).unwrap();
    }
}
