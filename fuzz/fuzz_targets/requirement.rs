//! Fuzz target `requirement`: arbitrary text as a `Requires-Dist` value, into
//! the one requirement reader the install step and check-image share
//! (`wheel::parse_requirement`, and `wheel::parse_metadata` around it), and
//! the marker evaluation both run (issue #24 items 2 and 3).
//!
//! Oracles (any failure panics, which libFuzzer reports as a crash):
//! * no panic, no stack overflow;
//! * reading one requirement never holds more than 32 MiB at once (a
//!   counting allocator measures the peak): the bounds on length, marker
//!   terms and nesting are checked before pep508_rs parses, because its
//!   marker algebra costs memory quadratic in the terms;
//! * text over `MAX_REQUIREMENT_BYTES` is refused, naming the bound;
//! * an accepted requirement, written back, parses to the same requirement;
//! * `parse_metadata` accepts a METADATA with it exactly when
//!   `parse_requirement` accepts it; as `Requires-Python` it is read
//!   without a panic, within the same memory.
//!
//! Inputs starting with a shape byte (`0xF1`..`0xF5`) are first expanded
//! into the hostile shapes of issue #24 (long `or` chains, with and without
//! spaces, deep parentheses, long specifier lists, `and` chains over every
//! marker variable), their length taken from the next two bytes and the
//! rest of the input spliced in.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llsd_providers::limits::MAX_REQUIREMENT_BYTES;
use llsd_providers::wheel::{parse_metadata, parse_requirement};
use llsd_providers::image_check::python::{Platform, TargetPython};
use pep508_rs::Requirement;
use std::alloc::{GlobalAlloc, Layout, System};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size > layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MAX_PEAK_BYTES: usize = 32 << 20;

/// Runs `f` and returns its result with the peak of bytes it held at once.
fn measured<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let value = f();
    (value, PEAK.load(Ordering::Relaxed) - before)
}

const VARIABLES: &[&str] = &[
    "python_version",
    "python_full_version",
    "os_name",
    "sys_platform",
    "platform_machine",
    "platform_release",
    "implementation_name",
    "extra",
];

fn shape(data: &[u8]) -> Option<String> {
    let (&kind, rest) = data.split_first()?;
    if !(0xF1..=0xF5).contains(&kind) || rest.len() < 2 {
        return None;
    }
    let n = usize::from(u16::from_le_bytes([rest[0], rest[1]])) % 2048;
    let splice = String::from_utf8_lossy(&rest[2..]);
    let text = match kind {
        0xF1 => {
            let terms: Vec<String> = (0..n).map(|i| format!("extra==\"e{i}\"")).collect();
            format!("x;{}{splice}", terms.join("or "))
        }
        0xF2 => {
            let terms: Vec<String> = (0..n).map(|i| format!("extra == 'e{i}'")).collect();
            format!("x; {}{splice}", terms.join(" or "))
        }
        0xF3 => format!(
            "x; {}python_version > '3'{splice}{}",
            "(".repeat(n),
            ")".repeat(n)
        ),
        0xF4 => {
            let specs: Vec<String> = (0..n).map(|i| format!("!=1.{i}")).collect();
            format!("x>=1,{}{splice}", specs.join(","))
        }
        _ => {
            let terms: Vec<String> = (0..n)
                .map(|i| format!("{} >= '{i}'", VARIABLES[i % VARIABLES.len()]))
                .collect();
            format!("x ; {}{splice}", terms.join(" and "))
        }
    };
    Some(text)
}

fuzz_target!(|data: &[u8]| {
    let text = shape(data).unwrap_or_else(|| String::from_utf8_lossy(data).into_owned());
    let text = text.as_str();
    if text.contains(['\n', '\r']) {
        // one header line of METADATA; continuation lines are joined first
        return;
    }
    let (parsed, peak) = measured(|| parse_requirement(text));
    assert!(
        peak <= MAX_PEAK_BYTES,
        "reading a {}-byte requirement held {peak} bytes at once: {:?}",
        text.len(),
        &text[..text.len().min(200)]
    );
    if text.len() > MAX_REQUIREMENT_BYTES {
        let error = parsed.as_ref().unwrap_err();
        assert!(error.contains("bytes long"), "{error}");
    }
    let metadata = format!("Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Dist: {text}\n");
    let (from_metadata, peak) = measured(|| parse_metadata(&metadata));
    assert!(peak <= MAX_PEAK_BYTES, "METADATA held {peak} bytes at once");
    match (&parsed, &from_metadata) {
        (Ok(requirement), Ok(metadata)) => {
            let trimmed = parse_requirement(text.trim()).unwrap();
            assert_eq!(metadata.requires_dist, [trimmed]);
            let environment = TargetPython { minor: 12 }.markers(Platform::LinuxAmd64);
            let (_, peak) = measured(|| {
                requirement.evaluate_markers(&environment, &[]);
                requirement.evaluate_markers(&environment, &["e1".parse().unwrap()]);
            });
            assert!(peak <= MAX_PEAK_BYTES, "evaluating held {peak} bytes at once");
            let written = requirement.to_string();
            let again = Requirement::from_str(&written)
                .unwrap_or_else(|err| panic!("{text:?} written as {written:?} does not parse: {err}"));
            assert_eq!(&again, requirement, "{text:?} written as {written:?}");
        }
        (Err(_), Err(_)) => {}
        // METADATA trims the value; a requirement with outer blanks may differ
        _ if text.trim() != text => {}
        (a, b) => panic!("parse_requirement and parse_metadata disagree on {text:?}: {a:?} / {b:?}"),
    }
    // the same text as Requires-Python (pep440_rs behind parse_metadata)
    let metadata = format!("Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Python: {text}\n");
    let (_, peak) = measured(|| parse_metadata(&metadata));
    assert!(peak <= MAX_PEAK_BYTES, "Requires-Python held {peak} bytes at once");
});
