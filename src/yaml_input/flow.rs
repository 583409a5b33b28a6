//! The lexical pre-pass: flow collections opened on one line deeper than
//! [`MAX_YAML_DEPTH`], found before saphyr-parser's scanner sees the line.

use crate::limits::MAX_YAML_DEPTH;

/// The byte offset where one line opens flow collections (`[`, `{`)
/// deeper than [`MAX_YAML_DEPTH`], judged lexically: an indicator counts when
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
pub(super) fn flow_too_deep(text: &str) -> Option<usize> {
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
                if depth > MAX_YAML_DEPTH {
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
