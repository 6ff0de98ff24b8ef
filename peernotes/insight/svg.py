"""Charts drawn on the server as SVG: no script, readable without colour.

Each chart is an image (`role="img"`) named by its `aria-label` and its `<title>`, with a
`<desc>` saying what it shows; the page puts the same numbers in a table beside it, which is
what a screen reader reads. Colours come from CSS classes (`app.css`, the insight block), and
each series is also named in a legend and in each bar's own `<title>`.

Pure: strings in, markup out. Text is escaped here, so callers pass plain words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Wide enough for thirty days of columns, narrow enough that text stays legible when the
#: chart shrinks to a phone's width.
WIDTH = 560
#: Bars carry their label above them, so they need less width, and their text shrinks less.
BARS_WIDTH = 360


@dataclass(frozen=True)
class Series:
    """One set of columns: its name (legend and titles), CSS class and one value per label."""

    name: str
    css: str
    values: Sequence[int]


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = int(10 ** math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _n(value: int) -> str:
    return f"{value:,}"


def _open(
    chart_id: str, title: str, description: str, kind: str, width: int, height: int
) -> list[str]:
    t, d = escape(title), escape(description)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}"'
        f' id="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" aria-label="{t}"'
        f' aria-describedby="{escape(chart_id)}-desc" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(chart_id)}-title">{t}</title>',
        f'<desc id="{escape(chart_id)}-desc">{d}</desc>',
    ]


def columns(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    height: int = 260,
) -> Markup:
    """Grouped columns: one group per label (a day), one column per series in each."""
    left, right, top, bottom = 56, 8, 34, 40
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    peak = nice_ceiling(max((v for s in series for v in s.values), default=0))
    out = _open(chart_id, title, description, "columns", WIDTH, height)
    # Legend along the top.
    x = left
    for s in series:
        out.append(
            f'<rect class="{escape(s.css)}" x="{x}" y="6" width="14" height="14"/>'
            f'<text x="{x + 20}" y="19">{escape(s.name)}</text>'
        )
        x += 20 + 10 * len(s.name) + 24
    # Grid lines and the scale: 0, a quarter, a half, three quarters, the top.
    for i in range(5):
        value = peak * i / 4
        y = top + plot_h - plot_h * i / 4
        out.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="scale" x="{left - 6}" y="{y + 5:.1f}" text-anchor="end">'
            f"{_n(int(value)) if value == int(value) else f'{value:.1f}'}</text>"
        )
    count = max(len(labels), 1)
    group_w = plot_w / count
    bar_w = group_w * 0.8 / max(len(series), 1)
    every = math.ceil(count / 7)  # at most seven labels under the axis, so they never touch
    for i, label in enumerate(labels):
        x0 = left + group_w * i + group_w * 0.1
        for j, s in enumerate(series):
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / peak
            out.append(
                f'<rect class="{escape(s.css)}" x="{x0 + bar_w * j:.2f}"'
                f' y="{top + plot_h - h:.2f}" width="{bar_w:.2f}" height="{h:.2f}">'
                f"<title>{escape(label)}: {_n(value)} {escape(s.name.lower())}</title></rect>"
            )
        if i % every == 0:
            out.append(
                f'<text class="label" x="{left + group_w * (i + 0.5):.1f}"'
                f' y="{top + plot_h + 22}" text-anchor="middle">{escape(label)}</text>'
            )
    out.append(
        f'<line class="axis" x1="{left}" x2="{WIDTH - right}"'
        f' y1="{top + plot_h}" y2="{top + plot_h}"/>'
    )
    out.append("</svg>")
    return Markup("".join(out))  # nosec B704 # reviewed: every text and attribute above is escaped


def bars(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, int]],
    css: str,
) -> Markup:
    """Horizontal bars, one per row, each with its label above it and its value at its end."""
    row_h, top, value_w = 46, 4, 56
    height = top * 2 + row_h * max(len(rows), 1)
    out = _open(chart_id, title, description, "bars", BARS_WIDTH, height)
    if not rows:
        out.append(f'<text x="0" y="{top + 18}">Nothing to show.</text></svg>')
        return Markup("".join(out))  # nosec B704 # reviewed: every text and attribute above is escaped
    peak = max(max(v for _, v in rows), 1)
    span = BARS_WIDTH - value_w
    for i, (label, value) in enumerate(rows):
        y = top + row_h * i
        w = span * value / peak
        shown = label if len(label) <= 40 else label[:39] + "…"
        out.append(f'<text class="label" x="0" y="{y + 16}">{escape(shown)}</text>')
        if value > 0:
            out.append(
                f'<rect class="{escape(css)}" x="0" y="{y + 22}" width="{w:.2f}"'
                f' height="16"><title>{escape(label)}: {_n(value)}</title></rect>'
            )
        out.append(f'<text class="value" x="{w + 6:.2f}" y="{y + 36}">{_n(value)}</text>')
    out.append("</svg>")
    return Markup("".join(out))  # nosec B704 # reviewed: every text and attribute above is escaped
