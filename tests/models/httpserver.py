"""Moved to vvai.testing.httpserver (test helpers live in one place); kept for old imports."""
from vvai.testing.httpserver import ArtifactServer, parse_range, write_blob_file  # noqa: F401
