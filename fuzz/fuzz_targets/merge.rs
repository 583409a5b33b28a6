//! Fuzz target `merge`: arbitrary base run.yaml + a small, *valid* provider
//! list into `llsd_providers::merge::merge`.
//!
//! Input layout: `control NUL base`. The bytes before the first NUL drive
//! the provider list (through `arbitrary::Unstructured`); the bytes after it
//! are the base run.yaml (non-UTF-8 replaced lossily). An input without a NUL
//! is all base, merged with one default provider (what an empty control
//! decodes to), so plain YAML files work as seeds as they are.
//!
//! Providers are built the way `assemble` hands them to the merge: ids are
//! unique DNS-1123 labels, `api` is a run.yaml key of `api::APIS`, types and
//! modules pass `validate::rules`, and the list is in CRD order. The merge
//! is entitled to assume all that, so the fuzzer never violates it.
//!
//! Oracles (any failure panics, which libFuzzer reports as a crash):
//! * no panic, no hang, no leak anywhere below;
//! * `MergeError::OutputInvalid` (the engine's own safety net) is never
//!   returned: it means the engine produced text that does not parse;
//! * when the merge succeeds:
//!   - (a) idempotence: merging the output again with the same providers
//!     succeeds and gives the same text;
//!   - (b) well-formed: `merge(&out, &[])` succeeds (our parser accepts it);
//! * `render_extra_providers` and `render_minimal_config` output parses
//!   with `merge(&text, &[])`, and merging the providers into their own
//!   minimal config changes nothing.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use llsd_providers::limits::MAX_CONFIG_KEY_CHARS;
use llsd_providers::api::{self, APIS};
use llsd_providers::merge::{
    ExternalProvider, MergeError, merge, render_extra_providers, render_minimal_config,
};
use llsd_providers::validate::rules;
use serde_json::{Map, Value};

/// Ids from the fixtures (so merges replace existing entries) and DNS
/// labels that YAML 1.1 or 1.2 would read as something other than a string.
const IDS: &[&str] = &[
    "ollama",
    "vllm",
    "faiss",
    "sqlite-vec",
    "llama-guard",
    "meta-reference",
    "sentence-transformers",
    "rag-runtime",
    "chromadb",
    "tgi",
    "ext-a",
    "ext-b",
    "y",
    "n",
    "on",
    "off",
    "yes",
    "no",
    "null",
    "true",
    "false",
    "nan",
    "inf",
    "0",
    "123",
    "0777",
    "0x1f",
    "0o17",
    "1e3",
    "1-2",
    "2001-01-01",
    "1-1-1",
];

const MODULES: &[&str] = &[
    "my_org.custom_vllm",
    "ext_a",
    "llama_stack_provider_x.provider",
    "_",
    "a.b.c.d",
    "yes",
    "on",
    "null",
];

/// Scalars that are hard to emit: YAML specials, indicators, line breaks.
const STRINGS: &[&str] = &[
    "",
    " ",
    "~",
    "null",
    "Null",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "true",
    "0777",
    "0o17",
    "0x1f",
    "1_000",
    "1:30",
    "190:20:30",
    "1e3",
    "1.0e+3",
    ".inf",
    "-.inf",
    ".NaN",
    "2001-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "=",
    "<<",
    "- x",
    "? x",
    "a: b",
    "a #b",
    "#",
    "&a",
    "*a",
    "!tag",
    "%x",
    "@x",
    "`x",
    "'",
    "\"",
    "\\",
    "[x]",
    "{x}",
    "x,y",
    "|",
    ">",
    "---",
    "...",
    "\t",
    "a\nb",
    "a\n",
    "\n",
    "\r\n",
    "é\u{2028}",
    "\u{85}",
    "\u{feff}x",
    "\u{0}",
    "\u{7f}",
    "\u{1b}[0m",
    "${env.FOO:=bar}",
    "${env.FOO:+}",
];

fn pick<'a>(u: &mut Unstructured, from: &[&'a str]) -> Result<&'a str> {
    Ok(*u.choose(from)?)
}

