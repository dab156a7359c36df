"""Self-tests of the moto-backed S3 endpoint, with plain boto3/httpx clients (no vvai code)."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import httpx

from .s3server import S3Server


def test_upload_and_download_through_the_http_endpoint(s3_server: S3Server, tmp_path: Path) -> None:
    f = tmp_path / "model.tar.gz"
    f.write_bytes(os.urandom(300_000))
    uri = s3_server.put_object("models", "tiny/1.0.0/model.tar.gz", f)
    assert uri == "s3://models/tiny/1.0.0/model.tar.gz"
    assert s3_server.get_object("models", "tiny/1.0.0/model.tar.gz") == f.read_bytes()
    assert s3_server.endpoint_url.startswith("http://127.0.0.1:")


def test_env_alone_lets_a_plain_boto3_client_reach_the_endpoint(s3_server: S3Server) -> None:
    for key, value in s3_server.env.items():
        assert os.environ[key] == value
    s3_server.put_object("bucket-env", "k", b"payload")
    client = boto3.client("s3")  # no endpoint or keys given: all from the environment
    assert client.get_object(Bucket="bucket-env", Key="k")["Body"].read() == b"payload"
    ranged = client.get_object(Bucket="bucket-env", Key="k", Range="bytes=3-")
    assert ranged["Body"].read() == b"load"


def test_state_is_reset_between_tests_and_presigned_urls_work(s3_server: S3Server) -> None:
    assert s3_server.client().list_buckets()["Buckets"] == []  # the previous tests' buckets are gone
    s3_server.create_bucket("presigned")
    s3_server.put_object("presigned", "a/b.bin", b"x" * 1000)
    r = httpx.get(s3_server.presigned_url("presigned", "a/b.bin"))
    assert r.status_code == 200 and r.content == b"x" * 1000
    assert httpx.get(s3_server.endpoint_url + "/presigned/a/b.bin").status_code == 403  # unsigned
