"""Export to a folder and to a real local S3 server (moto), including failures mid-way."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from vvai.common.errors import ConfigError
from vvai.pipeline.exporter import Exporter, ExportOptions
from vvai.pipeline.layout import Layout
from vvai.pipeline.ledger import ExportLedger
from vvai.pipeline.signature import SignatureFile
from vvai.pipeline.targets import FolderTarget, S3Target, make_target
from vvai.pipeline.verifier import verify

from .conftest import log_records

FAST = {"attempts": 2, "backoff_s": 0.01}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _finish(layout: Layout) -> None:
    """Pretend the summarizer ran: every analytic gets its summary (so groups are complete)."""
    for a in layout.processed.glob("*.analytic.json"):
        a.with_name(a.name.replace(".analytic.json", ".summary.json")).write_text('{"summary": "ok"}\n')


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def s3_server(aws_env: None) -> Iterator[tuple[str, object]]:
    """moto's S3 server on a free localhost port; yields (endpoint, server)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    import boto3

    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="vvai-out")
    try:
        yield endpoint, server
    finally:
        try:
            server.stop()
        except Exception:
            pass  # already stopped by the test


def test_folder_export_ships_confirms_and_is_idempotent(scanned: Layout, tmp_path: Path) -> None:
    dest = tmp_path / "remote"
    report = Exporter(scanned, FolderTarget(dest), ExportOptions(**FAST)).run()
    assert report.ok and len(report.shipped) == 6 and report.deleted == []
    for rel in report.shipped:
        assert (dest / rel).read_bytes() == scanned.abs(rel).read_bytes()
    ledger = ExportLedger(scanned.export_ledger).entries()
    assert set(ledger) == set(report.shipped)
    again = Exporter(scanned, FolderTarget(dest), ExportOptions(**FAST)).run()
    assert again.shipped == [] and len(again.already) == 6
    assert [r for r in log_records(scanned) if r["component"] == "log_exporter" and r["msg"].startswith("shipped")]


def test_delete_after_only_removes_finished_confirmed_groups(scanned: Layout, tmp_path: Path) -> None:
    (scanned.processed / "sample_00.summary.json").write_text('{"summary": "done"}\n')
    report = Exporter(scanned, FolderTarget(tmp_path / "remote"), ExportOptions(delete_after=True, **FAST)).run()
    assert sorted(report.deleted) == [
        "processed/sample_00.analytic.json",
        "processed/sample_00.mp4",
        "processed/sample_00.summary.json",
    ]
    assert sorted(p.name for p in scanned.processed.iterdir()) == [
        "sample_01.analytic.json",
        "sample_01.mkv",
        "sample_02.analytic.json",
        "sample_02.mp4",
    ]
    assert (tmp_path / "remote" / "processed" / "sample_00.mp4").exists()
    assert "processed/sample_00.mp4" not in SignatureFile(scanned.signature).files()
    assert verify(scanned).ok


def test_folder_failure_midway_records_and_deletes_nothing_unshipped(scanned: Layout, tmp_path: Path) -> None:
    _finish(scanned)
    dest = tmp_path / "remote"

    def sabotage(rel: str, status: str) -> None:
        if status == "shipped" and (dest / "processed").is_dir():  # after the first file: break the target
            import shutil

            shutil.rmtree(dest / "processed")
            (dest / "processed").write_text("a file where a folder should be")

    report = Exporter(scanned, FolderTarget(dest), ExportOptions(delete_after=True, **FAST), on_item=sabotage).run()
    assert len(report.shipped) == 1 and len(report.failed) == 8 and not report.ok
    assert set(ExportLedger(scanned.export_ledger).entries()) == set(report.shipped)
    assert report.deleted == []  # the first file's group is not completely shipped
    assert len(list(scanned.processed.iterdir())) == 9


