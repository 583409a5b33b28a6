//! Layers in order, whiteouts, compression, broken archives.

use super::*;
use crate::image_check::testing::{archive, good_tree, gzip, index_archive, layer};
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
    let tree = read_archive(&bytes, Platform::LinuxAmd64).unwrap();
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
fn an_image_index_gives_the_image_of_the_platform_asked_for() {
    let amd = tree_of(&[("/lls-provider/which", "amd64")]);
    let arm = tree_of(&[("/lls-provider/which", "arm64")]);
    let bytes = index_archive(&[
        ("amd64", vec![layer(&amd, &[])]),
        ("arm64", vec![gzip(&layer(&arm, &[]))]),
    ]);
    for (platform, expected) in [
        (Platform::LinuxAmd64, &b"amd64"[..]),
        (Platform::LinuxArm64, &b"arm64"[..]),
    ] {
        let tree = read_archive(&bytes, platform).unwrap();
        assert_eq!(
            tree.get("/lls-provider/which").unwrap().data(),
            Some(expected)
        );
    }
}

#[test]
fn an_index_without_the_platform_names_what_it_has_and_how_to_add_it() {
    let bytes = index_archive(&[("amd64", vec![layer(&good_tree(), &[])])]);
    let err = read_archive(&bytes, Platform::LinuxArm64).unwrap_err();
    let problem = &err.diagnostic.problem;
    assert!(
        problem.starts_with("the index sha256:")
            && problem.ends_with(" has no linux/arm64 image: it lists linux/amd64"),
        "{problem}"
    );
    assert!(
        err.diagnostic.fix.starts_with(
            "build the image for linux/arm64 too (buildah build --platform linux/arm64"
        ) && err
            .diagnostic
            .fix
            .ends_with("or check the image it has with --platform linux/amd64"),
        "{}",
        err.diagnostic.fix
    );
    // one image pushed alone (no platform in index.json) is read whatever is asked
    let single = archive(&[layer(&good_tree(), &[])]);
    assert!(read_archive(&single, Platform::LinuxArm64).is_ok());
}

#[test]
fn modes_and_owners_come_from_the_headers() {
    let mut t = good_tree();
    t.insert("/lls-provider/secret", Entry::file("s", 0o600, 0, 0));
    let tree = read_archive(&archive(&[layer(&t, &[])]), Platform::LinuxAmd64).unwrap();
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
                return Ok(None);
            }
            Ok(files
                .iter()
                .find(|(n, _)| n == path)
                .map(|(_, d)| d.clone()))
        }
    };
    let err = read_layout(&read("oci-layout"), Platform::LinuxAmd64).unwrap_err();
    assert_eq!(
        err.diagnostic.problem,
        "is not an OCI image: it has no oci-layout file"
    );
    let err = read_layout(&read("index.json"), Platform::LinuxAmd64).unwrap_err();
    assert_eq!(
        err.diagnostic.problem,
        "is not an OCI image: it has no index.json"
    );
    let biggest = files.iter().max_by_key(|(_, d)| d.len()).unwrap().0.clone();
    let err = read_layout(&read(&biggest), Platform::LinuxAmd64).unwrap_err();
    assert_eq!(err.diagnostic.problem, format!("blob {biggest} is missing"));
    let corrupt = {
        let files = files.clone();
        let biggest = biggest.clone();
        move |path: &str| {
            Ok(files.iter().find(|(n, _)| n == path).map(|(n, d)| {
                let mut d = d.clone();
                if *n == biggest {
                    d[600] ^= 1;
                }
                d
            }))
        }
    };
    let err = read_layout(&corrupt, Platform::LinuxAmd64).unwrap_err();
    assert!(
        err.diagnostic.problem.contains("does not match its digest"),
        "{}",
        err.diagnostic.problem
    );
    let err = apply_layer(
        &mut Tree::default(),
        &[0x28, 0xb5, 0x2f, 0xfd, 0],
        "sha256:x",
        &mut 10,
    )
    .unwrap_err();
    assert!(err.diagnostic.problem.contains("zstd"));
}

