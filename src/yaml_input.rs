//! Reading user YAML (LLSDs, provider metadata) into JSON values, with every
//! failure turned into a [`Diagnostic`] carrying line and column.
//!
//! `serde_yaml` does the parsing: it rejects duplicate keys and reports
//! positions. Before it builds anything, [`guard`] walks the text's events
//! once (saphyr-parser, linear time, no tree) and refuses nesting deeper
//! than [`MAX_DEPTH`] and aliases that expand to more than
//! [`MAX_ALIAS_NODES`] nodes, so that no input costs more than its size in
//! memory and time (docs/contracts.md, "Bounded inputs").

use crate::diagnostic::{Diagnostic, Location};
use crate::locate::Locations;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;

/// Inputs larger than this are refused before parsing. Kubernetes stores
/// objects of at most 1.5 MiB; provider metadata is a few hundred bytes.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// Deepest nesting of collections accepted in a document (serde_yaml's own
/// recursion limit, checked here while scanning instead of after).
pub const MAX_DEPTH: usize = 128;

/// Most nodes that `*alias` references may add to an input (all its
/// documents) when expanded (each alias counts the nodes of the anchored value). An LLSD
/// or provider metadata shares a few small values, if any.
pub const MAX_ALIAS_NODES: u64 = 100_000;

/// Most bytes of scalar text that `*alias` references may add to an input
/// when expanded (an alias of a long string counts its length each time).
pub const MAX_ALIAS_BYTES: u64 = MAX_INPUT_BYTES as u64;

/// One non-empty YAML document of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// 1-based position of the document in its file (`---` separated).
    pub number: usize,
    /// The document as a JSON value, the form validation and the typed readers take.
    pub value: Value,
}

/// Refuses inputs over [`MAX_INPUT_BYTES`].
pub fn check_size(len: usize) -> Result<(), Diagnostic> {
    if len > MAX_INPUT_BYTES {
        return Err(Diagnostic::error(
            "",
            format!(
                "input is {} bytes, over the {} byte limit for one Kubernetes object or provider metadata",
                len, MAX_INPUT_BYTES
            ),
            "pass the object itself (the LLSD, the Deployment, the pod as kubectl get -o json prints it) \
             or lls-provider-spec.yaml; Kubernetes objects are at most 1.5 MiB",
        ));
    }
    Ok(())
}

/// Decodes UTF-8, naming the line and column of the first invalid byte.
pub fn decode_utf8(bytes: &[u8]) -> Result<&str, Diagnostic> {
    std::str::from_utf8(bytes).map_err(|err| {
        let valid = err.valid_up_to();
        // `valid` is a char boundary of the valid prefix.
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        Diagnostic::error(
            "",
            format!("input is not valid UTF-8 (byte 0x{:02x})", bytes[valid]),
            "save the file as UTF-8; YAML files must be Unicode text",
        )
        .at(Location::of_offset(prefix, prefix.len()))
    })
}

/// Parses every document of `text`. Empty documents (a lone `---`) are
/// skipped; a file with none is an error.
pub fn load_documents(text: &str) -> Result<Vec<Document>, Diagnostic> {
    check_size(text.len())?;
    guard(text)?;
    let mut documents = Vec::new();
    for (index, deserializer) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let number = index + 1;
        let yaml =
            serde_yaml::Value::deserialize(deserializer).map_err(|err| yaml_error(&err, number))?;
        if yaml.is_null() {
            continue;
        }
        let value = serde_json::to_value(&yaml).map_err(|err| {
            Diagnostic::error(
                "",
                format!("document {number} cannot be read as JSON-compatible data: {err}"),
                "use string keys and plain values; Kubernetes objects are JSON",
            )
        })?;
        documents.push(Document { number, value });
    }
    if documents.is_empty() {
        return Err(Diagnostic::error(
            "",
            "input is empty: no YAML document found",
            "pass a LlamaStackDistribution or a ProviderPackage (lls-provider-spec.yaml)",
        ));
    }
    Ok(documents)
}

