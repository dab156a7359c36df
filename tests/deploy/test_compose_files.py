"""The compose files as written (no engine needed): the base file is least privilege, the opt-in
remediation override gives the monitor exactly one read-write mount of the pipeline root."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

# host[:target[:mode]], where the host part may be ${VAR:-default} (a colon of its own)
VOLUME = re.compile(r"^(?P<host>(?:\$\{[^}]*\}|[^:$])+):(?P<target>[^:]+)(?::(?P<mode>\w+))?$")

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ROOT_IN_CT = "/opt/vv-video-ai-system"


def _mounts(doc: dict, service: str) -> dict[str, str]:
    """container path -> host part and mode, as compose merges them (by container path)."""
    out = {}
    for v in doc["services"][service].get("volumes", []):
        m = VOLUME.match(v)
        assert m, v
        out[m["target"]] = f"{m['host']}:{m['mode'] or 'rw'}"
    return out


def test_base_file_mounts_the_root_read_only_into_the_monitor():
    base = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    m = _mounts(base, "llm_monitor_service")
    assert m[ROOT_IN_CT].endswith(":ro")
    assert base["services"]["llm_monitor_service"]["read_only"] is True
    assert not any("docker.sock" in host and not host.startswith("engine_proxy") for host in m.values())


def test_remediation_override_replaces_it_with_one_read_write_mount_of_the_root():
    over = yaml.safe_load((DEPLOY / "compose.remediate.yml").read_text())
    assert set(over["services"]) == {"llm_monitor_service"}  # touches nothing else
    m = _mounts(over, "llm_monitor_service")
    assert list(m) == [ROOT_IN_CT] and m[ROOT_IN_CT].endswith(":rw")
    # no separate mount under the root: a quarantine's rename must not cross mounts (EXDEV)
    assert not any(p.startswith(ROOT_IN_CT + "/") for p in m)
    drill = (DEPLOY / "drill" / "stack.py").read_text()
    assert '"compose.remediate.yml"' in drill  # the drill runs what an operator would
