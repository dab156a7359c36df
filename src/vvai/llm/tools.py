"""Read-only investigation tools for models whose server supports tool calls.

Declared as data (name, description, JSON-schema arguments), in the spirit of HolmesGPT's
toolsets: the model asks for the logs of one component in a time range, its stats, a folder
listing or a log source's template counts; each call returns a result with a status (``ok``,
``no_data``, ``error``) and text fenced as untrusted data. Every tool only reads the bundle already
in memory: none can change anything. Caps: ``[llm.tools] max_steps`` rounds of calls,
``max_tool_tokens`` per result, the call's overall ``timeout_s``; then the model must answer.
Servers without tool calls get the single-prompt path (:mod:`vvai.llm.consult`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vvai.common.timefmt import parse_ts
from vvai.llm import digest
from vvai.llm.budget import estimate_tokens
from vvai.llm.prompt import Prompt, neutral
from vvai.llm.providers.base import ProviderReply


@dataclass
class ToolResult:
    status: str  # ok | no_data | error
    text: str


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[[Any, dict[str, list[str]], dict[str, Any]], ToolResult]

    def spec(self) -> dict[str, Any]:
        return {"type": "function",
                "function": {"name": self.name, "description": self.description, "parameters": self.parameters}}


def _component(bundle: Any, args: dict[str, Any]) -> str:
    comp = args.get("component")
    if comp not in bundle.all_components():
        raise ValueError(f"unknown component {str(comp)[:40]!r}; known: {', '.join(bundle.all_components())}")
    return str(comp)


def _logs(bundle: Any, _sources: dict[str, list[str]], args: dict[str, Any]) -> ToolResult:
    comp = _component(bundle, args)
    since, until = parse_ts(args.get("since")), parse_ts(args.get("until"))
    limit = min(int(args.get("max_lines") or 60), 200)
    def within(t: Any) -> bool:
        return (since is None or (t is not None and t >= since)) and (until is None or (t is not None and t <= until))

    rows = [(ln.source, f"{ln.ts_raw} {ln.text}" if ln.ts_raw else ln.text)
            for ln in bundle.log_lines(comp) if within(ln.ts)]
    rows += [("logs/app.log", r.raw) for r in bundle.app_log if r.component == comp and within(r.ts)]
    if not rows:
        return ToolResult("no_data", f"no log line of {comp} in that range")
    return ToolResult("ok", "\n".join(digest.quote(src, text) for src, text in rows[-limit:]))


def _stats(bundle: Any, _sources: dict[str, list[str]], args: dict[str, Any]) -> ToolResult:
    comp = _component(bundle, args)
    rows = [r for r in bundle.stats if r.data.get("component") == comp]
    if not rows:
        return ToolResult("no_data", f"no stats sample of {comp}")
    summary = [line for line in digest.stats(bundle) if line.startswith(f"stats {comp}:")]
    return ToolResult("ok", "\n".join(summary + [digest.quote("stats.jsonl", r.raw) for r in rows[-5:]]))


def _folder(bundle: Any, _sources: dict[str, list[str]], args: dict[str, Any]) -> ToolResult:
    name = str(args.get("folder") or "")
    if not bundle.pipeline:
        return ToolResult("no_data", "the folders were not watched")
    dirs = bundle.pipeline[-1].data.get("dirs") or {}
    if name not in dirs:
        return ToolResult("error", f"unknown folder {name[:40]!r}; known: {', '.join(sorted(dirs))}")
    entries = [e for e in dirs[name] if isinstance(e, dict)][:50]
    if not entries:
        return ToolResult("no_data", f"{name}/ is empty")
    return ToolResult("ok", "\n".join(f"{name}/{e.get('name')} size {e.get('size')} mtime {e.get('mtime')}"
                                      for e in entries))


def _templates(bundle: Any, sources: dict[str, list[str]], args: dict[str, Any]) -> ToolResult:
    src = str(args.get("source") or "")
    if src not in sources or not src.startswith("logs/"):
        return ToolResult("error", f"unknown log source {src[:60]!r}; known: "
                                   f"{', '.join(s for s in sorted(sources) if s.startswith('logs/'))}")
    rows = digest.templates(bundle, {src: sources[src]})
    return ToolResult("ok", "\n".join(rows[:40])) if rows else ToolResult("no_data", f"{src} is empty")


_COMP = {"type": "string", "description": "a component name from the bundle"}
TOOLS: tuple[Tool, ...] = (
    Tool("component_logs", "Log lines of one component (its container log and its app.log records), "
         "optionally within [since, until] (RFC 3339).",
         {"type": "object", "properties": {"component": _COMP, "since": {"type": "string"},
                                           "until": {"type": "string"}, "max_lines": {"type": "integer"}},
          "required": ["component"]}, _logs),
    Tool("component_stats", "Resource samples of one component: CPU, memory vs limit, restarts, OOM kills.",
         {"type": "object", "properties": {"component": _COMP}, "required": ["component"]}, _stats),
    Tool("folder_listing", "The files of one pipeline folder (input, processed, corrupted) at the window's end.",
         {"type": "object", "properties": {"folder": {"type": "string"}}, "required": ["folder"]}, _folder),
    Tool("template_counts", "The log templates of one log source (e.g. logs/scene_scanner.log) with counts.",
         {"type": "object", "properties": {"source": {"type": "string"}}, "required": ["source"]}, _templates),
)
BY_NAME = {t.name: t for t in TOOLS}


def run_tool(name: str, arguments: str, bundle: Any, sources: dict[str, list[str]]) -> ToolResult:
    tool = BY_NAME.get(name)
    if tool is None:
        return ToolResult("error", f"no tool named {name[:40]!r}; tools: {', '.join(BY_NAME)}")
    try:
        args = json.loads(arguments or "{}")
        if not isinstance(args, dict):
            raise ValueError("arguments are not a JSON object")
        return tool.run(bundle, sources, args)
    except (ValueError, TypeError) as e:
        return ToolResult("error", str(e)[:300])


def _clip(text: str, max_tokens: int) -> str:
    if estimate_tokens(text) <= max_tokens:
        return text
    lines, out = text.splitlines(), []
    used = 0
    for line in lines:
        used += estimate_tokens(line) + 1
        if used > max_tokens:
            out.append(f"... {len(lines) - len(out)} more lines cut")
            break
        out.append(line)
    return "\n".join(out)


def investigate(provider: Any, prompt: Prompt, bundle: Any, sources: dict[str, list[str]], cfg: Any, *,
                protect: Callable[[str], str] | None, schema: dict[str, Any]) -> tuple[ProviderReply, int]:
    """Let the model call tools for up to ``max_steps`` rounds, then take its answer."""
    protect = protect or (lambda s: s)
    deadline = time.monotonic() + cfg.timeout_s
    msgs = list(prompt.messages)
    specs = [t.spec() for t in TOOLS]
    calls = 0
    for _step in range(cfg.tools.max_steps):
        left = deadline - time.monotonic()
        if left <= 0:
            return ProviderReply("timeout", error=f"no answer within {cfg.timeout_s:g} s"), calls
        reply = provider.complete(msgs, schema=None, timeout=left, tools=specs, max_tokens=cfg.max_answer_tokens)
        calls += 1
        if not reply.ok or not reply.tool_calls:
            return reply, calls
        msgs.append({"role": "assistant", "content": reply.text or None,
                     "tool_calls": [{"id": c.id, "type": "function",
                                     "function": {"name": c.name, "arguments": c.arguments}}
                                    for c in reply.tool_calls]})
        for c in reply.tool_calls:
            res = run_tool(c.name, c.arguments, bundle, sources)
            body = _clip("\n".join(neutral(line) for line in protect(res.text).splitlines()), cfg.tools.max_tool_tokens)
            msgs.append({"role": "tool", "tool_call_id": c.id,
                         "content": f"status: {res.status}\n<data-{prompt.nonce}>\n{body}\n</data-{prompt.nonce}>"})
    msgs.append({"role": "user", "content": "The tool budget is used up. Answer now with the JSON object."})
    left = deadline - time.monotonic()
    if left <= 0:
        return ProviderReply("timeout", error=f"no answer within {cfg.timeout_s:g} s"), calls
    reply = provider.complete(msgs, schema=schema, timeout=left, max_tokens=cfg.max_answer_tokens)
    return reply, calls + 1
