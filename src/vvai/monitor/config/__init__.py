"""``vvai.toml``: what the self-monitor watches, its thresholds, where it alerts and stores.

Loaded with :mod:`tomllib`, validated with pydantic (unknown keys are errors, so a typo never
silently disables a check). Every error names its key, one line:
``vvai.toml: alerts.rate_limit_per_hour: must be >= 1``.

Lookup order: ``--config PATH``, then ``$VVAI_CONFIG``, then ``./vvai.toml``, then
``/etc/vvai/vvai.toml``; with none of them the defaults below apply (the original layout under
/opt/vv-video-ai-system with input/ processed/ corrupted/ logs/app.log).

Example::

    [pipeline]
    root = "/opt/vv-video-ai-system"
    state_files = ["vv-signature.json", "logs/verifier.json"]

    [engine]
    compose_project = "vv-video-ai-system"     # or: components = ["scene_scanner", ...]

    [prometheus]
    url = "http://127.0.0.1:9090"
    queries = { vv_scene_processing_seconds = "vv_scene_processing_seconds" }

    [thresholds]                               # vvai.monitor.detect.settings.DetectorSettings
    error_burst_min = 5

    [benchmarks.scene_summarizer]
    p50_processing_s = 4.0

    [alerts]
    urls = ["json://alerts.example:8080/vvai"]
    rate_limit_per_hour = 20
"""

from __future__ import annotations

import os
import socket
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vvai.common.errors import ConfigError
from vvai.common.paths import DEFAULT_ROOT
from vvai.common.severity import check_severity
from vvai.monitor.config.actions import ActionsConfig
from vvai.monitor.config.api import ApiConfig
from vvai.monitor.config.llm import LLMConfig

