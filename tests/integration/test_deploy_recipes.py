"""deploy/: the systemd unit passes `systemd-analyze verify`; the Kubernetes manifests pass yamllint
and carry what deploy/README.md promises (probes on /api/healthz, a preStop, a grace period longer
than the drain). PyYAML comes with yamllint. The Dockerfile passes hadolint and installs what the binary links."""
import os
import re
import subprocess
from pathlib import Path

import yaml

from server_process import REPO_ROOT, voxgate_bin

DEPLOY = REPO_ROOT / "deploy"
YAMLLINT = ("{extends: default, rules: {line-length: {max: 110}, document-start: disable, "
            "braces: {max-spaces-inside: 1}}}")


def test_systemd_unit_verifies(tmp_path):
    unit = (DEPLOY / "systemd" / "voxgate.service").read_text()
    assert "ExecStart=/usr/local/bin/voxgate serve" in unit and "ProtectSystem=strict" in unit
    # The unit as shipped, with ExecStart pointed at this build (verify checks the binary exists).
    local = tmp_path / "voxgate.service"
    local.write_text(unit.replace("/usr/local/bin/voxgate", str(voxgate_bin())))
    r = subprocess.run(["systemd-analyze", "verify", str(local)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "voxgate.service" not in r.stderr, r.stderr


def test_kubernetes_manifests_lint_and_probe_healthz():
    r = subprocess.run(["yamllint", "-d", YAMLLINT, str(DEPLOY / "k8s")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    kinds = {}
    for f in sorted((DEPLOY / "k8s").glob("*.yaml")):
        doc = yaml.safe_load(f.read_text())
        kinds[doc["kind"]] = doc
    assert set(kinds) == {"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"}, kinds.keys()
    pod = kinds["Deployment"]["spec"]["template"]["spec"]
    c = pod["containers"][0]
    assert c["readinessProbe"]["httpGet"]["path"] == "/api/healthz"
    assert c["startupProbe"]["httpGet"]["path"] == "/api/healthz"
    assert c["lifecycle"]["preStop"]["exec"]["command"][0] == "sleep"
    assert pod["terminationGracePeriodSeconds"] > 30  # voxgate.shutdown_timeout_s' default, plus the preStop
    assert kinds["HorizontalPodAutoscaler"]["spec"]["metrics"][0]["pods"]["metric"]["name"] == "voxgate_active_sessions"


DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
HADOLINT = Path.home() / ".cache" / "voxgate" / "venv-tools" / "bin" / "hadolint"  # scripts/setup.sh


def _dynamic(binary, tag):
    out = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True, timeout=60, check=True).stdout
    return [m for line in out.splitlines() if f"({tag})" in line for m in re.findall(r"\[(.*?)\]", line)]


def _debian_package(path):
    for p in (path, os.path.realpath(path)):
        r = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True, timeout=60)
        if r.returncode == 0:
            return r.stdout.split(":", 1)[0].strip()
    return None


def _stages(text):
    """The Dockerfile's stages: [(FROM line, [instruction lines, continuations joined])]."""
    stages, line = [], ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#") or not raw.strip():
            continue
        line += raw.rstrip("\\").rstrip() + " "
        if raw.rstrip().endswith("\\"):
            continue
        if line.startswith("FROM "):
            stages.append((line.strip(), []))
        else:
            stages[-1][1].append(line.strip())
        line = ""
    return stages


def test_dockerfile_lints_and_its_runtime_stage_has_every_library_the_binary_links():
    # No Docker engine runs here: the image is linted and read back, not built (deploy/README.md).
    assert HADOLINT.is_file(), f"{HADOLINT} is missing: scripts/setup.sh installs it"
    r = subprocess.run([str(HADOLINT), str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    stages = _stages(DOCKERFILE.read_text())
    assert len(stages) == 2 and all(f.startswith("FROM debian:bookworm") for f, _ in stages), [f for f, _ in stages]
    build, runtime = stages[0][1], stages[1][1]
    assert any("VOXGATE_SETUP_TESTS=0 scripts/setup.sh" in i for i in build), build
    installed = set(" ".join(i for i in runtime if "apt-get install" in i).split())
    # Every shared object the binary names that a Debian package provides here is installed there.
    lib = subprocess.run(["ldd", str(voxgate_bin())], capture_output=True, text=True, timeout=60, check=True).stdout
    resolved = dict(re.findall(r"^\s*(\S+) => (\S+)", lib, re.M))
    needed = _dynamic(voxgate_bin(), "NEEDED")
    assert needed and all(n in resolved for n in needed), (needed, resolved)
    packages = {n: _debian_package(resolved[n]) for n in needed}
    missing = {n: p for n, p in packages.items() if p and p not in installed and p not in ("libc6", "libgcc-s1",
                                                                                          "libstdc++6")}
    assert not missing, f"the runtime stage does not install {missing}"
    # What no Debian package provides (ONNX Runtime, whisper.cpp) comes from the build stage's RUNPATH
    # directories (the build runs as root), and the library path points there.
    bundled = [n for n, p in packages.items() if p is None]
    assert bundled, packages
    copies = [i.split()[2] for i in runtime if i.startswith("COPY --from=build")]
    for d in _dynamic(voxgate_bin(), "RUNPATH")[0].split(":"):
        assert d.replace(str(Path.home()), "/root") + "/" in copies, (d, copies)
    assert "ENV LD_LIBRARY_PATH=/opt/voxgate/lib" in runtime
    assert "/src/models/" in copies and "USER 10001" in runtime
