"""Shared fixtures: one small synthetic sample set per session, a fresh pipeline root per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vvai.common.jsonlog import JsonLineLogger
from vvai.pipeline.layout import Layout
from vvai.pipeline.scanner import Scanner
from vvai.pipeline.videogen import make_samples

VIDEO_FILES = ("sample_00.mp4", "sample_01.mkv", "sample_02.mp4")
BAD_FILES = ("corrupt_garbage.mp4", "corrupt_truncated.mp4", "truncated.mkv")


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """160x90, 4 s, 25 fps videos with known cuts plus the corrupt and truncated ones."""
    out = tmp_path_factory.mktemp("samples")
    make_samples(out, count=3, seed=7, width=160, height=90, seconds=4.0, highres=False)
    return out


@pytest.fixture(scope="session")
def scanned_template(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root where every sample was scanned once; tests copy it rather than rescan."""
    root = tmp_path_factory.mktemp("scanned") / "root"
    layout = Layout(root).ensure()
    for name in VIDEO_FILES + BAD_FILES:
        shutil.copy2(samples / name, layout.input / name)
    Scanner(layout, settle_s=0).run_once()
    return root


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path / "root").ensure()


@pytest.fixture
def scanned(scanned_template: Path, tmp_path: Path) -> Layout:
    root = tmp_path / "root"
    shutil.copytree(scanned_template, root, symlinks=True)
    return Layout(root)


def log_records(layout: Layout) -> list[dict]:
    import json

    if not layout.app_log.exists():
        return []
    return [json.loads(line) for line in layout.app_log.read_text().splitlines()]


def quiet_logger(layout: Layout, component: str) -> JsonLineLogger:
    return JsonLineLogger(layout.app_log, component)
