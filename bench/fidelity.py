"""Token-level F1 of our extracted text against Open Terms Archive's hand-selected markdown.

Run `python -m bench.fidelity [REFERENCE_DIR]`; the reference sample is read where it
lies (default `../shared/reference/ota` from the project root) and never copied.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from corpus.decoding import decode_html
from corpus.process import extract_policy

DEFAULT_REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "ota"

# A token is a run of letters, digits and combining marks (Indic vowel signs are marks,
# and splitting words at them would make Hindi look better or worse than it is); Han,
# Kana and Hangul count per character since those scripts put no spaces between words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|(?:[^\W_{_CJK}]|[\u0300-\u036f\u0900-\u0dff])+")
# Markdown link targets and bare URLs are not text a reader sees.
_LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_URL = re.compile(r"<?https?://\S+>?")


def tokens(markdown: str, once: bool = False) -> Counter[str]:
    """The bag of words of a markdown text; with `once`, a line repeated word for word
    counts once (pages that carry the same table twice, for desktop and for mobile)."""
    text = _URL.sub(" ", _LINK_TARGET.sub("] ", markdown))
    if once:
        text = "\n".join(dict.fromkeys(" ".join(line.split()) for line in text.splitlines()))
    return Counter(token.casefold() for token in _TOKEN.findall(text))


def f1(ours: Counter[str], reference: Counter[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of two bags of tokens."""
    common = sum((ours & reference).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision = common / sum(ours.values())
    recall = common / sum(reference.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


@dataclass(frozen=True, slots=True)
class DocumentScore:
    name: str
    snapshots: int
    precision: float
    recall: float
    f1: float
    f1_once: float  # with repeated lines counted once on both sides


@dataclass(frozen=True, slots=True)
class Pairing:
    name: str
    version: Path
    snapshots: tuple[tuple[Path, str], ...]  # (file, source url), several for multi-page terms
    kind: str | None  # None for documents of a kind the pipeline has no name for


def pairings(reference: Path) -> tuple[list[Pairing], list[str]]:
    """Every version with its HTML snapshots; versions only reachable from a PDF are skipped."""
    grouped: dict[str, list[dict[str, str]]] = {}
    with (reference / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            grouped.setdefault(row["version_path"], []).append(row)
    found: list[Pairing] = []
    skipped: list[str] = []
    for version, rows in sorted(grouped.items()):
        html = [r for r in rows if r["snapshot_path"].endswith(".html")]
        if not html:
            skipped.append(f"{version} (snapshot is {Path(rows[0]['snapshot_path']).suffix})")
            continue
        snapshots = tuple(
            (reference / r["snapshot_path"], r["source_url"])
            for r in sorted(html, key=lambda r: r["snapshot_path"])
        )
        kind = _KINDS.get(rows[0]["document_type"])
        found.append(Pairing(version, reference / version, snapshots, kind))
    return found, skipped


_KINDS = {"Privacy Policy": "privacy", "Terms of Service": "terms"}


def our_text(path: Path, url: str, kind: str | None = None) -> str:
    """What the pipeline keeps of a page, before the language split cuts it up."""
    decoded = decode_html(path.read_bytes())
    return extract_policy(decoded.text, url, kind).markdown


def score(pairing: Pairing) -> DocumentScore:
    # Multi-page terms are one version made of several pages: compare the bags of all.
    texts = [our_text(path, url, pairing.kind) for path, url in pairing.snapshots]
    ours: Counter[str] = Counter()
    ours_once: Counter[str] = Counter()
    for text in texts:
        ours.update(tokens(text))
        ours_once.update(tokens(text, once=True))
    markdown = pairing.version.read_text(encoding="utf-8")
    precision, recall, value = f1(ours, tokens(markdown))
    once = f1(ours_once, tokens(markdown, once=True))[2]
    return DocumentScore(pairing.name, len(pairing.snapshots), precision, recall, value, once)


def run(reference: Path) -> list[DocumentScore]:
    found, _ = pairings(reference)
    return [score(p) for p in found]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", nargs="?", type=Path, default=DEFAULT_REFERENCE)
    args = parser.parse_args(argv)
    reference: Path = args.reference
    if not (reference / "manifest.csv").is_file():
        print(f"no reference sample at {reference}: nothing to measure", file=sys.stderr)
        return 0
    found, skipped = pairings(reference)
    scores = [score(p) for p in found]
    print(f"{'document':<72} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} {'F1once':>6}")
    for s in scores:
        print(
            f"{s.name:<72} {s.snapshots:>5} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}"
            f" {s.f1_once:6.3f}"
        )
    for name in skipped:
        print(f"skipped: {name}")
    print(f"\n{len(scores)} documents")
    for label, values in (
        ("F1", [s.f1 for s in scores]),
        ("F1, repeated lines once", [s.f1_once for s in scores]),
    ):
        worst = min(zip(values, scores, strict=True), key=lambda pair: pair[0])
        print(
            f"{label}: mean {statistics.fmean(values):.3f}, median {statistics.median(values):.3f},"
            f" min {worst[0]:.3f} ({worst[1].name}), below 0.75: {sum(v < 0.75 for v in values)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
