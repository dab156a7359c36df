"""Which model is asked, when, and how often: local, API, or hybrid (local first, then the API).

Hybrid escalates to the API model when the local answer failed or was rejected (any reason), when
its best confidence is below ``[llm.hybrid] min_confidence``, or when the rules found nothing while
errors exist and the local model added nothing. Answers are cached by the window's content that the answer depends on
(:func:`situation_key`: the rules' incidents and the distinct unexplained errors; a window where
nothing new happened is never asked twice) and API calls are capped per rolling hour, so a
crash loop does not call the API a hundred times. Redaction: a provider that leaves the box always
gets pseudonymised data unless ``allow_unredacted = true`` and ``redact = false``.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vvai.common.redact import Pseudonyms, Redactor
from vvai.llm.consult import Outcome, consult, make_prompt
from vvai.llm.grounding import Gate, engine_gate
from vvai.llm.signals import Signal
from vvai.monitor.incident import Incident

CACHE_SIZE = 64
_DIGITS = re.compile(r"\d+")


def situation_key(incidents: list[Incident], sigs: list[Signal]) -> str:
    """What the answer depends on: the rules' incidents (key, severity, evidence) and the distinct
    unexplained error messages, numbers masked. A crash loop repeating the same errors is the same
    situation pass after pass (one call); a new error or a new incident is a new one."""
    parts = sorted(f"{i.key}|{i.severity.value}|" + "|".join(sorted(_DIGITS.sub("0", e.text) for e in i.evidence))
                   for i in incidents)
    parts += sorted({f"{s.component}|{s.evidence.source}|{_DIGITS.sub('0', s.evidence.text)}" for s in sigs})
    return hashlib.sha256("\n".join(parts).encode("utf-8", "replace")).hexdigest()


@dataclass
class Round:
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def final(self) -> Outcome | None:
        """The answer that counts: the last provider's that was accepted, else the last one."""
        ok = [o for o in self.outcomes if o.status == "ok" and (o.accepted or o.healthy)]
        return ok[-1] if ok else (self.outcomes[-1] if self.outcomes else None)


class Hybrid:
    def __init__(self, cfg: Any, *, local: Any = None, api: Any = None, gate: Gate = engine_gate,
                 clock: Callable[[], float] = time.time):
        self.cfg = cfg
        self.local = local
        self.api = api
        self.gate = gate
        self.clock = clock
        self._cache: OrderedDict[tuple[str, str], Outcome] = OrderedDict()
        self._api_calls: deque[float] = deque()
        self.redactor = Redactor(ips=cfg.redact_ips, hostnames=cfg.redact_hostnames)

    def _redactor_for(self, provider: Any) -> Redactor | None:
        if getattr(provider, "local", False):
            return None  # nothing leaves the box
        if not self.cfg.redact and self.cfg.allow_unredacted:
            return None
        return self.redactor

    def _ask(self, provider: Any, bundle: Any, incidents: list[Incident], sigs: list[Signal],
             sources: dict[str, list[str]]) -> Outcome:
        key = (provider.name, situation_key(incidents, sigs))
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return Outcome(hit.provider, hit.status, list(hit.accepted), list(hit.rejected), hit.healthy,
                           latency_s=0.0, cached=True, prompt=hit.prompt)
        red = self._redactor_for(provider)
        mapping = Pseudonyms() if red is not None else None
        prompt = make_prompt(provider, bundle, incidents, sigs, sources, self.cfg, red, mapping)
        out = consult(provider, bundle, incidents, sigs, sources, self.cfg, redactor=red, gate=self.gate,
                      prompt=prompt, mapping=mapping)
        if out.status in ("ok", "unparsed"):  # a timeout or a server error may pass: ask again next time
            self._cache[key] = out
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return out

    def api_budget_left(self) -> int:
        now = self.clock()
        while self._api_calls and self._api_calls[0] <= now - 3600:
            self._api_calls.popleft()
        return self.cfg.hybrid.api_calls_per_hour - len(self._api_calls)

    def _ask_api(self, r: Round, *args: Any) -> None:
        if self.api_budget_left() <= 0:
            r.notes.append(f"API call cap reached ({self.cfg.hybrid.api_calls_per_hour} per hour): not asked")
            return
        out = self._ask(self.api, *args)
        if not out.cached:
            self._api_calls.append(self.clock())
        r.outcomes.append(out)

    def should_escalate(self, out: Outcome, incidents: list[Incident], sigs: list[Signal]) -> str | None:
        if out.status != "ok":
            return f"local answer {out.status}"
        if out.rejected:
            return "local answer rejected"
        if out.accepted and out.max_confidence < self.cfg.hybrid.min_confidence:
            return f"local confidence {out.max_confidence:.2f} below {self.cfg.hybrid.min_confidence}"
        if not [i for i in incidents if i.category != "healthy"] and sigs and not out.accepted:
            return "errors no rule explained and no local diagnosis"
        return None

    def run(self, bundle: Any, incidents: list[Incident], sigs: list[Signal],
            sources: dict[str, list[str]]) -> Round:
        r = Round()
        args = (bundle, incidents, sigs, sources)
        mode = self.cfg.mode
        if mode in ("local", "hybrid") and self.local is not None:
            r.outcomes.append(self._ask(self.local, *args))
        if mode == "api" and self.api is not None:
            self._ask_api(r, *args)
        elif mode == "hybrid" and self.api is not None:
            why = self.should_escalate(r.outcomes[-1], incidents, sigs) if r.outcomes else "no local model"
            if why:
                r.notes.append(f"escalated to the API: {why}")
                self._ask_api(r, *args)
        return r

    def close(self) -> None:
        for p in (self.local, self.api):
            if p is not None:
                p.close()
