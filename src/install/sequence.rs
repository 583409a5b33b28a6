//! The install step composed once: the order of its phases, what each
//! decides and what it asks of the pod. [`install`] holds the sequence —
//! the provider list checked, every tree read, the metadata checked as the
//! merge checks it (before anything is installed), the server's Python
//! asked once, the base found, one resolution, the chosen wheels unpacked,
//! the metadata and the installed list written — and [`PodIo`] is all a
//! host does: read, run and write what it is asked to
//! (`crates/fs/src/install.rs` on a pod's volumes, an in-memory pod in the
//! tests). The merge then runs on [`Installed::sources`], from memory.

use super::inputs::{Provider, Wheel};
use super::resolve::{Plan, resolve};
use super::step::{
    Step, Stop, check_metadata, crd_config_text, distribution_config_candidates, installed_text,
    module_shadows, read_probe,
};
use crate::pipeline::{CRD_CONFIG_FILE, CrdConfig, MergeFailure, ProviderSource, SPEC_FILE};
use std::collections::HashMap;

/// What the step does to the pod, asked by [`install`]: every refusal a
/// [`Stop`] worded by the core's [`Step`].
pub trait PodIo {
    /// One provider's tree: the provider with its wheels' metadata read,
    /// and the bytes of its lls-provider-spec.yaml.
    fn read_tree(&mut self, step: &Step, crd: &CrdConfig) -> Result<(Provider, Vec<u8>), Stop>;
    /// The server's Python's answer to `probe.py` (its standard output), or
    /// why it could not be asked.
    fn probe(&mut self) -> Result<Vec<u8>, String>;
    /// An environment variable of the step, `None` when unset or blank.
    fn env(&self, key: &str) -> Option<String>;
    /// The first of `candidates` that is a regular file in the server image.
    fn first_file(&self, candidates: &[String]) -> Option<String>;
    /// Empties the packages and metadata directories (a restarted pod
    /// keeps its emptyDir).
    fn clean(&mut self, step: &Step) -> Result<(), Stop>;
    /// Unpacks the wheel `file` of the provider `crd` into the packages
    /// directory: the files it wrote (relative, with `/`).
    fn unpack_wheel(
        &mut self,
        step: &Step,
        crd: &CrdConfig,
        file: &str,
    ) -> Result<Vec<String>, Stop>;
    /// Writes `files` (name, content) into the provider's metadata directory.
    fn write_metadata(&mut self, step: &Step, id: &str, files: MetadataFiles) -> Result<(), Stop>;
    /// Writes the installed-packages list.
    fn write_installed_list(&mut self, step: &Step, text: &str) -> Result<(), Stop>;
    /// A line of the step's log (standard output).
    fn say(&mut self, line: &str);
    /// A warning or the whole text of a refusal (standard error).
    fn warn(&mut self, text: &str);
}

/// A provider's metadata files: name and content.
pub type MetadataFiles<'a> = &'a [(&'a str, &'a [u8])];

/// What [`install`] is given, besides the pod.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// This init container, for every message.
    pub step: Step<'a>,
    /// The providers in the LLSD's order.
    pub crds: &'a [CrdConfig],
    /// The server's interpreter, for messages.
    pub python: &'a str,
    /// The packages directory, for messages.
    pub target: &'a str,
    /// The metadata directory, for messages (the merge's locations).
    pub metadata_dir: &'a str,
    /// The installed-packages list, for messages.
    pub installed_list: &'a str,
    /// Merge into the distribution's own config in the server image: the
    /// LLSD's `distribution.name` (see [`distribution_config_candidates`]).
    pub base_from_distribution: Option<&'a str>,
}

/// The step's success: what the merge runs on.
#[derive(Debug)]
pub struct Installed {
    /// The providers' metadata, checked as the merge checks it.
    pub sources: Vec<ProviderSource>,
    /// The distribution's config found in the server image, when asked for.
    pub distribution_config: Option<String>,
}

