"""The dataset card written next to file exports: what the data is and how it was made."""

from __future__ import annotations

from corpus.summary import CorpusSummary

_FIELDS = (
    ("domain", "the website"),
    ("kind", "`privacy`, `terms` or `cookies`"),
    ("lang", "ISO 639-1 language of the text (`und` when undecided)"),
    ("version", "1, 2, ... along the (domain, kind, lang) timeline"),
    ("first_seen", "date of the first capture showing this text"),
    ("last_seen", "date of the last capture showing this text"),
    ("snapshots", "how many captures showed it (read or not)"),
    ("snapshots_fetched", "how many of them were fetched and read"),
    (
        "first_seen_basis",
        "how the first capture's text is known: `fetched`, `same_bytes` (the archive lists "
        "a fetched capture's digest) or `inferred` (between two fetched captures showing it)",
    ),
    ("last_seen_basis", "the same for the last capture"),
    ("url", "the policy's original URL"),
    ("archive_url", "the `id_` replay URL of the capture the version cites (the first read)"),
    ("archive", "the archive (base URL) of that capture"),
    ("archives", "every archive holding one of the version's captures (base URLs)"),
    ("sha256", "sha256 of `text` (UTF-8)"),
    ("path", "the version's markdown file, relative to the data directory"),
    ("text", "the policy as markdown, without the provenance line"),
    ("title", "the page title"),
    ("similarity", "word-level similarity to the previous version (empty for version 1)"),
    ("words_added", "words added since the previous version"),
    ("words_removed", "words removed since the previous version"),
    ("revert_of", "an earlier version whose text this one brings back"),
    ("flapping", "the timeline switches back and forth between texts (A/B tests, CDN variants)"),
)


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return name
    return "100K<n<1M" if n < 1_000_000 else "n>1M"


def dataset_card(summary: CorpusSummary, data_file: str, fmt: str) -> str:
    languages = sorted(lang for lang in summary.languages if lang != "und")
    libraries = summary.producer.get("libraries", {})
    settings = summary.producer.get("settings", {})
    front = [
        "---",
        "pretty_name: Website policy versions from the Wayback Machine",
        "language:",
        *(f"- {lang}" for lang in languages),
        "size_categories:",
        f"- {_size_category(summary.versions)}",
        "configs:",
        "- config_name: default",
        "  data_files:",
        f"  - {data_file}",
        "---",
    ]

    def table(values: dict[str, int]) -> list[str]:
        rows = sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
        return ["| value | count |", "| --- | --- |", *(f"| {k} | {n} |" for k, n in rows)]

    body = [
        "",
        "# Website policy versions",
        "",
        f"`{data_file}` ({fmt}) holds one record per distinct version of a website policy, "
        "reconstructed from archived captures. A version is a maximal run of consecutive "
        "captures (by capture time, per domain, kind and language) whose normalised text is "
        "identical; `first_seen` and `last_seen` are the dates of its first and last capture.",
        "",
        "## Contents",
        "",
        f"- domains: {summary.domains}",
        f"- policies (domain, kind, language timelines): {summary.policies}",
        f"- versions: {summary.versions} ({summary.texts} distinct texts)",
        f"- captures: {summary.captures} ({summary.payloads} distinct payloads processed)",
        f"- date range: {summary.first_seen or '-'} to {summary.last_seen or '-'}",
        f"- flapping timelines: {summary.flapping}",
        "",
        "### Languages (versions)",
        "",
        *table(summary.languages),
        "",
        "### Kinds (versions)",
        "",
        *table(summary.kinds),
        "",
        "### Captures dropped, by reason",
        "",
        *(table(summary.drops) if summary.drops else ["none"]),
        "",
        "## Fields",
        "",
        "| field | meaning |",
        "| --- | --- |",
        *(f"| `{name}` | {meaning} |" for name, meaning in _FIELDS),
        "",
        "## Provenance",
        "",
        "Every capture comes from a Wayback-compatible web archive"
        + (f" ({', '.join(summary.archives)})" if summary.archives else "")
        + ". Each version file starts with a line naming the first capture's date and its "
        "`id_` replay URL; check the archived original for the most accurate reproduction. "
        "The raw captures are kept as WARC files, so the corpus can be rebuilt byte for byte.",
        "",
        "## How it was built",
        "",
        "Built with policy-archive: CDX listing, policy URL discovery, raw `id_` fetches "
        "stored as WARC, then decoding, extraction (trafilatura), a policy check, language "
        "split, normalisation and versioning. "
        f"{summary.runs} recorded run(s).",
        "",
        "| library | version |",
        "| --- | --- |",
        *(f"| {name} | {version} |" for name, version in sorted(libraries.items())),
        "",
        f"{len(settings)} processing settings are recorded in `index.sqlite` (table `meta`, "
        "key `producer`).",
        "",
    ]
    return "\n".join(front + body)
