//! What the installation is given: the server's distributions and
//! interpreter, and each provider's wheels with their metadata.

use super::wheel::{CoreMetadata, WheelName};
use pep508_rs::pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, PackageName, Requirement};
use std::collections::HashSet;

/// A distribution installed in the server image.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerDist {
    /// Normalized; what requirements match.
    pub name: PackageName,
    /// As the distribution spells it, for messages.
    pub display_name: String,
    /// As `importlib.metadata` reports it.
    pub version: Version,
    /// Its `Requires-Dist`, markers not evaluated. Those that do not hold
    /// before any provider is installed are not judged.
    pub requires: Vec<Requirement>,
    /// The top-level modules its files provide (`yaml` for PyYAML), from
    /// its `RECORD`; empty when the distribution lists no files.
    pub modules: Vec<String>,
}

/// The server's interpreter: markers and supported wheel tags.
#[derive(Debug, Clone)]
pub struct Target {
    /// PEP 508 marker environment of the server's Python; requirement markers
    /// are evaluated against it.
    pub markers: MarkerEnvironment,
    /// The `python_full_version` marker; checked against `Requires-Python`.
    pub python_full_version: Version,
    /// Every tag the server's Python accepts, as `python-abi-platform`
    /// triples like [`WheelName::tags`].
    pub supported_tags: HashSet<String>,
}

/// A wheel a provider ships, with its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Wheel {
    /// Name, version and tags the resolution compares.
    pub file: WheelName,
    /// Its `METADATA`: requirements and `Requires-Python`.
    pub metadata: CoreMetadata,
}

/// One provider: where it comes from and what it ships.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// `providerId` from the LLSD; prefixes log lines, named in messages.
    pub id: String,
    /// Image reference, for messages only.
    pub image: String,
    /// File name of the provider's main wheel (`spec.wheelPath`).
    pub root: String,
    /// Every wheel in the image's `/lls-provider/packages/`; [`Chosen::wheel`](super::Chosen::wheel)
    /// indexes it.
    pub wheels: Vec<Wheel>,
}
