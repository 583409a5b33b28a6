//! Layers in order, whiteouts, compression, broken archives.

use super::*;
use crate::image_check::testing::{archive, good_tree, gzip, layer};
use crate::image_check::tree::Entry;

fn tree_of(files: &[(&str, &str)]) -> Tree {
    let mut t = Tree::default();
    for (path, data) in files {
        t.insert(path, Entry::file(*data, 0o644, 0, 0));
    }
    t
}

#[test]
fn layers_apply_in_order_with_whiteouts() {
    let lower = tree_of(&[
        ("/a/keep", "1"),
        ("/a/gone", "2"),
        ("/b/x", "3"),
        ("/c", "4"),
    ]);
    let upper = tree_of(&[("/b/new", "5"), ("/c", "6")]);
    let bytes = archive(&[
        layer(&lower, &[]),
        gzip(&layer(&upper, &["a/.wh.gone", "b/.wh..wh..opq"])),
    ]);
    let tree = read_archive(&bytes).unwrap();
    assert!(tree.get("/a/keep").is_some());
    assert!(tree.get("/a/gone").is_none());
    assert!(
        tree.get("/b/x").is_none(),
        "the opaque whiteout hides the lower layer"
    );
    assert!(
        tree.get("/b/new").is_some(),
        "but not the layer's own entries"
    );
    assert!(tree.get("/c").is_some());
    // Contents are kept only under /lls-provider.
    assert_eq!(tree.get("/c").unwrap().data(), Some(&[][..]));
}

#[test]
fn modes_and_owners_come_from_the_headers() {
    let mut t = good_tree();
    t.insert("/lls-provider/secret", Entry::file("s", 0o600, 0, 0));
    let tree = read_archive(&archive(&[layer(&t, &[])])).unwrap();
    let e = tree.get("/lls-provider/secret").unwrap();
    assert_eq!((e.mode, e.uid), (0o600, 0));
    assert_eq!(
        tree.get("/lls-provider/lls-provider-spec.yaml"),
        t.get("/lls-provider/lls-provider-spec.yaml")
    );
}

#[test]
fn broken_archives_are_one_finding_each() {
    let good = archive(&[layer(&good_tree(), &[])]);
    // A corrupted blob: flip a byte in the last layer's data.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut a = tar::Archive::new(good.as_slice());
    for e in a.entries().unwrap() {
        let mut e = e.unwrap();
        let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        files.push((name, data));
    }
    let read = |skip: &str| {
        let files = files.clone();
        let skip = skip.to_string();
        move |path: &str| {
            if path == skip {
                return None;
            }
            files
                .iter()
                .find(|(n, _)| n == path)
                .map(|(_, d)| d.clone())
        }
    };
    let err = read_layout(&read("oci-layout")).unwrap_err();
    assert_eq!(
        err.message,
        "is not an OCI image: it has no oci-layout file"
    );
    let err = read_layout(&read("index.json")).unwrap_err();
    assert_eq!(err.message, "is not an OCI image: it has no index.json");
    let biggest = files.iter().max_by_key(|(_, d)| d.len()).unwrap().0.clone();
    let err = read_layout(&read(&biggest)).unwrap_err();
    assert_eq!(err.message, format!("blob {biggest} is missing"));
    let corrupt = {
        let files = files.clone();
        let biggest = biggest.clone();
        move |path: &str| {
            files.iter().find(|(n, _)| n == path).map(|(n, d)| {
                let mut d = d.clone();
                if *n == biggest {
                    d[600] ^= 1;
                }
                d
            })
        }
    };
    let err = read_layout(&corrupt).unwrap_err();
    assert!(
        err.message.contains("does not match its digest"),
        "{}",
        err.message
    );
    let err = apply_layer(
        &mut Tree::default(),
        &[0x28, 0xb5, 0x2f, 0xfd, 0],
        "sha256:x",
        &mut 10,
    )
    .unwrap_err();
    assert!(err.message.contains("zstd"));
}

#[test]
fn a_gzip_bomb_stops_at_the_budget() {
    let big = tree_of(&[("/lls-provider/big", &"x".repeat(100_000))]);
    let blob = gzip(&layer(&big, &[]));
    let mut budget = 50_000;
    let err = apply_layer(&mut Tree::default(), &blob, "sha256:x", &mut budget).unwrap_err();
    assert!(
        err.message.contains("unpacks to more than"),
        "{}",
        err.message
    );
}
