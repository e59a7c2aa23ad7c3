"""What the spiders hand to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.models import Processed, RawCapture


@dataclass(slots=True)
class CaptureItem:
    capture: RawCapture
    processed: Processed | None = None
    links: tuple[str, ...] = ()  # policy links found on a discovery capture
    # the URL asked for when the archive served this capture through a captured redirect
    # (the policy had moved from there)
    moved_from: str | None = None
