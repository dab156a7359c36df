"""The SQLite history: incidents de-duplicated by key, lifecycle, alerts, feedback, reopen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from vvai.common.errors import VvaiError
from vvai.monitor.history import SCHEMA_VERSION, IncidentStore
from vvai.monitor.incident import Action, Evidence, Incident


def incident(cat: str = "oom_kill", comp: str = "scene_scanner", sev: str = "critical",
             cause: str = "scene_scanner was OOM-killed 1 time(s)", ev: str = "exitCode 137") -> Incident:
    return Incident(category=cat, component=comp, severity=sev, confidence=0.9, root_cause=cause,
                    evidence=[Evidence(source="events.jsonl", ts="2026-11-20T10:00:00Z", text=ev)],
                    actions=[Action(type="alert"), Action(type="suggest_limits", target=comp)])


def test_lifecycle_new_unchanged_changed_escalated_resolved_reopened(tmp_path: Path) -> None:
    s = IncidentStore(tmp_path / "m.db")
    assert s.upsert(incident(sev="error"), now=100).kind == "new"
    assert s.upsert(incident(sev="error"), now=110).kind == "unchanged"
    assert s.upsert(incident(sev="error", cause="OOM-killed 2 times", ev="second kill"), now=120).kind == "changed"
    ch = s.upsert(incident(sev="critical", cause="OOM-killed 2 times"), now=130)
    assert ch.kind == "escalated" and ch.previous and ch.previous["severity"] == "error"
    assert s.resolve_missing({"oom_kill|scene_scanner|"}, now=400) == []  # still present
    assert s.resolve_missing(set(), now=140, after_s=60) == []  # absent, but not for long enough
    resolved = s.resolve_missing(set(), now=200, after_s=60)
    assert [r["key"] for r in resolved] == ["oom_kill|scene_scanner|"]
    assert s.upsert(incident(), now=300).kind == "reopened"
    row = s.incident("oom_kill|scene_scanner|")
    assert row is not None and row["status"] == "open" and row["passes"] == 5
    assert [t["kind"] for t in row["timeline"]] == ["opened", "changed", "escalated", "resolved", "reopened"]
    assert {e["text"] for e in row["evidence"]} == {"exitCode 137", "second kill"}  # de-duplicated
    assert len(s.incidents()) == 1 and s.incidents("resolved") == []
    s.close()


def test_history_survives_reopen(tmp_path: Path) -> None:
    db = tmp_path / "state" / "m.db"
    s = IncidentStore(db)
    iid = s.upsert(incident(), now=100).incident_id
    s.upsert(incident("crash_loop", "scene_summarizer", "error", "exits with ValueError"), now=101)
    s.record_alert(iid, "new", "json://127.0.0.1:1", "sent", title="t", body="b", ts=100)
    s.add_feedback(iid, "correct", "it was the 8K file", "ops")
    s.close()
    s2 = IncidentStore(db)  # e.g. after a daemon restart
    assert s2.schema_version == SCHEMA_VERSION
    assert s2.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {r["category"] for r in s2.incidents("open")} == {"oom_kill", "crash_loop"}
    assert s2.upsert(incident(), now=200).kind == "unchanged"  # same incident, not a new one
    row = s2.incident(iid)
    assert row is not None and row["feedback"][0]["verdict"] == "correct"
    assert row["alerts"][0]["status"] == "sent" and s2.last_alert(iid)["title"] == "t"
    s2.close()


def test_feedback_for_unknown_incident_is_a_clear_error(tmp_path: Path) -> None:
    s = IncidentStore(tmp_path / "m.db")
    with pytest.raises(VvaiError, match="no incident #42"):
        s.add_feedback(42, "wrong")
    s.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    IncidentStore(db).close()
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(VvaiError, match="newer than this vvai"):
        IncidentStore(db)


def test_garbage_file_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    db.write_bytes(b"this is not a database" * 100)
    with pytest.raises(VvaiError, match="is unusable"):
        IncidentStore(db)
