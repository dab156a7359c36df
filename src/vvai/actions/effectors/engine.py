"""Engine writes: restart a container with a short stop timeout; update its limits.

Least privilege: everything the monitor and the executor call on the Docker Engine API. Reads
come from :mod:`vvai.monitor.sources.docker_engine`; the two writes are here, by container id.
A socket proxy (e.g. the HAProxy-based docker-socket-proxy with ``CONTAINERS=1 EVENTS=1 POST=1``
and everything else 0) allows exactly these; when it denies one (403), the action is ``failed``
with that reason and the monitor keeps running.
"""

from __future__ import annotations

from typing import Any

from vvai.actions.effectors import EffectorFailed
from vvai.monitor.sources.docker_engine import host_cpus

ENGINE_CALLS: tuple[tuple[str, str, str], ...] = (
    ("GET", "/_ping", "engine reachable"),
    ("GET", "/containers/json", "discover components (compose labels)"),
    ("GET", "/containers/{id}/json", "inspect: limits, RestartCount, OOMKilled, StartedAt, health"),
    ("GET", "/containers/{id}/logs", "logs with timestamps"),
    ("GET", "/containers/{id}/stats", "CPU and memory samples"),
    ("GET", "/events", "die/oom/restart/health events"),
    ("POST", "/containers/{name}/restart", "restart: only the components an incident names"),
    ("POST", "/containers/{name}/update", "apply approved mem_limit/cpus (suggest_limits)"),
)


def _fail(call: str, e: Exception) -> EffectorFailed:
    status = getattr(getattr(e, "response", None), "status_code", None) or getattr(e, "status_code", None)
    if status == 403:
        return EffectorFailed(f"the engine denied {call} (403 Forbidden)",
                              hint="the socket proxy must allow it; see vvai.actions.effectors.engine.ENGINE_CALLS")
    if status == 404:
        return EffectorFailed(f"{call}: no such container (404)", hint="it was removed since the decision")
    text = str(getattr(e, "explanation", "") or e).splitlines()[0][:200] if str(e) else type(e).__name__
    return EffectorFailed(f"{call} failed: {text}")


def restart(client: Any, container_id: str, timeout_s: int) -> None:
    """POST /containers/{name}/restart?t=timeout_s (SIGTERM, then SIGKILL after timeout_s). By
    name, so a socket proxy can allow exactly the stack's own containers."""
    try:
        client.api.restart(container_id, timeout=timeout_s)
    except Exception as e:  # noqa: BLE001 - docker.errors.* and transport errors alike
        raise _fail(f"POST /containers/{container_id[:12]}/restart", e) from None


def limits_body(host_config: dict, *, mem_limit_bytes: int | None, cpus: float | None) -> dict:
    """The JSON body of ``POST /containers/{id}/update`` for new limits.

    A CPU limit is set the way the container already has it: compose's ``cpus`` (and
    ``docker run --cpus``) sets ``NanoCpus``, and the engine refuses ``CpuPeriod``/``CpuQuota``
    on such a container ("Conflicting options") and the other way round. A memory limit above
    the swap limit is refused too, so the swap limit moves with it in the same ratio (Docker
    makes it twice the memory when compose sets none); an unlimited one (-1) stays so."""
    body: dict[str, Any] = {}
    if mem_limit_bytes:
        body["Memory"] = int(mem_limit_bytes)
        mem, swap = host_config.get("Memory") or 0, host_config.get("MemorySwap") or 0
        if swap == -1:
            body["MemorySwap"] = -1
        elif mem > 0 and swap > 0:
            body["MemorySwap"] = int(mem_limit_bytes * swap / mem)
    if cpus:
        if host_config.get("CpuQuota") and not host_config.get("NanoCpus"):
            body.update(CpuPeriod=100_000, CpuQuota=int(cpus * 100_000))
        else:
            body.update(NanoCpus=int(cpus * 1e9))
    return body


def update_limits(client: Any, container_id: str, *, mem_limit_bytes: int | None, cpus: float | None) -> dict:
    """POST /containers/{id}/update; returns the previous limits (recorded so it can be reverted).

    Sent by hand: the Docker SDK's ``update_container`` has no ``NanoCpus`` (docker-py #2413,
    open since 2019) although the Engine API takes it since 1.29."""
    call = f"POST /containers/{container_id[:12]}/update"
    try:
        hc = (client.api.inspect_container(container_id).get("HostConfig") or {})
        before = {"mem_limit_bytes": hc.get("Memory") or None, "memswap_bytes": hc.get("MemorySwap") or None,
                  "nano_cpus": hc.get("NanoCpus") or None, "cpus": host_cpus(hc)}
        body = limits_body(hc, mem_limit_bytes=mem_limit_bytes, cpus=cpus)
        if not body:
            raise EffectorFailed("nothing to update: no limit proposed")
        api = client.api
        try:
            api._result(api._post_json(api._url("/containers/{0}/update", container_id), data=body), True)
        except Exception as e:  # noqa: BLE001
            if getattr(getattr(e, "response", None), "status_code", None) == 404:  # it was just inspected
                raise EffectorFailed(f"the engine does not implement {call} (404; Podman before 4.6 lacks it)",
                                     hint="apply the suggested compose snippet and recreate the service") from None
            raise
    except EffectorFailed:
        raise
    except Exception as e:  # noqa: BLE001
        raise _fail(call, e) from None
    return before
