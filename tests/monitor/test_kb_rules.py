"""The knowledge base is self-contained and cannot reach past its values: templates take plain
field names only, every field the built-in templates use is made somewhere documented, the
format tag is checked, and the engine's action safety is an allow-list (default deny)."""

from __future__ import annotations

import re
import string
from importlib import resources

import pytest
import yaml

from vvai.common.errors import ConfigError
from vvai.monitor.bundle import load_bundle
from vvai.monitor.detect.context import Context
from vvai.monitor.diagnose.engine import SAFETY_RULES, Diagnoser
from vvai.monitor.diagnose.fields import FIELDS, KIND_FIELDS, template_values
from vvai.monitor.diagnose.kb import ACTION_TYPES, load_kb
from vvai.monitor.diagnose.render import render
from vvai.monitor.incident import Action
from vvai.testing.synth import CATEGORIES, generate_bundle


def test_render_cannot_walk_attributes_or_index() -> None:
    values = {"file": "a.mp4", "n": 3, "ratio": 0.5, "items": [1, 2]}
    assert render("{file.__class__}", values) == "{file.__class__}"  # literal, not <class 'str'>
    assert render("{items[0]} {file!r}", values) == "{items[0]} {file!r}"
    assert render("{file} x{n} {ratio:.0%} {missing} {{braces}}", values) == "a.mp4 x3 50% ? {braces}"
    assert render("{n:bogus}", values) == "3"  # a spec that does not fit falls back to str()


@pytest.mark.parametrize("template", ["{file.__class__}", "{items[0]}", "{0}", "{}", "{file!r}", "{x:{y}}"])
def test_kb_with_a_non_plain_field_is_refused_at_load(tmp_path, template: str) -> None:
    kb = tmp_path / "site.yaml"
    kb.write_text(yaml.safe_dump({"format": "vvai-kb/1", "signatures": [
        {"id": "x", "category": "oom_kill", "trigger": "oom_kill", "root_cause": template}]}))
    with pytest.raises(ConfigError, match="signature 'x' root_cause"):
        load_kb([kb])
    kb.write_text(yaml.safe_dump({"signatures": [
        {"id": "x", "category": "oom_kill", "trigger": "oom_kill", "root_cause": "ok",
         "actions": [{"type": "restart", "target": template}]}]}))
    with pytest.raises(ConfigError, match="signature 'x' actions.0.target"):
        load_kb([kb])


def test_format_tag_is_checked(tmp_path) -> None:
    kb = tmp_path / "site.yaml"
    kb.write_text("format: vvai-kb/2\nsignatures: []\n")
    with pytest.raises(ConfigError, match="format is 'vvai-kb/2', expected 'vvai-kb/1'"):
        load_kb([kb])
    kb.write_text("format: vvai-kb/1\nsignatures: []\n")
    assert {s.id for s in load_kb([kb]).signatures} == {s.id for s in load_kb().signatures}
    builtin = yaml.safe_load(resources.files("vvai.monitor").joinpath("kb/signatures.yaml").read_text())
    assert builtin["format"] == "vvai-kb/1"


def test_safety_rules_are_an_allow_list_default_deny() -> None:
    assert set(SAFETY_RULES) == ACTION_TYPES  # every type the KB accepts has an explicit rule
    safe = Diagnoser._safe
    assert not safe(Action(type="reboot_host"), "scanner", None)  # a type without a rule: dropped
    assert safe(Action(type="cleanup", target="corrupted"), "c", None)
    assert safe(Action(type="cleanup", target="logs/"), "c", None)
    for bad in ("processed", "input", "tmp", "cache", "/", "corrupted/../processed", "", None):
        assert not safe(Action(type="cleanup", target=bad), "c", None), bad
    assert safe(Action(type="restart", target="c"), "c", None)
    assert not safe(Action(type="restart", target="d"), "c", None)
    assert not safe(Action(type="quarantine", target="b.mp4"), "c", "a.mp4")


def _placeholders(text: str | None) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text or "") if name}


def test_every_template_field_is_documented_or_a_detector_attribute(tmp_path) -> None:
    """Each field a built-in template names is one of fields.FIELDS, or an attribute (or
    req_<kind>_<attr>) that the trigger findings of that signature really carry on the synthetic
    corpus (one bundle per category)."""
    kb = load_kb()
    diag = Diagnoser(kb=kb)
    seen_attrs: dict[str, set[str]] = {}
    for cat in CATEGORIES:
        for inc in diag.diagnose(load_bundle(generate_bundle(cat, 0, tmp_path / cat))):
            sig = next(s for s in kb.signatures if s.id == inc.signature)
            keys = seen_attrs.setdefault(sig.id, set())
            for f in inc.timeline:
                keys |= set(f.attrs) if f.kind == sig.trigger else {f"req_{f.kind}_{k}" for k in f.attrs}
    undocumented = []
    for sig in kb.signatures:
        used = _placeholders(sig.root_cause) | {n for a in sig.actions for n in _placeholders(a.target)}
        used |= {a.when for a in sig.actions if a.when}
        for name in sorted(used - set(FIELDS)):
            if sig.id in seen_attrs and name not in seen_attrs[sig.id]:
                undocumented.append(f"{sig.id}: {{{name}}}")
    assert undocumented == []
    assert len(seen_attrs) >= 10  # most signatures fired, so the check above saw their attributes


def test_fields_doc_matches_what_is_computed(tmp_path) -> None:
    """FIELDS lists exactly the computed fields (general + per kind): no stale doc, no hidden field."""
    diag = Diagnoser()
    computed: set[str] = set()
    for cat in ("disk_full", "dependency_failure", "oom_kill", "resource_saturation"):
        b = load_bundle(generate_bundle(cat, 1, tmp_path / cat))
        ctx_findings = diag.findings(b)
        ctx = Context(b, diag.settings)
        for trig in ctx_findings:
            v = template_values(ctx, trig, [f for f in ctx_findings if f is not trig][:1], [trig], trig.file)
            computed |= set(v) - set(trig.attrs) - {k for k in v if re.match(r"req_", k) and k != "req_delay_text"}
    assert computed <= set(FIELDS)
    assert set(FIELDS) == computed  # every documented field was seen
    assert set(KIND_FIELDS) == {"disk_full"}
