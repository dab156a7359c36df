"""Log tailing on real files: rotation, copytruncate, garbage, tracebacks, JSON lines."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from vvai.monitor.sources.base import Record
from vvai.monitor.sources.logfile import FileFollower, LogFileSource


def _append(path: Path, data: bytes | str) -> None:
    with open(path, "ab") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def _texts(lines) -> list[str]:
    return [ln.text for ln in lines if ln.text is not None]


def test_follower_reads_only_complete_lines(tmp_path: Path) -> None:
    p = tmp_path / "a.log"
    p.write_text("old line\n")
    f = FileFollower(p, from_end=True)
    assert f.read_new() == []  # starts at the end: history is collect()'s job
    _append(p, "one\ntw")
    assert _texts(f.read_new()) == ["one"]
    _append(p, "o\nthree\n")
    assert _texts(f.read_new()) == ["two", "three"]
    f.close()


def test_rotation_by_rename_and_recreate_loses_nothing(tmp_path: Path) -> None:
    p = tmp_path / "app.log"
    p.write_text("")
    f = FileFollower(p, from_end=True)
    _append(p, "a1\na2\n")
    got = _texts(f.read_new())
    _append(p, "a3\na4-no-newline")  # written just before logrotate renames the file
    os.rename(p, tmp_path / "app.log.1")
    p.write_text("b1\n")
    got += _texts(f.read_new())
    _append(p, "b2\n")
    got += _texts(f.read_new())
    assert got == ["a1", "a2", "a3", "a4-no-newline", "b1", "b2"]
    f.close()


def test_copytruncate_restarts_from_the_top(tmp_path: Path) -> None:
    p = tmp_path / "app.log"
    p.write_text("")
    f = FileFollower(p, from_end=True)
    _append(p, "first line that is long enough\nsecond line\n")
    assert _texts(f.read_new()) == ["first line that is long enough", "second line"]
    with open(p, "r+b") as fh:  # copytruncate: copy elsewhere, then truncate in place
        fh.truncate(0)
    _append(p, "after\n")
    assert _texts(f.read_new()) == ["after"]
    f.close()


def test_garbage_is_reported_and_following_goes_on(tmp_path: Path) -> None:
    p = tmp_path / "svc.log"
    p.write_text("")
    f = FileFollower(p, from_end=True, max_line_bytes=1 << 20)
    _append(p, b"\x00\x01\x02binary\x00junk\n")
    _append(p, b"x" * (2 << 20) + b"\n")  # a 2 MB line
    _append(p, b"caf\xe9 latin-1 bytes\n")
    _append(p, "good line\n")
    lines = f.read_new()
    problems = [ln.problem for ln in lines if ln.problem]
    assert any("binary" in p for p in problems)
    assert any("longer than" in p for p in problems)
    assert any("invalid UTF-8" in p for p in problems)
    texts = _texts(lines)
    assert texts[-1] == "good line"
    assert "caf\ufffd latin-1 bytes" in texts  # kept, with a replacement character
    assert not any(len(t) > (1 << 20) for t in texts)
    f.close()


def test_long_line_split_across_reads_is_skipped_once(tmp_path: Path) -> None:
    p = tmp_path / "svc.log"
    p.write_text("")
    f = FileFollower(p, from_end=True, max_line_bytes=4096)
    _append(p, "y" * 10000)  # no newline yet
    first = f.read_new()
    _append(p, "y" * 100 + "\nnext\n")
    second = f.read_new()
    assert [ln.problem for ln in first + second if ln.problem] == ["line longer than 4096 bytes skipped"]
    assert _texts(second) == ["next"]
    f.close()


TRACEBACK = """2026-11-20T10:00:00Z INFO scanner started
2026-11-20T10:00:01Z ERROR decode failed
Traceback (most recent call last):
  File "/app/scan.py", line 10, in <module>
    main()
  File "/app/scan.py", line 7, in main
    raise ValueError("bad frame")
ValueError: bad frame
2026-11-20T10:00:02Z INFO next file
"""


def test_traceback_becomes_one_record(tmp_path: Path) -> None:
    p = tmp_path / "scanner.log"
    p.write_text(TRACEBACK)
    recs = list(LogFileSource(p, fmt="text").collect(0, time.time() + 10))
    logs = [r for r in recs if r.kind == "log"]
    assert len(logs) == 4
    tb = logs[2]
    assert tb.data.count("\n") == 5 and tb.data.splitlines()[-1].endswith("ValueError: bad frame")
    assert tb.important and tb.meta["lines"] == 6
    assert logs[0].data.startswith("2026-11-20T10:00:00.000000000Z ")  # docker-logs style prefix
    assert logs[0].name == "scanner"


def test_json_lines_window_and_bad_lines(tmp_path: Path) -> None:
    p = tmp_path / "app.log"
    lines = [json.dumps({"ts": f"2026-11-20T10:0{i}:00Z", "level": "ERROR" if i == 3 else "INFO",
                         "component": "scene_scanner", "msg": f"m{i}"}) for i in range(6)]
    p.write_text("\n".join(lines[:3]) + "\n{not json\n[1,2]\n" + "\n".join(lines[3:]) + "\n")
    src = LogFileSource(p)
    assert src.fmt == "json"
    start = 1795168920.0  # 2026-11-20T10:02:00Z
    recs = list(src.collect(start, start + 120))
    app = [r for r in recs if r.kind == "app_log"]
    assert [json.loads(r.data)["msg"] for r in app] == ["m2", "m3", "m4"]
    assert app[1].important and not app[0].important
    assert app[0].data == lines[2]  # raw line, verbatim
    probs = [r.data["message"] for r in recs if r.kind == "problem"]
    assert len(probs) == 2 and "not a JSON line" in probs[0] and "not an object" in probs[1]


def test_follow_thread_survives_rotation(tmp_path: Path) -> None:
    p = tmp_path / "app.log"
    p.write_text("")
    got: list[Record] = []
    done = threading.Event()

    def sink(rec: Record) -> None:
        got.append(rec)
        if sum(r.kind == "app_log" for r in got) >= 4:
            done.set()

    src = LogFileSource(p)
    src.poll_interval_s = 0.05
    src.follow(sink)
    try:
        time.sleep(0.2)
        _append(p, json.dumps({"ts": "2026-11-20T10:00:00Z", "level": "INFO", "msg": "a"}) + "\n")
        _append(p, json.dumps({"ts": "2026-11-20T10:00:01Z", "level": "INFO", "msg": "b"}) + "\n")
        time.sleep(0.2)
        os.rename(p, tmp_path / "app.log.1")
        _append(p, json.dumps({"ts": "2026-11-20T10:00:02Z", "level": "INFO", "msg": "c"}) + "\n")
        _append(p, json.dumps({"ts": "2026-11-20T10:00:03Z", "level": "ERROR", "msg": "d"}) + "\n")
        assert done.wait(10)
    finally:
        src.stop()
    assert [json.loads(r.data)["msg"] for r in got if r.kind == "app_log"] == ["a", "b", "c", "d"]


def test_missing_file_is_not_an_error(tmp_path: Path) -> None:
    src = LogFileSource(tmp_path / "nope.log", fmt="text")
    assert list(src.collect(0, time.time())) == []
    f = FileFollower(tmp_path / "later.log", from_end=True)
    assert f.read_new() == []
    (tmp_path / "later.log").write_text("born later\n")
    assert _texts(f.read_new()) == ["born later"]  # a file that appears later is read from its start
    f.close()
