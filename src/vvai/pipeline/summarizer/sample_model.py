"""Small, real summarizer model artifacts made locally (nothing is downloaded).

A release is a ``.tar.gz`` holding ``config.json`` (the deterministic engine's wording and
limits) and ``model.gguf`` (a GGUF header and deterministic bytes: a stand-in for quantized
weights, checked for its magic at load time). ``broken=True`` makes an artifact that installs
and verifies but fails to load, to exercise "a model that fails to load leaves the old one serving".
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import tarfile
from pathlib import Path

STYLES = {
    "brief": {"style": "brief", "vocabulary": {"brightness": ["dark", "dim", "bright"],
                                               "motion": ["static", "some motion", "busy"]}},
    "detailed": {"style": "detailed", "vocabulary": {"brightness": ["dark", "dimly lit", "brightly lit"],
                                                     "motion": ["still", "moving a little", "full of motion"]}},
}


def make_summarizer_model(dest: Path, version: str, *, style: str = "brief", weights_kib: int = 256,
                          broken: bool = False, extra_config: dict | None = None) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    cfg = {"engine": "deterministic", "model_version": version, **STYLES[style], **(extra_config or {})}
    body = hashlib.shake_256(f"weights:{version}:{style}".encode()).digest(weights_kib * 1024)
    gguf = (b"NOPE" if broken else b"GGUF") + struct.pack("<I", 3) + body
    path = dest / f"bitnet_summarizer_v{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name, data in (("config.json", json.dumps(cfg, indent=2).encode()), ("model.gguf", gguf)):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 1_700_000_000
            tf.addfile(ti, io.BytesIO(data))
    return path


def publish_summarizer_model(folder: Path, version: str, **kw) -> Path:
    """Artifact + ``model_manifest.json`` (via the real publish path); returns the manifest."""
    from vvai.models.publish import publish

    art = make_summarizer_model(folder, version, **kw)
    manifest = folder / f"model_manifest-{version}.json"
    publish(art, version=version, url=art.name, manifest_out=manifest, model_name="BitNet-4bit-Summarizer",
            target_path="/app/models/bitnet",
            description=f"summarizer model {version} ({kw.get('style', 'brief')} wording)")
    return manifest
