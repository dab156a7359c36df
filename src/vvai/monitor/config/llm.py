"""``[llm]``: the optional LLM layer (``vvai.llm``). Off by default: the deterministic engine is the
embedded default and the fallback.

    [llm]
    mode = "off"                 # off | local | api | hybrid
    timeout_s = 30
    max_prompt_tokens = 6000
    [llm.local]
    base_url = "http://127.0.0.1:8080/v1"   # or: gguf = "/path/model.gguf"
    model = "smollm2-135m"
    [llm.api]
    base_url = "https://api.openai.com/v1"
    model = "gpt-4o-mini"
    api_key_env = "OPENAI_API_KEY"          # the key itself never sits in the file
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalLLM(_Strict):
    base_url: str | None = "http://127.0.0.1:8080/v1"
    gguf: str | None = None
    model: str = "smollm2-135m"


class ApiLLM(_Strict):
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    api_key_env: str = "OPENAI_API_KEY"


class LLMConfig(_Strict):
    mode: Literal["off", "local", "api", "hybrid"] = "off"
    timeout_s: float = Field(30.0, gt=0)
    max_prompt_tokens: int = Field(6000, ge=256)
    local: LocalLLM = Field(default_factory=LocalLLM)
    api: ApiLLM = Field(default_factory=ApiLLM)
