"""Tolerant parsing of a model's answer: JSON, JSON in a code fence, or JSON wrapped in prose.

Returns the list of incident dicts, or raises :class:`AnswerError` with a one-line reason (which
the advisor records as a rejection). Accepts ``{"incidents": [...]}``, one incident object, or a
bare list. Nothing is evaluated; the text is only scanned for balanced JSON values.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\n(.*?)```", re.DOTALL)
MAX_ANSWER_CHARS = 200_000


class AnswerError(ValueError):
    """The answer cannot be read as the spec's incident shape."""


def _candidates(text: str) -> list[str]:
    out = [m.group(1) for m in _FENCE.finditer(text)]
    out.append(text)
    return out


def _balanced(text: str, start: int) -> str | None:
    """The JSON value opening at ``text[start]`` (``{`` or ``[``), honouring strings; None if unclosed."""
    depth, in_str, esc = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
    return None


def _first_json(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    for start in (m.start() for m in re.finditer(r"[{\[]", text)):
        chunk = _balanced(text, start)
        if chunk is None:
            continue
        try:
            return json.loads(chunk)
        except ValueError:
            continue
    raise AnswerError("no JSON object in the answer")


def parse_answer(text: str | None) -> list[dict[str, Any]]:
    if not text or not text.strip():
        raise AnswerError("empty answer")
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerError(f"answer of {len(text)} characters is too long")
    last: AnswerError | None = None
    for cand in _candidates(text):
        try:
            value = _first_json(cand)
        except AnswerError as e:
            last = e
            continue
        return _incidents(value)
    raise last or AnswerError("no JSON object in the answer")


def _incidents(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict) and "incidents" in value:
        value = value["incidents"]
    elif isinstance(value, dict) and "category" in value:
        value = [value]
    if not isinstance(value, list):
        raise AnswerError("the JSON is not {\"incidents\": [...]}")
    bad = [v for v in value if not isinstance(v, dict)]
    if bad:
        raise AnswerError("an incident is not a JSON object")
    return value
