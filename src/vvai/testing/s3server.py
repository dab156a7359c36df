"""A real S3-compatible HTTP endpoint for the tests: moto's server in a thread on 127.0.0.1.

We do not mock boto3: the code under test talks HTTP to this endpoint exactly as it would to
AWS or MinIO (signature v4, real sockets). Only credentials and region are fake.

Usage::

    with S3Server() as s3:
        s3.create_bucket("models")
        uri = s3.put_object("models", "m/1.0.tar.gz", Path("model.tar.gz"))   # "s3://models/m/1.0.tar.gz"
        os.environ.update(s3.env)   # or monkeypatch.setenv for each item
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ACCESS_KEY = "test"
SECRET_KEY = "test"
REGION = "us-east-1"


class S3Server:
    """moto's ThreadedMotoServer on a free port, with boto3 helpers; stop() is idempotent."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = 0
        self._server: Any = None

    def start(self) -> S3Server:
        if self._server is not None:
            return self
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log on stderr
        server = ThreadedMotoServer(ip_address=self.host, port=0, verbose=False)
        server.start()
        self._server = server
        self.port = server.get_host_and_port()[1]
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        inner = getattr(server, "_server", None)
        if inner is not None:  # ThreadedMotoServer.stop() leaves the listening socket open
            inner.server_close()

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Environment a boto3-based client needs to reach this endpoint and nothing else.

        ``AWS_ENDPOINT_URL``/``AWS_ENDPOINT_URL_S3`` are honoured by botocore >= 1.31; config and
        credential files point at nothing so a developer's ~/.aws cannot leak in.
        """
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self) -> Any:
        """A boto3 S3 client bound to this endpoint with the fake credentials."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def reset(self) -> None:
        """Forget every bucket and object (moto's reset API), so a shared server starts clean."""
        import urllib.request

        req = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()

    def create_bucket(self, bucket: str) -> None:
        self.client().create_bucket(Bucket=bucket)

    def put_object(self, bucket: str, key: str, data: bytes | str | os.PathLike[str]) -> str:
        """Upload bytes or a file (creating the bucket if needed); returns ``s3://bucket/key``."""
        c = self.client()
        existing = {b["Name"] for b in c.list_buckets().get("Buckets", [])}
        if bucket not in existing:
            c.create_bucket(Bucket=bucket)
        if isinstance(data, bytes | bytearray):
            c.put_object(Bucket=bucket, Key=key, Body=bytes(data))
        else:
            c.upload_file(str(Path(data)), bucket, key)
        return f"s3://{bucket}/{key}"

    def get_object(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def presigned_url(self, bucket: str, key: str, expires: int = 3600) -> str:
        """An HTTP(S) GET URL for the object, usable without credentials."""
        return self.client().generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
        )
