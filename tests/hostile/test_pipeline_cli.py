"""Every `vvai pipeline` command against hostile inputs, through the real CLI.

Each case runs on a fresh copy of a pipeline root where one video was processed, a corrupt one
quarantined and one more waits in input/. After it: no traceback, no hang, the expected exit and
one ``error:`` line, no secret echoed, and nothing lost: every file's bytes that were under the
root before are still there (a scan may move them from input/ to processed/, never drop them),
and nothing outside the root (a canary folder) was touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.hostile import corpus
from tests.hostile.conftest import can_mount, copy_tree, read_only
from tests.hostile.harness import Case, Ctx, env, lost, run

SECRET_PW = "Sup3rS3cretPassw0rd"
STATE_FILES = {"vv-signature.json", "export-ledger.json", ".scanner.lock"}


def _r(ctx: Ctx) -> list[str]:
    return ["--root", str(ctx.root)]


def _replace(rel: str, builder):
    def setup(ctx: Ctx) -> None:
        p = ctx.root / rel
        if p.is_file() or p.is_symlink():
            p.unlink()
        builder(p)

    return setup


def _in_input(name: bytes | str, builder=None):
    def setup(ctx: Ctx) -> None:
        p = os.path.join(os.fsencode(ctx.root / "input"), os.fsencode(name))
        if builder is None:
            with open(p, "wb") as f:
                f.write((ctx.root / "input" / "sample_01.mkv").read_bytes())
        else:
            builder(Path(os.fsdecode(p)))

    return setup


def _left_in_input_logged(*names: str):
    def check(ctx: Ctx, _p) -> None:
        log = (ctx.root / "logs" / "app.log").read_text(encoding="utf-8", errors="replace")
        for n in names:
            assert f"left in input/: {n}" in log, f"no log line for {n}"
            assert os.path.lexists(ctx.root / "input" / n), f"{n} was removed"

    return check


def _quarantined_bad_name(ctx: Ctx, _p) -> None:
    reasons = [json.loads(p.read_text()) for p in (ctx.root / "corrupted").glob("*.reason.json")]
    assert any(r["reason"].startswith("file name is not UTF-8") for r in reasons), reasons
    assert (ctx.root / "processed" / "sample_01.analytic.json").exists()  # the file after it was processed


def _symlink_into_root(ctx: Ctx) -> None:
    (ctx.tmp / "via-link").symlink_to(ctx.root / "processed")


CASES: list[Case] = [
    # destinations that are the source (defect 1) or hostile
    Case("export_to_root", lambda ctx: ["pipeline", "export", "--to", str(ctx.root), *_r(ctx)], exit_code=2),
    Case("export_to_processed", lambda ctx: ["pipeline", "export", "--to", str(ctx.root / "processed"), *_r(ctx)],
         exit_code=2),
    Case("export_to_empty", lambda ctx: ["pipeline", "export", "--to", "", *_r(ctx)], exit_code=2),
    Case("export_to_blank", lambda ctx: ["pipeline", "export", "--to", "   ", *_r(ctx)], exit_code=2),
    Case("export_to_symlink_into_root", lambda ctx: ["pipeline", "export", "--to", str(ctx.tmp / "via-link"),
                                                     *_r(ctx)], _symlink_into_root, exit_code=2),
    Case("export_to_relative_into_root", lambda ctx: ["pipeline", "export", "--to", "root/processed/../processed",
                                                      *_r(ctx)], exit_code=2),
    Case("export_s3_credentials", lambda ctx: ["pipeline", "export", "--to", f"s3://user:{SECRET_PW}@host/prefix",
                                               *_r(ctx)], exit_code=2, secrets=(SECRET_PW,)),
    Case("export_s3_markup", lambda ctx: ["pipeline", "export", "--to", "s3://[bold]bucket[/", *_r(ctx)]),
    Case("export_gopher", lambda ctx: ["pipeline", "export", "--to", "gopher://host/x", *_r(ctx)], exit_code=2),
    Case("export_to_a_file", lambda ctx: ["pipeline", "export", "--to", str(ctx.extra["binary"]), *_r(ctx)],
         lambda ctx: ctx.extra.__setitem__("binary", corpus.binary(ctx.tmp / "dest.bin"))),
    Case("export_attempts_0", lambda ctx: ["pipeline", "export", "--to", str(ctx.tmp / "out"), "--attempts", "0",
                                           *_r(ctx)], exit_code=2),
    Case("scan_interval_0", lambda ctx: ["pipeline", "scan", "--watch", "--interval", "0", *_r(ctx)], exit_code=2),
    Case("scan_settle_nan", lambda ctx: ["pipeline", "scan", "--settle", "nan", *_r(ctx)], exit_code=2),
    Case("cleanup_age_negative", lambda ctx: ["pipeline", "cleanup", "--max-age-days", "-1", *_r(ctx)], exit_code=2),
    Case("make_samples_count_0", lambda ctx: ["pipeline", "make-samples", str(ctx.tmp / "s"), "--count", "0"],
         exit_code=2),
    # scan: odd entries in input/ (defect 15 and the "no log line" items)
    Case("scan_non_utf8_name", lambda ctx: ["pipeline", "scan", "--settle", "0", *_r(ctx)],
         _in_input(b"cam\xff\xfe.mp4"), expect="ok", check=_quarantined_bad_name),
    Case("scan_odd_entries", lambda ctx: ["pipeline", "scan", "--settle", "0", *_r(ctx)],
         lambda ctx: (_in_input("shadow.mp4", corpus.symlink_to_shadow)(ctx), _in_input("pipe.mp4", corpus.fifo)(ctx),
                      _in_input("x.mp4", corpus.folder)(ctx), _in_input("..mp4", corpus.binary)(ctx)),
         expect="ok", check=_left_in_input_logged("shadow.mp4", "pipe.mp4", "x.mp4", "..mp4")),
    Case("scan_markup_name", lambda ctx: ["pipeline", "scan", "--settle", "0", *_r(ctx)],
         _in_input("[red]x[.mp4", corpus.binary), expect="ok"),
    Case("scan_input_is_a_file", lambda ctx: ["pipeline", "scan", "--settle", "0", *_r(ctx)],
         lambda ctx: (os.rename(ctx.root / "input", ctx.tmp / "input-moved"),
                      corpus.binary(ctx.root / "input"))),
    Case("scan_signature_deep", lambda ctx: ["pipeline", "scan", "--settle", "0", *_r(ctx)],
         _replace("vv-signature.json", corpus.deep_array), exit_code=None),
    Case("scan_once_and_watch", lambda ctx: ["pipeline", "scan", "--once", "--watch", *_r(ctx)]),
    Case("scan_root_is_file", lambda ctx: ["pipeline", "scan", "--root", str(ctx.extra["binary"])],
         lambda ctx: ctx.extra.__setitem__("binary", corpus.binary(ctx.tmp / "root.bin"))),
    # cleanup: bad sizes and folders
    Case("cleanup_size_abc", lambda ctx: ["pipeline", "cleanup", "--max-total-size", "abc", *_r(ctx)], exit_code=2),
    Case("cleanup_size_negative", lambda ctx: ["pipeline", "cleanup", "--max-total-size", "-5", *_r(ctx)],
         exit_code=2),
    Case("cleanup_size_huge", lambda ctx: ["pipeline", "cleanup", "--max-total-size", "1e999", *_r(ctx)],
         exit_code=2),
    Case("cleanup_no_policy", lambda ctx: ["pipeline", "cleanup", *_r(ctx)]),
    Case("cleanup_folder_outside", lambda ctx: ["pipeline", "cleanup", "--max-age-days", "0", "--folders",
                                                "../canary", *_r(ctx)]),
    Case("cleanup_folder_absolute", lambda ctx: ["pipeline", "cleanup", "--max-age-days", "0", "--folders",
                                                 str(ctx.tmp / "canary"), *_r(ctx)]),
    Case("cleanup_ledger_binary", lambda ctx: ["pipeline", "cleanup", "--max-age-days", "0", *_r(ctx)],
         _replace("export-ledger.json", corpus.binary), exit_code=2),
    # summarize with hostile analytics and model dirs
    Case("summarize_models_dir_file", lambda ctx: ["pipeline", "summarize", "--models-dir", str(ctx.extra["binary"]),
                                                   *_r(ctx)],
         lambda ctx: ctx.extra.__setitem__("binary", corpus.binary(ctx.tmp / "models.bin"))),
    Case("summarize_no_model", lambda ctx: ["pipeline", "summarize", "--models-dir", str(ctx.tmp / "empty-store"),
                                            *_r(ctx)]),
    # make-samples into a file
    Case("make_samples_into_file", lambda ctx: ["pipeline", "make-samples", str(ctx.extra["binary"])],
         lambda ctx: ctx.extra.__setitem__("binary", corpus.binary(ctx.tmp / "out.bin"))),
]

# verify and export with a hostile vv-signature.json / ledger (defects 10 and 16)
for kind in ("binary", "deep_array", "deep_object", "five_mb_line", "fifo", "folder", "invalid_utf8", "empty",
             "json_scalar", "huge_int", "symlink_loop"):
    CASES.append(Case(f"verify_signature_{kind}", lambda ctx: ["pipeline", "verify", *_r(ctx)],
                      _replace("vv-signature.json", getattr(corpus, kind)), exit_code=2))
    CASES.append(Case(f"export_ledger_{kind}", lambda ctx: ["pipeline", "export", "--to", str(ctx.tmp / "out"),
                                                            *_r(ctx)],
                      _replace("export-ledger.json", getattr(corpus, kind)), exit_code=2))
for kind in ("binary", "deep_array", "fifo", "folder", "json_scalar"):
    CASES.append(Case(f"summarize_analytic_{kind}", lambda ctx: ["pipeline", "summarize", "--models-dir",
                                                                str(ctx.tmp / "empty-store"), *_r(ctx)],
                      _replace("processed/evil.analytic.json", getattr(corpus, kind))))


def _readonly_cases() -> list[Case]:
    return [Case(f"readonly_root_{name}", argv) for name, argv in (
        ("scan", lambda ctx: ["pipeline", "scan", "--settle", "0", *_r(ctx)]),
        ("verify", lambda ctx: ["pipeline", "verify", *_r(ctx)]),
        ("cleanup", lambda ctx: ["pipeline", "cleanup", "--max-age-days", "0", "--include-unshipped", *_r(ctx)]),
        ("export_delete_after", lambda ctx: ["pipeline", "export", "--to", str(ctx.tmp / "out"), "--delete-after",
                                             *_r(ctx)]),
    )]


CASES += _readonly_cases()


def _contents(root: Path) -> Counter:
    """sha256 of every regular file's bytes under ``root`` (state files and logs excluded: they change)."""
    out: Counter = Counter()
    for dirpath, _dirs, files in os.walk(os.fsencode(root)):
        if os.path.basename(dirpath) == b"logs":
            continue
        for f in files:
            p = os.path.join(dirpath, f)
            if os.fsdecode(f) in STATE_FILES or os.path.islink(p) or not os.path.isfile(p):
                continue
            with open(p, "rb") as fh:
                out[hashlib.sha256(fh.read()).hexdigest()] += 1
    return out


