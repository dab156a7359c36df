from tests.podman_fixtures import podman_engine  # noqa: F401
