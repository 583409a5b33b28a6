//! The `apis:` list gains the API of every added provider when it is a
//! non-empty list; an empty or absent list stays as it is.

use crate::merge::error::MergeError;
use crate::merge::event::MergeEvent;
use crate::merge::layout;
use crate::merge::regions;
use crate::merge::splice::Edit;
use crate::merge::yaml11;
use crate::yaml_tree::{Kind, Tree};

pub fn edit_apis(
    src: &str,
    tree: &Tree,
    root: usize,
    apis: &[&str],
    eol: &str,
) -> Result<(Vec<Edit>, Vec<MergeEvent>), MergeError> {
    let Some(pair) = layout::find(tree, root, "apis") else {
        return Ok((Vec::new(), Vec::new()));
    };
    let (Some(key), Some(list)) = (tree.node(pair.key), tree.node(pair.value)) else {
        return Ok((Vec::new(), Vec::new()));
    };
    if list.kind != Kind::Sequence || list.children.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let listed: Vec<&str> = list
        .children
        .iter()
        .filter_map(|&c| tree.node(c).and_then(layout::str_value))
        .collect();
    let missing: Vec<&str> = apis
        .iter()
        .copied()
        .filter(|a| !listed.contains(a))
        .collect();
    if missing.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    layout::check_not_shared(tree, list, "apis")?;
    let events = missing
        .iter()
        .map(|a| MergeEvent::ApiListed { api: a.to_string() })
        .collect();
    let edit = if list.flow {
        let end = list
            .children
            .last()
            .and_then(|&c| tree.node(c))
            .map_or(list.end, |n| n.end);
        let text: String = missing
            .iter()
            .map(|a| format!(", {}", yaml11::scalar(a)))
            .collect();
        Edit::insert(end, text)
    } else {
        let items = regions::block_items(src, tree, list, key.end).ok_or(
            MergeError::UnsupportedLayout {
                what: "cannot locate the items of 'apis'".to_string(),
                line: list.line,
                column: list.column,
            },
        )?;
        let (at, col) = match (items.last(), items.first()) {
            (Some(l), Some(f)) => (l.end, f.dash_col),
            _ => (list.end, 0),
        };
        let body: String = missing
            .iter()
            .map(|a| format!("{}- {}\n", " ".repeat(col), yaml11::scalar(a)))
            .collect();
        regions::insert_block_lines(src, at, &body, eol)
    };
    Ok((vec![edit], events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::splice::apply;
    use crate::yaml_tree::parse;

    fn run(src: &str, apis: &[&str]) -> String {
        let t = parse(src).unwrap();
        let root = t.root().unwrap();
        let (edits, _) = edit_apis(src, &t, root, apis, "\n").unwrap();
        apply(src, &edits).unwrap()
    }

    #[test]
    fn block_flow_empty_absent() {
        assert_eq!(
            run("apis:\n- inference\nx: 1\n", &["safety", "inference"]),
            "apis:\n- inference\n- safety\nx: 1\n"
        );
        assert_eq!(
            run("apis: [inference]  # c\n", &["safety"]),
            "apis: [inference, safety]  # c\n"
        );
        assert_eq!(run("apis: []\n", &["safety"]), "apis: []\n");
        assert_eq!(run("apis:\n", &["safety"]), "apis:\n");
        assert_eq!(run("x: 1\n", &["safety"]), "x: 1\n");
        assert_eq!(run("apis:\n  - a\n", &["b"]), "apis:\n  - a\n  - b\n");
    }
}
