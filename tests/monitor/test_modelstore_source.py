"""bundle.json's ``model`` comes from the model store when there is one (real store, real sync)."""

from __future__ import annotations

from pathlib import Path

from vvai.models.lifecycle import ModelManager
from vvai.monitor.config import parse_config
from vvai.monitor.sources.modelstore import model_meta
from vvai.pipeline.summarizer.sample_model import publish_summarizer_model


def _cfg(pipeline_root: Path, **model: str):
    return parse_config({"pipeline": {"root": str(pipeline_root)}, "model": model})


def test_declared_model_kept_when_there_is_no_store(tmp_path: Path) -> None:
    assert model_meta(_cfg(tmp_path, name="m", version="9.9")) == {"name": "m", "version": "9.9"}
    assert model_meta(_cfg(tmp_path)) == {}


def test_the_store_says_what_is_active_and_what_came_before(tmp_path: Path) -> None:
    models = tmp_path / "models"
    mm = ModelManager(models)
    mm.sync(str(publish_summarizer_model(tmp_path / "rel", "1.0.0", weights_kib=16)))
    got = model_meta(_cfg(tmp_path, name="declared", version="0.1"))
    assert got["version"] == "1.0.0" and got["name"] != "declared" and "previous_version" not in got
    mm.sync(str(publish_summarizer_model(tmp_path / "rel", "1.1.0", broken=True)))
    got = model_meta(_cfg(tmp_path))
    assert (got["version"], got["previous_version"]) == ("1.1.0", "1.0.0")
    mm.rollback()
    got = model_meta(_cfg(tmp_path / "elsewhere", root=str(models)))  # [model] root names the store
    assert (got["version"], got["previous_version"]) == ("1.0.0", "1.1.0")
