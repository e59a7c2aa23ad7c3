"""Policy candidates of one domain: what the listing and the links make of its URLs."""

from __future__ import annotations

from crawler.candidates import MAX_FORMS, USER_LINK_WEIGHT, Candidates
from webarchive.cdx import CdxRecord

DOMAIN = "acme-shop.com"


def rec(url: str, ts: str = "20200101120000", status: str = "200") -> CdxRecord:
    return CdxRecord("k", ts, url, "text/html", status, f"D{ts}", "3000")


def homepages_per_year(first: int, last: int) -> Candidates:
    candidates = Candidates(DOMAIN, "privacy")
    for year in range(first, last + 1):
        candidates.collect(rec("https://www.acme-shop.com/", f"{year}0601120000"))
    return candidates


def years(records: list[CdxRecord]) -> list[str]:
    return [r.timestamp[:4] for r in records]


def test_rows_of_the_domain_are_collected_and_look_alike_domains_rejected() -> None:
    candidates = Candidates(DOMAIN, "privacy")
    assert candidates.collect(rec("https://www.acme-shop.com/privacy"))
    assert candidates.collect(rec("https://shop.acme-shop.com/about"))  # subdomain, no score
    assert not candidates.collect(rec("https://notacme-shop.com/privacy"))
    assert not candidates.collect(rec("https://acme-shop.com.evil.net/privacy"))
    assert list(candidates.by_key) == ["acme-shop.com/privacy"]


def test_rows_of_one_page_under_several_spellings_are_one_candidate() -> None:
    candidates = Candidates(DOMAIN, "privacy")
    candidates.collect(rec("http://acme-shop.com/Privacy/", "20190101000000"))
    candidates.collect(rec("https://www.acme-shop.com/privacy?utm_source=x", "20200101000000"))
    # the same capture again (another index shard) is one row
    candidates.collect(rec("https://www.acme-shop.com/privacy?utm_source=x", "20200101000000"))
    assert len(candidates) == 1
    assert [r.timestamp for r in candidates.rows("acme-shop.com/privacy")] == [
        "20190101000000",
        "20200101000000",
    ]


def test_one_homepage_capture_a_year_and_only_answered_200() -> None:
    candidates = Candidates(DOMAIN, "privacy")
    candidates.collect(rec("https://www.acme-shop.com/", "20190101000000", status="301"))
    candidates.collect(rec("https://www.acme-shop.com/", "20190201000000"))
    candidates.collect(rec("https://www.acme-shop.com/index.html", "20190301000000"))
    candidates.collect(rec("https://www.acme-shop.com/", "20200101000000"))
    sample = candidates.sample_homepages(10)
    assert [r.timestamp for r in sample] == ["20190201000000", "20200101000000"]


def test_homepage_sample_spreads_over_the_years_and_keeps_the_ends() -> None:
    sample = homepages_per_year(2010, 2019).sample_homepages(4)
    assert years(sample) == ["2010", "2013", "2016", "2019"]


def test_homepage_sample_under_its_limit_is_every_year() -> None:
    assert years(homepages_per_year(2018, 2020).sample_homepages(5)) == ["2018", "2019", "2020"]


def test_homepage_sample_of_one_is_the_latest_year() -> None:
    assert years(homepages_per_year(2010, 2019).sample_homepages(1)) == ["2019"]


def test_homepage_sample_forgets_the_homepages_it_was_drawn_from() -> None:
    candidates = homepages_per_year(2010, 2012)
    candidates.sample_homepages(2)
    assert candidates.sample_homepages(2) == []


def test_homepage_sample_of_zero_reads_no_homepage() -> None:
    assert homepages_per_year(2010, 2019).sample_homepages(0) == []


def test_link_returns_a_key_only_for_urls_not_seen_yet() -> None:
    candidates = Candidates(DOMAIN, "privacy")
    candidates.collect(rec("https://www.acme-shop.com/privacy"))
    assert candidates.link("https://acme-shop.com/privacy/") is None  # in the listing
    key = candidates.link("https://www.acme-shop.com/legal/data-protection")
    assert key == "acme-shop.com/legal/data-protection"
    assert candidates.link("https://www.acme-shop.com/legal/data-protection") is None
    assert candidates.by_key["acme-shop.com/privacy"].linked == 1
    assert candidates.by_key[key].linked == 2


def test_user_link_is_looked_up_unless_the_listing_has_its_captures() -> None:
    candidates = Candidates(DOMAIN, "privacy")
    candidates.collect(rec("https://www.acme-shop.com/privacy"))
    assert candidates.user_link("https://www.acme-shop.com/privacy") is None
    assert candidates.user_link("https://www.acme-shop.com/legal") == "acme-shop.com/legal"
    assert candidates.by_key["acme-shop.com/legal"].linked == USER_LINK_WEIGHT


def test_user_link_outranks_anything_discovery_found() -> None:
    candidates = Candidates(DOMAIN, "privacy")
    for month in range(1, 10):
        candidates.collect(rec("https://www.acme-shop.com/privacy", f"20200{month}01000000"))
    candidates.link("https://www.acme-shop.com/privacy")
    key = candidates.user_link("https://www.acme-shop.com/legal")
    assert key is not None
    candidates.add_lookup_row(key, rec("https://www.acme-shop.com/legal"))
    assert candidates.rank(5)[0] == "acme-shop.com/legal"


