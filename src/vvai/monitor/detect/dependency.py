"""Dependency failures: a component fails because something it depends on is down — a service in
its ``depends_on`` that stopped, or a service its errors name (redis, postgres, ...) refusing
connections. The finding is filed under the dependency, the real culprit."""

from __future__ import annotations

import re

from vvai.monitor.detect.context import Context
from vvai.monitor.detect.errorlines import NETWORK_RE
from vvai.monitor.detect.evidence import ev_event
from vvai.monitor.incident import Evidence, Finding, Severity

KNOWN_SERVICES = (
    "redis",
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "mongodb",
    "mongo",
    "rabbitmq",
    "mosquitto",
    "mqtt",
    "kafka",
    "nats",
    "memcached",
    "elasticsearch",
    "minio",
    "etcd",
    "zookeeper",
)


def detect(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    comps = ctx.bundle.all_components()
    down_since = {}
    for comp in comps:
        stats = ctx.stats_of(comp)
        last_die = None
        for e in ctx.bundle.events:
            if e.name == comp and e.type == "container":
                if e.action == "die":
                    last_die = last_die or e
                elif e.action in ("start", "restart"):
                    last_die = None
        stays_down = ctx.end is None or last_die is None or (ctx.end - last_die.ts).total_seconds() >= 180
        if last_die is not None and stays_down:  # a crash-loop's last exit before the window end is not "down"
            down_since[comp] = (last_die.ts, last_die)
        elif stats and stats[-1].data.get("status") in ("exited", "dead", "stopped"):
            first = next((r for r in stats if r.data.get("status") in ("exited", "dead", "stopped")), stats[-1])
            down_since[comp] = (first.ts, None)
    known = [k for k in KNOWN_SERVICES if not any(k in c.lower() for c in comps)]
    known += _hosts_named(ctx, comps)
    found: list[Finding] = []
    for dep_name in sorted(set(comps) | set(known)):
        dependents = []
        ev: list[Evidence] = []
        first_ts = None
        for comp in comps:
            if comp == dep_name or ctx.roles.get(comp) == "exporter" and dep_name not in comps:
                continue
            spec = ctx.bundle.components.get(comp)
            declared = bool(spec and dep_name in spec.depends_on)
            pat = re.compile(rf"(?<![\w-]){re.escape(dep_name)}(?![\w-])", re.IGNORECASE)
            low = dep_name.lower()
            errs = [
                e
                for e in ctx.all_error_text(comp)
                if e.ts
                and low in e.text.lower()
                and pat.search(e.text)
                and (
                    NETWORK_RE.search(e.text)
                    or re.search(
                        r"down|unavailable|refused|lost|cannot|could not|"
                        r"failed to connect",
                        e.text,
                        re.IGNORECASE,
                    )
                )
            ]
            if len(errs) >= 2:
                dependents.append(comp)
                ev += [e.evidence for e in errs[:2]]
                first_ts = min(first_ts or errs[0].ts, errs[0].ts)
            elif declared and dep_name in down_since:
                # a declared dependency went down and the dependent keeps failing from then on
                after = [e for e in ctx.errors(comp) if e.ts and e.ts >= down_since[dep_name][0]]
                if len(after) >= 2:
                    dependents.append(comp)
                    ev += [e.evidence for e in after[:2]]
                    first_ts = min(first_ts or after[0].ts, after[0].ts)
        if not dependents:
            continue
        if dep_name in down_since and down_since[dep_name][1] is not None:
            ev.insert(0, ev_event(down_since[dep_name][1]))
        found.append(
            Finding(
                kind="dependency_down",
                component=dep_name,
                ts=down_since.get(dep_name, (first_ts,))[0] or first_ts,
                last_ts=ctx.end,
                severity=Severity.critical,
                evidence=ev[:4],
                summary=f"{dep_name} is down/unreachable; {', '.join(dependents)} fail because of it",
                attrs={
                    "dependents": dependents,
                    "in_bundle": dep_name in comps,
                    "seen_down": dep_name in down_since,
                    "host_named": any(re.search(rf"(?<![\w-]){re.escape(dep_name)}:\d+", e.text) for e in ev),
                },
            )
        )
    return out + _best(found)


_HOST_RES = (
    re.compile(r"(?<![\w./-])([A-Za-z][\w.-]*[A-Za-z0-9]):(\d{2,5})\b"),
    re.compile(r"(?:server at|host=|connecting to|connect to)\s*[\"']?([A-Za-z][\w.-]*[A-Za-z0-9])"),
)


def _hosts_named(ctx: Context, comps: list[str]) -> list[str]:
    """Service hosts named in network errors (``db-postgres:5432``, ``server at "cache"``) that look like
    a known kind of service: candidates for a dependency that is not in the bundle."""
    out: set[str] = set()
    for comp in comps:
        if ctx.roles.get(comp) == "exporter":
            continue
        for e in ctx.all_error_text(comp):
            if not NETWORK_RE.search(e.text):
                continue
            for rx in _HOST_RES:
                for m in rx.finditer(e.text):
                    host = m.group(1)
                    if (
                        host not in comps
                        and any(k in host.lower() for k in KNOWN_SERVICES)
                        and not host.lower().startswith(("http", "www"))
                    ):
                        out.add(host)
    return sorted(out)


def _best(found: list[Finding]) -> list[Finding]:
    """One finding per set of failing dependents: a compose service beats a name merely mentioned,
    a name used as host:port beats a library name (``paho.mqtt``)."""
    found.sort(
        key=lambda f: (not f.attrs["in_bundle"], not f.attrs["seen_down"], not f.attrs["host_named"], f.component)
    )
    kept: list[Finding] = []
    for f in found:
        if any(set(f.attrs["dependents"]) & set(k.attrs["dependents"]) for k in kept):
            continue
        kept.append(f)
    return kept
