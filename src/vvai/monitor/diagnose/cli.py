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
    corpus: str = typer.Argument(..., help="Folder of bundles, each with an expected.json."),
    json_out: bool = typer.Option(False, "--json", help="Print the per-category scores as JSON."),
    kb: list[str] = typer.Option(None, "--kb", help="Extra knowledge-base YAML."),
) -> None:
    """Score diagnoses against expected.json: per-category precision and recall."""
    from vvai.common.output import console, print_json
    from vvai.monitor.diagnose.kb import load_kb
    from vvai.monitor.diagnose.scoring import render_scores, score_corpus

    result = score_corpus(corpus, kb=load_kb(kb or []))
    if json_out:
        print_json(result)
    else:
        render_scores(result, console)
    if result["failed"]:
        raise typer.Exit(1)
