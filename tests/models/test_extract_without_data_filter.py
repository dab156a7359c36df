"""On Python before 3.11.4 (Debian bookworm's 3.11.2) tarfile has no data filter: the project's own
member checks still refuse every hostile archive and install every good one (the same cases as
test_hostile_archives, with the standard library's filter taken away)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.models import test_hostile_archives as hostile
from tests.models.test_hostile_archives import root_with_v1  # noqa: F401 - the fixture
from vvai.models import extract


@pytest.mark.parametrize("name,expect", hostile._case_names(), ids=[n for n, _ in hostile._case_names()])
def test_archive_case_without_the_data_filter(monkeypatch, hostile_corpus, root_with_v1: Path,  # noqa: F811
                                              tmp_path: Path, name: str, expect: str):
    monkeypatch.setattr(extract, "_DATA_FILTER", None)
    monkeypatch.setattr(extract, "_FILTER_ERROR", extract.tarfile.TarError)
    hostile.test_archive_case(hostile_corpus, root_with_v1, tmp_path, name, expect)
