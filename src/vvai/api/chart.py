"""A line chart as server-rendered SVG: one signal over time, with its limit or baseline as a line.

No charting library and no script: the console works offline and the SVG is plain markup with a
``<title>``/``<desc>`` for screen readers. Written by hand (about 60 lines).
"""

from __future__ import annotations

import datetime as dt
from html import escape

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 640, 220, 70, 16, 28, 36


def human(v: float, unit: str) -> str:
    if unit == "bytes":
        for u in ("B", "KiB", "MiB", "GiB", "TiB"):
            if abs(v) < 1024 or u == "TiB":
                return f"{v:.0f} {u}" if u == "B" else f"{v:.1f} {u}"
            v /= 1024
    if unit == "s":
        return f"{v:.2f} s"
    return f"{v:g}" if abs(v) >= 1 or v == 0 else f"{v:.3f}"


def _clock(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%H:%M:%S")


def line_chart(title: str, points: list[tuple[float, float]], unit: str = "", limit: float | None = None,
               limit_label: str = "limit") -> str:
    """SVG markup for ``points`` ``[(epoch_s, value)]``; a single point still draws a dot."""
    pts = sorted(points)
    if not pts:
        return ""
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    lo_y = min([*ys, *( [limit] if limit is not None else [])], default=0.0)
    hi_y = max([*ys, *([limit] if limit is not None else [])], default=1.0)
    lo_y = min(0.0, lo_y)
    if hi_y == lo_y:
        hi_y = lo_y + 1.0
    hi_y *= 1.05
    x0, x1 = xs[0], xs[-1] if xs[-1] > xs[0] else xs[0] + 1.0

    def sx(x: float) -> float:
        return PAD_L + (x - x0) / (x1 - x0) * (W - PAD_L - PAD_R)

    def sy(y: float) -> float:
        return PAD_T + (1 - (y - lo_y) / (hi_y - lo_y)) * (H - PAD_T - PAD_B)

    path = " ".join(f"{'M' if i == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for i, (x, y) in enumerate(pts))
    desc = (f"{len(pts)} samples from {_clock(x0)} to {_clock(xs[-1])} UTC; last {human(ys[-1], unit)}, "
            f"peak {human(max(ys), unit)}" + (f"; {limit_label} {human(limit, unit)}" if limit is not None else ""))
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
             f'aria-labelledby="chart-title chart-desc">',
             f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>',
             f'<text x="{PAD_L}" y="18" class="chart-title">{escape(title)}</text>',
             f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" class="axis"/>',
             f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{H - PAD_B}" class="axis"/>']
    for frac in (0.0, 0.5, 1.0):
        yv = lo_y + frac * (hi_y - lo_y) / 1.05
        parts.append(f'<text x="{PAD_L - 6}" y="{sy(yv) + 4:.1f}" class="tick" text-anchor="end">'
                     f'{escape(human(yv, unit))}</text>')
    for xv, anchor in ((x0, "start"), (xs[-1], "end")):
        parts.append(f'<text x="{sx(xv):.1f}" y="{H - PAD_B + 16}" class="tick" text-anchor="{anchor}">'
                     f'{_clock(xv)}</text>')
    if limit is not None:
        parts.append(f'<line x1="{PAD_L}" y1="{sy(limit):.1f}" x2="{W - PAD_R}" y2="{sy(limit):.1f}" class="limit"/>')
        parts.append(f'<text x="{W - PAD_R}" y="{sy(limit) - 5:.1f}" class="limit-label" text-anchor="end">'
                     f'{escape(limit_label)} {escape(human(limit, unit))}</text>')
    parts.append(f'<path d="{path}" class="series"/>')
    if len(pts) == 1:
        parts.append(f'<circle cx="{sx(xs[0]):.1f}" cy="{sy(ys[0]):.1f}" r="4" class="dot"/>')
    parts.append("</svg>")
    return "".join(parts)
