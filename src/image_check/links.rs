//! Links, FIFOs and devices in the provider tree. The install step reads
//! `/lls-provider` as regular files and real directories only, following no
//! link (in imageVolume mode a link would resolve in the server container's
//! file system; docs/troubleshooting.md, "A link, FIFO or device in the
//! provider tree"), so each one is an error here, named as what it is —
//! a runtime would follow a link, the install step does not.

use super::finding::Finding;
use super::oci::KEEP_DATA_UNDER;
use super::tree::{Kind, Tree};

const FIX: &str = "COPY the files themselves into /lls-provider: regular files and directories only (no symbolic links, FIFOs or devices)";

/// One finding per link, FIFO or device at or under `/lls-provider`.
pub fn check_links(tree: &Tree) -> Vec<Finding> {
    tree.under(KEEP_DATA_UNDER)
        .filter_map(|(path, entry)| match &entry.kind {
            Kind::Symlink(target) => Some(Finding::error(
                path,
                format!(
                    "is a symbolic link to {}; the install step follows no link in /lls-provider",
                    crate::diagnostic::printable(target, false)
                ),
                FIX,
            )),
            Kind::Other => Some(Finding::error(
                path,
                "is not a regular file or directory (a FIFO, a device, or a hard link to something outside the image); the install step reads regular files only",
                FIX,
            )),
            Kind::File(_) if path == KEEP_DATA_UNDER => Some(Finding::error(
                path,
                "is a file; the install step reads the directory /lls-provider",
                "COPY the provider's lls-provider-spec.yaml and packages/ to the directory /lls-provider/",
            )),
            Kind::File(_) | Kind::Dir => None,
        })
        .collect()
}

/// Whether `/lls-provider` is there but is no directory (then nothing under
/// it can be checked, and [`check_links`] names what it is).
pub fn provider_dir_is_not_a_dir(tree: &Tree) -> bool {
    tree.get(KEEP_DATA_UNDER)
        .is_some_and(|entry| !matches!(entry.kind, Kind::Dir))
}
