"""Remediation against an autoheal-style baseline, live on a private Podman engine (prints figures).

A. Poison input: a scanner-like container (restart: always) crashes at every start on one poison
   video, with good videos waiting behind it. With the vvai monitor + executor (policy
   ``quarantine = "auto"``): time from the SECOND crash to the quarantine, and to healthy again
   (the good videos all scanned, the container running). Targets: <= 5 s and <= 30 s.
   Baseline in the same run: docker-autoheal's approach (restart the container on every failure,
   forever) on the same workload: it never gets healthy; its restarts are counted.
B. A crash loop nothing can fix (a configuration error), for --minutes: the restarts each issues.
   The executor (restart recommended by a site knowledge base, ``restart = "auto"``,
   ``breaker_failures = 3``) against the baseline restarting on every exit. Target: <= breaker_failures.
   Both run at the same time, on two containers of the same engine.

Usage: .venv/bin/python bench/remediation.py [--minutes 10]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from vvai.actions import journal
from vvai.monitor.config import parse_config
from vvai.monitor.diagnose.engine import Diagnoser
from vvai.monitor.diagnose.kb import load_kb
from vvai.runtime import build_service
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine
from vvai.testing.poison import UNFIXABLE_SH, compose_labels, run_poison_scanner, write_inputs

KB = """format: vvai-kb/1
signatures:
  - id: crash-loop
    actions:
      - {type: alert}
      - {type: restart, target: "{component}"}
