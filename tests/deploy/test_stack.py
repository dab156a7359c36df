"""The whole edge box for real: deploy/build-images.sh, then deploy/docker-compose.yml on Podman.

Builds (or finds cached) the images on a private Podman engine whose storage persists under
$VV_DEPLOY_PODMAN_ROOT (default /var/tmp/vvai-deploy-podman), brings the stack up with Debian's
docker-compose against Podman's Docker API, and checks that:
- the one-shot model_sync finished (exit 0) before the summarizer started, and installed the model;
- every long-running service is running and its health check passes (Podman runs health checks
  from systemd timers, absent here, so a HealthTicker runs them with `podman healthcheck run`);
- the pipeline works inside the stack: sample videos are scanned, summarized and shipped to the
  local S3 store; the monitor reads the engine through the proxy (stats records) and none of its
  calls is refused there (the proxy logs every refusal: no 403 in its log);
- least privilege holds: only the proxy mounts the raw engine socket, the monitor's root
  filesystem and pipeline mount are read-only, the models are read-only outside model_sync;
then tears everything down by id. Step times are printed (pytest -s).
"""

from __future__ import annotations

import os
import re
import time
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from tests.deploy.stackrun import (
    LONG_RUNNING,
    HealthTicker,
    Timer,
    build_images,
    cached_engine,
    compose,
    compose_command,
    stack_env,
    teardown,
)
from vvai.testing.podman import podman_available

pytestmark = [pytest.mark.podman, pytest.mark.slow, pytest.mark.timeout(1200)]


def _prepare_root(root: Path) -> None:
    from vvai.pipeline.summarizer.sample_model import publish_summarizer_model
    from vvai.pipeline.videogen import make_samples

    for d in ("input", "processed", "corrupted", "logs", "models", "releases"):
        (root / d).mkdir(parents=True)
    manifest = publish_summarizer_model(root / "releases", "1.0.0", weights_kib=64)
    (root / "releases" / "model_manifest.json").write_bytes(manifest.read_bytes())
    staging = root.parent / "samples"
    make_samples(staging, count=2, seed=3, width=96, height=64, seconds=2.0, highres=False)
    videos = [f for f in sorted(staging.iterdir()) if f.suffix in (".mp4", ".mkv") and f.name.startswith("sample_")]
    assert len(videos) == 2, videos
    for f in videos:
        os.replace(f, root / "input" / f.name)
    for p in [root, *root.rglob("*")]:
        os.chown(p, 1000, 1000)  # the services run as uid 1000


def _wait(what: str, cond, timeout_s: float, every: float = 1.0):
    deadline = time.monotonic() + timeout_s
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(every)


def _ts(value: str) -> datetime:
    """An engine timestamp (RFC 3339, up to nanoseconds, trailing zeros trimmed) as a datetime."""
    m = re.match(r"(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", value)
    assert m, value
    frac = (m.group(2) or "0")[:6].ljust(6, "0")
    return datetime.fromisoformat(f"{m.group(1)}.{frac}{m.group(3).replace('Z', '+00:00')}")


