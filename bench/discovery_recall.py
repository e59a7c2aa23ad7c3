"""Discovery recall on real pages and on small sites in 29 languages; policy-check recall
on every real page.

    .venv/bin/python -m bench.discovery_recall [REFERENCE_DIR]

For each real policy page of the reference sample (`princeton/`: 40 pages of the
Princeton-Leuven corpus at their real URLs; `ota/`: Open Terms Archive's privacy
documents at theirs) and for one small generated site per language
(localarchive.languages), a local archive holds the policy page at its URL plus a homepage
of the domain whose footer links to it among other links, with the anchor text sites in
that language use. `fetch DOMAIN` must find the policy and make a version of it; one page,
a registrar's policy shown for a parked domain, must be fetched and rejected instead.
The reference is read where it lies (default `../shared/reference` from the project
root) and never copied.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

from corpus.models import ROLE_POLICY, RawCapture
from corpus.process import process_capture
from crawler.discovery import canonical_url, host_in_domain
from localarchive.languages import LANGUAGES, SiteLanguage, home_page, policy_page
from localarchive.server import LocalArchive
from localarchive.worlds import Page, write_world

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = ROOT.parent / "shared" / "reference"
KIND = "privacy"
# The reference pages' first line is the corpus's provenance comment, not the page's.
_PROVENANCE_END = b"-->"
# Real homepages' footers name the policy in a few ways; each case takes one by its name.
_ENGLISH_ANCHORS = ("Privacy Policy", "Privacy", "Privacy Statement", "Privacy Notice")
_FRENCH_ANCHORS = ("Politique de confidentialité", "Confidentialité", "Données personnelles")
_GERMAN_ANCHORS = ("Datenschutz", "Datenschutzrichtlinie")
_HINDI_ANCHORS = ("गोपनीयता नीति",)
# What the reference's README says the policy check must reject: the registrar's own
# policy shown for a parked domain (the reference corpus kept it).
REJECTED = {"abccandy.com": "parked_domain"}
_OTA_LANGS = {"demo": "en", "sante-numerique-france": "fr", "cote-d-ivoire": "fr",
              "india": "hi", "de-proto": "de"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Case:
    name: str  # princeton/<domain>, ota/<service>_<collection>, languages/<lang>
    domain: str  # the domain `fetch` is given
    url: str  # where the policy is
    timestamp: str
    body: bytes
    content_type: str
    lang: str  # of the homepage that links to it
    anchor: str
    version: bool = True  # False: the policy check must reject the page (parked domain)

    @property
    def off_domain(self) -> bool:
        return not host_in_domain(urlsplit(self.url).hostname or "", self.domain)


@dataclass(slots=True)
class Outcome:
    versions: int = 0  # versions of the domain at the policy's URL
    drops: list[str] = field(default_factory=list)  # reasons the policy URL was dropped

    def found(self, case: Case) -> bool:
        """Discovery found the policy and the pipeline did what it should with it."""
        return self.versions > 0 if case.version else "parked_domain" in self.drops


def _without_provenance(raw: bytes) -> bytes:
    end = raw.find(_PROVENANCE_END)
    return raw[end + len(_PROVENANCE_END) :].lstrip(b"\r\n") if raw.startswith(b"<!--") else raw


def _pick(options: Sequence[str], name: str) -> str:
    return options[sum(name.encode()) % len(options)]


def princeton_cases(reference: Path) -> list[Case]:
    """The 40 pages of princeton/ at their real URLs, for their domains."""
    folder = reference / "princeton"
    with (folder / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    cases = []
    for row in rows:
        domain = row["domain"]
        body = _without_provenance((folder / f"{domain}.html").read_bytes())
        cases.append(
            Case(
                f"princeton/{domain}",
                domain,
                row["original_url"],
                row["html_timestamp"],
                body,
                "text/html",
                "en",
                _pick(_ENGLISH_ANCHORS, domain),
                version=domain not in REJECTED,
            )
        )
    return cases


def _registered(host: str) -> str:
    return ".".join(host.split(".")[-2:])


def ota_cases(reference: Path) -> list[Case]:
    """Each privacy document of ota/ (its first snapshot) at its real URL, for the domain
    of that URL; documents only published as PDF are kept with their PDF bytes."""
    folder = reference / "ota"
    with (folder / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["document_type"] == "Privacy Policy"]
    cases: dict[str, Case] = {}
    for row in sorted(rows, key=lambda r: r["date"]):
        name = f"ota/{row['service']}_{row['collection']}"
        if name in cases:
            continue
        stamp = datetime.strptime(row["date"], "%Y-%m-%dT%H:%M:%SZ").strftime("%Y%m%d%H%M%S")
        path = folder / row["snapshot_path"]
        pdf = path.suffix == ".pdf"
        lang = _OTA_LANGS[row["collection"]]
        anchors = {"fr": _FRENCH_ANCHORS, "de": _GERMAN_ANCHORS, "hi": _HINDI_ANCHORS}
        cases[name] = Case(
            name,
            _registered(urlsplit(row["source_url"]).hostname or ""),
            row["source_url"],
            stamp,
            path.read_bytes(),
            "application/pdf" if pdf else "text/html; charset=utf-8",
            lang,
            _pick(anchors.get(lang, _ENGLISH_ANCHORS), name),
        )
    return list(cases.values())


def language_cases(languages: Iterable[SiteLanguage] = LANGUAGES) -> list[Case]:
    """One small site per language: its policy where sites in that language put it."""
    cases = []
    for n, language in enumerate(languages):
        domain = f"atelier-{language.lang}.example"
        brand = f"Atelier {language.lang.upper()}"
        year = str(2006 + n % 18)
        cases.append(
            Case(
                f"languages/{language.lang}",
                domain,
                f"http://www.{domain}{quote(language.path)}",
                f"{year}0615120000",
                policy_page(language, brand, f"privacy@{domain}", year),
                "text/html; charset=utf-8",
                language.lang,
                language.anchor,
            )
        )
    return cases


def _language(lang: str) -> SiteLanguage:
    return next(language for language in LANGUAGES if language.lang == lang)


def world_pages(cases: Iterable[Case]) -> list[Page]:
    """Each case's policy page, and its domain's homepage the day before, linking to it."""
    pages = []
    for case in cases:
        pages.append(Page(case.url, case.timestamp, case.body, case.content_type))
        parts = urlsplit(case.url)
        home = f"{parts.scheme}://www.{case.domain}/"
        same_host = (parts.hostname or "") == urlsplit(home).hostname
        href = case.url
        if same_host:
            href = parts.path + (f"?{parts.query}" if parts.query else "")
        day_before = datetime.strptime(case.timestamp, "%Y%m%d%H%M%S") - timedelta(days=1)
        brand = case.domain.split(".")[0].replace("-", " ").title()
        body = home_page(_language(case.lang), brand, case.timestamp[:4], href, case.anchor)
        pages.append(Page(home, day_before.strftime("%Y%m%d%H%M%S"), body, "text/html"))
    return pages


def rounds(cases: Sequence[Case]) -> list[list[Case]]:
    """The cases split so that no domain is in a round twice: one policy per homepage."""
    out: list[list[Case]] = []
    for case in cases:
        target = next((r for r in out if all(c.domain != case.domain for c in r)), None)
        if target is None:
            out.append(target := [])
        target.append(case)
    return out


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_archive", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
        check=False,
    )


def discover(cases: Sequence[Case], workdir: Path) -> dict[str, Outcome]:
    """Runs `fetch` over every case's domain (one run per round) and says what came of
    each case's policy URL."""
    outcomes: dict[str, Outcome] = {}
    for number, group in enumerate(rounds(cases)):
        warcs = workdir / f"round{number}" / "warcs"
        out = workdir / f"round{number}" / "data"
        write_world(warcs, world_pages(group))
        domains = sorted({c.domain for c in group})
        with LocalArchive(warcs) as archive:
            done = _cli("fetch", *domains, "--archive", archive.url, "--out", str(out))
        if not (out / "index.sqlite").exists():
            raise RuntimeError(f"fetch wrote no corpus: {done.stderr.strip()[-2000:]}")
        exported = _cli("export", "--out", str(out), "--format", "jsonl")
        if exported.returncode != 0:
            raise RuntimeError(f"export failed: {exported.stderr.strip()}")
        versions = [json.loads(line) for line in exported.stdout.splitlines()]
        drops = _drops(out)
        for case in group:
            key = canonical_url(case.url)
            outcome = outcomes[case.name] = Outcome()
            outcome.versions = sum(
                1 for v in versions if v["domain"] == case.domain and canonical_url(v["url"]) == key
            )
            outcome.drops = [
                reason
                for domain, url, reason in drops
                if domain == case.domain and canonical_url(url) == key
            ]
    return outcomes


