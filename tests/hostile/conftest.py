"""Fixtures for the hostile-input tests: a model store and a pipeline root built once per session
(real syncs, real scans) and copied for each case, read-only and immutable variants, and the
closing tally (cases, tracebacks, hangs, data losses) printed at the end of the run."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.harness import TALLY
from tests.models.model_helpers import release
from vvai.models.lifecycle import ModelManager
from vvai.pipeline.layout import Layout
from vvai.pipeline.scanner import Scanner
from vvai.pipeline.videogen import make_samples


@pytest.fixture(scope="session")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Manifests 1.0.0, 2.0.0, 3.0.0 beside their artifacts."""
    folder = tmp_path_factory.mktemp("releases")
    for v in ("1.0.0", "2.0.0", "3.0.0"):
        release(folder, v, size=50_000)
    return folder


@pytest.fixture(scope="session")
def store_template(releases: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with 1.0.0 and 2.0.0 installed, 2.0.0 active."""
    root = tmp_path_factory.mktemp("store") / "models"
    mgr = ModelManager(root)
    mgr.sync(str(releases / "manifest-1.0.0.json"))
    mgr.sync(str(releases / "manifest-2.0.0.json"))
    return root


@pytest.fixture(scope="session")
def pipeline_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pipeline root where one video and a corrupt one were scanned, plus one video waiting in input/."""
    samples = tmp_path_factory.mktemp("psamples")
    make_samples(samples, count=2, seed=3, width=96, height=64, seconds=2.0, highres=False)
    root = tmp_path_factory.mktemp("proot") / "root"
    layout = Layout(root).ensure()
    shutil.copy2(samples / "sample_00.mp4", layout.input / "sample_00.mp4")
    shutil.copy2(samples / "corrupt_garbage.mp4", layout.input / "corrupt_garbage.mp4")
    Scanner(layout, settle_s=0).run_once()
    shutil.copy2(samples / "sample_01.mkv", layout.input / "sample_01.mkv")
    return root


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` remounted read-only in place (a bind mount); unmounted whatever happens."""
    subprocess.run(["mount", "--bind", str(path), str(path)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(path)], check=True)
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def can_mount(tmp: Path) -> bool:
    d = tmp / "mount-probe"
    d.mkdir(exist_ok=True)
    try:
        with read_only(d):
            try:
                (d / "x").write_text("x")
            except OSError:
                return True
            return False
    except (subprocess.CalledProcessError, FileNotFoundError, PermissionError):
        return False


def can_chattr(tmp: Path) -> bool:
    f = tmp / "chattr-probe"
    f.write_text("x")
    ok = subprocess.run(["chattr", "+i", str(f)], capture_output=True).returncode == 0
    if ok:
        subprocess.run(["chattr", "-i", str(f)], check=False)
    return ok


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest hook
    if TALLY["cases"]:
        terminalreporter.write_line(
            "hostile CLI cases: {cases} run, {tracebacks} tracebacks, {hangs} hangs, {data_losses} data losses, "
            "{leaked_secrets} leaked secrets, {wrong_exit} wrong exit codes, {not_one_line} not one stderr line"
            .format(**TALLY))
