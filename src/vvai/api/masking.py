"""The effective configuration with its secrets masked (``GET /api/v1/config``)."""

from __future__ import annotations

import re
from typing import Any

from vvai.monitor.config import Config

_SECRET_KEY = re.compile(r"(token|secret|password|passwd|api_key|apikey|credential)(?!_env|_file)", re.I)
_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@\s]+@", re.I)
MASK = "***"
_HOST_SCHEMES = {"http", "https", "json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos"}


def mask_url(url: str) -> str:
    """Apprise and HTTP URLs carry their secrets in the URL: keep the scheme and host only."""
    url = _USERINFO.sub(r"\1" + MASK + "@", url)
    scheme, sep, rest = url.partition("://")
    if not sep:
        return MASK
    if scheme.lower() not in _HOST_SCHEMES:  # slack://TokenA/..., tgram://bottoken/...: all of it is secret
        return f"{scheme}://{MASK}"
    host = rest.split("/", 1)[0].split("?", 1)[0]
    tail = "/" + MASK if "/" in rest or "?" in rest else ""
    return f"{scheme}://{host}{tail}"


def _walk(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: (MASK if _SECRET_KEY.search(k) and v not in (None, "") and not isinstance(v, dict | bool)
                    else _walk(v, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, key) for v in value]
    if isinstance(value, str) and "://" in value and key in ("urls", "url", "base_url", "socket"):
        return mask_url(value) if key == "urls" or "@" in value or "?" in value else value
    return value


def masked(cfg: Config) -> dict[str, Any]:
    out = _walk(cfg.model_dump(mode="json"))
    out["source_path"] = cfg.source_path or None
    return out


# text fields of an incident view that quote what the box read (and so may carry a secret)
_QUOTED = {"text", "root_cause", "detail", "body", "title", "note", "reason", "message", "summary", "evidence"}


def redacted_view(value: Any, redactor: Any, key: str = "") -> Any:
    """An incident (or a page of them) with the quoted text redacted, as everything that leaves the
    box is; the history itself keeps the verbatim evidence (``?raw=true`` shows it)."""
    if isinstance(value, dict):
        return {k: redacted_view(v, redactor, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted_view(v, redactor, key) for v in value]
    if isinstance(value, str) and key in _QUOTED:
        return redactor.redact(value)
    return value
