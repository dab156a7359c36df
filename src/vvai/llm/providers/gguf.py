"""A GGUF model in this process through llama-cpp-python (the ``llm`` extra, imported lazily).

Nothing leaves the box. The timeout bounds generation: the answer is streamed and generation
ends at the deadline (prompt evaluation itself cannot be interrupted; the prompt budget bounds it). Build
llama-cpp-python with ``CMAKE_ARGS="-DGGML_NATIVE=OFF"`` (the native build crashes on some CPUs).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from vvai.common.errors import ConfigError
from vvai.llm.providers.base import ProviderReply


class GGUFProvider:
    local = True
    supports_tools = False
    max_prompt_tokens: int | None = None  # set by the factory from [llm.local]

    def __init__(self, path: str, *, n_ctx: int = 8192, n_threads: int = 2, flash_attn: bool = True,
                 name: str = ""):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ConfigError("llm.local.gguf needs llama-cpp-python (the `llm` extra)",
                              hint='CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install "vvai[llm]"') from None
        self.name = name or f"gguf:{path.rsplit('/', 1)[-1]}"
        self._lock = threading.Lock()  # one llama context: one call at a time
        try:
            # flash attention: SmolLM2-135M on 2 cores read 2048 prompt tokens at 222 tok/s with it,
            # 172 without (6000: 156 vs 107). The same Llama object keeps its cache of the last
            # prompt and reuses the longest common prefix (the fixed instructions) on the next call.
            self._llm = Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, flash_attn=flash_attn,
                              verbose=False)
        except (ValueError, OSError) as e:
            raise ConfigError(f"cannot load GGUF model {path}: {e}", hint="check llm.local.gguf") from None
        self.n_ctx = n_ctx

    def complete(self, messages: list[dict[str, Any]], *, schema: dict[str, Any] | None, timeout: float,
                 tools: list[dict[str, Any]] | None = None, max_tokens: int = 512) -> ProviderReply:
        """Streamed, so that the deadline can end generation between two tokens."""
        t0 = time.perf_counter()
        deadline = time.monotonic() + timeout
        fmt = {"type": "json_object", "schema": schema} if schema else {"type": "json_object"}
        parts: list[str] = []
        finish = None
        late = False
        with self._lock:
            try:
                stream = self._llm.create_chat_completion(messages=messages, response_format=fmt, temperature=0.0,
                                                          max_tokens=max_tokens, stream=True)
                for chunk in stream:
                    choice = chunk["choices"][0]
                    parts.append(choice.get("delta", {}).get("content") or "")
                    finish = choice.get("finish_reason") or finish
                    if time.monotonic() > deadline:
                        late = True
                        stream.close()
                        break
            except (ValueError, RuntimeError) as e:  # prompt longer than n_ctx, decode failure
                return ProviderReply("error", error=str(e)[:200], latency_s=time.perf_counter() - t0)
        latency = time.perf_counter() - t0
        prompt_tokens = sum(self.count_tokens(str(m.get("content") or "")) for m in messages)
        if late:
            return ProviderReply("timeout", error=f"no answer within {timeout:g} s", latency_s=latency,
                                 prompt_tokens=prompt_tokens)
        return ProviderReply("ok", text="".join(parts), latency_s=latency, truncated=finish == "length",
                             prompt_tokens=prompt_tokens, completion_tokens=sum(1 for x in parts if x))

    def count_tokens(self, text: str) -> int | None:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def close(self) -> None:
        close = getattr(self._llm, "close", None)
        if close is not None:
            close()
