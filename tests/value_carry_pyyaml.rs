//! One rule for provider `config` values (docs/contracts.md, "Values
//! carried into run.yaml"): what `validate`, `inject`, the policy and the
//! merge accept reaches run.yaml exactly — PyYAML (what llama-stack reads
//! run.yaml with) loads the same JSON value, types included — and what
//! cannot be carried is refused by the same rule everywhere.
//!
//! Generated JSON values (any Unicode scalar in strings and keys: C0 and C1
//! controls, DEL, NEL, U+2028/2029, BOM, non-characters; 64-bit integers;
//! finite floats; keys up to 200 characters) travel the deployment's path:
//! the LLSD entry as JSON (`PROVIDER_CRD_CONFIG`), `crd-config.yaml` read
//! by the merge, then run.yaml rendered standalone and merged into a base.

use std::io::Write;
use std::process::{Command, Stdio};

use llsd_providers::limits::MAX_CONFIG_KEY_CHARS;
use llsd_providers::merge::{ExternalProvider, merge, render_minimal_config};
use llsd_providers::pipeline::parse_crd_config;
use llsd_providers::validate::rules::config_value;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

mod common;

fn any_string(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        // Mostly the hostile characters, so that each case holds several.
        proptest::collection::vec(
            prop_oneof![
                prop::sample::select(vec![
                    '\0', '\u{1}', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{80}', '\u{85}',
                    '\u{9f}', '\u{a0}', '\u{2028}', '\u{2029}', '\u{feff}', '\u{fffe}', '\u{ffff}',
                    '"', '\\', '\'', ':', '#', '&', '*', '!', '|', '>', '%', '@', '`', '-', '?',
                    '{', '}', '[', ']', ',', ' ', '$', '~', '.', 'y', 'n', '0',
                ]),
                any::<char>(),
            ],
            0..max
        )
        .prop_map(|chars| chars.into_iter().collect()),
        // Words YAML 1.1 resolves to other types.
        prop::sample::select(vec![
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "null",
            "~",
            "",
            "=",
            "<<",
            ".inf",
            ".NaN",
            "1e3",
            "1_000",
            "0x1F",
            "0o17",
            "0777",
            "1:30",
            "2001-01-01",
            "---",
            "...",
            "-",
            "true",
        ])
        .prop_map(String::from),
    ]
}

fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        60 => any_string(12),
        1 => (150usize..200).prop_map(|n| "k".repeat(n)),
        1 => (150usize..200, any::<char>()).prop_map(|(n, c)| c.to_string().repeat(n)),
        // The longest escapes: `\uFFFE` and `\x01` for each character.
        1 => (150usize..170, prop::sample::select(vec!['\u{fffe}', '\u{1}', '\u{85}', '"']))
            .prop_map(|(n, c)| c.to_string().repeat(n)),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        any_string(24).prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((any_key(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn provider(config: Map<String, Value>) -> ExternalProvider {
    ExternalProvider {
        provider_id: "p".into(),
        provider_type: "remote::p".into(),
        module: "p_mod".into(),
        api: "inference".into(),
        config: Some(config),
        image: "r.io/p:1".into(),
    }
}

const BASE: &str = "version: 2\nproviders:\n  inference:\n  - provider_id: other\n    provider_type: remote::o\n    config: {}\n";

/// Loads every `text` with PyYAML and compares `config` with `expected`,
/// strictly (types included: `1` is not `1.0` nor `True`).
const CHECK: &str = r#"
import json, sys, yaml
def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b
cases = json.load(sys.stdin)
bad = 0
for i, case in enumerate(cases):
    try:
        doc = yaml.safe_load(case["text"])
        got = [p for p in doc["providers"]["inference"] if p["provider_id"] == "p"][0]["config"]
    except Exception as e:
        print(f"case {i}: PyYAML cannot load it: {e!r}\n{case['text'][:2000]!r}")
        bad += 1
        continue
    if not same(got, case["expected"]):
        print(f"case {i}: PyYAML reads {got!r}\nexpected {case['expected']!r}\n{case['text'][:2000]!r}")
        bad += 1
print(f"{len(cases)} documents, {bad} differ")
sys.exit(1 if bad else 0)
"#;

#[test]
fn accepted_configs_reach_run_yaml_exactly_and_the_rest_is_refused() {
    if !common::have(
        "accepted_configs_reach_run_yaml_exactly_and_the_rest_is_refused",
        &[common::Prerequisite::PyYaml],
    ) {
        return;
    }
    let cases: u32 = std::env::var("CARRY_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let mut runner = TestRunner::new(Config::default());
    let strategy = proptest::collection::vec((any_key(), any_json()), 0..6)
        .prop_map(|pairs| pairs.into_iter().collect::<Map<_, _>>());
    let (mut accepted, mut refused) = (0, 0);
    let mut documents = Vec::new();
    for _ in 0..cases {
        let config = strategy.new_tree(&mut runner).unwrap().current();
        let value = Value::Object(config.clone());
        let crd = json!({"providerId": "p", "api": "inference", "config": value}).to_string();
        let problems = config_value(&value, "config", 1);
        let read = parse_crd_config(&crd);
        if !problems.is_empty() {
            // Refused by the one rule: a key too long to carry, and the
            // merge refuses the same file.
            refused += 1;
            assert!(problems[0].1.problem.contains("characters"), "{problems:?}");
            assert!(read.is_err(), "the merge accepted what validate refuses");
            continue;
        }
        accepted += 1;
        let read = read.unwrap_or_else(|d| panic!("crd-config refused: {d:?}\n{crd}"));
        assert_eq!(read.config.as_ref(), Some(&config), "crd-config changed it");
        let providers = [provider(config.clone())];
        let merged = merge(BASE, &providers).unwrap_or_else(|e| panic!("{e}\n{value}"));
        for text in [render_minimal_config(&providers), merged.text] {
            documents.push(json!({"text": text, "expected": value}));
        }
    }
    assert!(
        accepted > cases / 2 && refused > 0,
        "{accepted} accepted, {refused} refused"
    );
    let mut child = Command::new(common::python())
        .arg("-c")
        .arg(CHECK)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&serde_json::to_vec(&documents).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    println!("{accepted} configs accepted, {refused} refused; {report}");
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    const { assert!(MAX_CONFIG_KEY_CHARS * 6 + 2 < 1024) };
}
