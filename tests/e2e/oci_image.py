"""Reads an OCI archive (`buildah push IMAGE oci-archive:FILE`, or `buildah
manifest push --all` of an image index) as a runtime would: index.json ->
(the platform's entry of an image index ->) the image manifest -> its
config and layer blobs, the layers applied in order onto an empty root
(whiteouts included)."""

import gzip
import io
import json
import pathlib
import shutil
import tarfile

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
LAYER_TYPES = {
    "application/vnd.oci.image.layer.v1.tar": lambda data: data,
    "application/vnd.oci.image.layer.v1.tar+gzip": gzip.decompress,
}


INDEX_TYPE = "application/vnd.oci.image.index.v1+json"


class Image:
    """One image of an OCI archive: `manifest`, `config` (the image config:
    `config["config"]["User"]`, `["Labels"]`...) and `layers` (uncompressed tars).
    Of an image index, the image of `platform` (`linux/amd64`)."""

    def __init__(self, archive, platform="linux/amd64"):
        with tarfile.open(archive) as outer:
            def blob(descriptor):
                algorithm, digest = descriptor["digest"].split(":", 1)
                return outer.extractfile(f"blobs/{algorithm}/{digest}").read()

            index = json.loads(outer.extractfile("index.json").read())
            (descriptor,) = index["manifests"]
            if descriptor.get("mediaType") == INDEX_TYPE:
                entries = json.loads(blob(descriptor))["manifests"]
                named = {f"{m['platform']['os']}/{m['platform']['architecture']}": m for m in entries}
                assert platform in named, f"{archive}: its image index has no {platform}, only {sorted(named)}"
                descriptor = named[platform]
            self.manifest = json.loads(blob(descriptor))
            self.config = json.loads(blob(self.manifest["config"]))
            self.layers = []
            for layer in self.manifest["layers"]:
                media_type = layer["mediaType"]
                assert media_type in LAYER_TYPES, f"{archive}: layer type {media_type} is not one a runtime reads"
                self.layers.append(LAYER_TYPES[media_type](blob(layer)))

    def unpack(self, root):
        """The image's filesystem under `root` (created); returns root."""
        root = pathlib.Path(root)
        root.mkdir(parents=True, exist_ok=True)
        for layer in self.layers:
            with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
                members = []
                for member in tar.getmembers():
                    path = pathlib.PurePosixPath(member.name)
                    if path.name == OPAQUE:
                        for child in (root / path.parent).glob("*"):
                            _remove(child)
                    elif path.name.startswith(WHITEOUT):
                        _remove(root / path.parent / path.name[len(WHITEOUT):])
                    else:
                        members.append(member)
                tar.extractall(root, members=members, filter="data")
        return root

    def files(self):
        """Every regular file of the image: path -> (mode, uid, gid)."""
        files = {}
        for layer in self.layers:
            with tarfile.open(fileobj=io.BytesIO(layer)) as tar:
                for member in tar.getmembers():
                    if member.isfile():
                        files[member.name.removeprefix("./")] = (member.mode & 0o7777, member.uid, member.gid)
        return files


def _remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
