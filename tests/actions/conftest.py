from tests.podman_fixtures import compose_project, podman_engine, webhook  # noqa: F401
