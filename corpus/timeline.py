"""Timeline plots: one domain's versions over time, and the corpus's headline figures
(policies per year, median length per year), as PNG and SVG."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from corpus.store import ExportRow, Store
from webarchive.wayback import iso_date

# Plot files carry no creation date or random ids, so the same corpus draws the same file.
_SVG_SALT = "policy-archive"
_MIN_BAR_DAYS = 30  # a version seen once still needs a visible bar


@dataclass(frozen=True, slots=True)
class YearFigure:
    year: int
    policies: int
    median_words: float


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only; never a window
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = _SVG_SALT
    return plt


def _save(figure: Any, stem: Path) -> list[Path]:
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")]
    figure.savefig(paths[0], dpi=120, metadata={"Software": None})
    figure.savefig(paths[1], metadata={"Date": None, "Creator": None})
    return paths


# How a capture's text is known (captures.source), and how a timeline marks it: a text
# inferred between two fetched captures is never drawn as if it had been seen.
CAPTURE_SOURCES = {
    "fetched": "fetched",
    "same_bytes": "same bytes as a fetched capture",
    "inferred": "inferred (not fetched)",
    "unknown": "recorded before sources were kept",
}
_CAPTURE_MARKERS = {  # matplotlib marker, face colour
    "fetched": ("|", "black"),
    "same_bytes": ("|", "#888888"),
    "inferred": ("o", "none"),
    "unknown": ("x", "#888888"),
}


def capture_marks(
    store: Store, domain: str, kinds: Iterable[str]
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(kind, lang) -> the (timestamp, source) of each capture showing that track's text."""
    marks: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for kind in sorted(set(kinds)):
        for lang, captures in store.tracks(domain, kind).items():
            marks[(kind, lang)] = sorted((c.timestamp, c.source) for c in captures)
    return marks


def lanes(spans: Sequence[tuple[float, float]]) -> list[int]:
    """The lane of each (start, end) span, in the order given: the first lane whose bars
    all ended before this one starts. Bars drawn wider than their dates (a version seen
    on one day) then never hide each other, even when first seen on the same day."""
    ends: list[float] = []
    placed: list[int] = []
    for start, end in spans:
        lane = next((n for n, last in enumerate(ends) if last < start), len(ends))
        if lane == len(ends):
            ends.append(end)
        else:
            ends[lane] = end
        placed.append(lane)
    return placed


