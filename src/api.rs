//! The Llama Stack API table: CRD field name ↔ run.yaml key ↔ the releases
//! that serve it.
//!
//! This table is the only place that knows which APIs exist. Its order is the
//! *section order* of `spec.server.externalProviders`: "CRD order" means this
//! order first, then list order inside a section.

use std::fmt;

/// A llama-stack release, compared by `(major, minor, patch)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Release {
    /// `0` in `0.2.23`.
    pub major: u16,
    /// `2` in `0.2.23`.
    pub minor: u16,
    /// `23` in `0.2.23`; `0` when a version names only two numbers.
    pub patch: u16,
}

impl Release {
    /// `major.minor.patch`; `const` so that the API table is built at compile time.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        Release {
            major,
            minor,
            patch,
        }
    }

    /// Parses `0.7`, `0.7.3`, `v0.2.23`; pre-release suffixes (`0.3.0rc2`) are ignored.
    pub fn parse(text: &str) -> Option<Release> {
        let text = text.strip_prefix('v').unwrap_or(text);
        let mut numbers = text.split('.').map(|part| {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u16>().ok()
        });
        let major = numbers.next()??;
        let minor = numbers.next()??;
        let patch = numbers.next().flatten().unwrap_or(0);
        Some(Release::new(major, minor, patch))
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// One Llama Stack API as this project knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Api {
    /// Field under `spec.server.externalProviders` (camelCase, e.g. `vectorIo`).
    pub crd_field: &'static str,
    /// Key under run.yaml's `providers:` and in `apis:` (e.g. `vector_io`).
    pub run_yaml_key: &'static str,
    /// First release whose configs list this API.
    pub since: Release,
    /// First release that no longer serves it (`None`: still served).
    pub until: Option<Release>,
}

impl Api {
    /// Whether a server of `release` serves this API.
    pub fn served_by(&self, release: Release) -> bool {
        release >= self.since && self.until.is_none_or(|until| release < until)
    }

    /// The releases serving it, for messages: `0.1.0+`, or
    /// `0.1.0 up to (not including) 0.7.0`.
    pub fn releases(&self) -> String {
        match self.until {
            None => format!("{}+", self.since),
            Some(until) => format!("{} up to (not including) {}", self.since, until),
        }
    }
}

const fn api(
    crd_field: &'static str,
    run_yaml_key: &'static str,
    since: Release,
    until: Option<Release>,
) -> Api {
    Api {
        crd_field,
        run_yaml_key,
        since,
        until,
    }
}

const V0_1: Release = Release::new(0, 1, 0);

/// Every API, in CRD section order.
///
/// Bounds come from the distribution configs llama-stack shipped (see
/// `shared/fixtures/runyamls`): `agents` was split into `responses` in 0.7,
/// `datasetio`, `scoring` and `eval` are gone in 0.8, `post_training` is
/// last listed by the 0.3 starter distribution, `files` and `batches` first
/// appear in 0.2 releases and `file_processors` in 0.7.
pub const APIS: &[Api] = &[
    api("inference", "inference", V0_1, None),
    api("safety", "safety", V0_1, None),
    api("agents", "agents", V0_1, Some(Release::new(0, 7, 0))),
    api("vectorIo", "vector_io", V0_1, None),
    api("datasetIo", "datasetio", V0_1, Some(Release::new(0, 8, 0))),
    api("scoring", "scoring", V0_1, Some(Release::new(0, 8, 0))),
    api("eval", "eval", V0_1, Some(Release::new(0, 8, 0))),
    api("toolRuntime", "tool_runtime", V0_1, None),
    api(
        "postTraining",
        "post_training",
        V0_1,
        Some(Release::new(0, 7, 0)),
    ),
    api("files", "files", Release::new(0, 2, 11), None),
    api("batches", "batches", Release::new(0, 2, 20), None),
    api("responses", "responses", Release::new(0, 7, 0), None),
    api(
        "fileProcessors",
        "file_processors",
        Release::new(0, 7, 0),
        None,
    ),
];

/// The API whose CRD field is `crd_field` (`vectorIo`).
pub fn by_crd_field(crd_field: &str) -> Option<&'static Api> {
    APIS.iter().find(|api| api.crd_field == crd_field)
}

/// The API whose run.yaml key is `key` (`vector_io`).
pub fn by_run_yaml_key(key: &str) -> Option<&'static Api> {
    APIS.iter().find(|api| api.run_yaml_key == key)
}

/// Position of an API in CRD section order.
pub fn section_index(api: &Api) -> usize {
    APIS.iter()
        .position(|candidate| candidate.crd_field == api.crd_field)
        .unwrap_or(APIS.len())
}

/// The CRD field names, comma separated, for messages.
pub fn crd_field_list() -> String {
    APIS.iter()
        .map(|api| api.crd_field)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The run.yaml keys, comma separated, for messages.
pub fn run_yaml_key_list() -> String {
    APIS.iter()
        .map(|api| api.run_yaml_key)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_lists_every_api_in_section_order() {
        let fields: Vec<_> = APIS.iter().map(|api| api.crd_field).collect();
        assert_eq!(
            fields,
            [
                "inference",
                "safety",
                "agents",
                "vectorIo",
                "datasetIo",
                "scoring",
                "eval",
                "toolRuntime",
                "postTraining",
                "files",
                "batches",
                "responses",
                "fileProcessors"
            ]
        );
    }

    #[test]
    fn lookups_go_both_ways() {
        for api in APIS {
            assert_eq!(by_crd_field(api.crd_field), Some(api));
            assert_eq!(by_run_yaml_key(api.run_yaml_key), Some(api));
        }
        assert_eq!(by_crd_field("vector_io"), None);
        assert_eq!(by_run_yaml_key("vectorIo"), None);
        assert_eq!(
            by_crd_field("vectorIo").map(|a| a.run_yaml_key),
            Some("vector_io")
        );
    }

    #[test]
    fn releases_bound_apis() {
        let agents = by_crd_field("agents").unwrap();
        assert!(agents.served_by(Release::new(0, 2, 23)));
        assert!(!agents.served_by(Release::new(0, 7, 1)));
        let responses = by_crd_field("responses").unwrap();
        assert!(!responses.served_by(Release::new(0, 3, 0)));
        assert!(responses.served_by(Release::new(0, 7, 3)));
        assert!(
            !by_crd_field("eval")
                .unwrap()
                .served_by(Release::new(0, 8, 0))
        );
    }

    #[test]
    fn release_parsing() {
        assert_eq!(Release::parse("0.7.3"), Some(Release::new(0, 7, 3)));
        assert_eq!(Release::parse("v0.2"), Some(Release::new(0, 2, 0)));
        assert_eq!(Release::parse("0.3.0rc2"), Some(Release::new(0, 3, 0)));
        assert_eq!(Release::parse("latest"), None);
        assert_eq!(Release::new(0, 2, 23).to_string(), "0.2.23");
    }

    #[test]
    fn section_index_follows_table() {
        assert_eq!(section_index(by_crd_field("inference").unwrap()), 0);
        assert_eq!(section_index(by_crd_field("fileProcessors").unwrap()), 12);
    }
}
