//! What a scalar reads as: the YAML 1.2 core schema as user documents
//! have always been read (serde_yaml 0.9's rules, kept exactly).
//!
//! An untagged plain scalar is null when empty, `~`, `null`, `Null` or
//! `NULL`; a boolean when `true`/`True`/`TRUE`/`false`/`False`/`FALSE`
//! (YAML 1.1's `yes`, `no`, `on`, `off`, `y`, `n` stay strings); an
//! integer in decimal, `0x`, `0o` or `0b` (a leading zero makes a string:
//! `0777`); a float as Rust parses it, or `.inf`/`.nan`; else a string.
//! Quoted and block scalars are strings. The core tags `!!bool`, `!!int`,
//! `!!float` and `!!null` demand their type, any other `!!` or global tag
//! reads a string, and a local tag (`!x`) wraps the value it tags as
//! `{"!x": value}`, read as if untagged.

use saphyr_parser::{ScalarStyle, Tag};
use serde_json::{Number, Value};
use std::num::ParseIntError;

/// The prefix `!!` stands for.
const CORE: &str = "tag:yaml.org,2002:";

/// How a node's tag changes its reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tagging {
    /// No tag: plain scalars are resolved.
    Untagged,
    /// `!!bool`, `!!int`, `!!float` or `!!null`: the scalar must be of that
    /// type.
    Typed(Type),
    /// Any other `!!` tag or a global one: a scalar is a string, a
    /// collection is read as untagged.
    Opaque,
    /// A local tag: the value, read as untagged, under this key (`!x`).
    Local(String),
}

/// The scalar types a core tag can demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// `!!bool`
    Bool,
    /// `!!int`
    Int,
    /// `!!float`
    Float,
    /// `!!null`
    Null,
}

impl Type {
    /// The tag as written (`!!bool`).
    pub fn tag(self) -> &'static str {
        match self {
            Type::Bool => "!!bool",
            Type::Int => "!!int",
            Type::Float => "!!float",
            Type::Null => "!!null",
        }
    }

    /// What the tag wants, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            Type::Bool => "a boolean (true or false)",
            Type::Int => "an integer",
            Type::Float => "a number",
            Type::Null => "null",
        }
    }
}

impl Tagging {
    /// The reading `tag` asks for.
    pub fn of(tag: Option<&Tag>) -> Tagging {
        let Some(tag) = tag else {
            return Tagging::Untagged;
        };
        let full = format!("{}{}", tag.handle, tag.suffix);
        if let Some(suffix) = full.strip_prefix(CORE) {
            return match suffix {
                "bool" => Tagging::Typed(Type::Bool),
                "int" => Tagging::Typed(Type::Int),
                "float" => Tagging::Typed(Type::Float),
                "null" => Tagging::Typed(Type::Null),
                _ => Tagging::Opaque,
            };
        }
        match full.strip_prefix('!') {
            // The key serde_yaml gave: `!x` for `!x` and `!!x`, `!!` for
            // `!` and `!!`.
            Some(rest) => {
                let name = if rest.is_empty() { "!" } else { rest };
                let name = match name.strip_prefix('!') {
                    Some("") | None => name,
                    Some(unbanged) => unbanged,
                };
                Tagging::Local(format!("!{name}"))
            }
            None => Tagging::Opaque,
        }
    }
}

/// Why a scalar has no JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A number JSON cannot hold: infinite, not a number, an integer beyond
    /// 64 bits, a float literal that overflows.
    NotJson,
    /// Its core tag's type is not what the text says.
    NotOfType(Type),
}

/// The JSON value of the scalar `text` written in `style` under `tagging`.
pub fn resolve(text: &str, style: ScalarStyle, tagging: &Tagging) -> Result<Value, Problem> {
    match tagging {
        Tagging::Untagged | Tagging::Local(_) if style == ScalarStyle::Plain => plain(text),
        Tagging::Typed(ty) => typed(text, *ty),
        _ => Ok(Value::String(text.to_string())),
    }
}

fn plain(text: &str) -> Result<Value, Problem> {
    if number_json_cannot_hold(text) {
        return Err(Problem::NotJson);
    }
    if text.is_empty() || is_null(text) {
        return Ok(Value::Null);
    }
    if let Some(b) = boolean(text) {
        return Ok(Value::Bool(b));
    }
    if let Some(int) = integer(text) {
        return Ok(int);
    }
    if !leading_zero_digits(text)
        && let Some(f) = float(text)
    {
        return finite(f);
    }
    Ok(Value::String(text.to_string()))
}

