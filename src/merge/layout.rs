//! Finding what the merge edits in the base tree: the root mapping, its
//! `providers` and `apis` values, the API sections and their entries.

use saphyr_parser::ScalarStyle;

use crate::merge::error::MergeError;
use crate::merge::yaml11::{self, PlainKind};
use crate::yaml_tree::{Kind, Node, Tree};

/// A key/value pair of a mapping, as node ids.
#[derive(Debug, Clone, Copy)]
pub struct Pair {
    pub key: usize,
    pub value: usize,
}

/// The pairs of mapping `map` (a mapping always has an even child count).
pub fn pairs(tree: &Tree, map: usize) -> Vec<Pair> {
    tree.node(map)
        .map(|n| {
            n.children
                .chunks_exact(2)
                .filter_map(|c| match c {
                    [k, v] => Some(Pair { key: *k, value: *v }),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The string PyYAML's SafeLoader gives for a scalar node, if it gives one.
pub fn str_value<'n>(node: &'n Node<'_>) -> Option<&'n str> {
    if node.kind != Kind::Scalar {
        return None;
    }
    match node.tag_suffix() {
        Some("str") => Some(node.value.as_ref()),
        Some(_) => None,
        None if node.style == Some(ScalarStyle::Plain) => {
            (yaml11::resolve_plain(&node.value) == PlainKind::Str).then_some(node.value.as_ref())
        }
        None => Some(node.value.as_ref()),
    }
}

/// Whether a node loads as `None` (empty, `~`, `null`; untagged plain).
pub fn is_null(node: &Node) -> bool {
    node.kind == Kind::Scalar
        && node.tag.is_none()
        && node.style == Some(ScalarStyle::Plain)
        && yaml11::resolve_plain(&node.value) == PlainKind::Null
}

fn is_merge_key(node: &Node) -> bool {
    node.kind == Kind::Scalar
        && node.tag.is_none()
        && node.style == Some(ScalarStyle::Plain)
        && node.value == "<<"
}

/// Refuse duplicate string keys and merge keys in a mapping the merge
/// reads or edits (PyYAML keeps the last duplicate; we refuse to guess).
pub fn check_keys(tree: &Tree, map: usize, context: &str) -> Result<(), MergeError> {
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for pair in pairs(tree, map) {
        let Some(key) = tree.node(pair.key) else {
            continue;
        };
        if is_merge_key(key) {
            return Err(MergeError::MergeKeyUnsupported {
                context: context.to_string(),
                line: key.line,
                column: key.column,
            });
        }
        let Some(name) = str_value(key) else {
            continue;
        };
        if let Some((_, first_line)) = seen.iter().find(|(k, _)| *k == name) {
            return Err(MergeError::DuplicateKey {
                key: name.to_string(),
                line: key.line,
                column: key.column,
                first_line: *first_line,
            });
        }
        seen.push((name, key.line));
    }
    Ok(())
}

/// The pair whose key is the string `name` (keys already checked unique).
pub fn find(tree: &Tree, map: usize, name: &str) -> Option<Pair> {
    pairs(tree, map)
        .into_iter()
        .find(|p| tree.node(p.key).and_then(str_value) == Some(name))
}

/// Whether any alias in the tree points at anchor `anchor`.
pub fn is_aliased(tree: &Tree, anchor: usize) -> bool {
    anchor != 0 && tree.aliased.get(anchor).copied().unwrap_or(false)
}

/// Refuse to edit a node that is an alias or is shared through one.
pub fn check_not_shared(tree: &Tree, node: &Node, what: &str) -> Result<(), MergeError> {
    if node.kind == Kind::Alias || is_aliased(tree, node.anchor) {
        return Err(MergeError::AliasedEditTarget {
            what: what.to_string(),
            line: node.line,
            column: node.column,
        });
    }
    Ok(())
}

/// The root mapping of the document.
pub fn root_mapping(tree: &Tree) -> Result<usize, MergeError> {
    let root = tree.root().ok_or(MergeError::EmptyDocument)?;
    let node = tree.node(root).ok_or(MergeError::EmptyDocument)?;
    if node.kind != Kind::Mapping {
        return Err(MergeError::RootNotMapping {
            line: node.line,
            column: node.column,
            found: node.kind_name(),
        });
    }
    check_keys(tree, root, "the root mapping")?;
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml_tree::parse;

    #[test]
    fn finds_keys_by_string_value() {
        let t = parse("\"providers\": {}\non: 1\n").unwrap();
        let root = root_mapping(&t).unwrap();
        assert!(find(&t, root, "providers").is_some());
        assert!(find(&t, root, "on").is_none(), "plain `on` is a bool key");
    }

    #[test]
    fn duplicate_and_merge_keys_are_errors() {
        let t = parse("a: 1\nb: 2\na: 3\n").unwrap();
        assert!(matches!(
            root_mapping(&t),
            Err(MergeError::DuplicateKey {
                line: 3,
                first_line: 1,
                ..
            })
        ));
        let t = parse("x: &m {a: 1}\n<<: *m\n").unwrap();
        assert!(matches!(
            root_mapping(&t),
            Err(MergeError::MergeKeyUnsupported { .. })
        ));
    }

    #[test]
    fn non_mapping_root() {
        let t = parse("- a\n").unwrap();
        assert!(matches!(
            root_mapping(&t),
            Err(MergeError::RootNotMapping {
                line: 1,
                column: 1,
                ..
            })
        ));
        let t = parse("# only a comment\n").unwrap();
        assert!(matches!(root_mapping(&t), Err(MergeError::EmptyDocument)));
    }
}
