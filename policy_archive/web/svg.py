"""Charts drawn on the server as SVG, so that pages need no script: a domain's timelines
and the corpus's figures per year."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from corpus.timeline import CAPTURE_SOURCES, YearFigure, lanes, year_series
from webarchive.wayback import iso_date

_WIDTH = 960
_LEFT = 70  # room for the track names
_RIGHT = 16
_LANE = 22  # height of one lane of bars
_MIN_BAR = 8  # px: a version seen on one day still shows as a bar
_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Bar:
    """One version on a timeline."""

    number: int
    first_ts: str
    last_ts: str
    href: str
    revert_of: int | None = None
    flapping: bool = False


def _day(ts: str) -> date:
    return date.fromisoformat(iso_date(ts))


def timeline_svg(
    tracks: Mapping[str, Sequence[Bar]],
    captures: Mapping[str, Sequence[tuple[str, str]]],
    label: str,
) -> Markup:
    """One row per track (language), bars across each version's dates, a mark per capture
    beneath (fetched: a solid tick, same bytes: a grey tick, inferred: a hollow circle)."""
    days = [_day(ts) for bars in tracks.values() for b in bars for ts in (b.first_ts, b.last_ts)]
    days += [_day(ts) for marks in captures.values() for ts, _ in marks]
    start = date(min(days).year, 1, 1)
    end = date(max(days).year + 1, 1, 1)
    span = (end - start).days
    scale = (_WIDTH - _LEFT - _RIGHT) / span

    def x(day: date) -> float:
        return _LEFT + (day - start).days * scale

    parts: list[str] = []
    y = 8.0
    for name, bars in tracks.items():
        spans = [
            (x(_day(b.first_ts)), max(x(_day(b.last_ts)), x(_day(b.first_ts)) + _MIN_BAR))
            for b in bars
        ]
        placed = lanes([(a, b + 2) for a, b in spans])  # 2 px apart at least
        rows = max(placed, default=0) + 1
        parts.append(
            f'<g class="track" data-lang="{escape(name)}">'
            f'<text class="track-name" x="4" y="{y + rows * _LANE / 2 + 4:.1f}">{escape(name)}</text>'
        )
        for bar, (x0, x1), lane in zip(bars, spans, placed, strict=True):
            top = y + lane * _LANE
            colour = _PALETTE[((bar.revert_of or bar.number) - 1) % len(_PALETTE)]
            classes = (
                "version"
                + (" revert" if bar.revert_of else "")
                + (" flapping" if bar.flapping else "")
            )
            opacity = ' fill-opacity="0.55"' if bar.revert_of else ""
            tip = f"v{bar.number}: {iso_date(bar.first_ts)} to {iso_date(bar.last_ts)}"
            if bar.revert_of:
                tip += f", brings back v{bar.revert_of}"
            parts.append(
                f'<a class="{classes}" href="{escape(bar.href)}" data-version="{bar.number}">'
                f"<title>{escape(tip)}</title>"
                f'<rect x="{x0:.1f}" y="{top + 2:.1f}" width="{x1 - x0:.1f}" height="{_LANE - 8}" '
                f'fill="{colour}"{opacity}/>'
                f'<text x="{x0 + 2:.1f}" y="{top + _LANE - 9:.1f}" class="bar-label">v{bar.number}</text></a>'
            )
        y += rows * _LANE
        marks_y = y + 4
        for ts, source in captures.get(name, ()):
            cx = x(_day(ts))
            tip = escape(f"capture {iso_date(ts)} ({CAPTURE_SOURCES.get(source, source)})")
            css = f"capture {escape(source)}"
            if source == "inferred":
                shape = f'<circle cx="{cx:.1f}" cy="{marks_y + 4:.1f}" r="3.5"/>'
            else:
                shape = (
                    f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{marks_y:.1f}" y2="{marks_y + 9:.1f}"/>'
                )
            parts.append(f'<g class="{css}"><title>{tip}</title>{shape}</g>')
        parts.append("</g>")
        y += 22
    axis = y
    for year in range(start.year, end.year + 1):
        gx = x(date(year, 1, 1))
        parts.append(f'<line class="grid" x1="{gx:.1f}" x2="{gx:.1f}" y1="4" y2="{axis:.1f}"/>')
        step = max(1, (end.year - start.year) // 12)
        if year < end.year and (year - start.year) % step == 0:
            parts.append(f'<text class="year" x="{gx + 2:.1f}" y="{axis + 14:.1f}">{year}</text>')
    height = axis + 22
    return Markup(
        f'<svg class="timeline" viewBox="0 0 {_WIDTH} {height:.0f}" role="img" '
        f'aria-label="{escape(label)}">' + "".join(parts) + "</svg>"
    )


def year_chart_svg(figures: Sequence[YearFigure], field: str, label: str, line: bool) -> Markup:
    """A figure per year of the corpus, as bars (counts) or a line (medians) broken where a
    year has no data; the axis shows whole numbers only."""
    if not figures:
        return Markup("")
    series = year_series(figures)
    values = {year: float(getattr(f, field)) for year, f in series if f is not None}
    years = [year for year, _ in series]
    top = max(values.values()) or 1.0
    step = _nice_step(top)
    ceiling = step * -(-top // step)
    width, height, left, bottom = 960, 220, 56, 24
    inner_w, inner_h = width - left - 10, height - bottom - 10
    slot = inner_w / len(years)

    def y(value: float) -> float:
        return 10 + inner_h * (1 - value / ceiling)

    parts = []
    tick = 0.0
    while tick <= ceiling:
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - 10}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="tick" x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{int(tick)}</text>'
        )
        tick += step
    label_every = max(1, len(years) // 12)
    segment: list[str] = []
    segments: list[list[str]] = []
    for n, year in enumerate(years):
        cx = left + slot * (n + 0.5)
        if n % label_every == 0:
            parts.append(
                f'<text class="year" x="{cx:.1f}" y="{height - 6}" text-anchor="middle">{year}</text>'
            )
        value = values.get(year)
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        title = f"<title>{year}: {value:g}</title>"
        if line:
            segment.append(f"{cx:.1f},{y(value):.1f}")
            parts.append(
                f'<circle class="point" cx="{cx:.1f}" cy="{y(value):.1f}" r="3">{title}</circle>'
            )
        else:
            parts.append(
                f'<rect class="bar" x="{cx - slot * 0.4:.1f}" y="{y(value):.1f}" width="{slot * 0.8:.1f}" '
                f'height="{y(0) - y(value):.1f}">{title}</rect>'
            )
    if segment:
        segments.append(segment)
    for points in segments:
        parts.append(f'<polyline class="line" points="{" ".join(points)}"/>')
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
        + "".join(parts)
        + "</svg>"
    )


def _nice_step(top: float) -> float:
    """A whole-number grid step giving about five lines up to `top`."""
    raw = max(top / 5, 1.0)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)
