//! The merge entry point: parse the base, plan edits for `providers`,
//! its sections and `apis`, keep anchors valid, splice, and re-parse the
//! result as a safety net.

use crate::merge::anchors;
use crate::merge::apis;
use crate::merge::error::MergeError;
use crate::merge::event::MergeEvent;
use crate::merge::idindex::IdIndex;
use crate::merge::layout::{self, Pair};
use crate::merge::provider::ExternalProvider;
use crate::merge::regions;
use crate::merge::render;
use crate::merge::section;
use crate::merge::splice::{self, Edit};
use crate::merge::text;
use crate::yaml_tree::{self as tree, Kind, Node, Tree};

/// The merged config and what the merge did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The merged run.yaml: the base with only the added and removed entries
    /// changed (the base itself when there are no providers).
    pub text: String,
    /// What the merge did, in a deterministic order; the log and the
    /// warnings are rendered from it.
    pub events: Vec<MergeEvent>,
}

/// Merge `providers` (validated, in final order) into the `base` run.yaml,
/// changing no byte outside the entries added or removed.
pub fn merge(base: &str, providers: &[ExternalProvider]) -> Result<Merged, MergeError> {
    let tree = tree::parse(base)?;
    let root = layout::root_mapping(&tree)?;
    if providers.is_empty() {
        return Ok(Merged {
            text: base.to_string(),
            events: Vec::new(),
        });
    }
    let eol = text::line_break(base);
    let api_order = render::apis_in_order(providers);
    let mut plan = Plan {
        src: base,
        tree: &tree,
        eol,
        edits: Vec::new(),
        events: Vec::new(),
    };
    let (api_edits, api_events) = apis::edit_apis(base, &tree, root, &api_order, eol)?;
    plan.edits.extend(api_edits);
    plan.providers(root, providers, &api_order)?;
    plan.events.extend(api_events);
    let removed: Vec<(usize, usize)> = plan
        .edits
        .iter()
        .filter(|e| e.end > e.start)
        .map(|e| (e.start, e.end))
        .collect();
    let (moves, move_events) = anchors::relocate(base, &tree, &removed, eol)?;
    let relocated = !moves.is_empty();
    plan.edits.extend(moves);
    plan.events.extend(move_events);
    let text = splice::apply(base, &plan.edits)?;
    // Safety net: re-parse the output when anchors moved (the one edit
    // whose validity depends on the base's layout), and always in debug
    // builds so every test checks every output.
    if relocated || cfg!(debug_assertions) {
        tree::validate(&text).map_err(|e| MergeError::OutputInvalid {
            message: MergeError::from(e).to_string(),
        })?;
    }
    Ok(Merged {
        text,
        events: plan.events,
    })
}

struct Plan<'a> {
    src: &'a str,
    tree: &'a Tree<'a>,
    eol: &'static str,
    edits: Vec<Edit>,
    events: Vec<MergeEvent>,
}

impl<'a> Plan<'a> {
    fn node(&self, id: usize) -> Result<&'a Node<'a>, MergeError> {
        self.tree.node(id).ok_or(MergeError::EmptyDocument)
    }

    fn providers(
        &mut self,
        root: usize,
        providers: &[ExternalProvider],
        apis: &[&str],
    ) -> Result<(), MergeError> {
        let Some(pair) = layout::find(self.tree, root, "providers") else {
            self.events.push(MergeEvent::ProvidersCreated);
            self.added_events(providers, apis);
            let root_node = self.node(root)?;
            let edit = if root_node.flow {
                let text = format!("providers: {}", flow_sections(providers, apis));
                flow_append(self.src, self.tree, root_node, text)
            } else {
                let col = text::column(self.src, root_node.start);
                let body = format!(
                    "{}providers:\n{}",
                    " ".repeat(col),
                    render::providers_body(providers, col + 2)
                );
                let at = block_mapping_end(self.src, self.tree, root_node, col)?;
                regions::insert_block_lines(self.src, at, &body, self.eol)
            };
            self.edits.push(edit);
            return Ok(());
        };
        let value = self.node(pair.value)?;
        if layout::is_null(value) {
            self.events.push(MergeEvent::ProvidersCreated);
            self.added_events(providers, apis);
            let key_col = text::column(self.src, self.node(pair.key)?.start);
            self.fill_null(value, "providers", |flow| {
                if flow {
                    flow_sections(providers, apis)
                } else {
                    render::providers_body(providers, key_col + 2)
                }
            })?;
            return Ok(());
        }
        if value.kind != Kind::Mapping {
            return Err(MergeError::ProvidersNotMapping {
                line: value.line,
                column: value.column,
                found: value.kind_name(),
            });
        }
        layout::check_not_shared(self.tree, value, "providers")?;
        layout::check_keys(self.tree, pair.value, "'providers'")?;
        self.sections(pair, providers, apis)
    }

