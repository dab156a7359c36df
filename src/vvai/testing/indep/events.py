"""Container engine event objects as `GET /events` returns them, per engine and version.

- Docker 24 (API 1.43) still sends the deprecated top-level `status`, `id`, `from`;
  Docker 25+ (API 1.44) dropped them. Docker >= 23 adds `execDuration` to `die`.
- Docker sends `oom` before `die` (exitCode 137) when the cgroup OOM killer fires.
- Podman's compat API sends no `oom` event; it renames its own `died` to `die` and copies
  `containerExitCode` to `exitCode`; it keeps `podId` and the top-level `status`/`id`/`from`,
  emits `restart` before `die` and `init` before `start`. Health checks come as Action
  `health_status` with the state in a top-level `HealthStatus` field.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from . import timefmt

PROJECT = "vv-video-ai-system"


def cid(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


@dataclass
class Engine:
    name: str        # docker | podman
    version: str
    naming: str      # service | compose-v1 | compose-v2

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def legacy_fields(self) -> bool:
        return self.name == "podman" or self.major < 25

    @property
    def has_oom_event(self) -> bool:
        return self.name == "docker"

    def container_name(self, service: str) -> str:
        if self.naming == "compose-v1":
            return f"{PROJECT}_{service}_1"
        if self.naming == "compose-v2":
            return f"{PROJECT}-{service}-1"
        return service

    def _attrs(self, service: str, image: str, extra: dict) -> dict:
        a = {}
        if self.name == "docker":
            a.update({"com.docker.compose.project": PROJECT, "com.docker.compose.service": service,
                      "com.docker.compose.container-number": "1", "com.docker.compose.oneoff": "False",
                      "com.docker.compose.version": "2.29.1" if self.major >= 26 else "2.21.0"})
        else:
            a.update({"io.podman.compose.project": PROJECT, "com.docker.compose.project": PROJECT,
                      "com.docker.compose.service": service, "podId": ""})
        a["image"] = image
        a["name"] = self.container_name(service)
        a.update(extra)
        return a

    def container(self, dt: datetime, action: str, service: str, image: str, instance: int = 0,
                  exit_code: int | None = None, **extra) -> dict:
        ident = cid(f"{service}/{image}/{instance}")
        attrs = dict(extra)
        if action == "die" and exit_code is not None:
            if self.name == "docker":
                attrs["exitCode"] = str(exit_code)
                if self.major >= 23:
                    attrs["execDuration"] = str(attrs.pop("duration", 600))
            else:
                attrs["containerExitCode"] = str(exit_code)
                attrs["exitCode"] = str(exit_code)
                attrs.pop("duration", None)
        else:
            attrs.pop("duration", None)
        health = None
        if action.startswith("health_status") and self.name == "podman":
            health = action.split(":", 1)[1].strip()
            action = "health_status"
        obj = {}
        if self.legacy_fields:
            obj.update({"status": action, "id": ident, "from": image})
        obj.update({"Type": "container", "Action": action,
                    "Actor": {"ID": ident, "Attributes": self._attrs(service, image, attrs)},
                    "scope": "local", "time": int(dt.timestamp()),
                    "timeNano": int(dt.timestamp()) * 10**9 + dt.microsecond * 1000 + 417})
        if health:
            obj["HealthStatus"] = health
        return obj

    def image(self, dt: datetime, action: str, ref: str) -> dict:
        digest = "sha256:" + cid(ref)
        obj = {}
        if self.legacy_fields:
            obj.update({"status": action, "id": ref if self.name == "docker" else digest})
        obj.update({"Type": "image", "Action": action,
                    "Actor": {"ID": ref if self.name == "docker" else digest,
                              "Attributes": {"name": ref}},
                    "scope": "local", "time": int(dt.timestamp()),
                    "timeNano": int(dt.timestamp()) * 10**9 + dt.microsecond * 1000})
        return obj

    def label(self) -> dict:
        return {"name": self.name, "version": self.version}

    def log_zone(self, site_tz):
        """Docker's log timestamps are UTC; podman's k8s-file log driver writes local time."""
        return site_tz if self.name == "podman" else timefmt.zone("Z")


ENGINES_DEV = [("docker", "24.0.9"), ("docker", "26.1.4"), ("docker", "27.3.1"), ("podman", "4.3.1"),
               ("podman", "4.9.4")]
ENGINES_HELDOUT_ONLY = [("docker", "25.0.5"), ("podman", "5.2.2")]


def die_sequence(engine: Engine, dt, service, image, instance, code, oom=False, restart=True):
    """What the engine reports when a container exits (and is restarted by its policy)."""
    from datetime import timedelta
    out = []
    if oom and engine.has_oom_event:
        out.append(engine.container(dt, "oom", service, image, instance))
    if engine.name == "podman" and restart:
        out.append(engine.container(dt + timedelta(milliseconds=3), "restart", service, image, instance))
    out.append(engine.container(dt + timedelta(milliseconds=9), "die", service, image, instance,
                                exit_code=code, duration=int(300 + instance * 7)))
    if restart:
        if engine.name == "podman":
            out.append(engine.container(dt + timedelta(milliseconds=350), "init", service, image, instance))
        out.append(engine.container(dt + timedelta(milliseconds=520), "start", service, image, instance))
    return out
