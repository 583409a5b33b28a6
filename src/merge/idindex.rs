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
        let mut out: Vec<(usize, IdMatch)> = self
            .literal
            .get(id)
            .map(|v| v.iter().map(|&i| (i, IdMatch::Exact)).collect())
            .unwrap_or_default();
        for (i, raw) in &self.templated {
            if envid::match_id(raw, id) == IdMatch::Template {
                out.push((*i, IdMatch::Template));
            }
        }
        out.sort_by_key(|(i, _)| *i);
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
}
