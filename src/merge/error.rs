//! Errors of a merge, as data. Positions are 1-based line and column.

use crate::diagnostic::Location;
use crate::yaml_tree::{ParseError, ParseErrorKind};
use std::fmt;

/// Why a base config could not be merged. Every variant that points into
/// the base carries a 1-based `line` and `column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeError {
    /// The base is not well-formed YAML.
    InvalidYaml {
        /// 1-based line where the parser stopped.
        line: usize,
        /// 1-based column where the parser stopped, in characters.
        column: usize,
        /// The parser's description of the error.
        message: String,
    },
    /// The base holds no document (empty, or only comments).
    EmptyDocument,
    /// The base holds more than one document; PyYAML's `safe_load`
    /// rejects such a stream, so llama-stack could not read it either.
    MultipleDocuments {
        /// 1-based line where the second document starts.
        line: usize,
        /// 1-based column where the second document starts, in characters.
        column: usize,
    },
    /// The root node is not a mapping.
    RootNotMapping {
        /// 1-based line of the root node.
        line: usize,
        /// 1-based column of the root node, in characters.
        column: usize,
        /// What the root is instead (`a sequence`, `a scalar`, `an alias`).
        found: &'static str,
    },
    /// `providers` is neither a mapping nor empty.
    ProvidersNotMapping {
        /// 1-based line of the `providers` value.
        line: usize,
        /// 1-based column of the `providers` value, in characters.
        column: usize,
        /// What the value is instead (`a sequence`, `a scalar`, `an alias`).
        found: &'static str,
    },
    /// `providers.<api>` is neither a sequence nor empty.
    SectionNotSequence {
        /// The run.yaml API key (`vector_io`).
        api: String,
        /// 1-based line of the section's value.
        line: usize,
        /// 1-based column of the section's value, in characters.
        column: usize,
        /// What the value is instead (`a mapping`, `a scalar`, `an alias`).
        found: &'static str,
    },
    /// A key appears twice in a mapping the merge reads or edits.
    /// PyYAML would silently keep the last one; we refuse to guess.
    DuplicateKey {
        /// The repeated key.
        key: String,
        /// 1-based line of the second occurrence.
        line: usize,
        /// 1-based column of the second occurrence, in characters.
        column: usize,
        /// 1-based line of the first occurrence.
        first_line: usize,
    },
    /// A merge key (`<<`) in a mapping the merge edits.
    MergeKeyUnsupported {
        /// The mapping holding it (`the root mapping`, `an entry of providers.inference`).
        context: String,
        /// 1-based line of the `<<` key.
        line: usize,
        /// 1-based column of the `<<` key, in characters.
        column: usize,
    },
    /// A node the merge must edit is an alias, or is anchored and
    /// aliased elsewhere (editing it would change the alias too).
    AliasedEditTarget {
        /// The node, as the message names it (`providers`, `providers.inference`, `apis`).
        what: String,
        /// 1-based line of the node.
        line: usize,
        /// 1-based column of the node, in characters.
        column: usize,
    },
    /// A node the merge must edit is written in a form it cannot edit
    /// safely (e.g. an anchored or tagged empty section).
    UnsupportedLayout {
        /// The whole problem in words; the message is this plus the position.
        what: String,
        /// 1-based line of the node.
        line: usize,
        /// 1-based column of the node, in characters.
        column: usize,
    },
    /// Nesting deeper than the limit (PyYAML itself gives up far earlier).
    TooDeep {
        /// 1-based line of the collection that goes past the limit.
        line: usize,
        /// 1-based column of that collection, in characters.
        column: usize,
        /// The nesting limit, in levels.
        limit: usize,
    },
    /// A removed entry defines an anchor used elsewhere, and its
    /// definition cannot be moved to the remaining alias.
    AnchorRelocation {
        /// The anchor's name, without `&`.
        anchor: String,
        /// 1-based line of the anchored node.
        line: usize,
        /// 1-based column of the anchored node, in characters.
        column: usize,
        /// Why the definition cannot move.
        reason: String,
    },
    /// Safety net: the merged text failed to parse. Never expected.
    OutputInvalid {
        /// The parser's description of the error in the merged text.
        message: String,
    },
}

