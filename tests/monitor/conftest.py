from tests.podman_fixtures import compose_project, docker_engine, podman_engine, webhook  # noqa: F401
