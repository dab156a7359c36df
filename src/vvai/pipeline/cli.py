"""`vvai pipeline` commands: thin wrappers over the pipeline modules (heavy imports inside)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape as esc

from vvai.common.cliguard import guarded
from vvai.common.errors import ConfigError, IntegrityError, VvaiError
from vvai.common.folders import CLEANUP_COMMAND_FOLDERS
from vvai.common.redact import redact

app = typer.Typer(no_args_is_help=True)

ROOT_HELP = "Pipeline root (default: $VVAI_PIPELINE_ROOT or /opt/vv-video-ai-system)."


def _at_least(name: str, value: float | None, low: float) -> None:
    """Range checks in code, not typer's ``min=``: its usage panel is many lines, ours is one."""
    if value is not None and not value >= low:  # also refuses nan
        raise ConfigError(f"{name} must be at least {low:g} (got {value:g})")


def _layout(root: str | None):
    from vvai.pipeline.layout import Layout

    layout = Layout.from_root(root)
    if not layout.root.is_dir():
        raise VvaiError(
            f"pipeline root {layout.root} does not exist", hint="create it, or pass --root / set VVAI_PIPELINE_ROOT"
        )
    return layout


@app.command("make-samples")
@guarded
def make_samples(
    out: Path = typer.Argument(..., help="Folder to write the sample videos into."),
    count: int = typer.Option(3, help="How many normal sample videos (at least 1)."),
    seed: int = typer.Option(0, help="Random seed (same seed, same videos and cuts)."),
    seconds: float = typer.Option(4.0, help="Length of each normal sample (at least 1 s)."),
    width: int = typer.Option(160, help="Frame width (at least 32)."),
    height: int = typer.Option(90, help="Frame height (at least 18)."),
    highres: bool = typer.Option(True, help="Also write a short 1920x1080 video."),
    json_out: bool = typer.Option(False, "--json", help="Print the sample index as JSON."),
) -> None:
    """Write synthetic videos with known cuts (+ .truth.json), a corrupt, a truncated and a 1080p one."""
    from vvai.common.output import console, print_json
    from vvai.pipeline.videogen import make_samples as run

    for name, value, low in (("--count", count, 1), ("--seconds", seconds, 1.0), ("--width", width, 32),
                             ("--height", height, 18)):
        _at_least(name, value, low)
    index = run(out, count=count, seed=seed, seconds=seconds, width=width, height=height, highres=highres)
    if json_out:
        print_json(index)
        return
    for f in index["files"]:
        console.print(f"{f['kind']:>9}  {esc(str(out / f['name']))}" + (f"  ({f['cuts']} cuts)" if "cuts" in f else ""))


