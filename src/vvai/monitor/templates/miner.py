"""Online log template miner: turns a stream of log messages into templates such as
``Connection from <*> closed after <*> ms``, in the spirit of Drain (He et al., ICWS 2017).

Written by hand rather than wrapping ``drain3`` because the self-monitor mines every line the
pipeline writes, on a small edge box: this miner is several times faster than drain3 and
groups more accurately (``bench/templates.py`` measures both in the same run). How:

1. **Masking** (:mod:`.masking`) turns the variable parts of a message into ``<*>``: the user's
   regexes and the built-in masks (any word holding a digit, paths, a word glued to a part
   a user mask took), compiled as one pattern.
2. **Shape cache.** When the masks allow it (see :func:`.masking.shape_mode`), the masked
   message depends only on the message's *shape* (every ASCII digit replaced by ``0``, then every
   digit run collapsed). The shape is computed with two C calls (``encode``/``translate``) and a
   message whose shape was seen before joins that cluster at once: no regex, no tokenising. On
   Loghub this serves 80-98 % of the lines.
3. **Masked cache.** Otherwise the message is masked (token by token through a cache when every
   mask is token-local) and a message whose masked text was seen before joins that cluster.
4. **Prefix tree** (flattened into one dictionary): clusters are bucketed by token count and
   first token. In its bucket a message joins the most similar cluster if the similarity (share
   of equal tokens, a template wildcard counting ``wildcard_weight`` of a match) reaches
   ``sim_threshold``; joining turns the differing positions into ``<*>``. Otherwise it starts a
   new cluster. As in Drain, a first token with too many distinct values (``max_children``)
   routes further newcomers to a shared ``<*>`` bucket, so a variable first word does not split
   one event into many.

The defaults (``sim_threshold=0.7``, ``wildcard_weight=0.5``, ``prefix_tokens=1``, built-in
masks on) are global, not per log source, and are not hand-set: they are the point of a small
grid with the best mean grouping accuracy on Loghub-2k among those that group the project's
reference app log exactly, and leave-one-system-out (choosing on 7 systems, measuring on the
8th) checks that the choice generalises; see :mod:`.tuning` and ``bench/templates.py``. The
built-in digit mask takes out most variables, so what remains to tell apart are events that
differ by a word or two.

Bounded time: a message is compared with at most 64 clusters (the most recently used of its
bucket), so mining is linear in the lines however many templates exist (``comparisons``
counts them). With ``on_full="overflow"`` (the log detector) at most ``max_clusters``
templates are made and messages that would start another one join one overflow bucket
(:data:`OVERFLOW_TEMPLATE`), still counted; the default ``on_full="evict"`` evicts instead.

Bounded memory: at most ``max_clusters`` clusters (default 10,000). When a new one would
exceed it, the tenth of the clusters that gained the fewest messages since the previous
eviction (oldest first among equals) is dropped: LRU-like without per-message bookkeeping.
A template is at most ``max_tokens`` tokens and 4 KiB (longer messages keep their head plus a
``<*>`` tail) and a token longer than 512 characters (a blob) becomes ``<*>``. The four caches
(shape, collapsed shape, masked message, token) hold at most ``cache_size`` entries each
(default 20,000; a full cache is emptied) and never keys longer than 1 KiB. Worst case is
thus about 10,000 x 4 KiB of templates plus 4 x 20,000 x 1 KiB of cache keys (~150 MB with
Python's overheads); real logs use a few MB. Any input is accepted: bytes are decoded as UTF-8
with replacement, ``None`` is the empty message.

The class is pure (no I/O). Snapshots live in :mod:`.snapshot`, file handling in :mod:`.cli`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from operator import eq
from typing import Any

from vvai.monitor.templates.masking import WILDCARD, Masker

_COLLAPSE = "collapse"
_DIGITS_TO_ZERO = bytes(48 if 48 <= b <= 57 else b for b in range(256))
_MAX_CACHED_KEY = 1024  # longer messages are never cached (bounded memory)
_MAX_TOKEN_CHARS = 512  # a longer token is data, not part of a template: it becomes <*>
_MAX_TEMPLATE_CHARS = 4096  # a longer masked message keeps its head and a <*> tail
_MAX_SCAN = 64  # similarity is computed against at most this many clusters of a bucket
#: The template of the overflow bucket (``on_full="overflow"``): every message that would have
#: started a new template once ``max_clusters`` templates exist.
OVERFLOW_TEMPLATE = "<overflow: more distinct templates than the cap>"


@dataclass(slots=True)
class MinedTemplate:
    """The template a message belongs to, as known right after that message was mined."""

    template_id: int
    template: str
    count: int
    is_new: bool = False


class _Cluster:
    __slots__ = ("cid", "tokens", "count", "template", "key", "nconst", "wild", "mark")

    def __init__(self, cid: int, tokens: list[str], key: tuple, count: int = 1) -> None:
        self.cid = cid
        self.key = key
        self.count = count
        self.mark = 0  # count at the previous eviction round
        self.set_tokens(tokens)

    def set_tokens(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.template = " ".join(tokens)
        self.wild = [i for i, t in enumerate(tokens) if t == WILDCARD]
        self.nconst = len(tokens) - len(self.wild)


class TemplateMiner:
    """Mines templates from log messages one at a time (see the module docstring).

    Not thread-safe: use one miner per thread, or guard calls with a lock.
    """

    def __init__(
        self,
        masks: Iterable[str] | None = None,
        *,
        builtin_masks: bool = True,
        sim_threshold: float = 0.7,
        wildcard_weight: float = 0.5,
        prefix_tokens: int = 1,
        max_children: int = 100,
        max_clusters: int = 10_000,
        max_tokens: int = 256,
        cache_size: int = 20_000,
        on_full: str = "evict",
    ) -> None:
        if not 0.0 <= sim_threshold <= 1.0 or not 0.0 <= wildcard_weight <= 1.0:
            raise ValueError("sim_threshold and wildcard_weight must be within [0, 1]")
        if max_clusters < 1 or max_tokens < 2 or prefix_tokens < 0 or max_children < 1 or cache_size < 1:
            raise ValueError("need max_clusters, max_children, cache_size >= 1, max_tokens >= 2, prefix_tokens >= 0")
        if on_full not in ("evict", "overflow"):
            raise ValueError("on_full must be 'evict' or 'overflow'")
        self.masks = list(masks or [])
        self.builtin_masks = builtin_masks
        self.sim_threshold = sim_threshold
        self.wildcard_weight = wildcard_weight
        self.prefix_tokens = prefix_tokens
        self.max_children = max_children
        self.max_clusters = max_clusters
        self.max_tokens = max_tokens
        self.cache_size = cache_size
        self.on_full = on_full
        masker = Masker(self.masks, builtin=builtin_masks)  # raises ConfigError on a bad mask
        self._mask = masker.mask
        self._shape = _COLLAPSE if masker.shape_mode == _COLLAPSE else masker.shape_mode
        self._token_local = masker.token_local
        self._clusters: dict[int, _Cluster] = {}
        # Bucket key -> its clusters by id, in recency order (dict order: re-inserting is O(1)).
        self._buckets: dict[tuple, dict[int, _Cluster]] = {}
        self._children: dict[tuple, set[str]] = {}  # (ntokens, prefix...) -> distinct next tokens
        self._first: dict[Any, _Cluster] = {}  # message (or its digit shape) -> cluster
        self._second: dict[bytes, _Cluster] = {}  # collapsed digit shape -> cluster
        self._masked: dict[str, _Cluster] = {}  # masked message -> cluster
        self._token_cache: dict[str, str] = {}  # token -> masked token (token-local masks only)
        self._next_id = 1
        self.evicted = 0
        #: Clusters compared with a message so far (similarity or cover tests): at most
        #: ``_MAX_SCAN`` per message, whatever the number of templates (see :meth:`_best`).
        self.comparisons = 0
        #: With ``on_full="overflow"``: the bucket counting messages beyond the cap (else None).
        self.overflow: _Cluster | None = None

    # ------------------------------------------------------------------ public API

    def add_message(self, content: Any) -> MinedTemplate:
        """Mine one message: join (and maybe generalise) a template or start a new one."""
        if content.__class__ is not str:
            content = _as_text(content)
        shape = self._shape
        if shape is None:
            key: Any = content
        else:
            try:
                key = content.encode().translate(_DIGITS_TO_ZERO)
            except UnicodeEncodeError:  # lone surrogates
                key = content.encode("utf-8", "surrogatepass").translate(_DIGITS_TO_ZERO)
        c = self._first.get(key)
        if c is not None:
            c.count += 1
            return MinedTemplate(c.cid, c.template, c.count, False)
        if shape is _COLLAPSE:
            # Second chance: the same shape up to the length of the digit runs.
            key2 = _collapse(key)
            c = self._second.get(key2)
            if c is not None:
                c.count += 1
                self._cache(self._first, key, c)
                return MinedTemplate(c.cid, c.template, c.count, False)
            c, is_new = self._mine(key2.decode("utf-8", "surrogatepass"))
            self._cache(self._second, key2, c)
        else:
            c, is_new = self._mine(content if shape is None else key.decode("utf-8", "surrogatepass"))
        self._cache(self._first, key, c)
        return MinedTemplate(c.cid, c.template, c.count, is_new)

    def match(self, content: Any) -> MinedTemplate | None:
        """The template ``content`` belongs to, without learning anything (``None`` if none).

        Only a template that covers the message (every non-wildcard token equal) matches; among
        several, the most specific one. A message whose masked text was mined before is found
        at once; otherwise only the ``_MAX_SCAN`` most recently used templates of its bucket are
        tried, so that a call costs O(1) even with thousands of templates (it used to scan the
        whole bucket: quadratic time for a detector matching every line it mined).
        """
        tokens, masked = self._mask_tokens(_as_text(content))
        c = self._masked.get(masked)
        if c is not None:
            return MinedTemplate(c.cid, c.template, c.count, False)
        best = None
        bucket = self._buckets.get(self._route(tokens, learn=False))
        scan = _recent(bucket) if bucket else []
        self.comparisons += len(scan)
        for cand in scan:
            if (best is None or cand.nconst > best.nconst) and _covers(cand, tokens):
                best = cand
        return None if best is None else MinedTemplate(best.cid, best.template, best.count, False)

    def templates(self) -> list[MinedTemplate]:
        """All templates currently known (and the overflow bucket if used), most frequent first."""
        out = [MinedTemplate(c.cid, c.template, c.count, False) for c in self._clusters.values()]
        if self.overflow is not None:
            out.append(MinedTemplate(self.overflow.cid, self.overflow.template, self.overflow.count, False))
        out.sort(key=lambda t: (-t.count, t.template_id))
        return out

    def __len__(self) -> int:
        """The number of templates (the overflow bucket is not one)."""
        return len(self._clusters)

    def template_of(self, template_id: int) -> str | None:
        """The current template of ``template_id`` (``None`` if unknown or evicted)."""
        c = self._clusters.get(template_id)
        if c is None and self.overflow is not None and self.overflow.cid == template_id:
            c = self.overflow
        return None if c is None else c.template

    def settings(self) -> dict[str, Any]:
        """The constructor arguments, enough to rebuild an equivalent empty miner."""
        return {
            "masks": list(self.masks),
            "builtin_masks": self.builtin_masks,
            "sim_threshold": self.sim_threshold,
            "wildcard_weight": self.wildcard_weight,
            "prefix_tokens": self.prefix_tokens,
            "max_children": self.max_children,
            "max_clusters": self.max_clusters,
            "max_tokens": self.max_tokens,
            "cache_size": self.cache_size,
            "on_full": self.on_full,
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able snapshot (settings and clusters, not the caches); see :mod:`.snapshot`."""
        from vvai.monitor.templates.snapshot import miner_to_dict

        return miner_to_dict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TemplateMiner:
        """Rebuild a miner from :meth:`to_dict` output; see :mod:`.snapshot`."""
        from vvai.monitor.templates.snapshot import miner_from_dict

        return miner_from_dict(d, cls)

    # ------------------------------------------------------------------ internals

    def _mine(self, text: str) -> tuple[_Cluster, bool]:
        """The slow path: mask, then find (or create) the cluster in the prefix tree."""
        tokens, masked = self._mask_tokens(text)
        c = self._masked.get(masked)
        if c is not None:
            c.count += 1
            return c, False
        tree_key = self._route(tokens, learn=True)
        bucket = self._buckets.get(tree_key)
        c = self._best(bucket, tokens) if bucket else None
        if c is None:
            if self.overflow is not None or (self.on_full == "overflow" and len(self._clusters) >= self.max_clusters):
                c = self._overflow()
                c.count += 1
                self._cache(self._masked, masked, c)
                return c, False
            c = self._new_cluster(tokens, tree_key)
            is_new = True
        else:
            if next(reversed(bucket)) != c.cid:  # keep the bucket in recency order (see _best)
                del bucket[c.cid]
                bucket[c.cid] = c
            c.count += 1
            if c.wild or c.tokens != tokens:
                new = [a if a == b else WILDCARD for a, b in zip(c.tokens, tokens, strict=True)]
                if new != c.tokens:
                    c.set_tokens(new)
            is_new = False
        self._cache(self._masked, masked, c)
        return c, is_new

    def _cache(self, cache: dict, key: Any, c: _Cluster) -> None:
        """Remember ``key -> cluster``; a cache is emptied when full, and huge keys are not kept."""
        if len(key) > _MAX_CACHED_KEY:
            return
        if len(cache) >= self.cache_size:
            cache.clear()
        cache[key] = c

    def _mask_tokens(self, text: str) -> tuple[list[str], str]:
        """The masked tokens of ``text`` (capped at ``max_tokens``) and their space-joined form.

        A token longer than ``_MAX_TOKEN_CHARS`` (a blob, a base64 payload) becomes ``<*>``.
        """
        if not self._token_local:
            out = self._mask(text).split()
            if any(len(t) > _MAX_TOKEN_CHARS for t in out):
                out = [WILDCARD if len(t) > _MAX_TOKEN_CHARS else t for t in out]
        else:
            # Token by token through the cache; the tokens not cached yet are masked together,
            # joined by spaces, in one regex pass (same result: the masks are token-local).
            tokens = text.split()
            if len(tokens) > self.max_tokens:
                tokens = tokens[: self.max_tokens + 1]  # the tail is cut to <*> below
            get = self._token_cache.get
            out = [get(t) for t in tokens]
            if None in out:
                todo = [i for i, m in enumerate(out) if m is None and len(tokens[i]) <= _MAX_TOKEN_CHARS]
                done = self._mask(" ".join([tokens[i] for i in todo])).split() if todo else []
                if len(done) != len(todo):  # cannot happen with token-local masks; stay safe
                    done = [self._mask(tokens[i]) for i in todo]
                cache = self._token_cache
                if len(cache) + len(todo) > self.cache_size:
                    cache.clear()
                for i, m in zip(todo, done, strict=True):
                    out[i] = cache[tokens[i]] = m
                if None in out:  # the over-long tokens
                    out = [WILDCARD if m is None else m for m in out]
        if len(out) > self.max_tokens:
            out = out[: self.max_tokens - 1]
            out.append(WILDCARD)
        masked = " ".join(out)
        if len(masked) > _MAX_TEMPLATE_CHARS:
            size = len(WILDCARD)
            for k, t in enumerate(out):
                size += len(t) + 1
                if size > _MAX_TEMPLATE_CHARS:
                    out = out[:k]
                    break
            out.append(WILDCARD)
            masked = " ".join(out)
        return out, masked

    def _route(self, tokens: list[str], *, learn: bool) -> tuple:
        """The bucket key: token count, then up to ``prefix_tokens`` leading tokens."""
        key: tuple = (len(tokens),)
        for tok in tokens[: self.prefix_tokens]:
            if WILDCARD in tok:
                tok = WILDCARD
            else:
                seen = self._children.get(key)
                if seen is None:
                    if learn:
                        self._children[key] = {tok}
                elif tok not in seen:
                    if len(seen) >= self.max_children:
                        tok = WILDCARD
                    elif learn:
                        seen.add(tok)
            key = (*key, tok)
        return key

    def _overflow(self) -> _Cluster:
        """The overflow bucket, created the first time the cap is reached (``on_full="overflow"``)."""
        if self.overflow is None:
            self.overflow = _Cluster(self._next_id, [OVERFLOW_TEMPLATE], ("overflow",), count=0)
            self._next_id += 1
        return self.overflow

    def _best(self, bucket: dict[int, _Cluster], tokens: list[str]) -> _Cluster | None:
        """The most similar cluster of ``bucket`` if similar enough (ties: the most specific).

        Only the ``_MAX_SCAN`` most recently joined or created clusters of the bucket are
        compared, so that a flood of unrelated lines (binary junk, random text) costs O(1) per
        line instead of O(clusters); older clusters stay reachable through the caches.
        """
        n = len(tokens)
        if n == 0:
            return next(iter(bucket.values()))
        w = self.wildcard_weight
        best: _Cluster | None = None
        best_sim = -1.0
        scan = _recent(bucket)
        self.comparisons += len(scan)
        for c in scan:
            equal = sum(map(eq, c.tokens, tokens))
            if c.wild:
                # Wildcards count w whether or not the message has <*> there too.
                both = sum(1 for i in c.wild if tokens[i] == WILDCARD)
                sim = (equal - both + w * len(c.wild)) / n
            else:
                sim = equal / n
            if sim > best_sim or (sim == best_sim and best is not None and c.nconst > best.nconst):
                best, best_sim = c, sim
        return best if best_sim >= self.sim_threshold else None

    def _new_cluster(self, tokens: list[str], key: tuple) -> _Cluster:
        cid = self._next_id
        self._next_id += 1
        c = _Cluster(cid, list(tokens), key)
        self._clusters[cid] = c
        self._buckets.setdefault(key, {})[cid] = c
        if len(self._clusters) > self.max_clusters:
            self._evict(keep=c)
        return c

    def _evict(self, keep: _Cluster) -> None:
        """Drop the tenth of the clusters least used since the previous round (amortised O(1)).

        The message caches are emptied too, so no cache entry can point at a dropped cluster
        (cheaper than checking on every message; an eviction round is rare).
        """
        self._first.clear()
        self._second.clear()
        self._masked.clear()
        n = len(self._clusters) - self.max_clusters + max(1, self.max_clusters // 10)
        ranked = sorted((c for c in self._clusters.values() if c is not keep), key=lambda c: (c.count - c.mark, c.cid))
        for old in ranked[:n]:
            del self._clusters[old.cid]
            bucket = self._buckets.get(old.key)
            if bucket is not None:
                bucket.pop(old.cid, None)
                if not bucket:
                    del self._buckets[old.key]
            self.evicted += 1
        for c in ranked[n:]:
            c.mark = c.count


def _recent(bucket: dict[int, _Cluster]) -> list[_Cluster]:
    """The ``_MAX_SCAN`` most recently used clusters of ``bucket``, oldest first."""
    if len(bucket) <= _MAX_SCAN:
        return list(bucket.values())
    out = list(islice(reversed(bucket.values()), _MAX_SCAN))
    out.reverse()
    return out


def _collapse(shape: bytes) -> bytes:
    """Collapse every run of ``0`` (all digits already are ``0``) into a single ``0``."""
    if b"00" not in shape:
        return shape
    shape = shape.replace(b"00000000", b"0")
    while b"00" in shape:
        shape = shape.replace(b"00", b"0")
    return shape


def _covers(c: _Cluster, tokens: list[str]) -> bool:
    """Every non-wildcard token of ``c`` equals the message's token at that position."""
    if len(c.tokens) != len(tokens):
        return False
    if not c.wild:
        return c.tokens == tokens
    both = sum(1 for i in c.wild if tokens[i] == WILDCARD)
    return sum(map(eq, c.tokens, tokens)) - both == c.nconst


def _as_text(content: Any) -> str:
    """Any input as text: bytes are decoded as UTF-8 with replacement, ``None`` is ``""``."""
    if isinstance(content, str):
        return content
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content).decode("utf-8", errors="replace")
    return "" if content is None else str(content)
