"""pytest fixtures for tests that need a real container engine (Podman; Docker Engine for what
Podman 4.3 lacks) or a webhook receiver.

Load them with ``from tests.podman_fixtures import podman_engine, webhook`` in a conftest.py
(or ``pytest_plugins = ["tests.podman_fixtures"]`` in the root tests/conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from vvai.testing.dockerd import DockerdEngine, dockerd_available
from vvai.testing.podman import PodmanEngine, podman_available
from vvai.testing.webhook import WebhookReceiver


def _engine(cls: Any, available: Callable[[], str | None], name: str, folder: Path) -> Iterator[Any]:
    """Start one private engine for the session, or skip saying why it cannot run here."""
    reason = available()
    if reason:
        pytest.skip(f"needs {name}: {reason}")
    engine = cls(folder)
    try:
        engine.start()
    except Exception as e:  # noqa: BLE001 - an engine that cannot start here is an environment issue
        engine.stop()
        pytest.skip(f"{name} is installed but cannot start here: {e}")
    yield engine
    engine.stop()


@pytest.fixture(scope="session")
def podman_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PodmanEngine]:
    """One private Podman service (Docker API on a unix socket) for the whole session."""
    yield from _engine(PodmanEngine, podman_available, "Podman", tmp_path_factory.mktemp("podman"))


@pytest.fixture(scope="session")
def docker_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DockerdEngine]:
    """One private Docker Engine (Debian's docker.io) for the session, for what Podman 4.3 lacks."""
    yield from _engine(DockerdEngine, dockerd_available, "Docker Engine", tmp_path_factory.mktemp("dockerd"))


@pytest.fixture
def compose_project(podman_engine: PodmanEngine) -> Iterator[str]:
    """A fresh compose project name; its containers are removed after the test."""
    name = f"vvt{uuid.uuid4().hex[:8]}"
    yield name
    client = podman_engine.docker_client()
    for c in client.containers.list(all=True, filters={"label": f"com.docker.compose.project={name}"}):
        try:
            c.remove(force=True)
        except Exception:  # noqa: BLE001 - already gone
            pass


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A real HTTP receiver on loopback recording every POST (apprise json:// target)."""
    with WebhookReceiver() as hook:
        yield hook
