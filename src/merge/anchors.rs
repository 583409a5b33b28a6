//! Keeping aliases valid when a removed entry defines an anchor that is
//! still used elsewhere: the anchored node's definition moves to the
//! first remaining alias (re-indented when it is block text). Layouts
//! where that cannot be done safely are errors, never broken output.

use saphyr_parser::ScalarStyle;

use crate::merge::error::MergeError;
use crate::merge::event::MergeEvent;
use crate::merge::splice::Edit;
use crate::merge::text;
use crate::yaml_tree::{Kind, Node, Tree};

fn inside(ranges: &[(usize, usize)], pos: usize) -> bool {
    ranges.iter().any(|&(s, e)| s <= pos && pos < e)
}

/// Edits (and events) that move every anchor defined inside `removed`
/// and aliased outside it to its first remaining alias.
pub fn relocate(
    src: &str,
    tree: &Tree,
    removed: &[(usize, usize)],
    eol: &str,
) -> Result<(Vec<Edit>, Vec<MergeEvent>), MergeError> {
    let mut edits = Vec::new();
    let mut events = Vec::new();
    let mut moved: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, site start)
    for node in &tree.nodes {
        if node.anchor == 0 || node.kind == Kind::Alias || !inside(removed, node.start) {
            continue;
        }
        let Some((site_index, site)) = first_outside_alias(tree, node.anchor, removed) else {
            continue;
        };
        if let Some(&(_, _, carried_to)) = moved
            .iter()
            .find(|(s, e, _)| *s <= node.start && node.end <= *e)
        {
            if site.start < carried_to {
                return Err(relocation_error(
                    src,
                    node,
                    "it is nested in another moved anchor and used before that one's new place",
                ));
            }
            continue;
        }
        let (edit_list, to_line) = move_to_site(src, tree, node, (site_index, site), eol)?;
        edits.extend(edit_list);
        moved.push((node.start, node.end, site.start));
        events.push(MergeEvent::AnchorRelocated {
            anchor: anchor_name(src, node),
            from_line: node.line,
            to_line,
        });
    }
    Ok((edits, events))
}

fn first_outside_alias<'t>(
    tree: &'t Tree<'_>,
    anchor: usize,
    removed: &[(usize, usize)],
) -> Option<(usize, &'t Node<'t>)> {
    tree.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == Kind::Alias && n.anchor == anchor && !inside(removed, n.start))
        .min_by_key(|(_, n)| n.start)
}

fn anchor_name(src: &str, node: &Node) -> String {
    let (props, _) = split_properties(src, node);
    props
        .split_whitespace()
        .find_map(|t| t.strip_prefix('&'))
        .unwrap_or("")
        .to_string()
}

fn relocation_error(src: &str, node: &Node, reason: &str) -> MergeError {
    MergeError::AnchorRelocation {
        anchor: anchor_name(src, node),
        line: node.line,
        column: node.column,
        reason: reason.to_string(),
    }
}

/// The node's properties text (`&a !t`) and the byte where its body starts.
fn split_properties<'s>(src: &'s str, node: &Node) -> (&'s str, usize) {
    let b = src.as_bytes();
    let mut i = node.start;
    let mut props_end = node.start;
    while i < node.end {
        match b.get(i) {
            Some(b'&' | b'!') => {
                while i < node.end && !matches!(b.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                    i += 1;
                }
                props_end = i;
            }
            Some(b' ' | b'\t') => i += 1,
            _ => break,
        }
    }
    let body = text::skip_properties(src, props_end, node.end);
    (src.get(node.start..props_end).unwrap_or(""), body)
}

/// Indentation (0-based column) of the collection entry holding `site`:
/// the key's column for a mapping value, the dash's for a sequence item.
fn site_indent(src: &str, tree: &Tree, site_index: usize, site: &Node) -> Option<(usize, bool)> {
    let parent = tree.node(site.parent?)?;
    let idx = parent.children.iter().position(|&c| c == site_index)?;
    match parent.kind {
        Kind::Mapping => {
            let is_key = idx % 2 == 0;
            let key = tree.node(*parent.children.get(idx - idx % 2)?)?;
            Some((text::column(src, key.start), is_key))
        }
        Kind::Sequence => {
            let ls = text::line_start(src, site.start);
            let before = src.get(ls..site.start)?;
            let dash = before.trim_end_matches([' ', '\t']);
            if dash.ends_with('-') {
                Some((text::column(src, ls + dash.len() - 1), false))
            } else {
                Some((text::column(src, site.start), false))
            }
        }
        _ => None,
    }
}

