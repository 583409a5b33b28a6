//! The provider's files are readable by the server's non-root UID: the
//! install step runs as an arbitrary UID (OpenShift assigns one), so files
//! need the other-read bit and directories other-read and other-execute,
//! whoever owns them (mode and owner from the image's tar headers).

use super::finding::Finding;
use super::tree::{Kind, Tree};

/// The directory the install step reads.
pub const PROVIDER_DIR: &str = "/lls-provider";

/// Findings for every entry under [`PROVIDER_DIR`] (and the directories
/// leading to it) a non-root UID cannot read.
pub fn check_permissions(tree: &Tree) -> Vec<Finding> {
    let mut findings = Vec::new();
    if !tree.modes_known {
        findings.push(Finding::warning(
            PROVIDER_DIR,
            "permissions were not checked: this host cannot read file modes and owners (WASI)",
            "run check-image natively, or on the OCI archive (its tar headers carry modes and owners)",
        ));
        return findings;
    }
    for dir in Tree::ancestors(PROVIDER_DIR) {
        if let Some(entry) = tree.get(&dir)
            && matches!(entry.kind, Kind::Dir)
            && entry.mode & 0o005 != 0o005
        {
            findings.push(unreadable_dir(&dir, entry.mode, entry.uid, entry.gid));
        }
    }
    for (path, entry) in tree.under(PROVIDER_DIR) {
        if path == PROVIDER_DIR && !matches!(entry.kind, Kind::Dir) {
            continue;
        }
        match entry.kind {
            Kind::Dir => {
                if entry.mode & 0o005 != 0o005 {
                    findings.push(unreadable_dir(path, entry.mode, entry.uid, entry.gid));
                }
            }
            Kind::File(_) => {
                if entry.mode & 0o004 == 0 {
                    findings.push(Finding::error(
                        path,
                        format!(
                            "has mode {:04o} and is owned by {}:{}, so a non-root UID that does not own it (the install step runs as an arbitrary UID, such as 1001) cannot read it",
                            entry.mode, entry.uid, entry.gid
                        ),
                        "make it world-readable: chmod a+r in the build (or COPY --chmod=644)",
                    ));
                }
            }
            Kind::Symlink(_) | Kind::Other => {}
        }
    }
    findings
}

fn unreadable_dir(path: &str, mode: u32, uid: u64, gid: u64) -> Finding {
    Finding::error(
        path,
        format!(
            "is a directory with mode {mode:04o}, owned by {uid}:{gid}, so a non-root UID that does not own it (the install step runs as an arbitrary UID, such as 1001) cannot list or enter it"
        ),
        "make it world-readable and searchable: chmod a+rx in the build (or COPY --chmod=755)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image_check::tree::Entry;

    #[test]
    fn other_read_on_files_and_other_rx_on_directories() {
        let mut t = Tree::default();
        t.insert("/", Entry::dir(0o755, 0, 0));
        t.insert("/lls-provider", Entry::dir(0o750, 0, 0));
        t.insert("/lls-provider/ok", Entry::file("x", 0o644, 0, 0));
        t.insert("/lls-provider/secret", Entry::file("x", 0o600, 0, 0));
        t.insert("/lls-provider/mine", Entry::file("x", 0o640, 1001, 0));
        let findings = check_permissions(&t);
        let paths: Vec<&str> = findings.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/lls-provider",
                "/lls-provider/mine",
                "/lls-provider/secret"
            ]
        );
        assert_eq!(
            findings[2].diagnostic.problem,
            "has mode 0600 and is owned by 0:0, so a non-root UID that does not own it (the install step runs as an arbitrary UID, such as 1001) cannot read it"
        );
    }
}
