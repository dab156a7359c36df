"""`vvai pipeline feedback` and `vvai pipeline feedback-export`: summary ratings from the command line.

Ratings go to the monitor's history (the same table the console's summaries page writes), with
the model version read from the summary file itself.
"""

from __future__ import annotations

import typer

CONFIG_HELP = "vvai.toml ([store] path and [pipeline] root; default: $VVAI_CONFIG, ./vvai.toml, ...)."


def feedback(
    video: str = typer.Argument(..., help="The video (e.g. cam3_0001.mp4) whose summary you rate."),
    verdict: str = typer.Option(..., "--verdict", help="good or bad."),
    note: str = typer.Option("", "--note"),
    corrected: str = typer.Option(None, "--corrected", help="The summary it should have written."),
    corrected_file: str = typer.Option(None, "--corrected-file", help="Read the corrected summary from a file."),
    author: str = typer.Option("", "--author"),
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
) -> None:
    """Rate one summary (kept with the model version that wrote it)."""
    import getpass
    from pathlib import Path

    from vvai.api import db
    from vvai.common.errors import ConfigError
    from vvai.common.output import console
    from vvai.monitor.config import load_config
    from vvai.monitor.history import IncidentStore
    from vvai.pipeline.feedback import summary_record

    if verdict not in db.SUMMARY_VERDICTS:
        raise ConfigError(f"--verdict must be good or bad (got {verdict!r})")
    if corrected_file:
        try:
            corrected = Path(corrected_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"--corrected-file: {e}") from None
    cfg = load_config(config)
    rec = summary_record(cfg.pipeline.path(cfg.pipeline.processed), video)
    store = IncidentStore(cfg.store.path)
    try:
        fid = db.add_summary_feedback(store, rec, verdict, note, (corrected or "").strip() or None,
                                      author or getpass.getuser())
    finally:
        store.close()
    console.print(f"rating #{fid}: {rec['video']} {verdict} (model {rec['model_name']} {rec['model_version']})")


def feedback_export(
    out: str = typer.Argument(..., help="Folder to write <name>.analytic.json + <name>.reference.txt into."),
    config: str = typer.Option(None, "--config", "-c", help=CONFIG_HELP),
) -> None:
    """Export corrected summaries as a reference set for `vvai model evaluate --dataset OUT`."""
    from pathlib import Path

    from vvai.api import db
    from vvai.common.output import console
    from vvai.monitor.config import load_config
    from vvai.monitor.history import IncidentStore
    from vvai.pipeline.feedback import export_reference_set

    cfg = load_config(config)
    store = IncidentStore(cfg.store.path)
    try:
        rows = db.summary_feedback_rows(store)
    finally:
        store.close()
    stems = export_reference_set(rows, cfg.pipeline.path(cfg.pipeline.processed), Path(out))
    console.print(f"wrote {len(stems)} reference summar{'y' if len(stems) == 1 else 'ies'} to {out}")
