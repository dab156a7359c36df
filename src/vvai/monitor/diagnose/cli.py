"""`vvai monitor diagnose` and `vvai monitor score`: thin wrappers over the engine and scorer."""

from __future__ import annotations

import typer


def diagnose(
    bundle: str = typer.Argument(..., help="Incident bundle folder or .tar.gz."),
    json_out: bool = typer.Option(False, "--json", help="Print {\"incidents\": [...]} as in the spec."),
    kb: list[str] = typer.Option(None, "--kb", help="Extra knowledge-base YAML (adds/overrides signatures)."),
    partial_ok: bool = typer.Option(False, "--partial-ok",
                                    help="Accept a cut .tar.gz: diagnose the files read, exit 0."),
    config: str = typer.Option(None, "--config", "-c", help="vvai.toml whose \\[llm] adds an LLM after the rules."),
) -> None:
    """Diagnose an incident bundle: category, culprit, root cause, evidence, safe actions."""
    from vvai.common.errors import ConfigError
    from vvai.common.output import console, err_console, print_json
    from vvai.monitor.bundle import load_bundle, problem_summary
    from vvai.monitor.diagnose.engine import Diagnoser
    from vvai.monitor.diagnose.kb import load_kb
    from vvai.monitor.diagnose.report import render_rich, to_document

    b = load_bundle(bundle)
    if b.window_error:
        raise ConfigError(b.window_error, hint="fix window.start/window.end in bundle.json, or re-capture it")
    incidents = Diagnoser(kb=load_kb(kb or [])).diagnose(b)
    llm_block = None
    if config:
        from vvai.llm.advisor import build_advisor
        from vvai.monitor.config import load_config

        advisor = build_advisor(load_config(config))  # None when [llm] mode is off
        if advisor is not None:
            incidents, llm_block = advisor.advise(b, incidents), advisor.last_block
    problems = problem_summary(b.problems)
    if json_out:
        for p in problems:
            err_console.print(f"warning: {p}", markup=False, highlight=False)
        print_json(to_document(incidents) | ({"llm": llm_block} if llm_block else {}))
    else:
        render_rich(incidents, problems, console, title=f"Diagnosis of {bundle} ({b.host or 'unknown host'})")
        if llm_block:
            console.print(f"LLM ({llm_block['mode']}): {llm_block['calls']} call(s), {llm_block['accepted']} "
                          f"accepted, {len(llm_block['rejected'])} rejected, fallback {llm_block['fallback']}",
                          markup=False, highlight=False)
    if b.partial and not partial_ok:
        err_console.print(f"error: {bundle} is cut short: only the files before the damage were diagnosed "
                          "(pass --partial-ok to accept a partial diagnosis)", markup=False, highlight=False)
        raise typer.Exit(1)


def score(
    corpus: str = typer.Argument(None, help="Folder of bundles, each with an expected.json."),
    json_out: bool = typer.Option(False, "--json", help="Print the per-category scores as JSON."),
    kb: list[str] = typer.Option(None, "--kb", help="Extra knowledge-base YAML."),
    feedback: bool = typer.Option(False, "--feedback", help="Instead: accuracy by operator verdict in the history."),
    config: str = typer.Option(None, "--config", "-c", help="vvai.toml: its \\[store] for --feedback; "
                               "with \\[llm] on, rules vs rules+LLM side by side."),
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

    if config:
        from vvai.monitor.config import load_config

        cfg = load_config(config)
        if cfg.llm.mode != "off":  # rules-only and rules+LLM side by side
            from vvai.llm.evaluate import render_side_by_side, side_by_side

            side = side_by_side(corpus, cfg, kb=load_kb(kb or []))
            print_json(side) if json_out else render_side_by_side(side, console)
            if not side["never_worse"]:
                raise typer.Exit(1)
            return
    result = score_corpus(corpus, kb=load_kb(kb or []))
    if json_out:
        print_json(result)
    else:
        render_scores(result, console)
    if result["failed"]:
        raise typer.Exit(1)
