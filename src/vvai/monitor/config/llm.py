"""``[llm]``: the optional LLM layer (``vvai.llm``). Off by default: the deterministic engine is the
embedded default and the fallback.

    [llm]
    mode = "off"                 # off | local | api | hybrid
    timeout_s = 30
    max_prompt_tokens = 6000
    max_answer_tokens = 512
    redact = true                # pseudonymise secrets before a prompt leaves the box (API, hybrid)
    allow_unredacted = false     # the only way to send an API model unredacted data
    redact_ips = false
    redact_hostnames = false
    [llm.local]
    base_url = "http://127.0.0.1:8080/v1"   # or: gguf = "/path/model.gguf"
    model = "smollm2-135m"
    response_format = "auto"     # auto | json_object_schema | json_schema | json_object | none
    max_prompt_tokens = 1536     # what the box's own cores read (p50 8.5 s on 2 cores); the API gets [llm]'s
    [llm.api]
    base_url = "https://api.openai.com/v1"
    model = "gpt-4o-mini"
    api_key_env = "OPENAI_API_KEY"          # the key itself never sits in the file
    [llm.hybrid]
    min_confidence = 0.6         # a local answer below it escalates to the API
    api_calls_per_hour = 20      # a crash loop never calls the API a hundred times
    [llm.tools]
    enabled = false              # the server supports tool calls: read-only investigation tools
    max_steps = 4
    max_tool_tokens = 1500       # per tool result
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Format = Literal["auto", "json_object_schema", "json_schema", "json_object", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalLLM(_Strict):
    base_url: str | None = "http://127.0.0.1:8080/v1"
    gguf: str | None = None
    model: str = "smollm2-135m"
    response_format: Format = "auto"
    n_ctx: int = Field(8192, ge=512)  # gguf only
    threads: int = Field(2, ge=1)  # gguf only
    flash_attn: bool = True  # gguf only: faster prompt reading on CPU (bench/llm.py)
    # The local model reads its prompt on the box's own cores. This caps the local prompt below
    # [llm] max_prompt_tokens; the API model (hybrid's escalation) always gets the whole [llm]
    # budget. bench/llm.py, SmolLM2-135M on 2 cores, flash attention, the instructions' cache
    # reused: p50 8.5 s a bundle at 1536 (the default), 11.6 s at 2048. A local server with a
    # GPU can take the whole budget: set it to [llm] max_prompt_tokens. The fixed instructions
    # take about 480 of these tokens (read once, then reused from the model's cache).
    max_prompt_tokens: int | None = Field(1536, ge=256)


class ApiLLM(_Strict):
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    api_key_env: str = "OPENAI_API_KEY"
    response_format: Format = "auto"


class HybridLLM(_Strict):
    min_confidence: float = Field(0.6, ge=0, le=1)
    api_calls_per_hour: int = Field(20, ge=0)


class ToolsLLM(_Strict):
    enabled: bool = False
    max_steps: int = Field(4, ge=1, le=20)
    max_tool_tokens: int = Field(1500, ge=100)


class LLMConfig(_Strict):
    mode: Literal["off", "local", "api", "hybrid"] = "off"
    timeout_s: float = Field(30.0, gt=0)
    max_prompt_tokens: int = Field(6000, ge=256)
    max_answer_tokens: int = Field(512, ge=64)
    redact: bool = True
    allow_unredacted: bool = False
    redact_ips: bool = False
    redact_hostnames: bool = False
    min_confidence: float = Field(0.5, ge=0, le=1)  # an incident the LLM adds needs at least this
    local: LocalLLM = Field(default_factory=LocalLLM)
    api: ApiLLM = Field(default_factory=ApiLLM)
    hybrid: HybridLLM = Field(default_factory=HybridLLM)
    tools: ToolsLLM = Field(default_factory=ToolsLLM)

    @property
    def local_prompt_tokens(self) -> int:
        """The local model's prompt budget: [llm]'s, capped by [llm.local]'s when set."""
        return min(self.max_prompt_tokens, self.local.max_prompt_tokens or self.max_prompt_tokens)

    @model_validator(mode="after")
    def _redaction(self) -> LLMConfig:
        if self.mode in ("api", "hybrid") and not self.redact and not self.allow_unredacted:
            raise ValueError("redact = false sends the box's data to an API model unredacted: "
                             "set allow_unredacted = true to mean it")
        return self