@pytest.mark.parametrize("prefix", ["edge-07/2026", ""])
def test_s3_export_to_moto(scanned: Layout, s3_server, prefix: str) -> None:
    import boto3

    endpoint, _ = s3_server
    _finish(scanned)
    url = f"s3://vvai-out/{prefix}" if prefix else "s3://vvai-out"
    report = Exporter(scanned, make_target(url, endpoint_url=endpoint), ExportOptions(delete_after=True, **FAST)).run()
    assert report.ok and len(report.shipped) == 9 and len(report.deleted) == 9
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    key = f"{prefix}/processed/sample_01.mkv".lstrip("/")
    obj = s3.get_object(Bucket="vvai-out", Key=key)
    body = obj["Body"].read()
    assert obj["Metadata"]["sha256"] == hashlib.sha256(body).hexdigest()
    ledger = ExportLedger(scanned.export_ledger).entries()
    assert ledger["processed/sample_01.mkv"]["sha256"] == hashlib.sha256(body).hexdigest()
    assert ledger["processed/sample_01.mkv"]["dest"] == f"s3://vvai-out/{key}"
    assert list(scanned.processed.iterdir()) == []


def test_s3_server_down(scanned: Layout, aws_env: None) -> None:
    endpoint = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    target = S3Target("s3://vvai-out/x", endpoint_url=endpoint, connect_timeout=1)
    report = Exporter(scanned, target, ExportOptions(delete_after=True, **FAST)).run()
    assert report.shipped == [] and len(report.failed) == 1 and len(report.pending) == 5
    assert report.deleted == [] and len(list(scanned.processed.iterdir())) == 6
    assert ExportLedger(scanned.export_ledger).entries() == {}
    recs = [r for r in log_records(scanned) if r["component"] == "log_exporter"]
    assert any(r["level"] == "WARNING" and "will retry" in r["msg"] for r in recs)
    err = next(r for r in recs if r["msg"].startswith("could not ship"))
    assert err["error"] == "EndpointConnectionError" and "Could not connect" in err["reason"]
    assert any(r["msg"] == "sweep aborted" for r in recs)


def test_s3_server_dies_midway(scanned: Layout, s3_server) -> None:
    endpoint, server = s3_server
    _finish(scanned)
    stopped = []

    def kill_after_first(rel: str, status: str) -> None:
        if status == "shipped" and not stopped:
            server.stop()
            stopped.append(rel)

    target = S3Target("s3://vvai-out/p", endpoint_url=endpoint, connect_timeout=1)
    report = Exporter(scanned, target, ExportOptions(delete_after=True, **FAST), on_item=kill_after_first).run()
    assert report.shipped == stopped and len(report.failed) == 1 and len(report.pending) == 7
    assert set(ExportLedger(scanned.export_ledger).entries()) == set(stopped)
    assert report.deleted == [] and len(list(scanned.processed.iterdir())) == 9


def test_bad_destinations(aws_env: None) -> None:
    with pytest.raises(ConfigError):
        make_target("ftp://host/x")
    with pytest.raises(ConfigError):
        make_target("s3:///nobucket")


class _BitRotTarget(FolderTarget):
    """A folder whose disk flips a byte of every copy: the upload 'succeeds', the bytes are wrong."""

    def put(self, path, key, d):
        url = super().put(path, key, d)
        copy = self.dest / key
        data = bytearray(copy.read_bytes())
        data[len(data) // 2] ^= 0x01
        copy.write_bytes(bytes(data))
        return url


def test_unconfirmed_copies_are_not_recorded_nor_deleted(scanned: Layout, tmp_path: Path) -> None:
    _finish(scanned)
    report = Exporter(scanned, _BitRotTarget(tmp_path / "remote"), ExportOptions(delete_after=True, **FAST)).run()
    assert report.shipped == [] and len(report.failed) == 9 and report.deleted == []
    assert all(f["error"] == "ConfirmError" for f in report.failed)
    assert ExportLedger(scanned.export_ledger).entries() == {}
    assert len(list(scanned.processed.iterdir())) == 9


def test_s3_missing_bucket_stops_the_sweep_with_the_reason(scanned: Layout, s3_server) -> None:
    endpoint, _ = s3_server
    report = Exporter(scanned, S3Target("s3://no-such-bucket/p", endpoint_url=endpoint), ExportOptions(**FAST)).run()
    assert report.shipped == [] and len(report.failed) == 1 and len(report.pending) == 5
    assert "NoSuchBucket" in report.failed[0]["reason"] or "does not exist" in report.failed[0]["reason"]
    assert ExportLedger(scanned.export_ledger).entries() == {}
