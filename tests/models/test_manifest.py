"""The manifest format of the original design, and a precise error for every wrong field."""

from __future__ import annotations

import copy
import json

import pytest

from vvai.common.errors import ConfigError
from vvai.models.manifest import compare_versions, parse_manifest, resolve_url

GOOD = {
    "model_name": "BitNet-4bit-Summarizer",
    "version": "1.0.0",
    "release_date": "2025-05-01",
    "description": "Versão inicial do modelo BitNet quantizado 4-bit para sumarização de cenas.",
    "notes": "Usar este modelo com summarize_scene.py versão >= 2.1",
    "artifacts": [{
        "filename": "bitnet_summarizer_v1.0.0.tar.gz",
        "url": "https://your-storage.example.com/models/bitnet_summarizer_v1.0.0.tar.gz",
        "sha256": "a" * 64,
        "size_bytes": 123456789,
        "target_path_in_container": "/app/models/bitnet",
    }],
}


def test_original_design_manifest_parses_verbatim():
    m = parse_manifest(json.dumps(GOOD).encode())
    assert m.model_name == "BitNet-4bit-Summarizer"
    assert m.version == "1.0.0"
    assert str(m.release_date) == "2025-05-01"
    a = m.artifacts[0]
    assert (a.slot, a.archive, a.size_bytes) == ("bitnet", "tar", 123456789)


def test_unknown_keys_are_ignored_and_optional_fields_may_be_absent():
    doc = copy.deepcopy(GOOD)
    doc["future_field"] = {"x": 1}
    doc["artifacts"][0]["mirror"] = "elsewhere"
    for k in ("release_date", "description", "notes"):
        del doc[k]
    m = parse_manifest(json.dumps(doc).encode())
    assert m.description is None


def _set(path, value):
    def mutate(doc):
        obj = doc
        for p in path[:-1]:
            obj = obj[p]
        if value is _DELETE:
            del obj[path[-1]]
        else:
            obj[path[-1]] = value
    return mutate


_DELETE = object()

CASES = [
    (_set(["model_name"], _DELETE), "model_name: field required"),
    (_set(["model_name"], ""), "model_name:"),
    (_set(["model_name"], 7), "model_name:"),
    (_set(["version"], _DELETE), "version: field required"),
    (_set(["version"], "1.0"), "version: must be a semantic version"),
    (_set(["version"], "latest"), "version: must be a semantic version"),
    (_set(["version"], "1.0.0/../x"), "version:"),
    (_set(["release_date"], "01/05/2025"), "release_date:"),
    (_set(["release_date"], "2025-13-01"), "release_date:"),
    (_set(["artifacts"], _DELETE), "artifacts: field required"),
    (_set(["artifacts"], []), "artifacts:"),
    (_set(["artifacts"], "x.tar.gz"), "artifacts:"),
    (_set(["artifacts", 0, "filename"], _DELETE), "artifacts[0].filename: field required"),
    (_set(["artifacts", 0, "filename"], "../evil.tar.gz"), "artifacts[0].filename: must be a plain file name"),
    (_set(["artifacts", 0, "filename"], "a/b.gguf"), "artifacts[0].filename: must be a plain file name"),
    (_set(["artifacts", 0, "url"], _DELETE), "artifacts[0].url: field required"),
    (_set(["artifacts", 0, "url"], ""), "artifacts[0].url:"),
    (_set(["artifacts", 0, "sha256"], _DELETE), "artifacts[0].sha256: field required"),
    (_set(["artifacts", 0, "sha256"], "abc"), "artifacts[0].sha256: must be 64 hexadecimal characters"),
    (_set(["artifacts", 0, "sha256"], "g" * 64), "artifacts[0].sha256: must be 64 hexadecimal characters"),
    (_set(["artifacts", 0, "sha256"], "sha256_hash_of_the_tar_gz_file"), "artifacts[0].sha256: must be 64"),
    (_set(["artifacts", 0, "size_bytes"], _DELETE), "artifacts[0].size_bytes: field required"),
    (_set(["artifacts", 0, "size_bytes"], 0), "artifacts[0].size_bytes: must be a positive number"),
    (_set(["artifacts", 0, "size_bytes"], -5), "artifacts[0].size_bytes: must be a positive number"),
    (_set(["artifacts", 0, "size_bytes"], "big"), "artifacts[0].size_bytes:"),
    (_set(["artifacts", 0, "target_path_in_container"], _DELETE),
     "artifacts[0].target_path_in_container: field required"),
    (_set(["artifacts", 0, "target_path_in_container"], "models/bitnet"),
     "artifacts[0].target_path_in_container: must be an absolute path"),
    (_set(["artifacts", 0, "target_path_in_container"], "/"),
     "artifacts[0].target_path_in_container: must end in a folder name"),
    (_set(["artifacts", 0, "target_path_in_container"], "/app/models/.."),
     "artifacts[0].target_path_in_container:"),
    (_set(["artifacts", 0, "target_path_in_container"], "/app/versions"),
     "artifacts[0].target_path_in_container: the folder name 'versions' is reserved"),
]


@pytest.mark.parametrize("mutate,expected", CASES, ids=[c[1][:40] + f"-{i}" for i, c in enumerate(CASES)])
def test_every_wrong_field_gives_a_precise_one_line_error(mutate, expected):
    doc = copy.deepcopy(GOOD)
    mutate(doc)
    with pytest.raises(ConfigError) as ei:
        parse_manifest(json.dumps(doc).encode(), where="m.json")
    msg = ei.value.one_line()
    assert msg.startswith("m.json: ")
    assert expected in msg, msg
    assert "\n" not in msg


def test_duplicate_artifact_filenames_refused():
    doc = copy.deepcopy(GOOD)
    doc["artifacts"].append(dict(doc["artifacts"][0]))
    with pytest.raises(ConfigError, match=r"artifacts\[1\]\.filename: .* appears twice"):
        parse_manifest(json.dumps(doc).encode())


@pytest.mark.parametrize("data,expected", [
    (b"{not json", "invalid JSON at line 1"),
    (b"[1, 2]", "top level must be a JSON object"),
    (b"\xff\xfe\x00", "not UTF-8"),
])
def test_not_a_manifest(data, expected):
    with pytest.raises(ConfigError, match=expected):
        parse_manifest(data)


def test_semantic_version_ordering():
    assert compare_versions("1.10.0", "1.9.0") > 0
    assert compare_versions("1.0.0-rc.1", "1.0.0") < 0
    assert compare_versions("v2.0.0", "2.0.0") == 0
    assert compare_versions("1.0.0+build.5", "1.0.0") == 0


def test_relative_urls_resolve_against_the_manifest():
    assert resolve_url("https://h/m/model_manifest.json", "a.tar.gz") == "https://h/m/a.tar.gz"
    assert resolve_url("https://h/m/model_manifest.json", "../b/a.gguf") == "https://h/b/a.gguf"
    assert resolve_url("s3://bucket/rel/m.json", "a.tar.gz") == "s3://bucket/rel/a.tar.gz"
    assert resolve_url("/srv/m/model_manifest.json", "a.tar.gz") == "/srv/m/a.tar.gz"
    assert resolve_url("file:///srv/m/x.json", "a.zip") == "file:///srv/m/a.zip"
    assert resolve_url("/srv/m/x.json", "http://other/a.zip") == "http://other/a.zip"
