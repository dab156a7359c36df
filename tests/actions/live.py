"""Shared pieces of the live remediation tests: a scanner-like busybox container over a bind-mounted
pipeline root, a config, a monitor daemon in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.monitor.test_live_podman import _wait
from vvai.monitor.config import Config, parse_config
from vvai.monitor.diagnose.engine import Diagnoser
from vvai.monitor.diagnose.kb import load_kb
from vvai.runtime import build_service
from vvai.testing.podman import PodmanEngine
from vvai.testing.poison import compose_labels, run_poison_scanner

# a site knowledge base that recommends restarting a crash-looping component (the built-in one only alerts)
RESTART_CRASH_LOOP_KB = """format: vvai-kb/1
signatures:
  - id: crash-loop
    actions:
      - {type: alert}
      - {type: restart, target: "{component}"}
"""


labels = compose_labels


def pipeline_root(tmp_path: Path) -> Path:
    root = tmp_path / "vv"
    for d in ("input", "processed", "corrupted", "logs"):
        (root / d).mkdir(parents=True, exist_ok=True)
    return root


def make_config(tmp_path: Path, engine: PodmanEngine, project: str, *, actions: dict, hook: Any = None,
                thresholds: dict | None = None, write_toml: bool = False) -> Config:
    root = pipeline_root(tmp_path)
    data = {"monitor": {"host": "edge-live", "window_s": 600, "interval_s": 1, "min_pass_gap_s": 0.3},
            "pipeline": {"root": str(root)},
            "engine": {"socket": engine.socket_url, "compose_project": project, "stats_interval_s": 5},
            "alerts": {"urls": [hook.apprise_url("live")] if hook else [], "resolve_after_s": 3600, "cooldown_s": 900},
            "store": {"path": str(tmp_path / "monitor.db")}, "metrics": {"enabled": False},
            "thresholds": thresholds or {}, "actions": actions}
    return parse_config(data)


wait = _wait  # one polling helper for the live tests


@contextmanager
def daemon(cfg: Config, kb_text: str | None = None, tmp_path: Path | None = None) -> Iterator[Any]:
    diagnoser = None
    if kb_text:
        assert tmp_path is not None
        kb = tmp_path / "site-kb.yaml"
        kb.write_text(kb_text)
        diagnoser = Diagnoser(kb=load_kb([kb]), settings=cfg.detector_settings())
    svc = build_service(cfg, diagnoser=diagnoser) if diagnoser else build_service(cfg)
    ready = threading.Event()
    t = threading.Thread(target=svc.run, kwargs={"serve_metrics": False, "ready": ready}, daemon=True)
    t.start()
    assert ready.wait(30)
    try:
        yield svc
    finally:
        svc.stop()
        t.join(30)
        svc.store.close()


def run_scanner(client: Any, project: str, root: Path, *, restart: dict | None = None, name: str = "scanner") -> Any:
    return run_poison_scanner(client, project, root, restart=restart, name=name)


def window_summary(svc: Any) -> dict[str, int]:
    """What the daemon saw, for a failure message: records per kind and name."""
    seen: dict[str, int] = {}
    for r in svc.window.snapshot():
        action = r.data.get("Action", "") if isinstance(r.data, dict) else ""
        key = f"{r.kind}:{r.name}:{action}"
        seen[key] = seen.get(key, 0) + 1
    return seen
