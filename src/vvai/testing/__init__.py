"""Test helpers that drive real components: a private Podman engine and a local webhook receiver.

They live in the package (not under ``tests/``) so benchmarks and the test suite share them.
"""
