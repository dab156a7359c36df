"""Property-based tests (Hypothesis) of the model parsers: manifest, semantic versions, artifact
URLs, evaluation gates, signature files. Random and adversarial inputs give a result or the
project's own error type, never anything else, within the deadline."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vvai.common.errors import ConfigError, IntegrityError
from vvai.models import trust
from vvai.models.evaluate import parse_gate
from vvai.models.manifest import Manifest, check_url, compare_versions, parse_manifest, parse_version

FAST = settings(max_examples=300, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])

VALID = {"model_name": "BitNet-4bit-Summarizer", "version": "1.0.0", "release_date": "2025-05-01",
         "artifacts": [{"filename": "m.tar.gz", "url": "m.tar.gz", "sha256": "a" * 64, "size_bytes": 10,
                        "target_path_in_container": "/app/models/bitnet"}]}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4), max_leaves=20)
PATHS = [["model_name"], ["version"], ["release_date"], ["artifacts"], ["artifacts", 0],
         ["artifacts", 0, "filename"], ["artifacts", 0, "url"], ["artifacts", 0, "sha256"],
         ["artifacts", 0, "size_bytes"], ["artifacts", 0, "target_path_in_container"]]


def _parse(data: bytes) -> None:
    try:
        m = parse_manifest(data, where="m.json")
    except ConfigError as e:
        assert e.one_line().startswith("m.json") and "\n" not in e.one_line()
        return
    assert isinstance(m, Manifest)
    parse_version(m.version)
    for a in m.artifacts:
        check_url(a.url)


@FAST
@given(st.binary(max_size=3000))
def test_manifest_random_bytes(data: bytes) -> None:
    _parse(data)


@FAST
@given(json_values)
def test_manifest_random_json(value) -> None:
    _parse(json.dumps(value).encode())


@FAST
@given(st.sampled_from(PATHS), json_values)
def test_manifest_one_field_replaced(path: list, value) -> None:
    doc = copy.deepcopy(VALID)
    d = doc
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value
    _parse(json.dumps(doc).encode())


@FAST
@given(st.sampled_from(PATHS[6:7]), st.text(max_size=200) | st.from_regex(
    r"(s3|https?|file|gopher|ftp)://([^/@]{0,10}(:[^@]{0,10})?@)?[a-z0-9.]{0,10}(/[^?]{0,20})?", fullmatch=True))
def test_manifest_urls(path: list, url: str) -> None:
    doc = copy.deepcopy(VALID)
    doc["artifacts"][0]["url"] = url
    _parse(json.dumps(doc).encode())


SEMVERISH = r"v?\d{1,30}\.\d{1,30}\.\d{1,30}(-[0-9A-Za-z.-]{0,20})?(\+[0-9A-Za-z.-]{0,20})?"


@FAST
@given(st.text(max_size=60) | st.from_regex(SEMVERISH, fullmatch=True))
def test_semver_parse_and_compare(text: str) -> None:
    try:
        v = parse_version(text)
    except ConfigError:
        return
    assert compare_versions(text, text) == 0
    assert compare_versions(text, str(v)) == 0


@FAST
@given(st.text(max_size=80) | st.from_regex(r"(rouge_l|latency_p50_s|peak_rss_bytes):([a-z_]{0,20}=[^,]{0,10},?){0,4}",
                                             fullmatch=True))
def test_gate_specs(spec: str) -> None:
    try:
        parse_gate(spec, {})
    except ConfigError:
        pass


@pytest.fixture(scope="module")
def pubkey(tmp_path_factory):
    d = tmp_path_factory.mktemp("keys")
    trust.generate_keypair(d / "k", d / "k.pub")
    return trust.load_public_key(d / "k.pub")


@FAST
@given(data=st.binary(max_size=300), sig=st.binary(max_size=300) | st.none())
def test_signature_files(pubkey, data: bytes, sig: bytes | None) -> None:
    try:
        trust.verify(data, sig, pubkey, "m.json")
    except IntegrityError:
        return
    raise AssertionError("a random signature verified")
