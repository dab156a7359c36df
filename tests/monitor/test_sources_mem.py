"""Memory use as docker stats shows it: usage less the inactive file cache, whatever the engine sends."""

from __future__ import annotations

import time
import uuid

import pytest

from vvai.monitor.sources.docker_engine import DockerEngineSource, mem_working_set
from vvai.testing.dockerd import DockerdEngine
from vvai.testing.podman import BUSYBOX_IMAGE
from vvai.testing.poison import compose_labels


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


@pytest.mark.podman
@pytest.mark.slow
def test_live_docker_written_once_file_cache_is_not_memory_use(docker_engine: DockerdEngine) -> None:
    """A container that wrote 120 MB once under a 200 MiB limit: Docker's raw usage is over 100 MB,
    the stats record says what the processes hold (a few MB)."""
    project = f"vvm{uuid.uuid4().hex[:8]}"
    c = docker_engine.docker_client()
    ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", "dd if=/dev/zero of=/big bs=1M count=120; sync; sleep 120"],
                          detach=True, mem_limit="200m", name=f"{project}-scan",
                          labels=compose_labels(project, "scene_scanner"))
    try:
        src = DockerEngineSource(docker_engine.socket_url, compose_project=project)
        deadline = time.time() + 30
        while True:
            raw = c.api.stats(ct.id, stream=False)["memory_stats"]
            if raw.get("usage", 0) > 100 << 20 or time.time() > deadline:
                break
            time.sleep(1)
        assert raw["usage"] > 100 << 20, raw
        rec = [r.data for r in src.sample_stats() if r.kind == "stats"]
        assert len(rec) == 1 and rec[0]["component"] == "scene_scanner"
        assert 0 < rec[0]["mem_bytes"] < 30 << 20, (rec, raw)
        assert rec[0]["mem_limit_bytes"] == 200 << 20
        src.stop()
    finally:
        ct.remove(force=True)
