"""Rendering knowledge-base templates: ``{name}`` and ``{name:spec}`` with plain field names only.

The knowledge base is data people edit (site files, and soon a console), so a template must not
reach anything but the values it is given: a field such as ``{file.__class__}`` or ``{x[0]}``
(attribute walk, indexing) is refused when the KB is loaded (:func:`template_problem`) and,
should one get through, rendered as the literal text instead of being evaluated. Conversions
(``!r``) are not supported either. A missing value renders as ``?``; a format spec that does not
fit the value falls back to ``str(value)``.
"""

from __future__ import annotations

import re
import string
from typing import Any

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _literal(name: str, conversion: str | None, spec: str) -> str:
    return "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"


def template_problem(template: str) -> str | None:
    """Why ``template`` is not a valid KB template (None when it is)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        return f"not a valid template ({e})"
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not _PLAIN.match(name):
            return f"field {{{name}}} is not a plain name (no attributes, indexes or positions)"
        if conversion:
            return f"field {{{name}!{conversion}}}: conversions are not supported"
        if spec and ("{" in spec or "}" in spec):
            return f"field {{{name}:{spec}}}: nested fields are not supported"
    return None


def render(template: str, values: dict[str, Any]) -> str:
    """``template`` with its plain fields filled from ``values`` (anything else stays literal)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return template
    out: list[str] = []
    for text, name, spec, conversion in parsed:
        out.append(text)
        if name is None:
            continue
        if not _PLAIN.match(name) or conversion or "{" in (spec or ""):
            out.append(_literal(name, conversion, spec or ""))
            continue
        value = values.get(name)
        if value is None:
            out.append("?")
            continue
        try:
            out.append(format(value, spec or ""))
        except (ValueError, TypeError):
            out.append(str(value))
    return "".join(out)
