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
//!
//! Inputs starting with a shape byte (`0xF1`..`0xF4`) are first expanded
//! into the hostile shapes of issue #14, built from the rest of the bytes:
//! alias fan-out (nested anchors referenced many times), deep flow nesting,
//! control characters in config strings and keys, long keys. Extra
//! oracles: every input is judged within 5 s (the limits are checked while
//! scanning), fan-out over the alias limit and nesting over 128 levels are
//! refused, config strings survive crd-config exactly, and a config is
//! refused exactly when a key is over the key limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llsd_providers::diagnostic::Severity;
use llsd_providers::merge::{ExternalProvider, merge, render_minimal_config};
use llsd_providers::pipeline::parse_crd_config;
use llsd_providers::limits::MAX_CONFIG_KEY_CHARS;
use llsd_providers::validate::validate_bytes;
use llsd_providers::limits::{MAX_ALIAS_NODES, MAX_YAML_DEPTH as MAX_DEPTH};
use std::time::{Duration, Instant};

const HEAD: &str = "apiVersion: llamastack.io/v1alpha1\nkind: LlamaStackDistribution\nmetadata: {name: x}\n";

/// What a shape promises about the verdict.
enum Expect {
    Nothing,
    Refused(&'static str),
}

/// A double-quoted YAML scalar holding exactly `s`.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        out.push_str(&format!("\\U{:08X}", c as u32));
    }
    out.push('"');
    out
}

fn shape(data: &[u8]) -> Option<(Vec<u8>, Expect)> {
    let (&kind, rest) = data.split_first()?;
    let byte = |i: usize| rest.get(i).copied().unwrap_or(0) as usize;
    let payload = rest.get(4..).unwrap_or_default();
    let text = String::from_utf8_lossy(payload);
    match kind {
        0xF1 => {
            // Fan-out: `levels` anchors, each a list of `width` references
            // to the previous one, the last referenced `refs` times.
            let width = 1 + byte(0) % 64;
            let levels = 1 + byte(1) % 5;
            let refs = 1 + byte(2) * 16 + byte(3);
            let mut doc = format!("{HEAD}a0: &a0 [{}]\n", vec![quoted(&text); width].join(", "));
            let mut size: u64 = 1 + width as u64;
            for level in 1..levels {
                let items = vec![format!("*a{}", level - 1); width].join(", ");
                doc.push_str(&format!("a{level}: &a{level} [{items}]\n"));
                // Expanded nodes added by this level's aliases.
                size = 1 + width as u64 * size;
            }
            let refs_list = vec![format!("*a{}", levels - 1); refs].join(", ");
            doc.push_str(&format!("b: [{refs_list}]\n"));
            let mut expanded: u64 = 0;
            let mut each: u64 = 1 + width as u64;
            for _ in 1..levels {
                expanded += width as u64 * each;
                each = 1 + width as u64 * each;
            }
            expanded += refs as u64 * size;
            let expect = if expanded > MAX_ALIAS_NODES {
                Expect::Refused("alias bomb")
            } else {
                Expect::Nothing
            };
            Some((doc.into_bytes(), expect))
        }
        0xF2 => {
            // Deep flow nesting, mappings and sequences mixed by the bits
            // of the payload, closed or not.
            let depth = (byte(0) << 8 | byte(1)) % 60_000;
            let mut doc = format!("{HEAD}spec: ");
            for i in 0..depth {
                let bit = payload.get(i / 8).map_or(0, |b| b >> (i % 8) & 1);
                doc.push_str(if bit == 1 { "[" } else { "{k: " });
            }
            doc.push_str(&quoted(&text));
            if byte(2) % 2 == 0 {
                for i in (0..depth).rev() {
                    let bit = payload.get(i / 8).map_or(0, |b| b >> (i % 8) & 1);
                    doc.push(if bit == 1 { ']' } else { '}' });
                }
            }
            doc.push('\n');
            let expect = if depth + 1 > MAX_DEPTH {
                Expect::Refused("deeper than 128")
            } else {
                Expect::Nothing
            };
            Some((doc.into_bytes(), expect))
        }
        0xF3 | 0xF4 => {
            // Control characters (any char, escaped) or a long key, in an
            // LLSD entry's config and in crd-config.yaml.
            let key = if kind == 0xF4 {
                let c = text.chars().next().unwrap_or('k');
                c.to_string().repeat((byte(0) << 8 | byte(1)) % 2_000)
            } else {
                text.chars().take(40).collect()
            };
            let value: String = text.chars().skip(40).collect();
            let doc = format!(
                "{HEAD}spec:\n  server:\n    userConfig: {{configMapName: c}}\n    externalProviders:\n      inference:\n      - providerId: a\n        image: r.io/a:1\n        config:\n          ? {}\n          : {}\n",
                quoted(&key),
                quoted(&value)
            );
            let mut config = serde_json::Map::new();
            config.insert(key.clone(), serde_json::Value::String(value.clone()));
            let crd = serde_json::json!({"providerId": "a", "api": "inference", "config": config}).to_string();
            let too_long = key.chars().count() > MAX_CONFIG_KEY_CHARS;
            match parse_crd_config(&crd) {
                Ok(read) => {
                    assert!(!too_long, "a key of {} characters was accepted", key.chars().count());
                    assert_eq!(read.config.as_ref(), Some(&config), "crd-config changed the config");
                    let providers = [ExternalProvider {
                        provider_id: "a".into(),
                        provider_type: "remote::a".into(),
                        module: "a".into(),
                        api: "inference".into(),
                        config: Some(config),
                        image: "r.io/a:1".into(),
                    }];
                    let minimal = render_minimal_config(&providers);
                    merge(&minimal, &[]).expect("the rendered run.yaml parses");
                }
                Err(d) => assert!(too_long, "crd-config refused: {d:?}\n{crd}"),
            }
            let expect = if too_long {
                Expect::Refused("are allowed")
            } else {
                Expect::Nothing
            };
            Some((doc.into_bytes(), expect))
        }
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let started = Instant::now();
    let (shaped, expect) = match shape(data) {
        Some((bytes, expect)) => (Some(bytes), expect),
        None => (None, Expect::Nothing),
    };
    let data: &[u8] = shaped.as_deref().unwrap_or(data);
    let report = validate_bytes("fuzz.yaml", data);
    if let Expect::Refused(what) = expect {
        let text = report.render_text();
        // A shape larger than the input limit is refused for its size first.
        let refused = text.contains(what) || text.contains("byte limit");
        assert!(!report.valid && refused, "expected a refusal ({what}):\n{text}");
    }
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
    // ASan and a loaded machine included; unbounded inputs took minutes.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{} bytes took {:?}",
        data.len(),
        started.elapsed()
    );
});
