"""Pieces several scenarios share: sample videos, the real scanner, moto's S3 server, redis,
locally built image tags, tmpfs volumes. Each starts something real and registers it with the box
so that ``Box.close`` stops it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import rig
from rig import VENV_PY, Box, wait_for

SCAN = ["-m", "vvai", "pipeline", "scan", "--watch", "--interval", "1", "--settle", "1"]
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "vvrecord",
    "AWS_SECRET_ACCESS_KEY": "vvrecord-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def make_samples(dest: Path, count: int = 6, seconds: int = 2, timeout: float = 180,
                 size: tuple[int, int] | None = None) -> Path:
    """The project's own sample videos (PyAV): ``count`` good ones of ``seconds`` each (``size``:
    width and height, else the generator's), a garbage one, a truncated one."""
    if not (dest / "samples.json").exists():
        frame = ["--width", str(size[0]), "--height", str(size[1])] if size else []
        subprocess.run(
            [
                str(VENV_PY),
                "-m",
                "vvai",
                "pipeline",
                "make-samples",
                str(dest),
                "--count",
                str(count),
                "--seconds",
                str(seconds),
                *frame,
                "--no-highres",
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    return dest


def good_videos(samples: Path) -> list[Path]:
    return sorted(p for p in samples.iterdir() if p.name.startswith("sample_") and p.suffix in (".mp4", ".mkv"))


def drop(box: Box, src: Path, name: str, folder: str = "input") -> Path:
    """Copy a video in the way a camera uploader does: to a temp name, then rename into place."""
    dst = box.root / folder / name
    tmp = dst.with_name("." + name + ".part")
    shutil.copyfile(src, tmp)
    tmp.rename(dst)
    return dst


def scanner(box: Box, **kw) -> object:
    """The project's scanner (``vvai pipeline scan --watch``) in a container."""
    return box.py(
        "scene_scanner",
        SCAN,
        mem_limit=kw.pop("mem_limit", "512m"),
        cpus=kw.pop("cpus", 1.0),
        restart=kw.pop("restart", "on-failure"),
        retries=kw.pop("retries", 5),
        **kw,
    )


def idle_summarizer(box: Box, **kw) -> object:
    """A quiet scene_summarizer printing its routine line (depends on scene_scanner unless told)."""
    return box.idle(
        "scene_summarizer",
        "summarizer idle: 0 analytic files waiting",
        every=6,
        mem_limit="256m",
        restart="on-failure",
        retries=5,
        depends_on=kw.pop("depends_on", ("scene_scanner",)),
        **kw,
    )


def quiet_stack(box: Box, skip: tuple[str, ...] = ()) -> None:
    """The services a scenario does not touch, printing their routine lines."""
    if "scene_summarizer" not in skip:
        idle_summarizer(box, cpus=1.0)
    if "log_exporter" not in skip:
        box.idle(
            "log_exporter", "exporter: nothing new to ship", every=7, mem_limit="128m", cpus=0.25, restart="always"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_moto(box: Box, port: int):
    """moto's real S3 server, a host process (the box's 'external storage')."""
    p = box.spawn([str(VENV_PY), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], log="moto.log")
    wait_for(lambda: port_open(port), 30, 0.2, "moto server")
    return p


def make_bucket(port: int, bucket: str) -> None:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )
    s3.create_bucket(Bucket=bucket)


def exporter_loop(box: Box, port: int, every: float = 6, attempts: int = 3) -> object:
    """The project's exporter, shipping every few seconds to S3 (the compose service's loop)."""
    cmd = (
        f"while :; do {VENV_PY} -m vvai pipeline export --to s3://vv-archive/edge-rf "
        f"--endpoint-url http://127.0.0.1:{port} --attempts {attempts} --no-videos; sleep {every:g}; done"
    )
    return box.run(
        "log_exporter",
        ["sh", "-c", cmd],
        image=rig.HOSTPY_IMAGE,
        hostpy=True,
        mem_limit="256m",
        cpus=0.5,
        restart="always",
        env=AWS_ENV,
    )


def tmpfs(box: Box, path: Path, size: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True, timeout=20)
    box.mounts.append(path)
    return path


def build_tag(box: Box, tag: str, files: dict[str, str], base: str = rig.HOSTPY_IMAGE) -> str:
    """A real image build (``podman build``, no network) adding ``files`` under /opt/svc."""
    ctx = box.dir / ("build-" + tag.rsplit(":", 1)[1])
    ctx.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (ctx / name).write_text(text)
    (ctx / "Containerfile").write_text(f"FROM {base}\n" + "".join(f"COPY {n} /opt/svc/{n}\n" for n in files))
    box.engine.podman("build", "--network", "none", "-t", tag + "-build", str(ctx), timeout=120)
    # podman 4.3's build (buildah) logs no image event; the release step tags it, as a pull would
    repo, version = tag.rsplit(":", 1)
    box.client.images.get(tag + "-build").tag(repo, version)
    box.engine.podman("untag", tag + "-build", tag + "-build")
    box.images.append(tag)
    return tag


def settle(seconds: float) -> None:
    time.sleep(seconds)
