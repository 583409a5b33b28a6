//! Scalars as PyYAML (YAML 1.1) reads them: when a string may be written
//! plain, how to double-quote it, how to write a number, and whether a
//! plain scalar of the base resolves to a string or to null.

/// Words PyYAML 1.1 resolves to bool or null (plus `y`/`n`, bools for
/// other YAML 1.1 loaders), compared case-insensitively to stay safe.
const RESERVED_WORDS: &[&str] = &[
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
];

/// Whether `s` can be written as a plain scalar and still load as this
/// exact string with PyYAML, in block and in flow context. Deliberately
/// narrow: a letter, `_` or `/` first (so no number, date, `.inf`, `~`,
/// `=`, `<<`, indicator), then only `[A-Za-z0-9_./+@-]` or a `:` that is
/// followed by one of those (URLs like `http://vllm:8000`).
pub fn is_plain_safe(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'/') {
        return false;
    }
    if RESERVED_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s)) {
        return false;
    }
    bytes.iter().enumerate().all(|(i, &b)| {
        if is_plain_body(b) {
            return true;
        }
        b == b':'
            && bytes
                .get(i + 1)
                .is_some_and(|&n| n == b':' || is_plain_body(n))
    })
}

fn is_plain_body(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b'+' | b'@' | b'-')
}

/// Whether `s` may be a plain mapping key (no `:` at all, to stay clear
/// of key/value ambiguity).
pub fn is_plain_key_safe(s: &str) -> bool {
    is_plain_safe(s) && !s.contains(':')
}

/// `s` as a YAML scalar: plain when safe, else double-quoted.
pub fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// `s` as a mapping key: plain when safe, else double-quoted.
pub fn key(s: &str) -> String {
    if is_plain_key_safe(s) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// A double-quoted scalar PyYAML reads back as exactly `s`. Escapes what
/// PyYAML's reader rejects as non-printable, the line breaks it folds
/// (`\x85`, U+2028, U+2029) and a byte order mark.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if is_printable(c) => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// A character written unescaped: PyYAML's printable set (what its reader
/// accepts unescaped), minus the BOM (a BOM inside a document trips other
/// parsers) and the bidirectional controls (they reorder what a terminal
/// shows; escaped, PyYAML reads the same character back).
pub fn is_printable(c: char) -> bool {
    matches!(c as u32,
        0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfefe | 0xff00..=0xfffd | 0x1_0000..=0x10_ffff)
        && !crate::diagnostic::is_bidi_control(c)
}

/// A JSON number as PyYAML reads it back: integers in decimal, floats
/// always with a `.` and, when exponential, a signed exponent
/// (PyYAML's float pattern needs both).
pub fn number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        Some(f) => float(f),
        None => double_quoted(&n.to_string()),
    }
}

/// A finite `f64` in a form PyYAML's float resolver accepts and that
/// round-trips exactly.
pub fn float(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            ".nan".to_string()
        } else if f > 0.0 {
            ".inf".to_string()
        } else {
            "-.inf".to_string()
        };
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        let (digits, exp) = shortest_digits(abs);
        let sign = if f < 0.0 { "-" } else { "" };
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let exp_sign = if exp < 0 { "" } else { "+" };
        return format!("{sign}{first}.{rest}e{exp_sign}{exp}");
    }
    let s = format!("{f}");
    if s.contains('.') { s } else { format!("{s}.0") }
}

/// The shortest digits that read back as `abs` (finite, > 0), without
/// leading or trailing zeros, and the decimal exponent of the first:
/// `f64`'s `Display` prints the same shortest digits as `{:e}` in
/// positional form (padded with zeros), so they are taken from there —
/// `{:e}`'s own formatter was 1 KB of the page's gzipped module.
fn shortest_digits(abs: f64) -> (String, i32) {
    let text = abs.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let int = int.trim_start_matches('0');
    let (digits, exp) = if int.is_empty() {
        let significant = frac.trim_start_matches('0');
        let zeros = frac.len() - significant.len();
        (significant.to_string(), -(zeros as i32) - 1)
    } else {
        (format!("{int}{frac}"), int.len() as i32 - 1)
    };
    // The shortest digits never end in 0; these zeros are the padding.
    (digits.trim_end_matches('0').to_string(), exp)
}

/// How PyYAML resolves an untagged plain scalar, coarsely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainKind {
    /// Loads as `None`.
    Null,
    /// Loads as a `str`.
    Str,
    /// Loads as something else (bool, int, float, date, …).
    Other,
}

/// Resolve an untagged plain scalar the way PyYAML's SafeLoader would,
/// enough to tell strings from null and from everything else.
pub fn resolve_plain(s: &str) -> PlainKind {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return PlainKind::Null,
        "=" | "<<" => return PlainKind::Other,
        _ => {}
    }
    const BOOLS: &[&str] = &[
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF",
    ];
    if BOOLS.contains(&s) {
        return PlainKind::Other;
    }
    // Ints, floats, sexagesimals and timestamps all start with a digit,
    // a sign or a dot (`.inf`, `.5`); treat every such scalar as
    // possibly non-string. Provider ids and API names never look so.
    match s.as_bytes().first() {
        Some(b) if b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.') => {
            if looks_numeric(s) {
                PlainKind::Other
            } else {
                PlainKind::Str
            }
        }
        _ => PlainKind::Str,
    }
}

