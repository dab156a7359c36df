"""LIVE on Podman: the engine source watches one compose project and survives containers that go
away mid-read; image events of other projects stay out; what capture writes its reader accepts."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.monitor.test_live_podman import _cfg, _labels
from vvai.monitor.bundle import load_bundle
from vvai.monitor.capture import capture_bundle
from vvai.monitor.sources.docker_engine import DockerEngineSource
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine

pytestmark = [pytest.mark.podman]


class _RemovesBeforeInspect:
    """A real engine client whose first inspect of ``victim`` finds it removed (a real 404): the
    race of a container going away between the listing and its inspect."""

    def __init__(self, client: Any, victim: str):
        self._client, self._victim, self.removed = client, victim, False
        outer = self

        class _Api:
            def __getattr__(self, name: str) -> Any:
                return getattr(client.api, name)

            def inspect_container(self, cid: str) -> Any:
                if not outer.removed and cid.startswith(outer._victim[:12]):
                    client.api.remove_container(cid, force=True)
                    outer.removed = True
                return client.api.inspect_container(cid)

        self.api = _Api()


def test_discovery_is_scoped_and_tolerates_a_container_that_vanishes(podman_engine: PodmanEngine,
                                                                     compose_project: str) -> None:
    c = podman_engine.docker_client()
    podman_engine.ensure_busybox()
    other = f"other{uuid.uuid4().hex[:6]}"
    keep = c.containers.run(BUSYBOX_IMAGE, ["sleep", "600"], detach=True, name=f"{compose_project}-a",
                            labels=_labels(compose_project, "scene_scanner"))
    gone = c.containers.run(BUSYBOX_IMAGE, ["sleep", "600"], detach=True, name=f"{compose_project}-b",
                            labels=_labels(compose_project, "log_exporter"))
    foreign = c.containers.run(BUSYBOX_IMAGE, ["sleep", "600"], detach=True, name=f"{other}-x",
                               labels=_labels(other, "scene_scanner"))
    try:
        src = DockerEngineSource(podman_engine.socket_url, compose_project=compose_project)
        assert set(src.discover()) == {"scene_scanner", "log_exporter"}  # never the other project's
        racing = _RemovesBeforeInspect(c, gone.id)
        found = src.discover(racing)
        assert racing.removed and set(found) == {"scene_scanner"} and found["scene_scanner"]["Id"] == keep.id
    finally:
        foreign.remove(force=True)


def test_image_events_of_other_projects_stay_out(podman_engine: PodmanEngine, compose_project: str) -> None:
    c = podman_engine.docker_client()
    podman_engine.ensure_busybox()
    c.containers.run(BUSYBOX_IMAGE, ["sleep", "600"], detach=True, name=f"{compose_project}-a",
                     labels=_labels(compose_project, "scene_scanner"))
    src = DockerEngineSource(podman_engine.socket_url, compose_project=compose_project)
    src.discover()
    repo = BUSYBOX_IMAGE.rsplit(":", 1)[0]
    mine = {"Type": "image", "Action": "tag", "Actor": {"ID": "sha256:1", "Attributes": {"name": f"{repo}:next"}},
            "time": int(time.time())}
    theirs = {"Type": "image", "Action": "delete", "Actor": {"ID": "sha256:2", "Attributes": {"name": "postgres:15"}},
              "time": int(time.time())}
    assert src._event_record(mine) is not None
    assert src._event_record(theirs) is None


def test_capture_of_an_exited_container_round_trips_through_the_reader(tmp_path: Path, podman_engine: PodmanEngine,
                                                                        compose_project: str) -> None:
    c = podman_engine.docker_client()
    podman_engine.ensure_busybox()
    ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", "echo bye; exit 3"], detach=True,
                          name=f"{compose_project}-scanner", labels=_labels(compose_project, "scene_scanner"))
    ct.wait(timeout=30)
    cfg = _cfg(tmp_path, podman_engine, compose_project, None)
    path, parts = capture_bundle(cfg, 300, tmp_path / "bundle")
    assert parts.stats and all(s.get("mem_limit_bytes", 1) is not None for s in parts.stats)
    b = load_bundle(path)
    assert [s.data["status"] for s in b.stats] == ["exited"]
    assert not [p for p in b.problems if "stats.jsonl" in p], b.problems
