//! The Llama Stack API table: CRD field name ↔ run.yaml key ↔ the releases
//! of each server family (llama-stack 0.x, ogx 1.x) that serve it.
//!
//! This table is the only place that knows which APIs exist. Its order is the
//! *section order* of `spec.server.externalProviders`: "CRD order" means this
//! order first, then list order inside a section.

use std::fmt;

/// A server release (llama-stack 0.x or ogx 1.x), compared by `(major,
/// minor, patch)`.
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

/// The two families of the Llama Stack server: `llama-stack` (PyPI
/// `llama-stack`, 0.x, stopped at 0.7.3) and its successor `ogx` (PyPI
/// `ogx`, 1.x). Each reads its own config variable and ships its own API
/// package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `llama-stack` 0.x: reads `LLAMA_STACK_CONFIG`, API package `llama-stack-api`.
    LlamaStack,
    /// `ogx` 1.x: reads `OGX_CONFIG`, API package `ogx-api`.
    Ogx,
}

impl Family {
    /// Both, in the order messages name them.
    pub const ALL: [Family; 2] = [Family::LlamaStack, Family::Ogx];

    /// The server's distribution name on PyPI (`llama-stack`, `ogx`).
    pub fn name(self) -> &'static str {
        match self {
            Family::LlamaStack => "llama-stack",
            Family::Ogx => "ogx",
        }
    }

    /// The distribution of the server's API package, which providers build
    /// their specs from (`llama-stack-api`, `ogx-api`).
    pub fn api_package(self) -> &'static str {
        match self {
            Family::LlamaStack => "llama-stack-api",
            Family::Ogx => "ogx-api",
        }
    }

    /// The import name of that package (`llama_stack_api`, `ogx_api`).
    pub fn api_module(self) -> &'static str {
        match self {
            Family::LlamaStack => "llama_stack_api",
            Family::Ogx => "ogx_api",
        }
    }

    /// The family whose server distribution or API package is `package`
    /// (a normalized PyPI name).
    pub fn of_package(package: &str) -> Option<Family> {
        Family::ALL
            .into_iter()
            .find(|family| package == family.name() || package == family.api_package())
    }

    /// The other family.
    pub fn other(self) -> Family {
        match self {
            Family::LlamaStack => Family::Ogx,
            Family::Ogx => Family::LlamaStack,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The server an LLSD runs, as far as it can be known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    /// llama-stack or ogx.
    pub family: Family,
    /// `None` when the image's tag is not a version (`latest`).
    pub release: Option<Release>,
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.release {
            Some(release) => write!(f, "{} {release}", self.family),
            None => write!(f, "{}", self.family),
        }
    }
}

/// A range of one family's releases: `since` up to (not including) `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Releases {
    /// First release whose server serves the API.
    pub since: Release,
    /// First release that no longer serves it (`None`: still served).
    pub until: Option<Release>,
}

impl Releases {
    /// Whether `release` is in the range.
    pub fn contains(&self, release: Release) -> bool {
        release >= self.since && self.until.is_none_or(|until| release < until)
    }
}

impl fmt::Display for Releases {
    /// `0.1.0+`, or `0.1.0 up to (not including) 0.7.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.until {
            None => write!(f, "{}+", self.since),
            Some(until) => write!(f, "{} up to (not including) {until}", self.since),
        }
    }
}

/// One Llama Stack API as this project knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Api {
    /// Field under `spec.server.externalProviders` (camelCase, e.g. `vectorIo`).
    pub crd_field: &'static str,
    /// Key under run.yaml's `providers:` and in `apis:` (e.g. `vector_io`).
    pub run_yaml_key: &'static str,
    /// The llama-stack 0.x releases that serve it (`None`: none).
    pub llama_stack: Option<Releases>,
    /// The ogx 1.x releases that serve it (`None`: none).
    pub ogx: Option<Releases>,
}

impl Api {
    /// The releases of `family` that serve this API.
    pub fn releases(&self, family: Family) -> Option<Releases> {
        match family {
            Family::LlamaStack => self.llama_stack,
            Family::Ogx => self.ogx,
        }
    }

    /// Whether `server` serves this API; a server of unknown release
    /// serves it when some release of its family does.
    pub fn served_by(&self, server: Server) -> bool {
        match (self.releases(server.family), server.release) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(releases), Some(release)) => releases.contains(release),
        }
    }
}

const fn api(
    crd_field: &'static str,
    run_yaml_key: &'static str,
    llama_stack: Option<Releases>,
    ogx: Option<Releases>,
) -> Api {
    Api {
        crd_field,
        run_yaml_key,
        llama_stack,
        ogx,
    }
}

