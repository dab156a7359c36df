"""``vvai demo``: the whole system on one machine, on embedded defaults, no external service.

1. Model lifecycle: publish a summarizer model release, sync it into a fresh store (progress
   bar), show the status; then a broken release is synced: it installs and verifies, the
   summarizer refuses to load it and keeps serving the good one.
2. Reference pipeline: generate videos (with a corrupt one), scan them, summarize them with
   the managed model, verify the signatures.
3. Self-monitor: the exporter's storage is unreachable (a closed local port), so exports keep
   failing; one monitor pass over the live folders and logs diagnoses it, with evidence, and
   stores the incident in SQLite.
4. Repair (needs Podman, which install.sh installs; skipped otherwise): a poison input makes a
   scanner-like container crash at every start; the executor's plan is printed, then the monitor
   quarantines the file by itself (policy ``quarantine = "auto"``), the scanner goes on with the
   other files, and the alert says what was done.

The demo's monitor thresholds are shortened (seconds instead of minutes) so the fault shows
within the demo; everything else is the defaults.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table

from vvai.common.output import console


def _step(title: str) -> None:
    console.print()
    console.print(Rule(f"[bold cyan]{title}"))


def run_demo(workdir: str | None) -> None:
    work = Path(workdir).absolute() if workdir else Path(tempfile.mkdtemp(prefix="vvai-demo-"))
    work.mkdir(parents=True, exist_ok=True)
    root = work / "vv-video-ai-system"
    models = root / "models"
    console.print(Panel.fit(f"vvai demo in [bold]{work}[/]\nedge box root: {root}", title="VV-Video-AI-System"))

    _model_lifecycle(work, models)
    _pipeline(root, models, work)
    _monitor(root, work)
    _repair(work)
    console.print()
    console.print(f"[bold green]done.[/] Everything is under {work}: try "
                  f"[bold]vvai model status --root {models}[/] or "
                  f"[bold]vvai monitor diagnose {work / 'incident-bundle'}[/]")


def _model_lifecycle(work: Path, models: Path) -> None:
    from vvai.common.progress import RichProgress
    from vvai.models.lifecycle import ModelManager
    from vvai.models.manifest import parse_manifest
    from vvai.pipeline.summarizer.sample_model import publish_summarizer_model

    _step("1. model lifecycle: publish, sync, verify, a broken release")
    releases = work / "releases"
    m1 = publish_summarizer_model(releases, "1.0.0", style="detailed", weights_kib=48 * 1024)
    art = parse_manifest(m1.read_bytes()).artifacts[0]
    console.print(f"published {art.filename}: sha256 {art.sha256[:16]}..., {art.size_bytes:,} bytes -> {m1.name}")
    mgr = ModelManager(models, progress=RichProgress(enabled=True))
    res = mgr.sync(str(m1))
    console.print(f"[green]✓[/] sync: {res.model_name} {res.version} {res.action} "
                  f"({res.downloaded_bytes:,} bytes, {res.seconds:.2f} s); {models / 'bitnet'} -> "
                  f"{os.readlink(models / 'active')}")
    again = mgr.sync(str(m1))
    console.print(f"[green]✓[/] sync again: {again.action}, {again.downloaded_bytes} bytes downloaded (idempotent)")
    rep = mgr.verify()[0]
    console.print(f"[green]✓[/] verify: {rep.files} files re-hashed, {'ok' if rep.ok else rep.problems}")


def _pipeline(root: Path, models: Path, work: Path) -> None:
    import json

    from vvai.models.lifecycle import ModelManager
    from vvai.pipeline.layout import Layout
    from vvai.pipeline.scanner import Scanner
    from vvai.pipeline.signature import SignatureFile
    from vvai.pipeline.summarizer.sample_model import publish_summarizer_model
    from vvai.pipeline.summarizer.service import Summarizer
    from vvai.pipeline.verifier import verify
    from vvai.pipeline.videogen import make_samples

    _step("2. reference pipeline: videos -> scanner -> summarizer (managed model)")
    layout = Layout(root).ensure()
    make_samples(layout.input, count=3, seed=11, width=160, height=90, seconds=4.0, highres=False)
    for f in layout.input.glob("*.truth.json"):
        f.unlink()
    (layout.input / "samples.json").unlink(missing_ok=True)
    Scanner(layout, settle_s=0).run_once()
    summarizer = Summarizer(models, app_log=layout.app_log, poll_interval=0.05)
    summarizer.start(watch=False)
    res = summarizer.run_once(layout.processed, SignatureFile(layout.signature))
    t = Table("video", "scenes", "summary (model version)", box=None)
    for name in res["summarized"]:
        doc = json.loads((layout.processed / name).read_text())
        t.add_row(doc["video"], str(len(doc["scenes"])), f"{doc['summary'][:70]}... ({doc['model']['version']})")
    console.print(t)
    bad = sorted(p.name for p in layout.corrupted.glob("*.reason.json"))
    console.print(f"corrupted/ (nothing lost, reason beside each): {', '.join(bad)}")
    report = verify(layout)
    n = len(SignatureFile(layout.signature).files())
    console.print(f"[green]✓[/] signatures: {n} files recorded, verify {'ok' if report.ok else 'FAILED'}")

    broken = publish_summarizer_model(work / "releases", "1.1.0", broken=True)
    ModelManager(models).sync(str(broken))
    summarizer.handle.check_for_update()
    console.print(f"[yellow]![/] release 1.1.0 (bad weights) synced: it verifies, but the summarizer refuses to "
                  f"load it and keeps serving {summarizer.handle.current().version} "
                  f"(load failures: {summarizer.handle.load_failures})")
    iv, prev = ModelManager(models).rollback()
    console.print(f"[green]✓[/] vvai model rollback: {prev} -> {iv.version}, local and instant")
    summarizer.stop()


def _monitor(root: Path, work: Path) -> None:
    import json
    import subprocess
    import sys

    from vvai.monitor.bundle import load_bundle
    from vvai.monitor.capture import capture_bundle
    from vvai.monitor.config import parse_config
    from vvai.monitor.diagnose.engine import Diagnoser
    from vvai.monitor.diagnose.report import render_rich
    from vvai.monitor.service.daemon import MonitorService
    from vvai.testing.webhook import WebhookReceiver

    _step("3. self-monitor: the exporter cannot reach its storage")
    env = dict(os.environ, AWS_ACCESS_KEY_ID="demo", AWS_SECRET_ACCESS_KEY="demo", AWS_DEFAULT_REGION="us-east-1",
               VVAI_PIPELINE_ROOT=str(root))
    for i in range(3):
        p = subprocess.run([sys.executable, "-m", "vvai", "pipeline", "export", "--to", "s3://vv-archive/edge-07",
                            "--endpoint-url", "http://127.0.0.1:9", "--attempts", "1"],
                           env=env, capture_output=True, text=True)
        console.print(f"log_exporter run {i + 1}: exit {p.returncode}: {p.stderr.strip()[:90]}...")
        time.sleep(1.0)
    # a local webhook stands in for Slack/Telegram: the alert is real, sent through apprise
    hook = WebhookReceiver().start()
    try:
        cfg = parse_config({
            "monitor": {"host": "demo-edge"},
            "pipeline": {"root": str(root)},
            "engine": {"enabled": False},  # no container engine needed: folders and logs only
            "thresholds": {"export_min_failures": 3, "export_min_minutes": 0.02},  # demo: seconds, not minutes
            "alerts": {"urls": [hook.apprise_url("vvai")]},
            "store": {"path": str(work / "monitor.db")},
            "metrics": {"enabled": False},
        }, name="demo config")
        svc = MonitorService(cfg)
        try:
            result = svc.once(None)
        finally:
            svc.store.close()
        deadline = time.monotonic() + 5
        while not hook.received and time.monotonic() < deadline:
            time.sleep(0.05)
        bundle_dir = work / "incident-bundle"
        shutil.rmtree(bundle_dir, ignore_errors=True)
        capture_bundle(cfg, 3600, bundle_dir)
    finally:
        hook.stop()
    incidents = Diagnoser(settings=cfg.detector_settings()).diagnose(load_bundle(bundle_dir))
    render_rich(incidents, [], console, title="diagnosis of the live edge box (captured bundle, offline)")
    console.print(f"live pass: {len(result.incidents)} incident(s) stored in {work / 'monitor.db'}; "
                  f"bundle for a post-mortem: {bundle_dir}")
    for msg in hook.received[:1]:
        body = msg.body if hasattr(msg, "body") else msg
        text = body.get("message", json.dumps(body)) if isinstance(body, dict) else str(body)
        console.print(Panel(text[:1500], title=f"alert received by the webhook: {body.get('title', '')[:60]}"
                            if isinstance(body, dict) else "alert received by the webhook"))


def _repair(work: Path) -> None:
    import threading

    from vvai.actions import journal
    from vvai.actions.plan import plan
    from vvai.monitor.bundle import load_bundle
    from vvai.monitor.capture import capture_bundle
    from vvai.monitor.config import parse_config
    from vvai.monitor.diagnose.engine import Diagnoser
    from vvai.runtime import build_service
    from vvai.testing.podman import PodmanEngine, podman_available
    from vvai.testing.poison import run_poison_scanner, write_inputs
    from vvai.testing.webhook import WebhookReceiver

    _step("4. repair: a poison input crashes the scanner at every start")
    reason = podman_available()
    if reason:
        console.print(f"[yellow]skipped[/]: this step needs Podman ({reason}); ./install.sh installs it")
        return
    engine_dir = Path(tempfile.mkdtemp(prefix="vvai-pm-"))  # short: unix socket paths are limited to 108 bytes
    engine = PodmanEngine(engine_dir)
    try:
        engine.start()
    except Exception as e:  # noqa: BLE001 - an engine that cannot start here: the rest of the demo stands
        engine.stop()
        shutil.rmtree(engine_dir, ignore_errors=True)
        console.print(f"[yellow]skipped[/]: Podman cannot start here: {e}")
        return
    hook = WebhookReceiver().start()
    box = work / "repair-box"
    for d in ("input", "processed", "corrupted", "logs"):
        (box / d).mkdir(parents=True, exist_ok=True)
    poison, good = "cam7_0001.mp4", ["cam7_0002.mp4", "cam7_0003.mp4"]
    write_inputs(box, poison, good)
    try:
        cfg = parse_config({
            "monitor": {"host": "demo-edge", "window_s": 600, "interval_s": 1, "min_pass_gap_s": 0.3},
            "pipeline": {"root": str(box)},
            "engine": {"socket": engine.socket_url, "compose_project": "vvdemo", "stats_interval_s": 5},
            "alerts": {"urls": [hook.apprise_url("vvai")], "resolve_after_s": 3600},
            "store": {"path": str(work / "repair.db")}, "metrics": {"enabled": False},
            "actions": {"mode": "suggest", "policy": {"quarantine": "auto"}, "limits": {"settle_s": 3}},
        }, name="demo repair config")
        client = engine.docker_client()
        ct = run_poison_scanner(client, "vvdemo", box, startup_s=2.5)  # it loads its model first
        deadline, crashes = time.monotonic() + 90, 0
        while time.monotonic() < deadline and crashes < 3:
            time.sleep(0.5)
            crashes = ct.logs(stdout=False, stderr=True).count(b"ValueError: cannot decode")
        console.print(f"scene_scanner (restart: always) crashed {crashes} times in a row "
                      f"on input/{poison}; {len(good)} good videos wait behind it")
        diagnoser, actions = Diagnoser(settings=cfg.detector_settings()), []
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:  # until the crashes name the file they were working on
            shutil.rmtree(work / "repair-bundle", ignore_errors=True)
            bundle = load_bundle(capture_bundle(cfg, 120, work / "repair-bundle")[0])
            actions = plan(bundle, [i for i in diagnoser.diagnose(bundle) if i.category != "healthy"], cfg)["actions"]
            if any(a["type"] == "quarantine" for a in actions):
                break
            time.sleep(2)
        for a in actions:
            console.print(f"plan: {a['type']} {a['target'] or ''} -> {a['decision']} ({a['reason']})", markup=False)
        svc = build_service(cfg)
        ready = threading.Event()
        t = threading.Thread(target=svc.run, kwargs={"serve_metrics": False, "ready": ready}, daemon=True)
        t.start()
        ready.wait(30)
        row: dict | None = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = [r for r in journal.select(svc.store, type="quarantine") if r["status"] not in ("queued", "running",
                                                                                                   "executed")]
            if rows:
                row = rows[0]
                break
            time.sleep(0.2)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(f"quarantine {poison}: effective" in str(r.body)
                                                      for r in hook.received):
            time.sleep(0.1)
        svc.stop()
        t.join(30)
        svc.store.close()
        ct.reload()
        if row is None:
            console.print("[red]the executor did not finish the quarantine in time[/]")
            return
        mark = "[green]✓[/]" if row["status"] == "effective" else "[red]✗[/]"
        console.print(f"{mark} executor: quarantine {poison} {row['status']} ({row['reason']}); "
                      f"{(row['result'] or {}).get('moved_to')} + reason file")
        done = sorted(p.name for p in (box / "processed").iterdir())
        console.print(f"scene_scanner is {ct.attrs['State']['Status']} and went on: processed/ = {', '.join(done)}")
        for msg in [r for r in hook.received if "quarantine" in str(r.body.get("message", ""))][-1:]:
            console.print(Panel(msg.body["message"][:1500], title=f"alert: {msg.body.get('title', '')[:60]}"))
    finally:
        hook.stop()
        engine.stop()
        shutil.rmtree(engine_dir, ignore_errors=True)
