use super::*;
use crate::pipeline::CrdConfig;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Container, EnvVar, PodSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::json;

const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  ownerReferences:
  - {apiVersion: llamastack.io/v1alpha1, kind: LlamaStackDistribution, name: demo, uid: u1, controller: true}
spec:
  selector: {matchLabels: {app: llama-stack}}
  template:
    metadata:
      labels: {app: llama-stack}
    spec:
      securityContext: {fsGroup: 1001}
      initContainers:
      - {name: user-init, image: busybox}
      containers:
      - name: llama-stack
        image: docker.io/llamastack/distribution-starter:latest
        env:
        - {name: LLAMA_STACK_CONFIG, value: /etc/llama-stack/config.yaml}
        - {name: HF_HOME, value: /.llama}
        volumeMounts:
        - {name: lls-storage, mountPath: /.llama}
        - {name: user-config, mountPath: /etc/llama-stack/, readOnly: true}
      volumes:
      - {name: lls-storage, emptyDir: {}}
      - {name: user-config, configMap: {name: llama-stack-config}}
"#;

fn llsd(providers: &str) -> LlamaStackDistribution {
    let text = format!(
        "apiVersion: llamastack.io/v1alpha1\nkind: LlamaStackDistribution\nmetadata: {{name: demo}}\n\
         spec:\n  server:\n    distribution: {{name: starter}}\n    userConfig: {{configMapName: llama-stack-config}}\n\
         {providers}"
    );
    serde_yaml::from_str(&text).unwrap()
}

fn two_providers() -> LlamaStackDistribution {
    llsd(
        "    externalProviders:\n      vectorIo:\n      - {providerId: vec, image: \"r.io/vec:1\", imagePullPolicy: Always}\n\
         \x20     inference:\n      - {providerId: inf, image: \"r.io/inf:1\", config: {url: \"http://x\", \"on\": \"yes\"}}\n",
    )
}

fn deployment() -> Deployment {
    serde_yaml::from_str(DEPLOYMENT).unwrap()
}

/// [`inject`] on a typed Deployment, typed again for the assertions (the
/// JSON-level behaviour has its own tests at the end).
fn run(
    llsd: &LlamaStackDistribution,
    deployment: &Deployment,
    options: &InjectOptions,
) -> Result<Deployment, InjectError> {
    inject(llsd, &serde_json::to_value(deployment).unwrap(), options)
        .map(|out| serde_json::from_value(out).unwrap())
}

fn pod(d: &Deployment) -> &PodSpec {
    d.spec.as_ref().unwrap().template.spec.as_ref().unwrap()
}

fn pod_mut(d: &mut Deployment) -> &mut PodSpec {
    d.spec.as_mut().unwrap().template.spec.as_mut().unwrap()
}

fn init_names(d: &Deployment) -> Vec<String> {
    pod(d)
        .init_containers
        .iter()
        .flatten()
        .map(|c| c.name.clone())
        .collect()
}

fn env_of<'a>(c: &'a Container, name: &str) -> Option<&'a str> {
    c.env
        .iter()
        .flatten()
        .find(|e| e.name == name)
        .and_then(|e| e.value.as_deref())
}

fn injected() -> Deployment {
    run(&two_providers(), &deployment(), &InjectOptions::default()).unwrap()
}

#[test]
fn init_containers_follow_crd_order_after_existing_ones() {
    assert_eq!(
        init_names(&injected()),
        [
            "user-init",
            "stage-installer",
            "install-provider-inf",
            "install-provider-vec",
            "merge-config"
        ]
    );
}

#[test]
fn copy_containers_carry_every_value_in_env() {
    let d = injected();
    let inf = &pod(&d).init_containers.as_ref().unwrap()[2];
    assert_eq!(inf.image.as_deref(), Some("r.io/inf:1"));
    assert_eq!(inf.image_pull_policy.as_deref(), Some("IfNotPresent"));
    assert_eq!(env_of(inf, "PROVIDER_ID"), Some("inf"));
    assert_eq!(env_of(inf, "PROVIDER_IMAGE"), Some("r.io/inf:1"));
    assert_eq!(
        env_of(inf, "INIT_CONTAINER_NAME"),
        Some("install-provider-inf")
    );
    assert_eq!(inf.command.as_ref().unwrap()[2], install_script());
    assert!(!install_script().contains("# install-provider"));
    assert!(install_script().contains("cp \"$SRC/lls-provider-spec.yaml\""));
    assert!(!install_script().contains("pip install"));
    assert_eq!(
        inf.termination_message_policy.as_deref(),
        Some("FallbackToLogsOnError")
    );
    let vec = &pod(&d).init_containers.as_ref().unwrap()[3];
    assert_eq!(vec.image_pull_policy.as_deref(), Some("Always"));
    let stage = &pod(&d).init_containers.as_ref().unwrap()[1];
    assert_eq!(stage.image.as_deref(), Some(DEFAULT_MERGE_IMAGE));
    assert_eq!(
        stage.command.as_deref(),
        Some(&[DEFAULT_INSTALL_BINARY.to_string()][..])
    );
    assert_eq!(
        stage.args.as_ref().unwrap().join(" "),
        format!("install --copy-binary-to {STAGED_BINARY_PATH}")
    );
}

