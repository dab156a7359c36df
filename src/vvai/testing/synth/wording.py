"""Variation for the synthetic corpus: component and camera names, log line styles, messages,
exception texts and tracebacks. Every choice is drawn from a seeded ``random.Random``."""

from __future__ import annotations

import json
import random
from datetime import datetime

CAMERAS = [
    "kiosk-3",
    "lobby-west",
    "dock-door-4",
    "stair-b",
    "garage-l2",
    "atrium-n",
    "mailroom",
    "gate-1",
    "yard-east",
    "cam07",
    "entrance_a",
    "loading-bay",
    "parking-p3",
    "hall-2f",
    "roof-cam",
]
NAMES = {
    "scanner": ["scene_scanner", "scanner", "video_scanner", "vv-scanner", "scan_worker"],
    "summarizer": ["scene_summarizer", "summarizer", "llm_summarizer", "vv-summarizer", "summary_worker"],
    "exporter": ["log_exporter", "exporter", "result_shipper", "vv-exporter", "s3_uploader"],
}
IMAGES = {"scanner": "vv/scene-scanner", "summarizer": "vv/scene-summarizer", "exporter": "vv/log-exporter"}
STYLES = ["pylog", "bracket", "logfmt", "json"]


def ts_iso(t: datetime) -> str:
    """Millisecond RFC 3339 UTC (``t`` is a UTC datetime)."""
    return t.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def docker_ts(t: datetime, rng: random.Random) -> str:
    return t.replace(tzinfo=None).isoformat(timespec="microseconds") + f"{rng.randint(0, 999):03d}Z"


def fmt_line(style: str, level: str, short: str, msg: str, t: datetime) -> str:
    """One log line in a component's style (the docker timestamp is added by the writer)."""
    if style == "pylog":
        return f"{level}:vv.{short}:{msg}"
    if style == "bracket":
        return f"{t.strftime('%Y-%m-%d %H:%M:%S')},{t.microsecond // 1000:03d} [{level}] {short}: {msg}"
    if style == "logfmt":
        q = msg.replace('"', '\\"')
        return f'ts={ts_iso(t)} lvl={level.lower()[:5].replace("warni", "warn")} src={short} msg="{q}"'
    return json.dumps({"time": ts_iso(t), "level": level.lower(), "logger": short, "message": msg})


def traceback(rng: random.Random, frames: list[tuple[str, int, str, str]], exc: str) -> list[str]:
    lines = ["Traceback (most recent call last):"]
    for path, line, func, code in frames:
        lines.append(f'  File "{path}", line {line}, in {func}')
        lines.append(f"    {code}")
    lines.append(exc)
    return lines


def app_frames(rng: random.Random, role: str) -> list[tuple[str, int, str, str]]:
    base = {"scanner": "/opt/app/scanner", "summarizer": "/opt/app/summarizer", "exporter": "/opt/app/exporter"}[role]
    return [
        (f"{base}/main.py", rng.randint(20, 90), "main", "run(cfg)"),
        (
            f"{base}/worker.py",
            rng.randint(40, 300),
            rng.choice(["process", "handle", "run_once", "step"]),
            rng.choice(["result = self.pipeline(item)", "out = handle(path)", "self._do(job)"]),
        ),
    ]


