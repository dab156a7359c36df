"""Any OpenAI-compatible chat-completions server through the ``openai`` SDK: llama.cpp's server,
Ollama, vLLM, TGI, the OpenAI API, Gemini's OpenAI-compatible endpoint.

JSON output is asked for the way the server understands it (``response_format``):
- ``json_object_schema``: ``{"type": "json_object", "schema": S}`` (llama.cpp's servers turn the
  schema into a grammar; their OpenAI-style ``json_schema`` form answers HTTP 500);
- ``json_schema``: OpenAI's ``{"type": "json_schema", "json_schema": {...}}`` (OpenAI, Gemini, vLLM, Ollama);
- ``json_object``: JSON mode without a schema; ``none``: plain text (the answer is parsed tolerantly).
``auto`` picks ``json_object_schema`` for a server on this box and ``json_schema`` otherwise.

Token counts: the server's own tokenizer when it has one (llama.cpp's ``/tokenize``, the Python
server's ``/extras/tokenize``), else None (the caller estimates).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from vvai.llm.providers.base import ProviderReply, ToolCall

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "0.0.0.0")
FORMATS = ("auto", "json_object_schema", "json_schema", "json_object", "none")


def is_local_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in LOCAL_HOSTS or host.startswith("127.")


class OpenAICompatProvider:
    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, local: bool | None = None,
                 response_format: str = "auto", supports_tools: bool = False, name: str = ""):
        from openai import OpenAI

        if response_format not in FORMATS:
            raise ValueError(f"response_format must be one of {', '.join(FORMATS)}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.local = is_local_url(base_url) if local is None else local
        self.name = name or f"openai-compat:{model}"
        self.supports_tools = supports_tools
        self.max_prompt_tokens: int | None = None  # set by the factory for the [llm.local] model
        if response_format == "auto":
            response_format = "json_object_schema" if self.local else "json_schema"
        self.response_format = response_format
        # max_retries=0: the monitor's timeout is per call, and a retry storm helps nobody
        self._client = OpenAI(base_url=self.base_url, api_key=api_key or "not-needed", max_retries=0)
        self._tokenize_url: str | None | bool = None  # None: not probed; False: none

    def _format(self, schema: dict[str, Any] | None) -> dict[str, Any] | None:
        if self.response_format == "none":
            return None
        if self.response_format == "json_object" or schema is None:
            return {"type": "json_object"}
        if self.response_format == "json_object_schema":
            return {"type": "json_object", "schema": schema}
        return {"type": "json_schema", "json_schema": {"name": "diagnosis", "schema": schema}}

    def complete(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None, timeout: float,
                 tools: list[dict[str, Any]] | None = None, max_tokens: int = 512) -> ProviderReply:
        import openai

        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0.0,
                                  "max_tokens": max_tokens, "timeout": timeout}
        if tools:
            kwargs["tools"] = tools
        else:
            fmt = self._format(schema)
            if fmt is not None:
                kwargs["response_format"] = fmt
        t0 = time.perf_counter()
        try:
            resp = self._client.chat.completions.create(**kwargs)
        except openai.APITimeoutError:
            return ProviderReply("timeout", error=f"no answer within {timeout:g} s",
                                 latency_s=time.perf_counter() - t0)
        except openai.APIStatusError as e:
            return ProviderReply("error", error=f"HTTP {e.status_code}: {str(e.message)[:200]}",
                                 latency_s=time.perf_counter() - t0)
        except openai.APIError as e:  # connection refused, bad JSON from the server...
            return ProviderReply("error", error=f"{type(e).__name__}: {str(e)[:200]}",
                                 latency_s=time.perf_counter() - t0)
        latency = time.perf_counter() - t0
        if not getattr(resp, "choices", None):
            return ProviderReply("error", error="the server answered without choices", latency_s=latency)
        msg = resp.choices[0].message
        usage = getattr(resp, "usage", None)
        calls = [ToolCall(c.id, c.function.name, c.function.arguments or "{}")
                 for c in (getattr(msg, "tool_calls", None) or []) if getattr(c, "function", None)]
        return ProviderReply("ok", text=msg.content or "", latency_s=latency, tool_calls=calls,
                             truncated=getattr(resp.choices[0], "finish_reason", None) == "length",
                             prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                             completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0))

    def count_tokens(self, text: str) -> int | None:
        if not self.local or self._tokenize_url is False:
            return None
        import httpx

        root = self.base_url[:-3] if self.base_url.endswith("/v1") else self.base_url
        probes = ([self._tokenize_url] if isinstance(self._tokenize_url, str)
                  else [f"{root}/extras/tokenize", f"{root}/tokenize"])
        answered = False
        for url in probes:
            body = {"input": text, "model": self.model} if url.endswith("/extras/tokenize") else {"content": text}
            try:
                r = httpx.post(url, json=body, timeout=10.0)
            except httpx.HTTPError:
                continue  # the server is not up (yet): ask again next time
            answered = True
            if r.status_code == 200 and isinstance(r.json().get("tokens"), list):
                self._tokenize_url = url
                return len(r.json()["tokens"])
        if answered:
            self._tokenize_url = False  # the server has no tokenizer endpoint: estimate from now on
        return None

    def close(self) -> None:
        self._client.close()
