//! The image's file system as data: absolute path → kind, mode, owner and
//! contents. Every source (an OCI archive, an OCI layout, an unpacked root
//! directory) becomes one of these; the checks read nothing else.

use std::collections::BTreeMap;
use std::sync::Arc;

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A regular file with its contents, shared: a hard link to it (and a
    /// lower layer's copy) holds the same bytes, not a copy.
    File(Arc<[u8]>),
    /// A directory.
    Dir,
    /// A symbolic link to the target as written.
    Symlink(String),
    /// Anything else (device, fifo, hard link): present, never read.
    Other,
}

/// One entry of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// File, directory, link.
    pub kind: Kind,
    /// Permission bits (`0o644`); the file type is in [`Entry::kind`].
    pub mode: u32,
    /// Owner user id.
    pub uid: u64,
    /// Owner group id.
    pub gid: u64,
}

impl Entry {
    /// A regular file.
    pub fn file(data: impl Into<Vec<u8>>, mode: u32, uid: u64, gid: u64) -> Entry {
        Entry {
            kind: Kind::File(data.into().into()),
            mode,
            uid,
            gid,
        }
    }

    /// A directory.
    pub fn dir(mode: u32, uid: u64, gid: u64) -> Entry {
        Entry {
            kind: Kind::Dir,
            mode,
            uid,
            gid,
        }
    }

    /// The contents when it is a regular file.
    pub fn data(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::File(data) => Some(data),
            _ => None,
        }
    }
}

/// The file system of an image: absolute, normalized paths (`/lls-provider/x`,
/// no trailing slash; `/` is the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    entries: BTreeMap<String, Entry>,
    /// Whether modes and owners are the image's: false when the host could
    /// not read them (a directory under WASI, whose file API has no mode
    /// bits); the permission check then says it did not run.
    pub modes_known: bool,
}

impl Default for Tree {
    fn default() -> Self {
        Tree {
            entries: BTreeMap::new(),
            modes_known: true,
        }
    }
}

/// `a/./b//c/` → `/a/b/c`; `..` pops (never above the root).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

fn parent(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/"),
        Some(i) => Some(&path[..i]),
        None => None,
    }
}

impl Tree {
    /// Adds or replaces the entry at `path` (normalized). Missing parent
    /// directories are not invented: a tar may list a file before (or
    /// without) its directories, and the permission check reports only
    /// what the image says.
    pub fn insert(&mut self, path: &str, entry: Entry) {
        self.entries.insert(normalize(path), entry);
    }

    /// Removes `path` and everything under it (a whiteout).
    pub fn remove_all(&mut self, path: &str) {
        let path = normalize(path);
        self.entries.remove(&path);
        self.clear_dir(&path);
    }

    /// Removes everything under directory `path`, keeping the directory
    /// itself (an opaque whiteout).
    pub fn clear_dir(&mut self, path: &str) {
        let path = normalize(path);
        let prefix = dir_prefix(&path);
        let under: Vec<String> = self
            .entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for key in under {
            self.entries.remove(&key);
        }
    }

    /// The entry at `path`, not following links.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(&normalize(path))
    }

    /// The entry at `path` with links followed (at most
    /// [`MAX_LINK_HOPS`](crate::limits::MAX_LINK_HOPS), like Linux), and
    /// the path it resolved to.
    pub fn resolve(&self, path: &str) -> Option<(String, &Entry)> {
        let mut path = normalize(path);
        for _ in 0..crate::limits::MAX_LINK_HOPS {
            let entry = self.entries.get(&path)?;
            match &entry.kind {
                Kind::Symlink(target) => {
                    path = if target.starts_with('/') {
                        normalize(target)
                    } else {
                        normalize(&format!("{}/{target}", parent(&path).unwrap_or("/")))
                    };
                }
                _ => return Some((path, entry)),
            }
        }
        None
    }

    /// The direct children of directory `path`: (name, entry), sorted by name.
    pub fn children(&self, path: &str) -> Vec<(&str, &Entry)> {
        let path = normalize(path);
        let prefix = dir_prefix(&path);
        self.entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !k[prefix.len()..].contains('/'))
            .map(|(k, e)| (&k[prefix.len()..], e))
            .collect()
    }

    /// Every entry at or under `path`, in path order.
    pub fn under<'a>(&'a self, path: &str) -> impl Iterator<Item = (&'a str, &'a Entry)> {
        let path = normalize(path);
        let prefix = dir_prefix(&path);
        self.entries
            .iter()
            .filter(move |(k, _)| **k == path || k.starts_with(&prefix))
            .map(|(k, e)| (k.as_str(), e))
    }

    /// The directories from the root down to `path`'s parent (`/`, `/a`, …).
    pub fn ancestors(path: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = parent(&normalize(path)).map(str::to_string);
        while let Some(p) = current {
            current = parent(&p).map(str::to_string);
            out.push(p);
        }
        out.reverse();
        out
    }
}

/// The prefix every key under directory `path` (normalized) starts with.
fn dir_prefix(path: &str) -> String {
    if path == "/" {
        "/".to_string()
    } else {
        format!("{path}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_and_whiteouts_remove_subtrees() {
        assert_eq!(normalize("./a//b/./c/"), "/a/b/c");
        assert_eq!(normalize("../../a"), "/a");
        let mut t = Tree::default();
        t.insert("a", Entry::dir(0o755, 0, 0));
        t.insert("a/b", Entry::file("x", 0o644, 0, 0));
        t.insert("a/c/d", Entry::file("y", 0o644, 0, 0));
        t.insert("ab", Entry::file("z", 0o644, 0, 0));
        assert_eq!(
            t.children("/a").iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            ["b"]
        );
        t.clear_dir("/a");
        assert!(t.get("/a").is_some() && t.get("/a/b").is_none() && t.get("/a/c/d").is_none());
        assert!(t.get("/ab").is_some());
        t.remove_all("/a");
        assert!(t.get("/a").is_none());
        assert_eq!(Tree::ancestors("/a/b/c"), ["/", "/a", "/a/b"]);
    }

    #[test]
    fn links_resolve_relative_and_absolute_and_loops_end() {
        let mut t = Tree::default();
        t.insert("/data/spec.yaml", Entry::file("x", 0o644, 0, 0));
        let link = |to: &str| Entry {
            kind: Kind::Symlink(to.to_string()),
            mode: 0o777,
            uid: 0,
            gid: 0,
        };
        t.insert("/lls-provider/spec.yaml", link("../data/spec.yaml"));
        t.insert("/abs", link("/data/spec.yaml"));
        t.insert("/loop", link("/loop"));
        assert_eq!(
            t.resolve("/lls-provider/spec.yaml").unwrap().0,
            "/data/spec.yaml"
        );
        assert_eq!(t.resolve("/abs").unwrap().0, "/data/spec.yaml");
        assert!(t.resolve("/loop").is_none());
    }
}