/// Why the step stopped.
#[derive(Debug)]
pub enum Stopped {
    /// Before anything was installed, the metadata failed the merge's
    /// checks: the merge's own failure (and its log).
    Metadata(MergeFailure),
    /// Any other refusal.
    Step(Stop),
}

impl From<Stop> for Stopped {
    fn from(stop: Stop) -> Self {
        Stopped::Step(stop)
    }
}

/// The install step, start to end (see the module's header).
pub fn install(request: &Request, pod: &mut impl PodIo) -> Result<Installed, Stopped> {
    let (step, crds) = (&request.step, request.crds);
    step.check_provider_ids(crds)?;
    let mut providers = Vec::with_capacity(crds.len());
    let mut specs = Vec::with_capacity(crds.len());
    for crd in crds {
        let (provider, spec) = pod.read_tree(step, crd)?;
        providers.push(provider);
        specs.push(spec);
    }
    let sources = check_metadata(request.metadata_dir, crds, &specs, &mut providers)
        .map_err(Stopped::Metadata)?;

    let image = pod
        .probe()
        .and_then(|stdout| read_probe(&stdout))
        .map_err(|problem| step.probe_failed(request.python, &problem))?;
    let server = &image.dists;
    let distribution_config = match request.base_from_distribution {
        None => None,
        Some(name) => {
            // the entrypoint runs $DISTRO_NAME when it is set; the LLSD's
            // name only stands in for an image that sets none
            let distro_name = pod.env("DISTRO_NAME");
            let names = [distro_name.as_deref().unwrap_or(name)];
            let run_config_path = pod.env("RUN_CONFIG_PATH");
            let tried = distribution_config_candidates(
                run_config_path.as_deref(),
                &names,
                &image.server_packages,
            );
            let found = pod
                .first_file(&tried)
                .ok_or_else(|| step.no_distribution_config(&tried))?;
            pod.say(&format!(
                "Base: {found} (the distribution's config in the server image)"
            ));
            Some(found)
        }
    };

    let plan = match resolve(server, &providers, &image.target) {
        Ok(plan) => plan,
        Err(refusal) => {
            // the list still says what the server image holds
            let _ = pod.write_installed_list(step, &installed_text(&providers, &[], server));
            return Err(step
                .refused(&refusal, &providers, request.installed_list)
                .into());
        }
    };
    for line in &plan.log {
        pod.say(line);
    }
    for shadow in &plan.shadows {
        pod.warn(&shadow.warning(&providers));
    }

    pod.clean(step)?;
    let written = unpack(pod, step, &providers, crds, &plan)?;
    for warning in module_shadows(&providers, &plan, &written, server) {
        pod.warn(&warning);
    }
    for (crd, spec) in crds.iter().zip(&specs) {
        let crd_config = crd_config_text(crd);
        pod.write_metadata(
            step,
            &crd.provider_id,
            &[(SPEC_FILE, spec), (CRD_CONFIG_FILE, crd_config.as_bytes())],
        )?;
    }
    let installed: Vec<(usize, &Wheel)> = plan
        .install
        .iter()
        .map(|c| (c.provider, &providers[c.provider].wheels[c.wheel]))
        .collect();
    pod.write_installed_list(step, &installed_text(&providers, &installed, server))?;
    pod.say(&format!(
        "Installed {} wheel(s) for {} provider(s) into {}",
        installed.len(),
        providers.len(),
        request.target
    ));
    Ok(Installed {
        sources,
        distribution_config,
    })
}

