"""Snapshots of a :class:`~vvai.monitor.templates.miner.TemplateMiner`: to/from a JSON-able
dict, and to/from a file written crash-safely (temp file + fsync + rename).

Saved: the settings, the clusters (bucket by bucket, in recency order) and the masked-message
cache, which makes assignments sticky (a masked message seen before goes back to its cluster
even if the tree search would now tie elsewhere). With those, a restored miner assigns every
message to the same template as the original would have. The other caches are pure speed-ups
and are rebuilt as messages arrive.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vvai.common.atomic import atomic_write_json
from vvai.common.errors import ConfigError

if TYPE_CHECKING:
    from vvai.monitor.templates.miner import TemplateMiner

SNAPSHOT_VERSION = 1


def miner_to_dict(m: TemplateMiner) -> dict[str, Any]:
    """Settings, id counter and clusters of ``m`` as plain JSON types."""
    return {
        "version": SNAPSHOT_VERSION,
        "settings": m.settings(),
        "next_id": m._next_id,
        "evicted": m.evicted,
        "children": [[list(k), sorted(v)] for k, v in m._children.items()],
        # Bucket by bucket, each in its recency order, which from_dict restores by appending.
        "clusters": [
            {"id": c.cid, "tokens": list(c.tokens), "count": c.count, "mark": c.mark, "key": list(c.key)}
            for bucket in m._buckets.values()
            for c in bucket.values()
        ],
        "masked": [[k, c.cid] for k, c in m._masked.items()],
        "overflow": None if m.overflow is None else {"id": m.overflow.cid, "count": m.overflow.count},
    }


def miner_from_dict(d: Any, cls: type[TemplateMiner] | None = None) -> TemplateMiner:
    """Rebuild a miner from :func:`miner_to_dict` output; a malformed dict is a ConfigError."""
    from vvai.monitor.templates.miner import OVERFLOW_TEMPLATE, TemplateMiner, _Cluster

    cls = cls or TemplateMiner
    hint = "the snapshot was not written by this version of vvai; delete it to start afresh"
    if not isinstance(d, dict) or d.get("version") != SNAPSHOT_VERSION:
        raise ConfigError(f"unsupported template miner snapshot (want version {SNAPSHOT_VERSION})", hint=hint)
    try:
        m = cls(**d["settings"])
        m._next_id = int(d["next_id"])
        m.evicted = int(d.get("evicted", 0))
        for k, v in d.get("children", []):
            m._children[_key(k)] = {str(t) for t in v}
        for c in d["clusters"]:
            key = _key(c["key"])
            cl = _Cluster(int(c["id"]), [str(t) for t in c["tokens"]], key, int(c["count"]))
            cl.mark = int(c.get("mark", 0))
            m._clusters[cl.cid] = cl
            m._buckets.setdefault(key, {})[cl.cid] = cl
        if d.get("overflow"):
            over = d["overflow"]
            m.overflow = _Cluster(int(over["id"]), [OVERFLOW_TEMPLATE], ("overflow",), int(over["count"]))
        for k, cid in d.get("masked", []):
            c = m._clusters.get(int(cid))
            if c is None and m.overflow is not None and m.overflow.cid == int(cid):
                c = m.overflow
            if c is not None:
                m._masked[str(k)] = c
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(f"corrupt template miner snapshot: {e!r}", hint=hint) from e
    return m


def _key(k: Any) -> tuple:
    """A bucket key back from JSON: the token count is an int, the prefix tokens strings."""
    k = list(k)
    return (int(k[0]), *(str(t) for t in k[1:]))


def save(m: TemplateMiner, path: str | Path) -> None:
    """Write a snapshot of ``m`` to ``path`` atomically."""
    atomic_write_json(Path(path), miner_to_dict(m))


def load(path: str | Path) -> TemplateMiner:
    """Read a snapshot written by :func:`save`."""
    p = Path(path)
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"no template miner snapshot at {p}", hint="mine some logs first") from e
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot read template miner snapshot {p}: {e}", hint="delete it to start afresh") from e
    return miner_from_dict(d)
