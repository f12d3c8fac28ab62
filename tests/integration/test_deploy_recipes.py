"""deploy/: the systemd unit passes `systemd-analyze verify`; the Kubernetes manifests pass yamllint
and carry what deploy/README.md promises (probes on /api/healthz, a preStop, a grace period longer
than the drain). PyYAML comes with yamllint."""
import subprocess

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