def _metrics(port: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def _metric(text: str, name: str, labels: str = "") -> float:
    m = re.search(rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def test_stack_builds_comes_up_healthy_works_and_goes_away(tmp_path):
    reason = podman_available()
    if reason:
        pytest.skip(f"needs Podman: {reason}")
    cmd = compose_command()
    if cmd is None:
        pytest.skip("needs docker-compose (Debian package) or podman-compose")
    if os.geteuid() != 0:
        pytest.skip("the local base image is made with debootstrap, which needs root")
    timer = Timer()
    log = tmp_path / "stack.log"
    root = tmp_path / "box" / "root"
    _prepare_root(root)
    project = f"vvs{uuid.uuid4().hex[:6]}"
    stack = project
    with cached_engine() as engine:
        with timer.step("build"):
            build_images(engine, tmp_path / "build.log")
        env = stack_env(engine, root, stack, VV_EXPORT_INTERVAL="3", VV_SCANNER_MEM="1g", VV_SUMMARIZER_MEM="1g")
        client = engine.docker_client()
        ticker = HealthTicker(engine, [f"{stack}_{s}" for s in LONG_RUNNING], interval_s=2)
        try:
            with timer.step("up"):
                r = compose(cmd, project, env, "up", "-d", log=log)
                assert r.returncode == 0, log.read_text()[-4000:]

            def container(service):
                return client.api.inspect_container(f"{stack}_{service}")

            with timer.step("running"):
                sync = _wait("model_sync to exit", lambda: (a := container("model_sync"))["State"]["Status"] == "exited"
                             and a, 120)
                assert sync["State"]["ExitCode"] == 0, client.api.logs(sync["Id"]).decode()[-2000:]
                _wait("every long-running service running",
                      lambda: all(container(s)["State"]["Status"] == "running" for s in LONG_RUNNING), 60)
                summ = container("scene_summarizer")
                assert _ts(summ["State"]["StartedAt"]) > _ts(sync["State"]["FinishedAt"]), "summarizer started first"
                assert (root / "models" / "active").is_symlink()

            ticker.start()
            with timer.step("healthy"):
                _wait("every long-running service healthy", lambda: all(
                    (container(s)["State"].get("Health") or {}).get("Status") == "healthy" for s in LONG_RUNNING),
                    120, every=1)

            with timer.step("pipeline"):
                import boto3

                s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{env['VV_S3_PORT']}", region_name="us-east-1",
                                  aws_access_key_id="vvlocal", aws_secret_access_key="vvlocal")
                # scanned, summarized, then shipped (and deleted locally: --delete-after) by the exporter
                _wait("both videos' summaries shipped to the local S3 store", lambda: sum(
                    o["Key"].endswith(".summary.json")
                    for o in s3.list_objects_v2(Bucket="vv-results").get("Contents", [])) == 2, 240)
                assert not list((root / "input").iterdir()) and not list((root / "corrupted").iterdir())

            with timer.step("monitor"):
                port = env["VV_MONITOR_METRICS_PORT"]
                text = _wait("the monitor's stats records (engine read through the proxy)",
                             lambda: (t := _metrics(port)) and _metric(t, "vvai_monitor_records_total",
                                                                        '{kind="stats"}') > 0 and t, 90)
                assert _metric(text, "vvai_monitor_up") == 1
                proxy_log = client.api.logs(f"{stack}_socket_proxy").decode(errors="replace")
                refused = [ln for ln in proxy_log.splitlines() if " 403 " in ln]
                assert not refused, f"the proxy refused calls the monitor needs: {refused[:5]}"

            raw_socket = str(engine.socket_path)
            for s in (*LONG_RUNNING, "model_sync"):
                a = container(s)
                sources = {m.get("Source") for m in a["Mounts"]}
                assert (raw_socket in sources) == (s == "socket_proxy"), f"{s} mounts the raw engine socket"
                for m in a["Mounts"]:
                    if m.get("Source") == str(root / "models") and s != "model_sync":
                        assert not m["RW"], f"{s} can write the models ({m['Destination']})"
            mon = container("llm_monitor_service")
            assert mon["HostConfig"]["ReadonlyRootfs"] is True
            writable = sorted(m["Destination"] for m in mon["Mounts"] if m["RW"])
            assert writable == ["/var/lib/vvai"], writable
            assert mon["Config"]["User"] in ("vv", "1000")
            proxy = container("socket_proxy")
            assert proxy["HostConfig"]["ReadonlyRootfs"] is True
            assert proxy["HostConfig"]["NetworkMode"] == "none"
        finally:
            ticker.stop()
            with timer.step("down"):
                left = teardown(engine, cmd, project, env, log)
            print(f"\nstack on Podman: {timer.report()}")
        assert not client.containers.list(all=True, filters={"label": f"com.docker.compose.project={project}"})
        assert left == [], f"compose down left {left}"
