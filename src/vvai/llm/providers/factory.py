"""Providers from ``[llm]``: the local one (a GGUF in-process, or an OpenAI-compatible server on
this box) and the API one (always treated as leaving the box, whatever its URL)."""

from __future__ import annotations

import os
from typing import Any

from vvai.common.errors import ConfigError


def build_local(cfg: Any) -> Any:
    if cfg.local.gguf:
        from vvai.llm.providers.gguf import GGUFProvider

        p: Any = GGUFProvider(cfg.local.gguf, n_ctx=cfg.local.n_ctx, n_threads=cfg.local.threads,
                              flash_attn=cfg.local.flash_attn)
    elif not cfg.local.base_url:
        raise ConfigError("llm.local: set base_url or gguf", hint="e.g. base_url = \"http://127.0.0.1:8080/v1\"")
    else:
        from vvai.llm.providers.openai_compat import OpenAICompatProvider

        p = OpenAICompatProvider(cfg.local.base_url, cfg.local.model, response_format=cfg.local.response_format,
                                 supports_tools=cfg.tools.enabled, name=f"local:{cfg.local.model}")
    p.max_prompt_tokens = cfg.local_prompt_tokens  # one definition: [llm]'s budget, capped by [llm.local]'s
    return p


def build_api(cfg: Any) -> Any:
    key = os.environ.get(cfg.api.api_key_env, "")
    if not key:
        raise ConfigError(f"llm.api.api_key_env: environment variable {cfg.api.api_key_env} is not set",
                          hint=f"export {cfg.api.api_key_env}=... (the key never sits in vvai.toml)")
    from vvai.llm.providers.openai_compat import OpenAICompatProvider

    return OpenAICompatProvider(cfg.api.base_url, cfg.api.model, api_key=key, local=False,
                                response_format=cfg.api.response_format, supports_tools=cfg.tools.enabled,
                                name=f"api:{cfg.api.model}")
