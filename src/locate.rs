//! Where a field path (`spec.server.externalProviders.inference[1].image`)
//! is in YAML text, so that diagnostics carry a line and column (terminal
//! output, editor lint markers).
//!
//! Keys are located at the key (`image:`), list items at their node. A path
//! that does not exist (a missing required field) is located at its
//! deepest existing ancestor.

use crate::diagnostic::{Diagnostic, Location};
use saphyr_parser::{Event, Parser};
use std::collections::HashMap;

/// Positions of every field path of every document in a text.
#[derive(Debug, Default, Clone)]
pub struct Locations {
    /// (1-based document number, path) → position.
    positions: HashMap<(usize, String), Location>,
}

enum Frame {
    Mapping {
        path: String,
        key: Option<(String, Location)>,
    },
    Sequence {
        path: String,
        next: usize,
    },
    /// A complex (non-scalar) mapping key: its contents have no path.
    Ignored,
}

impl Locations {
    /// Indexes `text`; on a syntax error it keeps what it read before.
    pub fn of(text: &str) -> Locations {
        let mut locations = Locations::default();
        let mut parser = Parser::new_from_str(text);
        let mut stack: Vec<Frame> = Vec::new();
        let mut document = 0;
        while let Some(Ok((event, span))) = parser.next_event() {
            let here = Location::of_marker(&span.start);
            match event {
                Event::DocumentStart(_) => {
                    document += 1;
                    stack.clear();
                }
                Event::Scalar(value, ..) => {
                    locations.place(&mut stack, document, here, Some(value.as_ref()));
                }
                Event::Alias(_) => {
                    locations.place(&mut stack, document, here, None);
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let is_mapping = matches!(event, Event::MappingStart(..));
                    let frame = match locations.place(&mut stack, document, here, None) {
                        None => Frame::Ignored,
                        Some(path) if is_mapping => Frame::Mapping { path, key: None },
                        Some(path) => Frame::Sequence { path, next: 0 },
                    };
                    stack.push(frame);
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        locations
    }

    /// Places a node under the top of the stack; returns its path, or
    /// `None` when it is a mapping key (or inside one).
    fn place(
        &mut self,
        stack: &mut [Frame],
        document: usize,
        here: Location,
        scalar: Option<&str>,
    ) -> Option<String> {
        let path = match stack.last_mut() {
            None => String::new(),
            Some(Frame::Ignored) => return None,
            Some(Frame::Sequence { path, next }) => {
                let item = crate::diagnostic::index(path, *next);
                *next += 1;
                item
            }
            Some(Frame::Mapping { path, key }) => match key.take() {
                None => {
                    // This node is a key.
                    *key = Some((scalar.unwrap_or("?").to_string(), here));
                    return None;
                }
                Some((name, at)) => {
                    let field = crate::diagnostic::field(path, &name);
                    self.positions
                        .entry((document, field.clone()))
                        .or_insert(at);
                    return Some(field);
                }
            },
        };
        self.positions
            .entry((document, path.clone()))
            .or_insert(here);
        Some(path)
    }

    /// Gives every diagnostic without a location the position of its path
    /// in document `document` of `text`. `text` is parsed only when one
    /// needs it.
    pub fn fill(text: &str, document: usize, diagnostics: &mut [Diagnostic]) {
        if diagnostics.iter().any(|d| d.location.is_none()) {
            let locations = Locations::of(text);
            for d in diagnostics.iter_mut().filter(|d| d.location.is_none()) {
                d.location = locations.find(document, &d.path);
            }
        }
    }

    /// The position of `path` in document `document` (1-based), or of its
    /// deepest existing ancestor.
    pub fn find(&self, document: usize, path: &str) -> Option<Location> {
        let mut path = path;
        loop {
            if let Some(location) = self.positions.get(&(document, path.to_string())) {
                return Some(*location);
            }
            if path.is_empty() {
                return None;
            }
            let cut = path.rfind(['.', '[']).unwrap_or(0);
            path = &path[..cut];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "apiVersion: v1\nspec:\n  server:\n    externalProviders:\n      inference:\n      - providerId: a\n        image: x\n      - {providerId: b, image: y}\n---\nkind: Other\n";

    fn at(line: usize, column: usize) -> Option<Location> {
        Some(Location { line, column })
    }

    #[test]
    fn keys_and_items_are_located() {
        let l = Locations::of(TEXT);
        assert_eq!(l.find(1, "apiVersion"), at(1, 1));
        assert_eq!(
            l.find(1, "spec.server.externalProviders.inference"),
            at(5, 7)
        );
        assert_eq!(
            l.find(1, "spec.server.externalProviders.inference[0]"),
            at(6, 9)
        );
        assert_eq!(
            l.find(1, "spec.server.externalProviders.inference[0].image"),
            at(7, 9)
        );
        assert_eq!(
            l.find(1, "spec.server.externalProviders.inference[1].image"),
            at(8, 25)
        );
        assert_eq!(l.find(2, "kind"), at(10, 1));
    }

    #[test]
    fn missing_paths_fall_back_to_their_parent() {
        let l = Locations::of(TEXT);
        assert_eq!(l.find(1, "spec.server.userConfig.configMapName"), at(3, 3));
        assert_eq!(
            l.find(1, "spec.server.externalProviders.inference[1].config"),
            at(8, 9)
        );
        assert_eq!(l.find(3, "kind"), None);
    }

    #[test]
    fn broken_text_keeps_what_was_read() {
        let l = Locations::of("a: 1\nb: [\n");
        assert_eq!(l.find(1, "a"), at(1, 1));
    }
}
