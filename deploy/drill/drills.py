"""The five drills. Each injects a real fault, then measures from the moment of injection."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploy.drill.observe import Api, Files, wait
from deploy.drill.stack import LONG_RUNNING, Stack


@dataclass
class Result:
    name: str
    expect: tuple[str, ...]  # categories that count as detection; () = nothing may fire
    mttd: float | None = None
    alert: float | None = None
    action: str = "-"
    mttr: float | None = None
    lost: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems and not self.lost

    def row(self) -> str:
        def f(v: float | None) -> str:
            return "-" if v is None else f"{v:.1f}"
        return (f"{self.name:<16} {'PASS' if self.passed else 'FAIL':<5} mttd={f(self.mttd):>6}s "
                f"alert={f(self.alert):>6}s mttr={f(self.mttr):>6}s lost={len(self.lost)} action={self.action}"
                + (f"  [{'; '.join(self.problems + [f'lost {x}' for x in self.lost])}]" if not self.passed else ""))


def _after(ts: Any, t0: float) -> bool:
    from datetime import datetime

    try:
        v = float(ts)
    except (TypeError, ValueError):
        try:
            v = datetime.fromisoformat(str(ts).replace("Z", "+00:00")).timestamp()
        except ValueError:
            return False
    return v >= t0 - 1


class Drills:
    def __init__(self, stack: Stack, api: Api, hook: Any, files: Files, media: dict[str, Path], s3: Any):
        self.stack, self.api, self.hook, self.files, self.media, self.s3 = stack, api, hook, files, media, s3
        self.root = stack.root

    # -- measuring -------------------------------------------------------------------------
    def _healthy_now(self) -> bool:
        if self.api.incidents("open"):
            return False
        return all(self.stack.healthy(s) for s in LONG_RUNNING)

    def _measure(self, r: Result, t0: float, after_detect=None, detect_s: float = 90, repair_s: float = 180) -> None:
        seen_before = {i["id"] for i in self.api.incidents()}
        n_hook = len(self.hook.received)

        def detected():
            self.files.note_shipped(self.s3)
            return [i for i in self.api.incidents("open") if i["category"] in r.expect]

        got = wait(detected, detect_s, every=0.5)
        if not got:
            r.problems.append(f"no {'/'.join(r.expect)} incident within {detect_s:.0f} s")
        else:
            r.mttd = time.time() - t0
            ids = {i["id"] for i in got}
            # a repeat of an earlier drill's fault (same category and component) reopens that incident:
            # it counts when it was recorded again after the injection
            if not ids - seen_before and not any(_after(i.get("last_seen"), t0) for i in got):
                r.problems.append("detected only as an incident that was already recorded")
            if wait(lambda: len(self.hook.received) > n_hook, 30, every=0.2):
                r.alert = self.hook.received[n_hook].at - t0
            else:
                r.problems.append("no alert reached the webhook within 30 s")
            if after_detect is not None:
                after_detect(ids)
        if wait(self._healthy_now, repair_s, every=1.0):
            r.mttr = time.time() - t0
        else:
            opened = [f"#{i['id']} {i['category']}/{i['component']}" for i in self.api.incidents("open")]
            sick = [s for s in LONG_RUNNING if not self.stack.healthy(s)]
            r.problems.append(f"not healthy within {repair_s:.0f} s (open: {opened or 'none'}; unhealthy: {sick})")
        if got:
            # every incident of this drill (a poison OOM is recorded as oom_kill and poison_input)
            mine = {i["id"] for i in self.api.incidents() if i["id"] not in seen_before} | {i["id"] for i in got}
            acts = [a for a in self.api.actions() if a.get("incident_id") in mine]
            r.action = ",".join(f"{a.get('type')}:{a.get('decision')}->{a.get('status')}" for a in acts) or "alert only"
        self.files.note_shipped(self.s3)
        r.lost = self.files.lost()

    # -- the drills ------------------------------------------------------------------------
    def healthy_stretch(self, seconds: float = 40) -> Result:
        r = Result("healthy+noise", ())
        before = {i["id"] for i in self.api.incidents()}
        n_hook = len(self.hook.received)
        t0 = time.time()
        self.files.put(self.media["corrupt"], "noise_corrupt.mp4")  # handled: corrupted/ with a reason
        self.files.put(self.media["good"], "noise_good.mp4")
        time.sleep(5)
        self.stack.client.api.restart(self.stack.name("scene_summarizer"), timeout=5)  # an operator restart
        time.sleep(seconds)
        new = [i for i in self.api.incidents() if i["id"] not in before]
        if new:
            r.problems.append("fired: " + ", ".join(f"{i['category']}/{i['component']}" for i in new))
        if len(self.hook.received) > n_hook:
            r.problems.append(f"{len(self.hook.received) - n_hook} alert(s) sent")
        if self.files.where("noise_corrupt.mp4") != "corrupted":
            r.problems.append(f"handled corrupt file is in {self.files.where('noise_corrupt.mp4')}")
        r.mttr = 0.0 if wait(self._healthy_now, 60) else None
        self.files.note_shipped(self.s3)
        r.lost = self.files.lost()
        r.action = "none (expected none)" if not new else "?"
        _ = t0
        return r

    def poison_video(self) -> Result:
        r = Result("poison-video", ("poison_input", "oom_kill", "crash_loop"))
        self.files.put(self.media["good"], "cam1_before.mp4")
        time.sleep(3)
        t0 = time.time()
        self.files.put(self.media["bomb"], "cam1_poison.mp4")
        self.files.put(self.media["good"], "cam1_after.mp4")
        self._measure(r, t0)
        if self.files.where("cam1_poison.mp4") != "corrupted":
            r.problems.append(f"poison file is in {self.files.where('cam1_poison.mp4')}, not corrupted/")
        return r

    def storage_down(self, down_s: float = 25) -> Result:
        r = Result("s3-down", ("export_failure", "dependency_failure"))
        self.files.note_shipped(self.s3)
        t0 = time.time()
        self.stack.client.api.stop(self.stack.name("s3_store"), timeout=3)
        self.files.put(self.media["good"], "cam2_during_outage.mp4")

        def restart_storage(_ids):
            left = down_s - (time.time() - t0)
            if left > 0:
                time.sleep(left)
            self.stack.client.api.start(self.stack.name("s3_store"))
        self._measure(r, t0, after_detect=restart_storage)
        if self.stack.inspect("s3_store")["State"]["Status"] != "running":
            self.stack.client.api.start(self.stack.name("s3_store"))
        return r

    def broken_model(self) -> Result:
        r = Result("broken-model", ("model_failure", "deployment_regression"))
        rel = self.root / "releases"
        t0 = time.time()
        shutil.copyfile(rel / "broken.json", rel / "model_manifest.json")
        os.chown(rel / "model_manifest.json", 1000, 1000)
        self.stack.client.api.start(self.stack.name("model_sync"))  # the design's sync step, rerun

        def approve(ids):
            pend = wait(lambda: [a for a in self.api.actions()
                                 if a.get("incident_id") in ids and a.get("status") == "pending"], 30)
            for a in pend or []:
                self.api.approve(a.get("id") or a.get("action_id"))
            if not pend:
                r.problems.append("no action waited for approval")
        self._measure(r, t0, after_detect=approve)
        self.files.put(self.media["good"], "cam3_after_model.mp4")
        return r

    def oom_oversized(self) -> Result:
        r = Result("scanner-oom", ("oom_kill", "poison_input"))
        t0 = time.time()
        self.files.put(self.media["oversized"], "cam4_8k.mp4")
        self._measure(r, t0)
        if self.files.where("cam4_8k.mp4") not in ("corrupted", "input"):
            r.problems.append(f"oversized file is in {self.files.where('cam4_8k.mp4')}")
        return r


def summary(results: list[Result]) -> list[str]:
    lines = [r.row() for r in results]
    ok = sum(r.passed for r in results)
    mttd = [r.mttd for r in results if r.mttd is not None]
    mttr = [r.mttr for r in results if r.mttr is not None and r.expect]
    def med(xs: list[float]) -> str:
        return f"{statistics.median(xs):.1f} s" if xs else "-"
    lines.append(f"drills: {ok} passed, {len(results) - ok} failed; median MTTD {med(mttd)}, median MTTR {med(mttr)}")
    return lines


def to_json(results: list[Result]) -> str:
    return json.dumps([{**r.__dict__, "passed": r.passed} for r in results], indent=1)
