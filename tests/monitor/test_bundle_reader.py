"""The bundle reader: spec examples, hand-built records, and every kind of damage reported, never raised."""

from __future__ import annotations

import io
import json
import pathlib
import shutil
import tarfile
from pathlib import Path

import pytest

from tests.monitor.test_bundle_builders import build, dts, event, meta, stat
from tests.paths import EXAMPLES, needs_shared
from vvai.common.errors import ConfigError
from vvai.monitor.bundle import load_bundle, parse_mem


def _write(root: Path, files: dict[str, bytes | str]) -> Path:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def _ok_bundle(root: Path) -> Path:
    return _write(root, {
        "bundle.json": json.dumps(meta()),
        "events.jsonl": json.dumps(event(5, "die", "scene_scanner", exitCode=1)) + "\n",
        "logs/scene_scanner.log": f"{dts(1)} INFO:vv.scanner:decode start: a.mp4\n",
        "logs/app.log": json.dumps({"ts": "2026-11-20T09:01:00Z", "level": "info", "component": "scene_scanner",
                                    "msg": "decode start: a.mp4", "file": "a.mp4"}) + "\n",
        "stats.jsonl": json.dumps(stat(1, "scene_scanner")) + "\n",
    })


def test_parse_mem_compose_notation():
    assert parse_mem("2g") == 2 * 1024**3
    assert parse_mem("256m") == 256 * 1024**2
    assert parse_mem("1.5G") == int(1.5 * 1024**3)
    assert parse_mem(1000) == 1000
    assert parse_mem("lots") is None


@needs_shared(EXAMPLES)
def test_spec_examples_load_without_problems():
    for d in sorted(EXAMPLES.iterdir()):
        b = load_bundle(d)
        assert b.problems == [], d.name
        assert set(b.components) == {"scene_scanner", "scene_summarizer", "log_exporter"}
        assert b.logs["scene_scanner"] and b.app_log and b.stats and b.metrics and b.pipeline
        assert all(ln.ts is not None for ln in b.logs["scene_scanner"])


def test_folder_and_targz_give_the_same_bundle(tmp_path):
    root = _ok_bundle(tmp_path / "b")
    tgz = tmp_path / "b.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(root, arcname="bundle")
    a, b = load_bundle(root), load_bundle(tgz)
    assert [e.action for e in a.events] == [e.action for e in b.events] == ["die"]
    assert a.events[0].exit_code == 1 and a.events[0].name == "scene_scanner"
    assert [ln.text for ln in a.logs["scene_scanner"]] == [ln.text for ln in b.logs["scene_scanner"]]
    assert a.app_log[0].file == "a.mp4" and b.problems == []


def test_from_records_keeps_raw_lines_and_maps_container_names():
    m = meta()
    b = build(m, events=[event(1, "die", "vv-video-ai-system-scene_scanner-1", exitCode=137)],
              logs={"vv-video-ai-system-scene_scanner-1": [f"{dts(1)} boom"]})
    assert b.events[0].name == "scene_scanner"
    assert b.log_lines("scene_scanner")[0].text == "boom"
    assert b.watched >= {"events.jsonl", "logs/vv-video-ai-system-scene_scanner-1.log"}


def test_garbage_is_reported_not_raised(tmp_path):
    root = _ok_bundle(tmp_path / "g")
    huge = "x" * (1024 * 1024)
    (root / "logs" / "scene_scanner.log").write_bytes(
        f"{dts(1)} ok line\n".encode() + b"\x00\x01\x02\xff\xfe binary\n" + f"{dts(2)} {huge}\n".encode()
        + f"{dts(3)} caf\xe9 latin1\n".encode("latin-1"))
    (root / "logs" / "app.log").write_bytes(b'{"ts": "2026-11-20T09:00:00Z", "msg": "fine"}\n{not json\n[1,2]\n'
                                            + b'{"msg": "' + b"y" * (1024 * 1024) + b'"}\n')
    (root / "stats.jsonl").write_bytes(b'{"ts": "bad"}\n\xff\xff\n' + json.dumps(stat(1, "scene_scanner")).encode())
    (root / "events.jsonl").write_bytes(b'{"Type": "container"}\ngarbage\n')
    b = load_bundle(root)
    text = " | ".join(b.problems)
    for needle in ("NUL bytes", "invalid UTF-8", "cut to", "not JSON", "malformed JSON", "without a valid ts",
                   "without a usable time", "without a docker timestamp"):
        assert needle in text, needle
    assert len(b.app_log) == 1 and len(b.stats) == 1 and b.events == []
    assert any(65000 < len(ln.text) <= 65536 and set(ln.text) == {"x"} for ln in b.logs["scene_scanner"])


