//! The base document as a flat node arena built from saphyr-parser's
//! events, with byte spans. Flat storage keeps building, walking and
//! dropping free of recursion, whatever the nesting.

use crate::limits::MAX_MERGE_DEPTH;
use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

use crate::merge::error::MergeError;
use crate::merge::text::CharMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scalar,
    Sequence,
    Mapping,
    Alias,
}

#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub kind: Kind,
    /// First byte, node properties (`&a`, `!t`) included.
    pub start: usize,
    /// Just past the last content byte (block scalars: trailing breaks
    /// trimmed; block collections: end of their last child).
    pub end: usize,
    /// 1-based line and column of `start`.
    pub line: usize,
    pub column: usize,
    /// Written in flow style, or inside a flow collection.
    pub flow: bool,
    /// Anchor id defined on this node (0: none); for an alias, its target.
    pub anchor: usize,
    /// Scalar value (empty for collections).
    pub value: Cow<'a, str>,
    pub style: Option<ScalarStyle>,
    /// Tag suffix, when tagged (`str` for `!!str`).
    pub tag: Option<String>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
}

impl Node<'_> {
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Scalar => "a scalar",
            Kind::Sequence => "a sequence",
            Kind::Mapping => "a mapping",
            Kind::Alias => "an alias",
        }
    }
}

#[derive(Debug, Default)]
pub struct Tree<'a> {
    pub nodes: Vec<Node<'a>>,
    pub root: Option<usize>,
    /// `aliased[id]`: some alias refers to anchor `id`.
    pub aliased: Vec<bool>,
}

impl<'a> Tree<'a> {
    pub fn node(&self, i: usize) -> Option<&Node<'a>> {
        self.nodes.get(i)
    }
}

fn scan_error(e: &ScanError) -> MergeError {
    MergeError::InvalidYaml {
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_string(),
    }
}

/// Check that `src` parses, without building a tree (the safety net on
/// merged output).
pub fn validate(src: &str) -> Result<(), MergeError> {
    let mut parser = Parser::new_from_str(src);
    while let Some(item) = parser.next_event() {
        item.map_err(|e| scan_error(&e))?;
    }
    Ok(())
}

/// Parse the whole stream; build the tree of its single document.
pub fn parse(src: &str) -> Result<Tree<'_>, MergeError> {
    let map = CharMap::new(src);
    let mut parser = Parser::new_from_str(src);
    let mut tree = Tree::default();
    let mut stack: Vec<usize> = Vec::new();
    let mut documents = 0usize;
    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| scan_error(&e))?;
        let is_seq = matches!(event, Event::SequenceStart(..));
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(MergeError::MultipleDocuments {
                        line: span.start.line(),
                        column: span.start.col() + 1,
                    });
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let mut node = new_node(&tree, &stack, &map, src, Kind::Scalar, span, anchor);
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    node.end = trim_trailing_blank(src, node.start, node.end);
                }
                node.value = value;
                node.style = Some(style);
                node.tag = tag.map(|t| t.suffix.clone());
                push(&mut tree, &stack, node);
            }
            Event::Alias(target) => {
                if tree.aliased.len() <= target {
                    tree.aliased.resize(target + 1, false);
                }
                if let Some(flag) = tree.aliased.get_mut(target) {
                    *flag = true;
                }
                let node = new_node(&tree, &stack, &map, src, Kind::Alias, span, target);
                push(&mut tree, &stack, node);
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                let kind = if is_seq {
                    Kind::Sequence
                } else {
                    Kind::Mapping
                };
                if stack.len() >= MAX_MERGE_DEPTH {
                    return Err(MergeError::TooDeep {
                        line: span.start.line(),
                        column: span.start.col() + 1,
                        limit: MAX_MERGE_DEPTH,
                    });
                }
                let mut node = new_node(&tree, &stack, &map, src, kind, span, anchor);
                node.tag = tag.map(|t| t.suffix.clone());
                let id = push(&mut tree, &stack, node);
                stack.push(id);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(id) = stack.pop() {
                    close(&mut tree, id, map.byte(span.end.index()));
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    Ok(tree)
}

fn new_node<'a>(
    tree: &Tree<'a>,
    stack: &[usize],
    map: &CharMap,
    src: &str,
    kind: Kind,
    span: Span,
    anchor: usize,
) -> Node<'a> {
    let start = map.byte(span.start.index());
    let end = map.byte(span.end.index()).max(start);
    let parent = stack.last().copied();
    let parent_flow = parent.and_then(|p| tree.node(p)).is_some_and(|p| p.flow);
    let opens_flow = end > start
        && matches!(kind, Kind::Sequence | Kind::Mapping)
        && matches!(src.as_bytes().get(end - 1), Some(b'[' | b'{'));
    Node {
        kind,
        start,
        end,
        line: span.start.line(),
        column: span.start.col() + 1,
        flow: parent_flow || opens_flow,
        anchor,
        value: Cow::Borrowed(""),
        style: None,
        tag: None,
        parent,
        children: Vec::new(),
    }
}

