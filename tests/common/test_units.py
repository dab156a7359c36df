"""The one definition of each shared rule: severities, sizes, timestamps, durations, locks,
the cleanup folder lists and the JSON read-modify-write."""

from __future__ import annotations

import json
import multiprocessing
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vvai.common.atomic import LockedJsonStore
from vvai.common.errors import ConfigError
from vvai.common.folders import CLEANABLE_FOLDERS, PROTECTED_FOLDERS, ROTATED_LOG, is_cleanable
from vvai.common.locks import lock_fd, locked_file
from vvai.common.severity import Severity, check_severity, severity_rank
from vvai.common.sizes import fmt_bytes, parse_mem, parse_size
from vvai.common.timefmt import parse_duration, parse_epoch, parse_ts, rfc3339


def test_severity_order_and_checks() -> None:
    assert [severity_rank(s) for s in ("info", "warning", "error", "critical")] == [0, 1, 2, 3]
    assert severity_rank(Severity.critical) == Severity.critical.rank == 3 and severity_rank("loud") == 0
    assert check_severity("error") == "error"
    with pytest.raises(ValueError, match="must be one of info, warning, error, critical"):
        check_severity("loud")


def test_sizes_cli_decimal_compose_binary() -> None:
    assert parse_size("500M") == 500_000_000 and parse_size("2GiB") == 2 * 2**30 and parse_size("1.5k") == 1500
    assert parse_size("17") == 17 and parse_size("3 KiB") == 3072
    for bad in ("lots", "5i", "-1", "1.2.3M", ""):
        with pytest.raises(ConfigError, match="not a size"):
            parse_size(bad)
    assert parse_mem("2g") == 2 * 1024**3 and parse_mem("512m") == 512 * 1024**2 and parse_mem("1.5G") == 3 * 2**29
    assert parse_mem(1024) == 1024 and parse_mem("256MiB") == 256 * 2**20 and parse_mem("big") is None
    assert parse_mem(True) is None
    assert (fmt_bytes(None), fmt_bytes(512), fmt_bytes(1536), fmt_bytes(3 * 2**30)) == ("?", "512 B", "1.5 KB",
                                                                                        "3.0 GB")


def test_timestamps_round_trip() -> None:
    dt = parse_ts("2026-01-02T03:04:05.123456789Z")
    assert dt == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert rfc3339(dt) == "2026-01-02T03:04:05.123Z" and rfc3339(dt.timestamp()) == "2026-01-02T03:04:05.123Z"
    assert rfc3339(1767323045.5, nano=True) == "2026-01-02T03:04:05.500000000Z" and rfc3339(None) is None
    assert parse_ts("2026-01-02 04:04:05,5 +0100") == datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)
    assert parse_epoch("2026-01-02T03:04:05Z") == dt.replace(microsecond=0).timestamp()
    assert parse_ts(0) == datetime(1970, 1, 1, tzinfo=UTC)
    # strict: a line that merely starts with a date is not a timestamp; nor are booleans
    for bad in ("2026-01-02", "2026-01-02T03:04", "yesterday", True, None, ""):
        assert parse_ts(bad) is None and parse_epoch(bad) is None


def test_durations() -> None:
    assert [parse_duration(x) for x in ("90s", "15m", "1h", "2d", "30")] == [90, 900, 3600, 172800, 30]
    with pytest.raises(ConfigError, match="--window: 'soon' is not a duration"):
        parse_duration("soon", "--window")


def test_cleanup_folder_rules() -> None:
    assert set(PROTECTED_FOLDERS) == {"input", "processed"} and set(CLEANABLE_FOLDERS) == {"corrupted", "logs"}
    assert not set(PROTECTED_FOLDERS) & set(CLEANABLE_FOLDERS)
    assert is_cleanable("corrupted") and is_cleanable("logs/") and is_cleanable("./corrupted")
    for bad in ("processed", "input", "tmp", "corrupted/x", "../corrupted/..", "", None, "/"):
        assert not is_cleanable(bad), bad
    assert ROTATED_LOG.search("app.log.1") and ROTATED_LOG.search("app.log.2.gz") and not ROTATED_LOG.search("app.log")


def _hold(path: str, ready, release) -> None:
    with locked_file(path):
        ready.set()
        release.wait(10)


def test_locked_file_excludes_another_process(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    p = ctx.Process(target=_hold, args=(str(tmp_path / "l.lock"), ready, release))
    p.start()
    try:
        assert ready.wait(30)
        fd = os.open(tmp_path / "l.lock", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                lock_fd(fd, wait=False)
            release.set()
            p.join(10)
            lock_fd(fd, wait=False)  # free once the holder is gone
        finally:
            os.close(fd)
    finally:
        release.set()
        p.join(10)


def test_locked_json_store_read_modify_write(tmp_path: Path) -> None:
    store = LockedJsonStore(tmp_path / "s.json", fmt="t/1", empty=lambda: {"format": "t/1", "n": 0})
    assert store.read() == {"format": "t/1", "n": 0}
    for _ in range(3):
        with store.update() as doc:
            doc["n"] += 1
    assert json.loads((tmp_path / "s.json").read_text())["n"] == 3
    with pytest.raises(RuntimeError), store.update() as doc:  # a failed block writes nothing
        doc["n"] = 99
        raise RuntimeError("boom")
    assert store.read()["n"] == 3
    (tmp_path / "s.json").write_text("{not json")
    with pytest.raises(ConfigError, match="is not valid JSON"):
        store.read()
    (tmp_path / "s.json").write_text('{"format": "other/1"}')
    with pytest.raises(ConfigError, match="is not a t/1 document"):
        store.read()