def test_lookup_rows_off_the_domain_are_not_kept() -> None:
    candidates = Candidates(DOMAIN, "privacy")
    key = candidates.link("https://www.acme-shop.com/legal")
    assert key is not None
    candidates.add_lookup_row(key, rec("https://other.com/legal"))
    assert candidates.rows(key) == []
    assert candidates.rank(5) == []  # linked but no capture: nothing to fetch


def test_rank_orders_links_then_path_score_then_captures_and_honours_the_limit() -> None:
    candidates = Candidates(DOMAIN, "privacy")
    candidates.collect(rec("https://www.acme-shop.com/privacy"))  # score 3
    candidates.collect(rec("https://www.acme-shop.com/privacy-policy-2019"))  # score 2
    candidates.collect(rec("https://www.acme-shop.com/privacy/faq"))  # score 1, unlinked
    # score 2 but more captures than the other: ties on score are broken by captures
    for month in range(1, 4):
        candidates.collect(rec("https://www.acme-shop.com/old-privacy", f"20190{month}01000000"))
    # a page linked from two homepage captures, with a weak path, beats every unlinked one
    candidates.collect(rec("https://www.acme-shop.com/privacy/en/faq"))  # score 1
    candidates.link("https://www.acme-shop.com/privacy/en/faq")
    candidates.link("https://www.acme-shop.com/privacy/en/faq")

    ranked = candidates.rank(10)
    assert ranked == [
        "acme-shop.com/privacy/en/faq",
        "acme-shop.com/privacy",
        "acme-shop.com/old-privacy",
        "acme-shop.com/privacy-policy-2019",
    ]
    assert "acme-shop.com/privacy/faq" not in ranked  # neither linked nor clearly named
    assert candidates.rank(2) == ranked[:2]
    assert candidates.rank(0) == []


def test_a_policy_url_that_became_a_redirect_is_a_move_to_read() -> None:
    candidates = Candidates(DOMAIN, "privacy")
    candidates.collect(rec("https://www.acme-shop.com/privacy", "20180101000000"))
    candidates.collect(rec("https://www.acme-shop.com/privacy", "20190101000000", "301"))
    candidates.collect(rec("https://www.acme-shop.com/privacy", "20200101000000", "301"))
    ((key, redirect),) = list(candidates.moves())
    assert key == "acme-shop.com/privacy"
    assert redirect.timestamp == "20200101000000"  # the latest redirect
    # redirects are not captures to fetch
    assert [r.timestamp for r in candidates.rows(key)] == ["20180101000000"]


def test_no_move_when_another_candidate_already_shows_the_policy_later() -> None:
    candidates = Candidates(DOMAIN, "privacy")
    candidates.collect(rec("https://www.acme-shop.com/privacy", "20180101000000"))
    candidates.collect(rec("https://www.acme-shop.com/privacy", "20190101000000", "301"))
    candidates.collect(rec("https://www.acme-shop.com/legal/privacy", "20200101000000"))
    assert list(candidates.moves()) == []


def hint(url: str, urlkey: str = "") -> CdxRecord:
    return CdxRecord(urlkey or url, "20200101120000", url, "text/html", "200", "D", "3000")


def test_hinted_urls_best_named_first_each_listed_once_in_a_few_forms() -> None:
    candidates = Candidates(DOMAIN, "privacy")
    assert candidates.hint(hint("https://www.acme-shop.com/news/privacy-tips-2019"))  # 2
    assert candidates.hint(hint("https://www.acme-shop.com/legal/privacy"))  # 3
    assert candidates.hint(hint("https://www.acme-shop.com/privacy"))  # 3, shorter
    assert not candidates.hint(hint("https://www.acme-shop.com/about"))
    assert not candidates.hint(hint("https://acme-shop.com.evil.net/privacy"))
    for n in range(5):  # five forms of one URL the archive keys apart
        candidates.hint(hint(f"https://www.acme-shop.com/privacy?utm_source={n}", f"k{n}"))
    lookups = candidates.hinted_lookups(2)
    keys = [key for key, _ in lookups]
    assert keys[0] == "acme-shop.com/privacy" and set(keys) == {
        "acme-shop.com/privacy",
        "acme-shop.com/legal/privacy",
    }
    assert keys.count("acme-shop.com/privacy") == MAX_FORMS
    # asked once: a link to it later needs no second listing
    assert candidates.hinted_lookups(5) == [
        ("acme-shop.com/news/privacy-tips-2019", "https://www.acme-shop.com/news/privacy-tips-2019")
    ]
    assert candidates.link("https://www.acme-shop.com/privacy") is None


def test_an_off_domain_policy_is_listed_over_the_period_homepages_linked_to_it() -> None:
    candidates = homepages_per_year(2015, 2020)
    sample = candidates.sample_homepages(10)
    by_year = {r.timestamp[:4]: r.timestamp for r in sample}
    parent = "https://www.parent-group.com/privacy"
    for year in ("2016", "2017"):
        candidates.off_domain_link(parent, by_year[year])
    candidates.off_domain_link("https://cdn-host.net/legal/privacy", by_year["2020"])
    assert candidates.off_domain_lookups() == [
        ("cdn-host.net/legal/privacy", "https://cdn-host.net/legal/privacy", by_year["2020"], None),
        ("parent-group.com/privacy", parent, by_year["2016"], by_year["2018"]),
    ]
    assert candidates.off_domain_lookups() == []  # listed once
    assert candidates.scope("parent-group.com/privacy") == "parent-group.com"
    candidates.add_lookup_row("parent-group.com/privacy", rec(parent))
    candidates.add_lookup_row("parent-group.com/privacy", rec("https://third.org/privacy"))
    assert [r.original for r in candidates.rows("parent-group.com/privacy")] == [parent]