/// Bytes mapped onto `alphabet`, `min..=max` of them.
fn word(u: &mut Unstructured, alphabet: &[u8], min: usize, max: usize) -> Result<String> {
    let len = u.int_in_range(min..=max)?;
    let mut out = String::with_capacity(len);
    for _ in 0..len {
        let b = u.arbitrary::<u8>()?;
        out.push(alphabet[b as usize % alphabet.len()] as char);
    }
    Ok(out)
}

const DNS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-";
const IDENT: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.";
const TYPE_NAME: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_-.:";

fn provider_id(u: &mut Unstructured) -> Result<String> {
    if u.ratio(2, 3)? {
        return Ok(pick(u, IDS)?.to_string());
    }
    let id = word(u, DNS, 1, 16)?;
    Ok(if rules::provider_id(&id).is_ok() {
        id
    } else {
        pick(u, IDS)?.to_string()
    })
}

fn provider_type(u: &mut Unstructured, id: &str) -> Result<String> {
    let kind = if u.arbitrary::<bool>()? {
        "remote"
    } else {
        "inline"
    };
    let t = match u.int_in_range(0..=2)? {
        0 => format!("{kind}::{id}"),
        1 => format!("{kind}::{}", word(u, TYPE_NAME, 1, 12)?),
        _ => format!("{kind}::hf::endpoint"),
    };
    Ok(if rules::provider_type(&t).is_ok() {
        t
    } else {
        format!("{kind}::{id}")
    })
}

fn module(u: &mut Unstructured, id: &str) -> Result<String> {
    let m = if u.arbitrary::<bool>()? {
        pick(u, MODULES)?.to_string()
    } else {
        word(u, IDENT, 1, 16)?
    };
    Ok(if rules::python_module(&m).is_ok() {
        m
    } else {
        format!("ext_{}", id.replace('-', "_"))
    })
}

fn string(u: &mut Unstructured) -> Result<String> {
    Ok(match u.int_in_range(0..=7)? {
        0..=3 => pick(u, STRINGS)?.to_string(),
        // A long key or value, up to the config key limit (issue #14),
        // of one character (controls and escapes included).
        4 => {
            let c: char = u.arbitrary()?;
            let n = u.int_in_range(100..=MAX_CONFIG_KEY_CHARS)?;
            c.to_string().repeat(n)
        }
        _ => {
            let s: &str = u.arbitrary()?;
            s.chars().take(24).collect()
        }
    })
}

/// Hostile base shapes (issue #14), when the base starts with a shape
/// byte: alias fan-out (the merge never expands aliases) and deep flow
/// nesting (refused past 1024 levels while parsing).
fn shaped_base(base: &[u8]) -> Option<String> {
    let (&kind, rest) = base.split_first()?;
    let byte = |i: usize| rest.get(i).copied().unwrap_or(0) as usize;
    match kind {
        0xF1 => {
            let width = 1 + (byte(0) << 8 | byte(1)) % 10_000;
            let refs = 1 + (byte(2) << 8 | byte(3)) % 20_000;
            Some(format!(
                "version: 2\na: &a [{}]\nb: [{}]\nproviders: {{}}\n",
                vec!["x"; width].join(","),
                vec!["*a"; refs].join(",")
            ))
        }
        0xF2 => {
            let depth = (byte(0) << 8 | byte(1)) % 60_000;
            Some(format!(
                "version: 2\nx: {}y{}\n",
                "{a: ".repeat(depth),
                "}".repeat(depth)
            ))
        }
        _ => None,
    }
}

fn json(u: &mut Unstructured, depth: u32) -> Result<Value> {
    let max = if depth == 0 { 4 } else { 6 };
    Ok(match u.int_in_range(0..=max)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => {
            let f: f64 = u.arbitrary()?;
            // serde_json has no NaN/inf: Value::from gives null for them.
            Value::from(f)
        }
        4 => Value::String(string(u)?),
        5 => {
            let n = u.int_in_range(0..=3)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(json(u, depth - 1)?);
            }
            Value::Array(items)
        }
        _ => Value::Object(object(u, depth - 1)?),
    })
}

