"""Similar past incidents: TF-IDF over category, culprit and the templates of the evidence.

Pure code (no I/O). Each incident becomes a bag of terms: its category and culprit component as
strong terms (repeated, so they weigh like several words), its file's extension, and the words of
its evidence lines after masking the variable parts (numbers, ids, paths become ``<*>``, as the
log template miner does), so "MemoryError at 0x7f.. decoding a.mp4" and the same line with
other values share their template words. Documents are compared by cosine similarity of their
smoothed TF-IDF vectors. Written by hand: a few dozen lines, no library needed for this size.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from vvai.monitor.templates.masking import Masker

_WORD = re.compile(r"[A-Za-z][A-Za-z_]{1,}")
_STRONG = 3  # how many words a category or a component is worth
_STOP = frozenset(str.split("a an and are as at be been by for from has have in into is it its of on or so than that "
                  "the their there this to up was were when which while with"))
_MASKER = Masker()


def terms(incident: dict[str, Any]) -> Counter[str]:
    """The weighted terms of one incident: ``category``, ``component``, ``file`` and ``evidence`` (texts)."""
    c: Counter[str] = Counter()
    if incident.get("category"):
        c[f"cat={incident['category']}"] += _STRONG
    if incident.get("component"):
        c[f"comp={incident['component']}"] += _STRONG
    f = incident.get("file") or ""
    if "." in f:
        c[f"ext={f.rsplit('.', 1)[1].lower()}"] += 1
    texts = incident.get("evidence") or []
    for text in list(texts)[:50]:
        t = text if isinstance(text, str) else str(text.get("text", ""))
        _words(c, t[:2000])
    _words(c, (incident.get("root_cause") or "")[:1000])
    return c


def _words(c: Counter[str], text: str) -> None:
    for w in _WORD.findall(_MASKER.mask(text)):
        w = w.lower()
        if w not in _STOP:
            c[w] += 1


def _vector(tf: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    v = {t: (1.0 + math.log(n)) * idf.get(t, 0.0) for t, n in tf.items()}
    norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {t: x / norm for t, x in v.items()}


def similar(target: dict[str, Any], past: Iterable[dict[str, Any]], k: int = 5,
            min_score: float = 0.3) -> list[dict[str, Any]]:
    """The ``k`` past incidents closest to ``target``, best first, each a copy with ``score`` (0..1).

    A past incident may carry its precomputed ``terms`` (from :func:`terms`); they are used as is.
    """
    docs = [p for p in past if p.get("id") != target.get("id")]
    if not docs:
        return []
    tfs = [d.get("terms") or terms(d) for d in docs]  # callers may pass terms they computed before
    tft = terms(target)
    n = len(docs) + 1
    df: Counter[str] = Counter()
    for tf in [*tfs, tft]:
        df.update(tf.keys())
    idf = {t: math.log((1 + n) / (1 + m)) + 1.0 for t, m in df.items()}
    vt = _vector(tft, idf)
    scored = []
    for d, tf in zip(docs, tfs, strict=True):
        vd = _vector(tf, idf)
        s = sum(x * vd.get(t, 0.0) for t, x in vt.items())
        if s >= min_score:
            scored.append((s, d))
    scored.sort(key=lambda p: (-p[0], -(p[1].get("first_seen") or 0)))
    return [{**d, "score": round(s, 3)} for s, d in scored[:k]]
