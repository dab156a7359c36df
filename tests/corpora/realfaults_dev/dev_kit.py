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


def sized_samples(dest: Path, seconds: int, width: int, height: int, count: int = 2) -> list[Path]:
    """The project's generator at a bigger frame size (a scan costs real CPU time: ~1 s of one core
    for 20 s of 640x360)."""
    return kit.good_videos(kit.make_samples(dest, count=count, seconds=seconds, timeout=300, size=(width, height)))


def make_video(path: Path, width: int, height: int, frames: int = 8, fps: int = 4) -> Path:
    """A real H.264 video at any resolution (PyAV/libx264, moving gradient), written then renamed."""
    import av
    import numpy as np

    tmp = path.with_name("." + path.name + ".part")
    with av.open(str(tmp), "w", format="mp4") as out:
        st = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        st.width, st.height, st.pix_fmt = width, height, "yuv420p"
        ramp = (np.arange(width, dtype=np.uint16)[None, :] + np.arange(height, dtype=np.uint16)[:, None]) % 256
        for i in range(frames):
            img = np.stack([(ramp + 16 * i) % 256, ramp, 255 - ramp], axis=-1).astype(np.uint8)
            for pkt in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    tmp.rename(path)
    return path


def freeze_cgroup(box: Box, container: object) -> object:
    """Freeze all of a container's processes with the kernel's cgroup v1 freezer (the engine still
    says 'running'); the helper thaws it on SIGTERM, which Box.close sends before removing containers."""
    pid = box.state(container)["Pid"]
    p = box.spawn([str(rig.VENV_PY), str(HERE / "workers" / "cgroup_freeze.py"), str(pid)], log="freezer.log")
    rig.wait_for(lambda: "FROZEN" in (box.dir / "freezer.log").read_text(), 15, 0.2, "cgroup frozen")
    return p


def inputs(box: Box) -> int:
    return len([p for p in (box.root / "input").iterdir() if not p.name.startswith(".")])


def cpu_ticks(pid: int) -> int:
    """utime + stime of a host pid, in clock ticks."""
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def long_analytic(template: Path, dest: Path, video: str, scenes: int) -> Path:
    """An analytic file for a long recording, made from a real one the project's scanner wrote (same
    layout and fields): its scenes repeated up to ``scenes``, shifted in time, motion varied; written
    next to ``dest`` then renamed, so a watcher never sees it half-written."""
    import json

    doc = json.loads(template.read_text())
    base = doc.get("scenes") or []
    span = float(base[-1]["end_s"]) if base else 2.0
    out = []
    for i in range(scenes):
        s = json.loads(json.dumps(base[i % len(base)]))
        k = i // max(1, len(base))
        s["index"] = i
        for key in ("start_s", "end_s"):
            s[key] = round(float(s[key]) + k * span, 4)
        if isinstance(s.get("motion"), dict):
            s["motion"]["mean"] = round(((i * 7919) % 1000) / 10000.0, 5)
        out.append(s)
    doc["scenes"] = out
    doc["cuts_s"] = [s["start_s"] for s in out[1:]]
    duration = round(span * (scenes // max(1, len(base)) + 1), 4)
    doc["video"] = {**(doc.get("video") or {}), "file": video, "duration_s": duration}
    tmp = dest.with_name("." + dest.name + ".tmp")
    tmp.write_text(json.dumps(doc))
    tmp.rename(dest)
    return dest


def pending_summaries(box: Box) -> int:
    """.analytic.json files in processed/ that have no .summary.json yet."""
    proc = box.root / "processed"
    done = {p.name[: -len(".summary.json")] for p in proc.glob("*.summary.json")}
    return len([p for p in proc.glob("*.analytic.json") if p.name[: -len(".analytic.json")] not in done])
