//! Provider ids written as llama-stack env templates, and whether such an
//! id can resolve to a given literal id.
//!
//! Forms: `${env.X}` (no default: anything), `${env.X:=d}`, `${env.X=d}`,
//! `${env.X:-d}`, `${env.X-d}`, `${env.X:d}` (0.2 syntax) — default `d`;
//! `${env.X:+v}`, `${env.X+v}` — `v` or the empty string. Literal text
//! may surround templates.

/// One piece of an id.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// Resolves to one of these (a default, or `v` / empty).
    OneOf(Vec<String>),
    /// No default: any string.
    Any,
}

/// How a base id relates to an external id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdMatch {
    /// Plain text equal to the id.
    Exact,
    /// A template that can resolve to the id.
    Template,
    /// A template with a part that can be anything; never counted as equal.
    Unconstrained,
    /// Cannot be the id.
    Different,
}

/// Whether `raw` contains a template with no default.
pub fn is_unconstrained(raw: &str) -> bool {
    parse(raw).contains(&Segment::Any)
}

/// Compare a base id (maybe templated) with an external literal id.
pub fn match_id(raw: &str, id: &str) -> IdMatch {
    if !raw.contains("${") {
        return if raw == id {
            IdMatch::Exact
        } else {
            IdMatch::Different
        };
    }
    let segments = parse(raw);
    if let [Segment::Literal(l)] = segments.as_slice() {
        return if l == id {
            IdMatch::Exact
        } else {
            IdMatch::Different
        };
    }
    if segments.is_empty() {
        return if id.is_empty() {
            IdMatch::Exact
        } else {
            IdMatch::Different
        };
    }
    if segments.contains(&Segment::Any) {
        return IdMatch::Unconstrained;
    }
    if can_produce(&segments, id) {
        IdMatch::Template
    } else {
        IdMatch::Different
    }
}

/// Set-of-positions matcher: polynomial, no backtracking blow-up.
fn can_produce(segments: &[Segment], id: &str) -> bool {
    let mut positions = vec![0usize];
    for seg in segments {
        let mut next: Vec<usize> = Vec::new();
        for &p in &positions {
            let rest = id.get(p..).unwrap_or("");
            let alts: &[String] = match seg {
                Segment::Literal(l) => std::slice::from_ref(l),
                Segment::OneOf(v) => v,
                Segment::Any => return false,
            };
            for alt in alts {
                if rest.starts_with(alt.as_str()) && !next.contains(&(p + alt.len())) {
                    next.push(p + alt.len());
                }
            }
        }
        if next.is_empty() {
            return false;
        }
        positions = next;
    }
    positions.contains(&id.len())
}

fn parse(raw: &str) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut literal = String::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${env.") {
        let after = rest.get(start + 6..).unwrap_or("");
        let Some(close) = after.find('}') else {
            break;
        };
        let body = after.get(..close).unwrap_or("");
        let Some(seg) = parse_body(body) else {
            literal.push_str(rest.get(..start + 6).unwrap_or(""));
            rest = after;
            continue;
        };
        literal.push_str(rest.get(..start).unwrap_or(""));
        if !literal.is_empty() {
            out.push(Segment::Literal(std::mem::take(&mut literal)));
        }
        out.push(seg);
        rest = after.get(close + 1..).unwrap_or("");
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        out.push(Segment::Literal(literal));
    }
    out
}

/// `NAME`, `NAME<op>value` → segment; `None` when not a template.
fn parse_body(body: &str) -> Option<Segment> {
    let name_len = body
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    if name_len == 0 {
        return None;
    }
    let tail = body.get(name_len..)?;
    if tail.is_empty() {
        return Some(Segment::Any);
    }
    for op in [":+", "+"] {
        if let Some(v) = tail.strip_prefix(op) {
            return Some(Segment::OneOf(vec![v.to_string(), String::new()]));
        }
    }
    for op in [":=", ":-", "=", "-", ":"] {
        if let Some(v) = tail.strip_prefix(op) {
            return Some(Segment::OneOf(vec![v.to_string()]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids() {
        assert_eq!(match_id("ollama", "ollama"), IdMatch::Exact);
        assert_eq!(match_id("ollama", "vllm"), IdMatch::Different);
    }

    #[test]
    fn conditional_and_default_templates() {
        assert_eq!(
            match_id("${env.OLLAMA_URL:+ollama}", "ollama"),
            IdMatch::Template
        );
        assert_eq!(
            match_id("${env.ENABLE_X+chromadb}", "chromadb"),
            IdMatch::Template
        );
        assert_eq!(match_id("${env.X:=ollama}", "ollama"), IdMatch::Template);
        assert_eq!(match_id("${env.X:ollama}", "ollama"), IdMatch::Template);
        assert_eq!(match_id("${env.X:+ollama}", "vllm"), IdMatch::Different);
    }

    #[test]
    fn mixed_text() {
        assert_eq!(
            match_id("prefix-${env.X:+ollama}", "prefix-ollama"),
            IdMatch::Template
        );
        assert_eq!(
            match_id("prefix-${env.X:+ollama}", "prefix-"),
            IdMatch::Template
        );
        assert_eq!(match_id("${env.A:+a}${env.B:+b}", "ab"), IdMatch::Template);
        assert_eq!(match_id("${env.A:+a}${env.B:+b}", "b"), IdMatch::Template);
        assert_eq!(match_id("${env.A:+a}-x", "a-y"), IdMatch::Different);
    }

    #[test]
    fn no_default_is_unconstrained() {
        assert_eq!(match_id("${env.X}", "ollama"), IdMatch::Unconstrained);
        assert_eq!(match_id("p-${env.X}", "p-a"), IdMatch::Unconstrained);
        assert!(is_unconstrained("${env.X}"));
        assert!(!is_unconstrained("${env.X:=a}"));
    }

    #[test]
    fn malformed_templates_are_literal() {
        assert_eq!(match_id("${env.}", "${env.}"), IdMatch::Exact);
        assert_eq!(match_id("${env.X", "${env.X"), IdMatch::Exact);
        assert_eq!(match_id("${env.X?y}", "${env.X?y}"), IdMatch::Exact);
    }

    #[test]
    fn many_templates_stay_fast() {
        let raw = "${env.A:+a}".repeat(200);
        let id = "a".repeat(100);
        assert_eq!(match_id(&raw, &id), IdMatch::Template);
    }
}
