"""The one contract every provider keeps: ``complete(messages, *, schema, timeout) -> ProviderReply``.

A provider never raises for a failed call: the reply carries ``status`` ``ok`` | ``timeout`` |
``error`` with the reason, token counts and latency, so the advisor can fall back to the rules'
answer and record why. ``local`` says whether the data stays on the box (decides redaction).
``max_prompt_tokens``, when set, caps the prompt below ``[llm] max_prompt_tokens`` for this
provider (the ``[llm.local]`` model: prompt evaluation on the box's own cores is the slow part).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as the model wrote it


@dataclass
class ProviderReply:
    status: str  # ok | timeout | error
    text: str = ""
    error: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    tool_calls: list[ToolCall] = field(default_factory=list)
    truncated: bool = False  # generation stopped at max_tokens

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class Provider(Protocol):
    name: str
    local: bool
    supports_tools: bool
    max_prompt_tokens: int | None

    def complete(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None, timeout: float,
                 tools: list[dict[str, Any]] | None = None, max_tokens: int = 512) -> ProviderReply: ...

    def count_tokens(self, text: str) -> int | None:
        """The model's own token count, or None when only an estimate is possible."""
        ...

    def close(self) -> None: ...
