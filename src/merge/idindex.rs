//! Looking up which base entries an external id matches, without
//! comparing every id with every entry (large bases stay linear).

use std::collections::HashMap;

use crate::merge::envid::{self, IdMatch};

/// Index over a list of base ids (`None`: entry without a string id).
#[derive(Debug, Default)]
pub struct IdIndex {
    literal: HashMap<String, Vec<usize>>,
    templated: Vec<(usize, String)>,
}

impl IdIndex {
    pub fn new<'a>(ids: impl Iterator<Item = Option<&'a str>>) -> Self {
        let mut index = IdIndex::default();
        for (i, id) in ids.enumerate() {
            match id {
                Some(raw) if raw.contains("${") => index.templated.push((i, raw.to_string())),
                Some(raw) => index.literal.entry(raw.to_string()).or_default().push(i),
                None => {}
            }
        }
        index
    }

    /// Entries whose id is `id` or can resolve to it, in entry order.
    pub fn matches(&self, id: &str) -> Vec<(usize, IdMatch)> {
        // Both lists are in entry order (`new` pushes as it enumerates) and
        // an entry is in one of them: merged, not sorted (a stable sort was
        // 1.3 KB of the page's gzipped module).
        let mut exact = self
            .literal
            .get(id)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .copied()
            .peekable();
        let mut out = Vec::new();
        for (i, raw) in &self.templated {
            if envid::match_id(raw, id) == IdMatch::Template {
                while let Some(e) = exact.next_if(|&e| e < *i) {
                    out.push((e, IdMatch::Exact));
                }
                out.push((*i, IdMatch::Template));
            }
        }
        out.extend(exact.map(|e| (e, IdMatch::Exact)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_template_hits_in_order() {
        let ids = [
            Some("${env.A:+x}"),
            Some("y"),
            None,
            Some("x"),
            Some("${env.B}"),
        ];
        let idx = IdIndex::new(ids.iter().copied());
        assert_eq!(
            idx.matches("x"),
            vec![(0, IdMatch::Template), (3, IdMatch::Exact)]
        );
        assert!(idx.matches("z").is_empty());
    }

    #[test]
    fn matches_are_the_literal_and_template_hits_sorted_by_entry() {
        let ids = [
            Some("x"),
            Some("${env.A:=x}"),
            Some("x"),
            None,
            Some("${env.B:+x}"),
            Some("x"),
            Some("${env.C}"),
            Some("${env.D:=y}"),
            Some("y"),
        ];
        let idx = IdIndex::new(ids.iter().copied());
        for id in ["x", "y", "z", ""] {
            // What `matches` computed before it merged: every hit, sorted.
            let mut expected: Vec<(usize, IdMatch)> = ids
                .iter()
                .enumerate()
                .filter_map(|(i, raw)| {
                    let raw = (*raw)?;
                    let hit = if raw.contains("${") {
                        envid::match_id(raw, id) == IdMatch::Template
                    } else {
                        raw == id
                    };
                    let kind = if raw.contains("${") {
                        IdMatch::Template
                    } else {
                        IdMatch::Exact
                    };
                    hit.then_some((i, kind))
                })
                .collect();
            expected.sort_by_key(|(i, _)| *i);
            assert_eq!(idx.matches(id), expected, "{id:?}");
        }
        assert_eq!(
            idx.matches("x"),
            vec![
                (0, IdMatch::Exact),
                (1, IdMatch::Template),
                (2, IdMatch::Exact),
                (4, IdMatch::Template),
                (5, IdMatch::Exact)
            ]
        );
    }
}
