//! The resolution on synthetic metadata: the table, markers,
//! extras, tags and shadowing. tests/python/test_install.py runs the same
//! cases with real wheels, real pip and the injected init containers.

use super::wheel::{WheelName, parse_metadata, parse_requirement};
use super::*;
use pep508_rs::pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, PackageName};
use std::str::FromStr;

fn target() -> Target {
    let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: "3.12.1",
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "6.1.0",
        platform_system: "Linux",
        platform_version: "#1 SMP",
        python_full_version: "3.12.1",
        python_version: "3.12",
        sys_platform: "linux",
    })
    .unwrap();
    Target {
        markers,
        python_full_version: Version::from_str("3.12.1").unwrap(),
        supported_tags: [
            "cp312-cp312-manylinux_2_17_x86_64",
            "cp312-none-any",
            "py3-none-any",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    }
}

fn wheel(name: &str, version: &str, requires: &[&str]) -> Wheel {
    wheel_tagged(name, version, requires, "py3-none-any")
}

fn wheel_tagged(name: &str, version: &str, requires: &[&str], tag: &str) -> Wheel {
    let mut metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    for r in requires {
        metadata.push_str(&format!("Requires-Dist: {r}\n"));
    }
    Wheel {
        file: WheelName::parse(&format!("{}-{version}-{tag}.whl", name.replace('-', "_"))).unwrap(),
        metadata: parse_metadata(&metadata).unwrap(),
    }
}

fn provider(id: &str, wheels: Vec<Wheel>) -> Provider {
    Provider {
        id: id.to_string(),
        image: format!("r.io/{id}:1"),
        root: wheels[0].file.file_name.clone(),
        wheels,
    }
}

fn server(dists: &[(&str, &str, &[&str])]) -> Vec<ServerDist> {
    dists
        .iter()
        .map(|(name, version, requires)| ServerDist {
            name: PackageName::from_str(name).unwrap(),
            display_name: name.to_string(),
            version: Version::from_str(version).unwrap(),
            requires: requires
                .iter()
                .map(|r| parse_requirement(r).unwrap())
                .collect(),
            modules: vec![name.to_lowercase()],
        })
        .collect()
}

fn a() -> Provider {
    provider(
        "a",
        vec![
            wheel("a-prov", "1.0", &["shared==1.0"]),
            wheel("shared", "1.0", &[]),
        ],
    )
}
fn b() -> Provider {
    provider(
        "b",
        vec![
            wheel("b-prov", "1.0", &["shared>=1.0"]),
            wheel("shared", "2.0", &[]),
        ],
    )
}
fn c() -> Provider {
    provider("c", vec![wheel("c-prov", "1.0", &["shared>=3.0"])])
}

/// name==version of every chosen wheel, sorted.
fn installed(providers: &[Provider], plan: &Plan) -> Vec<String> {
    let mut out: Vec<String> = plan
        .install
        .iter()
        .map(|c| {
            let w = &providers[c.provider].wheels[c.wheel];
            format!("{}=={}", w.file.name, w.file.version)
        })
        .collect();
    out.sort();
    out
}

fn refuse(server: &[ServerDist], providers: &[Provider]) -> String {
    let refusal = resolve(server, providers, &target()).unwrap_err();
    let ctx = Context {
        providers,
        init_container: "merge-config",
        installed_list: "/x/installed-packages.txt",
    };
    refusal.render(&ctx).details
}

#[test]
fn a_then_b_shares_the_pinned_version() {
    let providers = [a(), b()];
    let plan = resolve(&[], &providers, &target()).unwrap();
    assert_eq!(
        installed(&providers, &plan),
        ["a-prov==1.0", "b-prov==1.0", "shared==1.0"]
    );
}

#[test]
fn b_then_a_replaces_what_b_chose_when_b_still_holds() {
    let providers = [b(), a()];
    let plan = resolve(&[], &providers, &target()).unwrap();
    assert_eq!(
        installed(&providers, &plan),
        ["a-prov==1.0", "b-prov==1.0", "shared==1.0"]
    );
    assert!(
        plan.log.iter().any(|l| l.contains("replacing shared-2.0")),
        "{:?}",
        plan.log
    );
}

