//! Hostile bases: deep nesting on a 2 MiB stack, alias bombs, large
//! files, tabs, broken YAML. Errors come back as values with positions.

mod common;

use std::time::{Duration, Instant};

use llsd_providers::merge::{MergeError, merge};

fn one() -> Vec<llsd_providers::merge::ExternalProvider> {
    vec![common::provider("ext", "inference", None)]
}

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .and_then(|h| {
            h.join()
                .map_err(|_| std::io::Error::other("thread panicked"))
        })
        .unwrap()
}

#[test]
fn ten_thousand_deep_nesting_is_an_error_not_an_overflow() {
    let results = on_small_stack(|| {
        let flow = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let block: String = (0..10_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        let mixed = format!(
            "providers:\n  inference: {}{}\n",
            "{a: ".repeat(10_000),
            "}".repeat(10_000)
        );
        [
            merge(&flow, &one()),
            merge(&block, &one()),
            merge(&mixed, &one()),
        ]
    });
    for r in results {
        match r {
            Err(MergeError::TooDeep { line, .. } | MergeError::InvalidYaml { line, .. }) => {
                assert!(line >= 1)
            }
            other => panic!("expected a depth error, got {other:?}"),
        }
    }
}

#[test]
fn billion_laughs_is_not_expanded() {
    let mut base = String::from("lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..60 {
        let p = i - 1;
        base.push_str(&format!(
            "lol{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
        ));
    }
    let start = Instant::now();
    let merged = merge(&base, &one()).unwrap();
    assert!(merged.text.starts_with(&base));
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn a_megabyte_base_with_200_providers_is_fast() {
    let mut base =
        String::from("version: 2\nimage_name: big\napis:\n- inference\nproviders:\n  inference:\n");
    let mut i = 0;
    while base.len() < 1 << 20 {
        base.push_str(&format!(
            "  - provider_id: p{i}\n    provider_type: remote::x  # c\n    config: {{url: 'http://h:{i}', list: [a, b]}}\n"
        ));
        i += 1;
    }
    let ps: Vec<_> = (0..200)
        .map(|j| common::provider(&format!("p{}", j * 7), ["inference", "safety"][j % 2], None))
        .collect();
    let start = Instant::now();
    let merged = merge(&base, &ps).unwrap();
    // Debug build bound; release takes ~60 ms (examples/bench.rs).
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(merged.events.len() >= 200);
}

#[test]
fn broken_inputs_are_errors_with_positions() {
    let cases: &[(&str, usize)] = &[
        ("providers:\n\tinference: []\n", 2),
        ("providers:\n  inference: [\n", 3),
        ("a: 'unterminated\n", 1),
        ("a: b: c\n", 1),
        ("providers:\n  inference: *missing\n", 2),
        ("a: 1\n---\nb: 2\n", 2),
    ];
    for (base, want_line) in cases {
        match merge(base, &one()) {
            Err(MergeError::InvalidYaml { line, column, .. })
            | Err(MergeError::MultipleDocuments { line, column }) => {
                assert_eq!(line, *want_line, "{base:?}");
                assert!(column >= 1);
            }
            other => panic!("{base:?}: {other:?}"),
        }
    }
}

#[test]
fn shared_or_odd_targets_are_refused() {
    let cases = [
        "x: &s []\nproviders:\n  inference: *s\n",
        "providers:\n  inference: &s []\nother: *s\n",
        "providers:\n  inference: !!seq\n",
        "providers: {}\nproviders: {}\n",
        "providers:\n  inference:\n  - provider_id: a\n    provider_id: b\n",
        "providers:\n  inference: text\n",
        "[1]\n",
        "",
        "# only comments\n",
    ];
    for base in cases {
        let err = merge(base, &one()).expect_err(base);
        assert!(!err.to_string().is_empty());
    }
}