"""
GOOD = ["cam_0002.mp4", "cam_0003.mp4", "cam_0004.mp4"]


class Autoheal:
    """The baseline: restart the container every time it exits, forever (no cap, no diagnosis)."""

    def __init__(self, client: Any, container: Any):
        self.client, self.ct = client, container
        self.restarts = 0
        self.dies: list[float] = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Autoheal:
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.ct.reload()
            if self.ct.attrs["State"]["Status"] in ("exited", "dead"):
                self.dies.append(time.time())
                try:
                    self.client.api.restart(self.ct.id, timeout=1)
                    self.restarts += 1
                except Exception:  # noqa: BLE001
                    pass
            self._stop.wait(0.1)

    def stop(self) -> None:
        self._stop.set()
        self._t.join(10)


def box(base: Path, name: str) -> Path:
    root = base / name
    for d in ("input", "processed", "corrupted", "logs"):
        (root / d).mkdir(parents=True, exist_ok=True)
    return root


def config(base: Path, engine: PodmanEngine, project: str, root: Path, actions: dict) -> Any:
    return parse_config({
        "monitor": {"host": "bench", "window_s": 900, "interval_s": 1, "min_pass_gap_s": 0.3},
        "pipeline": {"root": str(root)},
        "engine": {"socket": engine.socket_url, "compose_project": project, "stats_interval_s": 5},
        "alerts": {"urls": []}, "store": {"path": str(base / f"{project}.db")}, "metrics": {"enabled": False},
        "actions": actions})


def die_times(client: Any, name: str, since: float) -> list[float]:
    evs = client.api.events(since=int(since) - 1, until=int(time.time()) + 1, decode=True,
                            filters={"type": "container", "container": name})
    return sorted(e["timeNano"] / 1e9 for e in evs
                  if (e.get("Action") or e.get("status")) == "die" and e["timeNano"] / 1e9 >= since)


def daemon(cfg: Any, kb_file: Path | None = None) -> tuple[Any, threading.Thread]:
    kw = {"diagnoser": Diagnoser(kb=load_kb([kb_file]), settings=cfg.detector_settings())} if kb_file else {}
    svc = build_service(cfg, **kw)
    ready = threading.Event()
    t = threading.Thread(target=svc.run, kwargs={"serve_metrics": False, "ready": ready}, daemon=True)
    t.start()
    ready.wait(30)
    return svc, t


def poison_vvai(engine: PodmanEngine, base: Path, startup_s: float) -> dict:
    client = engine.docker_client()
    project = f"benchp{int(startup_s * 10)}"
    root = box(base, project)
    write_inputs(root, "cam_0001.mp4", GOOD)
    cfg = config(base, engine, project, root, {"mode": "suggest", "policy": {"quarantine": "auto"},
                                               "limits": {"settle_s": 3}})
    svc, t = daemon(cfg)
    t0 = time.time()
    ct = run_poison_scanner(client, project, root, startup_s=startup_s)
    q_at = healthy_at = None
    deadline = time.time() + 120
    while time.time() < deadline and healthy_at is None:
        if q_at is None and (root / "corrupted" / "cam_0001.mp4").exists():
            q_at = time.time()
        if q_at is not None and all((root / "processed" / g).exists() for g in GOOD):
            ct.reload()
            if ct.attrs["State"]["Status"] == "running":
                healthy_at = time.time()
        time.sleep(0.02)
    time.sleep(4)
    rows = journal.select(svc.store, type="quarantine")
    svc.stop()
    t.join(30)
    svc.store.close()
    dies = die_times(client, ct.name, t0)
    second = dies[1] if len(dies) > 1 else None
    return {"crashes": len(dies), "second_crash_to_quarantine_s": q_at - second if q_at and second else None,
            "second_crash_to_healthy_s": healthy_at - second if healthy_at and second else None,
            "outcome": rows[0]["status"] if rows else None}


def poison_autoheal(engine: PodmanEngine, base: Path, seconds: float) -> dict:
    client = engine.docker_client()
    root = box(base, "poison-autoheal")
    write_inputs(root, "cam_0001.mp4", GOOD)
    ct = run_poison_scanner(client, "benchpa", root, restart={"Name": "no"})
    heal = Autoheal(client, ct).start()
    time.sleep(seconds)
    heal.stop()
    done = sum((root / "processed" / g).exists() for g in GOOD)
    return {"restarts": heal.restarts, "good_scanned": done, "healthy": done == len(GOOD)}


def unfixable(engine: PodmanEngine, base: Path, minutes: float) -> dict:
    client = engine.docker_client()
    kb = base / "kb.yaml"
    kb.write_text(KB)
    out: dict = {}
    cts = {}
    for who in ("vvai", "autoheal"):
        project = f"benchu{who[:2]}"
        cts[who] = client.containers.run(BUSYBOX_IMAGE, ["sh", "-c", UNFIXABLE_SH], detach=True,
                                         name=f"{project}-scanner", labels=compose_labels(project, "scene_scanner"))
        for _ in range(3):  # the crash loop is there before either starts (someone tried by hand)
            cts[who].wait(timeout=30)
            cts[who].start()
        cts[who].wait(timeout=30)
    cfg = config(base, engine, "benchuvv", box(base, "unfixable"),
                 {"mode": "suggest", "policy": {"restart": "auto"},
                  "limits": {"settle_s": 2, "breaker_failures": 3, "max_per_hour": 60, "restart_timeout_s": 1}})
    svc, t = daemon(cfg, kb)
    heal = Autoheal(client, cts["autoheal"]).start()
    time.sleep(minutes * 60)
    heal.stop()
    ran = [r for r in journal.select(svc.store, type="restart") if r["started"]]
    opened = [r for r in journal.select(svc.store, type="restart", status=("refused",))
              if r["reason"].startswith("breaker open")]
    svc.stop()
    t.join(30)
    svc.store.close()
    out["vvai_restarts"] = len(ran)
    out["vvai_breaker_open_after_s"] = round(opened[0]["created"] - ran[0]["started"], 1) if opened and ran else None
    out["autoheal_restarts"] = heal.restarts
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="duration of the unfixable crash loop (B)")
    ap.add_argument("--baseline-seconds", type=float, default=30.0, help="how long autoheal runs in A")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vvai-bench-rem-") as tmp:
        base = Path(tmp)
        engine = PodmanEngine(base / "podman").start()
        try:
            print("A. poison input (scanner-like container crashing at every start, 3 good videos behind it)")
            for startup in (2.5, 0.0):
                a = poison_vvai(engine, base, startup)
                q, h = a["second_crash_to_quarantine_s"], a["second_crash_to_healthy_s"]
                print(f"   vvai executor, scanner start-up {startup:g} s: quarantine {q:.2f} s after the 2nd crash "
                      f"(target <= 5 s), healthy again {h:.2f} s after it (target <= 30 s); outcome {a['outcome']}; "
                      f"{a['crashes']} crashes in all" if q is not None and h is not None
                      else f"   vvai executor, start-up {startup:g} s: {a}")
            b = poison_autoheal(engine, base, args.baseline_seconds)
            print(f"   autoheal-style baseline ({args.baseline_seconds:g} s): {b['restarts']} restarts, "
                  f"{b['good_scanned']}/{len(GOOD)} good videos scanned, healthy: {b['healthy']} (never, by design)")
            c = unfixable(engine, base, args.minutes)
            print(f"B. unfixable crash loop, {args.minutes:g} min")
            print(f"   vvai executor: {c['vvai_restarts']} restarts (target <= 3 = breaker_failures); breaker open "
                  f"{c['vvai_breaker_open_after_s']} s after its first restart, then alerts only")
            print(f"   autoheal-style baseline: {c['autoheal_restarts']} restarts "
                  f"(ratio {c['autoheal_restarts'] / max(c['vvai_restarts'], 1):.0f}x)")
        finally:
            engine.stop()


if __name__ == "__main__":
    main()