fn typed(text: &str, ty: Type) -> Result<Value, Problem> {
    let wrong = Problem::NotOfType(ty);
    match ty {
        Type::Bool => boolean(text).map(Value::Bool).ok_or(wrong),
        Type::Null if text.is_empty() || is_null(text) => Ok(Value::Null),
        Type::Null => Err(wrong),
        _ if number_json_cannot_hold(text) => Err(Problem::NotJson),
        Type::Int => integer(text).ok_or(wrong),
        Type::Float => float(text).map_or(Err(wrong), finite),
    }
}

fn finite(f: f64) -> Result<Value, Problem> {
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or(Problem::NotJson)
}

fn is_null(text: &str) -> bool {
    matches!(text, "~" | "null" | "Null" | "NULL")
}

fn boolean(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// The integer `text` spells, if it spells one within 64 bits. Longer
/// ones never get here: [`number_json_cannot_hold`] refuses them first
/// (serde_yaml read them as 128-bit integers, then as lossy floats).
fn integer(text: &str) -> Option<Value> {
    match unsigned(text, u64::from_str_radix) {
        Some(n) => Some(Value::from(n)),
        None => negative(text, i64::from_str_radix).map(Value::from),
    }
}

type FromStrRadix<T> = fn(&str, u32) -> Result<T, ParseIntError>;

/// `+`-signed or unsigned decimal, `0x`, `0o` or `0b`.
fn unsigned<T>(text: &str, from_str_radix: FromStrRadix<T>) -> Option<T> {
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unsigned.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(n) = from_str_radix(rest, radix) {
                return Some(n);
            }
        }
    }
    if unsigned.starts_with(['+', '-']) || leading_zero_digits(text) {
        return None;
    }
    from_str_radix(unsigned, 10).ok()
}

/// `-`-signed decimal, `-0x`, `-0o` or `-0b`.
fn negative<T>(text: &str, from_str_radix: FromStrRadix<T>) -> Option<T> {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(rest) = text.strip_prefix(prefix)
            && let Ok(n) = from_str_radix(&format!("-{rest}"), radix)
        {
            return Some(n);
        }
    }
    if leading_zero_digits(text) {
        return None;
    }
    from_str_radix(text, 10).ok()
}

/// A float as Rust parses it (one optional `+`), or `.inf`, `-.inf`,
/// `.nan` in three spellings each.
fn float(text: &str) -> Option<f64> {
    let unsigned = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return Some(f64::INFINITY);
    }
    if matches!(text, "-.inf" | "-.Inf" | "-.INF") {
        return Some(f64::NEG_INFINITY);
    }
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Some(f64::NAN);
    }
    unsigned.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Digits after a leading zero (`0777`, `-00`): a string in YAML 1.2.
