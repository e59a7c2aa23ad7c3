"""Timeline plots: one domain's versions over time, and the corpus's headline figures
(policies per year, median length per year), as PNG and SVG."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from corpus.store import ExportRow

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


def plot_domain(rows: Iterable[ExportRow], domain: str, stem: Path) -> list[Path]:
    """A bar per version across its dates, one row per (kind, language) timeline."""
    tracks: dict[str, list[ExportRow]] = defaultdict(list)
    for row in rows:
        tracks[f"{row.version.kind} / {row.version.lang}"].append(row)
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(11, 1.2 + 0.9 * len(tracks)))
    palette = plt.get_cmap("tab10")
    for y, (_, versions) in enumerate(sorted(tracks.items())):
        for row in versions:
            v = row.version
            d = row.as_dict()
            start = date.fromisoformat(str(d["first_seen"]))
            end = max(date.fromisoformat(str(d["last_seen"])), start + timedelta(_MIN_BAR_DAYS))
            # A reverted text gets the colour of the version it brings back.
            colour = palette(((v.revert_of or v.number) - 1) % 10)
            axes.barh(y, end - start, left=start, height=0.6, color=colour, edgecolor="black")
            axes.text(start, y + 0.38, f"v{v.number}", fontsize=8, va="bottom")
    axes.set_yticks(range(len(tracks)), sorted(tracks))
    axes.set_ylim(-0.6, len(tracks) - 0.1)
    axes.set_title(f"{domain}: policy versions (bar: first to last capture)")
    axes.xaxis_date()
    figure.autofmt_xdate()
    figure.tight_layout()
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


def plot_corpus(rows: Iterable[ExportRow], stem: Path) -> list[Path]:
    figures = year_figures(rows)
    plt = _pyplot()
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    years = [f.year for f in figures]
    top.bar(years, [f.policies for f in figures], color="#4c72b0")
    top.set_ylabel("policies")
    top.set_title("Policies per year")
    bottom.plot(years, [f.median_words for f in figures], marker="o", color="#dd8452")
    bottom.set_ylabel("median length (words)")
    bottom.set_title("Median policy length per year")
    bottom.set_xlabel("year")
    figure.tight_layout()
    try:
        return _save(figure, stem)
    finally:
        plt.close(figure)
