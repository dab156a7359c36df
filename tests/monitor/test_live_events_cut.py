"""LIVE on Podman: a past-events read that the engine cuts short is noticed and read again.

Podman's file logger ends a read with ``until`` when the wall clock passes ``until``, wherever it
is in its events log; a CI run lost a crash loop's exits that way (the daemon's warm-up read got
an early image event and none of the container's). An ``until`` already in the past is the
extreme of that cut: the engine answers with nothing. Each watched container's last start or
exit inside the window must come back as an event, or the source reads again with more time."""

from __future__ import annotations

import time

import pytest

from tests.monitor.test_live_podman import _labels, _wait
from vvai.monitor.sources.docker_engine import DockerEngineSource
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine

pytestmark = [pytest.mark.podman, pytest.mark.slow]


def _crashed(engine: PodmanEngine, project: str) -> float:
    c = engine.docker_client()
    t0 = time.time()
    ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", "echo 'ValueError: bad' >&2; exit 3"], detach=True,
                          name=f"{project}-scanner", labels=_labels(project, "scene_scanner"),
                          restart_policy={"Name": "on-failure", "MaximumRetryCount": 2})
    assert _wait(lambda: (ct.reload(), ct.attrs["State"]["Status"] == "exited"
                          and ct.attrs.get("RestartCount", 0) >= 2)[1], 60)
    time.sleep(2.5)  # the last exit lies inside the window, not at its edge
    return t0


def _read(engine: PodmanEngine, project: str, since: float, headroom: tuple[float, ...]) -> tuple[list, list]:
    src = DockerEngineSource(engine.socket_url, compose_project=project)
    src.event_headroom_s = headroom
    try:
        found = src.discover()
        recs = list(src.events(since - 1, time.time(), found))
    finally:
        src.stop()
    dies = [r for r in recs if r.kind == "event" and r.name == "scene_scanner" and r.data.get("Action") == "die"]
    return dies, [r.data for r in recs if r.kind == "problem"]


def test_a_cut_read_is_read_again_until_the_last_exit_is_there(podman_engine: PodmanEngine,
                                                                compose_project: str) -> None:
    t0 = _crashed(podman_engine, compose_project)
    dies, problems = _read(podman_engine, compose_project, t0, (-30.0, 3.0))
    assert len(dies) == 3, dies  # the first run and its two restarts
    assert problems == []


def test_a_read_that_stays_short_says_so(podman_engine: PodmanEngine, compose_project: str) -> None:
    t0 = _crashed(podman_engine, compose_project)
    dies, problems = _read(podman_engine, compose_project, t0, (-30.0, -30.0))
    assert dies == []  # the engine did cut both reads: the check above is not vacuous
    assert len(problems) == 1 and "events of scene_scanner missing after 2 reads" in problems[0]["message"], problems
