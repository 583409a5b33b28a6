#!/usr/bin/env python3
"""Publishing of a release directory written by `make release`
(target/release-artifacts/<version>/): what each file is, where it goes,
a check of the whole set before anything leaves the machine, and the
commands that publish it (docs/release.md).

    publish_release.py locate --tag vX.Y.Z           the release directory of the tag
    publish_release.py check DIR --tag vX.Y.Z        every kind present, checksums, platforms, SBOMs, links
    publish_release.py plan DIR --tag vX.Y.Z         one line per file: its kind and where it goes
    publish_release.py push DIR --tag vX.Y.Z --digests FILE
                                                     skopeo/kwctl push, cosign sign and attest
    publish_release.py sign-files DIR --out SIGDIR   cosign sign-blob of SHA256SUMS
    publish_release.py github DIR --tag vX.Y.Z [--signatures SIGDIR]
                                                     gh release create with every file
    publish_release.py artifacthub DIR --tag vX.Y.Z  the artifacthub branch (Artifact Hub metadata)

`push`, `sign-files`, `github` and `artifacthub` run nothing: they check the
directory as `check` does, then print a bash script of the exact commands.
The release workflow (.github/workflows/release.yml) saves and runs that
output, each stage in the job that holds the permission it needs; a
maintainer publishing by hand generates the same scripts, reads them, and
runs them with bash.

What a file is, is read from the file where a name could mislead: a `.wasm`
carrying Kubewarden metadata (the custom section `kwctl annotate` writes)
is a policy module and is pushed with kwctl; one without is the WASI
command module and only goes to the GitHub release. Native CLIs are ELF
files (or archives holding one); the playground is an archive holding an
index.html. Every file of the directory is a GitHub release asset.

Only the standard library: the publishing jobs run on a bare runner.
"""

import argparse
import hashlib
import json
import pathlib
import re
import shlex
import sys
import tarfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
RELEASE_ROOT = ROOT / "target/release-artifacts"
POLICY_SECTION = "io.kubewarden.metadata"
PLATFORMS = ("linux/amd64", "linux/arm64")
ELF_MACHINES = {62: "amd64", 183: "arm64"}
# The image the policy's mergeImage default names (quay.io/llsd-providers/merge-config:{version}):
# a release without it leaves every default install pulling an image that does not exist.
REQUIRED_IMAGES = ("merge-config",)
# SBOMs named after the crate they describe, for the artifacts built from that crate.
CRATE_SBOMS = {
    "policy": ["llsd-providers-policy.cdx.json"],
    "merge-config": ["llsd-providers-cli.cdx.json", "llsd-providers.cdx.json"],
}
SINGLE_FILES = {"SHA256SUMS": "checksums", "install.yaml": "install", "artifacthub-pkg.yml": "artifacthub"}
KIND_ORDER = ["policy", "image", "wasi", "cli", "playground", "install", "artifacthub", "sbom", "checksums", "other"]


class ReleaseError(Exception):
    """The release directory is not what a release must be; the message says what and how to fix it."""


def metadata_oci_url():
    """io.kubewarden.policy.ociUrl of the published policy (policy-metadata/metadata.yml)."""
    text = (ROOT / "policy-metadata/metadata.yml").read_text()
    match = re.search(r"^\s*io\.kubewarden\.policy\.ociUrl:\s*(\S+)\s*$", text, re.M)
    if not match:
        raise ReleaseError("policy-metadata/metadata.yml has no io.kubewarden.policy.ociUrl annotation")
    return match.group(1)


DEFAULT_REGISTRY, POLICY_REPOSITORY = metadata_oci_url().rsplit("/", 1)


def cargo_version():
    text = (ROOT / "Cargo.toml").read_text()
    return re.search(r'^version = "([^"]+)"', text, re.M).group(1)


def version_of(tag):
    if not re.fullmatch(r"v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", tag):
        raise ReleaseError(f"tag {tag!r} is not a release tag: expected v<major>.<minor>.<patch>[-<pre>]")
    return tag[1:]


# --- reading files -----------------------------------------------------------------------------


def _leb128(data, pos):
    value = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated LEB128")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def wasm_custom_sections(data):
    """The names of a WebAssembly module's custom sections (ValueError when it is not a module)."""
    if data[:4] != b"\0asm":
        raise ValueError("not a WebAssembly module")
    names, pos = [], 8
    while pos < len(data):
        section = data[pos]
        size, pos = _leb128(data, pos + 1)
        end = pos + size
        if end > len(data):
            raise ValueError("truncated section")
        if section == 0:
            length, start = _leb128(data, pos)
            names.append(data[start:start + length].decode("utf-8", "replace"))
        pos = end
    return names


