"""Moved to vvai.testing.s3server (test helpers live in one place); kept for old imports."""
from vvai.testing.s3server import S3Server  # noqa: F401
