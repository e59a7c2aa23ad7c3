"""The figures that describe a corpus: what `stats` prints and the dataset card states."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from corpus.models import ROLE_POLICY
from corpus.store import Store
from webarchive.wayback import iso_date


@dataclass(frozen=True, slots=True)
class CorpusSummary:
    domains: int
    policies: int  # tracks: one (domain, kind, language) timeline each
    versions: int
    texts: int
    captures: int
    payloads: int
    first_seen: str | None
    last_seen: str | None
    languages: dict[str, int] = field(default_factory=dict)  # versions per language
    kinds: dict[str, int] = field(default_factory=dict)  # versions per kind
    drops: dict[str, int] = field(default_factory=dict)  # captures per drop reason
    # listed captures not stored: pending (asked again next run), dropped (never again)
    unstored: dict[str, int] = field(default_factory=dict)
    not_fetched: dict[str, int] = field(default_factory=dict)  # dropped, per reason
    # policy captures by how their text is known: fetched, same_bytes, inferred
    known_as: dict[str, int] = field(default_factory=dict)
    flapping: int = 0  # tracks flagged for switching back and forth
    archives: tuple[str, ...] = ()  # where the captures came from
    runs: int = 0
    producer: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def summarise(store: Store) -> CorpusSummary:
    db = store.db

    def scalar(sql: str, *params: object) -> Any:
        return db.execute(sql, params).fetchone()[0]

    first, last = db.execute("SELECT MIN(first_ts), MAX(last_ts) FROM versions").fetchone()
    archives = sorted(
        {
            url.split("/web/", 1)[0]
            for (url,) in db.execute("SELECT DISTINCT archive_url FROM versions")
            if "/web/" in url
        }
    )
    producer = store.meta("producer")
    return CorpusSummary(
        domains=scalar("SELECT COUNT(DISTINCT domain) FROM versions"),
        policies=scalar("SELECT COUNT(*) FROM (SELECT DISTINCT domain, kind, lang FROM versions)"),
        versions=scalar("SELECT COUNT(*) FROM versions"),
        texts=scalar("SELECT COUNT(DISTINCT text_sha) FROM versions"),
        captures=scalar("SELECT COUNT(*) FROM captures WHERE role=?", ROLE_POLICY),
        payloads=scalar("SELECT COUNT(*) FROM payloads"),
        first_seen=iso_date(first) if first else None,
        last_seen=iso_date(last) if last else None,
        languages=dict(db.execute("SELECT lang, COUNT(*) FROM versions GROUP BY lang")),
        kinds=dict(db.execute("SELECT kind, COUNT(*) FROM versions GROUP BY kind")),
        drops=dict(sorted(store.drop_counts().items())),
        unstored=store.outcome_counts(),
        known_as=dict(sorted(store.source_counts().items())),
        not_fetched=dict(
            db.execute(
                "SELECT reason, COUNT(*) FROM capture_outcomes WHERE state='dropped' "
                "GROUP BY reason ORDER BY reason"
            )
        )
        if store.has_table("capture_outcomes")
        else {},
        flapping=scalar(
            "SELECT COUNT(*) FROM (SELECT DISTINCT domain, kind, lang FROM versions WHERE flapping)"
        ),
        archives=tuple(archives),
        runs=scalar("SELECT COUNT(*) FROM runs"),
        producer=json.loads(producer) if producer else {},
    )


def format_summary(summary: CorpusSummary) -> str:
    def counts(values: dict[str, int]) -> str:
        ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        return ", ".join(f"{k} {n}" for k, n in ordered) or "none"

    span = (
        f"{summary.first_seen} to {summary.last_seen}" if summary.first_seen else "no versions yet"
    )
    lines = [
        f"domains      {summary.domains}",
        f"policies     {summary.policies}  (domain, kind and language timelines)",
        f"versions     {summary.versions}  ({summary.texts} distinct texts)",
        f"captures     {summary.captures}  ({summary.payloads} distinct payloads processed; "
        f"{counts(summary.known_as)})",
        f"languages    {counts(summary.languages)}",
        f"kinds        {counts(summary.kinds)}",
        f"date range   {span}",
        f"dropped      {counts(summary.drops)}  (fetched, not a policy)",
        f"not fetched  {counts(summary.not_fetched)}  (dropped for good)",
        f"pending      {summary.unstored.get('pending', 0)} captures the archive failed on; "
        "the next run asks again",
        f"flapping     {summary.flapping} policies switch back and forth between texts",
        f"runs         {summary.runs}",
    ]
    return "\n".join(lines)
