"""Input file naming schemes seen at different sites."""
from __future__ import annotations

import random
import uuid
from datetime import datetime

CAMERAS = ["cam-03", "cam-07", "cam-12", "gate-north", "dock door 2", "Loja Centro", "parking-b2",
           "hall_A", "entrada-01", "yard-east"]
EXTS = [".mp4", ".mkv", ".mov", ".ts"]


def video_name(rng: random.Random, scheme: str, dt: datetime, idx: int) -> str:
    cam = rng.choice(CAMERAS)
    ext = rng.choice(EXTS[:2]) if scheme != "legacy" else ".avi"
    if scheme == "cam-date":        # cam-03_20261120T100405.mp4
        return f"{cam.replace(' ', '-')}_{dt:%Y%m%dT%H%M%S}{ext}"
    if scheme == "cam-iso":         # cam-03_2026-11-20_10-04-05.mp4
        return f"{cam.replace(' ', '_')}_{dt:%Y-%m-%d_%H-%M-%S}{ext}"
    if scheme == "spaces":          # Loja Centro 2026-11-20 10h04 (1).mp4
        return f"{cam} {dt:%Y-%m-%d %Hh%M} ({idx % 4 + 1}){ext}"
    if scheme == "uuid":            # 3f0c1e9a-....mp4
        return str(uuid.UUID(int=rng.getrandbits(128), version=4)) + ext
    if scheme == "seq":             # rec_000123.mkv
        return f"rec_{idx + 1000:06d}.mkv"
    if scheme == "legacy":
        return f"{cam.upper().replace(' ', '')}-{dt:%d%m%y}-{idx:04d}{ext}"
    raise ValueError(scheme)


def stem(name: str) -> str:
    return name.rsplit(".", 1)[0]


def analytic(video: str) -> str:
    return stem(video) + ".analytic.json"


def summary(video: str) -> str:
    return stem(video) + ".summary.json"
