"""`vvai monitor run` watching 5 idle containers: its CPU (% of one core) and RSS (prints figures).

Setup: a private Podman engine with 5 idle containers in one compose project, a pipeline folder
with an app.log, and the real ``vvai monitor run`` process (its default intervals: a pass every
30 s, stats every 15 s, folder snapshots every 60 s, log files polled every second). After a
warm-up, CPU time and RSS are sampled with psutil over the measuring period.

Baseline measured in the same run: a Python process that only imports what the monitor imports
(docker, apprise, prometheus-client, pydantic, the diagnosis engine) and sleeps, so the RSS
figure can be read as "interpreter + libraries" vs "the monitor's own state". The Podman
service's CPU over the same period is printed too (the load our polling puts on the engine).

Targets: <= 2 % of one core, <= 120 MB RSS.
Usage: .venv/bin/python bench/monitor_idle.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from vvai.testing.podman import BUSYBOX_IMAGE, PodmanEngine
from vvai.testing.webhook import WebhookReceiver

PROJECT = "vvidle"
BASELINE = ("import time, docker, apprise, prometheus_client, pydantic, httpx;"
            "import vvai.monitor.diagnose.engine, vvai.monitor.service.daemon; time.sleep(3600)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(proc: psutil.Process, seconds: float) -> tuple[float, float, float]:
    """CPU % of one core over the period, mean and max RSS in MB."""
    t0 = proc.cpu_times()
    w0 = time.monotonic()
    rss: list[int] = []
    while time.monotonic() - w0 < seconds:
        rss.append(proc.memory_info().rss)
        time.sleep(1)
    t1 = proc.cpu_times()
    wall = time.monotonic() - w0
    cpu = (t1.user + t1.system - t0.user - t0.system) / wall * 100
    return cpu, sum(rss) / len(rss) / 1e6, max(rss) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--warmup", type=float, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vvai-idle-") as tmp, PodmanEngine(Path(tmp) / "pm") as eng, \
            WebhookReceiver() as hook:
        client = eng.docker_client()
        for svc in ("scene_scanner", "scene_summarizer", "log_exporter", "prometheus_agent", "web_ui"):
            client.containers.run(BUSYBOX_IMAGE, ["sleep", "3600"], detach=True, name=f"{PROJECT}-{svc}",
                                  mem_limit="64m", labels={"com.docker.compose.project": PROJECT,
                                                           "com.docker.compose.service": svc})
        root = Path(tmp) / "vv"
        for d in ("input", "processed", "corrupted", "logs"):
            (root / d).mkdir(parents=True)
        (root / "logs" / "app.log").write_text(json.dumps({"ts": "2026-11-24T00:00:00Z", "level": "INFO",
                                                           "component": "scene_scanner", "msg": "idle"}) + "\n")
        port = free_port()
        toml = Path(tmp) / "vvai.toml"
        toml.write_text(f'[monitor]\nhost = "bench"\n[pipeline]\nroot = "{root}"\n'
                        f'[engine]\nsocket = "{eng.socket_url}"\ncompose_project = "{PROJECT}"\n'
                        f'[store]\npath = "{Path(tmp) / "m.db"}"\n[metrics]\nport = {port}\n'
                        f'[alerts]\nurls = ["{hook.apprise_url("idle")}"]\n')
        mon = subprocess.Popen([sys.executable, "-m", "vvai", "monitor", "run", "--config", str(toml)],
                               stdout=subprocess.DEVNULL, stderr=open(Path(tmp) / "monitor.log", "wb"))  # noqa: SIM115
        base = subprocess.Popen([sys.executable, "-c", BASELINE])
        try:
            time.sleep(args.warmup)
            if mon.poll() is not None:
                print((Path(tmp) / "monitor.log").read_text()[-2000:])
                raise SystemExit("monitor exited early")
            engine_proc = psutil.Process(eng.proc.pid) if eng.proc else None
            e0 = engine_proc.cpu_times() if engine_proc else None
            print(f"measuring for {args.seconds:.0f} s with 5 idle containers ...")
            cpu, rss_mean, rss_max = measure(psutil.Process(mon.pid), args.seconds)
            _, base_rss, _ = measure(psutil.Process(base.pid), 2)
            if engine_proc and e0:
                e1 = engine_proc.cpu_times()
                ecpu = (e1.user + e1.system - e0.user - e0.system) / (args.seconds + 2) * 100
            import httpx

            metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            passes = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                         if line.startswith("vvai_monitor_passes_total{"))
        finally:
            for p in (mon, base):
                p.terminate()
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        print(f"vvai monitor run: CPU {cpu:.2f} % of one core (target <= 2 %: {'OK' if cpu <= 2 else 'MISSED'}), "
              f"RSS mean {rss_mean:.1f} MB, max {rss_max:.1f} MB (target <= 120 MB: "
              f"{'OK' if rss_max <= 120 else 'MISSED'}), {passes:.0f} passes so far")
        print(f"baseline (same imports, idle): RSS {base_rss:.1f} MB -> the monitor's own state "
              f"{rss_max - base_rss:+.1f} MB")
        if engine_proc:
            print(f"podman service CPU over the same period: {ecpu:.2f} % of one core")
        print(f"monitor exit code after SIGTERM: {mon.returncode}; alerts received while idle: "
              f"{len(hook.received)} (expected 0)")


if __name__ == "__main__":
    main()