#[test]
fn a_then_c_is_refused_naming_c_the_requirement_and_what_a_installed() {
    let text = refuse(&[], &[a(), c()]);
    assert!(
        text.starts_with(
            "ERROR: Cannot install provider 'c': requirement shared>=3.0 does not hold"
        ),
        "{text}"
    );
    assert!(
        text.contains("Provider: c\nImage: r.io/c:1\nInit Container: merge-config"),
        "{text}"
    );
    assert!(
        text.contains("Installed instead: shared 1.0, installed by provider 'a', image r.io/a:1"),
        "{text}"
    );
    assert!(
        text.contains("shared-1.0-py3-none-any.whl (provider 'a', image r.io/a:1): is version 1.0"),
        "{text}"
    );
    assert!(
        text.contains("Installed packages are listed in: /x/installed-packages.txt"),
        "{text}"
    );
    assert!(!text.contains("reorder"), "{text}");
}

#[test]
fn a_requirement_the_server_does_not_meet_is_refused_with_its_version() {
    let srv = server(&[("PyYAML", "6.0.3", &[])]);
    let y = provider("y", vec![wheel("y-prov", "1.0", &["pyyaml>=99"])]);
    let text = refuse(&srv, &[y]);
    assert!(
        text.contains("requirement pyyaml>=99 does not hold"),
        "{text}"
    );
    assert!(
        text.contains("Installed instead: pyyaml 6.0.3 from the server image"),
        "{text}"
    );
}

#[test]
fn what_the_server_satisfies_is_not_installed_again() {
    let srv = server(&[("shared", "1.5", &[])]);
    let providers = [b()];
    let plan = resolve(&srv, &providers, &target()).unwrap();
    assert_eq!(installed(&providers, &plan), ["b-prov==1.0"]);
    assert!(plan.shadows.is_empty());
}

#[test]
fn markers_are_evaluated_for_the_server_python() {
    let p = provider(
        "m",
        vec![
            wheel(
                "m-prov",
                "1.0",
                &[
                    "winonly>=1; sys_platform == 'win32'",
                    "old>=1; python_version < '3.10'",
                    "new==2.0; python_version >= '3.12'",
                ],
            ),
            wheel("new", "2.0", &[]),
        ],
    );
    let providers = [p];
    let plan = resolve(&[], &providers, &target()).unwrap();
    assert_eq!(installed(&providers, &plan), ["m-prov==1.0", "new==2.0"]);
}

#[test]
fn extras_pull_their_requirements() {
    let p = provider(
        "x",
        vec![
            wheel("x-prov", "1.0", &["lib[fast]>=1"]),
            wheel(
                "lib",
                "1.0",
                &["speedup==3; extra == 'fast'", "slow; extra == 'slow'"],
            ),
            wheel("speedup", "3", &[]),
        ],
    );
    let providers = [p];
    let plan = resolve(&[], &providers, &target()).unwrap();
    assert_eq!(
        installed(&providers, &plan),
        ["lib==1.0", "speedup==3", "x-prov==1.0"]
    );
    // An extra of a server distribution: its extra requirements must hold too.
    let srv = server(&[("lib", "1.0", &["speedup==3; extra == 'fast'"])]);
    let q = provider("q", vec![wheel("q-prov", "1.0", &["lib[fast]"])]);
    let text = refuse(&srv, &[q]);
    assert!(text.contains("requirement speedup==3"), "{text}");
    assert!(
        text.contains("required by lib 1.0 (the server image)"),
        "{text}"
    );
}

#[test]
fn wheels_for_another_python_are_refused_with_their_tags() {
    let p = provider(
        "t",
        vec![wheel_tagged(
            "t-prov",
            "1.0",
            &[],
            "cp311-cp311-manylinux_2_17_x86_64",
        )],
    );
    let text = refuse(&[], &[p]);
    assert!(text.contains("its main wheel t_prov-1.0-cp311-cp311-manylinux_2_17_x86_64.whl is built for cp311-cp311-manylinux_2_17_x86_64, which the server's Python 3.12.1 (linux x86_64) cannot load"), "{text}");
    let dep = provider(
        "d",
        vec![
            wheel("d-prov", "1.0", &["native"]),
            wheel_tagged("native", "1.0", &[], "cp311-cp311-manylinux_2_17_x86_64"),
        ],
    );
    let text = refuse(&[], &[dep]);
    assert!(text.contains("requirement native does not hold"), "{text}");
    assert!(text.contains("native-1.0-cp311-cp311-manylinux_2_17_x86_64.whl (provider 'd', image r.io/d:1): is built for"), "{text}");
}

