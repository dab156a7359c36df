"""Running the advisor against a bundle with a config, as `vvai monitor diagnose --config` does."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("openai", reason="the `llm` extra (openai SDK) is not installed")

from vvai.llm.advisor import LLMAdvisor
from vvai.monitor.bundle import load_bundle
from vvai.monitor.config import parse_config
from vvai.monitor.diagnose.engine import Diagnoser

KEY_ENV = "VVAI_TEST_LLM_KEY"


def llm_config(**over: Any) -> Any:
    data: dict[str, Any] = {"mode": "api", "timeout_s": 5, "max_prompt_tokens": 3000}
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(data.get(k), dict):
            data[k].update(v)
        else:
            data[k] = v
    return parse_config({"llm": data}).llm


def api_config(base_url: str, **over: Any) -> Any:
    api = {"base_url": base_url, "model": "fake-gpt", "api_key_env": KEY_ENV}
    api.update(over.pop("api", {}))
    return llm_config(api=api, **over)


def advise(path: Path, cfg: Any, advisor: LLMAdvisor | None = None) -> tuple[LLMAdvisor, list, list]:
    b = load_bundle(path)
    rules = Diagnoser().diagnose(b)
    adv = advisor or LLMAdvisor(cfg)
    return adv, rules, adv.advise(b, rules)


def data_lines(sent: str) -> list[tuple[str, str]]:
    """The ``[source] text`` lines of a prompt's data block."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^\[([^\]\n]+)\] (.*)$", sent, re.MULTILINE)]


def answer(*incidents: dict[str, Any]) -> str:
    return json.dumps({"incidents": list(incidents)})


def quote_from(body: dict[str, Any], needle: str) -> tuple[str, str]:
    """What a correct model would cite: the first data line of the request containing ``needle``."""
    sent = "\n".join(str(m.get("content") or "") for m in body["messages"])
    for src, text in data_lines(sent):
        if needle in text:
            return src, text
    raise AssertionError(f"{needle!r} not in the prompt")
