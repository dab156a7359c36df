"""State files as different tools write them: `df` variants, verifier outputs, signature manifests."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from . import timefmt


def _human(n: int) -> str:
    for unit in ("", "K", "M", "G", "T"):
        if n < 1024 or unit == "T":
            return f"{n:.0f}{unit}" if unit == "" or n >= 10 else f"{n:.1f}{unit}"
        n /= 1024
    return str(n)


def df(mounts: list[tuple[str, str, int, int]], style: str) -> tuple[str, dict]:
    """mounts: (filesystem, mountpoint, total_bytes, used_bytes). Returns text and {mount: use% text}."""
    pcts = {}
    for _fs, mnt, total, used in mounts:
        pct = 100 if used >= total else -(-used * 100 // total)   # df rounds up
        pcts[mnt] = pct
    if style == "df-h":
        rows = [f"{'Filesystem':<20} {'Size':>5} {'Used':>5} {'Avail':>5} {'Use%':>4} Mounted on"]
        for fs, mnt, total, used in mounts:
            rows.append(f"{fs:<20} {_human(total):>5} {_human(used):>5} {_human(max(0, total - used)):>5} "
                        f"{str(pcts[mnt]) + '%':>4} {mnt}")
    elif style == "df-P":
        rows = [f"{'Filesystem':<20} 1024-blocks      Used Available Capacity Mounted on"]
        for fs, mnt, total, used in mounts:
            rows.append(f"{fs:<20} {total // 1024:>11} {used // 1024:>9} {max(0, total - used) // 1024:>9} "
                        f"{str(pcts[mnt]) + '%':>8} {mnt}")
    elif style == "df-plain":
        rows = [f"{'Filesystem':<20} 1K-blocks      Used Available Use% Mounted on"]
        for fs, mnt, total, used in mounts:
            rows.append(f"{fs:<20} {total // 1024:>9} {used // 1024:>9} {max(0, total - used) // 1024:>9} "
                        f"{str(pcts[mnt]) + '%':>4} {mnt}")
    elif style == "df-output":   # df -B1 --output=target,size,avail,pcent
        rows = ["Mounted on            1B-blocks        Avail Use%"]
        for _fs, mnt, total, used in mounts:
            rows.append(f"{mnt:<17} {total:>13} {max(0, total - used):>12} {str(pcts[mnt]) + '%':>4}")
    else:
        raise ValueError(style)
    return "\n".join(rows) + "\n", pcts


def df_line(text: str, mount: str) -> str:
    return next(ln for ln in text.splitlines() if ln.rstrip().endswith(mount) or ln.startswith(mount + " "))


# -- integrity --------------------------------------------------------------------------------
def verify_log(dt: datetime, tz: timezone, entries: list[tuple[str, str, str]]) -> str:
    """A text verifier log: `OK  name` / `MISMATCH name expected=<h> actual=<h>`."""
    out = [f"# logline_verifier run {timefmt.rfc3339(dt, tz, 0)} against vv-signature.json"]
    bad = 0
    for name, exp, act in entries:
        if exp == act:
            out.append(f"OK        {name}")
        else:
            bad += 1
            out.append(f"MISMATCH  {name} expected={exp} actual={act}")
    out.append(f"# {len(entries)} checked, {bad} mismatched")
    return "\n".join(out) + "\n"


def model_hash_report(dt: datetime, tz: timezone, version: str, entries: list[tuple[str, str, str, int]]) -> str:
    """A JSON report of model-file hashes (`vvai model verify --json`-like, from another tool)."""
    files = [{"path": f"versions/{version}/bitnet/{n}", "size": size, "sha256_recorded": exp,
              "sha256_computed": act, "status": "ok" if exp == act else "mismatch"}
             for n, exp, act, size in entries]
    rep = {"checked_at": timefmt.rfc3339(dt, tz, 0), "version": version, "files": files,
           "ok": all(f["status"] == "ok" for f in files)}
    return json.dumps(rep, indent=2) + "\n"


def sha256sum_check(entries: list[tuple[str, str, str]]) -> str:
    """`sha256sum -c SHA256SUMS` output: `name: OK` / `name: FAILED` and the warning line."""
    out = [f"{n}: {'OK' if e == a else 'FAILED'}" for n, e, a in entries]
    bad = sum(1 for _, e, a in entries if e != a)
    if bad:
        out.append(f"sha256sum: WARNING: {bad} computed checksum{'s' if bad > 1 else ''} did NOT match")
    return "\n".join(out) + "\n"


def signature_manifest(entries: list[tuple[str, str, int]], dt: datetime, tz: timezone) -> str:
    return json.dumps({"version": 1, "generated": timefmt.rfc3339(dt, tz, 0),
                       "files": {n: {"sha256": h, "size": s} for n, h, s in entries}}, indent=2) + "\n"
