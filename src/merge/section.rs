//! One existing `providers.<api>` section: which base entries the
//! external providers replace, and the edits that remove them and append
//! the external entries in the section's own style.

use crate::merge::envid::{self, IdMatch};
use crate::merge::error::MergeError;
use crate::merge::event::MergeEvent;
use crate::merge::idindex::IdIndex;
use crate::merge::layout::{self, Pair};
use crate::merge::provider::ExternalProvider;
use crate::merge::regions;
use crate::merge::render;
use crate::merge::splice::Edit;
use crate::merge::text;
use crate::yaml_tree::{Kind, Node, Tree};

/// A base entry of a section, as far as the merge cares.
#[derive(Debug, Clone)]
pub struct BaseEntry {
    /// `provider_id` when it loads as a string.
    pub id: Option<String>,
    pub provider_type: String,
    pub line: usize,
}

/// Entries of a sequence section (non-mapping items get `id: None`).
pub fn base_entries(
    tree: &Tree,
    seq: &Node,
    api: &str,
    strict: bool,
) -> Result<Vec<BaseEntry>, MergeError> {
    let mut out = Vec::new();
    for &c in &seq.children {
        let Some(node) = tree.node(c) else { continue };
        let mut entry = BaseEntry {
            id: None,
            provider_type: String::new(),
            line: node.line,
        };
        if node.kind == Kind::Mapping {
            if strict {
                layout::check_keys(tree, c, &format!("an entry of providers.{api}"))?;
            }
            let get = |k: &str| {
                layout::find(tree, c, k)
                    .and_then(|p| tree.node(p.value))
                    .and_then(layout::str_value)
                    .map(str::to_string)
            };
            entry.id = get("provider_id");
            entry.provider_type = get("provider_type").unwrap_or_default();
        }
        out.push(entry);
    }
    Ok(out)
}

/// What editing one section produced.
pub struct SectionEdit {
    pub edits: Vec<Edit>,
    pub events: Vec<MergeEvent>,
}

/// Edit an existing section whose value is a sequence.
pub fn edit_sequence(
    src: &str,
    tree: &Tree,
    pair: Pair,
    api: &str,
    externals: &[&ExternalProvider],
    eol: &str,
) -> Result<SectionEdit, MergeError> {
    let key = tree.node(pair.key).ok_or(MergeError::EmptyDocument)?;
    let seq = tree.node(pair.value).ok_or(MergeError::EmptyDocument)?;
    layout::check_not_shared(tree, seq, &format!("providers.{api}"))?;
    let entries = base_entries(tree, seq, api, true)?;
    let mut events = Vec::new();
    for e in &entries {
        match &e.id {
            Some(id) if envid::is_unconstrained(id) => {
                events.push(MergeEvent::UnconstrainedBaseId {
                    api: api.to_string(),
                    template: id.clone(),
                    line: e.line,
                })
            }
            Some(_) => {}
            None => events.push(MergeEvent::BaseEntryWithoutId {
                api: api.to_string(),
                line: e.line,
            }),
        }
    }
    let index = IdIndex::new(entries.iter().map(|e| e.id.as_deref()));
    let mut removed = vec![false; entries.len()];
    for ext in externals {
        let mut replaced = false;
        for (i, m) in index.matches(&ext.provider_id) {
            let (Some(e), Some(flag)) = (entries.get(i), removed.get_mut(i)) else {
                continue;
            };
            if *flag {
                continue;
            }
            *flag = true;
            replaced = true;
            if m == IdMatch::Template {
                events.push(MergeEvent::TemplateIdMatched {
                    api: api.to_string(),
                    id: ext.provider_id.clone(),
                    template: e.id.clone().unwrap_or_default(),
                    line: e.line,
                });
            }
            events.push(MergeEvent::ProviderReplaced {
                api: api.to_string(),
                id: ext.provider_id.clone(),
                base_type: e.provider_type.clone(),
                external_type: ext.provider_type.clone(),
            });
        }
        if !replaced {
            events.push(MergeEvent::ProviderAdded {
                api: api.to_string(),
                id: ext.provider_id.clone(),
                provider_type: ext.provider_type.clone(),
            });
        }
    }
    let edits = if seq.flow {
        flow_edits(src, tree, seq, &removed, externals)
    } else {
        block_edits(src, tree, key, seq, &removed, externals, eol)?
    };
    Ok(SectionEdit { edits, events })
}

fn block_edits(
    src: &str,
    tree: &Tree,
    key: &Node,
    seq: &Node,
    removed: &[bool],
    externals: &[&ExternalProvider],
    eol: &str,
) -> Result<Vec<Edit>, MergeError> {
    let items =
        regions::block_items(src, tree, seq, key.end).ok_or(MergeError::UnsupportedLayout {
            what: "cannot locate the entries of this provider list".to_string(),
            line: seq.line,
            column: seq.column,
        })?;
    let mut edits = regions::remove_block_items(src, &items, removed);
    let (at, dash_col) = match (items.last(), items.first()) {
        (Some(last), Some(first)) => (last.end, first.dash_col),
        _ => (
            text::line_end_incl(src, seq.end),
            text::column(src, key.start),
        ),
    };
    let body: String = externals
        .iter()
        .map(|p| render::entry_block(p, dash_col))
        .collect();
    edits.push(regions::insert_block_lines(src, at, &body, eol));
    Ok(edits)
}

fn flow_edits(
    src: &str,
    tree: &Tree,
    seq: &Node,
    removed: &[bool],
    externals: &[&ExternalProvider],
) -> Vec<Edit> {
    let spans: Vec<(usize, usize)> = seq
        .children
        .iter()
        .filter_map(|&c| tree.node(c).map(|n| (n.start, n.end)))
        .collect();
    let mut edits = regions::flow_removals(&spans, removed);
    let any_kept = removed.iter().any(|r| !r);
    let entries: Vec<String> = externals.iter().map(|p| render::entry_flow(p)).collect();
    let joined = entries.join(", ");
    let (at, text) = match spans.last() {
        Some(&(_, end)) if any_kept => (end, format!(", {joined}")),
        Some(&(_, end)) => (end, joined),
        None => (open_bracket_end(src, seq), joined),
    };
    edits.push(Edit::insert(at, text));
    edits
}

/// Just past the `[` / `{` opening a flow collection.
pub fn open_bracket_end(src: &str, node: &Node) -> usize {
    let p = text::skip_properties(src, node.start, node.end);
    p + 1
}
