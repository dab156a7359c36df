"""The engine-socket proxy (deploy/socket-proxy) in front of a real Podman engine, through the docker SDK.

What the monitor and its executor need works: list, inspect, logs, stats, events, version, info,
ping, restart of a stack container (by name). Everything else is refused with 403 and does not
happen on the engine: create/run, exec, delete, kill/stop/start, image pull, archive/export,
restart or update of a container that is not the stack's, restart by ID, volumes, networks,
Podman's native API, and paths that try to smuggle a name past the allow-list.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.proxyrun import HostProxy, haproxy_missing
from vvai.testing.podman import BUSYBOX_IMAGE

pytestmark = [pytest.mark.podman]

docker = pytest.importorskip("docker")


@pytest.fixture(scope="module")
def stack(podman_engine, tmp_path_factory) -> Iterator[dict]:
    reason = haproxy_missing()
    if reason:
        pytest.skip(reason)
    raw = podman_engine.docker_client()
    prefix = f"vvt{uuid.uuid4().hex[:6]}_"
    names = {"scanner": f"{prefix}scene_scanner", "exporter": f"{prefix}log_exporter",
             "outsider": f"{prefix}other", "lookalike": f"x{prefix}scene_scanner"}
    made = []
    try:
        for key, name in names.items():
            made.append(raw.containers.run(BUSYBOX_IMAGE, ["sh", "-c", f"echo hello-from-{key}; exec sleep 3600"],
                                           name=name, detach=True))
        folder = tmp_path_factory.mktemp("proxy")
        proxy = HostProxy(podman_engine.socket_path, folder / "filtered.sock", prefix, folder / "proxy.log").start()
        client = docker.DockerClient(base_url=proxy.url, timeout=30)
        try:
            yield {"raw": raw, "client": client, "names": names, "prefix": prefix, "proxy": proxy}
        finally:
            client.close()
            proxy.stop()
    finally:
        for c in made:
            try:
                c.remove(force=True)
            except Exception:  # noqa: BLE001 - already gone
                pass


def refused(call, *args, **kw) -> None:
    with pytest.raises(docker.errors.APIError) as ei:
        call(*args, **kw)
    assert ei.value.status_code == 403, f"expected 403 from the proxy, got {ei.value.status_code}: {ei.value}"


def started_at(raw, name: str) -> str:
    return raw.api.inspect_container(name)["State"]["StartedAt"]


def test_the_filtered_socket_belongs_to_the_configured_user(stack):
    sock = Path(stack["proxy"].proxy_socket)
    st = sock.stat()
    assert sock.is_socket()
    assert oct(st.st_mode & 0o777) == "0o660" and st.st_uid == os.getuid()


def test_reads_the_monitor_needs_pass(stack):
    client, names = stack["client"], stack["names"]
    assert client.ping() is True
    assert client.version().get("ApiVersion")
    assert "Containers" in client.info() or "ID" in client.info()
    listed = {c.name for c in client.containers.list(all=True)}
    assert set(names.values()) <= listed
    attrs = client.api.inspect_container(names["scanner"])
    assert attrs["Name"].lstrip("/") == names["scanner"] and attrs["State"]["Status"] == "running"
    deadline = time.monotonic() + 10
    while b"hello-from-scanner" not in client.api.logs(names["scanner"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert b"hello-from-scanner" in client.api.logs(names["scanner"], timestamps=True)
    sample = client.api.stats(names["scanner"], stream=False)
    assert sample["memory_stats"].get("usage", 0) > 0


def test_restart_of_a_stack_container_by_name_passes_and_shows_in_events(stack):
    client, raw, name = stack["client"], stack["raw"], stack["names"]["exporter"]
    before = started_at(raw, name)
    since = int(time.time()) - 1
    client.api.restart(name, timeout=1)
    assert started_at(raw, name) != before, "the restart did not reach the engine"
    seen = []
    for ev in client.api.events(since=since, until=int(time.time()) + 1, decode=True):
        seen.append((ev.get("Action") or ev.get("status"), (ev.get("Actor") or {}).get("Attributes", {}).get("name")))
    assert ("restart", name) in seen or ("start", name) in seen, seen


def test_update_of_a_stack_container_reaches_the_engine(stack):
    client, name = stack["client"], stack["names"]["scanner"]
    try:
        client.api.update_container(name, mem_limit="64m", memswap_limit="128m")
    except docker.errors.APIError as e:
        # Podman 4.3's Docker API has no /update (404): the proxy let the call through, the engine lacks it
        assert e.status_code != 403, f"the proxy refused an allowed update: {e}"


def test_everything_else_is_refused_and_does_not_happen(stack):
    client, raw, names = stack["client"], stack["raw"], stack["names"]
    ids_before = {c.id for c in raw.containers.list(all=True)}
    images_before = {i.id for i in raw.images.list()}
    outsider_started = started_at(raw, names["outsider"])
    lookalike_started = started_at(raw, names["lookalike"])
    scanner_id = raw.containers.get(names["scanner"]).id

    refused(client.containers.create, BUSYBOX_IMAGE, ["true"], name=f"{stack['prefix']}new")
    refused(client.containers.run, BUSYBOX_IMAGE, ["true"], detach=True)
    refused(client.api.exec_create, names["scanner"], ["id"])
    refused(client.api.remove_container, names["scanner"], force=True)
    refused(client.api.kill, names["scanner"])
    refused(client.api.stop, names["scanner"], timeout=1)
    refused(client.api.start, names["scanner"])
    refused(client.api.pause, names["scanner"])
    refused(client.api.get_archive, names["scanner"], "/etc/passwd")
    refused(lambda: b"".join(client.api.export(names["scanner"])))  # a lazy stream
    refused(client.api.top, names["scanner"])
    refused(client.images.pull, "busybox", tag="latest")
    refused(client.images.list)
    refused(client.api.restart, names["outsider"], timeout=1)
    refused(client.api.restart, names["lookalike"], timeout=1)
    refused(client.api.restart, scanner_id, timeout=1)  # by ID: the allow-list is by container name
    refused(client.api.update_container, names["outsider"], mem_limit="64m")
    refused(client.volumes.create, f"{stack['prefix']}vol")
    refused(client.volumes.list)
    refused(client.networks.list)
    refused(client.networks.create, f"{stack['prefix']}net")
    refused(client.api.prune_containers)

    api = client.api
    for method, path in [("GET", "/v4.0.0/libpod/containers/json"), ("POST", "/v4.0.0/libpod/containers/create"),
                         ("POST", f"/v1.41/containers/{names['scanner']}%2F..%2F{names['outsider']}/restart"),
                         ("POST", f"/v1.41/containers/{names['scanner']}/restart/../kill"),
                         ("POST", "/v1.41/build"), ("DELETE", f"/v1.41/containers/{names['outsider']}"),
                         ("PUT", f"/v1.41/containers/{names['scanner']}/archive"), ("GET", "/v1.41/system/df")]:
        r = api.request(method, api.base_url + path, timeout=10)  # raw calls the SDK would not make
        assert r.status_code == 403, f"{method} {path} -> {r.status_code}"

    log = stack["proxy"].log.read_text()
    assert re.search(r' 403 .*"POST (/v[0-9.]+)?/containers/create', log), "refusals are not logged"
    assert not re.search(r'"GET (/v[0-9.]+)?/containers/json', log), "successful calls are logged (dontlog-normal)"

    assert {c.id for c in raw.containers.list(all=True)} == ids_before, "a container was created or removed"
    assert {i.id for i in raw.images.list()} == images_before, "an image was pulled or removed"
    assert started_at(raw, names["outsider"]) == outsider_started, "the outsider was restarted"
    assert started_at(raw, names["lookalike"]) == lookalike_started, "the look-alike was restarted"
    assert raw.api.inspect_container(names["scanner"])["State"]["Status"] == "running"
    assert not [v for v in raw.volumes.list() if v.name.startswith(stack["prefix"])]
    assert not [n for n in raw.networks.list() if n.name.startswith(stack["prefix"])]
