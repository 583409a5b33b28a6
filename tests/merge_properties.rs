//! Property tests: determinism, idempotence, and no base key path lost.

mod common;

use std::collections::BTreeSet;

use llsd_providers::merge::{ExternalProvider, merge};
use proptest::prelude::*;
use saphyr_parser::{Event, Parser};
use serde_json::{Map, Value};

/// Key paths of a YAML text (sequence items as `[]`), from the parser's
/// events; aliases are not expanded.
fn key_paths(src: &str) -> BTreeSet<String> {
    enum Frame {
        Map {
            path: String,
            expect_key: bool,
            key: String,
        },
        Seq {
            path: String,
        },
    }
    let mut out = BTreeSet::new();
    let mut stack: Vec<Frame> = Vec::new();
    let child_path = |stack: &mut Vec<Frame>| -> String {
        match stack.last_mut() {
            Some(Frame::Map {
                path,
                expect_key,
                key,
            }) => {
                *expect_key = true;
                format!("{path}/{key}")
            }
            Some(Frame::Seq { path }) => format!("{path}/[]"),
            None => String::new(),
        }
    };
    let mut parser = Parser::new_from_str(src);
    while let Some(Ok((ev, _))) = parser.next_event() {
        match ev {
            Event::Scalar(v, ..) => {
                if let Some(Frame::Map {
                    path,
                    expect_key: e @ true,
                    key,
                }) = stack.last_mut()
                {
                    *e = false;
                    *key = v.to_string();
                    out.insert(format!("{path}/{key}"));
                } else {
                    child_path(&mut stack);
                }
            }
            Event::Alias(_) => {
                child_path(&mut stack);
            }
            Event::MappingStart(..) => {
                let path = child_path(&mut stack);
                stack.push(Frame::Map {
                    path,
                    expect_key: true,
                    key: String::new(),
                });
            }
            Event::SequenceStart(..) => {
                let path = child_path(&mut stack);
                stack.push(Frame::Seq { path });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            _ => {}
        }
    }
    out
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(vec![
            "yes",
            "on",
            "0777",
            "1:30",
            "2001-01-01",
            "null",
            "",
            "~",
            "=",
            "<<",
            "- x",
            "a: b",
            "#",
            "é\n\u{2028}"
        ])
        .prop_map(|s| Value::String(s.to_string())),
        "\\PC{0,12}".prop_map(Value::String),
    ]
}

fn json_config() -> impl Strategy<Value = Option<Map<String, Value>>> {
    let value = json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,3}|on|yes|\\PC{0,4}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::option::of(
        prop::collection::btree_map("[a-z_]{1,6}|on|y", value, 0..4)
            .prop_map(|m| m.into_iter().collect()),
    )
}

fn providers() -> impl Strategy<Value = Vec<ExternalProvider>> {
    let ids = vec![
        "ollama",
        "vllm",
        "faiss",
        "llama-guard",
        "meta-reference",
        "ext-a",
        "ext-b",
        "tgi",
        "chromadb",
    ];
    let apis = vec![
        "inference",
        "safety",
        "vector_io",
        "telemetry",
        "external_api",
    ];
    prop::collection::vec(
        (
            prop::sample::select(ids),
            prop::sample::select(apis),
            json_config(),
        ),
        0..6,
    )
    .prop_map(|v| {
        let mut seen = BTreeSet::new();
        v.into_iter()
            .filter(|(id, _, _)| seen.insert(*id))
            .map(|(id, api, cfg)| common::provider(id, api, cfg))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn deterministic_idempotent_and_lossless(base_idx in 0usize..64, ps in providers()) {
        let bases = common::bases();
        prop_assume!(!bases.is_empty());
        let path = &bases[base_idx % bases.len()];
        let base = std::fs::read_to_string(path).unwrap();
        let first = merge(&base, &ps).unwrap();
        let second = merge(&base, &ps).unwrap();
        prop_assert_eq!(&first, &second);
        let again = merge(&first.text, &ps).unwrap();
        prop_assert_eq!(&again.text, &first.text);
        let before = key_paths(&base);
        let after = key_paths(&first.text);
        let edited: Vec<String> = ps.iter().map(|p| format!("/providers/{}/[]", p.api)).collect();
        for path in before.difference(&after) {
            prop_assert!(edited.iter().any(|e| path.starts_with(e.as_str())), "lost key path {path} in {}", path);
        }
    }
}

#[test]
fn key_paths_sees_nested_keys() {
    let paths = key_paths("a:\n  b: [ {c: 1} ]\n");
    assert!(paths.contains("/a/b/[]/c"));
}
