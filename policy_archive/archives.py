"""The archives a crawl reads: repeatable `--archive` values and a small archives file.

The file (TOML) names archives with their dialect and budgets:

    [archive.ia]
    url = "https://web.archive.org"
    dialect = "ia"            # ia | pywb | memento
    cdx_per_minute = 20       # listing budget of this archive's host (TimeMaps count here)
    replay_per_minute = 60

    [archive.arquivo]
    url = "https://arquivo.pt/wayback"
    dialect = "memento"
    timemap = "link"          # memento: link (default) or json

`--archive NAME` picks a named archive of the file; `--archive URL` (or `pywb+URL`,
`memento+URL`) names one directly; without `--archive`, every archive of the file is read,
in the file's order (the first listed is asked first for a capture several hold).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from webarchive.wayback import (
    DEFAULT_ARCHIVE,
    DIALECT_IA,
    DIALECTS,
    TIMEMAP_FORMATS,
    Archive,
    ArchiveUrlError,
)

_KEYS = {"url", "dialect", "cdx_per_minute", "replay_per_minute", "timemap"}


def load_archives_file(path: Path) -> dict[str, Archive]:
    """The named archives of an archives file; a bad file is an ArchiveUrlError (one line)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ArchiveUrlError(f"cannot read the archives file {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ArchiveUrlError(f"the archives file {path} is not TOML: {exc}") from exc
    table = data.get("archive")
    if not isinstance(table, dict) or not table:
        raise ArchiveUrlError(f"the archives file {path} names no [archive.NAME] table")
    archives: dict[str, Archive] = {}
    for name, entry in table.items():
        where = f"{path}: archive {name!r}"
        if not isinstance(entry, dict):
            raise ArchiveUrlError(f"{where} is not a table")
        unknown = set(entry) - _KEYS
        if unknown:
            raise ArchiveUrlError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        dialect = str(entry.get("dialect", DIALECT_IA))
        if dialect not in DIALECTS:
            raise ArchiveUrlError(f"{where}: dialect must be one of {', '.join(DIALECTS)}")
        timemap = str(entry.get("timemap", "link"))
        if timemap not in TIMEMAP_FORMATS:
            raise ArchiveUrlError(f"{where}: timemap must be one of {', '.join(TIMEMAP_FORMATS)}")
        if "url" not in entry:
            raise ArchiveUrlError(f"{where} has no url")
        spec = str(entry["url"]) if dialect == DIALECT_IA else f"{dialect}+{entry['url']}"
        try:
            archive = Archive.parse(spec)
        except ArchiveUrlError as exc:
            raise ArchiveUrlError(f"{where}: {exc}") from exc
        archives[name] = replace(
            archive,
            name=name,
            cdx_per_minute=_rate(entry.get("cdx_per_minute"), where),
            replay_per_minute=_rate(entry.get("replay_per_minute"), where),
            timemap=timemap,
        )
    return archives


def _rate(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ArchiveUrlError(f"{where}: a budget is a number of requests a minute (0: none)")
    return float(value)


def select_archives(values: Sequence[str] | None, file: Path | None) -> tuple[Archive, ...]:
    """The archives of a crawl from `--archive` values and `--archives FILE`, each once."""
    named = load_archives_file(file) if file is not None else {}
    chosen: list[Archive] = []
    for value in values or (list(named) if named else [DEFAULT_ARCHIVE]):
        archive = named.get(value)
        if archive is None:
            if "://" not in value and file is not None:
                raise ArchiveUrlError(f"no archive named {value!r} in {file}")
            archive = Archive.parse(value)
        if all(archive.base != a.base for a in chosen):
            chosen.append(archive)
    return tuple(chosen)
