"""The install bundle: install.yaml is deploy/ with Cargo.toml's version and
nothing else, the API server takes it whole (the session fixture applies it
with `kubectl apply -f`, as users do), and the two kustomize Components the
docs give users -- the CRD patch beside the operator's CRD, the supply-chain
settings over install.yaml -- do what the docs say."""

import copy
import os
import shutil
import tomllib

import jsonpatch
import yaml

from conftest import OPERATOR_CRD
from controlplane import ROOT

DEPLOY = ROOT / "deploy"
VERSION = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"]["version"]
MERGE_CONFIG = "quay.io/llsd-providers/merge-config"
# each instance runs its role's module (policy-metadata/roles/<role>/)
MODULES = {"llsd-providers-validate": "registry://quay.io/llsd-providers/kubewarden-policy-validate-llsd",
           "llsd-providers-inject": "registry://quay.io/llsd-providers/kubewarden-policy-inject-deployments",
           "llsd-providers-inject-wired": "registry://quay.io/llsd-providers/kubewarden-policy-inject-deployments"}
NAMESPACE = "llsd-providers-system"


def documents(text):
    return [doc for doc in yaml.safe_load_all(text) if doc]


def kustomize(kube, directory):
    return documents(kube.run("kustomize", str(directory)).stdout)


def key(obj):
    return obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]


def tagged(obj):
    """`obj` of deploy/ with the tags the render sets: <version> on the
    merge-config image, v<version> on the policy modules."""
    obj = copy.deepcopy(obj)
    if obj["kind"] == "Deployment":
        for container in obj["spec"]["template"]["spec"]["containers"]:
            if container["image"] == MERGE_CONFIG:
                container["image"] = f"{MERGE_CONFIG}:{VERSION}"
    if obj["kind"] == "ClusterAdmissionPolicy":
        spec = obj["spec"]
        module = MODULES[obj["metadata"]["name"]]
        if spec["module"] == module:
            spec["module"] = f"{module}:v{VERSION}"
        if spec.get("settings", {}).get("mergeImage") == MERGE_CONFIG:
            spec["settings"]["mergeImage"] = f"{MERGE_CONFIG}:{VERSION}"
    return obj


def test_install_yaml_is_deploy_tagged_with_the_cargo_version(cluster, kube):
    bundle = {key(obj): obj for obj in documents(cluster.install_yaml.read_text())}
    sources = {key(obj): tagged(obj) for obj in kustomize(kube, DEPLOY)}
    assert sorted(bundle) == sorted(sources)
    for name, obj in sources.items():
        assert bundle[name] == obj, f"{name} differs from deploy/"
    assert sorted(kind for kind, _, _ in bundle) == sorted([
        "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
        "Deployment", "ClusterRole", "ClusterRoleBinding",
        "ClusterAdmissionPolicy", "ClusterAdmissionPolicy", "ClusterAdmissionPolicy"])
    # every reference to our images names this version; nothing in the
    # bundle is, or could replace, the operator's CRD
    text = cluster.install_yaml.read_text()
    assert text.count(f"{MERGE_CONFIG}:{VERSION}\n") == 3
    assert sum(text.count(f"{module}:v{VERSION}\n") for module in set(MODULES.values())) == 3
    assert text.count(MERGE_CONFIG) == 3 and text.count("registry://") == 3
    assert not any(obj["kind"] == "CustomResourceDefinition" for obj in bundle.values())
    assert (cluster.bundle / "external-providers-patch.yaml").read_text() == \
        (DEPLOY / "crd/external-providers-patch.yaml").read_text()


def test_every_file_of_deploy_is_in_the_bundle():
    """A manifest added to deploy/ but not to its kustomization would be
    missing from install.yaml without any test noticing."""
    for kustomization in sorted(DEPLOY.rglob("kustomization.yaml")):
        directory = kustomization.parent
        spec = yaml.safe_load(kustomization.read_text())
        named = {*spec.get("resources", []), *spec.get("configurations", []),
                 *(patch["path"] for patch in spec.get("patches", []) if "path" in patch)}
        present = {p.name for p in directory.iterdir() if p.name != "kustomization.yaml"}
        if directory == DEPLOY:
            # the bases; crd/ is a Component for the operator's CRD, not part of install.yaml
            assert named == present - {"crd"}, directory
        else:
            assert named == present, directory


def test_the_api_server_stored_the_bundle_as_written(cluster):
    applied = cluster.applied.splitlines()
    assert len(applied) == 12 and all(line.endswith(" created") for line in applied), cluster.applied
    written = {obj["metadata"]["name"]: obj["spec"] for obj in documents(cluster.install_yaml.read_text())
               if obj["kind"] == "ClusterAdmissionPolicy"}
    # what the emulated Kubewarden controller read back is what users applied
    assert {m["metadata"]["name"]: m["spec"] for m in cluster.manifests} == written