/// Refuses, before any value is built, nesting deeper than [`MAX_DEPTH`]
/// and aliases expanding to more than [`MAX_ALIAS_NODES`] nodes or
/// [`MAX_ALIAS_BYTES`] bytes of scalar text in the whole input (an alias
/// inside an anchored value counts with its expansion, so nested fan-out
/// multiplies). First a lexical pass bounds flow nesting (the scanner's
/// simple-key bookkeeping is quadratic in it), then one pass over the
/// parser's events. A syntax error is left to serde_yaml's better message
/// when the text holds no `*` (nothing can be expanded); otherwise it is
/// reported here.
pub fn guard(text: &str) -> Result<(), Diagnostic> {
    let too_deep = |document: usize, here: Location| {
        Diagnostic::error(
            "",
            format!("document {document}: nesting is deeper than {MAX_DEPTH} levels"),
            "flatten the document; no LLSD or provider metadata nests this deep",
        )
        .at(here)
    };
    if let Some(here) = flow_too_deep(text) {
        return Err(too_deep(
            1 + text[..here].matches("\n---").count(),
            Location::of_offset(text, here),
        ));
    }
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut document = 0usize;
    // Open collections: their anchor and the (nodes, bytes) at their start.
    let mut open: Vec<(usize, Size)> = Vec::new();
    // The current document, aliases expanded.
    let mut total = Size::default();
    // What aliases added, over the whole input.
    let mut expanded = Size::default();
    let mut sizes: HashMap<usize, Size> = HashMap::new();
    while let Some(item) = parser.next_event() {
        let (event, span) = match item {
            Ok(pair) => pair,
            Err(err) if text.contains('*') => {
                return Err(Diagnostic::error(
                    "",
                    format!("document {}: invalid YAML: {}", document.max(1), err.info()),
                    "fix the YAML syntax at this position (indentation, quotes, brackets)",
                )
                .at(Location::of_marker(err.marker())));
            }
            Err(_) => return Ok(()),
        };
        let here = Location::of_marker(&span.start);
        use saphyr_parser::Event;
        match event {
            Event::DocumentStart(_) => {
                document += 1;
                open.clear();
                sizes.clear();
                total = Size::default();
            }
            Event::Scalar(value, style, anchor, tag) => {
                let resolved = match &tag {
                    None => style == saphyr_parser::ScalarStyle::Plain,
                    Some(tag) => matches!(tag.suffix.as_str(), "float" | "int"),
                };
                if resolved && beyond_json(&value) {
                    return Err(Diagnostic::error(
                        "",
                        format!(
                            "document {document}: '{value}' is a number JSON cannot hold (infinite, not a number, or an integer beyond 64 bits)"
                        ),
                        "write a finite number (integers within 64 bits), or quote it to keep it as a string",
                    )
                    .at(here));
                }
                let size = Size {
                    nodes: 1,
                    bytes: value.len() as u64,
                };
                total = total.plus(size);
                if anchor != 0 {
                    sizes.insert(anchor, size);
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, total));
                total = total.plus(Size { nodes: 1, bytes: 0 });
                if open.len() > MAX_DEPTH {
                    return Err(too_deep(document, here));
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = open.pop() {
                    if anchor != 0 {
                        sizes.insert(
                            anchor,
                            Size {
                                nodes: total.nodes - start.nodes,
                                bytes: total.bytes - start.bytes,
                            },
                        );
                    }
                }
            }
            Event::Alias(anchor) => {
                let size = sizes
                    .get(&anchor)
                    .copied()
                    .unwrap_or(Size { nodes: 1, bytes: 0 });
                total = total.plus(size);
                expanded = expanded.plus(size);
                let problem = if expanded.nodes > MAX_ALIAS_NODES {
                    format!("aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb)")
                } else if expanded.bytes > MAX_ALIAS_BYTES {
                    format!(
                        "aliases expand to more than {MAX_ALIAS_BYTES} bytes of text (an alias bomb)"
                    )
                } else {
                    continue;
                };
                return Err(Diagnostic::error(
                    "",
                    format!("document {document}: {problem}"),
                    "remove the nested `*alias` references and write the values out",
                )
                .at(here));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Nodes and bytes of scalar text of a value, aliases expanded.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    nodes: u64,
    bytes: u64,
}

impl Size {
    fn plus(self, other: Size) -> Size {
        Size {
            nodes: self.nodes.saturating_add(other.nodes),
            bytes: self.bytes.saturating_add(other.bytes),
        }
    }
}

/// The byte offset where one line opens flow collections (`[`, `{`)
/// deeper than [`MAX_DEPTH`], judged lexically: an indicator counts when
/// it starts a node (after `[`, `{`, `,`, `:`, `-`, `?`, an anchor or
/// tag, or at the start of the line), outside quotes, comments and block
/// scalars. The scanner keeps every simple key of a line possible until
/// the line ends, so a long line of openers costs it quadratic time before
/// the parser's depth count sees the first one; across lines the parser's
/// count is enough. Per line, a quote can only hide text that is a quoted
/// scalar or block scalar text for the parser too.
///
/// Block scalar text (`key: |` and the more indented lines after it) is
/// skipped, so a line of prose or code with many `[` is not refused. The
/// skip errs towards scanning: it only starts at a header outside flow
/// collections, never after a quote left open at a line's end (a
/// multi-line quoted scalar could hold a `|`), and assumes the parent
/// indentation is the column of the line's last node start, which is never
/// less than the parser's; a line it does not skip is only judged.
fn flow_too_deep(text: &str) -> Option<usize> {
    const STARTS_NODE: &[u8] = b"\n[{,:-?&!";
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    // Flow collections open across lines (an estimate, for block scalars).
    let mut flow = 0usize;
    // A quoted scalar ran past a line's end: lines may be quoted text.
    let mut multi_line_quote = false;
    // The last significant byte of this line so far (b'\n' at its start).
    let mut previous = b'\n';
    // Column of this line's last node start (after its indentation, `- `, `? `).
    let mut node_column = 0usize;
    let mut line_start = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(previous, b'\n' | b'-' | b'?')
            && !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'|' | b'>')
        {
            node_column = i - line_start;
        }
        match b {
            b'\n' => {
                previous = b'\n';
                depth = 0;
                line_start = i + 1;
                node_column = 0;
            }
            b' ' | b'\t' | b'\r' => {}
            b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n') => {
                while i + 1 < bytes.len() && bytes[i + 1] != b'\n' {
                    i += 1;
                }
            }
            b'"' | b'\'' if STARTS_NODE[..7].contains(&previous) => {
                // Skip the quoted scalar to its end or the line's.
                i += 1;
                while i < bytes.len() && bytes[i] != b'\n' {
                    if b == b'"' && bytes[i] == b'\\' {
                        i += 1;
                    } else if bytes[i] == b {
                        if b == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            break;
                        }
                    }
                    i += 1;
                }
                if bytes.get(i) == Some(&b'\n') {
                    multi_line_quote = true;
                    continue;
                }
                previous = b'"';
            }
            b'|' | b'>'
                if flow == 0
                    && !multi_line_quote
                    && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n'))
                    && matches!(previous, b'\n' | b':' | b'-' | b'?' | b'&' | b'!') =>
            {
                match block_scalar_end(bytes, i, node_column) {
                    Some(end) => {
                        i = end;
                        previous = b'\n';
                        depth = 0;
                        line_start = i;
                        node_column = 0;
                        continue;
                    }
                    None => previous = b,
                }
            }
            b'[' | b'{' if STARTS_NODE.contains(&previous) => {
                depth += 1;
                flow += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
                previous = b;
            }
            // Inside a plain scalar (`x[1]`): text, not a collection.
            b'[' | b'{' => previous = b'x',
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                flow = flow.saturating_sub(1);
                previous = b;
            }
            b'&' | b'!' if STARTS_NODE.contains(&previous) => {
                // An anchor or tag: the node starts after it.
                while i + 1 < bytes.len() && !matches!(bytes[i + 1], b' ' | b'\t' | b'\n' | b'\r') {
                    i += 1;
                }
                previous = b;
            }
            _ => previous = b,
        }
        i += 1;
    }
    None
}

