//! Byte-level helpers over the base text: lines, line breaks, columns.

/// The file's line break: `\r\n` when its first break is one, else `\n`.
pub fn line_break(src: &str) -> &'static str {
    match src.find('\n') {
        Some(i) if i > 0 && src.as_bytes().get(i - 1) == Some(&b'\r') => "\r\n",
        _ => "\n",
    }
}

/// Start of the line holding `pos`.
pub fn line_start(src: &str, pos: usize) -> usize {
    let b = src.as_bytes();
    let mut i = pos.min(b.len());
    while i > 0 && !matches!(b.get(i - 1), Some(b'\n' | b'\r')) {
        i -= 1;
    }
    i
}

/// End of the content of the line holding `pos` (before its break).
pub fn line_content_end(src: &str, pos: usize) -> usize {
    let b = src.as_bytes();
    let mut i = pos.min(b.len());
    while i < b.len() && !matches!(b.get(i), Some(b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// Just past the break ending the line holding `pos` (or the text end).
pub fn line_end_incl(src: &str, pos: usize) -> usize {
    let b = src.as_bytes();
    let i = line_content_end(src, pos);
    match (b.get(i), b.get(i + 1)) {
        (Some(b'\r'), Some(b'\n')) => i + 2,
        (Some(b'\r' | b'\n'), _) => i + 1,
        _ => i,
    }
}

/// Columns of leading spaces of the line starting at `start`.
pub fn indent_at(src: &str, start: usize) -> usize {
    src.as_bytes()
        .get(start..)
        .unwrap_or(&[])
        .iter()
        .take_while(|&&b| b == b' ')
        .count()
}

/// Column (in chars) of byte `pos`.
pub fn column(src: &str, pos: usize) -> usize {
    let ls = line_start(src, pos);
    // A byte-order mark opens the stream; it is not part of the first line.
    let ls = if ls == 0 && src.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        ls
    };
    src.get(ls..pos).map_or(0, |s| s.chars().count())
}

/// Whether the line starting at `start` is only whitespace and a comment.
fn is_comment_line(src: &str, start: usize) -> bool {
    let end = line_content_end(src, start);
    let line = src.get(start..end).unwrap_or("");
    line.trim_start_matches([' ', '\t']).starts_with('#')
}

/// From `pos` (a line start), skip following comment-only lines indented
/// deeper than `indent`; returns the new line start.
pub fn skip_deeper_comment_lines(src: &str, mut pos: usize, indent: usize) -> usize {
    while pos < src.len() && is_comment_line(src, pos) && indent_at(src, pos) > indent {
        let next = line_end_incl(src, pos);
        if next == pos {
            break;
        }
        pos = next;
    }
    pos
}

/// Whether the text ends with a line break.
pub fn ends_with_break(src: &str) -> bool {
    src.ends_with('\n') || src.ends_with('\r')
}

/// First position at or after `from` (and before `limit`) holding `-`
/// followed by a blank, skipping blanks, comments, `:`/`?` indicators and
/// node properties (`&anchor`, `!tag`).
pub fn find_dash(src: &str, from: usize, limit: usize) -> Option<usize> {
    let b = src.as_bytes();
    let mut i = from;
    while i < limit.min(b.len()) {
        match b.get(i).copied()? {
            b' ' | b'\t' | b'\r' | b'\n' | b':' | b'?' => i += 1,
            b'#' => i = line_content_end(src, i),
            b'&' | b'!' => {
                while i < b.len() && !matches!(b.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                    i += 1;
                }
            }
            b'-' if matches!(b.get(i + 1), None | Some(b' ' | b'\t' | b'\r' | b'\n')) => {
                return Some(i);
            }
            _ => return None,
        }
    }
    None
}

/// Position of the first non-blank byte at or after `from`, skipping
/// comments and node properties; used to find where a node's body starts.
pub fn skip_properties(src: &str, from: usize, limit: usize) -> usize {
    let b = src.as_bytes();
    let mut i = from;
    while i < limit.min(b.len()) {
        match b.get(i).copied().unwrap_or(b' ') {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => i = line_content_end(src, i),
            b'&' | b'!' => {
                while i < b.len()
                    && !matches!(
                        b.get(i),
                        Some(b' ' | b'\t' | b'\r' | b'\n' | b',' | b']' | b'}')
                    )
                {
                    i += 1;
                }
            }
            _ => return i,
        }
    }
    i.min(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_breaks() {
        let s = "a\r\n  b # c\r\nz";
        assert_eq!(line_break(s), "\r\n");
        assert_eq!(line_break("a\nb\r\n"), "\n");
        assert_eq!(line_start(s, 5), 3);
        assert_eq!(line_content_end(s, 3), 10);
        assert_eq!(line_end_incl(s, 3), 12);
        assert_eq!(line_end_incl(s, 12), 13);
        assert_eq!(indent_at(s, 3), 2);
        assert!(!ends_with_break(s));
    }

    #[test]
    fn dash_search_skips_trivia() {
        let s = "k: &a # c\n  - x";
        assert_eq!(find_dash(s, 1, s.len()), Some(12));
        assert_eq!(find_dash("k: x", 1, 4), None);
    }

    #[test]
    fn deeper_comments() {
        let s = "- a\n  # mine\n# not mine\n";
        assert_eq!(skip_deeper_comment_lines(s, 4, 0), 13);
    }
}