/// Conservative: true when the scalar consists only of characters that
/// appear in PyYAML's int/float/timestamp patterns.
fn looks_numeric(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if matches!(lower.trim_start_matches(['+', '-']), ".inf" | ".nan") {
        return true;
    }
    s.bytes().all(|b| {
        b.is_ascii_hexdigit()
            || matches!(
                b,
                b'+' | b'-'
                    | b'.'
                    | b'_'
                    | b':'
                    | b'x'
                    | b'X'
                    | b'o'
                    | b't'
                    | b'T'
                    | b'z'
                    | b'Z'
                    | b' '
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_numeric_strings_are_quoted() {
        for s in [
            "yes",
            "Yes",
            "on",
            "Off",
            "y",
            "N",
            "null",
            "~",
            "",
            "=",
            "<<",
            ".inf",
            "1e3",
            "1_000",
            "0x1F",
            "0777",
            "1:30",
            "2001-01-01",
            "-1",
            "+1",
            ".5",
            "true",
            "NULL",
        ] {
            assert!(!is_plain_safe(s), "{s:?} must be quoted");
            assert!(scalar(s).starts_with('"'), "{s:?}");
        }
    }

    #[test]
    fn ordinary_strings_stay_plain() {
        for s in [
            "custom-vllm",
            "remote::vllm",
            "http://vllm:8000",
            "my_org.custom",
            "/tmp/x",
        ] {
            assert!(is_plain_safe(s), "{s:?}");
        }
        assert!(!is_plain_safe("a: b"));
        assert!(!is_plain_safe("a #b"));
        assert!(!is_plain_safe("a:"));
        assert!(!is_plain_key_safe("a:b"));
    }

    #[test]
    fn double_quote_escapes_pyyaml_non_printables() {
        assert_eq!(double_quoted("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(double_quoted("\u{85}\u{2028}\u{2029}"), "\"\\N\\L\\P\"");
        assert_eq!(double_quoted("\u{7f}\u{1}"), "\"\\x7F\\x01\"");
        assert_eq!(double_quoted("\u{feff}"), "\"\\uFEFF\"");
        assert_eq!(double_quoted("é😀"), "\"é😀\"");
    }

    #[test]
    fn exponents_as_the_exponential_formatter_writes_them() {
        // `float` writes `{:e}`'s digits and exponent, taken from `Display`.
        let mut bits = 0x0123_4567_89ab_cdef_u64;
        let mut values = vec![
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
            1e16,
            // the neighbours of the positional range's ends
            f64::from_bits(1e16_f64.to_bits() + 1),
            f64::from_bits(1e-4_f64.to_bits() - 1),
            9.999e-5,
            1e100,
            1.5e-7,
            -2.5e300,
        ];
        for _ in 0..20_000 {
            // xorshift64: bit patterns over the whole range of exponents.
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            values.push(f64::from_bits(bits));
        }
        for f in values.into_iter().filter(|f| f.is_finite()) {
            let abs = f.abs();
            if abs == 0.0 || (1e-4..1e16).contains(&abs) {
                continue;
            }
            let e = format!("{f:e}");
            let (mantissa, exp) = e.split_once('e').unwrap();
            let mantissa = if mantissa.contains('.') {
                mantissa.to_string()
            } else {
                format!("{mantissa}.0")
            };
            let exp = if exp.starts_with('-') {
                exp.to_string()
            } else {
                format!("+{exp}")
            };
            assert_eq!(float(f), format!("{mantissa}e{exp}"), "{f:e}");
            assert_eq!(float(f).parse::<f64>().unwrap(), f);
        }
    }

    #[test]
    fn floats_have_dot_and_signed_exponent() {
        assert_eq!(float(1e20), "1.0e+20");
        assert_eq!(float(1.5e-7), "1.5e-7");
        assert_eq!(float(0.1), "0.1");
        assert_eq!(float(3.0), "3.0");
        assert_eq!(float(-0.0), "-0.0");
        assert_eq!(float(123456.5), "123456.5");
    }

    #[test]
    fn plain_resolution() {
        assert_eq!(resolve_plain("ollama"), PlainKind::Str);
        assert_eq!(resolve_plain("~"), PlainKind::Null);
        assert_eq!(resolve_plain(""), PlainKind::Null);
        assert_eq!(resolve_plain("on"), PlainKind::Other);
        assert_eq!(resolve_plain("0777"), PlainKind::Other);
        assert_eq!(resolve_plain("2001-01-01"), PlainKind::Other);
        assert_eq!(resolve_plain("-bar"), PlainKind::Str);
    }
}
