"""Reading a bundle from disk: a folder or a ``.tar.gz`` (read in memory, never extracted).

Damage (bad bytes, a cut archive, oversized files) is reported in ``bundle.problems``; only a
missing path or an unusable bundle.json raises ConfigError. ``expected.json`` is never read.
"""

from __future__ import annotations

import tarfile
from collections import Counter
from pathlib import Path

from vvai.common import jsonsafe
from vvai.common.errors import ConfigError
from vvai.monitor.bundle.normalize import json_lines
from vvai.monitor.bundle.types import Bundle

MAX_FILE_BYTES = 64 * 1024 * 1024
PARTIAL = "\x00partial"  # marker in the problem list while reading; becomes Bundle.partial


def _decode(source: str, data: bytes, problems: list[str]) -> list[str]:
    if b"\x00" in data:
        problems.append(f"{source}: NUL bytes found (binary data?)")
        data = data.replace(b"\x00", b"")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(f"{source}: invalid UTF-8 replaced")
        text = data.decode("utf-8", errors="replace")
    return text.splitlines()


def _read_tar(path: Path, problems: list[str]) -> dict[str, bytes]:
    """Members of a bundle archive by path relative to the bundle root (no extraction to disk)."""
    out: dict[str, bytes] = {}
    try:
        with tarfile.open(path, "r:*") as tar:
            while True:
                try:
                    m = tar.next()
                except (tarfile.TarError, EOFError, OSError, ValueError) as e:
                    problems.append(f"{path.name}: archive damaged after {len(out)} file(s): {e}")
                    problems.append(PARTIAL)
                    break
                if m is None:
                    break
                if not m.isfile() or m.size > MAX_FILE_BYTES:
                    continue
                parts = [p for p in Path(m.name).parts if p not in ("", ".")]
                if ".." in parts or not parts:
                    continue
                try:
                    f = tar.extractfile(m)
                    data = f.read() if f else b""
                except (tarfile.TarError, EOFError, OSError, ValueError) as e:
                    problems.append(f"{path.name}: {m.name} unreadable: {e}")
                    problems.append(PARTIAL)
                    break
                out["/".join(parts)] = data
    except (tarfile.TarError, EOFError, OSError, ValueError) as e:
        if not out:
            raise ConfigError(f"{path} is not a readable bundle archive: {e}",
                              hint="pass a bundle folder or a .tar.gz of one") from e
    # strip one common top folder (bundle/…)
    if out and "bundle.json" not in out:
        tops = {k.split("/", 1)[0] for k in out}
        for top in tops:
            if f"{top}/bundle.json" in out:
                return {k[len(top) + 1:]: v for k, v in out.items() if k.startswith(top + "/")}
    return out


def _read_dir(path: Path, problems: list[str]) -> dict[str, bytes]:
    """The bundle's files; a bundle never reads outside itself: symlinks are not followed."""
    out: dict[str, bytes] = {}
    top = path.resolve()
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path).as_posix()
        if p.is_symlink():
            problems.append(f"{rel}: a symbolic link, not followed (a bundle never reads outside itself)")
            continue
        if not p.is_file():
            continue
        if rel == "expected.json":
            continue  # ground truth: the monitor must never read it
        if not (rel in ("bundle.json", "events.jsonl", "stats.jsonl", "metrics.jsonl", "pipeline.jsonl")
                or rel.startswith(("logs/", "files/"))):
            continue
        try:
            if p.stat().st_size > MAX_FILE_BYTES:
                problems.append(f"{rel}: larger than {MAX_FILE_BYTES} bytes, skipped")
                continue
            if not p.resolve().is_relative_to(top):  # under a linked folder
                problems.append(f"{rel}: reached through a symbolic link, not read (a bundle never reads "
                                "outside itself)")
                continue
            out[rel] = p.read_bytes()
        except OSError as e:
            problems.append(f"{rel}: unreadable ({e.strerror})")
    return out


def load_bundle(path: str | Path) -> Bundle:
    """Read a bundle folder or .tar.gz. Damage is reported in ``problems``; only a missing
    path or an unusable bundle.json raises ConfigError."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"bundle {p} does not exist", hint="pass a bundle folder or .tar.gz")
    problems: list[str] = []
    raw = _read_dir(p, problems) if p.is_dir() else _read_tar(p, problems)
    raw.pop("expected.json", None)
    if "bundle.json" not in raw:
        raise ConfigError(f"{p} has no bundle.json", hint="a bundle folder holds bundle.json (vvai-bundle/1)")
    try:  # bounded nesting: '[' * 100000 is an error, not a RecursionError
        meta = jsonsafe.loads(raw["bundle.json"], what="bundle.json")
    except ConfigError as e:
        detail = str(e).split("\n", 1)[0].removeprefix("bundle.json: ")
        raise ConfigError(f"{p}/bundle.json is not valid JSON: {detail}", hint="fix or re-capture the bundle") from None
    if not isinstance(meta, dict):
        raise ConfigError(f"{p}/bundle.json is not a JSON object", hint="fix or re-capture the bundle")

    watched = {"bundle.json"}
    sources: dict[str, tuple[list[dict], list[str]]] = {}
    for name in ("events.jsonl", "stats.jsonl", "metrics.jsonl", "pipeline.jsonl"):
        if name in raw:
            watched.add(name)
            sources[name] = json_lines(name, _decode(name, raw[name], problems), problems)
        else:
            sources[name] = ([], [])
    container_logs: dict[str, list[str]] = {}
    app_log: list[str] = []
    files: dict[str, bytes] = {}
    for rel, data in raw.items():
        if rel == "logs/app.log":
            watched.add(rel)
            app_log = _decode(rel, data, problems)
        elif rel.startswith("logs/") and rel.endswith(".log") and rel.count("/") == 1:
            watched.add(rel)
            container_logs[rel[5:-4]] = _decode(rel, data, problems)
        elif rel.startswith("files/"):
            files[rel[6:]] = data
    b = Bundle.from_records(
        meta, sources["events.jsonl"][0], container_logs, app_log, sources["stats.jsonl"][0],
        sources["metrics.jsonl"][0], sources["pipeline.jsonl"][0], files, problems,
        raw_lines={k: v[1] for k, v in sources.items()}, watched=watched,
    )
    b.partial = PARTIAL in problems
    if b.partial:
        b.problems = [x for x in b.problems if x != PARTIAL]
    return b


def problem_summary(problems: list[str]) -> list[str]:
    """Collapse repeated problems ("x (3 times)") for display."""
    c = Counter(problems)
    return [p if n == 1 else f"{p} ({n} times)" for p, n in c.items()]
