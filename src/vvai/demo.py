"""The README's main job."""


def run_demo(workdir: str | None) -> None:
    raise NotImplementedError