@pytest.mark.parametrize("case", CASES, ids=str)
def test_pipeline_cli_hostile(case: Case, tmp_path: Path, pipeline_template: Path) -> None:
    ctx = Ctx(tmp=tmp_path, root=copy_tree(pipeline_template, tmp_path / "root"))
    canary = tmp_path / "canary"
    canary.mkdir()
    (canary / "keep.txt").write_text("outside the root")
    os.utime(canary / "keep.txt", (0, 0))
    before = _contents(ctx.root)
    if case.setup:
        case.setup(ctx)
    undo = None
    if case.name.startswith("readonly_root_"):
        if not can_mount(tmp_path):
            pytest.skip("cannot bind-mount read-only here (needs root and mount)")
        ro = read_only(ctx.root)
        ro.__enter__()
        undo = lambda: ro.__exit__(None, None, None)  # noqa: E731
    try:
        p = run(case, ctx)
        if case.check:
            case.check(ctx, p)
    finally:
        if undo:
            undo()
    moved_away = tmp_path / "input-moved"
    after = _contents(ctx.root) + (_contents(moved_away) if moved_away.exists() else Counter())
    lost("file contents under the pipeline root", sorted((before - after).elements()))
    lost("canary outside the root", [] if (canary / "keep.txt").exists() else ["canary/keep.txt"])