    fn sections(
        &mut self,
        pair: Pair,
        providers: &[ExternalProvider],
        apis: &[&str],
    ) -> Result<(), MergeError> {
        let map = self.node(pair.value)?;
        let dash_offset = self.dash_offset(pair.value);
        let catalog = self.catalog(pair.value)?;
        let mut missing: Vec<&str> = Vec::new();
        for &api in apis {
            let externals: Vec<&ExternalProvider> =
                providers.iter().filter(|p| p.api == api).collect();
            let Some(sec) = layout::find(self.tree, pair.value, api) else {
                missing.push(api);
                continue;
            };
            let value = self.node(sec.value)?;
            if layout::is_null(value) {
                self.events.push(MergeEvent::SectionCreated {
                    api: api.to_string(),
                });
                self.added_events_of(&externals);
                let dash = text::column(self.src, self.node(sec.key)?.start) + dash_offset;
                self.fill_null(value, &format!("providers.{api}"), |flow| {
                    if flow {
                        flow_list(&externals)
                    } else {
                        externals
                            .iter()
                            .map(|p| render::entry_block(p, dash))
                            .collect()
                    }
                })?;
            } else if value.kind == Kind::Sequence {
                let done =
                    section::edit_sequence(self.src, self.tree, sec, api, &externals, self.eol)?;
                self.edits.extend(done.edits);
                self.events.extend(done.events);
            } else {
                return Err(MergeError::SectionNotSequence {
                    api: api.to_string(),
                    line: value.line,
                    column: value.column,
                    found: value.kind_name(),
                });
            }
            self.same_id_elsewhere(&catalog, api, &externals);
        }
        if missing.is_empty() {
            return Ok(());
        }
        let new: Vec<ExternalProvider> = providers
            .iter()
            .filter(|p| missing.contains(&p.api.as_str()))
            .cloned()
            .collect();
        for &api in &missing {
            self.events.push(MergeEvent::SectionCreated {
                api: api.to_string(),
            });
            let externals: Vec<&ExternalProvider> = new.iter().filter(|p| p.api == api).collect();
            self.added_events_of(&externals);
            self.same_id_elsewhere(&catalog, api, &externals);
        }
        let edit = if map.flow {
            let inner = flow_sections(&new, &missing);
            let inner = inner
                .strip_prefix('{')
                .and_then(|s| s.strip_suffix('}'))
                .unwrap_or(&inner)
                .to_string();
            flow_append(self.src, self.tree, map, inner)
        } else {
            let col = text::column(self.src, map.start);
            let body = sections_body(&new, &missing, col, col + dash_offset);
            let at = block_mapping_end(self.src, self.tree, map, col)?;
            regions::insert_block_lines(self.src, at, &body, self.eol)
        };
        self.edits.push(edit);
        Ok(())
    }

    /// Column offset of dashes relative to section keys, from the first
    /// block-sequence section (0, llama-stack's style, when none).
    fn dash_offset(&self, map: usize) -> usize {
        for p in layout::pairs(self.tree, map) {
            let (Some(k), Some(v)) = (self.tree.node(p.key), self.tree.node(p.value)) else {
                continue;
            };
            if v.kind != Kind::Sequence || v.flow {
                continue;
            }
            let first = v.children.first().and_then(|&c| self.tree.node(c));
            if let Some(item) = first.and_then(|n| regions::block_item(self.src, n, k.end)) {
                return item
                    .dash_col
                    .saturating_sub(text::column(self.src, k.start));
            }
        }
        0
    }

    /// Replace an empty value with block lines (after its line) or a
    /// flow node (in place).
    fn fill_null(
        &mut self,
        value: &Node,
        what: &str,
        render: impl Fn(bool) -> String,
    ) -> Result<(), MergeError> {
        if value.anchor != 0 || value.tag.is_some() {
            return Err(MergeError::UnsupportedLayout {
                what: format!("{what} is an anchored or tagged empty value; write it as a list"),
                line: value.line,
                column: value.column,
            });
        }
        if value.flow {
            let text = render(true);
            let pad = if value.start > 0 && self.src.as_bytes().get(value.start - 1) == Some(&b':')
            {
                " "
            } else {
                ""
            };
            self.edits.push(Edit {
                start: value.start,
                end: value.end,
                text: format!("{pad}{text}"),
            });
            return Ok(());
        }
        if value.end > value.start {
            self.edits.push(Edit::remove(value.start, value.end));
        }
        let at = text::line_content_end(self.src, value.end);
        self.edits
            .push(regions::insert_after_line(at, &render(false), self.eol));
        Ok(())
    }

