"""A real edge box for the API tests: a vvai.toml, a SQLite history filled by importing the spec's
recorded bundles (real diagnosis), the real executor's pending and refused actions, a real model
store with two versions, real summaries written by the real summarizer, and the real server
(uvicorn on a free loopback port) reached over HTTP with httpx.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.paths import SHARED
from vvai.monitor.config import load_config

TOKEN = "test-token-" + "k" * 24
EXAMPLES = SHARED / "spec" / "examples"
BUNDLES = ("oom_kill", "export_failure", "orphan_outputs", "healthy")

TOML = """\
# the box's monitor configuration (this comment must survive policy edits)
[monitor]
host = "edge-test"

[pipeline]
root = "{root}"

[engine]
enabled = false    # watched through files only

[store]
path = "{db}"

[metrics]
enabled = false

[alerts]
urls = ["slack://TOKENA/TOKENB/TOKENC", "json://127.0.0.1:9/hook"]

[actions]
mode = "approval"   # operators approve every action
[actions.limits]
settle_s = 0

[api]
port = 0
"""


def _analytic(rng: random.Random, i: int) -> dict:
    scenes, t = [], 0.0
    for k in range(rng.randint(1, 5)):
        d = round(rng.uniform(0.5, 8.0), 2)
        scenes.append({"index": k, "start_s": t, "end_s": t + d, "duration_s": d,
                       "brightness": {"mean": rng.uniform(5, 250)}, "motion": {"mean": rng.uniform(0, 0.12)}})
        t += d
    return {"video": {"file": f"cam{i}.mp4", "width": 1280, "height": 720, "duration_s": t}, "scenes": scenes}


def build_site(dest: Path) -> dict:
    """Everything on disk; returns what the tests need to know (incident ids, action ids...)."""
    from vvai.actions.executor import Executor
    from vvai.api.importer import import_bundle
    from vvai.models.lifecycle import ModelManager
    from vvai.monitor.bundle import load_bundle
    from vvai.monitor.diagnose.engine import Diagnoser
    from vvai.monitor.history import IncidentStore
    from vvai.pipeline.signature import SignatureFile
    from vvai.pipeline.summarizer.sample_model import publish_summarizer_model
    from vvai.pipeline.summarizer.service import Summarizer

    root = dest / "vv"
    for d in ("input", "processed", "corrupted", "logs"):
        (root / d).mkdir(parents=True, exist_ok=True)
    cfg_path = dest / "vvai.toml"
    cfg_path.write_text(TOML.format(root=root, db=dest / "monitor.db"))
    cfg = load_config(cfg_path)
    # models: 1.0.0 then 1.1.0 active (a rollback target exists)
    rel = dest / "releases"
    for v in ("1.0.0", "1.1.0"):
        ModelManager(root / "models").sync(str(publish_summarizer_model(rel, v, style="brief")))
    # summaries written by the real summarizer with the active model
    rng = random.Random(3)
    for i in range(3):
        (root / "processed" / f"cam{i}.analytic.json").write_text(json.dumps(_analytic(rng, i)))
    s = Summarizer(root / "models", app_log=root / "logs" / "app.log")
    s.start(watch=False)
    s.run_once(root / "processed", SignatureFile(root / "vv-signature.json"))
    s.stop()
    # history: the recorded incidents, imported; the executor decides on their actions
    store = IncidentStore(cfg.store.path)
    ex = Executor(cfg, store)
    ids: dict[str, list[int]] = {}
    for name in BUNDLES:
        b = EXAMPLES / f"example-{name}"
        res = import_bundle(cfg, store, b)
        ids[name] = res["incidents"]
        for iid, inc in zip(res["incidents"], Diagnoser(settings=cfg.detector_settings()).diagnose(load_bundle(b)),
                            strict=True):
            if inc.file:
                (root / "input" / inc.file).write_bytes(b"\x00" * 64)
            ex.on_incident(iid, inc, "new", time.time())
    store.close()
    return {"ids": ids}


@pytest.fixture(scope="session")
def site_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    dest = tmp_path_factory.mktemp("site-template")
    return dest, build_site(dest)


@dataclass
class Site:
    dir: Path
    cfg_path: Path
    base: str
    ids: dict
    api: object
    client: httpx.Client
    extra: dict = field(default_factory=dict)

    @property
    def cfg(self):
        return load_config(self.cfg_path)

    def anon(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=10, follow_redirects=False)

    def store(self):
        from vvai.monitor.history import IncidentStore

        return IncidentStore(self.cfg.store.path)


def _copy_site(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest, symlinks=True)
    toml = (dest / "vvai.toml").read_text().replace(str(template), str(dest))
    (dest / "vvai.toml").write_text(toml)
    return dest / "vvai.toml"


@pytest.fixture
def site(site_template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh copy of the box with the real server running on it."""
    from vvai.api.server import ApiThread

    template, info = site_template
    cfg_path = _copy_site(template, tmp_path / "box")
    monkeypatch.setenv("VVAI_API_TOKEN", TOKEN)
    monkeypatch.delenv("VVAI_MODELS_DIR", raising=False)
    api = ApiThread(load_config(cfg_path)).start()
    base = f"http://127.0.0.1:{api.port}"
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10,
                          follow_redirects=False)
    try:
        yield Site(tmp_path / "box", cfg_path, base, info["ids"], api, client)
    finally:
        client.close()
        api.stop()


def vvai_env(site: Site) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VVAI_")}
    env["VVAI_CONFIG"] = str(site.cfg_path)
    return env


def make_incident(category: str, component: str, *, file: str | None = None, text: str = "", severity: str = "error",
                  root_cause: str | None = None):
    from vvai.monitor.incident import Action, Evidence, Incident, Severity

    return Incident(category=category, component=component, file=file, severity=Severity(severity), confidence=0.8,
                    root_cause=root_cause or f"{component} {category.replace('_', ' ')}",
                    evidence=[Evidence(source=f"logs/{component}.log", ts="2026-03-01T12:00:00Z",
                                       text=text or f"{component} failed")],
                    actions=[Action(type="alert")])


def add_incidents(store, specs: list[tuple], t0: float) -> list[int]:
    """Upsert ``(category, component, file, evidence text)`` incidents one second apart from ``t0``."""
    ids = []
    for k, (cat, comp, f, text) in enumerate(specs):
        ids.append(store.upsert(make_incident(cat, comp, file=f, text=text), now=t0 + k).incident_id)
    return ids


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The box is filled from the spec's recorded bundles: without ../shared, skip with the reason."""
    if EXAMPLES.is_dir():
        return
    from tests.paths import _reason

    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.skip(reason=_reason(EXAMPLES)))
