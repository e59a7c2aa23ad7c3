"""`fetch DOMAIN` finds real policies where real homepages link to them, and policies of
small sites in 29 languages; the policy check passes every real policy page.

The real pages are read from ../shared/reference (skipped where it is absent); the
language sites are generated and always run. One `fetch` over all domains per round
(bench.discovery_recall) serves every case of this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.discovery_recall import (
    Case,
    Outcome,
    check_verdicts,
    discover,
    language_cases,
    ota_cases,
    princeton_cases,
)
from tests.reference import REFERENCE, require

HAVE_REFERENCE = (REFERENCE / "princeton").is_dir() and (REFERENCE / "ota").is_dir()
PRINCETON = princeton_cases(REFERENCE) if HAVE_REFERENCE else []
OTA = ota_cases(REFERENCE) if HAVE_REFERENCE else []
LANGUAGES = language_cases()


def _param(case: Case) -> object:
    return pytest.param(case, id=case.name)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    yield discover([*PRINCETON, *OTA, *LANGUAGES], Path(tmp_path_factory.mktemp("discovery")))


def _assert_found(case: Case, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[case.name]
    if case.version:
        assert outcome.versions >= 1, f"no version of {case.url} for {case.domain}: {outcome}"
    else:
        # found, fetched and rejected: a registrar's policy is not the parked site's
        assert outcome.versions == 0
        assert "parked_domain" in outcome.drops, outcome


@pytest.mark.parametrize("case", [_param(c) for c in LANGUAGES])
def test_a_policy_in_each_language_is_found(case: Case, outcomes: dict[str, Outcome]) -> None:
    _assert_found(case, outcomes)


@pytest.mark.skipif(not HAVE_REFERENCE, reason="reference data not found at ../shared/reference")
@pytest.mark.parametrize("case", [_param(c) for c in PRINCETON])
def test_real_policies_of_the_reference_corpus_are_found(
    case: Case, outcomes: dict[str, Outcome]
) -> None:
    _assert_found(case, outcomes)


@pytest.mark.skipif(not HAVE_REFERENCE, reason="reference data not found at ../shared/reference")
@pytest.mark.parametrize("case", [_param(c) for c in OTA])
def test_real_policies_of_open_terms_archive_are_found(
    case: Case, outcomes: dict[str, Outcome]
) -> None:
    _assert_found(case, outcomes)


def test_the_parked_domains_registrar_policy_never_becomes_a_version(
    outcomes: dict[str, Outcome],
) -> None:
    """Whether or not the link to the registrar's site is followed, no version comes of it."""
    parked = [c for c in PRINCETON if not c.version]
    if not parked:
        pytest.skip("reference data not found at ../shared/reference")
    assert [c.name for c in parked] == ["princeton/abccandy.com"]
    assert outcomes[parked[0].name].versions == 0


def test_discovery_recall(outcomes: dict[str, Outcome], capsys: pytest.CaptureFixture[str]) -> None:
    """The figures: every policy found, on its own domain or on the host its homepage
    links to, in every language."""
    lines = []
    for label, cases in (("languages", LANGUAGES), ("princeton", PRINCETON), ("ota", OTA)):
        if not cases:
            continue
        reachable = [c for c in cases if c.version]
        found = [c for c in reachable if outcomes[c.name].found(c)]
        elsewhere = sum(1 for c in found if c.off_domain)
        lines.append(f"{label} {len(found)}/{len(reachable)} ({elsewhere} on another host)")
        assert found == reachable
    with capsys.disabled():
        print("\ndiscovery recall: " + "; ".join(lines))
    assert len({c.lang for c in LANGUAGES}) >= 25


def test_the_policy_check_passes_every_real_policy(capsys: pytest.CaptureFixture[str]) -> None:
    verdicts = check_verdicts(require(REFERENCE))
    rejected = {name: reason for name, reason in verdicts.items() if reason is not None}
    with capsys.disabled():
        print(f"\npolicy check on {len(verdicts)} real pages: rejected {rejected}")
    # the registrar's policy on a parked domain is the one page that is not the site's
    assert rejected == {"princeton/abccandy.com": "parked_domain"}
    assert len(verdicts) >= 90
