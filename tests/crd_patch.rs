//! The checked-in CRD patch is what `llsd-providers crd` generates.

#[test]
fn checked_in_crd_patch_is_up_to_date() {
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .join("deploy/crd/external-providers-patch.yaml");
    let checked_in =
        std::fs::read_to_string(&path).expect("deploy/crd/external-providers-patch.yaml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_llsd-providers"))
        .arg("crd")
        .output()
        .expect("run llsd-providers crd");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout) == checked_in,
        "deploy/crd/external-providers-patch.yaml is stale: run `make crd`"
    );
    assert_eq!(checked_in, llsd_providers::crd::crd_patch_yaml());
}