def _drops(out: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(f"file:{out / 'index.sqlite'}?mode=ro", uri=True)
    try:
        return [(d, u, r) for d, u, r in db.execute("SELECT domain, url, reason FROM drops")]
    finally:
        db.close()


def check_verdicts(reference: Path) -> dict[str, str | None]:
    """The policy check's verdict on every real page of the reference, HTML or PDF
    (None: a policy), each judged as a capture of its case's domain."""
    verdicts: dict[str, str | None] = {}
    pages: list[tuple[str, str, str, bytes]] = [
        (c.name, c.domain, c.url, c.body) for c in princeton_cases(reference)
    ]
    folder = reference / "ota"
    with (folder / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["document_type"] != "Privacy Policy":
                continue
            host = urlsplit(row["source_url"]).hostname or ""
            body = (folder / row["snapshot_path"]).read_bytes()
            pages.append(
                (f"ota/{row['snapshot_path']}", _registered(host), row["source_url"], body)
            )
    for name, domain, url, body in pages:
        capture = RawCapture(
            domain=domain,
            kind=KIND,
            role=ROLE_POLICY,
            url=url,
            timestamp="20200101000000",
            archive_url=url,
            digest="-",
            headers=(("Content-Type", "application/pdf" if body[:5] == b"%PDF-" else "text/html"),),
            body=body,
        )
        verdicts[name] = process_capture(capture).drop_reason
    return verdicts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.discovery_recall")
    parser.add_argument("reference", nargs="?", type=Path, default=DEFAULT_REFERENCE)
    args = parser.parse_args(argv)
    reference: Path = args.reference
    if not (reference / "princeton").is_dir() or not (reference / "ota").is_dir():
        print(f"no reference sample at {reference}", file=sys.stderr)
        return 2
    sets = {
        "princeton": princeton_cases(reference),
        "ota": ota_cases(reference),
        "languages": language_cases(),
    }
    with tempfile.TemporaryDirectory(prefix="discovery-recall-") as tmp:
        outcomes = discover([c for cases in sets.values() for c in cases], Path(tmp))
    for label, cases in sets.items():
        found = [c for c in cases if outcomes[c.name].found(c)]
        off = [c for c in cases if c.off_domain]
        off_found = [c for c in off if outcomes[c.name].found(c)]
        print(
            f"discovery {label}: {len(found)}/{len(cases)} found "
            f"({len(found) / len(cases):.1%}); on the domain {len(found) - len(off_found)}/"
            f"{len(cases) - len(off)}, on another domain {len(off_found)}/{len(off)}"
        )
        for case in cases:
            if case not in found:
                where = "another domain" if case.off_domain else "the domain"
                print(f"  missed {case.name}: {case.url} ({where}, {case.content_type})")
    verdicts = check_verdicts(reference)
    expected_rejections = {c.name for c in sets["princeton"] if not c.version}
    policies = [n for n in verdicts if n not in expected_rejections]
    passed = [n for n in policies if verdicts[n] is None]
    print(
        f"policy check: {len(passed)}/{len(policies)} real policies pass "
        f"({len(passed) / len(policies):.1%}); "
        + ", ".join(f"{n} -> {verdicts[n]}" for n in sorted(expected_rejections))
    )
    for name in policies:
        if verdicts[name] is not None:
            print(f"  rejected {name}: {verdicts[name]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
