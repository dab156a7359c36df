"""Crash safety: SIGKILL at random moments, two concurrent syncs, a full disk."""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.models.model_helpers import VVAI, active_version, model_file_version, release, run_vvai
from vvai.models.lifecycle import ModelManager


def _env() -> dict:
    e = dict(os.environ)
    e.pop("VVAI_MODEL_PUBKEY", None)
    return e


def _assert_consistent(root: Path, allowed: set[str]) -> str | None:
    """Whatever a consumer opens through <root>/bitnet is one complete, verified version."""
    act = active_version(root)
    if act is None:
        return None
    assert act in allowed
    assert model_file_version(root) == act, "the files behind <root>/bitnet belong to the active version"
    reports = ModelManager(root, lock_timeout=30).verify()
    assert reports[0].ok, reports[0].problems
    return act


@pytest.mark.slow
def test_sigkill_at_random_moments_never_leaves_a_broken_model(tmp_path: Path):
    rng = random.Random(20261124)
    root = tmp_path / "models"
    # large enough that download, extraction and activation each take a measurable time
    m1 = release(tmp_path / "rel", "1.0.0", size=12_000_000)
    m2 = release(tmp_path / "rel", "2.0.0", size=12_000_000)
    run_vvai("model", "sync", "-m", str(m1), "--root", str(root), check=True)

    t0 = time.monotonic()
    run_vvai("model", "sync", "-m", str(m2), "--root", str(root), "--keep", "5", check=True)
    full = time.monotonic() - t0
    run_vvai("model", "rollback", "--root", str(root), check=True)
    # drop the installed 2.0.0 so the next syncs really download, extract and activate again
    ModelManager(root).gc(keep=1)
    assert [iv.version for iv in ModelManager(root).store.installed()] == ["1.0.0"]

    seen_states = set()
    kills = 0
    for i in range(24):
        target = m2 if i % 2 == 0 else m1
        args = [*VVAI, "model", "sync", "-m", str(target), "--root", str(root), "--allow-downgrade",
                "--keep", "1" if i % 3 == 0 else "3", "-q"]
        p = subprocess.Popen(args, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        delay = rng.uniform(0.05, full * 0.9)
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
            kills += 1
        seen_states.add(_assert_consistent(root, {"1.0.0", "2.0.0"}))
        assert active_version(root) is not None, "the model never goes missing"
    assert kills >= 8, f"only {kills} of 24 syncs were killed; the test did not exercise crashes"

    for target, version in ((m2, "2.0.0"), (m1, "1.0.0")):
        p = run_vvai("model", "sync", "-m", str(target), "--root", str(root), "--allow-downgrade")
        assert p.returncode == 0, p.stderr
        assert _assert_consistent(root, {version}) == version
    # nothing half-done survives the next successful sync
    assert not list((root / ".vvai/staging").iterdir())
    assert not list((root / ".vvai/trash").iterdir())


def test_two_concurrent_syncs_from_two_processes(tmp_path: Path):
    root = tmp_path / "models"
    m1 = release(tmp_path / "rel", "1.0.0", size=5_000_000)
    procs = [subprocess.Popen([*VVAI, "model", "sync", "-m", str(m1), "--root", str(root), "--json"],
                              env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    actions = sorted(__import__("json").loads(o[0])["action"] for o in outs)
    assert actions == ["installed", "unchanged"], "the lock serialised them; the second found it installed"
    assert [iv.version for iv in ModelManager(root).store.installed()] == ["1.0.0"]
    assert _assert_consistent(root, {"1.0.0"}) == "1.0.0"


def test_concurrent_downloads_of_one_blob_without_the_store_lock(tmp_path: Path):
    """Correctness does not rest on the store lock: the part file is claimed with its own flock."""
    import threading

    from vvai.models.fetch import Download
    from vvai.models.transports import FetchPolicy

    m = release(tmp_path / "rel", "1.0.0", size=3_000_000)
    art = m.parent / "bitnet_summarizer_v1.0.0.tar.gz"
    from tests.models.model_helpers import sha256_of

    digest, size = sha256_of(art), art.stat().st_size
    blob = tmp_path / "blobs" / digest
    results, errors = [], []

    def run():
        try:
            d = Download(str(art), digest, size, blob, tmp_path / "partial", FetchPolicy())
            results.append((d.run(), d.bytes_from_network))
        except Exception as e:  # pragma: no cover - the assertion below reports it
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert {r[0] for r in results} == {blob}
    assert sum(r[1] for r in results) == size, "exactly one of them downloaded the bytes"
    assert sha256_of(blob) == digest


def _limit_fsize(limit: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_full_disk_fails_cleanly_and_the_next_sync_resumes(tmp_path: Path):
    root = tmp_path / "models"
    m1 = release(tmp_path / "rel", "1.0.0", size=300_000)
    m2 = release(tmp_path / "rel", "2.0.0", size=4_000_000)
    run_vvai("model", "sync", "-m", str(m1), "--root", str(root), check=True)
    p = subprocess.run([*VVAI, "model", "sync", "-m", str(m2), "--root", str(root)], env=_env(),
                       capture_output=True, text=True, preexec_fn=_limit_fsize(1_000_000), timeout=120)
    assert p.returncode != 0
    assert p.stderr.startswith("error: no space left") and p.stderr.count("\n") == 1, p.stderr
    assert active_version(root) == "1.0.0" and model_file_version(root) == "1.0.0"
    assert ModelManager(root).verify()[0].ok
    parts = list((root / ".vvai/partial").glob("*.part"))
    assert parts and parts[0].stat().st_size == 1_000_000, "the bytes that fit are kept for a resume"
    p = run_vvai("model", "sync", "-m", str(m2), "--root", str(root), "--json")
    assert p.returncode == 0, p.stderr
    res = __import__("json").loads(p.stdout)
    assert res["resumed_bytes"] == 1_000_000
    assert res["downloaded_bytes"] == (m2.parent / "bitnet_summarizer_v2.0.0.tar.gz").stat().st_size - 1_000_000
    assert model_file_version(root) == "2.0.0"
