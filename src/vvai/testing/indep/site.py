"""One edge box: its compose services, engine, time zone, log dialects and naming scheme."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from . import timefmt
from .bundle import Bundle
from .events import Engine
from .logfmt import GO_DIALECTS, HELDOUT_ONLY, PY_DIALECTS, Logger

HOSTS = ["edge-sp-04", "kiosk-rio-11", "edge-blr-02", "depot-07", "store-1432", "cam-hub-19", "edge-tok-3",
         "factory-line-b", "pilot-lisboa", "wh-campinas-2"]
LOGGERS = {"scene_scanner": "vv.scanner", "scene_summarizer": "vv.summarizer", "log_exporter": "exporter"}
EXTRAS = {
    "redis": {"image": "redis:7.2.5-alpine", "mem_limit": "512m", "cpus": 0.5, "restart": "unless-stopped",
              "depends_on": []},
    "llm": {"image": "ghcr.io/ggerganov/llama.cpp:server-b3600", "mem_limit": "6g", "cpus": 2.0,
            "restart": "on-failure", "depends_on": []},
    "mosquitto": {"image": "eclipse-mosquitto:2.0.18", "mem_limit": "128m", "cpus": 0.25,
                  "restart": "unless-stopped", "depends_on": []},
}


@dataclass
class Site:
    rng: random.Random
    split: str
    b: Bundle
    engine: Engine
    tz: timezone
    naming: str
    dialects: dict
    prev_images: dict = field(default_factory=dict)
    loggers: dict = field(default_factory=dict)

    def lg(self, service: str) -> Logger:
        if service not in self.loggers:
            self.loggers[service] = Logger(self.b, service, self.dialects.get(service, "pylog-colon"),
                                           LOGGERS.get(service, service), self.tz)
        return self.loggers[service]

    def image(self, service: str) -> str:
        return self.b.components[service]["image"]

    def limit_bytes(self, service: str) -> int:
        return parse_mem(self.b.components[service]["mem_limit"])


def parse_mem(text: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    t = text.lower().rstrip("b")
    return int(float(t[:-1]) * units[t[-1]]) if t[-1] in units else int(t)


def pick_dialects(rng: random.Random, split: str) -> dict:
    py = [d for d in PY_DIALECTS if split == "heldout" or d not in HELDOUT_ONLY]
    go = [d for d in GO_DIALECTS if split == "heldout" or d not in HELDOUT_ONLY]
    return {"scene_scanner": rng.choice(py), "scene_summarizer": rng.choice(py),
            "log_exporter": rng.choice(go + py[:2])}


def make_site(rng: random.Random, split: str, name: str, *, extras: tuple = (), hours: float = 1.0,
              end: datetime | None = None, engine: tuple | None = None, zone: str | None = None,
              benchmarks: dict | None = None, model: bool = True) -> Site:
    from .events import ENGINES_DEV, ENGINES_HELDOUT_ONLY
    engines = ENGINES_DEV + (ENGINES_HELDOUT_ONLY if split == "heldout" else [])
    ename, ever = engine or rng.choice(engines)
    naming = rng.choice(["service", "compose-v1", "compose-v2"]) if ename == "docker" else \
        rng.choice(["service", "compose-v1"])
    eng = Engine(ename, ever, naming)
    zones = ["Z", "+05:30", "-03:00", "+01:00"] + (["+09:00"] if split == "heldout" else [])
    tz = timefmt.zone(zone or rng.choice(zones))
    if end is None:
        base = datetime(2026, 9 + rng.randrange(3), 1 + rng.randrange(27), tzinfo=UTC)
        end = base + timedelta(hours=rng.randrange(24), minutes=rng.randrange(60), seconds=rng.randrange(60))
    start = end - timedelta(hours=hours)
    scan_v = f"2.{rng.randrange(2, 5)}.{rng.randrange(0, 9)}"
    summ_v = f"2.{rng.randrange(0, 3)}.{rng.randrange(0, 9)}"
    exp_v = f"1.{rng.randrange(3, 6)}.{rng.randrange(0, 9)}"
    comps = {
        "scene_scanner": {"image": f"vv/scene-scanner:{scan_v}", "mem_limit": rng.choice(["2g", "3g", "2048m"]),
                          "cpus": rng.choice([1.0, 1.5, 2.0]), "restart": "on-failure", "depends_on": []},
        "scene_summarizer": {"image": f"vv/scene-summarizer:{summ_v}", "mem_limit": rng.choice(["3g", "4g", "4096m"]),
                             "cpus": rng.choice([1.5, 2.0]), "restart": "on-failure",
                             "depends_on": ["scene_scanner"]},
        "log_exporter": {"image": f"vv/log-exporter:{exp_v}", "mem_limit": rng.choice(["256m", "384m"]),
                         "cpus": rng.choice([0.25, 0.5]), "restart": "always", "depends_on": []},
    }
    for x in extras:
        comps[x] = dict(EXTRAS[x])
        if x in ("redis", "mosquitto"):
            comps["scene_summarizer"]["depends_on"].append(x)
            comps["log_exporter"]["depends_on"].append(x)
        if x == "llm":
            comps["scene_summarizer"]["depends_on"].append(x)
    keys = list(comps)
    if rng.random() < 0.3:        # compose files are not always in pipeline order
        rng.shuffle(keys)
    meta = {"host": rng.choice(HOSTS), "pipeline_root": rng.choice(
        ["/opt/vv-video-ai-system", "/srv/vv", "/data/vv-video-ai-system"]),
        "components": {k: comps[k] for k in keys}}
    if benchmarks is None:
        benchmarks = {"scene_summarizer": {"p50_processing_s": rng.choice([3.5, 4.0, 4.5])}}
    if benchmarks:
        meta["benchmarks"] = benchmarks
    if model:
        minor = rng.randrange(0, 4)
        meta["model"] = {"name": "BitNet-4bit-Summarizer", "version": f"1.{minor + 1}.0",
                         "previous_version": f"1.{minor}.{rng.randrange(0, 3)}"}
    meta["engine"] = eng.label()
    b = Bundle(name=name, start=start, end=end, meta=meta, log_tz=eng.log_zone(tz),
               data_tz=tz if rng.random() < 0.6 else timefmt.zone("Z"), compact_json=rng.random() < 0.5)
    return Site(rng=rng, split=split, b=b, engine=eng, tz=tz, naming=_naming(rng, split),
                dialects=pick_dialects(rng, split))


def _naming(rng: random.Random, split: str) -> str:
    schemes = ["cam-date", "cam-iso", "spaces", "seq", "legacy"] + (["uuid"] if split == "heldout" else [])
    return rng.choice(schemes)