/// When `bytes[at]` (`|` or `>`) starts a block scalar header (indicators,
/// then only blanks or a comment to the line's end), the offset of the
/// first line after the scalar's text: the lines more indented than
/// `parent` (by the explicit indentation indicator, or as the first
/// non-blank line), and blank lines among them.
fn block_scalar_end(bytes: &[u8], at: usize, parent: usize) -> Option<usize> {
    let mut i = at + 1;
    let mut explicit = None;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'+' | b'-' => {}
            b'1'..=b'9' if explicit.is_none() => explicit = Some(usize::from(c - b'0')),
            _ => break,
        }
        i += 1;
    }
    let mut blank = false;
    while let Some(&c) = bytes.get(i) {
        match c {
            b' ' | b'\t' => blank = true,
            b'\r' => {}
            b'\n' => break,
            b'#' if blank => {
                while bytes.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
                break;
            }
            _ => return None,
        }
        i += 1;
    }
    // `i` is at the header line's `\n` (or the end).
    let mut indent = explicit.map(|d| parent + d);
    let mut line = i + 1;
    while line < bytes.len() {
        let spaces = bytes[line..].iter().take_while(|&&c| c == b' ').count();
        let rest = &bytes[line + spaces..];
        let end = rest.iter().position(|&c| c == b'\n');
        let is_blank = rest[..end.unwrap_or(rest.len())]
            .iter()
            .all(|&c| matches!(c, b' ' | b'\t' | b'\r'));
        if !is_blank {
            let needed = *indent.get_or_insert(spaces);
            if spaces <= parent || spaces < needed {
                return Some(line);
            }
        }
        match end {
            Some(e) => line += spaces + e + 1,
            None => return Some(bytes.len()),
        }
    }
    Some(bytes.len().min(line))
}

