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

/// Append the text after `key:` for `v`: ` scalar` on the same line, or
/// a line break and the block body. Sequences under a key are written
/// indentless (`- ` at the key's column), as llama-stack's own files.
pub fn write_value_after_key(v: &Value, key_indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            write_mapping_lines(m.iter(), key_indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            write_sequence_lines(a, key_indent, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar_text(other));
        }
    }
}

/// `key: value` lines at `indent`, each ending with `\n`.
pub fn write_mapping_lines<'a>(
    pairs: impl Iterator<Item = (&'a String, &'a Value)>,
    indent: usize,
    out: &mut String,
) {
    for (k, v) in pairs {
        push_indent(indent, out);
        write_pair(k, v, indent, out);
    }
}

/// `key: value` starting at the cursor (already indented to `indent`).
fn write_pair(k: &str, v: &Value, indent: usize, out: &mut String) {
    out.push_str(&yaml11::key(k));
    out.push(':');
    write_value_after_key(v, indent, out);
    if !is_nonempty_collection(v) {
        out.push('\n');
    }
}

/// `- item` lines with the dash at `indent`, each ending with `\n`.
pub fn write_sequence_lines(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        push_indent(indent, out);
        out.push_str("- ");
        write_item_inline(item, indent + 2, out);
    }
}

/// A sequence item whose first line continues after `- `; following
/// lines sit at `indent`.
fn write_item_inline(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (i, (k, val)) in m.iter().enumerate() {
                if i > 0 {
                    push_indent(indent, out);
                }
                write_pair(k, val, indent, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, val) in a.iter().enumerate() {
                if i > 0 {
                    push_indent(indent, out);
                }
                out.push_str("- ");
                write_item_inline(val, indent + 2, out);
            }
        }
        other => {
            out.push_str(&scalar_text(other));
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
        write_mapping_lines(v.as_object().unwrap().iter(), 2, &mut out);
        assert_eq!(
            out,
            "  a:\n    b:\n    - 1\n    - c: d\n      e: []\n    - - 2\n      - 3\n  f: \"0777\"\n"
        );
    }
}
