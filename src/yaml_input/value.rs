//! Documents as JSON values, from the tree the merge also reads
//! (`yaml_tree`): scalars resolved (`scalar`), aliases expanded within
//! the input's bounds, keys turned into strings and refused when two are
//! equal. Every refusal names its document, line and column.

use super::scalar::{self, Problem, Tagging};
use super::{Document, second_document, too_deep};
use crate::diagnostic::{Diagnostic, Location};
use crate::limits::{MAX_ALIAS_BYTES, MAX_ALIAS_NODES, MAX_YAML_DEPTH};
use crate::yaml_tree::{self, Kind, Node, ParseError, ParseErrorKind, Tree};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Every document of `text` with its number, null ones included.
pub fn documents(text: &str) -> Result<Vec<Document>, Diagnostic> {
    let tree = yaml_tree::parse_documents(text, MAX_YAML_DEPTH).map_err(parse_error)?;
    let mut reader = Reader {
        text,
        tree: &tree,
        document: 0,
        anchors: HashMap::new(),
        expanded: Size::default(),
    };
    let mut documents = Vec::new();
    for document in &tree.documents {
        let Some(root) = document.root else {
            continue;
        };
        reader.document = document.number;
        // Anchors hold within their document.
        reader.anchors.clear();
        let (value, _) = reader.node(root)?;
        documents.push(Document {
            number: document.number,
            value,
        });
    }
    Ok(documents)
}

/// saphyr-parser's errors about quoted scalars, which it locates where
/// the quote opens, and what they mean there.
const QUOTE_ERRORS: [(&str, &str); 3] = [
    (
        "while scanning a quoted scalar, found unexpected end of stream",
        "the quote opened here is not closed",
    ),
    (
        "while scanning a quoted scalar, found unexpected document indicator",
        "the quote opened here is not closed",
    ),
    (
        "invalid indentation in quoted scalar",
        "the text quoted here goes on to a line that is not indented enough (is the closing quote missing?)",
    ),
];

fn parse_error(e: ParseError) -> Diagnostic {
    let at = Location {
        line: e.line,
        column: e.column,
    };
    let problem = match e.kind {
        ParseErrorKind::TooDeep { .. } => return too_deep(e.document, at),
        // saphyr-parser's own bound on flow nesting (255 levels).
        ParseErrorKind::Syntax { message, .. } if message == "recursion limit exceeded" => {
            return too_deep(e.document, at);
        }
        ParseErrorKind::Syntax { message, inside } => match inside {
            Some(flow) => format!(
                "{message}, inside the flow {} that starts at line {}, column {}",
                if flow.sequence { "sequence" } else { "mapping" },
                flow.line,
                flow.column
            ),
            None => match QUOTE_ERRORS.iter().find(|(m, _)| *m == message) {
                Some((_, meaning)) => format!("{message}: {meaning}"),
                None => message,
            },
        },
        // Not from `parse_documents`, which reads any number.
        ParseErrorKind::SecondDocument => return second_document(e.document).at(at),
    };
    Diagnostic::error(
        "",
        format!("document {}: invalid YAML: {problem}", e.document),
        "fix the YAML syntax at this position (indentation, quotes, brackets)",
    )
    .at(at)
}

/// A key's value as a JSON key: strings as they are, numbers and booleans
/// as JSON writes them (`1`, `1.5`, `true`); `Err` gives other values back.
fn json_key(value: Value) -> Result<String, Value> {
    match value {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(other),
    }
}

/// Nodes and bytes of scalar text of a value, aliases expanded: what the
/// alias bounds count (mapping keys included).
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

struct Reader<'t> {
    text: &'t str,
    tree: &'t Tree<'t>,
    /// The document being read.
    document: usize,
    /// Anchor id → the value of its node, once read, when an alias uses it.
    anchors: HashMap<usize, (Value, Size)>,
    /// What aliases added so far, over the whole input.
    expanded: Size,
}