def elf_arch(head):
    """amd64 or arm64 for an ELF header of those machines, another name for others, None for no ELF."""
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    machine = int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")
    return ELF_MACHINES.get(machine, f"elf-machine-{machine}")


def _archive_members(path):
    """(name, first 64 bytes) of each regular file in a tar or zip archive; None when it is neither."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [(info.filename, archive.open(info).read(64))
                    for info in archive.infolist() if not info.is_dir()]
    try:
        with tarfile.open(path) as archive:
            return [(member.name, archive.extractfile(member).read(64))
                    for member in archive if member.isfile()]
    except (tarfile.TarError, OSError):
        return None


def oci_index(path):
    """The OCI archive's one image index: (its digest, the platforms it lists)."""
    try:
        with tarfile.open(path) as archive:
            def blob(name):
                member = archive.extractfile(name)  # KeyError when it is absent
                if member is None:
                    raise KeyError(name)
                return json.load(member)

            index = blob("index.json")
            entries = index.get("manifests", [])
            if len(entries) != 1:
                raise ReleaseError(f"{path.name}: index.json lists {len(entries)} manifests; skopeo copy --all "
                                   "oci-archive: needs exactly one, the image index of every platform "
                                   "(buildah manifest push --all LIST oci-archive:FILE writes that)")
            entry = entries[0]
            if entry.get("mediaType") != "application/vnd.oci.image.index.v1+json":
                raise ReleaseError(f"{path.name}: holds a single-platform image ({entry.get('mediaType')}), not "
                                   f"an image index for {', '.join(PLATFORMS)}")
            algorithm, hexdigest = entry["digest"].split(":", 1)
            nested = blob(f"blobs/{algorithm}/{hexdigest}")
    except (tarfile.TarError, KeyError, ValueError) as err:
        raise ReleaseError(f"{path.name}: not a readable OCI archive ({err})") from err
    platforms = sorted({f"{m['platform']['os']}/{m['platform']['architecture']}"
                        for m in nested.get("manifests", []) if m.get("platform")})
    return entry["digest"], platforms


class Artifact:
    """One file of the release directory and what it is."""

    def __init__(self, path):
        self.path = path
        self.name = path.name
        self.arches = []
        self.platforms = []
        self.digest = None
        self.kind = self._kind()

    def _kind(self):
        name = self.name
        if name in SINGLE_FILES:
            return SINGLE_FILES[name]
        if name.endswith(".cdx.json"):
            return "sbom"
        if name.endswith(".oci.tar"):
            self.digest, self.platforms = oci_index(self.path)
            return "image"
        if name.endswith(".wasm"):
            try:
                sections = wasm_custom_sections(self.path.read_bytes())
            except ValueError as err:
                raise ReleaseError(f"{name}: {err}") from err
            return "policy" if POLICY_SECTION in sections else "wasi"
        with self.path.open("rb") as file:
            arch = elf_arch(file.read(64))
        if arch:
            self.arches = [arch]
            return "cli"
        members = _archive_members(self.path)
        if members:
            if any(pathlib.PurePosixPath(member).name == "index.html" for member, _ in members):
                return "playground"
            self.arches = sorted({a for a in (elf_arch(head) for _, head in members) if a})
            if self.arches:
                return "cli"
        return "other"

    @property
    def stem(self):
        for suffix in (".oci.tar", ".wasm"):
            if self.name.endswith(suffix):
                return self.name[: -len(suffix)]
        return self.name


def policy_repository(stem):
    """The OCI repository of a policy module: the published module (policy.wasm, annotated-policy.wasm)
    goes to the ociUrl of policy-metadata/metadata.yml, a role's module NAME.wasm beside it as
    <that repository>-NAME."""
    rest = stem
    for prefix in ("annotated-", "llsd-providers-", "kubewarden-"):
        rest = rest[len(prefix):] if rest.startswith(prefix) else rest
    if rest in ("", "policy"):
        return POLICY_REPOSITORY
    rest = rest[len("policy-"):] if rest.startswith("policy-") else rest
    rest = rest[: -len("-policy")] if rest.endswith("-policy") else rest
    return f"{POLICY_REPOSITORY}-{rest}"