impl MergeError {
    /// Where in the base the problem is, when the error points there.
    pub fn location(&self) -> Option<Location> {
        let (line, column) = match self {
            MergeError::InvalidYaml { line, column, .. }
            | MergeError::MultipleDocuments { line, column }
            | MergeError::RootNotMapping { line, column, .. }
            | MergeError::ProvidersNotMapping { line, column, .. }
            | MergeError::SectionNotSequence { line, column, .. }
            | MergeError::DuplicateKey { line, column, .. }
            | MergeError::MergeKeyUnsupported { line, column, .. }
            | MergeError::AliasedEditTarget { line, column, .. }
            | MergeError::UnsupportedLayout { line, column, .. }
            | MergeError::TooDeep { line, column, .. }
            | MergeError::AnchorRelocation { line, column, .. } => (*line, *column),
            MergeError::EmptyDocument | MergeError::OutputInvalid { .. } => return None,
        };
        Some(Location { line, column })
    }
}

impl From<ParseError> for MergeError {
    fn from(e: ParseError) -> Self {
        let (line, column) = (e.line, e.column);
        match e.kind {
            ParseErrorKind::Syntax { message, .. } => MergeError::InvalidYaml {
                line,
                column,
                message,
            },
            ParseErrorKind::TooDeep { limit } => MergeError::TooDeep {
                line,
                column,
                limit,
            },
            ParseErrorKind::SecondDocument => MergeError::MultipleDocuments { line, column },
        }
    }
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::InvalidYaml {
                line,
                column,
                message,
            } => write!(f, "invalid YAML at line {line}, column {column}: {message}"),
            MergeError::EmptyDocument => write!(f, "base config holds no YAML document"),
            MergeError::MultipleDocuments { line, column } => write!(
                f,
                "base config holds more than one YAML document (second starts at line {line}, column {column}); llama-stack reads exactly one"
            ),
            MergeError::RootNotMapping {
                line,
                column,
                found,
            } => write!(
                f,
                "base config root at line {line}, column {column} is {found}, expected a mapping"
            ),
            MergeError::ProvidersNotMapping {
                line,
                column,
                found,
            } => write!(
                f,
                "'providers' at line {line}, column {column} is {found}, expected a mapping of API name to provider list"
            ),
            MergeError::SectionNotSequence {
                api,
                line,
                column,
                found,
            } => write!(
                f,
                "'providers.{api}' at line {line}, column {column} is {found}, expected a list of providers"
            ),
            MergeError::DuplicateKey {
                key,
                line,
                column,
                first_line,
            } => write!(
                f,
                "duplicate key '{key}' at line {line}, column {column} (first at line {first_line}); remove one of them"
            ),
            MergeError::MergeKeyUnsupported {
                context,
                line,
                column,
            } => write!(
                f,
                "merge key '<<' in {context} at line {line}, column {column} is not supported; write the keys out"
            ),
            MergeError::AliasedEditTarget { what, line, column } => write!(
                f,
                "{what} at line {line}, column {column} is shared through an anchor/alias; write it out to let external providers be merged"
            ),
            MergeError::UnsupportedLayout { what, line, column } => {
                write!(f, "{what} at line {line}, column {column}")
            }
            MergeError::TooDeep {
                line,
                column,
                limit,
            } => write!(
                f,
                "nesting deeper than {limit} levels at line {line}, column {column}"
            ),
            MergeError::AnchorRelocation {
                anchor,
                line,
                column,
                reason,
            } => write!(
                f,
                "cannot remove the entry defining anchor '&{anchor}' at line {line}, column {column}: {reason}"
            ),
            MergeError::OutputInvalid { message } => {
                write!(f, "internal error: merged config does not parse: {message}")
            }
        }
    }
}

impl std::error::Error for MergeError {}
