"""vv-signature.json under concurrent writers, and `verify` catching tampering and loss."""

from __future__ import annotations

import json
import multiprocessing as mp
from pathlib import Path

import pytest

from vvai.common.errors import ConfigError
from vvai.common.hashing import sha256_file
from vvai.pipeline.layout import Layout
from vvai.pipeline.signature import FileRecord, SignatureFile
from vvai.pipeline.verifier import verify


def _writer(path: str, worker: int, n: int) -> None:
    sig = SignatureFile(Path(path))
    for i in range(n):
        sig.record(
            FileRecord(
                rel=f"processed/w{worker}_{i}.json", sha256="0" * 64, size=i, kind="output", component=f"w{worker}"
            )
        )


def test_concurrent_writers_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "vv-signature.json"
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), w, 15)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    files = SignatureFile(path).files()
    assert len(files) == 60 and files["processed/w3_14.json"]["size"] == 14
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []  # no temp file left behind


def test_garbage_signature_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "vv-signature.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        SignatureFile(path).files()


def test_scan_records_hashes_and_verify_passes(scanned: Layout) -> None:
    files = SignatureFile(scanned.signature).files()
    assert files["processed/sample_00.mp4"]["sha256"] == sha256_file(scanned.processed / "sample_00.mp4")
    assert files["processed/sample_00.analytic.json"]["derived_from"] == "processed/sample_00.mp4"
    assert files["processed/sample_00.analytic.json"]["kind"] == "output"
    assert files["corrupted/truncated.reason.json"]["kind"] == "sidecar"
    assert len(files) == 12  # 3 videos + 3 analytics + 3 corrupt + 3 reasons
    report = verify(scanned)
    assert report.ok and report.checked == 12 and report.unsigned == []
    assert json.loads(scanned.verifier_output.read_text())["ok"] is True


def test_verify_fails_after_tampering_and_loss(scanned: Layout) -> None:
    analytic = scanned.processed / "sample_01.analytic.json"
    analytic.write_text(analytic.read_text().replace('"index": 1', '"index": 9'))  # same size
    video = scanned.processed / "sample_02.mp4"
    with open(video, "r+b") as f:  # flip one byte, size unchanged
        f.seek(1000)
        b = f.read(1)
        f.seek(1000)
        f.write(bytes([b[0] ^ 0xFF]))
    (scanned.corrupted / "truncated.mkv").unlink()
    (scanned.processed / "sample_00.summary.json").write_text("{}")
    report = verify(scanned)
    assert not report.ok
    assert sorted(m["file"] for m in report.mismatches) == [
        "processed/sample_01.analytic.json",
        "processed/sample_02.mp4",
    ]
    assert all(m["field"] == "sha256" for m in report.mismatches)
    assert report.missing == ["corrupted/truncated.mkv"]
    assert report.unsigned == ["processed/sample_00.summary.json"]
    out = json.loads(scanned.verifier_output.read_text())
    assert out["ok"] is False and out["missing"] == ["corrupted/truncated.mkv"]


def test_failed_update_leaves_the_previous_document(tmp_path: Path) -> None:
    sig = SignatureFile(tmp_path / "vv-signature.json")
    sig.record(FileRecord(rel="processed/a.json", sha256="1" * 64, size=1, kind="output", component="t"))
    before = sig.path.read_bytes()
    with pytest.raises(RuntimeError), sig.store.update() as doc:
        doc["files"].clear()
        raise RuntimeError("crash mid-update")
    assert sig.path.read_bytes() == before
    assert sig.forget("processed/a.json", "processed/never.json") == ["processed/a.json"]
    assert sig.files() == {}