fn object(u: &mut Unstructured, depth: u32) -> Result<Map<String, Value>> {
    let n = u.int_in_range(0..=3)?;
    let mut map = Map::new();
    for _ in 0..n {
        let key = string(u)?;
        let value = json(u, depth)?;
        map.insert(key, value);
    }
    Ok(map)
}

/// 1 to 4 valid providers with unique ids, in CRD order.
fn providers(u: &mut Unstructured) -> Result<Vec<ExternalProvider>> {
    let n = u.int_in_range(1..=4)?;
    let mut out: Vec<ExternalProvider> = Vec::with_capacity(n);
    for _ in 0..n {
        let provider_id = provider_id(u)?;
        if out.iter().any(|p| p.provider_id == provider_id) {
            continue;
        }
        let api = u.choose(APIS)?.run_yaml_key.to_string();
        let provider_type = provider_type(u, &provider_id)?;
        let module = module(u, &provider_id)?;
        let config = if u.arbitrary::<bool>()? {
            Some(object(u, 2)?)
        } else {
            None
        };
        let image = string(u)?;
        out.push(ExternalProvider {
            provider_id,
            provider_type,
            module,
            api,
            config,
            image,
        });
    }
    let section = |p: &ExternalProvider| {
        api::by_run_yaml_key(&p.api)
            .map(api::section_index)
            .unwrap_or(usize::MAX)
    };
    out.sort_by_key(section);
    Ok(out)
}

/// `text` must be accepted by our own parser.
fn assert_parses(what: &str, text: &str, ps: &[ExternalProvider]) {
    if let Err(e) = merge(text, &[]) {
        panic!(
            "{what} does not parse again: {e}\n--- {what} ---\n{text}\n--- providers ---\n{ps:#?}"
        );
    }
}

fn check(base: &str, ps: &[ExternalProvider]) {
    match merge(base, ps) {
        Err(e @ MergeError::OutputInvalid { .. }) => {
            panic!("safety net tripped: {e}\n--- base ---\n{base}\n--- providers ---\n{ps:#?}")
        }
        Err(_) => {}
        Ok(first) => {
            assert_parses("merged output", &first.text, ps);
            match merge(&first.text, ps) {
                Ok(second) => assert!(
                    second.text == first.text,
                    "merge is not idempotent\n--- base ---\n{base}\n--- first ---\n{}\n--- second ---\n{}\n--- providers ---\n{ps:#?}",
                    first.text,
                    second.text
                ),
                Err(e) => panic!(
                    "merging the output again fails: {e}\n--- base ---\n{base}\n--- first ---\n{}\n--- providers ---\n{ps:#?}",
                    first.text
                ),
            }
        }
    }
}

fn check_renderers(ps: &[ExternalProvider]) {
    let extra = render_extra_providers(ps);
    assert_parses("render_extra_providers", &extra, ps);
    let minimal = render_minimal_config(ps);
    assert_parses("render_minimal_config", &minimal, ps);
    match merge(&minimal, ps) {
        Ok(m) => assert!(
            m.text == minimal,
            "merging providers into their own minimal config changed it\n--- minimal ---\n{minimal}\n--- merged ---\n{}\n--- providers ---\n{ps:#?}",
            m.text
        ),
        Err(e) => panic!(
            "merging providers into their own minimal config fails: {e}\n--- minimal ---\n{minimal}\n--- providers ---\n{ps:#?}"
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    let (control, base) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&[][..], data),
    };
    let mut u = Unstructured::new(control);
    let Ok(ps) = providers(&mut u) else {
        return;
    };
    let started = std::time::Instant::now();
    let base = match shaped_base(base) {
        Some(text) => std::borrow::Cow::Owned(text),
        None => String::from_utf8_lossy(base),
    };
    check(&base, &ps);
    check_renderers(&ps);
    // ASan and a loaded machine included.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{} bytes took {:?}",
        base.len(),
        started.elapsed()
    );
});
