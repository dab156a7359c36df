"""Summarizer engines: what a model folder becomes once loaded.

The model folder declares its runtime in ``config.json`` (``"engine"``):

- ``"deterministic"`` (the default, and the embedded engine with no extra installed): turns the
  scene statistics into sentences with the wording and limits the model's config gives
  (``style``, ``max_scenes``, ``vocabulary``). Same input and same model, same output.
- ``"llama.cpp"``: a GGUF model run by llama-cpp-python (the ``llm`` extra), with a prompt kept
  inside the context window and greedy decoding.

Loading validates the folder: a ``.gguf`` file must start with the GGUF magic, ``config.json``
must be a JSON object, so a broken artifact fails at load time, while the old model still serves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from vvai.common import jsonsafe
from vvai.common.errors import ConfigError
from vvai.models.handle import ModelLoadError

GGUF_MAGIC = b"GGUF"


class Engine(Protocol):
    name: str

    def caption(self, scene: dict[str, Any], video: dict[str, Any]) -> str: ...
    def summarize(self, analytic: dict[str, Any], captions: list[str]) -> str: ...


def _level(value: float | None, cuts: tuple[float, float], words: tuple[str, str, str]) -> str:
    v = float(value or 0.0)
    return words[0] if v < cuts[0] else words[1] if v < cuts[1] else words[2]


@dataclass
class DeterministicEngine:
    """Rule-based captions from motion and brightness: the embedded default."""

    config: dict[str, Any] = field(default_factory=dict)
    name: str = "deterministic"

    def __post_init__(self) -> None:
        voc = self.config.get("vocabulary") or {}
        self.brightness_words = tuple(voc.get("brightness", ("dark", "dim", "bright")))
        self.motion_words = tuple(voc.get("motion", ("static", "some motion", "busy")))
        self.style = self.config.get("style", "brief")
        self.max_scenes = int(self.config.get("max_scenes", 50))
        self.delay_s = float(self.config.get("simulated_latency_s", 0.0))  # for reload/latency tests

    def caption(self, scene: dict[str, Any], video: dict[str, Any]) -> str:
        if self.delay_s:
            time.sleep(self.delay_s)
        bri = (scene.get("brightness") or {}).get("mean", 0.0)
        bri = bri / 255.0 if bri and bri > 1.0 else bri
        mot = (scene.get("motion") or {}).get("mean", 0.0)
        b = _level(bri, (0.25, 0.6), self.brightness_words)  # type: ignore[arg-type]
        m = _level(mot, (0.01, 0.05), self.motion_words)  # type: ignore[arg-type]
        dur = float(scene.get("duration_s") or 0.0)
        if self.style == "detailed":
            return (f"scene {int(scene.get('index', 0)) + 1}: {b} and {m} for {dur:.1f} s "
                    f"from {float(scene.get('start_s', 0)):.1f} s")
        return f"{b}, {m} ({dur:.1f} s)"

    def summarize(self, analytic: dict[str, Any], captions: list[str]) -> str:
        v = analytic.get("video") or {}
        res = f"{v.get('width')}x{v.get('height')}" if v.get("width") else "unknown resolution"
        head = (f"{len(captions)} scene(s) in {float(v.get('duration_s') or 0):.1f} s of "
                f"{res} video")
        shown = captions[: self.max_scenes]
        more = f"; and {len(captions) - len(shown)} more" if len(captions) > len(shown) else ""
        return f"{head}: " + "; ".join(shown) + more + "."


@dataclass
class LlamaCppEngine:
    """A GGUF model through llama-cpp-python; greedy decoding, prompt budgeted to the context."""

    model_path: Path
    config: dict[str, Any]
    name: str = "llama.cpp"

    def __post_init__(self) -> None:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ModelLoadError("this model needs llama-cpp-python",
                                 hint="pip install 'vvai[llm]' (CMAKE_ARGS=-DGGML_NATIVE=OFF)") from None
        self.n_ctx = int(self.config.get("n_ctx", 2048))
        self.max_tokens = int(self.config.get("max_tokens", 48))
        self.llm = Llama(model_path=str(self.model_path), n_ctx=self.n_ctx,
                         n_threads=int(self.config.get("threads", 2)), verbose=False, logits_all=False)
        self.fallback = DeterministicEngine(self.config)

    def _complete(self, prompt: str) -> str:
        tokens = self.llm.tokenize(prompt.encode("utf-8"))
        budget = self.n_ctx - self.max_tokens - 8
        if len(tokens) > budget:  # keep the instruction head and the newest facts
            prompt = self.llm.detokenize(tokens[:budget // 4] + tokens[-(budget - budget // 4):]).decode(
                "utf-8", "replace")
        out = self.llm(prompt, max_tokens=self.max_tokens, temperature=0.0, stop=["\n"])
        return out["choices"][0]["text"].strip()

    def caption(self, scene: dict[str, Any], video: dict[str, Any]) -> str:
        facts = self.fallback.caption(scene, video)
        text = self._complete(f"Scene facts: {facts}.\nOne-sentence description of the scene:")
        return text or facts

    def summarize(self, analytic: dict[str, Any], captions: list[str]) -> str:
        facts = self.fallback.summarize(analytic, captions)
        text = self._complete(f"Video facts: {facts}\nSummary in one sentence:")
        return text or facts


def load_engine(folder: Path, record: dict[str, Any] | None = None) -> Engine:
    """The loader the model handle calls with a version's model folder."""
    cfg_path = folder / "config.json"
    config: dict[str, Any] = {}
    if cfg_path.exists():
        try:
            config = jsonsafe.load_file(cfg_path, what=cfg_path.name)
        except ConfigError as e:
            raise ModelLoadError(f"{cfg_path.name}: not valid JSON ({e.message})") from None
        if not isinstance(config, dict):
            raise ModelLoadError(f"{cfg_path.name}: must be a JSON object")
    ggufs = sorted(folder.rglob("*.gguf"))
    for g in ggufs:
        with open(g, "rb") as f:
            if f.read(4) != GGUF_MAGIC:
                raise ModelLoadError(f"{g.name}: not a GGUF file (bad magic)")
    kind = config.get("engine", "deterministic")
    if kind == "deterministic":
        return DeterministicEngine(config)
    if kind in ("llama.cpp", "llama_cpp", "gguf"):
        if not ggufs:
            raise ModelLoadError("config.json asks for llama.cpp but the model folder has no .gguf file")
        return LlamaCppEngine(ggufs[0], config)
    raise ModelLoadError(f"config.json: unknown engine {kind!r} (deterministic or llama.cpp)")