fn merge_container(d: &Deployment) -> Container {
    pod(d)
        .init_containers
        .as_ref()
        .unwrap()
        .last()
        .unwrap()
        .clone()
}

fn mounts_of(c: &Container) -> Vec<(String, String, Option<bool>)> {
    c.volume_mounts
        .iter()
        .flatten()
        .map(|m| (m.name.clone(), m.mount_path.clone(), m.read_only))
        .collect()
}

const INSTALL_ARGS: &str = "--target /opt/llama-stack/external-providers/python-packages \
     --metadata-dir /opt/llama-stack/external-providers/metadata \
     --installed-list /opt/llama-stack/external-providers/installed-packages.txt \
     --base /opt/llama-stack/base-config/config.yaml --output /opt/llama-stack/config/config.yaml \
     --extra-providers-output /opt/llama-stack/config/extra-providers.yaml --log /opt/llama-stack/config/merge-log.txt \
     --copy-base-siblings";

#[test]
fn merge_container_installs_and_merges_in_the_server_image() {
    let d = injected();
    let merge = merge_container(&d);
    assert_eq!(
        merge.image.as_deref(),
        Some("docker.io/llamastack/distribution-starter:latest")
    );
    assert_eq!(
        merge.command.as_deref(),
        Some(&[STAGED_BINARY_PATH.to_string()][..])
    );
    assert_eq!(
        merge.args.as_ref().unwrap().join(" "),
        format!("install --sources {SOURCES_PATH} {INSTALL_ARGS}")
    );
    let crds: Vec<CrdConfig> =
        serde_json::from_str(env_of(&merge, "LLSD_PROVIDERS").unwrap()).unwrap();
    let ids: Vec<&str> = crds.iter().map(|c| c.provider_id.as_str()).collect();
    assert_eq!(ids, ["inf", "vec"]);
    assert_eq!(crds[0].api, "inference");
    assert_eq!(crds[0].config.as_ref().unwrap()["on"], "yes");
    assert_eq!(env_of(&merge, "INIT_CONTAINER_NAME"), Some("merge-config"));
    assert_eq!(
        mounts_of(&merge),
        [
            (SHARED_VOLUME.into(), SHARED_PATH.into(), None),
            ("user-config".into(), BASE_CONFIG_PATH.into(), Some(true)),
            (MERGED_VOLUME.into(), MERGED_PATH.into(), None),
        ]
    );
}

fn image_volume_options() -> InjectOptions {
    InjectOptions {
        install_mode: InstallMode::ImageVolume,
        ..InjectOptions::default()
    }
}

#[test]
fn image_volume_mode_is_one_init_container_with_read_only_image_volumes() {
    let d = run(&two_providers(), &deployment(), &image_volume_options()).unwrap();
    assert_eq!(init_names(&d), ["user-init", "merge-config"]);
    let merge = merge_container(&d);
    assert_eq!(
        merge.command.as_deref(),
        Some(&[format!("{TOOLS_PATH}{DEFAULT_INSTALL_BINARY}")][..])
    );
    assert_eq!(
        merge.args.as_ref().unwrap().join(" "),
        format!("install --sources {PROVIDER_IMAGES_PATH} {INSTALL_ARGS}")
    );
    let mounts = mounts_of(&merge);
    assert_eq!(
        mounts[3..],
        [
            (TOOLS_VOLUME.into(), TOOLS_PATH.into(), Some(true)),
            (
                "llsd-provider-inf".into(),
                format!("{PROVIDER_IMAGES_PATH}/inf"),
                Some(true)
            ),
            (
                "llsd-provider-vec".into(),
                format!("{PROVIDER_IMAGES_PATH}/vec"),
                Some(true)
            ),
        ]
    );
    let images: Vec<(String, String, String)> = pod(&d)
        .volumes
        .iter()
        .flatten()
        .filter_map(|v| {
            let image = v.image.as_ref()?;
            Some((
                v.name.clone(),
                image.reference.clone()?,
                image.pull_policy.clone()?,
            ))
        })
        .collect();
    assert_eq!(
        images,
        [
            (
                TOOLS_VOLUME.into(),
                DEFAULT_MERGE_IMAGE.into(),
                "IfNotPresent".into()
            ),
            (
                "llsd-provider-inf".into(),
                "r.io/inf:1".into(),
                "IfNotPresent".into()
            ),
            (
                "llsd-provider-vec".into(),
                "r.io/vec:1".into(),
                "Always".into()
            ),
        ]
    );
}

