//! Walking an untyped JSON value while collecting every type error with its
//! field path, so that one pass reports all violations at once.

use crate::diagnostic::{Diagnostic, field};
use crate::json::mistyped;
use serde_json::{Map, Value};

/// Collects diagnostics while reading fields of an untyped document.
#[derive(Debug, Default)]
pub struct Collector {
    pub diagnostics: Vec<Diagnostic>,
}

impl Collector {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn error(&mut self, path: &str, problem: impl Into<String>, fix: impl Into<String>) {
        self.push(Diagnostic::error(path, problem, fix));
    }

    /// A field of the wrong type, in the one wording ([`mistyped`]).
    pub fn mistyped(&mut self, path: &str, expected: &str, found: &Value, fix: &str) {
        self.push(mistyped(path, expected, found, fix));
    }

    /// `value` as a mapping, or an error naming what it is instead.
    pub fn mapping<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.mistyped(
                    path,
                    "a mapping",
                    other,
                    &format!("write `{}` as `key: value` pairs", last_segment(path)),
                );
                None
            }
        }
    }

    /// `value` as a list, or an error. `null` (an empty YAML value) reads as an empty list.
    pub fn list<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v [Value]> {
        match value {
            Value::Array(items) => Some(items),
            Value::Null => Some(&[]),
            other => {
                self.mistyped(
                    path,
                    "a list",
                    other,
                    &format!(
                        "write `{}` as a YAML list of `- ` items",
                        last_segment(path)
                    ),
                );
                None
            }
        }
    }

    /// A required non-empty string field.
    pub fn required_string<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        key: &str,
        path: &str,
        what: &str,
    ) -> Option<&'v str> {
        match map.get(key) {
            None | Some(Value::Null) => {
                self.error(
                    &field(path, key),
                    format!("is required ({what})"),
                    format!("add `{key}: …`"),
                );
                None
            }
            Some(value) => self.non_empty_string(value, path, key, what),
        }
    }

    /// An optional string field: absent is fine, present must be a non-empty string.
    pub fn optional_string<'v>(
        &mut self,
        map: &'v Map<String, Value>,
        key: &str,
        path: &str,
        what: &str,
    ) -> Option<&'v str> {
        let value = map.get(key)?;
        self.non_empty_string(value, path, key, what)
    }

    /// `value`, the field `key` of the mapping at `path`, as a non-empty
    /// string (the field's path is built only for an error: this runs for
    /// every field of every admission).
    fn non_empty_string<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        key: &str,
        what: &str,
    ) -> Option<&'v str> {
        match value {
            Value::String(text) if !text.trim().is_empty() => Some(text),
            Value::String(_) => {
                self.error(&field(path, key), "is empty", format!("set it to {what}"));
                None
            }
            other => {
                self.mistyped(
                    &field(path, key),
                    "a string",
                    other,
                    &format!("set it to {what}; quote it if YAML reads it as another type"),
                );
                None
            }
        }
    }

    /// Checks `apiVersion` and `kind` of a document's root.
    pub fn header(&mut self, root: &Map<String, Value>, api_version: &str, kind: &str) {
        for (key, expected) in [("apiVersion", api_version), ("kind", kind)] {
            if let Some(found) = self.required_string(root, key, "", expected)
                && found != expected
            {
                self.error(
                    key,
                    format!("is '{found}', expected '{expected}'"),
                    format!("set `{key}: {expected}`"),
                );
            }
        }
    }

    /// Reports keys of `map` not in `known`, suggesting the closest known one.
    pub fn unknown_fields(&mut self, map: &Map<String, Value>, known: &[&str], path: &str) {
        for key in map.keys().filter(|key| !known.contains(&key.as_str())) {
            let fix = match closest(key, known) {
                Some(suggestion) => format!(
                    "did you mean `{suggestion}`? Known fields: {}",
                    known.join(", ")
                ),
                None => format!("remove it; known fields: {}", known.join(", ")),
            };
            self.error(&field(path, key), "is not a known field", fix);
        }
    }
}

/// The known name closest to `key`, when it is plausibly a typo of it
/// (case aside). The known names are ASCII: the project's own field, API and
/// option names.
pub fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    let key = ascii_lowercase(key);
    known
        .iter()
        .map(|candidate| {
            let distance = strsim::damerau_levenshtein(&key, &candidate.to_ascii_lowercase());
            (distance, *candidate)
        })
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 4))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `text` lowercased as [`str::to_lowercase`] lowercases it, as far as a
/// comparison with ASCII text can tell: ASCII letters, and the only two other
/// characters whose lowercase holds an ASCII letter, the Kelvin sign (`k`)
/// and `İ` (`i` and a combining dot). Every other character is kept: it
/// equals no ASCII character before or after lowercasing, and lowercases to
/// one character. `str::to_lowercase` would bring Unicode's lowercase table
/// (11 KB) into the playground's module for names that are ASCII.
pub(crate) fn ascii_lowercase(text: &str) -> String {
    let mut lower = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{212A}' => lower.push('k'),
            '\u{130}' => lower.push_str("i\u{307}"),
            c => lower.push(c.to_ascii_lowercase()),
        }
    }
    lower
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrong_types_are_named() {
        let mut c = Collector::default();
        assert!(c.mapping(&json!([1]), "spec").is_none());
        assert!(c.list(&json!("x"), "spec.list").is_none());
        assert_eq!(c.list(&Value::Null, "spec.list"), Some(&[][..]));
        assert_eq!(c.diagnostics[0].problem, "must be a mapping, found a list");
        assert_eq!(c.diagnostics[1].problem, "must be a list, found a string");
    }

    #[test]
    fn required_and_optional_strings() {
        let map = json!({"a": "x", "b": "", "c": 3})
            .as_object()
            .unwrap()
            .clone();
        let mut c = Collector::default();
        assert_eq!(c.required_string(&map, "a", "m", "a name"), Some("x"));
        assert_eq!(c.required_string(&map, "b", "m", "a name"), None);
        assert_eq!(c.required_string(&map, "c", "m", "a name"), None);
        assert_eq!(c.required_string(&map, "d", "m", "a name"), None);
        assert_eq!(c.optional_string(&map, "e", "m", "a name"), None);
        let paths: Vec<_> = c.diagnostics.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["m.b", "m.c", "m.d"]);
        assert_eq!(c.diagnostics[2].problem, "is required (a name)");
    }

    #[test]
    fn unknown_fields_suggest_the_closest_known_one() {
        let map = json!({"imagePullpolicy": "Always", "zzz": 1})
            .as_object()
            .unwrap()
            .clone();
        let mut c = Collector::default();
        c.unknown_fields(
            &map,
            &["providerId", "image", "imagePullPolicy", "config"],
            "p",
        );
        assert!(
            c.diagnostics[0]
                .fix
                .starts_with("did you mean `imagePullPolicy`?")
        );
        assert!(c.diagnostics[1].fix.starts_with("remove it"));
    }

    #[test]
    fn ascii_lowercase_compares_with_ascii_as_to_lowercase_does() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let text = format!("{c}A{c}");
            let (full, ours) = (text.to_lowercase(), ascii_lowercase(&text));
            assert_eq!(full.chars().count(), ours.chars().count(), "{c:?}");
            for (a, b) in full.chars().zip(ours.chars()) {
                assert!(
                    a == b || !(a.is_ascii() || b.is_ascii()),
                    "{c:?}: {a:?} {b:?}"
                );
            }
        }
    }
}
