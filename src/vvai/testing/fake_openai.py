"""A real local HTTP server that speaks OpenAI's chat-completions protocol with scripted answers.

The one boundary nobody can reach from here is a cloud LLM API; this stands in for it in tests and
demos (never in the edge package's code paths). Each request takes the next scripted
:class:`Script` (the last one repeats): a text answer, tool calls, an HTTP error, or a hang past
the client's timeout. Every request body is kept in ``requests`` so a test can check what was
sent (no secret, within budget).

    with FakeOpenAI([Script(text='{"incidents": []}')]) as api:
        client = OpenAI(base_url=api.base_url, api_key="k")
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Script:
    text: str | None = None  # the assistant's content
    status: int = 200  # an HTTP error status instead of an answer
    hang_s: float = 0.0  # sleep this long before answering
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # [{"name": ..., "arguments": {...}}]
    reply: Callable[[dict[str, Any]], str] | None = None  # compute the text from the request body


class FakeOpenAI:
    def __init__(self, scripts: list[Script], *, api_key: str = "test-key"):
        self.scripts = list(scripts)
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self.auth: list[str] = []
        self.other: list[str] = []  # paths of requests that were not chat completions
        self._lock = threading.Lock()
        self._stop = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_a: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                if not self.path.endswith("/chat/completions"):  # e.g. a tokenizer probe
                    with fake._lock:
                        fake.other.append(self.path)
                    return self._send(404, {"error": {"message": "not found"}})
                with fake._lock:
                    fake.requests.append(body)
                    fake.auth.append(self.headers.get("Authorization", ""))
                    idx = min(len(fake.requests), len(fake.scripts)) - 1
                    script = fake.scripts[idx]
                if self.headers.get("Authorization") != f"Bearer {fake.api_key}":
                    return self._send(401, {"error": {"message": "invalid api key"}})
                if script.hang_s:
                    fake._stop.wait(script.hang_s)
                if script.status != 200:
                    return self._send(script.status, {"error": {"message": f"scripted {script.status}"}})
                self._send(200, fake._completion(body, script))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): fine

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _completion(self, body: dict[str, Any], script: Script) -> dict[str, Any]:
        text = script.reply(body) if script.reply else script.text
        prompt_chars = sum(len(str(m.get("content") or "")) for m in body.get("messages", []))
        msg: dict[str, Any] = {"role": "assistant", "content": text}
        finish = "stop"
        if script.tool_calls:
            msg["tool_calls"] = [{"id": f"call_{i}", "type": "function",
                                  "function": {"name": c["name"], "arguments": json.dumps(c.get("arguments", {}))}}
                                 for i, c in enumerate(script.tool_calls)]
            finish = "tool_calls"
        return {"id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "message": msg, "finish_reason": finish}],
                "usage": {"prompt_tokens": prompt_chars // 4, "completion_tokens": len(text or "") // 4,
                          "total_tokens": (prompt_chars + len(text or "")) // 4}}

    def sent_text(self, i: int = -1) -> str:
        """Everything the client sent in request ``i`` (messages and tool results), as one text."""
        return "\n".join(str(m.get("content") or "") for m in self.requests[i].get("messages", []))

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