fn leading_zero_digits(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Whether the scalar `s`, read as a number, is one JSON cannot hold
/// exactly: `.inf`, `.nan` (signed or not), a float literal that
/// overflows (`1e400`), or an integer beyond the 64-bit range in any
/// radix. Checked before resolving, so such a scalar is refused, never
/// turned into a string or a rounded float.
pub fn number_json_cannot_hold(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if matches!(
        unsigned,
        ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
    ) {
        return true;
    }
    let negative = s.starts_with('-');
    let out_of_range = |digits: &str, radix: u32| {
        !digits.is_empty()
            && digits.chars().all(|c| c.is_digit(radix))
            && match u64::from_str_radix(digits, radix) {
                Err(_) => true,
                Ok(n) => negative && n > 1 << 63,
            }
    };
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = unsigned.strip_prefix(prefix) {
            return out_of_range(rest, radix);
        }
    }
    if unsigned.bytes().all(|b| b.is_ascii_digit()) {
        // Leading zeros make a string in YAML 1.2.
        let leading_zero = unsigned.len() > 1 && unsigned.starts_with('0');
        return !leading_zero && out_of_range(unsigned, 10);
    }
    unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && unsigned.parse::<f64>().is_ok_and(|f| !f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plain_value(text: &str) -> Result<Value, Problem> {
        resolve(text, ScalarStyle::Plain, &Tagging::Untagged)
    }

    #[test]
    fn plain_scalars_resolve_by_the_yaml_1_2_core_schema() {
        for (text, value) in [
            ("", json!(null)),
            ("~", json!(null)),
            ("Null", json!(null)),
            ("NULL", json!(null)),
            ("true", json!(true)),
            ("False", json!(false)),
            ("TRUE", json!(true)),
            ("0", json!(0)),
            ("-0", json!(0)),
            ("+12", json!(12)),
            ("-12", json!(-12)),
            ("0x1F", json!(31)),
            ("-0x10", json!(-16)),
            ("0o17", json!(15)),
            ("0b101", json!(5)),
            ("18446744073709551615", json!(u64::MAX)),
            ("-9223372036854775808", json!(i64::MIN)),
            ("1.5", json!(1.5)),
            ("+.5", json!(0.5)),
            ("1e3", json!(1000.0)),
            ("-0.0", json!(-0.0)),
            ("01.5", json!(1.5)),
            ("1.5e-400", json!(0.0)),
        ] {
            assert_eq!(plain_value(text), Ok(value), "{text:?}");
        }
    }

    #[test]
    fn yaml_1_1_words_and_look_alikes_stay_strings() {
        for text in [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "Yes",
            "OFF",
            "tRUE",
            "nULL",
            "0777",
            "-0777",
            "00",
            "1_000",
            "1:30",
            "2001-01-01",
            "0x",
            "0xG",
            "0x-1",
            "++1",
            "+-5",
            "0X10",
            "infinity",
            "inf",
            "nan",
            "e5",
            "=",
            "<<",
            ".",
            "-",
        ] {
            assert_eq!(plain_value(text), Ok(json!(text)), "{text:?}");
        }
    }

    #[test]
    fn quoted_and_block_scalars_are_strings() {
        for style in [
            ScalarStyle::SingleQuoted,
            ScalarStyle::DoubleQuoted,
            ScalarStyle::Literal,
            ScalarStyle::Folded,
        ] {
            assert_eq!(
                resolve("true", style, &Tagging::Untagged),
                Ok(json!("true"))
            );
            assert_eq!(resolve("", style, &Tagging::Untagged), Ok(json!("")));
        }
    }

    #[test]
    fn numbers_json_cannot_hold_are_problems() {
        for text in [
            ".inf",
            "-.Inf",
            "+.NAN",
            "1e400",
            "18446744073709551616",
            "-9223372036854775809",
            "0x1ffffffffffffffff",
            "0o7777777777777777777777",
            &format!("0b1{}", "0".repeat(64)),
        ] {
            assert_eq!(plain_value(text), Err(Problem::NotJson), "{text:?}");
        }
    }

    fn tag(handle: &str, suffix: &str) -> Tag {
        Tag {
            handle: handle.to_string(),
            suffix: suffix.to_string(),
        }
    }

    #[test]
    fn core_tags_demand_their_type() {
        let typed = |suffix: &str, text: &str| {
            resolve(
                text,
                ScalarStyle::DoubleQuoted,
                &Tagging::of(Some(&tag(CORE, suffix))),
            )
        };
        assert_eq!(typed("bool", "true"), Ok(json!(true)));
        assert_eq!(typed("bool", "yes"), Err(Problem::NotOfType(Type::Bool)));
        assert_eq!(typed("int", "0x10"), Ok(json!(16)));
        assert_eq!(typed("int", "1.5"), Err(Problem::NotOfType(Type::Int)));
        assert_eq!(typed("float", "1"), Ok(json!(1.0)));
        assert_eq!(typed("float", "1e999"), Err(Problem::NotJson));
        assert_eq!(typed("null", ""), Ok(json!(null)));
        assert_eq!(typed("null", "x"), Err(Problem::NotOfType(Type::Null)));
        assert_eq!(typed("str", "12"), Ok(json!("12")));
        assert_eq!(typed("binary", "aGk="), Ok(json!("aGk=")));
    }

    #[test]
    fn other_tags_read_strings_or_wrap() {
        assert_eq!(Tagging::of(Some(&tag("", "tag:x"))), Tagging::Opaque);
        assert_eq!(
            Tagging::of(Some(&tag("", "tag:yaml.org,2002:int"))),
            Tagging::Typed(Type::Int)
        );
        assert_eq!(
            resolve("5", ScalarStyle::Plain, &Tagging::Opaque),
            Ok(json!("5"))
        );
        assert_eq!(
            Tagging::of(Some(&tag("!", "foo"))),
            Tagging::Local("!foo".to_string())
        );
        for (handle, suffix, key) in [("", "!", "!!"), ("", "!!", "!!"), ("", "!!x", "!x")] {
            assert_eq!(
                Tagging::of(Some(&tag(handle, suffix))),
                Tagging::Local(key.to_string())
            );
        }
        let local = Tagging::Local("!foo".to_string());
        assert_eq!(resolve("1", ScalarStyle::Plain, &local), Ok(json!(1)));
        assert_eq!(
            resolve("1", ScalarStyle::SingleQuoted, &local),
            Ok(json!("1"))
        );
    }
}
