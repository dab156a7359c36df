"""Helpers for the model lifecycle tests: build real artifacts and manifests, run the real CLI."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import subprocess
import sys
import tarfile
from pathlib import Path

VVAI = [sys.executable, "-m", "vvai"]


def make_model_tar(path: Path, version: str, size: int = 200_000, slot_dir: str = "") -> Path:
    """A .tar.gz holding model.gguf (content depends on version) and config.json."""
    rnd = random.Random(hashlib.sha256(version.encode()).digest())
    blob = b"GGUF" + rnd.randbytes(max(0, size - 4))  # incompressible, like real quantized weights
    cfg = json.dumps({"version": version}).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tf:
        for name, data in ((f"{slot_dir}model.gguf", blob), (f"{slot_dir}config.json", cfg)):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            tf.addfile(ti, io.BytesIO(data))
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_manifest(path: Path, version: str, artifacts: list[dict], model_name: str = "BitNet-4bit-Summarizer",
                   **extra) -> Path:
    doc = {"model_name": model_name, "version": version, "release_date": "2025-05-01",
           "description": "test model", "notes": "", "artifacts": artifacts, **extra}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))
    return path


def artifact_entry(file: Path, url: str | None = None, target: str = "/app/models/bitnet") -> dict:
    return {"filename": file.name, "url": url or file.name, "sha256": sha256_of(file),
            "size_bytes": file.stat().st_size, "target_path_in_container": target}


def release(folder: Path, version: str, size: int = 200_000) -> Path:
    """A published release: artifact + manifest side by side; returns the manifest path."""
    art = make_model_tar(folder / f"bitnet_summarizer_v{version}.tar.gz", version, size)
    return write_manifest(folder / f"manifest-{version}.json", version, [artifact_entry(art)])


def run_vvai(*args: str, env: dict | None = None, check: bool = False, timeout: float = 120,
             **kw) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.pop("VVAI_MODEL_PUBKEY", None)
    if env:
        e.update(env)
    p = subprocess.run([*VVAI, *args], capture_output=True, text=True, env=e, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"vvai {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p


def active_version(root: Path) -> str | None:
    """The version the `active` pointer designates, read the way a consumer would."""
    try:
        target = os.readlink(root / "active")
    except FileNotFoundError:
        return None
    rec = json.loads((root / target / "install.json").read_text())
    return rec["version"]


def model_file_version(root: Path, slot: str = "bitnet") -> str:
    """The version recorded inside the model files reachable through <root>/<slot>."""
    return json.loads((root / slot / "config.json").read_text())["version"]
