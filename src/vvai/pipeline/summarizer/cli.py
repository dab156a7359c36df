"""`vvai pipeline summarize`: the scene_summarizer service."""

from __future__ import annotations

import os

import typer
from rich.markup import escape as esc

from vvai.common.cliguard import guarded


@guarded
def summarize(
    root: str = typer.Option(None, "--root", help="Pipeline root (env VVAI_PIPELINE_ROOT, default "
                                                  "/opt/vv-video-ai-system)."),
    models_dir: str = typer.Option(None, "--models-dir", help="Model store (env VVAI_MODELS_DIR, default "
                                                              "<root>/models)."),
    watch: bool = typer.Option(False, "--watch", help="Keep running: summarize new files, hot-reload models."),
    interval: float = typer.Option(2.0, "--interval", help="Seconds between scans with --watch."),
    metrics_port: int = typer.Option(None, "--metrics-port", help="Serve Prometheus metrics on this port."),
    json_out: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
) -> None:
    """Summarize every analytic file that has no summary yet, with the managed model."""
    import signal
    import threading

    from vvai.common.output import console, print_json
    from vvai.pipeline.layout import Layout
    from vvai.pipeline.signature import SignatureFile
    from vvai.pipeline.summarizer.service import Summarizer

    layout = Layout.from_root(root)
    layout.ensure()
    mdir = models_dir or os.environ.get("VVAI_MODELS_DIR") or str(layout.root / "models")
    s = Summarizer(mdir, app_log=layout.app_log)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1", registry=s.metrics.registry)
    lm = s.start(watch=watch)
    sig = SignatureFile(layout.signature)
    if not watch:
        res = s.run_once(layout.processed, sig)
        if json_out:
            print_json(res)
        else:
            console.print(f"model {esc(lm.model_name)} {esc(str(res['model_version']))}: "
                          f"summarized {len(res['summarized'])}, "
                          f"failed {len(res['failed'])}")
            for f in res["failed"]:
                console.print(f"  [red]✗[/] {esc(str(f['file']))}: {esc(str(f['error']))}")
        if res["failed"]:
            from vvai.common.errors import VvaiError

            first = res["failed"][0]
            raise VvaiError(f"{len(res['failed'])} file(s) not summarized, first {first['file']}: {first['error']}",
                            hint="see logs/app.log; the others were summarized")
        return
    stop = threading.Event()
    for sg in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sg, lambda *_: stop.set())
    console.print(f"summarizer watching {layout.processed} with model {lm.model_name} {lm.version}", markup=False)
    while not stop.is_set():
        s.run_once(layout.processed, sig)
        stop.wait(interval)
    s.stop()
