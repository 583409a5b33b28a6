//! A YAML text as a flat node arena built from saphyr-parser's events,
//! with byte spans, line and column: what the merge edits the base
//! run.yaml by (`merge`) and what user documents become values from
//! (`yaml_input`). Flat storage keeps building, walking and dropping free
//! of recursion, whatever the nesting.

use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};

use crate::limits::MAX_MERGE_DEPTH as MAX_DEPTH;

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
    /// The tag, when tagged (`!!str` is handle `tag:yaml.org,2002:`,
    /// suffix `str`; `!x` is `!`, `x`).
    pub tag: Option<Box<Tag>>,
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

    /// The tag's suffix (`str` for `!!str`).
    pub fn tag_suffix(&self) -> Option<&str> {
        self.tag.as_deref().map(|t| t.suffix.as_str())
    }
}

/// One document of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Document {
    /// 1-based position in the stream (`---` separated).
    pub number: usize,
    /// Its root node; `None` only when the document is cut short.
    pub root: Option<usize>,
}

#[derive(Debug, Default)]
pub struct Tree<'a> {
    /// Every node of every document, in text order (parents first).
    pub nodes: Vec<Node<'a>>,
    pub documents: Vec<Document>,
    /// `aliased[id]`: some alias refers to anchor `id`.
    pub aliased: Vec<bool>,
}

impl<'a> Tree<'a> {
    pub fn node(&self, i: usize) -> Option<&Node<'a>> {
        self.nodes.get(i)
    }

    /// The first document's root.
    pub fn root(&self) -> Option<usize> {
        self.documents.first().and_then(|d| d.root)
    }
}

/// Why a text has no tree. Positions are 1-based, columns in characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    /// The document being read (1 before the first starts).
    pub document: usize,
    pub kind: ParseErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// Not well-formed YAML: saphyr-parser's description, and the
    /// innermost flow collection open there, if any (an unclosed `[` is
    /// often the cause of an error lines later).
    Syntax {
        message: String,
        inside: Option<FlowStart>,
    },
    /// A collection nested deeper than the limit.
    TooDeep { limit: usize },
    /// A second document where one is read.
    SecondDocument,
}

/// Where a flow collection opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowStart {
    /// `[`, not `{`.
    pub sequence: bool,
    pub line: usize,
    pub column: usize,
}

fn scan_error(e: &ScanError, document: usize, inside: Option<FlowStart>) -> ParseError {
    ParseError {
        line: e.marker().line(),
        column: e.marker().col() + 1,
        document: document.max(1),
        kind: ParseErrorKind::Syntax {
            message: e.info().to_string(),
            inside,
        },
    }
}

/// Check that `src` parses, without building a tree (the safety net on
/// merged output).
pub fn validate(src: &str) -> Result<(), ParseError> {
    let mut parser = Parser::new_from_str(src);
    let mut documents = 0;
    while let Some(item) = parser.next_event() {
        let (event, _) = item.map_err(|e| scan_error(&e, documents, None))?;
        if matches!(event, Event::DocumentStart(_)) {
            documents += 1;
        }
    }
    Ok(())
}

/// The tree of the only document of `src` (the merge's base): a second
/// document is an error where it starts, nesting is bounded by
/// [`MAX_DEPTH`].
pub fn parse(src: &str) -> Result<Tree<'_>, ParseError> {
    build(src, MAX_DEPTH, true)
}

/// The tree of every document of `src`, collections nested at most
/// `max_depth` deep.
pub fn parse_documents(src: &str, max_depth: usize) -> Result<Tree<'_>, ParseError> {
    build(src, max_depth, false)
}