    fn added_events(&mut self, providers: &[ExternalProvider], apis: &[&str]) {
        for &api in apis {
            self.events.push(MergeEvent::SectionCreated {
                api: api.to_string(),
            });
            let externals: Vec<&ExternalProvider> =
                providers.iter().filter(|p| p.api == api).collect();
            self.added_events_of(&externals);
        }
    }

    fn added_events_of(&mut self, externals: &[&ExternalProvider]) {
        for p in externals {
            self.events.push(MergeEvent::ProviderAdded {
                api: p.api.clone(),
                id: p.provider_id.clone(),
                provider_type: p.provider_type.clone(),
            });
        }
    }

    /// Index the ids of every sequence section once (for the
    /// same-id-in-another-API check).
    fn catalog(&self, map: usize) -> Result<Vec<(String, IdIndex)>, MergeError> {
        let mut out = Vec::new();
        for pair in layout::pairs(self.tree, map) {
            let (Some(k), Some(v)) = (self.tree.node(pair.key), self.tree.node(pair.value)) else {
                continue;
            };
            let Some(api) = layout::str_value(k) else {
                continue;
            };
            if v.kind != Kind::Sequence {
                continue;
            }
            let entries = section::base_entries(self.tree, v, api, false)?;
            out.push((
                api.to_string(),
                IdIndex::new(entries.iter().map(|e| e.id.as_deref())),
            ));
        }
        Ok(out)
    }

    fn same_id_elsewhere(
        &mut self,
        catalog: &[(String, IdIndex)],
        api: &str,
        externals: &[&ExternalProvider],
    ) {
        for (other, index) in catalog {
            if other == api {
                continue;
            }
            for p in externals {
                if !index.matches(&p.provider_id).is_empty() {
                    self.events.push(MergeEvent::SameIdInOtherApi {
                        id: p.provider_id.clone(),
                        api: api.to_string(),
                        other_api: other.clone(),
                    });
                }
            }
        }
    }
}

/// Where new keys go in a block mapping: after its last value's line and
/// the comment lines indented under it.
fn block_mapping_end(src: &str, tree: &Tree, map: &Node, col: usize) -> Result<usize, MergeError> {
    let last =
        map.children
            .last()
            .and_then(|&c| tree.node(c))
            .ok_or(MergeError::UnsupportedLayout {
                what: "empty block mapping".to_string(),
                line: map.line,
                column: map.column,
            })?;
    Ok(text::skip_deeper_comment_lines(
        src,
        text::line_end_incl(src, last.end),
        col,
    ))
}

/// Append `pairs_text` (`k: v, …`) to a flow mapping.
fn flow_append(src: &str, tree: &Tree, map: &Node, pairs_text: String) -> Edit {
    match map.children.last().and_then(|&c| tree.node(c)) {
        Some(last) => Edit::insert(last.end, format!(", {pairs_text}")),
        None => Edit::insert(section::open_bracket_end(src, map), pairs_text),
    }
}

fn flow_list(externals: &[&ExternalProvider]) -> String {
    let items: Vec<String> = externals.iter().map(|p| render::entry_flow(p)).collect();
    format!("[{}]", items.join(", "))
}

fn flow_sections(providers: &[ExternalProvider], apis: &[&str]) -> String {
    let parts: Vec<String> = apis
        .iter()
        .map(|api| {
            let ext: Vec<&ExternalProvider> = providers.iter().filter(|p| p.api == *api).collect();
            format!("{}: {}", crate::merge::yaml11::key(api), flow_list(&ext))
        })
        .collect();
    format!("{{{}}}", parts.join(", "))
}

fn sections_body(
    providers: &[ExternalProvider],
    apis: &[&str],
    key_col: usize,
    dash_col: usize,
) -> String {
    let mut out = String::new();
    for api in apis {
        out.push_str(&" ".repeat(key_col));
        out.push_str(&crate::merge::yaml11::key(api));
        out.push_str(":\n");
        for p in providers.iter().filter(|p| p.api == *api) {
            out.push_str(&render::entry_block(p, dash_col));
        }
    }
    out
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