const fn since(major: u16, minor: u16, patch: u16) -> Option<Releases> {
    Some(Releases {
        since: Release::new(major, minor, patch),
        until: None,
    })
}

const fn until(major: u16, minor: u16) -> Option<Releases> {
    Some(Releases {
        since: Release::new(0, 1, 0),
        until: Some(Release::new(major, minor, 0)),
    })
}

const LLAMA_STACK_ALL: Option<Releases> = since(0, 1, 0);
const OGX_ALL: Option<Releases> = since(1, 0, 0);

/// Every API, in CRD section order (new APIs are appended, so that the
/// order of existing sections never changes).
///
/// llama-stack bounds come from the distribution configs it shipped (see
/// `shared/fixtures/runyamls`) and its `Api` enum in 0.7.3
/// (`llama_stack_api/datatypes.py`, `providable_apis()`): `agents` and
/// `post_training` are last served by 0.6, `files` and `batches` first
/// appear in 0.2 releases, `responses` and `file_processors` in 0.7.
/// ogx columns come from ogx 1.5.0's `Api` enum and `providable_apis()`
/// (`ogx_api/datatypes.py`, `ogx/core/distribution.py`): ogx dropped
/// `safety`, `datasetio`, `scoring` and `eval` and added
/// `container_runtime`, `messages`, `interactions` and `skills`; 1.5.0 is
/// the release checked, earlier 1.x releases are taken to match it.
pub const APIS: &[Api] = &[
    api("inference", "inference", LLAMA_STACK_ALL, OGX_ALL),
    api("safety", "safety", LLAMA_STACK_ALL, None),
    api("agents", "agents", until(0, 7), None),
    api("vectorIo", "vector_io", LLAMA_STACK_ALL, OGX_ALL),
    api("datasetIo", "datasetio", LLAMA_STACK_ALL, None),
    api("scoring", "scoring", LLAMA_STACK_ALL, None),
    api("eval", "eval", LLAMA_STACK_ALL, None),
    api("toolRuntime", "tool_runtime", LLAMA_STACK_ALL, OGX_ALL),
    api("postTraining", "post_training", until(0, 7), None),
    api("files", "files", since(0, 2, 11), OGX_ALL),
    api("batches", "batches", since(0, 2, 20), OGX_ALL),
    api("responses", "responses", since(0, 7, 0), OGX_ALL),
    api("fileProcessors", "file_processors", since(0, 7, 0), OGX_ALL),
    api("containerRuntime", "container_runtime", None, OGX_ALL),
    api("messages", "messages", None, OGX_ALL),
    api("interactions", "interactions", None, OGX_ALL),
    api("skills", "skills", None, OGX_ALL),
];

impl Server {
    /// Reads the server annotation's value: `ogx`, `ogx-1.5.0`,
    /// `llama-stack`, `llama-stack-0.7.3` (also `ogx 1.5.0`, `ogx==1.5.0`).
    pub fn parse(text: &str) -> Result<Server, String> {
        let text = text.trim();
        for family in Family::ALL {
            let Some(rest) = text.strip_prefix(family.name()) else {
                continue;
            };
            let version = rest.trim_start_matches(['-', ' ', '=']);
            if rest.is_empty() {
                return Ok(Server {
                    family,
                    release: None,
                });
            }
            if version.len() < rest.len()
                && let Some(release) = Release::parse(version)
            {
                return Ok(Server {
                    family,
                    release: Some(release),
                });
            }
        }
        Err(format!(
            "'{}' names no server: write llama-stack or ogx, optionally with its version (ogx-1.5.0)",
            crate::diagnostic::printable(text, false)
        ))
    }

