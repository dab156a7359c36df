"""One consultation of one provider: prompt (redacted when it leaves the box), call, parse, map the
placeholders back, ground. Never raises for what the model or the server did: the outcome says."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from vvai.common.redact import Pseudonyms, Redactor
from vvai.llm.grounding import Gate, engine_gate, ground
from vvai.llm.parse import AnswerError, parse_answer
from vvai.llm.prompt import Prompt, build_prompt
from vvai.llm.signals import Signal
from vvai.llm.spec import answer_schema
from vvai.monitor.incident import Incident


@dataclass
class Outcome:
    provider: str
    status: str  # ok | timeout | error | unparsed
    accepted: list[Incident] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    healthy: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    grounding_s: float = 0.0
    calls: int = 0
    cached: bool = False
    prompt: Prompt | None = None

    @property
    def max_confidence(self) -> float:
        return max((i.confidence for i in self.accepted), default=0.0)


def consult(provider: Any, bundle: Any, incidents: list[Incident], sigs: list[Signal],
            sources: dict[str, list[str]], cfg: Any, *, redactor: Redactor | None, gate: Gate = engine_gate,
            prompt: Prompt | None = None, mapping: Pseudonyms | None = None) -> Outcome:
    comps = bundle.all_components()
    if prompt is None:
        mapping = Pseudonyms() if redactor is not None else None
        prompt = make_prompt(provider, bundle, incidents, sigs, sources, cfg, redactor, mapping)
    out = Outcome(provider.name, "ok", prompt=prompt)
    t0 = time.perf_counter()
    if cfg.tools.enabled and getattr(provider, "supports_tools", False):
        from vvai.llm.tools import investigate

        reply, calls = investigate(provider, prompt, bundle, sources, cfg,
                                   protect=_protector(redactor, mapping), schema=answer_schema(comps))
    else:
        reply = provider.complete(prompt.messages, schema=answer_schema(comps), timeout=cfg.timeout_s,
                                  max_tokens=cfg.max_answer_tokens)
        calls = 1
    out.calls = calls
    out.latency_s = time.perf_counter() - t0
    out.prompt_tokens = reply.prompt_tokens or prompt.tokens
    out.completion_tokens = reply.completion_tokens
    if not reply.ok:
        out.status = reply.status
        out.rejected.append(f"{provider.name}: {reply.status}: {reply.error}")
        return out
    try:
        answer = parse_answer(reply.text)
    except AnswerError as e:
        out.status = "unparsed"
        cut = f" (cut at max_answer_tokens = {cfg.max_answer_tokens})" if reply.truncated else ""
        out.rejected.append(f"{provider.name}: {e}{cut}: {reply.text[:120]!r}")
        return out
    restore = mapping.restore if mapping is not None else (lambda s: s)
    verdict = ground(answer, sources, comps, restore=restore, gate=gate)
    out.accepted, out.healthy, out.grounding_s = verdict.accepted, verdict.healthy, verdict.seconds
    out.rejected += [f"{provider.name}: {r}" for r in verdict.rejected]
    return out


def _protector(redactor: Redactor | None, mapping: Pseudonyms | None) -> Any:
    if redactor is None or mapping is None:
        return None
    return lambda s: redactor.pseudonymize(s, mapping)


def make_prompt(provider: Any, bundle: Any, incidents: list[Incident], sigs: list[Signal],
                sources: dict[str, list[str]], cfg: Any, redactor: Redactor | None,
                mapping: Pseudonyms | None) -> Prompt:
    budget = cfg.max_prompt_tokens
    cap = getattr(provider, "max_prompt_tokens", None)
    if cap:
        budget = min(budget, cap)
    n_ctx = getattr(provider, "n_ctx", None)
    if n_ctx:
        budget = min(budget, n_ctx - cfg.max_answer_tokens - 16)
    protect = _protector(redactor, mapping)
    if protect is not None:  # whole sources at once: a secret spread over lines (a PEM block) is found
        sources = {src: protect("\n".join(lines)).split("\n") for src, lines in sources.items()}
    return build_prompt(bundle, incidents, sigs, sources, max_tokens=budget, count=provider.count_tokens,
                        protect=protect)