impl Reader<'_> {
    /// The value of node `i` and its size. Recursion follows the nesting,
    /// which the tree bounds to [`MAX_YAML_DEPTH`].
    fn node(&mut self, i: usize) -> Result<(Value, Size), Diagnostic> {
        let tree = self.tree;
        let node = &tree.nodes[i];
        let tagging = Tagging::of(node.tag.as_deref());
        let (value, size) = match node.kind {
            Kind::Alias => return self.alias(node),
            Kind::Scalar => {
                let style = node.style.unwrap_or(saphyr_parser::ScalarStyle::Plain);
                let value = scalar::resolve(&node.value, style, &tagging)
                    .map_err(|problem| self.scalar_problem(i, problem))?;
                let size = Size {
                    nodes: 1,
                    bytes: node.value.len() as u64,
                };
                (value, size)
            }
            Kind::Sequence => {
                let mut size = Size { nodes: 1, bytes: 0 };
                let mut items = Vec::with_capacity(node.children.len());
                for &child in &node.children {
                    let (value, child_size) = self.node(child)?;
                    size = size.plus(child_size);
                    items.push(value);
                }
                (Value::Array(items), size)
            }
            Kind::Mapping => self.mapping(i)?,
        };
        let value = match tagging {
            Tagging::Local(key) => Value::Object(Map::from_iter([(key, value)])),
            _ => value,
        };
        if node.anchor != 0 && tree.aliased.get(node.anchor) == Some(&true) {
            self.anchors.insert(node.anchor, (value.clone(), size));
        }
        Ok((value, size))
    }

    fn mapping(&mut self, i: usize) -> Result<(Value, Size), Diagnostic> {
        let tree = self.tree;
        let children = &tree.nodes[i].children;
        let mut size = Size { nodes: 1, bytes: 0 };
        let mut map = Map::new();
        for pair in children.chunks(2) {
            let (key, key_size) = self.node(pair[0])?;
            let key = self.key_string(i, pair[0], key)?;
            if map.contains_key(&key) {
                return Err(self.duplicate(i, pair[0], &key));
            }
            let (value, value_size) = match pair.get(1) {
                Some(&value) => self.node(value)?,
                None => (Value::Null, Size::default()),
            };
            size = size.plus(key_size).plus(value_size);
            map.insert(key, value);
        }
        Ok((Value::Object(map), size))
    }

    /// A key as JSON has it ([`json_key`]); anything else is refused.
    fn key_string(&self, map: usize, key: usize, value: Value) -> Result<String, Diagnostic> {
        let what = match (
            Tagging::of(self.tree.nodes[key].tag.as_deref()),
            json_key(value),
        ) {
            (Tagging::Local(tag), _) => format!("tagged {tag}"),
            (_, Ok(key)) => return Ok(key),
            (_, Err(Value::Array(_))) => "a sequence".to_string(),
            (_, Err(Value::Object(_))) => "a mapping".to_string(),
            (_, Err(_)) => "null".to_string(),
        };
        Err(self
            .error(
                map,
                format!(
                    "a mapping key that is {what} cannot be read as JSON-compatible data (keys are strings)"
                ),
                "use string keys and plain values; Kubernetes objects are JSON",
            )
            .at(self.location(key)))
    }

    fn duplicate(&self, map: usize, second: usize, key: &str) -> Diagnostic {
        let first = self.tree.nodes[map]
            .children
            .iter()
            .step_by(2)
            .take_while(|&&k| k != second)
            .find(|&&k| self.scalar_key(k).as_deref() == Some(key))
            .map_or(String::new(), |&k| {
                format!("; the first is at {}", self.location(k))
            });
        self.error(
            map,
            format!("duplicate key {key:?}{first}"),
            "remove or rename one of the two keys; YAML mappings need unique keys",
        )
        .at(self.location(second))
    }

    /// The key a scalar key node reads as (`None` for other nodes).
    fn scalar_key(&self, k: usize) -> Option<String> {
        let node = &self.tree.nodes[k];
        let tagging = Tagging::of(node.tag.as_deref());
        if node.kind != Kind::Scalar || matches!(tagging, Tagging::Local(_)) {
            return None;
        }
        let style = node.style.unwrap_or(saphyr_parser::ScalarStyle::Plain);
        json_key(scalar::resolve(&node.value, style, &tagging).ok()?).ok()
    }

    /// The text of a scalar key node, the name field paths use.
    fn key_text(&self, k: usize) -> Option<&str> {
        let node = &self.tree.nodes[k];
        (node.kind == Kind::Scalar).then_some(node.value.as_ref())
    }

    fn alias(&mut self, node: &Node) -> Result<(Value, Size), Diagnostic> {
        let here = Location {
            line: node.line,
            column: node.column,
        };
        let name = self.text.get(node.start..node.end).unwrap_or("*");
        let Some((value, size)) = self.anchors.get(&node.anchor) else {
            let recursive = std::iter::successors(node.parent, |&p| self.tree.nodes[p].parent)
                .any(|p| self.tree.nodes[p].anchor == node.anchor);
            let (problem, fix) = if recursive {
                (
                    format!("the alias {name} is inside the value it names (a recursive alias)"),
                    "write the value out, or anchor a value that does not hold the alias",
                )
            } else {
                (
                    format!("the alias {name} names an anchor of another document"),
                    "anchors hold within their document: repeat the value, or define the anchor in this document",
                )
            };
            return Err(Diagnostic::error(
                "",
                format!("document {}: {problem}", self.document),
                fix,
            )
            .at(here));
        };
        self.expanded = self.expanded.plus(*size);
        let problem = if self.expanded.nodes > MAX_ALIAS_NODES {
            format!("aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb)")
        } else if self.expanded.bytes > MAX_ALIAS_BYTES {
            format!("aliases expand to more than {MAX_ALIAS_BYTES} bytes of text (an alias bomb)")
        } else {
            return Ok((value.clone(), *size));
        };
        Err(Diagnostic::error(
            "",
            format!("document {}: {problem}", self.document),
            "remove the nested `*alias` references and write the values out",
        )
        .at(here))
    }

    fn scalar_problem(&self, i: usize, problem: Problem) -> Diagnostic {
        let node = &self.tree.nodes[i];
        let value = &node.value;
        match problem {
            Problem::NotJson => Diagnostic::error(
                "",
                format!(
                    "document {}: '{value}' is a number JSON cannot hold (infinite, not a number, or an integer beyond 64 bits)",
                    self.document
                ),
                "write a finite number (integers within 64 bits), or quote it to keep it as a string",
            ),
            Problem::NotOfType(ty) => self.error(
                i,
                format!(
                    "{value:?} is not {}, which its tag {} asks for",
                    ty.expected(),
                    ty.tag()
                ),
                "write a value of the tag's type, or remove the tag",
            ),
        }
        .at(self.location(i))
    }

    /// `document N: path: problem` (the path of node `i`, when not the root).
    fn error(&self, i: usize, problem: String, fix: &str) -> Diagnostic {
        let path = self.path(i);
        let path = if path.is_empty() { path } else { path + ": " };
        Diagnostic::error(
            "",
            format!("document {}: {path}{problem}", self.document),
            fix,
        )
    }

    /// The field path of node `i` (`spec.items[0]`), as `locate` writes it.
    fn path(&self, i: usize) -> String {
        let mut parts = Vec::new();
        let mut child = i;
        while let Some(parent) = self.tree.nodes[child].parent {
            let siblings = &self.tree.nodes[parent].children;
            let index = siblings.iter().position(|&c| c == child).unwrap_or(0);
            match self.tree.nodes[parent].kind {
                Kind::Sequence => parts.push(format!("[{index}]")),
                // A key's path is its mapping's.
                _ if index % 2 == 0 => parts.clear(),
                _ => {
                    let key = self.key_text(siblings[index - 1]).unwrap_or("?");
                    parts.push(format!(".{key}"));
                }
            }
            child = parent;
        }
        let path: String = parts.iter().rev().map(String::as_str).collect();
        path.strip_prefix('.').unwrap_or(&path).to_string()
    }

    fn location(&self, i: usize) -> Location {
        let node = &self.tree.nodes[i];
        Location {
            line: node.line,
            column: node.column,
        }
    }
}