/// The plan's wheels unpacked in its order: the files each wrote. Two
/// distributions writing one file would leave whichever came last: the
/// step stops on the second.
fn unpack(
    pod: &mut impl PodIo,
    step: &Step,
    providers: &[Provider],
    crds: &[CrdConfig],
    plan: &Plan,
) -> Result<Vec<Vec<String>>, Stop> {
    let mut owners: HashMap<String, usize> = HashMap::new();
    let mut written_by_wheel = Vec::new();
    for (index, chosen) in plan.install.iter().enumerate() {
        let crd = &crds[chosen.provider];
        let file_name = &providers[chosen.provider].wheels[chosen.wheel]
            .file
            .file_name;
        let written = pod.unpack_wheel(step, crd, file_name)?;
        for file in &written {
            if let Some(&first) = owners.get(file) {
                let earlier = &plan.install[first];
                let earlier_provider = &providers[earlier.provider];
                let earlier_wheel = &earlier_provider.wheels[earlier.wheel].file.file_name;
                let earlier = (earlier_provider, earlier_wheel.as_str());
                return Err(step.overwrite(crd, file_name, file, earlier));
            }
            owners.insert(file.clone(), index);
        }
        written_by_wheel.push(written);
    }
    Ok(written_by_wheel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::step::read_wheel;

    const SPEC: &str = "apiVersion: llamastack.io/v1alpha1\nkind: ProviderPackage\n\
        metadata: {name: a, version: 1.0.0, vendor: Acme}\n\
        spec: {packageName: a_mod, providerType: remote::a, api: inference, wheelPath: packages/a_prov-1.0-py3-none-any.whl}\n";

    /// A pod in memory: its trees, its Python's answer and its files; every
    /// call recorded, in order.
    #[derive(Default)]
    struct MemoryPod {
        trees: Vec<(Provider, Vec<u8>)>,
        probe: Option<String>,
        env: Vec<(&'static str, &'static str)>,
        files: Vec<String>,
        calls: Vec<String>,
        written: Vec<(String, String)>,
        said: Vec<String>,
        warned: Vec<String>,
        /// Every wheel unpacks this one file (else a module of its name).
        same_file: Option<&'static str>,
    }

    impl PodIo for MemoryPod {
        fn read_tree(&mut self, _: &Step, crd: &CrdConfig) -> Result<(Provider, Vec<u8>), Stop> {
            self.calls.push(format!("read_tree {}", crd.provider_id));
            let found = self.trees.iter().find(|(p, _)| p.id == crd.provider_id);
            Ok(found.cloned().expect("a tree per provider"))
        }
        fn probe(&mut self) -> Result<Vec<u8>, String> {
            self.calls.push("probe".into());
            self.probe
                .clone()
                .map(String::into_bytes)
                .ok_or("no python3".into())
        }
        fn env(&self, key: &str) -> Option<String> {
            let found = self.env.iter().find(|(k, _)| *k == key);
            found.map(|(_, v)| v.to_string())
        }
        fn first_file(&self, candidates: &[String]) -> Option<String> {
            candidates.iter().find(|c| self.files.contains(c)).cloned()
        }
        fn clean(&mut self, _: &Step) -> Result<(), Stop> {
            self.calls.push("clean".into());
            Ok(())
        }
        fn unpack_wheel(
            &mut self,
            _: &Step,
            _: &CrdConfig,
            file: &str,
        ) -> Result<Vec<String>, Stop> {
            self.calls.push(format!("unpack {file}"));
            let module = format!("{}/__init__.py", &file[..6]);
            Ok(vec![self.same_file.map_or(module, str::to_string)])
        }
        fn write_metadata(&mut self, _: &Step, id: &str, files: MetadataFiles) -> Result<(), Stop> {
            for (name, bytes) in files {
                let text = String::from_utf8_lossy(bytes).into_owned();
                self.written.push((format!("{id}/{name}"), text));
            }
            self.calls.push(format!("write_metadata {id}"));
            Ok(())
        }
        fn write_installed_list(&mut self, _: &Step, text: &str) -> Result<(), Stop> {
            self.calls.push("write_installed_list".into());
            self.written.push(("installed".into(), text.to_string()));
            Ok(())
        }
        fn say(&mut self, line: &str) {
            self.said.push(line.to_string());
        }
        fn warn(&mut self, text: &str) {
            self.warned.push(text.to_string());
        }
    }

    fn wheel(file_name: &str, metadata: &str) -> Wheel {
        read_wheel(file_name, Ok(metadata.to_string())).unwrap()
    }

    /// Provider `a` (image r.io/a:1) shipping a_prov 1.0, which requires
    /// `shared`, and shared 1.0.
    fn pod(spec: &str, shared_requirement: &str) -> MemoryPod {
        let provider = Provider {
            id: "a".into(),
            image: "r.io/a:1".into(),
            root: String::new(),
            wheels: vec![
                wheel(
                    "a_prov-1.0-py3-none-any.whl",
                    &format!("Name: a-prov\nVersion: 1.0\nRequires-Dist: {shared_requirement}\n"),
                ),
                wheel(
                    "shared-1.0-py3-none-any.whl",
                    "Name: shared\nVersion: 1.0\n",
                ),
            ],
        };
        let probe = r##"{"markers": {"implementation_name": "cpython", "implementation_version": "3.12.1",
            "os_name": "posix", "platform_machine": "x86_64", "platform_python_implementation": "CPython",
            "platform_release": "6.1", "platform_system": "Linux", "platform_version": "#1",
            "python_full_version": "3.12.1", "python_version": "3.12", "sys_platform": "linux"},
            "tags": ["py3-none-any"],
            "dists": [{"name": "ogx", "version": "1.5.0", "requires": [], "top_level": ["ogx/__init__.py"]},
                      {"name": "Shared", "version": "0.9", "requires": [], "top_level": ["shared/__init__.py"]},
                      {"name": "old-a", "version": "0.1", "requires": [], "top_level": ["a_prov/__init__.py"]}],
            "server_packages": {"ogx": "/sp/ogx"}}"##;
        MemoryPod {
            trees: vec![(provider, spec.as_bytes().to_vec())],
            probe: Some(probe.to_string()),
            ..MemoryPod::default()
        }
    }

    fn crds() -> Vec<CrdConfig> {
        serde_json::from_str(r#"[{"providerId": "a", "api": "inference", "image": "r.io/a:1"}]"#)
            .unwrap()
    }

    fn request<'a>(crds: &'a [CrdConfig], base_from_distribution: Option<&'a str>) -> Request<'a> {
        Request {
            step: Step {
                init_container: "merge-config",
            },
            crds,
            python: "python3",
            target: "/pkgs",
            metadata_dir: "/meta",
            installed_list: "/meta/installed-packages.txt",
            base_from_distribution,
        }
    }

    #[test]
    fn the_step_reads_asks_resolves_unpacks_and_writes_in_that_order() {
        let crds = crds();
        let mut pod = pod(SPEC, "shared>=1.0");
        let installed = install(&request(&crds, None), &mut pod).unwrap();
        assert_eq!(
            pod.calls,
            [
                "read_tree a",
                "probe",
                "clean",
                "unpack a_prov-1.0-py3-none-any.whl",
                "unpack shared-1.0-py3-none-any.whl",
                "write_metadata a",
                "write_installed_list"
            ]
        );
        assert_eq!(installed.sources.len(), 1);
        assert_eq!(installed.distribution_config, None);
        assert_eq!(
            pod.said.last().unwrap(),
            "Installed 2 wheel(s) for 1 provider(s) into /pkgs"
        );
        let written = |name: &str| &pod.written.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(written("a/lls-provider-spec.yaml"), SPEC);
        assert_eq!(
            written("a/crd-config.yaml"),
            "{\"providerId\":\"a\",\"api\":\"inference\",\"image\":\"r.io/a:1\"}\n"
        );
        assert!(
            written("installed").contains("shared==1.0  # provider: a, image r.io/a:1\n"),
            "{}",
            written("installed")
        );
        // the server's Shared 0.9 is replaced while every requirement holds
        // (the resolution's warning); its old-a has a module of a_prov's name
        assert_eq!(pod.warned.len(), 2, "{:?}", pod.warned);
        assert!(pod.warned[0].contains("shadows the server image's Shared 0.9"));
        assert!(
            pod.warned[1].contains("installs module a_prov (a_prov-1.0-py3-none-any.whl, image r.io/a:1), which shadows module a_prov of the server image's old-a 0.1"),
            "{}",
            pod.warned[1]
        );
    }

    #[test]
    fn a_wheel_writing_a_file_an_earlier_wheel_wrote_stops_the_step_naming_both() {
        let crds = crds();
        let mut pod = pod(SPEC, "shared>=1.0");
        pod.same_file = Some("a_prov/__init__.py");
        let Err(Stopped::Step(stop)) = install(&request(&crds, None), &mut pod) else {
            panic!("two wheels wrote one file");
        };
        assert!(
            stop.details.contains("Wheel shared-1.0-py3-none-any.whl overwrites a_prov/__init__.py, which wheel a_prov-1.0-py3-none-any.whl of provider 'a' (image r.io/a:1) installed"),
            "{}",
            stop.details
        );
        assert_eq!(
            pod.calls.last().unwrap(),
            "unpack shared-1.0-py3-none-any.whl"
        );
    }

    #[test]
    fn metadata_the_merge_would_refuse_stops_the_step_before_the_server_is_asked() {
        let crds = crds();
        let mut pod = pod(&SPEC.replace("api: inference", "api: safety"), "shared");
        let Err(Stopped::Metadata(failure)) = install(&request(&crds, None), &mut pod) else {
            panic!("the mismatched api passed");
        };
        assert!(failure.to_string().contains("safety"), "{failure}");
        assert_eq!(pod.calls, ["read_tree a"]);
    }

    #[test]
    fn a_refused_resolution_writes_the_servers_list_and_installs_nothing() {
        let crds = crds();
        let mut pod = pod(SPEC, "shared>=2.0");
        let Err(Stopped::Step(stop)) = install(&request(&crds, None), &mut pod) else {
            panic!("shared>=2.0 was resolved");
        };
        assert_eq!(stop.kind, "resolutionFailed");
        assert_eq!(stop.provider.as_deref(), Some("a"));
        assert_eq!(pod.calls, ["read_tree a", "probe", "write_installed_list"]);
        let (_, list) = &pod.written[0];
        assert!(
            list.contains("Shared==0.9  # server image") && !list.contains("provider: a"),
            "{list}"
        );
    }

    #[test]
    fn the_python_that_cannot_be_asked_is_named() {
        let crds = crds();
        let mut pod = MemoryPod {
            probe: None,
            ..pod(SPEC, "shared")
        };
        let Err(Stopped::Step(stop)) = install(&request(&crds, None), &mut pod) else {
            panic!("no probe, no stop");
        };
        assert_eq!(stop.kind, "stepFailed");
        assert!(
            stop.summary.starts_with(
                "Cannot ask the server's Python (python3) for its installed packages: no python3"
            ),
            "{}",
            stop.summary
        );
    }

    #[test]
    fn the_distributions_config_is_found_where_the_entrypoint_looks_first() {
        let crds = crds();
        let mut pod = MemoryPod {
            env: vec![("DISTRO_NAME", "remote-vllm")],
            files: vec![
                "/sp/ogx/distributions/starter/config.yaml".into(),
                "/sp/ogx/distributions/remote-vllm/run.yaml".into(),
            ],
            ..pod(SPEC, "shared")
        };
        let installed = install(&request(&crds, Some("starter")), &mut pod).unwrap();
        // $DISTRO_NAME wins over the LLSD's name; config.yaml is not there
        assert_eq!(
            installed.distribution_config.as_deref(),
            Some("/sp/ogx/distributions/remote-vllm/run.yaml")
        );
        assert_eq!(
            pod.said[0],
            "Base: /sp/ogx/distributions/remote-vllm/run.yaml (the distribution's config in the server image)"
        );

        let mut pod = MemoryPod {
            files: Vec::new(),
            calls: Vec::new(),
            ..pod
        };
        let Err(Stopped::Step(stop)) = install(&request(&crds, Some("starter")), &mut pod) else {
            panic!("no config, no stop");
        };
        assert_eq!(stop.kind, "invalidBase");
        assert_eq!(pod.calls, ["read_tree a", "probe"]);
    }
}