fn move_to_site(
    src: &str,
    tree: &Tree,
    node: &Node,
    (site_index, site): (usize, &Node),
    eol: &str,
) -> Result<(Vec<Edit>, usize), MergeError> {
    let whole = src.get(node.start..node.end).unwrap_or("");
    let multiline = whole.contains(['\n', '\r']);
    let is_block_scalar = matches!(node.style, Some(ScalarStyle::Literal | ScalarStyle::Folded));
    let is_block_collection = matches!(node.kind, Kind::Sequence | Kind::Mapping) && !node.flow;
    let (indent, is_key) = site_indent(src, tree, site_index, site)
        .ok_or_else(|| relocation_error(src, node, "its alias is in an unsupported place"))?;
    if !multiline {
        return Ok((
            vec![Edit {
                start: site.start,
                end: site.end,
                text: whole.to_string(),
            }],
            site.line,
        ));
    }
    if is_key {
        return Err(relocation_error(
            src,
            node,
            "its first remaining alias is a mapping key",
        ));
    }
    let target = indent + 2;
    let (props, body) = split_properties(src, node);
    if !is_block_scalar && !is_block_collection {
        // Multi-line flow node: leading blanks of continuation lines are
        // not content; put them at a safe depth.
        let mut out = String::new();
        for (i, line) in whole.lines().enumerate() {
            if i > 0 {
                out.push_str(eol);
                let t = line.trim_start_matches([' ', '\t']);
                if !t.is_empty() {
                    out.extend(std::iter::repeat_n(' ', target));
                    out.push_str(t);
                }
            } else {
                out.push_str(line.trim_end_matches('\r'));
            }
        }
        return Ok((
            vec![Edit {
                start: site.start,
                end: site.end,
                text: out,
            }],
            site.line,
        ));
    }
    if site.flow {
        return Err(relocation_error(
            src,
            node,
            "its first remaining alias is inside a flow collection",
        ));
    }
    let (head, lines_from, base_col) = if is_block_scalar {
        let header_end = text::line_content_end(src, body);
        let header = src.get(body..header_end).unwrap_or("");
        let token = header.split_whitespace().next().unwrap_or("");
        if token.bytes().any(|b| b.is_ascii_digit()) {
            return Err(relocation_error(
                src,
                node,
                "its block scalar has an explicit indentation indicator",
            ));
        }
        let first_content = text::line_end_incl(src, body);
        let col = first_content_indent(src, first_content, node.end);
        (format!("{props} {token}"), first_content, col)
    } else {
        (props.to_string(), body, text::column(src, body))
    };
    let mut out = String::new();
    let mut pos = lines_from;
    let mut first = !is_block_scalar;
    while pos < node.end {
        let line_end = text::line_content_end(src, pos).min(node.end);
        let line = src.get(pos..line_end).unwrap_or("");
        let own = if first {
            base_col
        } else {
            line.len() - line.trim_start_matches(' ').len()
        };
        let rest = line.get(if first { 0 } else { own }..).unwrap_or("");
        let new_indent = (own + target).saturating_sub(base_col);
        out.push_str(eol);
        if !rest.is_empty() || !first && own > 0 {
            out.extend(std::iter::repeat_n(' ', new_indent));
            out.push_str(rest);
        }
        first = false;
        let next = text::line_end_incl(src, line_end);
        if next <= pos {
            break;
        }
        pos = next;
    }
    let at = text::line_content_end(src, site.end);
    Ok((
        vec![
            Edit {
                start: site.start,
                end: site.end,
                text: head,
            },
            Edit::insert(at, out),
        ],
        site.line,
    ))
}

fn first_content_indent(src: &str, from: usize, end: usize) -> usize {
    let mut pos = from;
    while pos < end {
        let le = text::line_content_end(src, pos);
        let line = src.get(pos..le).unwrap_or("");
        if !line.trim().is_empty() {
            return line.len() - line.trim_start_matches(' ').len();
        }
        let next = text::line_end_incl(src, le);
        if next <= pos {
            break;
        }
        pos = next;
    }
    0
}