fn build(src: &str, max_depth: usize, one_document: bool) -> Result<Tree<'_>, ParseError> {
    let map = CharMap::new(src);
    let mut parser = Parser::new_from_str(src);
    let mut tree = Tree::default();
    let mut stack: Vec<usize> = Vec::new();
    while let Some(item) = parser.next_event() {
        let (event, span) = item.map_err(|e| {
            let inside = stack
                .last()
                .and_then(|&open| tree.node(open))
                .filter(|open| open.flow)
                .map(|open| FlowStart {
                    sequence: open.kind == Kind::Sequence,
                    line: open.line,
                    column: open.column,
                });
            scan_error(&e, tree.documents.len(), inside)
        })?;
        let is_seq = matches!(event, Event::SequenceStart(..));
        match event {
            Event::DocumentStart(_) => {
                let number = tree.documents.len() + 1;
                if one_document && number > 1 {
                    return Err(ParseError {
                        line: span.start.line(),
                        column: span.start.col() + 1,
                        document: number,
                        kind: ParseErrorKind::SecondDocument,
                    });
                }
                tree.documents.push(Document { number, root: None });
            }
            Event::Scalar(value, style, anchor, tag) => {
                let mut node = new_node(&tree, &stack, &map, src, Kind::Scalar, span, anchor);
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    node.end = trim_trailing_blank(src, node.start, node.end);
                }
                node.value = value;
                node.style = Some(style);
                node.tag = tag.map(|t| Box::new(t.into_owned()));
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
                if stack.len() >= max_depth {
                    return Err(ParseError {
                        line: span.start.line(),
                        column: span.start.col() + 1,
                        document: tree.documents.len().max(1),
                        kind: ParseErrorKind::TooDeep { limit: max_depth },
                    });
                }
                let mut node = new_node(&tree, &stack, &map, src, kind, span, anchor);
                node.tag = tag.map(|t| Box::new(t.into_owned()));
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
        None if stack.is_empty() => {
            if let Some(document) = tree.documents.last_mut().filter(|d| d.root.is_none()) {
                document.root = Some(id);
            }
        }
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

/// Maps the parser's char indices to byte offsets.
struct CharMap {
    /// Byte offset of each char start, plus the text length; empty when
    /// the text is ASCII (identity).
    offsets: Vec<usize>,
    len: usize,
}

impl CharMap {
    fn new(src: &str) -> Self {
        let offsets = if src.is_ascii() {
            Vec::new()
        } else {
            src.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(src.len()))
                .collect()
        };
        CharMap {
            offsets,
            len: src.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.offsets.is_empty() {
            char_index.min(self.len)
        } else {
            self.offsets.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_map_handles_multibyte() {
        let s = "\u{feff}é: x";
        let m = CharMap::new(s);
        assert_eq!(m.byte(0), 0);
        assert_eq!(m.byte(1), 3);
        assert_eq!(m.byte(2), 5);
        assert_eq!(m.byte(99), s.len());
    }

    #[test]
    fn spans_cover_nodes() {
        let src = "a: &x\n  - s1\n  - {b: 2}\nc: &l |\n  text\n\nd: *x\n";
        let t = parse(src).unwrap();
        let root = t.node(t.root().unwrap()).unwrap();
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
        let root = t.node(t.root().unwrap()).unwrap();
        assert!(!root.flow);
        let seq = t.node(root.children[1]).unwrap();
        assert!(seq.flow);
        assert_eq!(&src[seq.start..seq.end], "[x, {y: z}]");
    }

    #[test]
    fn errors_have_positions() {
        let syntax = |r: Result<Tree, ParseError>| match r {
            Err(ParseError {
                line,
                kind: ParseErrorKind::Syntax { .. },
                ..
            }) => Some(line),
            _ => None,
        };
        assert_eq!(syntax(parse("a: [b\n")), Some(2));
        assert_eq!(syntax(parse("a:\n\t- b\n")), Some(2));
        assert_eq!(syntax(parse("a: *nope\n")), Some(1));
        assert_eq!(
            parse("a: 1\n---\nb: 2\n").err(),
            Some(ParseError {
                line: 2,
                column: 1,
                document: 2,
                kind: ParseErrorKind::SecondDocument
            })
        );
    }

    #[test]
    fn syntax_errors_name_the_open_flow_collection() {
        let err = parse_documents("a: 1\n---\nb: [1, {c: 2\n", 8).unwrap_err();
        assert_eq!(err.document, 2);
        let ParseErrorKind::Syntax { inside, .. } = err.kind else {
            panic!("{err:?}");
        };
        assert_eq!(
            inside,
            Some(FlowStart {
                sequence: false,
                line: 3,
                column: 8
            })
        );
    }

    #[test]
    fn every_document_has_its_root() {
        let t = parse_documents("a: 1\n---\n---\n[b]\n", 8).unwrap();
        let roots: Vec<_> = t
            .documents
            .iter()
            .map(|d| (d.number, d.root.map(|r| t.nodes[r].kind)))
            .collect();
        assert_eq!(
            roots,
            [
                (1, Some(Kind::Mapping)),
                (2, Some(Kind::Scalar)),
                (3, Some(Kind::Sequence))
            ]
        );
        assert_eq!(t.root(), Some(0));
        let err = parse_documents("a: 1\n---\n[[[x]]]\n", 2).unwrap_err();
        assert_eq!(
            (err.line, err.column, err.document, err.kind),
            (3, 3, 2, ParseErrorKind::TooDeep { limit: 2 })
        );
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
                matches!(
                    parse(&flow).map_err(|e| e.kind),
                    Err(ParseErrorKind::Syntax { .. })
                ) && matches!(
                    parse(&block).map_err(|e| e.kind),
                    Err(ParseErrorKind::TooDeep { limit: MAX_DEPTH })
                )
            })
            .map(|h| h.join());
        assert!(matches!(r, Ok(Ok(true))));
    }
}
