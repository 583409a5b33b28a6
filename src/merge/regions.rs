//! Byte regions of sequence items (what removing one cuts) and the
//! points where new items go.

use crate::merge::splice::Edit;
use crate::merge::text;
use crate::yaml_tree::{Node, Tree};

/// Where a block sequence item sits: its dash and its whole-line region
/// (leading indentation, content, trailing deeper comment lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockItem {
    pub dash: usize,
    pub dash_col: usize,
    pub start: usize,
    pub end: usize,
}

/// Locate item `node` of a block sequence; `from` is a position after
/// the previous token (the parent key, or the previous item's end).
pub fn block_item(src: &str, node: &Node, from: usize) -> Option<BlockItem> {
    let dash = text::find_dash(src, from, node.start.max(from))
        .or_else(|| text::find_dash(src, from, node.start + 1))?;
    let ls = text::line_start(src, dash);
    let only_blank_before = src
        .get(ls..dash)
        .is_some_and(|s| s.bytes().all(|b| b == b' ' || b == b'\t'));
    let start = if only_blank_before { ls } else { dash };
    let dash_col = text::column(src, dash);
    let end = text::skip_deeper_comment_lines(src, text::line_end_incl(src, node.end), dash_col);
    Some(BlockItem {
        dash,
        dash_col,
        start,
        end,
    })
}

/// All items of a block sequence; `None` if a dash cannot be found.
pub fn block_items(src: &str, tree: &Tree, seq: &Node, key_end: usize) -> Option<Vec<BlockItem>> {
    let mut from = key_end;
    let mut out = Vec::new();
    for &c in &seq.children {
        let node = tree.node(c)?;
        let item = block_item(src, node, from)?;
        from = node.end;
        out.push(item);
    }
    Some(out)
}

/// Edits removing the flagged block items; adjacent items go as one
/// region. At the end of a text without a final line break the preceding
/// break goes instead of a following one, so that appending after it
/// stays idempotent.
pub fn remove_block_items(src: &str, items: &[BlockItem], removed: &[bool]) -> Vec<Edit> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (item, _) in items.iter().zip(removed).filter(|(_, r)| **r) {
        match spans.last_mut() {
            Some(last) if last.1 >= item.start => last.1 = last.1.max(item.end),
            _ => spans.push((item.start, item.end)),
        }
    }
    spans
        .into_iter()
        .map(|(mut start, end)| {
            if end == src.len()
                && !text::ends_with_break(src)
                && start == text::line_start(src, start)
            {
                let b = src.as_bytes();
                if start >= 2 && b.get(start - 2..start) == Some(b"\r\n") {
                    start -= 2;
                } else if start >= 1 {
                    start -= 1;
                }
            }
            Edit::remove(start, end)
        })
        .collect()
}

/// Insert block lines (built with `\n`, ending with `\n`) at a line
/// start `at`, converting breaks to `eol`; at the end of a text without
/// a final break, the break goes first instead.
pub fn insert_block_lines(src: &str, at: usize, body: &str, eol: &str) -> Edit {
    let converted = convert_breaks(body, eol);
    if at >= src.len() && !text::ends_with_break(src) {
        let trimmed = converted.strip_suffix(eol).unwrap_or(&converted);
        Edit::insert(at, format!("{eol}{trimmed}"))
    } else {
        Edit::insert(at, converted)
    }
}

/// Insert block lines after the content of a line (`at` = that line's
/// content end): a break first, the body's final break dropped.
pub fn insert_after_line(at: usize, body: &str, eol: &str) -> Edit {
    let converted = convert_breaks(body, eol);
    let trimmed = converted.strip_suffix(eol).unwrap_or(&converted);
    Edit::insert(at, format!("{eol}{trimmed}"))
}

pub fn convert_breaks(body: &str, eol: &str) -> String {
    if eol == "\n" {
        body.to_string()
    } else {
        body.replace('\n', eol)
    }
}

/// Removal edits for the flagged items of a flow collection's children
/// (`items` as (start, end) spans), separators included, without overlap.
pub fn flow_removals(items: &[(usize, usize)], removed: &[bool]) -> Vec<Edit> {
    let n = items.len();
    let kept_last = (0..n)
        .rev()
        .find(|&i| !removed.get(i).copied().unwrap_or(false));
    let mut edits = Vec::new();
    match kept_last {
        None => {
            if let (Some(first), Some(last)) = (items.first(), items.last()) {
                edits.push(Edit::remove(first.0, last.1));
            }
        }
        Some(k) => {
            for i in (0..k).filter(|&i| removed.get(i).copied().unwrap_or(false)) {
                if let (Some(a), Some(b)) = (items.get(i), items.get(i + 1)) {
                    edits.push(Edit::remove(a.0, b.0));
                }
            }
            let tail = (k + 1 < n).then(|| (items.get(k), items.last()));
            if let Some((Some(a), Some(b))) = tail {
                edits.push(Edit::remove(a.1, b.1));
            }
        }
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::splice::apply;
    use crate::yaml_tree::parse;

    #[test]
    fn block_item_region_takes_own_comments() {
        let src = "s:\n- a: 1\n  # mine\n- b: 2\n# not mine\n";
        let t = parse(src).unwrap();
        let root = t.node(t.root().unwrap()).unwrap();
        let key = t.node(root.children[0]).unwrap();
        let seq = t.node(root.children[1]).unwrap();
        let items = block_items(src, &t, seq, key.end).unwrap();
        assert_eq!(&src[items[0].start..items[0].end], "- a: 1\n  # mine\n");
        assert_eq!(&src[items[1].start..items[1].end], "- b: 2\n");
    }

    #[test]
    fn flow_removal_handles_separators() {
        let src = "[a, b, c]";
        let spans = [(1, 2), (4, 5), (7, 8)];
        let cases = [
            ([true, false, false], "[b, c]"),
            ([false, true, false], "[a, c]"),
            ([false, true, true], "[a]"),
            ([true, true, true], "[]"),
            ([true, false, true], "[b]"),
        ];
        for (flags, want) in cases {
            assert_eq!(apply(src, &flow_removals(&spans, &flags)).unwrap(), want);
        }
    }

    #[test]
    fn insertion_at_eof_without_break() {
        let e = insert_block_lines("a: 1", 4, "- x\n", "\n");
        assert_eq!(e.text, "\n- x");
        let e = insert_block_lines("a: 1\n", 5, "- x\n", "\r\n");
        assert_eq!(e.text, "- x\r\n");
    }
}
