"""LIVE on Podman: the monitor (``vvai monitor run``, a real process) is SIGKILLed in the middle of
a restart it started (the engine is still waiting for the container to stop). The monitor started
again finishes or marks that action from its journal and never runs it a second time."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.actions.live import labels, pipeline_root, wait
from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine

pytestmark = [pytest.mark.podman, pytest.mark.slow]

# an exporter that cannot reach its storage, and that ignores SIGTERM: a restart takes the full stop timeout
EXPORTER = ("trap '' TERM; i=0; while :; do i=$((i+1)); "
            "echo \"ERROR upload of cam$i.analytic.json to s3://vv-archive/edge failed: Connection refused\"; "
            "sleep 0.4; done")


def _rows(db: Path) -> list[dict]:
    try:
        con = sqlite3.connect(db, timeout=5)
        con.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in con.execute("SELECT * FROM actions WHERE type='restart' ORDER BY id")]
        finally:
            con.close()
    except sqlite3.Error:
        return []


def _monitor(toml: Path, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VVAI_")}
    return subprocess.Popen([sys.executable, "-m", "vvai", "monitor", "run", "--config", str(toml)],
                            stdout=log.open("ab"), stderr=subprocess.STDOUT, env=env)


def test_sigkill_mid_restart_never_runs_it_twice(tmp_path: Path, podman_engine: PodmanEngine,
                                                  compose_project: str) -> None:
    root = pipeline_root(tmp_path)
    db = tmp_path / "monitor.db"
    toml = tmp_path / "vvai.toml"
    toml.write_text(f"""
[monitor]
window_s = 600
interval_s = 1
min_pass_gap_s = 0.3
[pipeline]
root = "{root}"
[engine]
socket = "{podman_engine.socket_url}"
compose_project = "{compose_project}"
[thresholds]
export_min_failures = 3
export_min_minutes = 0.02
[store]
path = "{db}"
[metrics]
enabled = false
[actions]
mode = "suggest"
[actions.policy]
restart = "auto"
[actions.limits]
settle_s = 2
restart_timeout_s = 8
""")
    c = podman_engine.docker_client()
    name = f"{compose_project}-exporter"
    ct = c.containers.run(BUSYBOX_IMAGE, ["sh", "-c", EXPORTER], detach=True, name=name,
                          labels=labels(compose_project, "log_exporter"))
    time.sleep(3)
    ct.reload()
    first_start = ct.attrs["State"]["StartedAt"]
    t0 = time.time()
    log = tmp_path / "monitor.log"
    mon = _monitor(toml, log)
    try:
        running = wait(lambda: [r for r in _rows(db) if r["status"] == "running"], 90)
        assert running, (_rows(db), log.read_text()[-3000:])
        time.sleep(1.5)  # the engine is now waiting for the SIGTERM-deaf container to stop
        mon.send_signal(signal.SIGKILL)
        mon.wait(10)
        assert [r["status"] for r in _rows(db)] == ["running"]  # killed mid-action: the intent is all there is
    finally:
        if mon.poll() is None:
            mon.kill()
    mon2 = _monitor(toml, log)
    try:
        final = wait(lambda: (lambda rows: rows if rows and rows[0]["status"] in (
            "effective", "ineffective", "failed") else None)(_rows(db)), 60)
        assert final, (_rows(db), log.read_text()[-3000:])
        time.sleep(6)  # more passes over the same, still present incident
        rows = _rows(db)
    finally:
        mon2.send_signal(signal.SIGTERM)
        mon2.wait(30)
    # the interrupted action (row 1) is never started again: one 'running' in its audit trail
    con = sqlite3.connect(db)
    trail = [r[0] for r in con.execute("SELECT status FROM action_events WHERE action_id=? ORDER BY id",
                                       (rows[0]["id"],))]
    con.close()
    assert trail.count("running") == 1, trail
    assert rows[0]["status"] in ("effective", "ineffective", "failed"), rows
    if rows[0]["status"] == "failed":
        assert "interrupted by a monitor restart" in rows[0]["reason"]
    # a later row is only ever a new decision after row 1 was measured ineffective (the breaker counts
    # it), never a re-run of the interrupted one
    assert len(rows) == 1 or rows[0]["status"] == "ineffective", [(r["status"], r["reason"]) for r in rows]
    evs = c.api.events(since=int(t0), until=int(time.time()) + 1, decode=True,
                       filters={"type": "container", "event": "restart", "container": name})
    assert sum(1 for _ in evs) <= sum(1 for r in rows if r["started"])  # no restart beyond the journal's
    ct.reload()
    assert ct.attrs["State"]["Status"] == "running" and (rows[0]["status"] == "failed"
                                                          or ct.attrs["State"]["StartedAt"] != first_start)
    con = sqlite3.connect(db)
    details = " | ".join(r[0] for r in con.execute("SELECT detail FROM action_events WHERE action_id=?",
                                                   (rows[0]["id"],)))
    con.close()
    assert "interrupted by a monitor restart" in details  # the restarted monitor finished or marked it