class Release:
    """A release directory, read and checked."""

    def __init__(self, directory, tag, registry=None):
        self.dir = pathlib.Path(directory)
        self.tag = tag
        self.version = version_of(tag)
        self.registry = (registry or DEFAULT_REGISTRY).rstrip("/")
        if not self.dir.is_dir():
            raise ReleaseError(f"{self.dir} is not a directory: run make release first")
        self.artifacts = [Artifact(p) for p in sorted(self.dir.iterdir()) if p.is_file()]
        strays = [p.name for p in self.dir.iterdir() if not p.is_file()]
        if strays:
            raise ReleaseError(f"{self.dir} holds directories ({', '.join(sorted(strays))}): a release directory "
                               "holds only the files to publish")
        self.by_name = {a.name: a for a in self.artifacts}

    def of(self, kind):
        return [a for a in self.artifacts if a.kind == kind]

    # where the OCI artifacts go

    def reference(self, artifact):
        """registry/repository:tag of an image or policy module."""
        if artifact.kind == "image":
            return f"{self.registry}/{artifact.stem}:{self.version}"
        return f"{self.registry}/{policy_repository(artifact.stem)}:{self.tag}"

    def sbom_of(self, artifact):
        repository = self.reference(artifact).rsplit("/", 1)[1].split(":")[0]
        candidates = [f"{artifact.stem}.cdx.json", f"{artifact.name}.cdx.json", f"{repository}.cdx.json"]
        candidates += CRATE_SBOMS.get("policy" if artifact.kind == "policy" else artifact.stem, [])
        for candidate in dict.fromkeys(candidates):
            if candidate in self.by_name:
                return self.by_name[candidate]
        raise ReleaseError(f"{artifact.name}: no SBOM to attest to {self.reference(artifact)}; "
                           f"make release must write one of {', '.join(dict.fromkeys(candidates))}")

    # the check

    def check(self):
        """Every problem of the directory, as one ReleaseError; nothing when it is complete."""
        problems = []

        def need(condition, message):
            if not condition:
                problems.append(message)

        need(self.version == cargo_version(),
             f"tag {self.tag} is not the version of Cargo.toml ({cargo_version()}): bump the version or the tag")
        for name in SINGLE_FILES:
            need(name in self.by_name, f"{name} is missing")
        need(self.of("policy"), "no annotated policy module (.wasm with Kubewarden metadata, kwctl annotate)")
        need(self.of("wasi"), "no WASI command module (.wasm without Kubewarden metadata)")
        need(self.of("playground"), "no playground site archive (an archive holding index.html)")
        need(self.of("sbom"), "no CycloneDX SBOM (*.cdx.json)")
        arches = {arch for cli in self.of("cli") for arch in cli.arches}
        need(arches >= set(ELF_MACHINES.values()),
             f"native CLIs for {', '.join(sorted(ELF_MACHINES.values()))} expected, found {sorted(arches) or 'none'}")
        images = {image.stem: image for image in self.of("image")}
        for name in REQUIRED_IMAGES:
            need(name in images, f"{name}.oci.tar is missing")
        for image in images.values():
            missing = [p for p in PLATFORMS if p not in image.platforms]
            need(not missing, f"{image.name}: its image index lacks {', '.join(missing)} "
                              f"(it lists {', '.join(image.platforms) or 'no platform'})")
        references = {}
        for artifact in self.of("image") + self.of("policy"):
            ref = self.reference(artifact)
            if ref in references:
                problems.append(f"{artifact.name} and {references[ref]} would both be pushed to {ref}")
            references[ref] = artifact.name
            try:
                self.sbom_of(artifact)
            except ReleaseError as err:
                problems.append(str(err))
        problems += self._check_sums()
        if "artifacthub-pkg.yml" in self.by_name:
            problems += self._check_artifacthub(references)
        if problems:
            raise ReleaseError(f"{self.dir} is not a complete release {self.tag}:\n  - " + "\n  - ".join(problems))

    def _check_sums(self):
        sums = self.dir / "SHA256SUMS"
        if not sums.is_file():
            return []
        listed, problems = {}, []
        for number, line in enumerate(sums.read_text().splitlines(), 1):
            match = re.fullmatch(r"([0-9a-f]{64}) [ *](.+)", line)
            if not match:
                problems.append(f"SHA256SUMS line {number} is not '<sha256>  <file>': {line!r}")
                continue
            listed[match.group(2)] = match.group(1)
        for artifact in self.artifacts:
            if artifact.name == "SHA256SUMS":
                continue
            if artifact.name not in listed:
                problems.append(f"SHA256SUMS does not list {artifact.name}")
            elif hashlib.sha256(artifact.path.read_bytes()).hexdigest() != listed[artifact.name]:
                problems.append(f"{artifact.name} does not match its SHA256SUMS line")
        for name in listed:
            if name not in self.by_name:
                problems.append(f"SHA256SUMS lists {name}, which is not in the directory")
        return problems

    def _check_artifacthub(self, references):
        """artifacthub-pkg.yml (kwctl scaffold artifacthub's format) names this version, files this
        release uploads and a policy module this release pushes."""
        text = (self.dir / "artifacthub-pkg.yml").read_text()
        problems = []
        version = re.search(r"^version:\s*(\S+)\s*$", text, re.M)
        if not version or version.group(1).strip("'\"") != self.version:
            problems.append(f"artifacthub-pkg.yml: version is {version.group(1) if version else 'missing'}, "
                            f"not {self.version}")
        for url in re.findall(r"/releases/download/(\S+)", text):
            tag, _, name = url.partition("/")
            if tag != self.tag or name not in self.by_name:
                problems.append(f"artifacthub-pkg.yml links releases/download/{url}, which this release "
                                f"does not upload (its files: releases/download/{self.tag}/<file>)")
        pushed = {ref.rsplit("/", 1)[1] for ref in references}
        for image in re.findall(r"^\s*image:\s*(\S+)\s*$", text, re.M):
            if image.rsplit("/", 1)[-1] not in pushed:
                problems.append(f"artifacthub-pkg.yml names the image {image}, which this release does not "
                                f"push (it pushes {', '.join(sorted(pushed)) or 'nothing'})")
        return problems

    # the commands

    def plan_lines(self):
        where = {
            "policy": lambda a: f"kwctl push → {self.reference(a)}, cosign sign, attest {self.sbom_of(a).name}",
            "image": lambda a: f"skopeo copy --all → {self.reference(a)} ({', '.join(a.platforms)}), "
                               f"cosign sign --recursive, attest {self.sbom_of(a).name}",
            "artifacthub": lambda a: "the artifacthub branch (Artifact Hub metadata)",
            "checksums": lambda a: "cosign sign-blob → SHA256SUMS.sigstore.json, build provenance of every file",
        }
        lines = []
        for kind in KIND_ORDER:
            for artifact in self.of(kind):
                detail = f" ({', '.join(artifact.arches)})" if artifact.arches else ""
                extra = where.get(kind, lambda a: "")(artifact)
                lines.append(f"{kind:<11} {artifact.name}{detail}: GitHub release" + (f"; {extra}" if extra else ""))
        return lines