fn push<'a>(tree: &mut Tree<'a>, stack: &[usize], node: Node<'a>) -> usize {
    let id = tree.nodes.len();
    let parent = node.parent;
    tree.nodes.push(node);
    match parent.and_then(|p| tree.nodes.get_mut(p)) {
        Some(p) => p.children.push(id),
        None if stack.is_empty() && tree.root.is_none() => tree.root = Some(id),
        None => {}
    }
    id
}

/// Set a collection's end: its closing bracket for flow style, its last
/// child's end for block style.
fn close(tree: &mut Tree<'_>, id: usize, span_end: usize) {
    let Some(node) = tree.nodes.get(id) else {
        return;
    };
    let end = if node.flow && is_own_flow(node, span_end) {
        span_end
    } else {
        node.children
            .last()
            .and_then(|&c| tree.nodes.get(c))
            .map_or(node.end, |c| c.end)
    };
    if let Some(node) = tree.nodes.get_mut(id) {
        node.end = end.max(node.start);
    }
}

/// A flow collection closes with its own bracket, except an implicit
/// single-pair mapping inside a flow sequence (`[a: b]`).
fn is_own_flow(node: &Node<'_>, span_end: usize) -> bool {
    span_end > node.start && node.end > node.start
}

fn trim_trailing_blank(src: &str, start: usize, end: usize) -> usize {
    let b = src.as_bytes();
    let mut e = end;
    while e > start + 1 && matches!(b.get(e - 1), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        e -= 1;
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_nodes() {
        let src = "a: &x\n  - s1\n  - {b: 2}\nc: &l |\n  text\n\nd: *x\n";
        let t = parse(src).unwrap();
        let root = t.node(t.root.unwrap()).unwrap();
        assert_eq!(root.kind, Kind::Mapping);
        let seq = t.node(root.children[1]).unwrap();
        assert_eq!(seq.kind, Kind::Sequence);
        assert!(!seq.flow);
        assert_eq!(&src[seq.start..seq.end], "&x\n  - s1\n  - {b: 2}");
        let lit = t.node(root.children[3]).unwrap();
        assert_eq!(&src[lit.start..lit.end], "&l |\n  text");
        let alias = t.node(root.children[5]).unwrap();
        assert_eq!(alias.kind, Kind::Alias);
        assert_eq!(alias.anchor, seq.anchor);
    }

    #[test]
    fn flow_collections_are_flagged() {
        let src = "a: [x, {y: z}]\n";
        let t = parse(src).unwrap();
        let root = t.node(t.root.unwrap()).unwrap();
        assert!(!root.flow);
        let seq = t.node(root.children[1]).unwrap();
        assert!(seq.flow);
        assert_eq!(&src[seq.start..seq.end], "[x, {y: z}]");
    }

    #[test]
    fn errors_have_positions() {
        match parse("a: [b\n") {
            Err(MergeError::InvalidYaml { line, .. }) => assert!(line >= 1),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("a:\n\t- b\n"),
            Err(MergeError::InvalidYaml { line: 2, .. })
        ));
        assert!(matches!(
            parse("a: *nope\n"),
            Err(MergeError::InvalidYaml { .. })
        ));
        assert!(matches!(
            parse("a: 1\n---\nb: 2\n"),
            Err(MergeError::MultipleDocuments { line: 2, .. })
        ));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let flow = "[".repeat(10_000) + &"]".repeat(10_000);
        let block: String = (0..10_000)
            .map(|i| format!("{}a:\n", " ".repeat(i)))
            .collect();
        let r = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                matches!(parse(&flow), Err(MergeError::InvalidYaml { .. }))
                    && matches!(
                        parse(&block),
                        Err(MergeError::TooDeep {
                            limit: MAX_MERGE_DEPTH,
                            ..
                        })
                    )
            })
            .map(|h| h.join());
        assert!(matches!(r, Ok(Ok(true))));
    }
}