def plot_domain(
    rows: Iterable[ExportRow],
    domain: str,
    stem: Path,
    captures: Mapping[tuple[str, str], Sequence[tuple[str, str]]] | None = None,
) -> list[Path]:
    """A bar per version across its dates, one row per (kind, language) timeline; with
    `captures` ((kind, lang) -> (timestamp, source) pairs), a mark per capture under it."""
    tracks: dict[tuple[str, str], list[ExportRow]] = defaultdict(list)
    for row in rows:
        tracks[(row.version.kind, row.version.lang)].append(row)
    plt = _pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    placed: dict[tuple[str, str], list[tuple[ExportRow, date, date, int]]] = {}
    for track, versions in sorted(tracks.items()):
        versions.sort(key=lambda r: r.version.number)
        spans = []
        for row in versions:
            start = date.fromisoformat(iso_date(row.version.first_ts))
            last = date.fromisoformat(iso_date(row.version.last_ts))
            spans.append((start, max(last, start + timedelta(_MIN_BAR_DAYS))))
        numbers = lanes([(a.toordinal(), b.toordinal()) for a, b in spans])
        placed[track] = [
            (r, a, b, n) for r, (a, b), n in zip(versions, spans, numbers, strict=True)
        ]
    heights = {track: max(n for *_, n in bars) + 1 for track, bars in placed.items()}
    inches = 2.9 + 0.6 * sum(heights.values())
    figure, axes = plt.subplots(figsize=(11, inches))
    palette = plt.get_cmap("tab10")
    ticks, names = [], []
    base = 0.0
    for track, bars in reversed(placed.items()):
        height = heights[track]
        for row, start, end, lane in bars:
            v = row.version
            y = base + height - 1 - lane  # the first lane on top
            # A reverted text gets the colour of the version it brings back, hatched.
            axes.barh(
                y,
                end - start,
                left=start,
                height=0.5,
                color=palette(((v.revert_of or v.number) - 1) % 10),
                edgecolor="#d62728" if v.flapping else "black",
                linewidth=1.6 if v.flapping else 0.8,
                hatch="//" if v.revert_of else None,
            )
            axes.text(start, y + 0.27, f"v{v.number}", fontsize=8, va="bottom")
        for ts, source in (captures or {}).get(track, ()):
            marker, face = _CAPTURE_MARKERS.get(source, _CAPTURE_MARKERS["unknown"])
            when = date.fromisoformat(iso_date(ts))
            axes.plot(
                [when],
                [base - 0.42],
                marker=marker,
                markersize=6,
                color="black",
                markerfacecolor=face,
                linestyle="none",
            )
        ticks.append(base + (height - 1) / 2)
        names.append(f"{track[0]} / {track[1]}")
        base += height + 0.4
    axes.set_yticks(ticks, names)
    axes.set_ylim(-0.8, base - 0.3)
    axes.set_title(f"{domain}: policy versions")
    axes.margins(x=0.02)
    axes.xaxis_date()
    legend: list[Any] = [
        Patch(facecolor=palette(0), edgecolor="black", label="version: first to last capture"),
        Patch(
            facecolor="white",
            edgecolor="black",
            hatch="//",
            label="brings back an earlier text (its colour)",
        ),
        Patch(facecolor="white", edgecolor="#d62728", linewidth=1.6, label="flapping track"),
    ]
    if captures:
        shown = sorted({source for marks in captures.values() for _, source in marks})
        for source in shown:
            marker, face = _CAPTURE_MARKERS.get(source, _CAPTURE_MARKERS["unknown"])
            legend.append(
                Line2D(
                    [],
                    [],
                    marker=marker,
                    color="black",
                    markerfacecolor=face,
                    linestyle="none",
                    label=f"capture: {CAPTURE_SOURCES.get(source, source)}",
                )
            )
    # Below the plot, clear of the dates: a strip of the figure kept for it.
    figure.legend(handles=legend, loc="lower center", ncol=3, fontsize=8, frameon=False)
    figure.autofmt_xdate()
    figure.tight_layout(rect=(0, 1.1 / inches, 1, 1))
    try:
        return _save(figure, stem)
    finally:
        plt.close(figure)


def year_figures(rows: Iterable[ExportRow]) -> list[YearFigure]:
    """Per year: policies with a capture that year, and the median length of the text each
    showed last that year (the reference corpus's headline figures)."""
    latest: dict[tuple[int, tuple[str, str, str]], tuple[str, int]] = {}
    for row in rows:
        v = row.version
        track = (v.domain, v.kind, v.lang)
        words = len(row.text.split())
        for year in range(int(v.first_ts[:4]), int(v.last_ts[:4]) + 1):
            held = latest.get((year, track))
            if held is None or v.first_ts > held[0]:
                latest[(year, track)] = (v.first_ts, words)
    per_year: dict[int, list[int]] = defaultdict(list)
    for (year, _), (_, words) in latest.items():
        per_year[year].append(words)
    return [
        YearFigure(year, len(lengths), float(statistics.median(lengths)))
        for year, lengths in sorted(per_year.items())
    ]


def year_series(figures: Sequence[YearFigure]) -> list[tuple[int, YearFigure | None]]:
    """Every year from the first figure's to the last's, None where there is no data: a
    chart leaves a gap there, never a line drawn across as if it had been measured."""
    by_year = {f.year: f for f in figures}
    if not figures:
        return []
    return [(year, by_year.get(year)) for year in range(figures[0].year, figures[-1].year + 1)]


def plot_corpus(rows: Iterable[ExportRow], stem: Path) -> list[Path]:
    figures = year_figures(rows)
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    series = year_series(figures)
    years = [year for year, _ in series]
    top.bar(years, [f.policies if f else 0 for _, f in series], color="#4c72b0")
    top.set_ylabel("policies")
    top.set_title("Policies per year")
    top.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 2.5 policies
    medians = [f.median_words if f else float("nan") for _, f in series]
    bottom.plot(years, medians, marker="o", color="#dd8452")
    bottom.set_ylabel("median length (words)")
    bottom.set_title("Median policy length per year")
    bottom.set_xlabel("year")
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    try:
        return _save(figure, stem)
    finally:
        plt.close(figure)
