"""The container engine (Docker, or Podman's Docker-compatible API) through the ``docker`` SDK.

Records produced, all in the bundle format:

- ``event``: Docker Engine API event dicts, verbatim, for the watched containers (die, oom,
  kill, restart, start, health_status, ...) and image pull/tag events;
- ``log``: ``docker logs --timestamps`` lines, one record per line, named by component;
- ``stats``: ``{ts, component, cpu_percent, mem_bytes, mem_limit_bytes, restart_count,
  oom_killed, status}`` with docker-stats style CPU (100 = one core) computed from two
  cumulative samples (Podman streams one sample per 5 s and only memory usage/limit);
- ``component``: the bundle.json ``components`` entry (image, mem_limit in compose notation,
  cpus, restart, depends_on) from ``inspect``.

Podman emits no ``oom`` event: on every ``die`` we inspect at once and push a ``stats``
record carrying ``State.OOMKilled`` (marked important), so the daemon reacts to an OOM kill
in well under a second instead of waiting for the next stats poll.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator
from typing import Any

from vvai.common.timefmt import parse_epoch, parse_ts, rfc3339
from vvai.monitor.sources.base import Record, Sink, Source, problem
from vvai.monitor.sources.cgroupmem import inactive_file_bytes

# seconds past ``until`` a past-events read may take, tried in turn (see DockerEngineSource.events)
EVENT_HEADROOM_S = (1.0, 4.0, 15.0)
IMPORTANT_ACTIONS = ("die", "oom", "kill", "restart", "health_status")
CONTAINER_ACTIONS = ("create", "start", "die", "oom", "kill", "restart", "stop", "destroy", "pause",
                     "unpause", "health_status")
SERVICE_LABEL = "com.docker.compose.service"
PROJECT_LABEL = "com.docker.compose.project"
DEPENDS_LABEL = "com.docker.compose.depends_on"


def _repo(image: str) -> str:
    """``registry:5000/vv/scanner:2.3.1@sha256:..`` -> ``registry:5000/vv/scanner``."""
    name = image.split("@", 1)[0]
    head, sep, tail = name.rpartition(":")
    return head if sep and "/" not in tail else name


def host_cpus(host_config: dict) -> float | None:
    """A container's CPU limit in CPUs, however it was set: ``NanoCpus`` (compose's ``cpus``,
    ``--cpus``) or ``CpuQuota``/``CpuPeriod``; None when unlimited."""
    if host_config.get("NanoCpus"):
        return host_config["NanoCpus"] / 1e9
    if host_config.get("CpuQuota") and host_config.get("CpuPeriod"):
        return host_config["CpuQuota"] / host_config["CpuPeriod"]
    return None


def compose_mem(n: int | None) -> str | None:
    """Bytes -> compose notation (``2147483648`` -> ``"2g"``); None for "no limit"."""
    if not n:
        return None
    for unit, size in (("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)):
        if n % size == 0:
            return f"{n // size}{unit}"
    return str(n)


def _read_time(sample: dict) -> float | None:
    try:
        dt = parse_ts(sample.get("read"))
    except (TypeError, ValueError):
        return None
    return dt.timestamp() if dt and dt.year > 1971 else None


def mem_working_set(memory_stats: dict) -> int:
    """docker-stats memory use: ``usage`` less the inactive file cache, as the docker CLI shows it
    (cgroup v1 ``total_inactive_file``, else v2 ``inactive_file``, when below ``usage``).

    That cache is what the kernel drops first, before any OOM kill. Measured here: a container
    that wrote 120 MB once reports ~127 MB ``usage`` on both engines; Docker also sends
    ``stats``, where 124 MB of it is inactive (so ~4 MB here); written and read again it is
    active cache and stays counted. Podman 4.3 sends ``usage`` and ``limit`` only, cache
    included: :mod:`.cgroupmem` then reads the same figure from the host's cgroup when it can.
    """
    usage = int(memory_stats.get("usage") or 0)
    st = memory_stats.get("stats") or {}
    for key in ("total_inactive_file", "inactive_file"):
        v = st.get(key)
        if isinstance(v, int) and 0 <= v < usage:
            return usage - v
    return usage


def cpu_percent(prev: dict | None, cur: dict) -> float | None:
    """docker-stats CPU % (100 = one full core) between two samples of one container.

    The container's CPU-time delta is divided by the time between the two samples' own ``read``
    timestamps (when the engine read the cgroup). ``system_cpu_usage`` is only the fallback:
    engines disagree on what it counts (Podman's does not scale like Docker's), which made
    a container capped at half a core read as 167 % under load.
    """
    if not prev:
        return None
    try:
        c0, c1 = prev["cpu_stats"], cur["cpu_stats"]
        cpu_delta = c1["cpu_usage"]["total_usage"] - c0["cpu_usage"]["total_usage"]
    except (KeyError, TypeError):
        return None
    if cpu_delta < 0:
        return None
    t0, t1 = _read_time(prev), _read_time(cur)
    if t0 is not None and t1 is not None and t1 - t0 > 0.05:
        return round(cpu_delta / ((t1 - t0) * 1e9) * 100.0, 2)
    try:
        sys_delta = c1.get("system_cpu_usage", 0) - c0.get("system_cpu_usage", 0)
        ncpu = c1.get("online_cpus") or len(c1["cpu_usage"].get("percpu_usage") or []) or 1
    except (KeyError, TypeError, AttributeError):
        return None
    if sys_delta <= 0:
        return None
    return round(cpu_delta / sys_delta * ncpu * 100.0, 2)


class DockerEngineSource(Source):
    """Watches the containers of one compose project, or a listed set of containers."""

    name = "docker"

    def __init__(self, base_url: str | None = None, *, components: list[str] | None = None,
                 compose_project: str | None = None, stats_interval_s: float = 15.0,
                 log_tail_lines: int = 5000, timeout_s: int = 30):
        super().__init__()
        self.base_url = base_url
        self.components = list(components or [])
        self.compose_project = compose_project
        self.stats_interval_s = stats_interval_s
        self.log_tail_lines = log_tail_lines
        self.timeout_s = timeout_s
        self._client: Any = None
        self._lock = threading.Lock()
        self._watched: dict[str, str] = {}  # container id -> component
        self._prev_stats: dict[str, dict] = {}
        self._log_threads: dict[str, threading.Thread] = {}
        self._log_last: dict[str, float] = {}
        self._log_boundary: dict[str, tuple[int, dict[str, int]]] = {}
        self._log_clients: dict[str, Any] = {}
        self._log_again: dict[str, bool] = {}
        self._event_client: Any = None
        self._images: set[str] = set()  # images (names and ids) the watched containers run
        self.event_headroom_s: tuple[float, ...] = EVENT_HEADROOM_S

    # -- engine access --------------------------------------------------------------------------
    def client(self) -> Any:
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self) -> Any:
        import docker

        if self.base_url:
            return docker.DockerClient(base_url=self.base_url, timeout=self.timeout_s)
        return docker.from_env(timeout=self.timeout_s)

    def component_of(self, attrs: dict) -> str | None:
        """The component a container belongs to, or None when it is not watched."""
        labels = (attrs.get("Config") or {}).get("Labels") or attrs.get("Labels") or {}
        name = (attrs.get("Name") or (attrs.get("Names") or [""])[0] or "").lstrip("/")
        service = labels.get(SERVICE_LABEL)
        if self.compose_project:
            if labels.get(PROJECT_LABEL) != self.compose_project:
                return None
            comp = service or name
            return comp if not self.components or comp in self.components else None
        for comp in self.components:
            if comp in (service, name):
                return comp
        return None if self.components else (service or name)

    def discover(self, client: Any = None) -> dict[str, dict]:
        """component -> inspect attrs of its newest container (running or not).

        One cheap listing, scoped to the watched compose project when there is one (an engine may
        run many projects); only the watched containers are inspected, one by one, so a container
        removed between the listing and its inspect is skipped instead of failing the whole read."""
        import docker.errors

        client = client or self.client()
        filters = {"label": f"{PROJECT_LABEL}={self.compose_project}"} if self.compose_project else None
        newest: dict[str, dict] = {}
        for summary in client.api.containers(all=True, filters=filters):
            comp = self.component_of(summary)
            if comp is None:
                continue
            prev = newest.get(comp)
            if prev is None or (summary.get("Created") or 0) > (prev.get("Created") or 0):
                newest[comp] = summary
        found: dict[str, dict] = {}
        for comp, summary in newest.items():
            try:
                found[comp] = client.api.inspect_container(summary["Id"])
            except docker.errors.NotFound:
                continue  # went away since the listing: the next read sees its successor
        with self._lock:
            self._watched = {a["Id"]: comp for comp, a in found.items()}
            self._images = {str(v) for a in found.values() for v in
                            ((a.get("Config") or {}).get("Image"), a.get("Image"), a.get("ImageName")) if v}
        return found

    @staticmethod
    def component_meta(attrs: dict) -> dict:
        hc = attrs.get("HostConfig") or {}
        labels = (attrs.get("Config") or {}).get("Labels") or {}
        deps = [d.split(":", 1)[0] for d in labels.get(DEPENDS_LABEL, "").split(",") if d.strip()]
        return {"image": (attrs.get("Config") or {}).get("Image") or attrs.get("ImageName") or attrs.get("Image"),
                "mem_limit": compose_mem(hc.get("Memory")), "cpus": host_cpus(hc),
                "restart": ((hc.get("RestartPolicy") or {}).get("Name") or "no"), "depends_on": deps}

    def stats_from(self, comp: str, attrs: dict, sample: dict | None, ts: float) -> Record:
        """A spec stats record from inspect attrs and (for running containers) a stats sample."""
        state = attrs.get("State") or {}
        data: dict[str, Any] = {"ts": rfc3339(ts), "component": comp, "cpu_percent": 0.0, "mem_bytes": 0,
                                "restart_count": int(attrs.get("RestartCount") or 0),
                                "oom_killed": bool(state.get("OOMKilled")),
                                "status": state.get("Status") or "unknown"}
        limit = (attrs.get("HostConfig") or {}).get("Memory")
        if isinstance(limit, int) and limit > 0:  # unknown or unlimited: no key (the format has no null)
            data["mem_limit_bytes"] = limit
        if state.get("Status") != "running":
            data["exit_code"] = state.get("ExitCode")
        if sample:
            mem = sample.get("memory_stats") or {}
            if "stats" not in mem:  # Podman: no memory.stat in the API; read it from the host if visible
                cache = inactive_file_bytes(state.get("Pid"), attrs.get("Id") or "")
                if cache is not None:
                    mem = {**mem, "stats": {"total_inactive_file": cache}}
            data["mem_bytes"] = mem_working_set(mem)
            if int(mem.get("limit") or 0) > 0:
                data["mem_limit_bytes"] = int(mem["limit"])
            cpu = cpu_percent(self._prev_stats.get(attrs["Id"]), sample)
            data["cpu_percent"] = cpu if cpu is not None else 0.0
            if cpu is None:
                data["cpu_percent_unknown"] = True
            self._prev_stats[attrs["Id"]] = sample
        return Record("stats", ts, data, name=comp)

    def sample_stats(self, client: Any = None) -> Iterator[Record]:
        """One stats record per watched component (cheap one-shot samples; CPU from the last one)."""
        client = client or self.client()
        api = client.api
        for comp, attrs in self.discover(client).items():
            now = time.time()
            sample = None
            try:
                attrs = api.inspect_container(attrs["Id"])
                if (attrs.get("State") or {}).get("Status") == "running":
                    sample = api.stats(attrs["Id"], stream=False)
            except Exception as e:  # noqa: BLE001 - a container may vanish between list and stats
                yield problem(self.name, f"stats of {comp}: {type(e).__name__}: {e}", now)
                continue
            yield self.stats_from(comp, attrs, sample, now)

    # -- events ---------------------------------------------------------------------------------
    def _event_record(self, ev: dict) -> Record | None:
        typ, action = ev.get("Type"), str(ev.get("Action") or ev.get("status") or "")
        ts = ev.get("timeNano", 0) / 1e9 or float(ev.get("time") or time.time())
        if typ == "image":
            if action in ("pull", "tag", "untag", "delete", "import", "load") and self._our_image(ev):
                return Record("event", ts, ev, name="image", important=action in ("pull", "tag"))
            return None
        if typ != "container" or action.startswith("exec_"):
            return None
        attrs = (ev.get("Actor") or {}).get("Attributes") or {}
        cid = (ev.get("Actor") or {}).get("ID") or ev.get("id") or ""
        with self._lock:
            comp = self._watched.get(cid)
        if comp is None:
            fake = {"Config": {"Labels": attrs}, "Name": attrs.get("name", "")}
            comp = self.component_of(fake)
            if comp is None:
                return None
        base = action.split(":", 1)[0]
        if base not in CONTAINER_ACTIONS:
            return None
        important = base in IMPORTANT_ACTIONS and not (base == "health_status" and action.split(": ")[-1] == "healthy")
        return Record("event", ts, ev, name=comp, important=important, meta={"container_id": cid, "action": base})

    def _our_image(self, ev: dict) -> bool:
        """An image event concerns this project when it names an image (or a tag of the same
        repository) one of the watched containers runs: another project's pulls and deletes do not."""
        actor = ev.get("Actor") or {}
        attrs = actor.get("Attributes") or {}
        names = {str(actor.get("ID") or ""), str(ev.get("id") or ""), str(attrs.get("name") or "")}
        names.discard("")
        with self._lock:
            ours = set(self._images)
        if not ours:
            return False
        repos = {_repo(i) for i in ours}
        return bool(names & ours) or any(_repo(n) in repos for n in names if not n.startswith("sha256:"))

    def events(self, since: float, until: float, found: dict[str, dict] | None = None) -> Iterator[Record]:
        """Past events of the window, checked against what inspect says happened.

        Podman 4.3 returns nothing when ``until`` is already in the past, so ask up to a moment
        from now and filter ourselves. Its file logger also ends the read when the wall clock
        passes ``until``, wherever it is in the file: when the engine is slow to answer, the
        newest events (the ones that matter) are cut. So the last start or exit of every watched
        container inside the window (``found``, from :meth:`discover`) must come back as an
        event; when one does not, read again with more time (``event_headroom_s``), and say so
        when even the last read is short."""
        expected = _last_transitions(found or {}, since, until)
        recs: list[Record] = []
        for headroom in self.event_headroom_s:
            stop_at = math.ceil(max(until, time.time()) + headroom)
            recs = [r for r in map(self._event_record,
                                   self.client().api.events(since=int(since), until=stop_at, decode=True))
                    if r is not None and since - 1 <= r.ts <= until + 1]
            missing = sorted(comp for cid, (comp, t) in expected.items()
                             if not any(r.meta.get("container_id") == cid and r.ts >= t - 2 for r in recs))
            if not missing:
                break
        else:
            yield problem(self.name, f"events of {', '.join(missing)} missing after {len(self.event_headroom_s)} "
                          "reads (the engine did not read its events log in time): exits and restarts of this "
                          "window may be undercounted")
        yield from recs

    def _after_die(self, cid: str, comp: str, sink: Sink) -> None:
        """Inspect right after a die: OOMKilled and RestartCount arrive without waiting for a poll."""
        try:
            attrs = self._event_client.api.inspect_container(cid)
        except Exception as e:  # noqa: BLE001 - removed already
            sink(problem(self.name, f"inspect {comp} after die: {type(e).__name__}: {e}"))
            return
        rec = self.stats_from(comp, attrs, None, time.time())
        rec.important = True
        sink(rec)

    def _events_loop(self, sink: Sink) -> None:
        since = time.time()
        backoff = 1.0
        while not self._stop.is_set():
            try:
                self._event_client = self._event_client or self._new_client()
                stream = self._event_client.api.events(since=int(since), decode=True)
                self._event_stream = stream
                backoff = 1.0
                for ev in stream:
                    if self._stop.is_set():
                        return
                    rec = self._event_record(ev)
                    since = max(since, float(ev.get("time") or since))
                    if rec is None:
                        if ev.get("Type") == "container" and ev.get("Action") in ("create", "start"):
                            self._refresh(sink)  # maybe a new container of the project
                        continue
                    cid = rec.meta.get("container_id", "")
                    if rec.meta.get("action") == "start":
                        self._ensure_log_follower(cid, rec.name, sink, since=rec.ts)
                    if rec.meta.get("action") in ("create", "start"):
                        self._refresh(sink)
                    sink(rec)
                    if rec.meta.get("action") == "die":
                        self._after_die(cid, rec.name, sink)
            except Exception as e:  # noqa: BLE001 - engine restarted, socket gone: retry
                if self._stop.is_set():
                    return
                sink(problem(self.name, f"event stream: {type(e).__name__}: {e}"))
                self._event_client = None
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _refresh(self, sink: Sink) -> None:
        try:
            found = self.discover(self._event_client)
        except Exception as e:  # noqa: BLE001
            sink(problem(self.name, f"discover: {type(e).__name__}: {e}"))
            return
        for comp, attrs in found.items():
            sink(Record("component", time.time(), self.component_meta(attrs), name=comp))
            if (attrs.get("State") or {}).get("Status") == "running":
                self._ensure_log_follower(attrs["Id"], comp, sink)

    # -- logs -----------------------------------------------------------------------------------
    def _split_log(self, comp: str, raw: bytes) -> Iterator[Record]:
        for line in raw.decode("utf-8", errors="replace").splitlines():
            ts_text, _, _ = line.partition(" ")
            ts = parse_epoch(ts_text) or time.time()
            yield Record("log", ts, line, name=comp)

    def logs(self, since: float, until: float) -> Iterator[Record]:
        api = self.client().api
        for comp, attrs in self.discover().items():
            try:
                raw = api.logs(attrs["Id"], timestamps=True, stdout=True, stderr=True, since=int(since),
                               until=int(until) + 1, tail=self.log_tail_lines)
            except Exception as e:  # noqa: BLE001
                yield problem(self.name, f"logs of {comp}: {type(e).__name__}: {e}")
                continue
            for rec in self._split_log(comp, raw):
                self._note_log(attrs["Id"], rec)
                yield rec

    def _note_log(self, cid: str, rec: Record) -> None:
        """Remember the newest line per container (and the lines of its second), so a live
        follower started after this read resumes exactly where it ended."""
        sec = int(rec.ts)
        seen = self._log_boundary.get(cid)
        if seen is None or seen[0] != sec:
            seen = (sec, {})
            self._log_boundary[cid] = seen
        seen[1][rec.data] = seen[1].get(rec.data, 0) + 1
        self._log_last[cid] = rec.ts

    def _ensure_log_follower(self, cid: str, comp: str, sink: Sink, since: float | None = None) -> None:
        """One follower thread per container; a start while it runs asks it for one more pass.

        ``since`` (the start event's time) fixes where a never-read container's output begins
        NOW, not when the thread gets to run: under load that can be seconds later, and a crash
        loop's first runs would be skipped."""
        with self._lock:
            if cid not in self._log_last:
                self._log_last[cid] = (since if since is not None else time.time()) - 1
            t = self._log_threads.get(cid)
            if t is not None and t.is_alive():
                self._log_again[cid] = True
                return
            t = threading.Thread(target=self._log_loop, args=(cid, comp, sink), name=f"vvai-logs-{comp}",
                                 daemon=True)
            self._log_threads[cid] = t
        t.start()

    def _log_loop(self, cid: str, comp: str, sink: Sink) -> None:
        """Follow one container's output across its restarts.

        Each pass streams from the last second seen; a pass that began after the container had
        exited has read everything, so the thread ends (unless a start came in meanwhile).
        Lines of the second we resume from are de-duplicated by count, because Podman's
        timestamps have whole-second resolution and a crash loop repeats identical lines."""
        client = self._new_client()
        with self._lock:
            self._log_clients[cid] = client
        try:
            while not self._stop.is_set():
                running = (client.api.inspect_container(cid).get("State") or {}).get("Status") == "running"
                t0 = time.monotonic()
                n = self._log_pass(client, cid, comp, sink)
                if self._stop.is_set():
                    return
                with self._lock:
                    again = self._log_again.pop(cid, False)
                    if not again and not running:
                        self._log_threads.pop(cid, None)
                        return
                if n == 0 and time.monotonic() - t0 < 0.1:
                    self._stop.wait(0.1)  # never spin on a stream that ends at once
        except Exception as e:  # noqa: BLE001 - container removed while following
            if not self._stop.is_set() and "No such container" not in str(e) and "404" not in str(e):
                sink(problem(self.name, f"log stream of {comp}: {type(e).__name__}: {e}"))
        finally:
            with self._lock:
                self._log_clients.pop(cid, None)
                if self._log_threads.get(cid) is threading.current_thread():
                    self._log_threads.pop(cid, None)
            with contextlib.suppress(Exception):
                client.close()

    def _log_pass(self, client: Any, cid: str, comp: str, sink: Sink) -> int:
        since = self._log_last.get(cid, time.time() - 1)  # set by _ensure_log_follower
        boundary = self._log_boundary.get(cid, (int(since), {}))
        skip = dict(boundary[1]) if boundary[0] == int(since) else {}
        stream = client.api.logs(cid, stream=True, follow=True, timestamps=True, since=int(since))
        buf = b""
        n = 0
        for chunk in stream:
            if self._stop.is_set():
                return n
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                for rec in self._split_log(comp, line):
                    if int(rec.ts) == int(since) and skip.get(rec.data, 0) > 0:
                        skip[rec.data] -= 1
                        continue
                    self._note_log(cid, rec)
                    rec.important = _looks_like_error(rec.data)
                    sink(rec)
                    n += 1
        return n

    # -- Source interface -----------------------------------------------------------------------
    def collect(self, since: float, until: float) -> Iterator[Record]:
        """Components, events, logs and stats of the window (CPU from two samples >= 2 s apart)."""
        t0 = time.time()
        try:
            found = self.discover()
        except Exception as e:  # noqa: BLE001 - engine down: say so, the other sources still count
            yield problem(self.name, f"cannot reach the container engine: {type(e).__name__}: {e}")
            return
        for comp, attrs in found.items():
            yield Record("component", t0, self.component_meta(attrs), name=comp)
        first = list(self.sample_stats())  # primes the CPU baseline
        try:
            yield from self.events(since, until, found)
        except Exception as e:  # noqa: BLE001
            yield problem(self.name, f"events: {type(e).__name__}: {e}")
        yield from self.logs(since, until)
        # >= 2 s between the samples: over shorter spans the engine's two clocks (the container's
        # cgroup and /proc/stat, read at slightly different moments) make the ratio noisy
        self._stop.wait(max(0.0, 2.0 - (time.time() - t0)))
        second = list(self.sample_stats())
        yield from (second or first)

    def follow(self, sink: Sink) -> None:
        self._stop.clear()
        self._refresh(sink)
        for target, name in ((self._events_loop, "events"), (self._stats_loop, "stats")):
            t = threading.Thread(target=target, args=(sink,), name=f"vvai-docker-{name}", daemon=True)
            self._threads.append(t)
            t.start()

    def _stats_loop(self, sink: Sink) -> None:
        client = None  # its own connection: the event thread uses the shared one concurrently
        try:
            while not self._stop.wait(self.stats_interval_s):
                try:
                    client = client or self._new_client()
                    for rec in self.sample_stats(client):
                        sink(rec)
                except Exception as e:  # noqa: BLE001
                    sink(problem(self.name, f"stats: {type(e).__name__}: {e}"))
                    client = None
        finally:
            if client is not None:
                with contextlib.suppress(Exception):
                    client.close()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for c in (self._event_client, self._client):  # closing the sockets ends blocking streams
            if c is not None:
                with contextlib.suppress(Exception):
                    c.close()
        super().stop(timeout)
        with self._lock:
            threads = list(self._log_threads.values())
            self._log_threads.clear()
            clients = list(self._log_clients.values())
        for c in clients:
            with contextlib.suppress(Exception):
                c.close()
        for t in threads:
            t.join(0.5)
        self._event_client = None
        self._client = None


def _last_transitions(found: dict[str, dict], since: float, until: float) -> dict[str, tuple[str, float]]:
    """container id -> (component, its last start or exit) when that moment lies in the window."""
    out: dict[str, tuple[str, float]] = {}
    for comp, attrs in found.items():
        state = attrs.get("State") or {}
        moments = [t for t in (parse_epoch(state.get("StartedAt")), parse_epoch(state.get("FinishedAt")))
                   if t is not None and since <= t <= until]
        if moments and attrs.get("Id"):
            out[attrs["Id"]] = (comp, max(moments))
    return out


def _looks_like_error(line: str) -> bool:
    low = line.lower()
    return any(w in low for w in ("error", "traceback", "fatal", "exception", "critical", "panic"))