    /// The server a distribution image runs, when its name says so: a
    /// repository path naming `ogx` (`docker.io/ogxai/distribution-starter`)
    /// or `llamastack` / `llama-stack` (`docker.io/llamastack/distribution-starter`),
    /// with the release its tag names (`:0.7.1`; `:latest` names none).
    pub fn of_image(reference: &str) -> Option<Server> {
        let without_digest = reference.split('@').next().unwrap_or(reference);
        let (path, tag) = match without_digest.rsplit_once(':') {
            Some((path, tag)) if !tag.contains('/') => (path, Some(tag)),
            _ => (without_digest, None),
        };
        let path = path.to_ascii_lowercase();
        // the registry host names no family; the repository path does
        let repository = match path.split_once('/') {
            Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => rest,
            _ => path.as_str(),
        };
        let family = if repository.contains("ogx") {
            Family::Ogx
        } else if repository.contains("llamastack") || repository.contains("llama-stack") {
            Family::LlamaStack
        } else {
            return None;
        };
        Some(Server {
            family,
            release: tag.and_then(Release::parse),
        })
    }
}

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
                "fileProcessors",
                "containerRuntime",
                "messages",
                "interactions",
                "skills"
            ]
        );
    }

    /// The servers' own lists (issue #22): llama-stack 0.7.3's and ogx
    /// 1.5.0's `providable_apis()`.
    #[test]
    fn each_family_serves_what_its_server_provides() {
        let served = |server: Server| -> Vec<&str> {
            APIS.iter()
                .filter(|api| api.served_by(server))
                .map(|api| api.run_yaml_key)
                .collect()
        };
        let llama_stack = Server {
            family: Family::LlamaStack,
            release: Release::parse("0.7.3"),
        };
        assert_eq!(
            served(llama_stack),
            [
                "inference",
                "safety",
                "vector_io",
                "datasetio",
                "scoring",
                "eval",
                "tool_runtime",
                "files",
                "batches",
                "responses",
                "file_processors"
            ]
        );
        let ogx = Server {
            family: Family::Ogx,
            release: Release::parse("1.5.0"),
        };
        assert_eq!(
            served(ogx),
            [
                "inference",
                "vector_io",
                "tool_runtime",
                "files",
                "batches",
                "responses",
                "file_processors",
                "container_runtime",
                "messages",
                "interactions",
                "skills"
            ]
        );
        assert_eq!(Family::of_package("ogx-api"), Some(Family::Ogx));
        assert_eq!(Family::of_package("llama-stack"), Some(Family::LlamaStack));
        assert_eq!(Family::of_package("llama-stack-client"), None);
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
        let llama_stack = |version: &str| Server {
            family: Family::LlamaStack,
            release: Release::parse(version),
        };
        let agents = by_crd_field("agents").unwrap();
        assert!(agents.served_by(llama_stack("0.2.23")));
        assert!(!agents.served_by(llama_stack("0.7.1")));
        assert!(agents.served_by(llama_stack("latest")));
        let responses = by_crd_field("responses").unwrap();
        assert!(!responses.served_by(llama_stack("0.3.0")));
        assert!(responses.served_by(llama_stack("0.7.3")));
        assert_eq!(
            agents.releases(Family::LlamaStack).unwrap().to_string(),
            "0.1.0 up to (not including) 0.7.0"
        );
        assert_eq!(
            responses.releases(Family::Ogx).unwrap().to_string(),
            "1.0.0+"
        );
    }

    #[test]
    fn servers_from_annotations_and_images() {
        let server = |family, version: Option<&str>| Server {
            family,
            release: version.and_then(Release::parse),
        };
        assert_eq!(Server::parse("ogx"), Ok(server(Family::Ogx, None)));
        assert_eq!(
            Server::parse("ogx-1.5.0"),
            Ok(server(Family::Ogx, Some("1.5.0")))
        );
        assert_eq!(
            Server::parse(" llama-stack==0.7.3"),
            Ok(server(Family::LlamaStack, Some("0.7.3")))
        );
        assert!(Server::parse("ogx1.5").is_err());
        assert!(
            Server::parse("vllm")
                .unwrap_err()
                .contains("names no server")
        );
        assert_eq!(
            Server::of_image("docker.io/ogxai/distribution-starter:1.5.0"),
            Some(server(Family::Ogx, Some("1.5.0")))
        );
        assert_eq!(
            Server::of_image("llamastack/distribution-starter:0.7.1"),
            Some(server(Family::LlamaStack, Some("0.7.1")))
        );
        assert_eq!(
            Server::of_image("quay.io/opendatahub/llama-stack:latest"),
            Some(server(Family::LlamaStack, None))
        );
        assert_eq!(
            Server::of_image("localhost:5000/ogx-starter@sha256:abc"),
            Some(server(Family::Ogx, None))
        );
        // a registry host naming a family says nothing about the image
        assert_eq!(Server::of_image("ogx.example.com/acme/server:2.0"), None);
        assert_eq!(
            Server::of_image("registry.example.com/acme/server:1.0"),
            None
        );
        assert_eq!(server(Family::Ogx, Some("1.5")).to_string(), "ogx 1.5.0");
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
        assert_eq!(section_index(by_crd_field("skills").unwrap()), 16);
    }
}
