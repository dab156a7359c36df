"""pytest fixtures for tests that need a real container engine (Podman) or a webhook receiver.

Load them with ``from tests.podman_fixtures import podman_engine, webhook`` in a conftest.py
(or ``pytest_plugins = ["tests.podman_fixtures"]`` in the root tests/conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from vvai.testing.podman import PodmanEngine, podman_available
from vvai.testing.webhook import WebhookReceiver


@pytest.fixture(scope="session")
def podman_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PodmanEngine]:
    """One private Podman service (Docker API on a unix socket) for the whole session."""
    reason = podman_available()
    if reason:
        pytest.skip(f"needs Podman: {reason}")
    engine = PodmanEngine(tmp_path_factory.mktemp("podman"))
    try:
        engine.start()
    except Exception as e:  # noqa: BLE001 - an engine that cannot start here is an environment issue
        engine.stop()
        pytest.skip(f"Podman is installed but cannot start here: {e}")
    yield engine
    engine.stop()


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