#[test]
fn compatible_shadowing_is_a_warning() {
    let srv = server(&[("srvlib", "1.0", &[]), ("srvapp", "1.0", &["srvlib<3"])]);
    let p = provider(
        "s",
        vec![
            wheel("s-prov", "1.0", &["srvlib>=2"]),
            wheel("srvlib", "2.0", &[]),
        ],
    );
    let providers = [p];
    let plan = resolve(&srv, &providers, &target()).unwrap();
    assert_eq!(installed(&providers, &plan), ["s-prov==1.0", "srvlib==2.0"]);
    let warning = plan.shadows[0].warning(&providers);
    assert!(warning.starts_with("WARNING: Provider 's' installs srvlib-2.0-py3-none-any.whl (provider 's', image r.io/s:1), which shadows the server image's srvlib 1.0 on PYTHONPATH; every requirement still holds"), "{warning}");
}

#[test]
fn incompatible_shadowing_is_an_error_naming_the_server_requirement() {
    let srv = server(&[("srvlib", "1.0", &[]), ("srvapp", "1.0", &["srvlib<2"])]);
    let p = provider(
        "s",
        vec![
            wheel("s-prov", "1.0", &["srvlib>=2"]),
            wheel("srvlib", "2.0", &[]),
        ],
    );
    let text = refuse(&srv, &[p]);
    assert!(
        text.contains("Installed instead: srvlib 1.0 from the server image"),
        "{text}"
    );
    assert!(
        text.contains("would break the requirement srvlib<2 of srvapp 1.0 (the server image)"),
        "{text}"
    );
    assert!(
        text.contains("would replace the server image's srvlib"),
        "{text}"
    );
}

#[test]
fn server_requirements_unmet_before_any_provider_are_not_ours() {
    let srv = server(&[("srvapp", "1.0", &["missing>=1"])]);
    let providers = [a()];
    assert!(resolve(&srv, &providers, &target()).is_ok());
}

#[test]
fn a_main_wheel_missing_from_packages_is_named() {
    let mut p = a();
    p.root = "a_prov-9.0-py3-none-any.whl".to_string();
    let text = refuse(&[], &[p]);
    assert!(
        text.contains(
            "its main wheel a_prov-9.0-py3-none-any.whl is not in /lls-provider/packages/"
        ),
        "{text}"
    );
}

/// Issue #22: `llama-stack-api` and `ogx-api` are the two names of the
/// server's API package; a provider requiring the other family's is told
/// so, and how to serve both, instead of being asked to ship a wheel.
#[test]
fn the_other_familys_api_package_is_worded_for_the_server_at_hand() {
    let ogx = server(&[
        ("ogx", "1.5.0", &["ogx-api==1.5.0"]),
        ("ogx-api", "1.5.0", &[]),
    ]);
    let p = provider(
        "p",
        vec![wheel("p-prov", "1.0", &["llama-stack-api>=0.7.3"])],
    );
    let text = refuse(&ogx, &[p]);
    assert!(
        text.contains("requirement llama-stack-api>=0.7.3 does not hold"),
        "{text}"
    );
    assert!(
        text.contains(
            "The server image runs ogx 1.5.0, whose API package is ogx-api; llama-stack-api belongs to llama-stack, the other server family"
        ),
        "{text}"
    );
    assert!(
        text.contains("import ogx_api with a fallback to llama_stack_api"),
        "{text}"
    );
    assert!(!text.contains("Add a wheel of"), "{text}");
    let llama_stack = server(&[
        ("llama-stack", "0.7.3", &[]),
        ("llama-stack-api", "0.7.3", &[]),
    ]);
    let p = provider("p", vec![wheel("p-prov", "1.0", &["ogx-api>=1.5"])]);
    let text = refuse(&llama_stack, &[p]);
    assert!(
        text.contains(
            "runs llama-stack 0.7.3, whose API package is llama-stack-api; ogx-api belongs to ogx"
        ),
        "{text}"
    );
    // any other missing package keeps its wording
    let p = provider("p", vec![wheel("p-prov", "1.0", &["missing-lib"])]);
    assert!(refuse(&ogx, &[p]).contains("Add a wheel of missing-lib"));
}
