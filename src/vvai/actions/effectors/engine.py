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


def update_limits(client: Any, container_id: str, *, mem_limit_bytes: int | None, cpus: float | None) -> dict:
    """POST /containers/{id}/update; returns the previous limits (recorded so it can be reverted)."""
    call = f"POST /containers/{container_id[:12]}/update"
    try:
        hc = (client.api.inspect_container(container_id).get("HostConfig") or {})
        before = {"mem_limit_bytes": hc.get("Memory") or None, "memswap_bytes": hc.get("MemorySwap") or None,
                  "nano_cpus": hc.get("NanoCpus") or None}
        kwargs: dict[str, Any] = {}
        if mem_limit_bytes:
            kwargs.update(mem_limit=int(mem_limit_bytes), memswap_limit=-1)
        if cpus:
            kwargs.update(cpu_period=100_000, cpu_quota=int(cpus * 100_000))
        if not kwargs:
            raise EffectorFailed("nothing to update: no limit proposed")
        try:
            client.api.update_container(container_id, **kwargs)
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