def q(value):
    return shlex.quote(str(value))


HEADER = ["#!/usr/bin/env bash", "set -euo pipefail"]


def push_script(release, digests):
    """skopeo copy --all for each image, kwctl push for each policy module; each signed keylessly (both
    cosign signature formats, as Kubewarden signs its own) and given its SBOM as a CycloneDX attestation;
    each pushed digest appended to DIGESTS (sha256sum format, for the build provenance)."""
    lines = HEADER + [
        f"# {release.tag}: the OCI artifacts of {release.dir} to {release.registry}",
        f"digests={q(digests)}",
        ': > "$digests"',
    ]
    for image in release.of("image"):
        ref = release.reference(image)
        pinned = f"{ref.rsplit(':', 1)[0]}@{image.digest}"
        lines += [
            "",
            f"# image {image.name}: {', '.join(image.platforms)}",
            f'skopeo copy --all --preserve-digests --digestfile "$digests.pushed" '
            f"oci-archive:{q(image.path)} docker://{ref}",
            f'test "$(cat "$digests.pushed")" = {image.digest}',
            f"cosign sign --yes --recursive --new-bundle-format=false --use-signing-config=false {pinned}",
            f"cosign sign --yes --recursive {pinned}",
            f"cosign attest --yes --type cyclonedx --predicate {q(release.sbom_of(image).path)} {pinned}",
            f"echo {q(image.digest.split(':', 1)[1] + '  ' + ref)} >> \"$digests\"",
        ]
    for module in release.of("policy"):
        ref = release.reference(module)
        lines += [
            "",
            f"# policy module {module.name}",
            f"ref=$(kwctl push -o json {q(module.path)} registry://{ref} | jq -r .immutable_ref)",
            'ref=${ref#registry://}',
            'cosign sign --yes --new-bundle-format=false --use-signing-config=false "$ref"',
            'cosign sign --yes "$ref"',
            f'cosign attest --yes --type cyclonedx --predicate {q(release.sbom_of(module).path)} "$ref"',
            f'echo "${{ref##*@sha256:}}  {ref}" >> "$digests"',
        ]
    lines += ["", 'rm -f "$digests.pushed"', 'cat "$digests"']
    return lines


