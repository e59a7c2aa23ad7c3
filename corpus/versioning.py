"""Timelines: maximal runs of consecutive captures that show the same text, and the
versions they become. Everything here depends only on the set of captures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from corpus.diff import Change
from corpus.models import SOURCE_FETCHED, SOURCE_SAME_BYTES, TrackCapture, Version
from corpus.render import version_path
from webarchive.wayback import citation_url, iso_date

# A track that returns to an earlier text this many times is flagged: A/B tests, two CDN
# variants or a broken deploy, rather than the site changing its policy back and forth.
VERSIONS_FLAP_REVERTS = 2


# The capture a version cites (its provenance line and `archive_url`): the first one read,
# else the first the archive lists with a read capture's digest, else the first.
_CITE_ORDER = {SOURCE_FETCHED: 0, SOURCE_SAME_BYTES: 1}


@dataclass(frozen=True, slots=True)
class Run:
    first: TrackCapture
    last: TrackCapture
    snapshots: int
    fetched: int = 0  # of `snapshots`, the captures whose own bytes were read
    cited: TrackCapture | None = None  # None: `first`

    @property
    def text_sha(self) -> str:
        # The first capture's text stands for the run: the earliest wording of the version.
        return self.first.text_sha

    @property
    def key(self) -> str:
        return self.first.key


def _order(capture: TrackCapture) -> tuple[str, str, str, str, str]:
    # A total order: captures sharing a timestamp still sort the same way every time.
    return (capture.timestamp, capture.key, capture.text_sha, capture.url, capture.archive_url)


def group_runs(captures: Iterable[TrackCapture]) -> list[list[TrackCapture]]:
    """The captures of each version of one track, in timeline order."""
    groups: list[list[TrackCapture]] = []
    for capture in sorted(set(captures), key=_order):
        if groups and groups[-1][0].key == capture.key:
            groups[-1].append(capture)
        else:
            groups.append([capture])
    return groups


def build_runs(captures: Iterable[TrackCapture]) -> list[Run]:
    """Versions of one track; depends only on the set of captures, not their order."""
    return [
        Run(
            group[0],
            group[-1],
            len(group),
            sum(1 for capture in group if capture.source == SOURCE_FETCHED),
            min(group, key=_cite_rank),  # the first of the best rank
        )
        for group in group_runs(captures)
    ]


def _cite_rank(capture: TrackCapture) -> int:
    return _CITE_ORDER.get(capture.source, len(_CITE_ORDER))


def build_versions(
    domain: str,
    kind: str,
    tracks: Mapping[str, Iterable[TrackCapture]],
    change: Callable[[str, str], Change],
) -> list[Version]:
    """The versions of every language track of (domain, kind).

    `change(old_sha, new_sha)` measures the edit between two stored texts.
    """
    versions: list[Version] = []
    for lang in sorted(tracks):
        runs = build_runs(tracks[lang])
        used: dict[str, int] = defaultdict(int)
        seen: dict[str, int] = {}
        track: list[Version] = []
        for number, run in enumerate(runs, start=1):
            date = iso_date(run.first.timestamp)
            cited = run.cited or run.first
            used[date] += 1
            measured = change(runs[number - 2].text_sha, run.text_sha) if number > 1 else None
            track.append(
                Version(
                    domain=domain,
                    kind=kind,
                    lang=lang,
                    number=number,
                    first_ts=run.first.timestamp,
                    last_ts=run.last.timestamp,
                    snapshots=run.snapshots,
                    url=run.first.url,
                    archive_url=citation_url(cited.archive_url, cited.url),
                    text_sha=run.text_sha,
                    path=version_path(domain, kind, lang, date, used[date]),
                    similarity=measured.similarity if measured else None,
                    words_added=measured.words_added if measured else 0,
                    words_removed=measured.words_removed if measured else 0,
                    revert_of=seen.get(run.key),
                    snapshots_fetched=run.fetched,
                    first_source=run.first.source,
                    last_source=run.last.source,
                    cited_ts=cited.timestamp,
                )
            )
            seen.setdefault(run.key, number)
        reverts = sum(1 for v in track if v.revert_of is not None)
        if reverts >= VERSIONS_FLAP_REVERTS:
            track = [replace(v, flapping=True) for v in track]
        versions.extend(track)
    return versions