@app.command()
@guarded
def scan(
    root: str = typer.Option(None, "--root", help=ROOT_HELP),
    once: bool = typer.Option(False, "--once", help="Scan what is ready now and exit (default)."),
    watch: bool = typer.Option(False, "--watch", help="Keep watching input/ until SIGTERM."),
    interval: float = typer.Option(5.0, "--interval", help="Seconds between looks in --watch (at least 0.1)."),
    settle: float = typer.Option(
        2.0, "--settle", help="A file must keep its size and mtime this long to be picked up."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
) -> None:
    """Scan videos in input/ for scene cuts; write <stem>.analytic.json; move to processed/ or corrupted/."""
    from vvai.common.output import console, print_json
    from vvai.pipeline.scanner import Scanner

    _at_least("--interval", interval, 0.1)
    _at_least("--settle", settle, 0.0)
    if once and watch:
        raise VvaiError("--once and --watch exclude each other", hint="pick one")
    layout = _layout(root)

    def show(r) -> None:
        detail = f"{r.scenes} scenes, {r.frames} frames" if r.status == "processed" else (r.reason or "")
        console.print(f"{r.status:>9}  {r.file}  {detail}", markup=False, highlight=False)

    scanner = Scanner(layout, settle_s=settle, on_result=None if json_out else show)
    if json_out or watch:
        summary = scanner.watch(interval) if watch else scanner.run_once()
    else:
        with console.status(f"scanning {esc(str(layout.input))} ..."):
            summary = scanner.run_once()
    if json_out:
        print_json(summary.to_json())
        return
    if not summary.results:
        console.print("nothing ready to scan")
    if summary.waiting:
        console.print(f"  waiting  {len(summary.waiting)} file(s) still being written")


@app.command()
@guarded
def verify(
    root: str = typer.Option(None, "--root", help=ROOT_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check inputs and outputs against vv-signature.json (writes logs/verifier.json)."""
    from vvai.common.output import console, print_json
    from vvai.pipeline.verifier import verify as run

    layout = _layout(root)
    report = run(layout)
    if json_out:
        print_json(report.to_json())
    else:
        for m in report.mismatches:
            console.print(f"[red]MISMATCH[/red] {esc(str(m['file']))}: {esc(str(m['field']))} expected "
                          f"{esc(str(m['expected']))} got {esc(str(m['actual']))}")
        for rel in report.missing:
            console.print(f"[red]MISSING[/red]  {esc(str(rel))}")
        for rel in report.unsigned:
            console.print(f"[yellow]unsigned[/yellow] {esc(str(rel))}")
        console.print(f"checked {report.checked} file(s): {'OK' if report.ok else 'FAILED'}")
    if not report.ok:
        raise IntegrityError(
            f"{len(report.mismatches)} mismatched and {len(report.missing)} missing file(s)",
            hint=f"see {layout.verifier_output}",
        )


@app.command()
@guarded
def cleanup(
    root: str = typer.Option(None, "--root", help=ROOT_HELP),
    max_age_days: float = typer.Option(None, "--max-age-days", help="Delete files older than this."),
    max_total_size: str = typer.Option(None, "--max-total-size", help="Delete oldest until under, e.g. 20G."),
    folders: str = typer.Option(",".join(CLEANUP_COMMAND_FOLDERS), help="Comma-separated folders."),
    include_unshipped: bool = typer.Option(
        False, "--include-unshipped", help="Also delete processed files the exporter has not confirmed."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print what would be removed; delete nothing."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Apply age/size policies to processed/, corrupted/ and rotated logs; never outside them."""
    from vvai.common.output import console, print_json
    from vvai.pipeline.cleanup import CleanupPolicy, parse_size
    from vvai.pipeline.cleanup import cleanup as run

    _at_least("--max-age-days", max_age_days, 0.0)
    if max_age_days is None and max_total_size is None:
        raise VvaiError("no policy given", hint="pass --max-age-days and/or --max-total-size")
    policy = CleanupPolicy(
        max_age_days=max_age_days,
        max_total_bytes=parse_size(max_total_size) if max_total_size else None,
        folders=tuple(f.strip() for f in folders.split(",") if f.strip()),
        require_shipped=not include_unshipped,
        dry_run=dry_run,
    )
    report = run(_layout(root), policy)
    if json_out:
        print_json(report.to_json())
        return
    verb = "would remove" if dry_run else "removed"
    for r in report.removed:
        console.print(f"{verb}  {r['file']}  ({r['size']} bytes, {r['reason']})", markup=False, highlight=False)
    for rel in report.kept_unshipped:
        console.print(f"kept (not shipped)  {rel}", markup=False, highlight=False)
    for s in report.skipped:
        console.print(f"skipped  {s['file']}: {s['reason']}", markup=False, highlight=False)
    console.print(
        f"{verb} {len(report.removed)} file(s); {report.total_after} bytes remain"
        + (" [yellow](still over budget)[/yellow]" if report.over_budget else "")
    )


@app.command()
@guarded
def export(
    to: str = typer.Option(..., "--to", help="Destination folder or s3://bucket/prefix."),
    root: str = typer.Option(None, "--root", help=ROOT_HELP),
    endpoint_url: str = typer.Option(None, "--endpoint-url", help="S3 endpoint (default: $VVAI_S3_ENDPOINT)."),
    videos: bool = typer.Option(True, help="Ship the processed videos too, not only the JSON outputs."),
    logs: bool = typer.Option(False, "--logs", help="Ship logs/ as well."),
    delete_after: bool = typer.Option(
        False, "--delete-after", help="Delete finished local groups once confirmed shipped."
    ),
    attempts: int = typer.Option(3, help="Tries per file on transient errors (at least 1)."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Ship processed outputs; record each confirmed object in the ledger; never delete the unconfirmed."""
    from vvai.common.errors import FetchError
    from vvai.common.output import console, print_json
    from vvai.pipeline.exporter import Exporter, ExportOptions
    from vvai.pipeline.targets import make_target

    _at_least("--attempts", attempts, 1)
    layout = _layout(root)
    opts = ExportOptions(include_videos=videos, include_logs=logs, delete_after=delete_after, attempts=attempts)
    target = make_target(to, endpoint_url=endpoint_url, source_root=layout.root)
    shown = esc(redact(to))
    if json_out:
        report = Exporter(layout, target, opts).run()
    else:
        with console.status(f"exporting to {shown} ...") as status:
            done = [0]

            def tick(rel: str, state: str) -> None:
                done[0] += 1
                status.update(f"exporting to {shown}: {done[0]} file(s) handled, last {esc(rel)} ({state})")

            report = Exporter(layout, target, opts, on_item=tick).run()
    if json_out:
        print_json(report.to_json())
    else:
        console.print(
            f"shipped {len(report.shipped)}, already shipped {len(report.already)}, "
            f"failed {len(report.failed)}, pending {len(report.pending)}, deleted {len(report.deleted)}"
        )
        for f in report.failed:
            console.print(f"[red]failed[/red] {esc(str(f['file']))}: {esc(redact(str(f['reason'])))}")
    if not report.ok:
        first = report.failed[0]["reason"] if report.failed else "sweep stopped"
        raise FetchError(
            f"{len(report.failed) + len(report.pending)} file(s) not shipped to {redact(to)}: {first}",
            hint="check the destination; rerun export, shipped files are not sent twice",
        )


# the scene_summarizer and model consumer live in their own package
from vvai.pipeline.summarizer.cli import summarize as _summarize  # noqa: E402

app.command("summarize")(_summarize)

# ratings of the summaries (stored in the monitor's history, next to the console's)
from vvai.api.pipeline_cli import feedback as _feedback  # noqa: E402
from vvai.api.pipeline_cli import feedback_export as _feedback_export  # noqa: E402

app.command("feedback")(_feedback)
app.command("feedback-export")(_feedback_export)
