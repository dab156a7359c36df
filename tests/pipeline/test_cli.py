"""The `vvai pipeline` commands as an operator runs them: JSON output, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from vvai.pipeline.cli import app
from vvai.pipeline.layout import DEFAULT_ROOT, ROOT_ENV, Layout, resolve_root

runner = CliRunner()


def _vvai(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vvai", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_root_resolution(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ROOT_ENV, raising=False)
    assert resolve_root(None) == Path(DEFAULT_ROOT)
    monkeypatch.setenv(ROOT_ENV, str(tmp_path / "env"))
    assert resolve_root(None) == tmp_path / "env"
    assert resolve_root(str(tmp_path / "arg")) == tmp_path / "arg"


def test_scan_verify_export_cleanup_via_cli(samples: Path, layout: Layout, tmp_path: Path) -> None:
    shutil.copy2(samples / "sample_00.mp4", layout.input / "cam.mp4")
    shutil.copy2(samples / "corrupt_garbage.mp4", layout.input / "bad.mp4")
    root = ["--root", str(layout.root)]
    r = runner.invoke(app, ["scan", *root, "--once", "--settle", "0", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [x["file"] for x in out["processed"]] == ["cam.mp4"] and out["processed"][0]["scenes"] >= 2
    assert [x["file"] for x in out["corrupted"]] == ["bad.mp4"]
    r = runner.invoke(app, ["verify", *root, "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["ok"] is True
    r = runner.invoke(app, ["export", *root, "--to", str(tmp_path / "remote"), "--json"])
    assert r.exit_code == 0 and len(json.loads(r.output)["shipped"]) == 2
    r = runner.invoke(app, ["cleanup", *root, "--max-age-days", "0", "--dry-run", "--json"])
    assert r.exit_code == 0
    assert {x["file"] for x in json.loads(r.output)["removed"]} == {
        "processed/cam.mp4",
        "processed/cam.analytic.json",
        "corrupted/bad.mp4",
        "corrupted/bad.reason.json",
    }
    assert (layout.processed / "cam.mp4").exists()


def test_verify_failure_is_one_line_and_nonzero(samples: Path, layout: Layout) -> None:
    shutil.copy2(samples / "sample_01.mkv", layout.input / "cam.mkv")
    assert _vvai("pipeline", "scan", "--settle", "0", env={ROOT_ENV: str(layout.root)}).returncode == 0
    (layout.processed / "cam.analytic.json").write_text("{}")
    r = _vvai("pipeline", "verify", "--root", str(layout.root))
    assert r.returncode == 3
    assert "MISMATCH" in r.stdout and "processed/cam.analytic.json" in r.stdout
    assert r.stderr.startswith("error: 1 mismatched and 0 missing file(s)") and r.stderr.count("\n") == 1


def test_bad_input_gives_clear_errors(tmp_path: Path) -> None:
    r = _vvai("pipeline", "scan", "--root", str(tmp_path / "nope"))
    assert r.returncode != 0 and r.stderr.startswith("error: pipeline root") and "Traceback" not in r.stderr
    Layout(tmp_path / "r").ensure()
    r = _vvai("pipeline", "cleanup", "--root", str(tmp_path / "r"), "--max-total-size", "lots")
    assert r.returncode == 2 and r.stderr.startswith("error: not a size")
    r = runner.invoke(app, ["export", "--root", str(tmp_path / "r"), "--to", str(tmp_path / "dest")])
    assert r.exit_code == 0 and "shipped 0" in r.output  # nothing to ship is not an error
    (tmp_path / "r" / "processed" / "a.analytic.json").write_text("{}")
    r = _vvai(
        "pipeline",
        "export",
        "--root",
        str(tmp_path / "r"),
        "--to",
        "s3://xyz/y",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--attempts",
        "1",
        env={"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"},
    )
    assert r.returncode == 4 and "not shipped" in r.stderr and "Could not connect" in r.stderr
    assert (tmp_path / "r" / "processed" / "a.analytic.json").exists()


def test_make_samples_cli(tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        [
            "make-samples",
            str(tmp_path / "s"),
            "--count",
            "1",
            "--seconds",
            "2",
            "--no-highres",
            "--seed",
            "3",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    kinds = sorted(f["kind"] for f in json.loads(r.output)["files"])
    assert kinds == ["corrupt", "corrupt", "truncated", "video"]
    truth = json.loads((tmp_path / "s" / "sample_00.truth.json").read_text())
    assert truth["frames"] == 50 and truth["cut_frames"] and truth["width"] == 160


def test_watch_picks_up_new_files_and_stops_on_sigterm(samples: Path, layout: Layout) -> None:
    import signal
    import time

    cmd = [sys.executable, "-m", "vvai", "pipeline", "scan", "--watch", "--interval", "0.2", "--settle", "0.3"]
    proc = subprocess.Popen([*cmd, "--root", str(layout.root), "--json"], stdout=subprocess.PIPE, text=True)
    try:
        part = layout.input / "late.mp4.part"
        shutil.copy2(samples / "sample_02.mp4", part)
        part.rename(layout.input / "late.mp4")  # the writer's convention: rename when complete
        deadline = time.monotonic() + 60
        while not (layout.processed / "late.mp4").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (layout.processed / "late.analytic.json").exists()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert [r["file"] for r in json.loads(out)["processed"]] == ["late.mp4"]
