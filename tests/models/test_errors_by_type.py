"""Errors by type, not by text (issue 7): the HTTP status travels on the error; a corrupt state
file is an error, a missing one is not; the downgrade floor belongs to the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.models.model_helpers import release
from vvai.common.errors import ConfigError, IntegrityError
from vvai.models.lifecycle import ModelManager
from vvai.models.transports import DownloadHTTPError, FetchPolicy, HTTPNotFoundError, NotFoundError, read_small

POLICY = FetchPolicy(max_attempts=1, connect_timeout=5, stall_timeout=5)


@pytest.mark.parametrize("status", [404, 410])
def test_not_found_is_a_type_carrying_the_status(artifact_server, status: int) -> None:
    artifact_server.add("/m.json", b"{}")
    artifact_server.behave("/m.json", status=status)
    assert read_small(artifact_server.url("/m.json"), POLICY) is None
    from vvai.models.transports import transport_for

    with pytest.raises(HTTPNotFoundError) as e:
        transport_for(artifact_server.url("/m.json"), POLICY).open(artifact_server.url("/m.json"), 0, None)
    assert e.value.status_code == status and isinstance(e.value, NotFoundError)


def test_other_statuses_are_not_read_as_missing_whatever_their_text(artifact_server) -> None:
    artifact_server.add("/m.json", b"{}")
    artifact_server.behave("/m.json", status=403, headers={"X-Reason": "not found"})
    with pytest.raises(DownloadHTTPError) as e:
        read_small(artifact_server.url("/m.json?token=s3cr3tvalue99"), POLICY)
    assert e.value.status_code == 403 and not isinstance(e.value, NotFoundError)
    assert "s3cr3tvalue99" not in e.value.one_line()


def test_missing_local_file_is_not_found(tmp_path: Path) -> None:
    assert read_small(str(tmp_path / "nope.json"), POLICY) is None


def _store(tmp_path: Path) -> tuple[ModelManager, Path]:
    rel = tmp_path / "rel"
    for v in ("1.0.0", "2.0.0"):
        release(rel, v, size=20_000)
    mgr = ModelManager(tmp_path / "models")
    mgr.sync(str(rel / "manifest-1.0.0.json"))
    mgr.sync(str(rel / "manifest-2.0.0.json"))
    return mgr, rel


def test_corrupt_state_file_is_an_error_naming_the_file_and_the_fix(tmp_path: Path) -> None:
    mgr, rel = _store(tmp_path)
    state = mgr.store.state_path
    state.write_text('{"floor": "2.0.0", "history": [')  # cut short, as after a disk error
    with pytest.raises(ConfigError) as e:
        mgr.sync(str(rel / "manifest-1.0.0.json"), allow_downgrade=True)
    assert str(state) in e.value.one_line() and "mv " in e.value.one_line()
    assert mgr.store.active().version == "2.0.0"


def test_missing_state_file_is_fine_and_the_floor_survives_through_the_active_version(tmp_path: Path) -> None:
    mgr, rel = _store(tmp_path)
    mgr.store.state_path.unlink()
    with pytest.raises(IntegrityError):
        mgr.sync(str(rel / "manifest-1.0.0.json"))
    assert mgr.sync(str(rel / "manifest-2.0.0.json")).action == "unchanged"


def test_the_floor_belongs_to_the_store_not_to_the_model_name(tmp_path: Path) -> None:
    mgr, rel = _store(tmp_path)
    doc = json.loads((rel / "manifest-1.0.0.json").read_text())
    doc["model_name"] = "bitnet_summarizer"  # what `publish` names a model after its file by default
    renamed = rel / "renamed-1.0.0.json"
    renamed.write_text(json.dumps(doc))
    with pytest.raises(IntegrityError, match="lower than 2.0.0"):
        mgr.sync(str(renamed))
    mgr.rollback("1.0.0")  # a local rollback is always allowed and does not lower the floor
    with pytest.raises(IntegrityError, match="lower than 2.0.0"):
        mgr.sync(str(renamed))
    assert mgr.store.highest_activated() == "2.0.0"
