"""``vvai model publish``: hash an artifact and write or update the release manifest."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from vvai.common.atomic import atomic_write_bytes
from vvai.common.errors import ConfigError
from vvai.common.hashing import sha256_and_size
from vvai.models import trust
from vvai.models.fetch import NullProgress, ProgressSink
from vvai.models.manifest import Artifact, Manifest, dump_manifest, parse_manifest


def publish(artifact: Path, *, version: str, url: str, manifest_out: Path, model_name: str | None = None,
            target_path: str | None = None, description: str | None = None, notes: str | None = None,
            sign_key: Path | None = None, progress: ProgressSink | None = None) -> Manifest:
    """Compute sha256 and size of ``artifact`` and write or update ``manifest_out``."""
    artifact = Path(artifact)
    if not artifact.is_file():
        raise ConfigError(f"artifact not found: {artifact}")
    prog = progress or NullProgress()
    prog.begin(f"hashing {artifact.name}", artifact.stat().st_size, 0)
    try:
        digest, size = sha256_and_size(artifact, prog)
    finally:
        prog.end()
    existing: dict[str, Any] = {}
    if manifest_out.exists():
        existing = parse_manifest(manifest_out.read_bytes(), where=str(manifest_out)).to_json_dict()
    arts: list[dict[str, Any]] = list(existing.get("artifacts", []))
    target = target_path or next((a["target_path_in_container"] for a in arts), None) or "/app/models/bitnet"
    new_art = {"filename": artifact.name, "url": url, "sha256": digest, "size_bytes": size,
               "target_path_in_container": target}
    same_version = existing.get("version") == version
    replaced = False
    for i, a in enumerate(arts):
        same_slot = Artifact.model_validate(a).slot == Artifact.model_validate(new_art).slot
        if a["filename"] == artifact.name or (same_slot and not same_version and
                                              bool(Artifact.model_validate(a).archive) == bool(
                                                  Artifact.model_validate(new_art).archive)):
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
    manifest_out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(manifest_out, data)
    sig_path = Path(str(manifest_out) + ".sig")
    if sign_key:
        atomic_write_bytes(sig_path, trust.sign(data, trust.load_private_key(sign_key)))
    elif sig_path.exists():
        sig_path.unlink()  # a stale signature would make a signed-mode sync fail confusingly
    return manifest
