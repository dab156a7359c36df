"""How one log record is printed by different logging libraries (the text after the `docker logs` prefix).

Dialects: pylog-colon (`INFO:vv.scanner:msg`, logging.basicConfig default), pylog-asctime
(`2026-11-20 10:04:05,123 - vv.scanner - INFO - msg`, zone-less), pylog-bracket, structlog JSON
(`event`/`timestamp`/`log_level`), logrus text (`time=... level=... msg=...`), Go stdlib
(`2026/11/20 10:04:05 file.go:12: msg`, zone-less), loguru (`... | INFO     | mod:fn:12 - msg`),
zap JSON (`{"level":"info","ts":1763..,"caller":..,"msg":..}`).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from . import timefmt

LEVELS = ("debug", "info", "warning", "error", "critical")


def _kv_text(kv: dict) -> str:
    parts = []
    for k, v in kv.items():
        s = str(v)
        parts.append(f'{k}="{s}"' if (" " in s or "=" in s or not s) else f"{k}={s}")
    return " ".join(parts)


def render(dialect: str, dt: datetime, tz: timezone, level: str, logger: str, msg: str,
           kv: dict | None = None) -> str:
    kv = dict(kv or {})
    lv = level.lower()
    if dialect == "pylog-colon":
        tail = f" ({_kv_text(kv)})" if kv else ""
        return f"{lv.upper()}:{logger}:{msg}{tail}"
    if dialect == "pylog-asctime":
        return f"{timefmt.naive_text(dt, tz, 'pylog')} - {logger} - {lv.upper()} - {msg}"
    if dialect == "pylog-bracket":
        return f"[{timefmt.naive_text(dt, tz, 'pylog')}] [{lv.upper():<8}] {logger.split('.')[-1]}: {msg}"
    if dialect == "structlog":
        rec = {"event": msg, "log_level": lv, "logger": logger,
               "timestamp": timefmt.rfc3339(dt, tz, 6)}
        rec.update(kv)
        return json.dumps(rec)
    if dialect == "logrus":
        lvl = {"warning": "warning", "critical": "fatal"}.get(lv, lv)
        head = f'time="{timefmt.rfc3339(dt, tz, 0)}" level={lvl} msg="{_esc(msg)}"'
        return head + (" " + _kv_text(kv) if kv else "")
    if dialect == "go-std":
        src = kv.pop("caller", "worker.go:88")
        return f"{timefmt.naive_text(dt, tz, 'go')} {src}: {msg}" + (" " + _kv_text(kv) if kv else "")
    if dialect == "loguru":
        mod = logger.replace("vv.", "vv_")
        return (f"{timefmt.naive_text(dt, tz, 'loguru')} | {lv.upper():<8} | "
                f"{mod}:run:{len(msg) % 200 + 12} - {msg}")
    if dialect == "zap":
        zl = {"warning": "warn", "critical": "fatal"}.get(lv, lv)
        rec = {"level": zl, "ts": round(dt.timestamp(), 6), "caller": kv.pop("caller", "exporter/ship.go:141"),
               "msg": msg}
        rec.update(kv)
        return json.dumps(rec, separators=(",", ":"))
    raise ValueError(dialect)


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def msg_substring(dialect: str, msg: str) -> str:
    """The part of a rendered line that is the message verbatim (JSON dialects escape quotes)."""
    if dialect in ("structlog", "zap"):
        return json.dumps(msg)[1:-1]
    if dialect == "logrus":
        return _esc(msg)
    return msg


PY_DIALECTS = ["pylog-colon", "pylog-asctime", "pylog-bracket", "structlog", "loguru"]
GO_DIALECTS = ["logrus", "go-std", "zap"]
HELDOUT_ONLY = {"loguru", "zap"}


class Logger:
    """A component's logger in one dialect writing into a Bundle's container log."""

    def __init__(self, bundle, service: str, dialect: str, logger: str, tz: timezone):
        self.b, self.service, self.dialect, self.logger, self.tz = bundle, service, dialect, logger, tz

    def __call__(self, dt: datetime, level: str, msg: str, evidence: bool = False, **kv) -> None:
        line = render(self.dialect, dt, self.tz, level, self.logger, msg, kv)
        self.b.log(self.service, dt, line)
        if evidence:
            self.b.mark(f"logs/{self.service}.log", msg_substring(self.dialect, msg))

    def raw(self, dt: datetime, text: str | bytes, evidence: bool = False) -> None:
        self.b.log(self.service, dt, text, evidence=evidence)
