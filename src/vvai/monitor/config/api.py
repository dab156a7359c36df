"""``[api]``: the operator API and web console (``vvai.api``), served by ``vvai monitor serve`` and,
with ``enabled = true``, inside ``vvai monitor run``. The token comes from ``$VVAI_API_TOKEN`` or
``token_file``; it never sits in this file.

    [api]
    enabled = false
    host = "127.0.0.1"          # a non-loopback address needs a token
    port = 8787
    token_file = "/etc/vvai/api-token"
    session_ttl_s = 43200       # console sessions
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiConfig(_Strict):
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8787, ge=0, le=65535)
    token_file: str | None = None
    session_ttl_s: float = Field(43200.0, ge=60)
