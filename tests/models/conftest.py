"""Fixtures for the model-lifecycle tests: hostile HTTP(S) and S3 servers, archive corpora, models.

artifact_server        function  ArtifactServer on http://127.0.0.1:<port> (see httpserver.py)
tls_artifact_server    function  ArtifactServer(tls=True); trust ``.cert_path`` to verify it
s3_server              function  S3Server (moto) with a clean state and its AWS_* env set
hostile_corpus         session   HostileCorpus built once (1 GiB bombs, 200k-member tar bomb)
sample_model           function  factory: sample_model("1.0.0", **kw) -> SampleModel(path, sha256, size)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .hostile_archives import HostileCorpus, SampleModel, build_corpus, make_sample_model
from .httpserver import ArtifactServer
from .s3server import S3Server


def _checked(srv: ArtifactServer) -> Iterator[ArtifactServer]:
    with srv:
        yield srv
    if srv.errors:  # a bug in the test server itself must not pass silently
        pytest.fail("artifact server handler errors:\n" + "\n".join(srv.errors), pytrace=False)


@pytest.fixture
def artifact_server() -> Iterator[ArtifactServer]:
    yield from _checked(ArtifactServer())


@pytest.fixture
def tls_artifact_server() -> Iterator[ArtifactServer]:
    yield from _checked(ArtifactServer(tls=True))


@pytest.fixture(scope="session")
def _s3_session() -> Iterator[S3Server]:
    with S3Server() as s3:
        yield s3


@pytest.fixture
def s3_server(_s3_session: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    _s3_session.reset()
    for key, value in _s3_session.env.items():
        monkeypatch.setenv(key, value)
    return _s3_session


@pytest.fixture(scope="session")
def hostile_corpus(tmp_path_factory: pytest.TempPathFactory) -> HostileCorpus:
    return build_corpus(tmp_path_factory.mktemp("hostile-corpus"))


@pytest.fixture
def sample_model(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., SampleModel]:
    folder = tmp_path_factory.mktemp("sample-models")

    def make(version: str = "1.0.0", **kwargs: Any) -> SampleModel:
        return make_sample_model(folder, version, **kwargs)

    return make