#[test]
fn a_gzip_bomb_stops_at_the_budget() {
    let big = tree_of(&[("/lls-provider/big", &"x".repeat(100_000))]);
    let blob = gzip(&layer(&big, &[]));
    let mut budget = 50_000;
    let err = apply_layer(&mut Tree::default(), &blob, "sha256:x", &mut budget).unwrap_err();
    assert!(
        err.diagnostic.problem.contains("to more than"),
        "{}",
        err.diagnostic.problem
    );
}

/// Issue #24 item 6: the bytes a hard link copies count against the
/// budget (40 links to a 50 MB file in a 60 KB archive made 2.1 GB).
#[test]
fn hard_links_count_against_the_budget() {
    let mut builder = tar::Builder::new(Vec::new());
    let data = vec![b'x'; 10_000];
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder
        .append_data(&mut header, "lls-provider/big", data.as_slice())
        .unwrap();
    for i in 0..10 {
        let mut link = tar::Header::new_gnu();
        link.set_entry_type(tar::EntryType::Link);
        link.set_size(0);
        link.set_mode(0o644);
        builder
            .append_link(
                &mut link,
                format!("lls-provider/link{i}"),
                "lls-provider/big",
            )
            .unwrap();
    }
    let blob = builder.into_inner().unwrap();
    // the archive itself reads well inside the budget...
    let mut budget = 200_000;
    let mut tree = Tree::default();
    apply_layer(&mut tree, &blob, "sha256:x", &mut budget).unwrap();
    assert!(
        budget < 200_000 - 100_000,
        "the links' 100,000 bytes are counted: {budget}"
    );
    // counted, not copied: every link shares the file's bytes (40 links to
    // a 50 MB file peaked at 1.07 GB while each held a copy)
    let bytes = |path: &str| match &tree.get(path).unwrap().kind {
        Kind::File(data) => data.clone(),
        other => panic!("{other:?}"),
    };
    assert!(std::sync::Arc::ptr_eq(
        &bytes("/lls-provider/big"),
        &bytes("/lls-provider/link9")
    ));
    // ...but not with what its links copy
    let mut budget = 50_000;
    let err = apply_layer(&mut Tree::default(), &blob, "sha256:x", &mut budget).unwrap_err();
    assert!(
        err.diagnostic.problem.contains("to more than"),
        "{}",
        err.diagnostic.problem
    );
}

/// Issue #24 item 6: a layer listed many times is read and hashed once.
#[test]
fn a_layer_listed_twice_is_read_once() {
    let good = archive(&[layer(&good_tree(), &[])]);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for e in tar::Archive::new(good.as_slice()).entries().unwrap() {
        let mut e = e.unwrap();
        let name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        files.push((name, data));
    }
    // list the manifest's one layer three times
    let manifest_path = files
        .iter()
        .find(|(_, d)| serde_json::from_slice::<Value>(d).is_ok_and(|v| v.get("layers").is_some()))
        .map(|(n, _)| n.clone())
        .unwrap();
    let reads = std::cell::RefCell::new(Vec::new());
    let read = |path: &str| {
        reads.borrow_mut().push(path.to_string());
        Ok(files.iter().find(|(n, _)| n == path).map(|(n, d)| {
            if *n != manifest_path {
                return d.clone();
            }
            let mut manifest: Value = serde_json::from_slice(d).unwrap();
            let layer = manifest["layers"][0].clone();
            manifest["layers"] = serde_json::json!([layer.clone(), layer.clone(), layer]);
            serde_json::to_vec(&manifest).unwrap()
        }))
    };
    let manifest: Value = serde_json::from_slice(&read(&manifest_path).unwrap().unwrap()).unwrap();
    let tree = apply_layers(&read, manifest["layers"].as_array().unwrap()).unwrap();
    assert!(tree.get("/lls-provider/lls-provider-spec.yaml").is_some());
    let layer_path = blob_path(manifest["layers"][0]["digest"].as_str().unwrap()).unwrap();
    assert_eq!(
        reads.borrow().iter().filter(|p| **p == layer_path).count(),
        1
    );
}