#[test]
fn merge_container_knows_the_pods_container_count_for_its_termination_message() {
    for (options, injected_init) in [
        (InjectOptions::default(), 4), // stage-installer, 2 copies, merge-config
        (image_volume_options(), 1),
    ] {
        let d = run(&two_providers(), &deployment(), &options).unwrap();
        let spec = pod(&d);
        let count = spec.containers.len() + spec.init_containers.as_ref().unwrap().len();
        let original = pod(&deployment()).containers.len()
            + pod(&deployment())
                .init_containers
                .as_ref()
                .map_or(0, Vec::len);
        assert_eq!(count, original + injected_init);
        assert_eq!(
            env_of(&merge_container(&d), POD_CONTAINERS_ENV),
            Some(count.to_string().as_str())
        );
    }
}

#[test]
fn switching_modes_replaces_the_previous_injection() {
    let volumes = run(&two_providers(), &deployment(), &image_volume_options()).unwrap();
    let back = run(&two_providers(), &volumes, &InjectOptions::default()).unwrap();
    assert_eq!(back, injected());
    let again = run(&two_providers(), &back, &image_volume_options()).unwrap();
    assert_eq!(again, volumes);
    let none = run(&llsd(""), &volumes, &image_volume_options()).unwrap();
    assert_eq!(none, deployment());
}

#[test]
fn server_reads_the_merged_config_where_it_read_the_users() {
    let d = injected();
    let server = &pod(&d).containers[0];
    let mounts: Vec<(&str, &str)> = server
        .volume_mounts
        .iter()
        .flatten()
        .map(|m| (m.name.as_str(), m.mount_path.as_str()))
        .collect();
    assert_eq!(
        mounts,
        [
            ("lls-storage", "/.llama"),
            (MERGED_VOLUME, "/etc/llama-stack/"),
            (SHARED_VOLUME, SHARED_PATH)
        ]
    );
    assert_eq!(
        env_of(server, "LLAMA_STACK_CONFIG"),
        Some("/etc/llama-stack/config.yaml")
    );
    assert_eq!(env_of(server, "PYTHONPATH"), Some(PACKAGES_PATH));
    let volumes: Vec<&str> = pod(&d)
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(
        volumes,
        ["lls-storage", "user-config", SHARED_VOLUME, MERGED_VOLUME]
    );
    let shared = &pod(&d).volumes.as_ref().unwrap()[2];
    assert_eq!(
        shared.empty_dir.as_ref().unwrap().size_limit,
        Some(Quantity("2Gi".into()))
    );
}

#[test]
fn existing_pythonpath_is_kept_after_the_packages() {
    let mut d = deployment();
    pod_mut(&mut d).containers[0].env.as_mut().unwrap().insert(
        0,
        k8s_openapi::api::core::v1::EnvVar {
            name: "PYTHONPATH".into(),
            value: Some("/app".into()),
            ..Default::default()
        },
    );
    let out = run(&two_providers(), &d, &InjectOptions::default()).unwrap();
    assert_eq!(
        env_of(&pod(&out).containers[0], "PYTHONPATH"),
        Some(format!("{PACKAGES_PATH}:/app").as_str())
    );
    let again = run(&two_providers(), &out, &InjectOptions::default()).unwrap();
    assert_eq!(again, out);
    let removed = run(&llsd(""), &out, &InjectOptions::default()).unwrap();
    assert_eq!(removed, d);
}

#[test]
fn init_containers_are_restricted_with_default_resources() {
    let d = injected();
    for c in pod(&d).init_containers.iter().flatten().skip(1) {
        let sc = c.security_context.as_ref().unwrap();
        assert_eq!(sc.run_as_non_root, Some(true));
        assert_eq!(sc.allow_privilege_escalation, Some(false));
        assert_eq!(
            sc.capabilities.as_ref().unwrap().drop.as_deref(),
            Some(&["ALL".to_string()][..])
        );
        let r = c.resources.as_ref().unwrap();
        assert_eq!(r.requests.as_ref().unwrap()["cpu"], Quantity("100m".into()));
        assert_eq!(
            r.requests.as_ref().unwrap()["memory"],
            Quantity("256Mi".into())
        );
        assert_eq!(
            r.limits.as_ref().unwrap()["memory"],
            Quantity("512Mi".into())
        );
    }
}

