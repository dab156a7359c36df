"""Shared pieces of the synthetic scenarios: ground-truth records, error printing as real programs
do it (headline, traceback), background noise and the standard three-service pipeline."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from vvai.testing.synth.sim import GB, Comp, Sim
from vvai.testing.synth.wording import CRASH_ERRORS, NOISE_WARN, app_frames, traceback

Expected = dict[str, Any]


def make_expected(
    category: str, component: str, acceptable: list[str], forbidden: list[str], file: str | None = None
) -> Expected:
    inc: dict[str, Any] = {"category": category, "component": component}
    if file:
        inc["file"] = file
    inc["acceptable_actions"] = acceptable
    inc["forbidden_actions"] = forbidden
    return {"incidents": [inc]}


def others_restart(sim: Sim, *names: str) -> list[str]:
    return [f"restart:{c}" for c in sim.comps if c not in names]


def at_frac(sim: Sim, lo: float, hi: float) -> datetime:
    span = sim.t1 - sim.t0
    return sim.t0 + span * sim.rng.uniform(lo, hi)


def emit_error(
    sim: Sim,
    comp: Comp,
    t: datetime,
    exc_type: str,
    msg: str,
    *,
    headline: str | None = None,
    file: str | None = None,
    tb: bool = True,
) -> None:
    """An error as programs print it: maybe a level-marked headline, maybe a traceback."""
    rng = sim.rng
    extra = {"file": file} if file else {}
    head = headline or rng.choice(
        ["unhandled error in worker", "fatal error, exiting", f"{exc_type.rsplit('.', 1)[-1]}: {msg}"]
    )
    if not tb or rng.random() < 0.7:
        sim.log(
            comp,
            t,
            "ERROR",
            head if tb else f"{head}: {msg}",
            error=exc_type.rsplit(".", 1)[-1],
            exc_type=exc_type,
            **extra,
        )
    else:
        sim.app.append(
            {
                "ts": t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z",
                "level": "ERROR" if sim.app_level_upper else "error",
                "component": comp.name,
                "msg": head,
                "exc_type": exc_type,
                **extra,
            }
        )
    if tb:
        for k, line in enumerate(
            traceback(
                rng,
                app_frames(rng, comp.role if comp.role in ("scanner", "summarizer", "exporter") else "scanner"),
                f"{exc_type}: {msg}",
            )
        ):
            sim.raw(comp, t + timedelta(microseconds=50 + k * 20), line)


def noise(
    sim: Sim, *, restart_ok: bool = True, transient: bool = True, big_decoy: bool = True, avoid: tuple[str, ...] = ()
) -> None:
    rng = sim.rng
    early = [v for v in sim.vfiles if sim.t0 < v.arrive < at_frac(sim, 0.2, 0.5)]
    if transient and early and rng.random() < 0.6:
        rng.choice(early).transient_bad = True
    if big_decoy and rng.random() < 0.6:
        at = at_frac(sim, 0.05, 0.3)
        sim.add_file(
            f"{rng.choice(['archive', 'export', 'panorama'])}-{rng.randint(1, 9)}_{at.strftime('%Y-%m-%d')}_2h.mkv",
            at,
            int(rng.uniform(2.5, 6.5) * GB),
            rng.uniform(60, 120),
        )
    s = next((c for c in sim.comps.values() if c.role == "scanner"), None)
    if s:
        for _ in range(rng.randint(0, 3)):
            v = rng.choice(sim.vfiles)
            sim.log(
                s,
                v.arrive + timedelta(seconds=rng.uniform(20, 40)),
                "WARNING",
                rng.choice(NOISE_WARN["scanner"]).format(name=v.name),
                file=v.name,
            )
    if restart_ok and rng.random() < 0.3:  # one unplanned crash that does not repeat
        roles = ("scanner", "summarizer", "exporter")
        cands = [c for c in sim.comps.values() if c.name not in avoid and c.role in roles]
        if cands:
            c = rng.choice(cands)
            t = at_frac(sim, 0.3, 0.6)
            exc, msg = rng.choice(CRASH_ERRORS)
            emit_error(sim, c, t - timedelta(seconds=0.3), exc, msg.format(short=c.short))
            sim.restart(c, t, 1, backoff=rng.uniform(1, 5))
    if restart_ok and rng.random() < 0.45:
        cands = [c for c in sim.comps.values() if c.name not in avoid]
        if cands:
            c = rng.choice(cands)
            t = at_frac(sim, 0.05, 0.25)
            sim.log(
                c,
                t - timedelta(seconds=1),
                "INFO",
                rng.choice(["received SIGTERM, shutting down", "stopping on request"]),
            )
            sim.restart(c, t, rng.choice([0, 143]), planned=True, backoff=rng.uniform(2, 6))


def base(rng: random.Random, minutes: float | None = None) -> tuple[Sim, Comp, Comp, Comp]:
    sim = Sim(rng, minutes=minutes or rng.uniform(35, 55))
    s, m, e = sim.standard()
    sim.sum_base = rng.uniform(3.2, 5.0)
    sim.bench = sim.sum_base * rng.uniform(0.92, 1.05)
    sim.arrivals()
    return sim, s, m, e


# ---------------------------------------------------------------------- categories
