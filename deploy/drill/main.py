"""deploy/drill.sh: build, bring the stack up, run the fault drills, print the table, tear down.

    deploy/drill.sh [--engine podman|docker] [--keep-logs DIR] [--json FILE]

Exit 0 when every drill passed, 1 when one failed, 2 when the stack could not be set up.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

from deploy.drill.drills import Drills, summary, to_json
from deploy.drill.media import make_media
from deploy.drill.observe import Api, Files, wait
from deploy.drill.stack import DEPLOY, LONG_RUNNING, Stack, build_images, free_port

ENGINE_ROOT = Path(os.environ.get("VV_DRILL_PODMAN_ROOT", "/var/tmp/vvai-drill-podman"))
BUILD_CACHE = Path(os.environ.get("VV_DRILL_BUILD_CACHE", "/var/tmp/vvai-drill-build"))


def say(msg: str) -> None:
    print(f"[drill] {msg}", flush=True)


def prepare_root(root: Path, work: Path) -> None:
    from vvai.pipeline.summarizer.sample_model import publish_summarizer_model

    for d in ("input", "processed", "corrupted", "logs", "models", "releases/good", "releases/broken"):
        (root / d).mkdir(parents=True, exist_ok=True)
    good = publish_summarizer_model(root / "releases" / "good", "1.0.0", weights_kib=64)
    broken = publish_summarizer_model(root / "releases" / "broken", "1.1.0", weights_kib=64, broken=True)
    # the manifest the stack syncs: artifacts are relative to it, so point it into good/
    import json

    doc = json.loads(good.read_text())
    for a in doc["artifacts"]:
        a["url"] = "good/" + a["url"].split("/")[-1]
    (root / "releases" / "model_manifest.json").write_text(json.dumps(doc))
    bdoc = json.loads(broken.read_text())
    for a in bdoc["artifacts"]:
        a["url"] = "broken/" + a["url"].split("/")[-1]
    (root / "releases" / "broken.json").write_text(json.dumps(bdoc))  # copied over model_manifest.json
    for p in [root, *root.rglob("*")]:
        os.chown(p, 1000, 1000)


def drill_config(work: Path, alert_url: str, api_port: int) -> Path:
    text = (DEPLOY / "drill" / "vvai.toml").read_text()
    out = work / "vvai.toml"
    out.write_text(text.replace("@ALERT_URL@", alert_url).replace("@API_PORT@", str(api_port)))
    out.chmod(0o644)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="drill.sh")
    ap.add_argument("--engine", choices=("podman", "docker"), default="podman")
    ap.add_argument("--json", help="write the results as JSON here")
    a = ap.parse_args(argv)
    from vvai.testing.webhook import WebhookReceiver

    t_all = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="vvai-drill-"))
    root = work / "root"
    log = work / "compose.log"
    say(f"work folder {work}")
    engine = None
    if a.engine == "podman":
        from vvai.testing.podman import PodmanEngine, podman_available

        why = podman_available()
        if why:
            say(f"error: Podman not usable: {why}")
            return 2
        ENGINE_ROOT.mkdir(parents=True, exist_ok=True)
        engine = PodmanEngine(ENGINE_ROOT).start()
    hook = WebhookReceiver().start()
    project = f"vvd{uuid.uuid4().hex[:6]}"
    stack = None
    try:
        took = build_images(engine, work / "build.log", BUILD_CACHE)
        say(f"images ready in {took:.0f} s (build-images.sh, cache {BUILD_CACHE})")
        prepare_root(root, work)
        media = make_media(work / "media")
        files = Files(root)
        files.put(media["good"], "start_1.mp4")
        token, api_port = secrets.token_urlsafe(24), free_port()
        cfg = drill_config(work, hook.apprise_url("drill"), api_port)
        stack = Stack(engine, project, root, log, {
            "VV_API_TOKEN": token, "VV_MONITOR_CONFIG": str(cfg), "VV_EXPORT_INTERVAL": "3",
            "VV_SCANNER_MEM": os.environ.get("VV_DRILL_SCANNER_MEM", "150m"), "VV_SUMMARIZER_MEM": "1g"})
        t0 = time.monotonic()
        r = stack.compose("up", "-d")
        if r.returncode != 0:
            say(f"error: compose up failed: {r.stderr[-2000:]}")
            return 2
        api = Api(api_port, token)
        if not wait(lambda: api.up() and all(stack.healthy(s) for s in LONG_RUNNING), 240, every=2):
            sick = [s for s in LONG_RUNNING if not stack.healthy(s)]
            say(f"error: stack not healthy after 240 s: {sick}; logs in {log}")
            return 2
        import boto3

        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{stack.env['VV_S3_PORT']}", region_name="us-east-1",
                          aws_access_key_id="vvlocal", aws_secret_access_key="vvlocal")
        if not wait(lambda: (files.note_shipped(s3), files.where("start_1.mp4") == "shipped")[1], 120):
            say(f"warning: the first video was not shipped within 120 s (it is in {files.where('start_1.mp4')})")
        wait(lambda: not api.incidents("open"), 60)
        say(f"stack up and healthy in {time.monotonic() - t0:.0f} s")
        d = Drills(stack, api, hook, files, media, s3)
        results = []
        for run in (d.healthy_stretch, d.poison_video, d.storage_down, d.broken_model, d.oom_oversized):
            res = run()
            say(res.row())
            results.append(res)
        poison = results[1]
        if poison.mttd is not None and poison.mttd > 30:
            poison.problems.append(f"MTTD {poison.mttd:.0f} s > 30 s target")
        if poison.mttr is not None and poison.mttr > 120:
            poison.problems.append(f"MTTR {poison.mttr:.0f} s > 120 s target")
        if a.json:
            Path(a.json).write_text(to_json(results))
        print()
        for line in summary(results):
            print(line, flush=True)
        return 0 if all(r.passed for r in results) else 1
    finally:
        if stack is not None:
            left = stack.teardown()
            if left:
                say(f"teardown removed leftovers by id: {left}")
        hook.stop()
        if engine is not None:
            engine.stop()
        say(f"total {time.monotonic() - t_all:.0f} s; logs in {work}")


if __name__ == "__main__":
    sys.exit(main())