#[test]
fn injection_is_idempotent_and_reversible() {
    let once = injected();
    let twice = run(&two_providers(), &once, &InjectOptions::default()).unwrap();
    assert_eq!(twice, once);
    let none = run(&llsd(""), &once, &InjectOptions::default()).unwrap();
    assert_eq!(none, deployment());
}

#[test]
fn an_llsd_change_replaces_the_previous_injection() {
    let once = injected();
    let changed = llsd(
        "    externalProviders:\n      safety:\n      - {providerId: guard, image: \"r.io/guard:2\"}\n",
    );
    let from_injected = run(&changed, &once, &InjectOptions::default()).unwrap();
    let from_fresh = run(&changed, &deployment(), &InjectOptions::default()).unwrap();
    assert_eq!(from_injected, from_fresh);
    assert_eq!(
        init_names(&from_injected),
        [
            "user-init",
            "stage-installer",
            "install-provider-guard",
            "merge-config"
        ]
    );
}

#[test]
fn the_hash_follows_images_config_and_order() {
    let hash = |l: &LlamaStackDistribution| {
        let d = run(l, &deployment(), &InjectOptions::default()).unwrap();
        d.spec
            .unwrap()
            .template
            .metadata
            .unwrap()
            .annotations
            .unwrap()[HASH_ANNOTATION]
            .clone()
    };
    let base = hash(&two_providers());
    assert_eq!(base, hash(&two_providers()));
    let image = llsd(
        "    externalProviders:\n      vectorIo:\n      - {providerId: vec, image: \"r.io/vec:2\", imagePullPolicy: Always}\n      inference:\n      - {providerId: inf, image: \"r.io/inf:1\", config: {url: \"http://x\", \"on\": \"yes\"}}\n",
    );
    let config = llsd(
        "    externalProviders:\n      vectorIo:\n      - {providerId: vec, image: \"r.io/vec:1\", imagePullPolicy: Always}\n      inference:\n      - {providerId: inf, image: \"r.io/inf:1\", config: {url: \"http://y\", \"on\": \"yes\"}}\n",
    );
    assert_ne!(base, hash(&image));
    assert_ne!(base, hash(&config));
}

#[test]
fn errors_name_what_is_missing() {
    let mut d = deployment();
    pod_mut(&mut d).volumes.as_mut().unwrap().pop();
    let err = run(&two_providers(), &d, &InjectOptions::default()).unwrap_err();
    assert!(
        err.diagnostics[0]
            .diagnostic
            .problem
            .contains("no volume for the user ConfigMap 'llama-stack-config'")
    );

    let mut d = deployment();
    let pod = pod_mut(&mut d);
    pod.containers.push(Container {
        name: "sidecar".into(),
        ..Default::default()
    });
    pod.containers[0].name = "server".into();
    let err = run(&two_providers(), &d, &InjectOptions::default()).unwrap_err();
    assert!(
        err.diagnostics[0]
            .diagnostic
            .problem
            .contains("no container named 'llama-stack' (found: server, sidecar)")
    );

    let mut d = deployment();
    pod_mut(&mut d).init_containers.as_mut().unwrap()[0].name = "merge-config".into();
    let err = run(&two_providers(), &d, &InjectOptions::default()).unwrap_err();
    assert!(
        err.diagnostics[0]
            .diagnostic
            .problem
            .contains("already holds 'merge-config'")
    );

    let options = InjectOptions {
        shared_volume_size_limit: "lots".into(),
        ..InjectOptions::default()
    };
    let err = run(&two_providers(), &deployment(), &options).unwrap_err();
    assert_eq!(err.diagnostics[0].source, crate::diagnostic::Input::Options);
    assert_eq!(err.diagnostics[0].diagnostic.path, "sharedVolumeSizeLimit");
}

#[test]
fn config_file_name_comes_from_the_server() {
    let mut d = deployment();
    let server = &mut pod_mut(&mut d).containers[0];
    server.env = None;
    server.args = Some(vec!["--config".into(), "/etc/llama-stack/run.yaml".into()]);
    let out = run(&two_providers(), &d, &InjectOptions::default()).unwrap();
    let merge = merge_container(&out);
    assert!(
        merge
            .args
            .unwrap()
            .contains(&"/opt/llama-stack/config/run.yaml".to_string())
    );
}

