//! Errors of a merge, as data. Positions are 1-based line and column.

use crate::diagnostic::Location;
use std::fmt;

/// Why a base config could not be merged. Every variant that points into
/// the base carries a 1-based `line` and `column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeError {
    /// The base is not well-formed YAML.
    InvalidYaml {
        line: usize,
        column: usize,
        message: String,
    },
    /// The base holds no document (empty, or only comments).
    EmptyDocument,
    /// The base holds more than one document; PyYAML's `safe_load`
    /// rejects such a stream, so llama-stack could not read it either.
    MultipleDocuments { line: usize, column: usize },
    /// The root node is not a mapping.
    RootNotMapping {
        line: usize,
        column: usize,
        found: &'static str,
    },
    /// `providers` is neither a mapping nor empty.
    ProvidersNotMapping {
        line: usize,
        column: usize,
        found: &'static str,
    },
    /// `providers.<api>` is neither a sequence nor empty.
    SectionNotSequence {
        api: String,
        line: usize,
        column: usize,
        found: &'static str,
    },
    /// A key appears twice in a mapping the merge reads or edits.
    /// PyYAML would silently keep the last one; we refuse to guess.
    DuplicateKey {
        key: String,
        line: usize,
        column: usize,
        first_line: usize,
    },
    /// A merge key (`<<`) in a mapping the merge edits.
    MergeKeyUnsupported {
        context: String,
        line: usize,
        column: usize,
    },
    /// A node the merge must edit is an alias, or is anchored and
    /// aliased elsewhere (editing it would change the alias too).
    AliasedEditTarget {
        what: String,
        line: usize,
        column: usize,
    },
    /// A node the merge must edit is written in a form it cannot edit
    /// safely (e.g. an anchored or tagged empty section).
    UnsupportedLayout {
        what: String,
        line: usize,
        column: usize,
    },
    /// Nesting deeper than the limit (PyYAML itself gives up far earlier).
    TooDeep {
        line: usize,
        column: usize,
        limit: usize,
    },
    /// A removed entry defines an anchor used elsewhere, and its
    /// definition cannot be moved to the remaining alias.
    AnchorRelocation {
        anchor: String,
        line: usize,
        column: usize,
        reason: String,
    },
    /// Safety net: the merged text failed to parse. Never expected.
    OutputInvalid { message: String },
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
