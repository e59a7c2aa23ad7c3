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
from corpus.extraction import extract_markdown

DEFAULT_REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "ota"

# A token is a run of letters, digits and combining marks (Indic vowel signs are marks,
# and splitting words at them would make Hindi look better or worse than it is); Han,
# Kana and Hangul count per character since those scripts put no spaces between words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|(?:[^\W_{_CJK}]|[\u0300-\u036f\u0900-\u0dff])+")
# Markdown link targets and bare URLs are not text a reader sees.
_LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_URL = re.compile(r"<?https?://\S+>?")


def tokens(markdown: str) -> Counter[str]:
    text = _URL.sub(" ", _LINK_TARGET.sub("] ", markdown))
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


@dataclass(frozen=True, slots=True)
class Pairing:
    name: str
    version: Path
    snapshots: tuple[tuple[Path, str], ...]  # (file, source url), several for multi-page terms


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
        found.append(Pairing(version, reference / version, snapshots))
    return found, skipped


def our_text(path: Path, url: str) -> str:
    decoded = decode_html(path.read_bytes())
    return extract_markdown(decoded.text, url).markdown


def score(pairing: Pairing) -> DocumentScore:
    # Multi-page terms are one version made of several pages: compare the bags of all.
    ours: Counter[str] = Counter()
    for path, url in pairing.snapshots:
        ours.update(tokens(our_text(path, url)))
    reference = tokens(pairing.version.read_text(encoding="utf-8"))
    precision, recall, value = f1(ours, reference)
    return DocumentScore(pairing.name, len(pairing.snapshots), precision, recall, value)


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
    print(f"{'document':<70} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6}")
    for s in scores:
        print(f"{s.name:<70} {s.snapshots:>5} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}")
    for name in skipped:
        print(f"skipped: {name}")
    values = [s.f1 for s in scores]
    worst = min(scores, key=lambda s: s.f1)
    print(
        f"\n{len(scores)} documents: mean F1 {statistics.fmean(values):.3f}, "
        f"median {statistics.median(values):.3f}, min {worst.f1:.3f} ({worst.name})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
