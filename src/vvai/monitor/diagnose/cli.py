"""`vvai monitor diagnose` and `vvai monitor score`: thin wrappers over the engine and scorer."""

from __future__ import annotations

import typer


def diagnose(
    bundle: str = typer.Argument(..., help="Incident bundle folder or .tar.gz."),
    json_out: bool = typer.Option(False, "--json", help="Print {\"incidents\": [...]} as in the spec."),
    kb: list[str] = typer.Option(None, "--kb", help="Extra knowledge-base YAML (adds/overrides signatures)."),
) -> None:
    """Diagnose an incident bundle: category, culprit, root cause, evidence, safe actions."""
    from vvai.common.output import console, err_console, print_json
    from vvai.monitor.bundle import load_bundle, problem_summary
    from vvai.monitor.diagnose.engine import Diagnoser
    from vvai.monitor.diagnose.kb import load_kb
    from vvai.monitor.diagnose.report import render_rich, to_document

    b = load_bundle(bundle)
    incidents = Diagnoser(kb=load_kb(kb or [])).diagnose(b)
    problems = problem_summary(b.problems)
    if json_out:
        for p in problems:
            err_console.print(f"warning: {p}", markup=False, highlight=False)
        print_json(to_document(incidents))
    else:
        render_rich(incidents, problems, console, title=f"Diagnosis of {bundle} ({b.host or 'unknown host'})")


def score(
    corpus: str = typer.Argument(None, help="Folder of bundles, each with an expected.json."),
    json_out: bool = typer.Option(False, "--json", help="Print the per-category scores as JSON."),
    kb: list[str] = typer.Option(None, "--kb", help="Extra knowledge-base YAML."),
    feedback: bool = typer.Option(False, "--feedback", help="Instead: accuracy by operator verdict in the history."),
    config: str = typer.Option(None, "--config", "-c", help="vvai.toml whose [store] holds the history."),
) -> None:
    """Score diagnoses against expected.json (per-category precision and recall), or by operator verdicts."""
    from vvai.common.output import console, print_json

    if feedback:
        from vvai.api.verdicts import feedback_report, render_feedback

        report = feedback_report(config)
        print_json(report) if json_out else render_feedback(report, console)
        return
    if corpus is None:
        raise typer.BadParameter("give a CORPUS folder, or --feedback")
    from vvai.monitor.diagnose.kb import load_kb
    from vvai.monitor.diagnose.scoring import render_scores, score_corpus

    result = score_corpus(corpus, kb=load_kb(kb or []))
    if json_out:
        print_json(result)
    else:
        render_scores(result, console)
    if result["failed"]:
        raise typer.Exit(1)
