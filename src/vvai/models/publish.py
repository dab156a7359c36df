"""``vvai model publish``: hash an artifact and write or update the release manifest."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vvai.common import jsonsafe
from vvai.common.atomic import fsync_dir, temp_name
from vvai.common.errors import ConfigError
from vvai.common.hashing import sha256_and_size
from vvai.models import trust
from vvai.models.fetch import NullProgress, ProgressSink
from vvai.models.manifest import Artifact, Manifest, dump_manifest, parse_manifest


def publish(artifact: Path, *, version: str, url: str, manifest_out: Path, model_name: str | None = None,
            target_path: str | None = None, description: str | None = None, notes: str | None = None,
            sign_key: Path | None = None, progress: ProgressSink | None = None) -> Manifest:
    """Compute sha256 and size of ``artifact`` and write or update ``manifest_out``.

    Everything that can fail is checked before anything is written (the key, the existing
    manifest, the new one); then the manifest and its ``.sig`` are written to temp files and
    renamed into place one right after the other, so a failed publish leaves the old pair as it was.
    """
    artifact = Path(artifact)
    manifest_out = Path(manifest_out)
    if not artifact.is_file():
        raise ConfigError(f"artifact not found (or not a file): {artifact}")
    if os.path.lexists(manifest_out) and not manifest_out.is_file():
        raise ConfigError(f"--manifest {manifest_out} is not a file", hint="give the manifest's file name")
    key = trust.load_private_key(sign_key) if sign_key else None  # a bad key fails before any write
    existing: dict[str, Any] = {}
    if manifest_out.exists():
        raw = jsonsafe.read_bytes(manifest_out, what=str(manifest_out))
        existing = parse_manifest(raw, where=str(manifest_out)).to_json_dict()
    prog = progress or NullProgress()
    prog.begin(f"hashing {artifact.name}", artifact.stat().st_size, 0)
    try:
        digest, size = sha256_and_size(artifact, prog)
    finally:
        prog.end()
    arts: list[dict[str, Any]] = list(existing.get("artifacts", []))
    target = target_path or next((a["target_path_in_container"] for a in arts), None) or "/app/models/bitnet"
    new_art = {"filename": artifact.name, "url": url, "sha256": digest, "size_bytes": size,
               "target_path_in_container": target}
    try:
        new_parsed = Artifact.model_validate(new_art)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "artifact"
        msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise ConfigError(f"--{'url' if field == 'url' else field}: {msg}") from None
    same_version = existing.get("version") == version
    replaced = False
    for i, a in enumerate(arts):
        old = Artifact.model_validate(a)
        if a["filename"] == artifact.name or (old.slot == new_parsed.slot and not same_version
                                              and bool(old.archive) == bool(new_parsed.archive)):
            arts[i] = new_art
            replaced = True
            break
    if not replaced:
        arts.append(new_art)
    doc = {
        "model_name": model_name or existing.get("model_name") or artifact.name.split("_v")[0],
        "version": version,
        "release_date": date.today().isoformat() if not same_version or "release_date" not in existing
        else existing["release_date"],
        "description": description if description is not None else existing.get("description"),
        "notes": notes if notes is not None else existing.get("notes"),
        "artifacts": arts,
    }
    manifest = parse_manifest(json.dumps(doc).encode(), where="published manifest")
    data = dump_manifest(manifest).encode()
    sig_path = Path(str(manifest_out) + ".sig")
    if os.path.lexists(sig_path) and not sig_path.is_file():
        raise ConfigError(f"{sig_path} is not a file", hint="remove it, then publish again")
    manifest_out.parent.mkdir(parents=True, exist_ok=True)
    _write_pair(manifest_out, data, sig_path, trust.sign(data, key) if key else None)
    return manifest


def _write_pair(manifest_out: Path, data: bytes, sig_path: Path, sig: bytes | None) -> None:
    """Both files complete and durable under temp names first; then two renames, back to back."""
    tmp_m = temp_name(manifest_out, "publish")
    tmp_s = temp_name(sig_path, "publish") if sig is not None else None
    try:
        _write_durable(tmp_m, data)
        if tmp_s is not None and sig is not None:
            _write_durable(tmp_s, sig)
        os.replace(tmp_m, manifest_out)
        if tmp_s is not None:
            os.replace(tmp_s, sig_path)
        elif os.path.lexists(sig_path):
            sig_path.unlink()  # a stale signature would make a signed-mode sync fail confusingly
        fsync_dir(manifest_out.parent)
    finally:
        for t in (tmp_m, tmp_s):
            if t is not None:
                with contextlib.suppress(FileNotFoundError):
                    t.unlink()


def _write_durable(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
