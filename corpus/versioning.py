"""Timelines: maximal runs of consecutive captures that show the same text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from corpus.models import TrackCapture


@dataclass(frozen=True, slots=True)
class Run:
    first: TrackCapture
    last: TrackCapture
    snapshots: int

    @property
    def text_sha(self) -> str:
        return self.first.text_sha


def build_runs(captures: Iterable[TrackCapture]) -> list[Run]:
    """Versions of one track; depends only on the set of captures, not their order."""
    ordered = sorted(set(captures), key=lambda c: (c.timestamp, c.text_sha, c.url))
    runs: list[Run] = []
    for capture in ordered:
        if runs and runs[-1].text_sha == capture.text_sha:
            previous = runs[-1]
            runs[-1] = Run(previous.first, capture, previous.snapshots + 1)
        else:
            runs.append(Run(capture, capture, 1))
    return runs