POISON_ERRORS = [
    ("av.error.InvalidDataError", "[Errno 1094995529] Invalid data found when processing input: '{path}'"),
    ("ValueError", "moov atom not found in {name}"),
    ("RuntimeError", "decoder returned no frames for {name} (corrupt header?)"),
    ("av.error.ValueError", "[Errno 22] Invalid argument: '{path}' (truncated NAL units)"),
    (
        "cv2.error",
        "OpenCV(4.9.0) resize.cpp:4062: error: (-215:Assertion failed) !ssize.empty() in function 'resize' ({name})",
    ),
]
SUMMARY_POISON = [
    ("json.decoder.JSONDecodeError", "Expecting ',' delimiter: line 1 column {col} (char {char}) in {name}"),
    ("KeyError", "'scenes' (while reading {name})"),
    ("UnicodeDecodeError", "'utf-8' codec can't decode byte 0xff in position {col}: invalid start byte ({name})"),
]
CRASH_ERRORS = [
    ("KeyError", "'VV_INPUT_DIR'"),
    ("PermissionError", "[Errno 13] Permission denied: '/opt/vv-video-ai-system/processed'"),
    ("ModuleNotFoundError", "No module named 'vv_common.codecs'"),
    ("FileNotFoundError", "[Errno 2] No such file or directory: '/etc/vv/{short}.yaml'"),
    ("ValueError", "invalid literal for int() with base 10: 'auto' (setting SAMPLE_RATE)"),
    ("AttributeError", "'NoneType' object has no attribute 'shape'"),
]
DEPLOY_ERRORS = [
    ("TypeError", "process() got an unexpected keyword argument 'sampling'"),
    ("ImportError", "cannot import name 'SceneCut' from 'vv_common.scenes'"),
    ("AttributeError", "module 'vv_common.io' has no attribute 'atomic_move'"),
    ("KeyError", "'fps_hint'"),
    ("pydantic_core._pydantic_core.ValidationError", "1 validation error for Settings output_dir Field required"),
]
EXPORT_ERRORS = [
    ("botocore.exceptions.ConnectTimeoutError", 'Connect timeout on endpoint URL: "http://{host}:9000/{bucket}/{key}"'),
    (
        "botocore.exceptions.EndpointConnectionError",
        'Could not connect to the endpoint URL: "https://{host}/{bucket}/{key}"',
    ),
    (
        "botocore.exceptions.ClientError",
        "An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
    ),
    (
        "botocore.exceptions.ClientError",
        "An error occurred (NoSuchBucket) when calling the PutObject operation: The specified bucket does not exist",
    ),
    (
        "requests.exceptions.ConnectionError",
        "HTTPSConnectionPool(host='{host}', port=443): Max retries exceeded with url: /upload "
        "(Caused by NewConnectionError: [Errno 111] Connection refused)",
    ),
    (
        "ssl.SSLCertVerificationError",
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired ({host})",
    ),
]
MODEL_ERRORS = [
    "llama_model_load: error loading model: unknown model architecture: '{arch}'",
    "failed to load model '{path}': invalid magic number 0x{magic:08x}",
    "GGML_ASSERT: ggml.c:{line}: tensor 'blk.0.attn_q.weight' has wrong shape; expected {a} x {b}",
    "model {name} {version}: unsupported quantization type {q} (built for a newer runtime)",
    "inference failed: model {name} {version} produced NaN logits on every prompt",
]
DISK_ERRORS = [
    "OSError: [Errno 28] No space left on device: '{path}'",
    "could not write {name}: [Errno 28] No space left on device",
    "av.error.OSError: [Errno 28] No space left on device (while writing {name})",
]
DEP_ERRORS = {
    "redis": [
        "redis.exceptions.ConnectionError: Error 111 connecting to {dep}:6379. Connection refused.",
        "redis.exceptions.TimeoutError: Timeout connecting to {dep}:6379",
        "lost connection to {dep}:6379 (Connection refused), queue unavailable",
    ],
    "postgres": [
        'psycopg.OperationalError: connection to server at "{dep}" (10.0.3.4), port 5432 failed: Connection refused',
        "could not connect to {dep}:5432: connection refused",
    ],
    "mosquitto": [
        "paho.mqtt: [Errno 111] Connection refused while connecting to {dep}:1883",
        "MQTT broker {dep} unavailable: connection refused",
    ],
}
NOISE_WARN = {
    "scanner": [
        "low light in {name}, detection threshold lowered",
        "stream 1 of {name} ignored (audio)",
        "frame rate of {name} is variable, resampling",
    ],
    "summarizer": [
        "{aname}: prompt cut to 1536 tokens",
        "slow token rate 6.1 tok/s on {aname}",
        "{aname}: 0 objects detected, short summary",
    ],
    "exporter": [
        "{name}: transient 'connection reset by peer', will retry",
        "{name}: transient '503 Slow Down', will retry",
        "{name}: transient 'read timeout', will retry",
    ],
}