def test_the_controllers_pod_passes_the_restricted_pod_security_standard(kube):
    """The Deployment's ReplicaSet made its pod under the Namespace's
    `pod-security.kubernetes.io/enforce: restricted` (there is no kubelet to
    run it): a pod that broke the standard would be refused."""
    (pod,) = kube.wait_for("the controller's pod", lambda: kube.items(
        "pod", NAMESPACE, "app.kubernetes.io/name=llsd-providers-controller"))
    assert [c["image"] for c in pod["spec"]["containers"]] == [f"{MERGE_CONFIG}:{VERSION}"]
    # the standard is enforced there
    done = kube.run("run", "privileged", "-n", NAMESPACE, "--image=busybox", "--privileged",
                    "--dry-run=server", check=False)
    assert done.returncode != 0 and 'violates PodSecurity "restricted' in done.stderr, done.stderr


def test_the_supply_chain_component_over_install_yaml_gives_the_examples(cluster, kube, tmp_path):
    """examples/kubewarden/supply-chain/ next to install.yaml, as its comment
    says: the three instances become examples/kubewarden/'s, field for field."""
    shutil.copy(cluster.install_yaml, tmp_path / "install.yaml")
    shutil.copytree(ROOT / "examples/kubewarden/supply-chain", tmp_path / "supply-chain")
    (tmp_path / "kustomization.yaml").write_text("resources:\n- install.yaml\ncomponents:\n- supply-chain\n")
    rendered = {obj["metadata"]["name"]: obj for obj in kustomize(kube, tmp_path)
                if obj["kind"] == "ClusterAdmissionPolicy"}
    examples = {doc["metadata"]["name"]: doc for name in ["validate-llsd", "inject-deployments",
                                                          "inject-deployments-wired"]
                for doc in documents((ROOT / f"examples/kubewarden/{name}.yaml").read_text())}
    assert rendered == examples


def test_the_crd_component_beside_the_operators_crd_is_the_patch(kube, tmp_path):
    """deploy/crd/ added to a kustomization of the operator's CRD (docs/crd.md)
    gives the CRD that `kubectl patch crd --type=json` gives."""
    shutil.copy(OPERATOR_CRD, tmp_path / "crd.yaml")
    component = os.path.relpath(DEPLOY / "crd", tmp_path)
    (tmp_path / "kustomization.yaml").write_text(f"resources:\n- crd.yaml\ncomponents:\n- {component}\n")
    (rendered,) = kustomize(kube, tmp_path)
    patch = yaml.safe_load((DEPLOY / "crd/external-providers-patch.yaml").read_text())
    assert rendered == jsonpatch.apply_patch(yaml.safe_load(OPERATOR_CRD.read_text()), patch)


def test_the_paths_messages_name_lead_into_deploy():
    """config/ keeps a link for the path the policy's message names
    (config/README.md); it resolves to its file in deploy/."""
    links = sorted(p for p in (ROOT / "config").rglob("*.yaml"))
    assert [str(p.relative_to(ROOT / "config")) for p in links] == ["crd/external-providers-patch.yaml"]
    for link in links:
        assert link.is_symlink() and link.resolve() == DEPLOY / link.relative_to(ROOT / "config"), link


def test_the_own_registry_kustomization_of_the_docs_moves_every_image(kube, tmp_path):
    """docs/kubewarden.md's "Images from your own registry" over deploy/:
    nothing left pulls from the project's registry, and the policy instances'
    mergeImage moves with the controller's image."""
    text = (ROOT / "docs/kubewarden.md").read_text()
    section = text[text.index("Images from your own registry"):]
    block = section[section.index("```yaml\n") + len("```yaml\n"):section.index("```\n", section.index("```yaml"))]
    spec = yaml.safe_load(block.replace("<version>", VERSION))
    assert spec["resources"] == [f"https://github.com/llsd-providers/llsd-providers/deploy?ref=v{VERSION}"]
    spec["resources"] = [os.path.relpath(DEPLOY, tmp_path)]
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(spec))
    rendered = kustomize(kube, tmp_path)
    text = yaml.safe_dump_all(rendered)
    assert "quay.io/llsd-providers" not in text
    moved = f"registry.example.com/platform/llsd-merge-config:{VERSION}"
    assert text.count(moved) == 3, text
    modules = sorted(obj["spec"]["module"] for obj in rendered if obj["kind"] == "ClusterAdmissionPolicy")
    assert modules == [f"registry://registry.example.com/platform/kubewarden-policy-{role}:v{VERSION}"
                       for role in ("inject-deployments", "inject-deployments", "validate-llsd")]