SEARCH_PATHS = ("vvai.toml", "/etc/vvai/vvai.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PipelineConfig(_Strict):
    root: str = DEFAULT_ROOT
    input: str = "input"
    processed: str = "processed"
    corrupted: str = "corrupted"
    app_log: str = "logs/app.log"
    state_files: list[str] = Field(default_factory=lambda: ["vv-signature.json", "logs/verifier.json"])
    snapshot_interval_s: float = Field(60.0, ge=1)

    def path(self, rel: str) -> Path:
        return Path(self.root) / rel

    def dirs(self) -> dict[str, str]:
        return {"input": self.input, "processed": self.processed, "corrupted": self.corrupted}


class EngineConfig(_Strict):
    enabled: bool = True
    socket: str = ""  # docker base_url; empty: $DOCKER_HOST or the default socket
    compose_project: str = ""  # discover components by com.docker.compose.project
    components: list[str] = Field(default_factory=list)  # or list them (service or container names)
    stats_interval_s: float = Field(15.0, ge=1)
    log_tail_lines: int = Field(5000, ge=10)


class LogFileConfig(_Strict):
    path: str
    format: str = "auto"
    name: str = ""

    @field_validator("format")
    @classmethod
    def _fmt(cls, v: str) -> str:
        if v not in ("auto", "json", "text"):
            raise ValueError("must be one of auto, json, text")
        return v


class LogsConfig(_Strict):
    files: list[LogFileConfig] = Field(default_factory=list)  # besides pipeline.app_log
    max_line_bytes: int = Field(1 << 20, ge=1024)


class PrometheusConfig(_Strict):
    url: str = ""
    queries: dict[str, str] = Field(default_factory=dict)
    step_s: float = Field(60.0, ge=1)
    interval_s: float = Field(60.0, ge=1)
    timeout_s: float = Field(10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if v and not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v


class RedactionConfig(_Strict):
    """What is redacted from everything that leaves the box (alerts; the LLM's API calls). Secrets
    (keys, tokens, passwords, private keys, e-mail, webhook URLs) always are; these add more."""

    ips: bool = False
    hostnames: bool = False
    extra_patterns: list[str] = Field(default_factory=list)  # user regexes, run on the linear-time engine

    def redactor(self) -> Any:
        from vvai.common.redact import Redactor

        return Redactor(ips=self.ips, hostnames=self.hostnames, extra_patterns=self.extra_patterns)


class AlertsConfig(_Strict):
    urls: list[str] = Field(default_factory=list)  # apprise URLs
    min_severity: str = "warning"
    rate_limit_per_hour: int = Field(30, ge=1)
    cooldown_s: float = Field(900.0, ge=0)  # per incident, between updates
    resolve_after_s: float = Field(120.0, ge=0)  # absent this long -> resolved
    timeout_s: float = Field(10.0, gt=0)

    @field_validator("min_severity")
    @classmethod
    def _sev(cls, v: str) -> str:
        return check_severity(v)

    @field_validator("urls")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        for u in v:
            if "://" not in u:
                raise ValueError(f"{u!r} is not an apprise URL (scheme://...)")
        return v


class StoreConfig(_Strict):
    path: str = "/var/lib/vvai/monitor.db"


class MetricsConfig(_Strict):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(9108, ge=0, le=65535)


class MonitorConfig(_Strict):
    host: str = Field(default_factory=socket.gethostname)
    window_s: float = Field(3600.0, ge=60)  # how much recent past each diagnosis pass looks at
    interval_s: float = Field(30.0, ge=1)  # passes without any triggering event
    min_pass_gap_s: float = Field(1.0, ge=0)  # bound on the pass rate under an event storm (crash loop)
    max_records: int = Field(200_000, ge=1000)  # memory bound on the window buffer


class Config(_Strict):
    monitor: MonitorConfig = Field(default_factory=MonitorConfig)
    pipeline: PipelineConfig = Field(default_factory=PipelineConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)
    logs: LogsConfig = Field(default_factory=LogsConfig)
    prometheus: PrometheusConfig = Field(default_factory=PrometheusConfig)
    thresholds: dict[str, Any] = Field(default_factory=dict)
    benchmarks: dict[str, dict[str, float]] = Field(default_factory=dict)
    model: dict[str, str] = Field(default_factory=dict)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    redaction: RedactionConfig = Field(default_factory=RedactionConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    actions: ActionsConfig = Field(default_factory=ActionsConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    api: ApiConfig = Field(default_factory=ApiConfig)
    source_path: str = Field("", exclude=True)

    def detector_settings(self) -> Any:
        """The diagnosis thresholds (``DetectorSettings``) with this file's overrides."""
        from vvai.monitor.detect.settings import DetectorSettings

        return DetectorSettings(**self.thresholds)


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _say(err: dict[str, Any]) -> str:
    """pydantic's error -> short operator wording."""
    t, ctx = err.get("type", ""), err.get("ctx") or {}
    if t == "greater_than_equal":
        return f"must be >= {ctx.get('ge')}"
    if t == "greater_than":
        return f"must be > {ctx.get('gt')}"
    if t == "less_than_equal":
        return f"must be <= {ctx.get('le')}"
    if t == "extra_forbidden":
        return "unknown key"
    if t == "missing":
        return "is required"
    if t == "value_error":
        return str(ctx.get("error") or err.get("msg"))
    return str(err.get("msg", "invalid")).lower()


def _raise_first(name: str, e: ValidationError, prefix: str = "") -> None:
    err = e.errors()[0]
    key = _loc(err.get("loc", ()))
    more = f" (and {len(e.errors()) - 1} more)" if len(e.errors()) > 1 else ""
    raise ConfigError(f"{name}: {prefix}{key}: {_say(err)}{more}",
                      hint="fix the key in the config file; `vvai monitor run --help` lists the defaults")


def find_config(path: str | Path | None = None) -> Path | None:
    """The config file to use, or None for built-in defaults. An explicit path must exist."""
    explicit = path or os.environ.get("VVAI_CONFIG")
    if explicit:
        p = Path(explicit)
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist",
                              hint="pass --config PATH or set VVAI_CONFIG to an existing vvai.toml")
        return p
    for cand in SEARCH_PATHS:
        if Path(cand).is_file():
            return Path(cand)
    return None


def parse_config(data: dict[str, Any], name: str = "vvai.toml") -> Config:
    """Validate a parsed TOML document; raise ConfigError naming the first bad key."""
    try:
        cfg = Config(**data)
    except ValidationError as e:
        _raise_first(name, e)
        raise  # unreachable
    from vvai.monitor.detect.settings import DetectorSettings

    for key in cfg.thresholds:
        if key not in DetectorSettings.model_fields:
            raise ConfigError(f"{name}: thresholds.{key}: unknown key",
                              hint="see vvai.monitor.detect.settings.DetectorSettings for the thresholds")
    try:
        cfg.detector_settings()
    except ValidationError as e:
        _raise_first(name, e, prefix="thresholds.")
    for comp, bench in cfg.benchmarks.items():
        for k, v in bench.items():
            if v < 0:
                raise ConfigError(f"{name}: benchmarks.{comp}.{k}: must be >= 0", hint="fix the benchmark value")
    return cfg


def load_config(path: str | Path | None = None) -> Config:
    """Find, read and validate the config (see the module docstring for the lookup order)."""
    p = find_config(path)
    if p is None:
        return Config()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p.name}: not valid TOML: {e}", hint=f"fix the syntax of {p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read {p}: {e}", hint="check the file's permissions and encoding") from None
    cfg = parse_config(data, p.name)
    cfg.source_path = str(p)
    return cfg


def models_root(cfg: Config) -> Path:
    """``[model] root`` in vvai.toml, else ``$VVAI_MODELS_DIR``, else ``<pipeline root>/models``."""
    explicit = cfg.model.get("root") or os.environ.get("VVAI_MODELS_DIR")
    return Path(explicit) if explicit else Path(cfg.pipeline.root) / "models"