/// Whether serde_yaml reads the plain scalar `s` as a number that JSON
/// cannot hold exactly: `.inf`, `.nan`, a float literal that overflows
/// (`1e400`), or an integer beyond the 64-bit range (which would become
/// a float).
fn beyond_json(s: &str) -> bool {
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
    if let Some(rest) = unsigned.strip_prefix("0x") {
        return out_of_range(rest, 16);
    }
    if let Some(rest) = unsigned.strip_prefix("0o") {
        return out_of_range(rest, 8);
    }
    if unsigned.bytes().all(|b| b.is_ascii_digit()) {
        // Leading zeros make a string in YAML 1.2.
        let leading_zero = unsigned.len() > 1 && unsigned.starts_with('0');
        return !leading_zero && out_of_range(unsigned, 10);
    }
    unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && unsigned.parse::<f64>().is_ok_and(|f| !f.is_finite())
}

/// The one way hosts read a document: the only YAML (or JSON) document of
/// `bytes` (a second one is an error), size- and UTF-8-checked, turned into a typed value by
/// `convert`; on failure, every diagnostic carries the line and column of
/// its field path.
pub fn read_document<T>(
    bytes: &[u8],
    convert: impl FnOnce(&Value) -> Result<T, Vec<Diagnostic>>,
) -> Result<T, Vec<Diagnostic>> {
    let text = check_size(bytes.len())
        .and_then(|()| decode_utf8(bytes))
        .map_err(|d| vec![d])?;
    read_text(text, convert)
}

/// [`read_document`] for text already decoded.
pub fn read_text<T>(
    text: &str,
    convert: impl FnOnce(&Value) -> Result<T, Vec<Diagnostic>>,
) -> Result<T, Vec<Diagnostic>> {
    let documents = load_documents(text).map_err(|d| vec![d])?;
    if let Some(second) = documents.get(1) {
        // Reading the first and ignoring the rest would drop content silently.
        let at = Locations::of(text).find(second.number, "");
        let diagnostic = Diagnostic::error(
            "",
            format!(
                "document {}: the input holds more than one YAML document; it is read as exactly one",
                second.number
            ),
            "pass one document: remove the `---` separator and what follows, or split the file",
        );
        return Err(vec![match at {
            Some(at) => diagnostic.at(at),
            None => diagnostic,
        }]);
    }
    let first = &documents[0];
    convert(&first.value).map_err(|mut diagnostics| {
        Locations::fill(text, first.number, &mut diagnostics);
        diagnostics
    })
}

/// A converter for [`read_document`] that deserializes into `T` (a
/// Kubernetes object, the injection options): a type mismatch names its
/// field path, and `fix` says what the field should hold.
pub fn typed<T: DeserializeOwned>(fix: &str) -> impl FnOnce(&Value) -> Result<T, Vec<Diagnostic>> {
    move |value| {
        serde_path_to_error::deserialize(value).map_err(|err| vec![type_mismatch(&err, fix)])
    }
}

/// A serde type error at a field path, as a diagnostic (the document root
/// has the empty path).
pub fn type_mismatch<E: std::fmt::Display>(
    err: &serde_path_to_error::Error<E>,
    fix: &str,
) -> Diagnostic {
    let path = err.path().to_string();
    let path = if path == "." { String::new() } else { path };
    Diagnostic::error(path, err.inner().to_string(), fix)
}

