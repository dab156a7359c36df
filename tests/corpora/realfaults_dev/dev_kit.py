"""Small helpers the development scenarios add on top of ../realfaults/rig.py and kit.py (imported
from there, not copied): the ground-truth builder, this corpus's own worker scripts mounted at
/devapp, longer sample videos, the project's summarizer with a model store, and folder counters."""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REALFAULTS = HERE.parent / "realfaults"
if str(REALFAULTS) not in sys.path:
    sys.path.insert(0, str(REALFAULTS))

import kit  # noqa: E402
import rig  # noqa: E402
from faults import _inc as inc  # noqa: E402,F401  (one rule for the expected incidents, both corpora)
from rig import Box  # noqa: E402

DEV_APP = "/devapp"  # where containers see tests/corpora/realfaults_dev/workers


def devapp() -> dict[str, dict]:
    return {str(HERE / "workers"): {"bind": DEV_APP, "mode": "ro"}}


def worker(box: Box, service: str, script: str, *args: str, **kw) -> object:
    """A container running one of this corpus's worker scripts with the checkout's Python."""
    vols = {**devapp(), **kw.pop("extra_volumes", {})}
    return box.py(service, [f"{DEV_APP}/{script}", *args], extra_volumes=vols, **kw)


def long_samples(dest: Path, seconds: int = 30, count: int = 3) -> list[Path]:
    """Longer sample videos made by the project's own generator (a scan takes seconds, not ms)."""
    return kit.good_videos(kit.make_samples(dest, count=count, seconds=seconds, timeout=300))


def count(box: Box, pattern: str, folder: str = "processed") -> int:
    return len(list((box.root / folder).glob(pattern)))


def model_store(box: Box, version: str = "1.0.0") -> Path:
    """A model store made with the project's model lifecycle (publish + sync), serving ``version``."""
    from vvai.models.lifecycle import ModelManager
    from vvai.pipeline.summarizer.sample_model import publish_summarizer_model

    models = box.root / "models"
    manifest = publish_summarizer_model(box.dir / "releases", version, style="brief", weights_kib=384)
    ModelManager(models).sync(str(manifest))
    return models


def summarizer(box: Box, interval: float = 1.5, **kw) -> object:
    """The project's summarizer (``vvai pipeline summarize --watch``) in a container."""
    return box.py(
        "scene_summarizer",
        [
            "-m",
            "vvai",
            "pipeline",
            "summarize",
            "--watch",
            "--interval",
            f"{interval:g}",
            "--models-dir",
            f"{rig.BOX_ROOT}/models",
        ],
        mem_limit=kw.pop("mem_limit", "384m"),
        cpus=kw.pop("cpus", 1.0),
        restart=kw.pop("restart", "on-failure"),
        retries=kw.pop("retries", 5),
        depends_on=kw.pop("depends_on", ("scene_scanner",)),
        **kw,
    )


def logs_have(box: Box, service: str, text: str) -> bool:
    for c in box.containers:
        if c.labels.get("com.docker.compose.service") == service:
            try:
                return text in c.logs(tail=300).decode(errors="replace")
            except Exception:  # noqa: BLE001 - container being recreated
                return False
    return False


def applog_has(box: Box, component: str, text: str = "") -> bool:
    p = box.root / "logs" / "app.log"
    return p.exists() and any(f'"component": "{component}"' in ln and text in ln for ln in p.read_text().splitlines())


def pace(seconds: float) -> None:
    time.sleep(seconds)