def test_scan_watch_survives_odd_names_and_keeps_processing(tmp_path: Path, pipeline_template: Path) -> None:
    """Defect 15: a non-UTF-8 name (and a FIFO, a symlink) in input/ must not stop `scan --watch`;
    a video dropped in afterwards is still processed."""
    root = copy_tree(pipeline_template, tmp_path / "root")
    inp = os.fsencode(root / "input")
    spare = (root / "input" / "sample_01.mkv").read_bytes()
    os.rename(root / "input" / "sample_01.mkv", tmp_path / "later.mkv")
    with open(os.path.join(inp, b"bad\xff\xfe.mp4"), "wb") as f:
        f.write(spare[:5000])
    os.mkfifo(os.path.join(inp, b"pipe.mp4"))
    os.symlink("/etc/shadow", os.path.join(inp, b"shadow.mp4"))
    proc = subprocess.Popen([sys.executable, "-m", "vvai", "pipeline", "scan", "--watch", "--interval", "0.2",
                             "--settle", "0", "--root", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list((root / "corrupted").glob("bad*.reason.json")):
            assert proc.poll() is None, proc.communicate()[1].decode(errors="replace")
            time.sleep(0.2)
        os.rename(tmp_path / "later.mkv", root / "input" / "later.mkv")
        while time.monotonic() < deadline and not (root / "processed" / "later.analytic.json").exists():
            assert proc.poll() is None, proc.communicate()[1].decode(errors="replace")
            time.sleep(0.2)
        assert (root / "processed" / "later.analytic.json").exists(), "the daemon stopped processing"
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode(errors="replace")
    assert b"Traceback" not in err
    log = (root / "logs" / "app.log").read_text(encoding="utf-8")
    assert "left in input/: pipe.mp4" in log and "left in input/: shadow.mp4" in log
    assert log.count("left in input/: pipe.mp4") == 1  # once, not on every look
