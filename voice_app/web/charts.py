"""Charts drawn on the server as SVG: no script (the pages' CSP forbids inline ones), a title
and a description for screen readers, and a table beside each chart with the same numbers.

An empty period still draws its axes and legend with "aucune donnée", never an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 56
PALETTE = ("#1f5a94", "#b8401a", "#2e7d32", "#6a3d9a", "#b07800", "#00838f", "#ad1457", "#455a64",
           "#8d6e63", "#5c6bc0")


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int]


def _scale(maximum: int) -> int:
    """A round top for the value axis, four equal whole steps (1, 2 or 5 times a power of ten)."""
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if 4 * step >= maximum:
                return 4 * step
        power *= 10


def _frame(title: str, labels: list[str], top: int, chart_id: str) -> list[str]:
    inner_h = HEIGHT - TOP - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="{chart_id}-titre" class="chart" id="{chart_id}">',
             f'<title id="{chart_id}-titre">{escape(title)}</title>']
    for tick in range(5 if top else 1):  # an empty chart has one axis value, its baseline 0
        value = top * tick // 4
        y = TOP + inner_h - inner_h * tick / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d5db"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{value}</text>')
    for index, label in enumerate(labels):
        x = _x(index, len(labels))
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                     f'font-size="11">{escape(label)}</text>')
    if top == 0:  # an empty period: the frame, labelled
        parts.append(f'<text x="{WIDTH / 2}" y="{TOP + inner_h / 2}" text-anchor="middle" font-size="14" '
                     f'fill="#555">aucune donnée</text>')
    return parts


def _x(index: int, count: int) -> float:
    inner_w = WIDTH - LEFT - RIGHT
    return LEFT + inner_w * (index + 0.5) / max(count, 1)


def _y(value: int, top: int) -> float:
    inner_h = HEIGHT - TOP - BOTTOM
    return TOP + inner_h - inner_h * value / top


def _legend(series: list[Series]) -> tuple[list[str], int]:
    """The legend under the chart, wrapped onto as many lines as it needs; and its extra height."""
    parts, x, line = [], LEFT, 0
    for index, one in enumerate(series):
        width = 20 + 6.2 * len(one.label)
        if x > LEFT and x + width > WIDTH - RIGHT:
            x, line = LEFT, line + 1
        y = HEIGHT - 22 + 16 * line
        parts.append(f'<rect x="{x}" y="{y}" width="10" height="10" fill="{PALETTE[index % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 14}" y="{y + 9}" font-size="11">{escape(one.label)}</text>')
        x += width
    return parts, 16 * line


def _close(parts: list[str], series: list[Series]) -> Markup:
    legend, extra = _legend(series)
    parts[0] = parts[0].replace(f'viewBox="0 0 {WIDTH} {HEIGHT}"', f'viewBox="0 0 {WIDTH} {HEIGHT + extra}"')
    return Markup("".join([*parts, *legend, "</svg>"]))


def _empty(series: list[Series]) -> bool:
    return not any(v for one in series for v in one.values)


def lines(title: str, labels: list[str], series: list[Series], chart_id: str) -> Markup:
    """Week-by-week lines, one per series."""
    top = _scale(max((v for one in series for v in one.values), default=0))
    parts = _frame(title, labels, 0 if _empty(series) else top, chart_id)
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = " ".join(f"{_x(i, len(labels)):.1f},{_y(v, top):.1f}" for i, v in enumerate(one.values))
        if points:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{points}"/>')
        for i, v in enumerate(one.values):
            parts.append(f'<circle cx="{_x(i, len(labels)):.1f}" cy="{_y(v, top):.1f}" r="3.5" '
                         f'fill="{colour}">'
                         f'<title>{escape(one.label)} : {v}</title></circle>')
    return _close(parts, series)


def stacked_bars(title: str, labels: list[str], series: list[Series], chart_id: str) -> Markup:
    """Week-by-week bars, each stacked by series."""
    totals = [sum(one.values[i] for one in series) for i in range(len(labels))]
    top = _scale(max(totals, default=0))
    parts = _frame(title, labels, 0 if _empty(series) else top, chart_id)
    bar = (WIDTH - LEFT - RIGHT) / max(len(labels), 1) * 0.6
    for i in range(len(labels)):
        base = 0
        for index, one in enumerate(series):
            value = one.values[i]
            if not value:
                continue
            y_top, y_base = _y(base + value, top), _y(base, top)
            parts.append(f'<rect x="{_x(i, len(labels)) - bar / 2:.1f}" y="{y_top:.1f}" width="{bar:.1f}" '
                         f'height="{y_base - y_top:.1f}" fill="{PALETTE[index % len(PALETTE)]}">'
                         f'<title>{escape(labels[i])}, {escape(one.label)} : {value}</title></rect>')
            base += value
    return _close(parts, series)