/// ogx 1.x reads `OGX_CONFIG` (and runs `ogx run PATH`): the merged copy
/// keeps the file name it names.
#[test]
fn config_file_name_comes_from_an_ogx_server() {
    let merged_args = |d: &Deployment| {
        let out = run(&two_providers(), d, &InjectOptions::default()).unwrap();
        merge_container(&out).args.unwrap()
    };
    let mut d = deployment();
    let server = &mut pod_mut(&mut d).containers[0];
    server.env = Some(vec![EnvVar {
        name: "OGX_CONFIG".into(),
        value: Some("/etc/llama-stack/ogx.yaml".into()),
        ..EnvVar::default()
    }]);
    assert!(merged_args(&d).contains(&"/opt/llama-stack/config/ogx.yaml".to_string()));
    let server = &mut pod_mut(&mut d).containers[0];
    server.env = None;
    server.command = Some(vec!["ogx".into(), "run".into()]);
    server.args = Some(vec![
        "/etc/llama-stack/server.yaml".into(),
        "--insecure".into(),
    ]);
    assert!(merged_args(&d).contains(&"/opt/llama-stack/config/server.yaml".to_string()));
}

fn hostile(name: &str) -> Deployment {
    let path = format!("{}/tests/data/hostile/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn only_error(result: Result<Deployment, InjectError>) -> (String, String) {
    let err = result.unwrap_err();
    assert_eq!(err.diagnostics.len(), 1, "{err:?}");
    let d = &err.diagnostics[0].diagnostic;
    (d.path.clone(), d.problem.clone())
}

#[test]
fn an_ordinary_container_with_an_injected_name_is_refused() {
    let d = hostile("deployment-sidecar-named-merge-config.yaml");
    for options in [InjectOptions::default(), image_volume_options()] {
        let (path, problem) = only_error(run(&two_providers(), &d, &options));
        assert_eq!(path, "spec.template.spec.containers[name=merge-config]");
        assert!(problem.contains("('merge-config')"), "{problem}");
    }
    // a user init container named like a copy container, in an injected template
    let mut d = injected();
    let spec = pod_mut(&mut d);
    spec.containers.push(Container {
        name: "install-provider-vec".into(),
        ..Container::default()
    });
    let (path, _) = only_error(run(&two_providers(), &d, &InjectOptions::default()));
    assert_eq!(
        path,
        "spec.template.spec.containers[name=install-provider-vec]"
    );
    // imageVolume mode adds no copy containers: that name is free there
    run(&two_providers(), &d, &image_volume_options()).unwrap();
}

#[test]
fn a_server_mount_at_the_packages_path_is_refused() {
    let d = hostile("deployment-mount-at-packages-path.yaml");
    let (path, problem) = only_error(run(&two_providers(), &d, &InjectOptions::default()));
    assert_eq!(
        path,
        "spec.template.spec.containers[name=llama-stack].volumeMounts[name=cache]"
    );
    assert!(problem.contains(SHARED_PATH), "{problem}");
}

#[test]
fn pythonpath_from_env_from_is_refused_unless_env_sets_it() {
    let d = hostile("deployment-pythonpath-envfrom.yaml");
    let (path, problem) = only_error(run(&two_providers(), &d, &InjectOptions::default()));
    assert_eq!(
        path,
        "spec.template.spec.containers[name=llama-stack].envFrom"
    );
    assert!(problem.contains("cannot see"), "{problem}");
    // an env entry takes precedence over envFrom: wired, and undone exactly
    let mut with_env = d.clone();
    let server = &mut pod_mut(&mut with_env).containers[0];
    server
        .env
        .as_mut()
        .unwrap()
        .push(k8s_openapi::api::core::v1::EnvVar {
            name: "PYTHONPATH".into(),
            value: Some("/app".into()),
            ..Default::default()
        });
    let out = run(&two_providers(), &with_env, &InjectOptions::default()).unwrap();
    assert_eq!(
        env_of(&pod(&out).containers[0], "PYTHONPATH"),
        Some(format!("{PACKAGES_PATH}:/app").as_str())
    );
    assert_eq!(
        run(&llsd(""), &out, &InjectOptions::default()).unwrap(),
        with_env
    );
}

fn last_pythonpath(d: &Deployment) -> Option<String> {
    pod(d).containers[0]
        .env
        .iter()
        .flatten()
        .rfind(|e| e.name == "PYTHONPATH")
        .and_then(|e| e.value.clone())
}

#[test]
fn an_empty_pythonpath_becomes_the_packages_path_alone_and_comes_back_empty() {
    let d = hostile("deployment-pythonpath-empty-last.yaml");
    let out = run(&two_providers(), &d, &InjectOptions::default()).unwrap();
    // no trailing ':' (an empty entry is the working directory on sys.path)
    assert_eq!(last_pythonpath(&out).as_deref(), Some(PACKAGES_PATH));
    assert_eq!(
        run(&two_providers(), &out, &InjectOptions::default()).unwrap(),
        out
    );
    // the empty value was last in env: it is restored, not removed
    assert_eq!(run(&llsd(""), &out, &InjectOptions::default()).unwrap(), d);
}

#[test]
fn a_pythonpath_listing_the_packages_path_is_kept_and_the_last_entry_counts() {
    let d = hostile("deployment-pythonpath-listed-twice.yaml");
    let out = run(&two_providers(), &d, &InjectOptions::default()).unwrap();
    let server = &pod(&out).containers[0];
    let values: Vec<_> = server
        .env
        .iter()
        .flatten()
        .filter(|e| e.name == "PYTHONPATH")
        .map(|e| e.value.clone().unwrap())
        .collect();
    assert_eq!(
        values,
        [
            "/first",
            "/app:/opt/llama-stack/external-providers/python-packages/"
        ]
    );
    assert_eq!(
        run(&two_providers(), &out, &InjectOptions::default()).unwrap(),
        out
    );
    assert_eq!(run(&llsd(""), &out, &InjectOptions::default()).unwrap(), d);
}

/// `n` providers over the API sections (16 each, the CRD's bound), each
/// with a `config_bytes`-long string in its config.
fn many_providers(n: usize, config_bytes: usize) -> LlamaStackDistribution {
    let mut text = String::from("    externalProviders:\n");
    let value = "x".repeat(config_bytes);
    for (s, api) in crate::api::APIS.iter().enumerate().take(n.div_ceil(16)) {
        text.push_str(&format!("      {}:\n", api.crd_field));
        for j in 0..16.min(n - s * 16) {
            let i = s * 16 + j;
            text.push_str(&format!(
                "      - {{providerId: provider-{i:03}, image: \"registry.example.com/acme/provider-{i:03}:1.0.0\", config: {{prompt: \"{value}\"}}}}\n"
            ));
        }
    }
    llsd(&text)
}

#[test]
fn a_deployment_over_the_size_bound_is_refused_in_both_modes() {
    // 208 providers (every section at 16) fit with short configs
    let fits = many_providers(208, 10);
    let out = run(&fits, &deployment(), &InjectOptions::default()).unwrap();
    let out = serde_json::to_value(&out).unwrap();
    assert!(json_bytes(&out) <= crate::limits::MAX_DEPLOYMENT_BYTES);
    assert_eq!(
        json_bytes(&out),
        serde_json::to_vec(&out).unwrap().len(),
        "the counted size is the serialized size"
    );
    // ... and not with 1 KB of config each (initContainers: about 4.3 KB
    // per provider already), nor with 6 KB each in imageVolume mode
    for (config, options) in [
        (1_000, InjectOptions::default()),
        (6_000, image_volume_options()),
    ] {
        let err = run(&many_providers(208, config), &deployment(), &options).unwrap_err();
        assert_eq!(err.diagnostics.len(), 1);
        let d = &err.diagnostics[0];
        assert_eq!(d.source, crate::diagnostic::Input::Llsd);
        assert_eq!(d.diagnostic.path, "spec.server.externalProviders");
        assert!(
            d.diagnostic
                .problem
                .starts_with("wiring 208 external providers (installMode "),
            "{}",
            d.diagnostic.problem
        );
        assert!(d.diagnostic.problem.contains("over the 1048576-byte bound"));
        assert!(d.diagnostic.fix.contains("fewer external providers"));
    }
    assert!(
        run(
            &many_providers(208, 1_000),
            &deployment(),
            &image_volume_options()
        )
        .is_ok()
    );
}

// The Deployment as JSON: what the injection does not wire passes through.

fn deployment_json() -> Value {
    serde_yaml::from_str(DEPLOYMENT).unwrap()
}

#[test]
fn fields_the_injection_does_not_wire_pass_through_in_their_order() {
    let mut d = deployment_json();
    d["spec"]["template"]["spec"]["futureField"] = json!({"x": 1});
    d["spec"]["template"]["spec"]["containers"][0]["futureField"] = json!([1, 2]);
    d["spec"]["template"]["spec"]["containers"][0]["env"][0]["futureField"] = json!(true);
    d["spec"]["replicas"] = json!("not an integer: not read");
    let out = inject(&two_providers(), &d, &InjectOptions::default()).unwrap();
    let server = &out["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        out["spec"]["template"]["spec"]["futureField"],
        json!({"x": 1})
    );
    assert_eq!(server["futureField"], json!([1, 2]));
    assert_eq!(server["env"][0]["futureField"], json!(true));
    assert_eq!(out["spec"]["replicas"], d["spec"]["replicas"]);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&out)[..], keys(&d)[..]);
    // removed again: exactly the input, keys in their order
    let none = inject(&llsd(""), &out, &InjectOptions::default()).unwrap();
    assert_eq!(none, d);
    assert_eq!(none.to_string(), d.to_string());
}

