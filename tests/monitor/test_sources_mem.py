"""Memory use as docker stats shows it: usage less the inactive file cache, whatever the engine sends."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from vvai.monitor.sources.cgroupmem import inactive_file_bytes
from vvai.monitor.sources.docker_engine import DockerEngineSource, mem_working_set
from vvai.testing.dockerd import DockerdEngine
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine
from vvai.testing.poison import compose_labels

CID = "206d1c30fba4320f8d9ce458e305e5c6da4765b5b2610335a91f4cb2944577d6"


def test_inactive_file_cache_is_not_counted():
    v1 = {"usage": 127_602_688, "limit": 209_715_200,
          "stats": {"cache": 123_736_064, "total_inactive_file": 123_731_968, "inactive_file": 123_731_968}}
    assert mem_working_set(v1) == 127_602_688 - 123_731_968
    v2 = {"usage": 50_000, "stats": {"inactive_file": 20_000, "anon": 30_000}}  # cgroup v2 names
    assert mem_working_set(v2) == 30_000


def test_active_cache_and_podman_shapes_stay_as_usage():
    active = {"usage": 126_648_320, "stats": {"cache": 122_683_392, "total_inactive_file": 0}}
    assert mem_working_set(active) == 126_648_320  # re-read data is active: the kernel keeps it
    assert mem_working_set({"usage": 126_640_128, "limit": 209_715_200}) == 126_640_128  # Podman 4.3
    assert mem_working_set({"usage": 100, "stats": {"total_inactive_file": 100}}) == 100  # not below usage
    assert mem_working_set({"usage": 100, "stats": {"total_inactive_file": "x", "inactive_file": 40}}) == 60
    assert mem_working_set({}) == 0


def _tree(tmp_path: Path, cgroup: str, stat_at: str, stat: str) -> tuple[Path, Path]:
    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "4242").mkdir(parents=True)
    (proc / "4242" / "cgroup").write_text(cgroup)
    (root / stat_at).mkdir(parents=True)
    (root / stat_at / "memory.stat").write_text(stat)
    return proc, root


def test_cgroup_v1_and_v2_inactive_file_of_the_container(tmp_path: Path) -> None:
    path = f"/libpod_parent/libpod-{CID}"
    v1 = f"9:name=systemd:{path}\n4:memory:{path}\n1:cpu:{path}\n0::{path}\n"  # Debian 12 hybrid, as measured
    proc, root = _tree(tmp_path / "a", v1, f"memory{path}", "cache 121638912\ninactive_file 5\n"
                                                            "total_inactive_file 121634816\n")
    assert inactive_file_bytes(4242, CID, proc=proc, cgroup_root=root) == 121634816
    proc, root = _tree(tmp_path / "b", f"0::/machine.slice/libpod-{CID}.scope\n",
                       f"machine.slice/libpod-{CID}.scope", "anon 1000\ninactive_file 7000\n")
    assert inactive_file_bytes(4242, CID, proc=proc, cgroup_root=root) == 7000


def test_cgroup_read_refuses_what_it_cannot_prove(tmp_path: Path) -> None:
    proc, root = _tree(tmp_path, f"4:memory:/libpod_parent/libpod-{CID}\n", f"memory/libpod_parent/libpod-{CID}",
                       "total_inactive_file 100\n")
    assert inactive_file_bytes(4242, "ffff" * 16, proc=proc, cgroup_root=root) is None  # another container's
    assert inactive_file_bytes(4243, CID, proc=proc, cgroup_root=root) is None  # no such process
    assert inactive_file_bytes(None, CID, proc=proc, cgroup_root=root) is None  # exited: no Pid
    assert inactive_file_bytes(0, CID, proc=proc, cgroup_root=root) is None
    (root / f"memory/libpod_parent/libpod-{CID}" / "memory.stat").write_text("total_inactive_file lots\n")
    assert inactive_file_bytes(4242, CID, proc=proc, cgroup_root=root) is None  # unreadable figure


def _written_once(engine: Any) -> tuple[list[dict], dict]:
    """Stats of a container that wrote 120 MB once under a 200 MiB limit, and the engine's raw memory."""
    project = f"vvm{uuid.uuid4().hex[:8]}"
    c = engine.docker_client()
    ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", "dd if=/dev/zero of=/big bs=1M count=120; sync; sleep 120"],
                          detach=True, mem_limit="200m", name=f"{project}-scan",
                          labels=compose_labels(project, "scene_scanner"))
    try:
        src = DockerEngineSource(engine.socket_url, compose_project=project)
        deadline = time.time() + 30
        while True:
            raw = c.api.stats(ct.id, stream=False)["memory_stats"]
            if raw.get("usage", 0) > 100 << 20 or time.time() > deadline:
                break
            time.sleep(1)
        rec = [r.data for r in src.sample_stats() if r.kind == "stats"]
        src.stop()
        return rec, raw
    finally:
        ct.remove(force=True)


@pytest.mark.podman
@pytest.mark.slow
def test_live_podman_cache_read_from_the_host_cgroup(podman_engine: PodmanEngine) -> None:
    """Podman's API counts the cache in usage and sends no memory.stat: the source reads the
    container's cgroup on this host instead."""
    rec, raw = _written_once(podman_engine)
    assert raw["usage"] > 100 << 20 and "stats" not in raw, raw
    assert len(rec) == 1 and 0 < rec[0]["mem_bytes"] < 30 << 20, (rec, raw)


@pytest.mark.podman
@pytest.mark.slow
def test_live_docker_written_once_file_cache_is_not_memory_use(docker_engine: DockerdEngine) -> None:
    """A container that wrote 120 MB once under a 200 MiB limit: Docker's raw usage is over 100 MB,
    the stats record says what the processes hold (a few MB)."""
    rec, raw = _written_once(docker_engine)
    assert raw["usage"] > 100 << 20, raw
    assert len(rec) == 1 and rec[0]["component"] == "scene_scanner"
    assert 0 < rec[0]["mem_bytes"] < 30 << 20, (rec, raw)
    assert rec[0]["mem_limit_bytes"] == 200 << 20

