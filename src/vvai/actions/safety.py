"""The safety rules, in code and PURE: a knowledge base or an LLM may recommend anything; only
what these functions allow can ever run (default deny).

- restart: only the incident's culprit; for a dependency failure the dependency first, then the
  dependents the incident names, in ``depends_on`` order; never a component the incident does not
  name, never one the monitor does not know.
- quarantine: only the file the incident names, a plain basename (no ``/``, ``\\``, ``..``, NUL,
  no absolute path, no dotfile), named by at least N failures. Where it sits (input/ or
  processed/, a regular file, no symlink, inside the root) is re-checked on disk right before
  the move (:mod:`vvai.actions.preconditions`).
- cleanup: only a cleanable folder (corrupted/, logs/), never a protected one (input/,
  processed/), only for a disk_full incident; the pipeline's own cleanup then keeps unshipped files.
- suggest_limits: only for the incident's component. rollback_model: only for a model failure
  or a deployment regression. suggest_rollback: a suggestion, always allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vvai.actions.requests import Verdict
from vvai.common.folders import CLEANABLE_FOLDERS as CLEANABLE  # the project's one list
from vvai.common.folders import PROTECTED_FOLDERS as PROTECTED

QUARANTINE_FROM = ("input", "processed")
ROLLBACK_CATEGORIES = ("model_failure", "deployment_regression")
FILE_KINDS = ("poison_input", "oom_kill", "crash_loop", "integrity_mismatch")


@dataclass(frozen=True)
class Facts:
    """What the rules need beyond the incident: the components the monitor knows, their declared
    ``depends_on``, and N (failures that must name a file before it may be quarantined)."""

    components: frozenset[str] = frozenset()
    depends_on: dict[str, tuple[str, ...]] = field(default_factory=dict)
    min_failures: int = 3


def _timeline(incident: Any) -> list[Any]:
    return list(getattr(incident, "timeline", None) or [])


def failures_naming(incident: Any, name: str) -> int:
    """How many failures named ``name``: the largest count of a finding about that very file."""
    best = 0
    for f in _timeline(incident):
        if f.file == name and f.kind in FILE_KINDS:
            n = f.attrs.get("count")
            if isinstance(n, int) and n > best:
                best = n
    return best


def dependents_named(incident: Any) -> list[str]:
    """The dependents a dependency_failure incident names (its dependency finding's list)."""
    out: list[str] = []
    for f in _timeline(incident):
        if f.kind == "dependency_down" and f.component == incident.component:
            for d in f.attrs.get("dependents") or []:
                if isinstance(d, str) and d not in out and d != incident.component:
                    out.append(d)
    return out


def depends_on_order(names: list[str], depends_on: dict[str, tuple[str, ...]]) -> list[str]:
    """``names`` ordered so that each comes after the ones it depends on (stable otherwise; a cycle
    keeps the given order)."""
    pending, done = list(names), []
    while pending:
        for n in pending:
            if not any(d in pending and d != n for d in depends_on.get(n, ())):
                break
        else:
            n = pending[0]
        pending.remove(n)
        done.append(n)
    return done


def restart_plan(incident: Any, target: str | None, facts: Facts) -> tuple[Verdict, list[str]]:
    """The components to restart, in order, for a recommended ``restart target``."""
    culprit = incident.component
    if not target or target != culprit:
        return Verdict.no(f"restart {target or '(no target)'}: not the incident's culprit ({culprit})"), []
    if culprit not in facts.components:
        return Verdict.no(f"restart {culprit}: not a component the monitor knows (nothing to restart)"), []
    order = [culprit]
    if incident.category == "dependency_failure":
        deps = [d for d in dependents_named(incident) if d in facts.components]
        order += depends_on_order(deps, facts.depends_on)
        return Verdict.yes(f"dependency first, then {', '.join(order[1:]) or 'no dependent'}"), order
    return Verdict.yes("the incident's culprit"), order


def check_file_name(name: str | None) -> Verdict:
    """A plain basename, or a refusal saying what is wrong with it."""
    if not name:
        return Verdict.no("no file named")
    if "\x00" in name or any(ord(c) < 32 for c in name):
        return Verdict.no(f"{name!r}: control characters in the name")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return Verdict.no(f"{name!r}: an absolute path")
    if "/" in name or "\\" in name:
        return Verdict.no(f"{name!r}: a path, not a file name")
    if name == "." or ".." in name:
        return Verdict.no(f"{name!r}: a parent reference ('..')")
    if name.startswith("."):
        return Verdict.no(f"{name!r}: a dotfile (in-flight writes and locks are never moved)")
    return Verdict.yes()


def check_quarantine(incident: Any, target: str | None, facts: Facts) -> Verdict:
    name = check_file_name(target)
    if not name.ok:
        return name
    if target != incident.file:
        return Verdict.no(f"quarantine {target}: not the file the incident names ({incident.file or 'none'})")
    n = failures_naming(incident, target or "")
    if n < facts.min_failures:
        return Verdict.no(f"quarantine {target}: named by {n} failure(s), at least {facts.min_failures} needed")
    return Verdict.yes(f"named by {n} failures")


def cleanup_folder(target: str | None) -> str | None:
    """The one folder name a cleanup target designates (``corrupted``, ``corrupted/``), or None."""
    parts = [p for p in str(target or "").replace("\\", "/").split("/") if p not in ("", ".")]
    return parts[0] if len(parts) == 1 else None


def check_cleanup(incident: Any, target: str | None) -> Verdict:
    parts = {p for p in str(target or "").replace("\\", "/").split("/") if p}
    if parts & set(PROTECTED):
        return Verdict.no(f"cleanup {target}: {', '.join(sorted(parts & set(PROTECTED)))}/ is protected, never cleaned")
    if incident.category != "disk_full":
        return Verdict.no(f"cleanup: only for a disk_full incident (this is {incident.category})")
    folder = cleanup_folder(target)
    if folder is None or folder not in CLEANABLE:
        return Verdict.no(f"cleanup {target}: only {', '.join(f + '/' for f in CLEANABLE)} may be cleaned")
    return Verdict.yes(f"{folder}/ is cleanable")


def check(incident: Any, action_type: str, target: str | None, facts: Facts) -> Verdict:
    """The safety verdict for one recommended action (restart: see :func:`restart_plan`)."""
    if action_type == "restart":
        return restart_plan(incident, target, facts)[0]
    if action_type == "quarantine":
        return check_quarantine(incident, target, facts)
    if action_type == "cleanup":
        return check_cleanup(incident, target)
    if action_type == "suggest_limits":
        if target != incident.component:
            return Verdict.no(f"suggest_limits {target}: not the incident's component ({incident.component})")
        return Verdict.yes()
    if action_type == "rollback_model":
        if incident.category not in ROLLBACK_CATEGORIES:
            return Verdict.no(f"rollback_model: only for {' or '.join(ROLLBACK_CATEGORIES)} "
                              f"(this is {incident.category})")
        return Verdict.yes()
    if action_type == "suggest_rollback":
        return Verdict.yes("a suggestion")
    return Verdict.no(f"unknown action type {action_type!r} (default deny)")