#[test]
fn the_json_injection_equals_the_typed_one_on_an_operator_deployment() {
    for options in [InjectOptions::default(), image_volume_options()] {
        let from_json = inject(&two_providers(), &deployment_json(), &options).unwrap();
        let typed = run(&two_providers(), &deployment(), &options).unwrap();
        assert_eq!(
            serde_json::from_value::<Deployment>(from_json).unwrap(),
            typed
        );
    }
}

#[test]
fn a_field_the_injection_reads_must_have_its_kubernetes_type() {
    let cases: [(&str, Value, &str, &str); 6] = [
        (
            "/spec/template/spec/containers",
            json!(5),
            "spec.template.spec.containers",
            "must be a list, found a number",
        ),
        (
            "/spec/template/spec/volumes/1/configMap",
            json!("cm"),
            "spec.template.spec.volumes[1].configMap",
            "must be a mapping, found a string",
        ),
        (
            "/spec/template/spec/containers/0/env/0/value",
            json!(7),
            "spec.template.spec.containers[0].env[0].value",
            "must be a string, found a number",
        ),
        (
            "/spec/template/spec/containers/0/image",
            json!(["x"]),
            "spec.template.spec.containers[0].image",
            "must be a string, found a list",
        ),
        (
            "/spec/template/spec/initContainers/0/name",
            Value::Null,
            "spec.template.spec.initContainers[0].name",
            "is missing",
        ),
        (
            "/spec/template/metadata",
            json!([]),
            "spec.template.metadata",
            "must be a mapping, found a list",
        ),
    ];
    for (pointer, value, path, problem) in cases {
        let mut d = deployment_json();
        *d.pointer_mut(pointer).unwrap() = value;
        let err = inject(&two_providers(), &d, &InjectOptions::default()).unwrap_err();
        let found = &err.diagnostics[0];
        assert_eq!(found.source, crate::diagnostic::Input::Deployment);
        assert_eq!(
            (
                found.diagnostic.path.as_str(),
                found.diagnostic.problem.as_str()
            ),
            (path, problem),
            "{pointer}"
        );
    }
}