def sign_files_script(release, out):
    sums = release.by_name["SHA256SUMS"].path
    return HEADER + [
        f"# {release.tag}: a keyless signature of SHA256SUMS, which lists every file of the release",
        f"mkdir -p {q(out)}",
        f"cosign sign-blob --yes --bundle {q(pathlib.Path(out) / 'SHA256SUMS.sigstore.json')} {q(sums)}",
    ]


def github_script(release, signatures=None):
    files = [a.path for a in release.artifacts]
    if signatures:
        extra = sorted(p for p in pathlib.Path(signatures).iterdir() if p.is_file())
        if not any(p.name == "SHA256SUMS.sigstore.json" for p in extra):
            raise ReleaseError(f"{signatures} has no SHA256SUMS.sigstore.json: run the sign-files stage first")
        files += extra
    prerelease = " --prerelease" if "-" in release.version else ""
    lines = HEADER + [
        f"# {release.tag}: the GitHub release, with every file of {release.dir}",
        f"gh release create {release.tag} --verify-tag --title {q('llsd-providers ' + release.version)} "
        f"--generate-notes{prerelease} \\",
    ]
    lines += [f"  {q(f)} \\" for f in files[:-1]] + [f"  {q(files[-1])}"]
    return lines


def artifacthub_script(release):
    """Artifact Hub reads Kubewarden policies from a git branch (here `artifacthub`): the package
    metadata of this version, the repository metadata, and the usage README shown on the page."""
    pkg = release.by_name["artifacthub-pkg.yml"].path
    return HEADER + [
        f"# {release.tag}: artifacthub-pkg.yml, artifacthub-repo.yml and README.md on the artifacthub branch",
        'work=$(mktemp -d)',
        'if git fetch origin artifacthub; then',
        '  git worktree add -B artifacthub "$work" FETCH_HEAD',
        'else',
        '  git worktree add --detach "$work"',
        '  git -C "$work" checkout --orphan artifacthub',
        '  git -C "$work" rm -rfq .',
        'fi',
        f'cp {q(pkg)} "$work/artifacthub-pkg.yml"',
        f'cp {q(ROOT / "artifacthub/artifacthub-repo.yml")} "$work/artifacthub-repo.yml"',
        f'cp {q(ROOT / "policy-metadata/README.md")} "$work/README.md"',
        'git -C "$work" add artifacthub-pkg.yml artifacthub-repo.yml README.md',
        f'git -C "$work" diff --cached --quiet || git -C "$work" commit -m {q("Artifact Hub metadata of llsd-providers " + release.version)}',
        'git -C "$work" push origin HEAD:refs/heads/artifacthub',
        'git worktree remove --force "$work"',
    ]


def locate(tag):
    version = version_of(tag)
    for name in (version, tag):
        if (RELEASE_ROOT / name).is_dir():
            return RELEASE_ROOT / name
    present = sorted(p.name for p in RELEASE_ROOT.iterdir()) if RELEASE_ROOT.is_dir() else []
    raise ReleaseError(f"no release directory for {tag} in {RELEASE_ROOT} (it holds: "
                       f"{', '.join(present) or 'nothing'}): run make release")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("locate")
    p.add_argument("--tag", required=True)
    for name in ("check", "plan", "push", "sign-files", "github", "artifacthub"):
        p = sub.add_parser(name)
        p.add_argument("dir")
        p.add_argument("--tag", required=True)
        p.add_argument("--registry", help=f"where images and policy modules go (default {DEFAULT_REGISTRY})")
        if name == "push":
            p.add_argument("--digests", required=True, help="file the pushed digests are written to")
        if name == "sign-files":
            p.add_argument("--out", required=True, help="directory of the signature bundle")
        if name == "github":
            p.add_argument("--signatures", help="directory of files to upload beside the release directory")
    args = parser.parse_args(argv)
    try:
        if args.command == "locate":
            print(locate(args.tag))
            return 0
        release = Release(args.dir, args.tag, args.registry)
        release.check()
        if args.command == "check":
            print(f"{release.dir}: a complete release {release.tag} ({len(release.artifacts)} files)")
            return 0
        lines = {
            "plan": lambda: release.plan_lines(),
            "push": lambda: push_script(release, args.digests),
            "sign-files": lambda: sign_files_script(release, args.out),
            "github": lambda: github_script(release, args.signatures),
            "artifacthub": lambda: artifacthub_script(release),
        }[args.command]()
        print("\n".join(lines))
        return 0
    except ReleaseError as err:
        print(f"publish_release.py {args.command}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
