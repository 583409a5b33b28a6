//! Every bound on what an input may be, in one place: the size of a file,
//! a Deployment, a wheel's entries and metadata, a requirement, an image
//! archive; how many providers, tags, links. Each is documented with why it
//! is what it is; [`LIMITS`] lists them for docs/troubleshooting.md
//! ("Limits"), which a test holds to this table. A message that refuses an
//! input names its bound.

/// A YAML input: an LLSD, a provider spec, options, a pod (Kubernetes
/// objects are at most 1.5 MiB).
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// Deepest nesting of collections accepted in a YAML input, checked while
/// parsing (an LLSD nests about ten levels).
pub const MAX_YAML_DEPTH: usize = 128;

/// Most nodes that `*alias` references may add to a YAML input (all its
/// documents) when expanded (each alias counts the nodes of the anchored
/// value). An LLSD or provider metadata shares a few small values, if any.
pub const MAX_ALIAS_NODES: u64 = 100_000;

/// Most bytes of scalar text that `*alias` references may add to an input
/// when expanded (an alias of a long string counts its length each time).
pub const MAX_ALIAS_BYTES: u64 = MAX_INPUT_BYTES as u64;

/// The user's base config (run.yaml; real ones are a few KB).
pub const MAX_BASE_BYTES: usize = 16 * 1024 * 1024;

/// The wired Deployment as JSON: leaving half a MiB under etcd's 1.5 MiB for
/// what is added after admission (`metadata.managedFields`, which
/// server-side apply fills with an entry per field manager, `status`, the
/// operator's own later fields) and for the stored form's overhead. JSON is
/// what the policy returns and `kubectl` sends; etcd's protobuf encoding of
/// a Deployment is smaller, so the bound errs on the safe side.
pub const MAX_DEPLOYMENT_BYTES: usize = 1 << 20;

/// The longest providerId: `install-provider-{id}` and `llsd-provider-{id}`
/// stay within Kubernetes' 63-character names.
pub const MAX_PROVIDER_ID_LEN: usize = 46;

/// Most providers one section may list. The CRD's CEL uniqueness rule needs
/// a bound to fit the API server's cost budget; real deployments list a few.
pub const MAX_PROVIDERS_PER_SECTION: usize = 16;

/// Largest `maxProviders` the policy's settings accept: every API section
/// at its per-section limit.
pub const MAX_PROVIDERS_LIMIT: u64 = 1024;

/// Longest key (in characters) of a provider `config` at any depth. YAML
/// readers refuse an implicit key over 1024 characters of text; a key of
/// 160, double-quoted with every character escaped (`\uFFFE`, 6 each),
/// stays under it in run.yaml.
pub const MAX_CONFIG_KEY_CHARS: usize = 160;

/// Deepest nesting the run.yaml merge accepts. PyYAML's recursive composer
/// fails long before (about 500 levels), so no config llama-stack can read
/// is refused.
pub const MAX_MERGE_DEPTH: usize = 1024;

/// The most `python-abi-platform` tags a wheel name may expand to: the
/// compressed tag sets multiply (a name with 200 dots per part expanded to
/// 8 million tags, 449 MB, from 10 KB); real wheels carry a handful.
pub const MAX_WHEEL_TAGS: usize = 256;

/// The largest `METADATA` read from a wheel (real ones are a few kilobytes;
/// the description is the bulk).
pub const MAX_METADATA_BYTES: u64 = 4 << 20;

/// The longest `Requires-Dist` value read. Real ones are a few hundred
/// bytes; the PEP 508 parser's memory grows with the square of a marker's
/// length (640 `or` terms, 12 KB: 245 MB), and the install step runs under
/// the injected container's 512Mi limit.
pub const MAX_REQUIREMENT_BYTES: usize = 4096;

/// The most `and`/`or` terms in one requirement's marker.
pub const MAX_MARKER_TERMS: usize = 64;

/// The deepest nesting of parentheses in a requirement: the parser recurses
/// per level (about 5,000 levels overflowed the stack).
pub const MAX_REQUIREMENT_NESTING: usize = 32;

/// The largest file unpacked from a wheel, counted in the bytes actually
/// inflated (a zip header may declare any size): a safety bound on what one
/// entry may write into the shared volume. Entries are streamed to disk, so
/// memory stays at one buffer whatever their size.
pub const MAX_WHEEL_ENTRY_BYTES: u64 = 1 << 30;

/// The largest image archive (or layout blob) `check-image` reads.
pub const MAX_ARCHIVE_BYTES: u64 = 1 << 30;

/// What an image's layers may unpack to in total, hard links counted as the
/// bytes they copy: a gzip bomb or a fan of links stops here instead of
/// exhausting memory (a provider image's data layer is a few megabytes).
pub const MAX_UNPACKED_BYTES: u64 = 1 << 30;

/// Symbolic links followed in a row inside an image (as Linux does); a loop
/// ends here.
pub const MAX_LINK_HOPS: usize = 40;

/// One bound, for the documentation table.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// The constant's name.
    pub name: &'static str,
    /// Its value, as docs/troubleshooting.md writes it.
    pub value: &'static str,
    /// What it bounds.
    pub what: &'static str,
}