#[test]
fn another_kind_is_refused_and_a_missing_template_is_named() {
    let mut d = deployment_json();
    d["kind"] = json!("StatefulSet");
    let err = inject(&two_providers(), &d, &InjectOptions::default()).unwrap_err();
    assert_eq!(err.diagnostics[0].diagnostic.path, "kind");
    assert_eq!(
        err.diagnostics[0].diagnostic.problem,
        "is 'StatefulSet', expected 'Deployment'"
    );
    let mut d = deployment_json();
    d["spec"].as_object_mut().unwrap().remove("template");
    let err = inject(&two_providers(), &d, &InjectOptions::default()).unwrap_err();
    assert_eq!(err.diagnostics[0].diagnostic.path, "spec.template");
    assert_eq!(err.diagnostics[0].diagnostic.problem, "is missing");
    let err = inject(&two_providers(), &json!([]), &InjectOptions::default()).unwrap_err();
    assert_eq!(
        err.diagnostics[0].diagnostic.problem,
        "must be a mapping, found a list"
    );
}

/// JSON pointers of every node of `value`.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                pointers(
                    inner,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                pointers(inner, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

mod any_deployment {
    use super::*;
    use proptest::prelude::*;

    fn replacement() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            Just(json!(5)),
            Just(json!("x")),
            Just(json!(true)),
            Just(json!([])),
            Just(json!({})),
            Just(json!([1, "a"])),
            Just(json!({"name": 1})),
            Just(json!([{"name": "merge-config"}])),
            Just(json!("/opt/llama-stack/external-providers")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Any node of an operator Deployment (and of an injected one)
        /// replaced by any value: the injection answers with a Deployment
        /// or with diagnostics, never a panic; and what it wires, it wires
        /// idempotently.
        #[test]
        fn any_mutation_is_answered(pick in any::<prop::sample::Index>(), value in replacement(), injected in any::<bool>(), image_volume in any::<bool>()) {
            let options = if image_volume { image_volume_options() } else { InjectOptions::default() };
            let mut d = deployment_json();
            if injected {
                d = inject(&two_providers(), &d, &options).unwrap();
            }
            let mut all = Vec::new();
            pointers(&d, String::new(), &mut all);
            let at = &all[pick.index(all.len())];
            *d.pointer_mut(at).unwrap() = value;
            if let Ok(out) = inject(&two_providers(), &d, &options) {
                prop_assert_eq!(inject(&two_providers(), &out, &options).unwrap(), out);
            }
        }
    }
}

/// The operator's Deployment for an LLSD without userConfig: no ConfigMap
/// volume, no command (the image's entrypoint runs the distribution).
fn deployment_without_user_config() -> Deployment {
    let mut d = deployment();
    let spec = pod_mut(&mut d);
    spec.volumes
        .as_mut()
        .unwrap()
        .retain(|v| v.name != "user-config");
    let server = &mut spec.containers[0];
    server
        .volume_mounts
        .as_mut()
        .unwrap()
        .retain(|m| m.name != "user-config");
    d
}

fn without_user_config(llsd: LlamaStackDistribution) -> LlamaStackDistribution {
    let mut llsd = llsd;
    llsd.spec.server.user_config = None;
    llsd
}

/// Issue #22 item 3: with only `distribution.name`, the install step merges
/// into the distribution's config in the server image, and the server's
/// entrypoint runs the merged copy through `RUN_CONFIG_PATH`.
#[test]
fn without_user_config_the_entrypoint_runs_the_merged_distribution_config() {
    let wired = without_user_config(two_providers());
    for options in [InjectOptions::default(), image_volume_options()] {
        let operator = deployment_without_user_config();
        let out = run(&wired, &operator, &options).unwrap();
        let server = &pod(&out).containers[0];
        assert_eq!(
            env_of(server, "RUN_CONFIG_PATH"),
            Some("/opt/llama-stack/config/config.yaml")
        );
        assert!(mounts_of(server).contains(&(
            "llsd-merged-config".to_string(),
            "/opt/llama-stack/config".to_string(),
            Some(true)
        )));
        let merge = merge_container(&out);
        let args = merge.args.clone().unwrap();
        let at = args
            .iter()
            .position(|a| a == "--base-from-distribution")
            .unwrap();
        assert_eq!(args[at + 1], "starter");
        assert!(!args.contains(&"--base".to_string()));
        assert!(!args.contains(&"--copy-base-siblings".to_string()));
        assert!(
            mounts_of(&merge)
                .iter()
                .all(|(_, path, _)| path != "/opt/llama-stack/base-config")
        );
        let annotations = out
            .spec
            .as_ref()
            .unwrap()
            .template
            .metadata
            .as_ref()
            .unwrap()
            .annotations
            .as_ref()
            .unwrap();
        assert!(!annotations.contains_key(CONFIG_VOLUME_ANNOTATION));
        // idempotent, and removing the providers gives the operator's template back
        assert_eq!(run(&wired, &out, &options).unwrap(), out);
        let none = without_user_config(llsd(""));
        assert_eq!(run(&none, &out, &options).unwrap(), operator);
    }
}

/// The server container's own RUN_CONFIG_PATH and DISTRO_NAME are where the
/// install step looks (copied into merge-config), and the original
/// RUN_CONFIG_PATH comes back when the providers go.
#[test]
fn without_user_config_the_servers_own_config_variables_are_kept() {
    let wired = without_user_config(two_providers());
    let mut operator = deployment_without_user_config();
    let env = pod_mut(&mut operator).containers[0].env.as_mut().unwrap();
    for (name, value) in [
        ("RUN_CONFIG_PATH", "/app/custom.yaml"),
        ("DISTRO_NAME", "remote-vllm"),
    ] {
        env.push(EnvVar {
            name: name.into(),
            value: Some(value.into()),
            ..EnvVar::default()
        });
    }
    let out = run(&wired, &operator, &InjectOptions::default()).unwrap();
    let merge = merge_container(&out);
    assert_eq!(env_of(&merge, "RUN_CONFIG_PATH"), Some("/app/custom.yaml"));
    assert_eq!(env_of(&merge, "DISTRO_NAME"), Some("remote-vllm"));
    assert_eq!(
        env_of(&pod(&out).containers[0], "RUN_CONFIG_PATH"),
        Some("/opt/llama-stack/config/config.yaml")
    );
    let none = without_user_config(llsd(""));
    assert_eq!(
        run(&none, &out, &InjectOptions::default()).unwrap(),
        operator
    );

    // a command bypasses the entrypoint: refused, with both ways out
    let mut commanded = deployment_without_user_config();
    pod_mut(&mut commanded).containers[0].command = Some(vec!["python".into()]);
    let (path, problem) = only_error(run(&wired, &commanded, &InjectOptions::default()));
    assert_eq!(
        path,
        "spec.template.spec.containers[name=llama-stack].command"
    );
    assert!(
        problem.contains("does not run its image's entrypoint"),
        "{problem}"
    );
}
