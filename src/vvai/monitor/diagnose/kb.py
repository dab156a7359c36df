"""The knowledge base: failure signatures as YAML data (see kb/signatures.yaml for the format).

Users extend it without code: ``load_kb(extra=[path])`` adds signatures or replaces built-in ones
with the same ``id``. Everything is checked at load time so a bad file fails early and clearly:
the ``format: vvai-kb/1`` tag (required in the built-in file; a site file may omit it, but may
not name another format), the schema, every regex, and every template (plain ``{field}`` names
only, see :mod:`.render`; the fields themselves are documented in :mod:`.fields`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from vvai.common.errors import ConfigError
from vvai.common.saferegex import RegexError
from vvai.common.severity import check_severity
from vvai.monitor.correlate import kb_regex
from vvai.monitor.diagnose.render import template_problem

FORMAT = "vvai-kb/1"

ACTION_TYPES = {"alert", "restart", "cleanup", "quarantine", "suggest_limits", "suggest_rollback", "rollback_model"}


class Cond(BaseModel):
    kind: str | list[str]
    scope: str = "same"  # same | any | dependents
    after_trigger: bool = False
    pattern: str | None = None

    def kinds(self) -> list[str]:
        return [self.kind] if isinstance(self.kind, str) else list(self.kind)

    @field_validator("scope")
    @classmethod
    def _scope(cls, v: str) -> str:
        if v not in ("same", "any", "dependents"):
            raise ValueError("scope must be same, any or dependents")
        return v


class Boost(Cond):
    add: float = 0.05


class When(BaseModel):
    role: str | None = None
    pattern: str | None = None
    not_pattern: str | None = None
    attrs: dict[str, Any] = Field(default_factory=dict)


class ActionTemplate(BaseModel):
    type: str
    target: str | None = None
    when: str | None = None

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in ACTION_TYPES:
            raise ValueError(f"unknown action type {v!r} (one of {', '.join(sorted(ACTION_TYPES))})")
        return v

    @field_validator("target")
    @classmethod
    def _target(cls, v: str | None) -> str | None:
        problem = template_problem(v) if v else None
        if problem:
            raise ValueError(problem)
        return v


class Signature(BaseModel):
    id: str
    category: str
    priority: int = 50
    trigger: str
    when: When = Field(default_factory=When)
    requires: list[Cond] = Field(default_factory=list)
    excludes: list[Cond] = Field(default_factory=list)
    absorbs: dict[str, list[str]] = Field(default_factory=dict)
    boosts: list[Boost] = Field(default_factory=list)
    file_from: str | None = None
    severity: str = "warning"
    confidence: float = 0.7
    root_cause: str
    actions: list[ActionTemplate] = Field(default_factory=lambda: [ActionTemplate(type="alert")])

    @field_validator("severity")
    @classmethod
    def _sev(cls, v: str) -> str:
        return check_severity(v)

    @field_validator("root_cause")
    @classmethod
    def _template(cls, v: str) -> str:
        problem = template_problem(v)
        if problem:
            raise ValueError(problem)
        return v


class KnowledgeBase(BaseModel):
    signatures: list[Signature]

    def ordered(self) -> list[Signature]:
        return sorted(self.signatures, key=lambda s: -s.priority)


def _raw(text: str, origin: str, *, require_format: bool = False) -> list[dict]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"knowledge base {origin} is not valid YAML: {e}", hint="fix the YAML syntax") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("signatures"), list):
        raise ConfigError(f"knowledge base {origin} has no 'signatures' list", hint="see kb/signatures.yaml")
    fmt = doc.get("format")
    if (fmt is None and require_format) or (fmt is not None and fmt != FORMAT):
        raise ConfigError(f"knowledge base {origin}: format is {fmt!r}, expected {FORMAT!r}",
                          hint=f"start the file with 'format: {FORMAT}'")
    bad = [i for i, raw in enumerate(doc["signatures"]) if not isinstance(raw, dict) or not raw.get("id")]
    if bad:
        raise ConfigError(f"knowledge base {origin}: signature #{bad[0] + 1} is not a mapping with an id",
                          hint="see kb/signatures.yaml for the format")
    return [dict(raw, _origin=origin) for raw in doc["signatures"]]


def _validate(raws: list[dict]) -> list[Signature]:
    out = []
    for raw in raws:
        origin = raw.pop("_origin", "?")
        try:
            sig = Signature.model_validate(raw)
        except ValidationError as e:
            first = e.errors()[0]
            loc = ".".join(str(x) for x in first["loc"])
            raise ConfigError(f"knowledge base {origin}: signature {raw.get('id')!r} {loc}: {first['msg']}",
                              hint="see kb/signatures.yaml for the format") from e
        for pat in [sig.when.pattern, sig.when.not_pattern] + [c.pattern for c in sig.requires + sig.excludes]:
            if pat:
                try:
                    kb_regex(pat)
                except RegexError as e:
                    raise ConfigError(f"knowledge base {origin}: signature {sig.id}: {e}",
                                      hint="fix the pattern") from None
        out.append(sig)
    return out


def load_kb(extra: list[str | Path] | None = None) -> KnowledgeBase:
    """The built-in signatures plus any extra files. A signature with a new id is added; one with
    an existing id is merged over it (the keys it gives replace the built-in ones), so a site file
    can change just a root-cause sentence or a severity. ``enabled: false`` drops a signature."""
    text = resources.files("vvai.monitor").joinpath("kb/signatures.yaml").read_text(encoding="utf-8")
    sigs = {r["id"]: r for r in _raw(text, "built-in signatures.yaml", require_format=True)}
    for path in extra or []:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"knowledge base file {p} not found", hint="pass an existing YAML file to --kb")
        for r in _raw(p.read_text(encoding="utf-8", errors="replace"), str(p)):
            sigs[r["id"]] = {**sigs.get(r["id"], {}), **r}
    enabled = [r for r in sigs.values() if r.pop("enabled", True) is not False]
    return KnowledgeBase(signatures=_validate(enabled))
