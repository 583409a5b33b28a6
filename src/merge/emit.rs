//! JSON values as YAML text, block or flow style, `\n` line breaks.
//! Recursion depth follows the JSON value, which serde_json caps at 128
//! levels when parsing.

use serde_json::Value;

use crate::merge::yaml11;

/// A value on one line, JSON-like flow style.
pub fn flow(v: &Value) -> String {
    let mut out = String::new();
    write_flow(v, &mut out);
    out
}

fn write_flow(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push('{');
            for (i, (k, val)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&yaml11::key(k));
                out.push_str(": ");
                write_flow(val, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, val) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(val, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar_text(scalar)),
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => yaml11::number(n),
        Value::String(s) => yaml11::scalar(s),
        Value::Array(_) | Value::Object(_) => flow(v),
    }
}

fn is_nonempty_collection(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

/// How multi-line strings are written: double-quoted with `\n` escapes
/// (the merge: one value per line keeps its splicing simple), or as
/// literal blocks where they can be (a document for people to read).
#[derive(Clone, Copy, PartialEq)]
enum Strings {
    Quoted,
    Literal,
}

/// `root` as a YAML document for reading: block style, multi-line
/// strings as literal blocks (`|`) when every line is printable.
pub fn document(root: &serde_json::Map<String, Value>) -> String {
    let mut out = String::new();
    mapping_lines(root.iter(), 0, Strings::Literal, &mut out);
    out
}

/// `items` as a YAML document whose root is a sequence, written as
/// [`document`] writes a mapping's values (`[]` when empty).
pub fn sequence_document(items: &[Value]) -> String {
    if items.is_empty() {
        return "[]\n".to_string();
    }
    let mut out = String::new();
    sequence_lines(items, 0, Strings::Literal, &mut out);
    out
}

/// Append the text after `key:` for `v`: ` scalar` on the same line, or
/// a line break and the block body. Sequences under a key are written
/// indentless (`- ` at the key's column), as llama-stack's own files.
pub fn write_value_after_key(v: &Value, key_indent: usize, out: &mut String) {
    value_after_key(v, key_indent, Strings::Quoted, out);
}

fn value_after_key(v: &Value, key_indent: usize, strings: Strings, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            mapping_lines(m.iter(), key_indent + 2, strings, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            sequence_lines(a, key_indent, strings, out);
        }
        other => {
            out.push(' ');
            scalar_in_block(other, key_indent + 2, strings, out);
        }
    }
}

/// A scalar in block context whose continuation lines (of a literal
/// block) sit at `indent`.
fn scalar_in_block(v: &Value, indent: usize, strings: Strings, out: &mut String) {
    if strings == Strings::Literal
        && let Value::String(s) = v
        && let Some(header) = literal_header(s)
    {
        out.push_str(header);
        for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
            out.push('\n');
            if !line.is_empty() {
                push_indent(indent, out);
                out.push_str(line);
            }
        }
        return;
    }
    out.push_str(&scalar_text(v));
}

/// The header of a literal block that reads back as exactly `s`: `|-`
/// without a final line break, `|` with one; `None` (double-quote it) for
/// a single line, more than one final break, a first line starting with a
/// space or empty (it would set the indentation) or a character a literal
/// block cannot carry (a control character, a byte order mark, a Unicode
/// line or paragraph separator, which YAML 1.1 reads as a line break).
fn literal_header(s: &str) -> Option<&'static str> {
    let body = s.strip_suffix('\n').unwrap_or(s);
    let printable = |c: char| c == '\n' || c == '\t' || yaml11::is_printable(c);
    if !body.contains('\n')
        || body.ends_with('\n')
        || body.starts_with(' ')
        || body.starts_with('\n')
        || !s.chars().all(printable)
        || s.contains(['\u{feff}', '\u{2028}', '\u{2029}'])
    {
        return None;
    }
    Some(if s.len() == body.len() { "|-" } else { "|" })
}

/// `key: value` lines at `indent`, each ending with `\n`.
fn mapping_lines<'a>(
    pairs: impl Iterator<Item = (&'a String, &'a Value)>,
    indent: usize,
    strings: Strings,
    out: &mut String,
) {
    for (k, v) in pairs {
        push_indent(indent, out);
        write_pair(k, v, indent, strings, out);
    }
}

/// `key: value` starting at the cursor (already indented to `indent`).
fn write_pair(k: &str, v: &Value, indent: usize, strings: Strings, out: &mut String) {
    out.push_str(&yaml11::key(k));
    out.push(':');
    value_after_key(v, indent, strings, out);
    if !is_nonempty_collection(v) {
        out.push('\n');
    }
}

/// `- item` lines with the dash at `indent`, each ending with `\n`.
fn sequence_lines(items: &[Value], indent: usize, strings: Strings, out: &mut String) {
    for item in items {
        push_indent(indent, out);
        out.push_str("- ");
        write_item_inline(item, indent + 2, strings, out);
    }
}

/// A sequence item whose first line continues after `- `; following
/// lines sit at `indent`.
fn write_item_inline(v: &Value, indent: usize, strings: Strings, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (i, (k, val)) in m.iter().enumerate() {
                if i > 0 {
                    push_indent(indent, out);
                }
                write_pair(k, val, indent, strings, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, val) in a.iter().enumerate() {
                if i > 0 {
                    push_indent(indent, out);
                }
                out.push_str("- ");
                write_item_inline(val, indent + 2, strings, out);
            }
        }
        other => {
            scalar_in_block(other, indent, strings, out);
            out.push('\n');
        }
    }
}

fn push_indent(n: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', n));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flow_quotes_unsafe_keys_and_values() {
        let v = json!({"on": "yes", "url": "http://vllm:8000", "n": [1, 2.5, null, true], "e": {}});
        assert_eq!(
            flow(&v),
            "{\"on\": \"yes\", url: http://vllm:8000, \"n\": [1, 2.5, null, true], e: {}}"
        );
    }

    #[test]
    fn block_nested_shapes() {
        let v = json!({"a": {"b": [1, {"c": "d", "e": []}, [2, 3]]}, "f": "0777"});
        let mut out = String::new();
        mapping_lines(v.as_object().unwrap().iter(), 2, Strings::Quoted, &mut out);
        assert_eq!(
            out,
            "  a:\n    b:\n    - 1\n    - c: d\n      e: []\n    - - 2\n      - 3\n  f: \"0777\"\n"
        );
    }

    #[test]
    fn a_document_writes_multi_line_strings_as_literal_blocks_that_read_back() {
        let v = json!({
            "script": "set -eu\nif [ -n \"$X\" ]; then\n  echo  'a: b' # no comment\nfi\n\n  indented\n",
            "no_final_break": "a\nb",
            "list": ["one\ntwo", {"k": "x\n\ty"}],
            "kept_quoted": ["single line", " lead\nx", "two breaks\n\n", "\nfirst empty", "cr\r\nx", "sep\u{2028}x", "0777", "yes"],
        });
        let text = document(v.as_object().unwrap());
        assert!(text.contains("script: |\n  set -eu\n"), "{text}");
        assert!(text.contains("no_final_break: |-\n  a\n  b\n"), "{text}");
        assert!(text.contains("- |-\n  one\n  two\n"), "{text}");
        assert!(text.contains("\" lead\\nx\""), "{text}");
        let back: Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(back, v, "{text}");
    }
}