def test_truncated_targz_reports_damage(tmp_path):
    root = _ok_bundle(tmp_path / "t")
    (root / "logs" / "big.log").write_bytes(bytes(range(256)) * 4000)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for p in sorted(root.rglob("*"), key=lambda p: (p.name != "bundle.json", str(p))):
            tar.add(p, arcname=str(p.relative_to(root)), recursive=False)
    data = buf.getvalue()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    b = load_bundle(cut)
    assert any("damaged" in p or "unreadable" in p for p in b.problems)
    assert b.components  # bundle.json came first and survived


def test_garbled_archive_and_missing_bundle_json_are_one_line_errors(tmp_path):
    bad = tmp_path / "x.tar.gz"
    bad.write_bytes(b"\x1f\x8b" + b"garbage" * 100)
    with pytest.raises(ConfigError) as e:
        load_bundle(bad)
    assert "\n" not in e.value.one_line()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no bundle.json"):
        load_bundle(tmp_path / "empty")
    with pytest.raises(ConfigError, match="does not exist"):
        load_bundle(tmp_path / "nope")
    (tmp_path / "badjson").mkdir()
    (tmp_path / "badjson" / "bundle.json").write_text("{oops")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_bundle(tmp_path / "badjson")


def test_missing_fields_and_optional_files(tmp_path):
    root = _write(tmp_path / "m", {"bundle.json": json.dumps({"host": "h"})})
    b = load_bundle(root)
    assert any("format" in p for p in b.problems) and any("window" in p for p in b.problems)
    assert any("components missing" in p for p in b.problems)
    assert b.watched == {"bundle.json"}  # nothing else was watched, nothing else assumed


def test_expected_json_is_never_read(tmp_path, monkeypatch):
    root = _ok_bundle(tmp_path / "e")
    (root / "expected.json").write_text('{"incidents": [{"category": "oom_kill"}]}')
    read: list[str] = []
    orig = pathlib.Path.read_bytes

    def spy(self):
        read.append(self.name)
        return orig(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", spy)
    b = load_bundle(root)
    assert "expected.json" not in read and "bundle.json" in read
    tgz = tmp_path / "e.tar.gz"
    shutil.make_archive(str(tmp_path / "e"), "gztar", root)
    b = load_bundle(tgz)
    assert "expected.json" not in b.files and b.components


def test_wrongly_typed_records_never_crash_the_diagnosis():
    from tests.monitor.test_bundle_builders import app, snap, ts
    from vvai.monitor.diagnose.engine import Diagnoser

    m = meta()
    m["components"]["scene_scanner"]["cpus"] = "lots"
    m["components"]["scene_scanner"]["depends_on"] = "redis"
    m["benchmarks"] = {"scene_summarizer": {"p50_processing_s": "fast"}}
    m["model"] = ["not", "a", "dict"]
    evs = [{"Type": "container", "Action": "die", "Actor": "nope", "time": 1},
           {"Type": "container", "Action": "die", "Actor": {"Attributes": {"name": 5, "exitCode": "x"}},
            "time": "2026-11-20T09:01:00Z"}, {"time": None}]
    stats = [{"ts": ts(1), "component": "scene_scanner", "cpu_percent": "hot", "mem_bytes": None,
              "mem_limit_bytes": "2g", "restart_count": "3", "oom_killed": "yes", "status": 7},
             {"ts": ts(2), "component": 9}, {"ts": ts(3)}]
    metrics = [{"ts": ts(1), "name": "vv_scene_processing_seconds", "labels": "x", "value": "1"},
               {"ts": ts(2), "name": "up", "labels": {"component": "scene_scanner"}, "value": None}]
    pipeline = [{"ts": ts(1), "dirs": "none", "disk": "full"}, {"ts": ts(2), "dirs": {"input": "x"}},
                {"ts": ts(3), "dirs": {"input": [1, {"name": 3}, {"name": "a.mp4", "size": "big"}]},
                 "disk": {"total_bytes": 0, "free_bytes": "x"}}, snap(4)]
    al = [app(1, "scene_scanner", "x", level=None), json.dumps({"ts": 5, "msg": None, "file": 3, "level": 2}),
          json.dumps({"ts": ts(2), "component": None, "model_version": {"a": 1}})]
    files = {"vv-signature.json": b"\xff\xfe", "verifier.json": b'{"mismatches": [1, {"file": 2}, "x.summary.json"]}'}
    b = build(m, events=evs, logs={"scene_scanner": ["no timestamp", "", "\x00\x01"]}, app_log=al, stats=stats,
              metrics=metrics, pipeline=pipeline, files=files)
    incidents = Diagnoser().diagnose(b)  # must not raise
    assert all(i.to_spec()["category"] for i in incidents)
    assert b.problems