/// Every bound above, as docs/troubleshooting.md ("Limits") lists them.
pub const LIMITS: &[Limit] = &[
    Limit {
        name: "MAX_INPUT_BYTES",
        value: "4 MiB",
        what: "a YAML input (LLSD, spec, options, pod)",
    },
    Limit {
        name: "MAX_YAML_DEPTH",
        value: "128",
        what: "nesting of a YAML input",
    },
    Limit {
        name: "MAX_ALIAS_NODES",
        value: "100000",
        what: "nodes aliases add to a YAML input",
    },
    Limit {
        name: "MAX_ALIAS_BYTES",
        value: "4 MiB",
        what: "scalar bytes aliases add to a YAML input",
    },
    Limit {
        name: "MAX_BASE_BYTES",
        value: "16 MiB",
        what: "the base run.yaml",
    },
    Limit {
        name: "MAX_DEPLOYMENT_BYTES",
        value: "1 MiB",
        what: "the wired Deployment (JSON)",
    },
    Limit {
        name: "MAX_PROVIDER_ID_LEN",
        value: "46",
        what: "characters of a providerId",
    },
    Limit {
        name: "MAX_PROVIDERS_PER_SECTION",
        value: "16",
        what: "providers in one API section",
    },
    Limit {
        name: "MAX_PROVIDERS_LIMIT",
        value: "1024",
        what: "the policy's maxProviders setting",
    },
    Limit {
        name: "MAX_CONFIG_KEY_CHARS",
        value: "160",
        what: "characters of a provider config key",
    },
    Limit {
        name: "MAX_MERGE_DEPTH",
        value: "1024",
        what: "nesting of the base run.yaml",
    },
    Limit {
        name: "MAX_WHEEL_TAGS",
        value: "256",
        what: "tags a wheel name expands to",
    },
    Limit {
        name: "MAX_METADATA_BYTES",
        value: "4 MiB",
        what: "a wheel's METADATA",
    },
    Limit {
        name: "MAX_REQUIREMENT_BYTES",
        value: "4096",
        what: "bytes of one Requires-Dist",
    },
    Limit {
        name: "MAX_MARKER_TERMS",
        value: "64",
        what: "and/or terms in one requirement's marker",
    },
    Limit {
        name: "MAX_REQUIREMENT_NESTING",
        value: "32",
        what: "parentheses nesting in one requirement",
    },
    Limit {
        name: "MAX_WHEEL_ENTRY_BYTES",
        value: "1 GiB",
        what: "one file unpacked from a wheel (bytes inflated)",
    },
    Limit {
        name: "MAX_ARCHIVE_BYTES",
        value: "1 GiB",
        what: "an image archive or layout blob (check-image)",
    },
    Limit {
        name: "MAX_UNPACKED_BYTES",
        value: "1 GiB",
        what: "an image's layers unpacked, hard links counted (check-image)",
    },
    Limit {
        name: "MAX_LINK_HOPS",
        value: "40",
        what: "symbolic links followed in a row in an image",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's values are the constants' (the table is what the docs test reads).
    #[test]
    fn the_table_says_what_the_constants_are() {
        let mib = |bytes: u64| format!("{} MiB", bytes >> 20);
        let gib = |bytes: u64| format!("{} GiB", bytes >> 30);
        let actual = [
            ("MAX_INPUT_BYTES", mib(MAX_INPUT_BYTES as u64)),
            ("MAX_YAML_DEPTH", MAX_YAML_DEPTH.to_string()),
            ("MAX_ALIAS_NODES", MAX_ALIAS_NODES.to_string()),
            ("MAX_ALIAS_BYTES", mib(MAX_ALIAS_BYTES)),
            ("MAX_BASE_BYTES", mib(MAX_BASE_BYTES as u64)),
            ("MAX_DEPLOYMENT_BYTES", mib(MAX_DEPLOYMENT_BYTES as u64)),
            ("MAX_PROVIDER_ID_LEN", MAX_PROVIDER_ID_LEN.to_string()),
            (
                "MAX_PROVIDERS_PER_SECTION",
                MAX_PROVIDERS_PER_SECTION.to_string(),
            ),
            ("MAX_PROVIDERS_LIMIT", MAX_PROVIDERS_LIMIT.to_string()),
            ("MAX_CONFIG_KEY_CHARS", MAX_CONFIG_KEY_CHARS.to_string()),
            ("MAX_MERGE_DEPTH", MAX_MERGE_DEPTH.to_string()),
            ("MAX_WHEEL_TAGS", MAX_WHEEL_TAGS.to_string()),
            ("MAX_METADATA_BYTES", mib(MAX_METADATA_BYTES)),
            ("MAX_REQUIREMENT_BYTES", MAX_REQUIREMENT_BYTES.to_string()),
            ("MAX_MARKER_TERMS", MAX_MARKER_TERMS.to_string()),
            (
                "MAX_REQUIREMENT_NESTING",
                MAX_REQUIREMENT_NESTING.to_string(),
            ),
            ("MAX_WHEEL_ENTRY_BYTES", gib(MAX_WHEEL_ENTRY_BYTES)),
            ("MAX_ARCHIVE_BYTES", gib(MAX_ARCHIVE_BYTES)),
            ("MAX_UNPACKED_BYTES", gib(MAX_UNPACKED_BYTES)),
            ("MAX_LINK_HOPS", MAX_LINK_HOPS.to_string()),
        ];
        assert_eq!(LIMITS.len(), actual.len());
        for (limit, (name, value)) in LIMITS.iter().zip(actual) {
            assert_eq!((limit.name, limit.value), (name, value.as_str()));
        }
    }

    /// docs/troubleshooting.md's "Limits" table lists every bound with its value.
    #[test]
    fn the_guide_lists_every_limit() {
        let guide = include_str!("../docs/troubleshooting.md");
        let section = guide
            .split("\n## ")
            .find(|s| {
                s.lines()
                    .next()
                    .is_some_and(|heading| heading.ends_with("Limits"))
            })
            .expect("docs/troubleshooting.md has a Limits section");
        for limit in LIMITS {
            let row = format!("| `{}` | {} |", limit.name, limit.value);
            assert!(
                section.contains(&row),
                "docs/troubleshooting.md \"Limits\" lacks the row starting {row}"
            );
        }
    }
}
