"""`vvai monitor templates` end to end, through the installed `vvai` executable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

VVAI = str(Path(sys.executable).with_name("vvai"))
FMT = "<Date> <Time> <Level> <Component>: <Content>"

LOG = [
    "2024-05-01 10:00:00 INFO scanner: processing cam1.mp4 (size 1000 bytes)",
    "2024-05-01 10:00:01 INFO auth: User alice logged in from 10.0.0.1",
    "2024-05-01 10:00:02 INFO scanner: processing cam2.mp4 (size 2000 bytes)",
    "",
    "Traceback (most recent call last):",
    "2024-05-01 10:00:03 INFO auth: User bob logged in from 10.0.0.2",
    "2024-05-01 10:00:04 WARN scanner: processing cam3.mp4 (size 3000 bytes)",
    "2024-05-01 10:00:05 INFO auth: User carol logged in from 10.0.0.3",
]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([VVAI, "monitor", "templates", *args], input=stdin, capture_output=True, timeout=60)


@pytest.fixture()
def log(tmp_path: Path) -> Path:
    p = tmp_path / "app.log"
    p.write_text("\r\n".join(LOG) + "\n")  # CRLF endings are stripped
    return p


def test_per_line_json_uses_final_templates(log: Path) -> None:
    r = run(str(log), "--log-format", FMT, "--per-line", "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert [row["line"] for row in rows] == list(range(1, len(LOG) + 1))
    assert all(set(row) == {"line", "template_id", "template"} for row in rows)
    # Line 2 was mined before bob and carol: it still reports the final, generalised template.
    assert rows[1]["template"] == "User <*> logged in from <*>"
    assert rows[1]["template_id"] == rows[5]["template_id"] == rows[7]["template_id"]
    assert {rows[i]["template"] for i in (0, 2, 6)} == {"processing <*> (size <*> bytes)"}
    assert rows[3]["template"] == ""
    assert rows[4]["template"] == "Traceback (most recent call last):"  # not the format: whole line


def test_json_document_with_stats(log: Path) -> None:
    r = run(str(log), "--log-format", FMT, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [t["count"] for t in doc["templates"]] == [3, 3, 1, 1]
    assert doc["templates"][0].keys() == {"id", "template", "count"}
    assert doc["stats"]["lines"] == len(LOG)
    assert doc["stats"]["unmatched_format"] == 2  # the empty line and the traceback
    assert doc["stats"]["seconds"] >= 0


def test_table_output_and_stdin(log: Path) -> None:
    r = run("-", "--mask", r"cam\d+\.mp4", stdin=log.read_bytes())
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "processing <*> (size <*> bytes)" in out and "8 lines" in out


def test_user_mask_applies(tmp_path: Path) -> None:
    p = tmp_path / "m.log"
    p.write_text("job alpha-x done\njob beta-y done\njob gamma-z done\n")
    r = run(str(p), "--mask", r"[a-z]+-[a-z]", "--json")
    doc = json.loads(r.stdout)
    assert [(t["template"], t["count"]) for t in doc["templates"]] == [("job <*> done", 3)]


def test_binary_and_invalid_utf8_do_not_crash(tmp_path: Path) -> None:
    p = tmp_path / "junk.log"
    p.write_bytes(b"ok line 1\n\xff\xfe\x00\x01 garbage\n" + bytes(range(256)) + b"\n" + b"x" * 1_000_000 + b"\nend")
    r = run(str(p), "--per-line", "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in r.stdout.decode().splitlines()]
    # bytes(range(256)) holds a \n: 6 lines. The 1 MB word is a blob: <*>.
    assert len(rows) == 6 and rows[1]["template"].startswith("\ufffd\ufffd\x00")
    assert rows[4]["template"] == "<*>" and rows[5]["template"] == "end"


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["/nonexistent/app.log"], 1, "no such log file"),
        (["{tmp}"], 1, "is a directory"),
        (["{log}", "--mask", "([a-"], 2, "invalid mask regex"),
        (["{log}", "--log-format", "<Date> <Time>"], 2, "no <Content> field"),
    ],
)
def test_errors_are_one_line(log: Path, args: list[str], code: int, needle: str) -> None:
    r = run(*[a.format(tmp=log.parent, log=log) for a in args])
    err = r.stderr.decode()
    assert r.returncode == code
    assert err.startswith("error: ") and needle in err and err.count("\n") == 1
    assert r.stdout == b""


def test_unreadable_file(log: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    log.chmod(0)
    r = run(str(log))
    assert r.returncode == 1 and b"permission denied" in r.stderr