fn yaml_error(err: &serde_yaml::Error, number: usize) -> Diagnostic {
    let message = err.to_string();
    let (problem, fix) = if message.contains("duplicate entry with key") {
        (
            strip_own_position(&message, err.location()).replacen(
                "duplicate entry with key",
                "duplicate key",
                1,
            ) + " in the mapping that starts here",
            "remove or rename one of the two keys; YAML mappings need unique keys",
        )
    } else if message.contains("recursion limit exceeded") {
        (
            "nesting is deeper than 128 levels".to_string(),
            "flatten the document; no LLSD or provider metadata nests this deep",
        )
    } else if message.contains("repetition limit exceeded") {
        (
            "aliases expand to too many nodes (an alias bomb)".to_string(),
            "remove the nested `*alias` references and write the values out",
        )
    } else {
        (
            format!(
                "invalid YAML: {}",
                strip_own_position(&message, err.location())
            ),
            "fix the YAML syntax at this position (indentation, quotes, brackets)",
        )
    };
    let diagnostic = Diagnostic::error("", format!("document {number}: {problem}"), fix);
    match err.location() {
        Some(location) => diagnostic.at(Location {
            line: location.line(),
            column: location.column(),
        }),
        None => diagnostic,
    }
}

/// serde_yaml writes " at line L column C" for the error's own position,
/// which the location already carries; other positions ("while scanning a
/// quoted scalar at line 9 column 17") are context worth keeping.
fn strip_own_position(message: &str, location: Option<serde_yaml::Location>) -> String {
    match location {
        Some(l) => message.replacen(
            &format!(" at line {} column {}", l.line(), l.column()),
            "",
            1,
        ),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> Diagnostic {
        load_documents(text).unwrap_err()
    }

    #[test]
    fn multi_document_files_keep_document_numbers() {
        let docs = load_documents("a: 1\n---\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].number, 1);
        assert_eq!(docs[1].number, 3);
        assert_eq!(docs[1].value["b"], 2);
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = error_of("a: 1\nb: [1, 2\n");
        assert!(err.problem.starts_with("document 1: invalid YAML"), "{err}");
        assert_eq!(err.location.map(|l| l.line), Some(3));
        let err = error_of("a: 1\n---\nb: 2\n  c: x\n");
        assert_eq!(err.location, Some(Location { line: 4, column: 4 }));
        assert!(err.problem.starts_with("document 2:"), "{err}");
    }

    #[test]
    fn syntax_errors_keep_the_context_position() {
        let err = error_of("a: \"x\n");
        assert_eq!(
            err.problem,
            "document 1: invalid YAML: found unexpected end of stream, while scanning a quoted scalar at line 1 column 4"
        );
        assert_eq!(err.location, Some(Location { line: 2, column: 1 }));
    }

    #[test]
    fn empty_inputs_are_errors() {
        for text in ["", "\n", "---\n", "# only a comment\n", "---\n...\n"] {
            assert!(error_of(text).problem.contains("empty"), "{text:?}");
        }
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = error_of("kind: A\nkind: B\n");
        assert!(err.problem.contains("duplicate key \"kind\""), "{err}");
        let err = error_of("spec:\n  api: a\n  api: b\n");
        assert_eq!(
            err.problem,
            "document 1: spec: duplicate key \"api\" in the mapping that starts here"
        );
        assert!(err.fix.starts_with("remove or rename"), "{err}");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let err = error_of(&"[".repeat(10_000));
        assert!(err.problem.contains("deeper than 128"), "{err}");
        let err = error_of(&"a:\n".repeat(10_000).replace("a:\n", "- "));
        assert!(err.problem.contains("deeper"), "{err}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let prev = format!("*a{}", level - 1);
            let items = [prev.as_str(); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        let err = error_of(&text);
        assert!(err.problem.contains("alias bomb"), "{err}");
    }

    #[test]
    fn alias_fan_out_is_refused_before_expansion() {
        // One anchored list of 10,000 items referenced 2,328 times: 27 KB
        // that expanded to 23 million nodes.
        let items = vec!["x"; 10_000].join(",");
        let refs = vec!["*a"; 2_328].join(",");
        let text = format!("a: &a [{items}]\nb: [{refs}]\n");
        let started = std::time::Instant::now();
        let err = error_of(&text);
        assert!(err.problem.contains("alias bomb"), "{err}");
        assert!(err.problem.contains("more than 100000 nodes"), "{err}");
        assert_eq!(err.location.map(|l| l.line), Some(2));
        assert!(started.elapsed().as_secs() < 5);
        // A few aliases of a small value stay fine.
        let docs = load_documents("a: &a {k: v}\nb: [*a, *a, *a]\n").unwrap();
        assert_eq!(docs[0].value["b"][2]["k"], "v");
    }

    #[test]
    fn nested_fan_out_counts_the_expansion_of_inner_aliases() {
        let mut text = String::from("a0: &a0 [x, x, x, x]\n");
        for level in 1..8 {
            let items = vec![format!("*a{}", level - 1); 4].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        // 4^8 = 65,536 scalars under a7 alone; two more references exceed.
        text.push_str("b: [*a7, *a7]\n");
        assert!(error_of(&text).problem.contains("alias bomb"));
    }

    #[test]
    fn deep_flow_mappings_are_refused_while_scanning() {
        let n = 50_000;
        let text = format!("a: {}x{}\n", "{a: ".repeat(n), "}".repeat(n));
        let started = std::time::Instant::now();
        let err = error_of(&text);
        assert_eq!(err.problem, "document 1: nesting is deeper than 128 levels");
        assert_eq!(
            err.location,
            Some(Location {
                line: 1,
                column: 516
            })
        );
        assert!(started.elapsed().as_secs() < 5);
        // 128 levels are still read.
        let ok = format!("{}x{}\n", "[".repeat(128), "]".repeat(128));
        load_documents(&ok).unwrap();
    }

    #[test]
    fn one_line_of_unclosed_openers_is_refused_before_the_scanner_sees_it() {
        // 200,000 `[` on one line kept the scanner busy for minutes.
        for text in [
            "a: ".to_string() + &"[".repeat(200_000),
            "a: ".to_string() + &"[{a: ".repeat(30_000),
            // A quote in a block scalar does not hide the next lines.
            "a: |\n  \"\nb: ".to_string() + &"[".repeat(200_000) + "\nc: |\n  \"\n",
            "a: &x !t ".to_string() + &"[&y ".repeat(200_000),
        ] {
            let started = std::time::Instant::now();
            let err = error_of(&text);
            assert!(
                err.problem.ends_with("nesting is deeper than 128 levels"),
                "{err}"
            );
            assert!(started.elapsed().as_secs() < 2);
        }
        // Brackets in quotes, comments and plain scalars are not nesting.
        let text = format!(
            "a: \"{0}\"\nb: '{0}'\n# {0}\nc: x{0}\nd: |\n  x {0}\n",
            "[".repeat(300)
        );
        load_documents(&text).unwrap();
    }

    #[test]
    fn brackets_in_block_scalars_are_text() {
        // A block scalar line with 300 unclosed `[` (prose, code) was
        // refused as nesting deeper than 128 levels.
        let brackets = "[".repeat(300);
        for text in [
            format!("a: |\n  {brackets}\nb: 1\n"),
            format!("a: >-\n  x\n\n  {brackets}\n  {brackets}\nb: 1\n"),
            format!("- key: |2\n    {brackets}\n- k: &x !!str |+ # note\n   {brackets}\n"),
            format!("a:\n  - |\n    {brackets}\n  - b\n"),
            // the fixture: a provider config with a Python snippet
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/hostile/block-scalar-brackets.yaml"
            ))
            .unwrap(),
        ] {
            assert_eq!(flow_too_deep(&text), None, "{text}");
            load_documents(&text).unwrap();
        }
        // Lines that end the block scalar (not more indented than its
        // parent, or than its first line) are judged again.
        for text in [
            format!("a: |\n  x\nb: {brackets}\n"),
            format!("a: |\n    x\n  {brackets}\n"),
            format!("- k: |\n  {brackets}\n"),
            format!("a: |2\n {brackets}\n"),
            // not a header: inside a flow collection, after a quote left
            // open, or plain text
            format!("a: [\n |\n  {brackets}\n"),
            format!("a: \"x\n  - |\n    {brackets}\n"),
            format!("a: x |\n  {brackets}\n"),
            format!("a: | x\n  {brackets}\n"),
        ] {
            let started = std::time::Instant::now();
            assert!(flow_too_deep(&text).is_some(), "{text}");
            assert!(
                error_of(&text)
                    .problem
                    .ends_with("nesting is deeper than 128 levels"),
                "{text}"
            );
            assert!(started.elapsed().as_secs() < 2);
        }
    }

    #[test]
    fn aliases_of_long_strings_count_their_bytes() {
        // 50,000 aliases of a 100 KB string: 9.5 GB before.
        let text = format!(
            "a: &a {}\nb: [{}]\n",
            "x".repeat(100_000),
            vec!["*a"; 50_000].join(",")
        );
        let err = error_of(&text);
        assert_eq!(
            err.problem,
            "document 1: aliases expand to more than 4194304 bytes of text (an alias bomb)"
        );
    }

    #[test]
    fn the_alias_limit_holds_for_the_whole_input() {
        // Fifty documents each under the limit: 55 s and 593 MB before.
        let one = format!(
            "a: &a [{}]\nb: [{}]\n",
            vec!["x"; 10_000].join(","),
            ["*a"; 9].join(",")
        );
        let text = vec![one; 50].join("---\n");
        let err = error_of(&text);
        assert!(
            err.problem.starts_with("document 2: aliases expand"),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_of_texts_with_aliases_come_from_the_guard() {
        let err = error_of("a: &a [x]\nb: *a\nc: [\n");
        assert!(err.problem.starts_with("document 1: invalid YAML"), "{err}");
        assert!(err.location.is_some());
    }

    #[test]
    fn numbers_json_cannot_hold_are_refused_where_they_are() {
        for (text, column) in [
            ("a: .inf\n", 4),
            ("a: -.Inf\n", 4),
            ("a: .NaN\n", 4),
            ("a: [1, 1e400]\n", 8),
            ("a: 18446744073709551616\n", 4),
            ("a: -9223372036854775809\n", 4),
            ("a: 0x1ffffffffffffffff\n", 4),
            ("a: !!float 1e999\n", 4),
        ] {
            let err = error_of(text);
            assert!(
                err.problem.contains("a number JSON cannot hold"),
                "{text}: {err}"
            );
            assert_eq!(err.location.map(|l| l.column), Some(column), "{text}");
        }
        let docs = load_documents(
            "a: [\".inf\", 1e300, -9223372036854775808, 18446744073709551615, 0777, 00000000000000000000000001, infinity, 1.5e-400]\n",
        )
        .unwrap();
        assert_eq!(docs[0].value["a"][0], ".inf");
        assert_eq!(docs[0].value["a"][3], u64::MAX);
    }

    #[test]
    fn non_string_keys_are_refused() {
        let err = error_of("? [1, 2]\n: x\n");
        assert!(err.problem.contains("JSON-compatible"), "{err}");
    }

    #[test]
    fn invalid_utf8_is_located() {
        let err = decode_utf8(b"a: 1\nb: \xff\n").unwrap_err();
        assert!(err.problem.contains("not valid UTF-8"), "{err}");
        assert_eq!(err.location, Some(Location { line: 2, column: 4 }));
    }

    #[test]
    fn read_documents_locate_their_type_mismatches() {
        let err = read_document::<Vec<u8>>(b"a: 1\n", typed("a list"))
            .err()
            .unwrap();
        assert_eq!(err[0].location, Some(Location { line: 1, column: 1 }));
        assert_eq!(err[0].fix, "a list");
        #[derive(Debug, serde::Deserialize)]
        struct Port {
            #[allow(dead_code)]
            port: u16,
        }
        let err = read_document::<Port>(b"# c\nport: x\n", typed("a number"))
            .err()
            .unwrap();
        assert_eq!(err[0].path, "port");
        assert_eq!(err[0].location, Some(Location { line: 2, column: 1 }));
        let err = read_document::<Port>(b"\xff", typed("")).err().unwrap();
        assert!(err[0].problem.contains("UTF-8"), "{}", err[0]);
    }

    #[test]
    fn a_second_document_is_refused_where_it_starts() {
        let err = read_text("a: 1\n---\n---\nb: 2\n", |v| Ok(v.clone())).unwrap_err();
        assert_eq!(
            err[0].problem,
            "document 3: the input holds more than one YAML document; it is read as exactly one"
        );
        assert_eq!(err[0].location.map(|l| l.line), Some(4));
        assert!(read_text("a: 1\n---\n", |v| Ok(v.clone())).is_ok());
    }

    #[test]
    fn oversized_inputs_are_refused_before_parsing() {
        let big = " ".repeat(MAX_INPUT_BYTES + 1);
        let err = load_documents(&big).unwrap_err();
        assert!(err.problem.contains("byte limit"), "{err}");
    }
}
