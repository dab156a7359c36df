"""Shared pieces for containers that keep exiting: restart back-off, die events, startup banners."""
from __future__ import annotations

from datetime import timedelta

from ..events import die_sequence


def crash_times(site, t0, runtime=(1.5, 6.0)):
    """Exit times with the engines' doubling restart delay (capped at one minute)."""
    out, t, delay = [], t0, 0.5
    while t < site.b.end:
        out.append(t)
        delay = min(60.0, delay * 2)
        t = t + timedelta(seconds=delay + site.rng.uniform(*runtime))
    return out


def crash_events(site, service, times, code, instance=0):
    for t in times:
        for ev in die_sequence(site.engine, t, service, site.image(service), instance, code):
            site.b.event(t, ev)


def restarts_fn(times):
    return lambda t: sum(1 for x in times if x <= t)


def banner(site, service, t, version=None):
    img = site.image(service)
    site.lg(service)(t, "info", f"{service} {version or img.rsplit(':', 1)[1]} starting")
