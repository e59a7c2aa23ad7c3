"""Synthetic policy sites written to WARC files, with the versions a correct pipeline finds.

Deterministic: record ids and dates derive from each capture's timestamp, counters
from arithmetic, and warcio's gzip members carry no mtime.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from html import escape
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from localarchive import texts
from localarchive.texts import Policy
from localarchive.timestamps import http_date, iso_datetime, iso_day, parse_timestamp

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
_RECORD_NS = uuid.UUID("6f1c1f4e-3d2a-4b8e-9a57-0c5d2e1b7a10")
_CRAWLER_UA = (
    "Mozilla/5.0 (compatible; archive.org_bot +http://www.archive.org/details/archive.org_bot)"
)
_SOFT_404 = "soft404"
_REVISIT = "revisit"


@dataclass(frozen=True, slots=True)
class ExpectedVersion:
    domain: str
    kind: str
    lang: str
    first_seen: str
    last_seen: str
    snapshots: int
    url: str
    phrases: list[str]
    absent: list[str]


@dataclass(frozen=True, slots=True)
class DemoManifest:
    versions: dict[str, list[ExpectedVersion]]
    decoys: list[str]
    soft404: list[tuple[str, str]]
    decoy_marker: str = texts.DECOY_MARKER
    files: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DemoManifest:
        data = json.loads(text)
        return cls(
            versions={
                domain: [ExpectedVersion(**v) for v in versions]
                for domain, versions in data["versions"].items()
            },
            decoys=list(data["decoys"]),
            soft404=[(url, ts) for url, ts in data["soft404"]],
            decoy_marker=data.get("decoy_marker", texts.DECOY_MARKER),
            files=list(data.get("files", [])),
        )


def load_manifest(path: Path) -> DemoManifest:
    return DemoManifest.from_json(path.read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Capture:
    url: str
    timestamp: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    # timestamp of an earlier capture of the same page whose payload this one repeats
    revisit_of: str | None = None


# --- templates -----------------------------------------------------------------------


def _policy_html(policy: Policy, heading: str, paragraph: str = "<p>{}</p>") -> list[str]:
    out: list[str] = []
    for section in policy.sections:
        if section.heading:
            out.append(heading.format(escape(section.heading, quote=False)))
        for block in section.blocks:
            if isinstance(block, str):
                out.append(paragraph.format(escape(block, quote=False)))
            else:
                items = "".join(f"<li>{escape(item, quote=False)}</li>" for item in block)
                out.append(f"<ul>{items}</ul>")
    return out


def _visitors(timestamp: str, base: int) -> int:
    # grows over the years and differs on every capture, like a real hit counter
    moment = parse_timestamp(timestamp)
    return base + moment.toordinal() % 10000 * 41 + moment.hour * 60 + moment.minute + moment.second


@dataclass(frozen=True, slots=True)
class ModernSite:
    brand: str
    nav: tuple[tuple[str, str], ...]
    footer_links: tuple[tuple[str, str], ...]
    newsletter_title: str
    newsletter_text: str
    visitors_base: int

    def page(self, policy: Policy, timestamp: str) -> bytes:
        moment = parse_timestamp(timestamp)
        nav = "".join(f'<li><a href="{href}">{escape(label)}</a></li>' for href, label in self.nav)
        links = "".join(
            f'<li><a href="{href}">{escape(label)}</a></li>' for href, label in self.footer_links
        )
        body = "\n".join(_policy_html(policy, "<h2>{}</h2>"))
        page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(policy.title)} | {escape(self.brand)}</title>
<link rel="stylesheet" href="/static/css/site.css">
</head>
<body>
<div id="cookie-banner" class="cookie-banner" role="dialog">
<p>{COOKIE_SENTENCE} <a href="/cookies">Learn more</a></p>
<button class="accept">Accept all</button> <button class="manage">Manage preferences</button>
</div>
<header class="site-header">
<a class="logo" href="/">{escape(self.brand)}</a>
<nav class="main-nav"><ul>{nav}</ul></nav>
</header>
<div class="page">
<main id="content">
<article class="policy">
<h1>{escape(policy.title)}</h1>
{body}
</article>
</main>
<aside class="sidebar">
<div class="newsletter">
<h3>{escape(self.newsletter_title)}</h3>
<p>{escape(self.newsletter_text)}</p>
<form action="/newsletter" method="post">
<input type="email" name="email" placeholder="Your email address">
<button type="submit">Sign up</button>
</form>
</div>
</aside>
</div>
<footer class="site-footer">
<ul class="footer-links">{links}</ul>
<p>&copy; {moment.year} {escape(self.brand)} Inc. All rights reserved.</p>
<p class="stamp">Page generated on {moment:%Y-%m-%d %H:%M:%S} UTC</p>
<p class="counter">Visitors: {_visitors(timestamp, self.visitors_base)}</p>
</footer>
<script src="/static/js/consent.js"></script>
</body>
</html>
"""
        return page.encode("utf-8")

    def absent(self) -> list[str]:
        labels = [label for _, label in self.nav if label != "Home"]
        return [
            *labels,
            COOKIE_SENTENCE,
            "Accept all",
            self.newsletter_title,
            self.newsletter_text,
            "All rights reserved",
            "Page generated on",
            "Visitors:",
        ]


COOKIE_SENTENCE = "We use cookies to improve your experience."

ACME = ModernSite(
    brand="Acme Shop",
    nav=(
        ("/", "Home"),
        ("/products", "Shop all products"),
        ("/about", "About us"),
        ("/contact", "Customer service"),
    ),
    footer_links=(
        ("/privacy-policy", "Privacy Policy"),
        ("https://partner-ads.net/privacy", "Partner privacy"),
        ("/contact", "Contact"),
    ),
    newsletter_title="Join the Acme Insider",
    newsletter_text="Subscribe to our newsletter for weekly deals and early access to sales.",
    visitors_base=120_000,
)
DEALS = ModernSite(
    brand="Acme Shop Deals",
    nav=(("/", "Home"), ("/coupons", "Today's coupons"), ("/stores", "All stores")),
    footer_links=(("/privacy-policy", "Privacy Policy"),),
    newsletter_title="Coupon alerts",
    newsletter_text="Get the best coupons in your inbox every morning.",
    visitors_base=5_000,
)
PARTNER = ModernSite(
    brand="Partner Ads",
    nav=(("/", "Home"), ("/advertisers", "For advertisers")),
    footer_links=(("/privacy", "Privacy"),),
    newsletter_title="Partner news",
    newsletter_text="Quarterly news for publishers in our network.",
    visitors_base=900,
)


@dataclass(frozen=True, slots=True)
class TableSite:
    """1999-2006 style: layout table, left nav column, <font> headings, latin-1."""

    name: str
    nav: tuple[tuple[str, str], ...]
    visitors_base: int

    def page(self, policy: Policy, timestamp: str) -> bytes:
        moment = parse_timestamp(timestamp)
        nav = "\n".join(f'<A HREF="{href}">{escape(label)}</A><BR>' for href, label in self.nav)
        body = "\n".join(
            _policy_html(policy, '<P><FONT SIZE="3"><B>{}</B></FONT></P>', "<P>{}</P>")
        )
        page = f"""<HTML>
<HEAD>
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>{escape(self.name)} - {escape(policy.title)}</TITLE>
</HEAD>
<BODY BGCOLOR="#FFFFF0" TEXT="#000000" LINK="#663300" VLINK="#996633">
<TABLE WIDTH="760" BORDER="0" CELLPADDING="4" CELLSPACING="0">
<TR><TD COLSPAN="2" BGCOLOR="#663300">
<FONT FACE="Georgia,Times" SIZE="5" COLOR="#FFFFFF"><B>{escape(self.name)}</B></FONT>
</TD></TR>
<TR>
<TD WIDTH="150" VALIGN="top" BGCOLOR="#EEDDCC"><FONT FACE="Verdana,Arial" SIZE="2">
{nav}
</FONT></TD>
<TD VALIGN="top"><FONT FACE="Verdana,Arial" SIZE="2">
<FONT SIZE="4"><B>{escape(policy.title)}</B></FONT>
{body}
</FONT></TD>
</TR>
<TR><TD COLSPAN="2" ALIGN="center"><FONT SIZE="1">
Page last updated: {moment:%d/%m/%Y} |
You are visitor number {_visitors(timestamp, self.visitors_base)} |
Copyright &copy; 1999 {escape(self.name)}
</FONT></TD></TR>
</TABLE>
</BODY>
</HTML>
"""
        # charrefs would hide the encoding problem this template exists to pose
        page = page.replace("&copy;", "\u00a9")
        return page.encode("iso-8859-1")

    def absent(self) -> list[str]:
        labels = [label for _, label in self.nav if label not in ("Home", "Privacy")]
        return [*labels, "Page last updated", "You are visitor number"]


OLDTABLE = TableSite(
    name="The Old Table Society",
    nav=(
        ("/", "Home"),
        ("about.html", "About the Society"),
        ("members.html", "Member directory"),
        ("calendar.html", "Meeting calendar"),
        ("links.html", "Other furniture links"),
        ("privacy.html", "Privacy"),
    ),
    visitors_base=1_000,
)


def plain_page(policy: Policy, lang: str, extra: str = "") -> bytes:
    body = "\n".join(_policy_html(policy, "<p>{}</p>"))
    page = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{escape(policy.title)}</title>
</head>
<body>
<h1>{escape(policy.title)}</h1>
{body}
{extra}</body>
</html>
"""
    return page.encode("utf-8")


# --- the captures ----------------------------------------------------------------------

ACME_POLICY = "https://www.acme-shop.com/privacy-policy"
ACME_POLICY_NOWWW = "http://acme-shop.com/privacy-policy"
OLDTABLE_POLICY = "http://www.oldtable.org/privacy.html"
PLAIN_POLICY = "https://plainsite.net/datenschutz.html"

# (timestamp, url, version label, or _SOFT_404 / _REVISIT of the previous capture)
_ACME_SCHEDULE = (
    ("20150314102205", ACME_POLICY, "A"),
    ("20151102081433", ACME_POLICY_NOWWW, "A"),
    ("20160621174510", ACME_POLICY, "A"),
    ("20170409120351", ACME_POLICY_NOWWW, "B"),
    ("20180217093000", ACME_POLICY, "B"),
    ("20180725141244", ACME_POLICY, _SOFT_404),
    ("20190130162009", ACME_POLICY, "B"),
    ("20200912111111", ACME_POLICY, "C"),
    ("20220503074529", ACME_POLICY_NOWWW, "C"),
    ("20230819190216", ACME_POLICY, _REVISIT),
)
_ACME_VERSIONS = {
    "A": (texts.ACME_A, [texts.ACME_A_INTRO, texts.ACME_A_SHARING, texts.ACME_A_CHANGED]),
    "B": (texts.ACME_B, [texts.ACME_B_ADDED_SENTENCE, texts.ACME_B_CHANGED, texts.ACME_A_SHARING]),
    "C": (texts.ACME_C, [texts.ACME_C_SHARING, texts.ACME_B_ADDED_SENTENCE, texts.ACME_B_CHANGED]),
}
_OLDTABLE_SCHEDULE = (
    ("19990508031245", OLDTABLE_POLICY, "1"),
    ("20001021224002", OLDTABLE_POLICY, "1"),
    ("20020211060559", OLDTABLE_POLICY, "1"),
    ("20040704133030", OLDTABLE_POLICY, "2"),
    ("20061201201807", OLDTABLE_POLICY, "2"),
)
_OLDTABLE_VERSIONS = {
    "1": (texts.OLDTABLE_V1, [texts.OLDTABLE_V1_CAFE, texts.OLDTABLE_V1_CHANGED]),
    "2": (
        texts.OLDTABLE_V2,
        [texts.OLDTABLE_V2_CHANGED, texts.OLDTABLE_V2_ADDED, texts.OLDTABLE_V1_CAFE],
    ),
}
_PLAIN_SCHEDULE = (
    ("20120417081500", PLAIN_POLICY, "1"),
    ("20140903193000", PLAIN_POLICY, "1"),
    ("20170122120000", PLAIN_POLICY, "1"),
    ("20200630154500", PLAIN_POLICY, "1"),
)
_PLAIN_VERSIONS = {
    "1": (texts.PLAIN_POLICY, [texts.PLAIN_FIRST, texts.PLAIN_LOGS, texts.PLAIN_RIGHTS]),
}
_DEALS_SCHEDULE = (
    ("20190505120000", "https://www.acme-shop-deals.com/privacy-policy", "1"),
    ("20211010101010", "https://www.acme-shop-deals.com/privacy-policy", "1"),
)
_DEALS_VERSIONS: dict[str, tuple[Policy, list[str]]] = {"1": (texts.DEALS_POLICY, [])}


def _headers_modern(timestamp: str, body: bytes) -> tuple[tuple[str, str], ...]:
    return (
        ("Date", http_date(timestamp)),
        ("Server", "nginx"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-cache"),
        ("Set-Cookie", "session=demo; Path=/; HttpOnly"),
        ("Connection", "close"),
    )


def _headers_old(
    timestamp: str, body: bytes, content_type: str, server: str = "Apache/1.3.27 (Unix)"
) -> tuple[tuple[str, str], ...]:
    return (
        ("Date", http_date(timestamp)),
        ("Server", server),
        ("Last-Modified", http_date(timestamp[:8] + "000000")),
        ("Content-Length", str(len(body))),
        ("Connection", "close"),
        ("Content-Type", content_type),
    )


def _ok(url: str, timestamp: str, body: bytes, headers: tuple[tuple[str, str], ...]) -> Capture:
    return Capture(url, timestamp, 200, "OK", headers, body)


Render = Callable[[str, str, Policy], Capture]


def _schedule_captures(
    schedule: Sequence[tuple[str, str, str]],
    versions: dict[str, tuple[Policy, list[str]]],
    render: Render,
) -> list[Capture]:
    captures: list[Capture] = []
    for timestamp, url, label in schedule:
        if label == _REVISIT:
            prev = captures[-1]
            # the crawler saw the same bytes again and stored only a pointer to them
            captures.append(
                Capture(
                    url,
                    timestamp,
                    prev.status,
                    prev.reason,
                    prev.headers,
                    prev.body,
                    prev.timestamp,
                )
            )
            continue
        policy = texts.ACME_SOFT_404 if label == _SOFT_404 else versions[label][0]
        captures.append(render(url, timestamp, policy))
    return captures


def _modern_render(site: ModernSite) -> Render:
    def render(url: str, timestamp: str, policy: Policy) -> Capture:
        body = site.page(policy, timestamp)
        return _ok(url, timestamp, body, _headers_modern(timestamp, body))

    return render


def _table_render(site: TableSite) -> Render:
    def render(url: str, timestamp: str, policy: Policy) -> Capture:
        body = site.page(policy, timestamp)
        return _ok(
            url, timestamp, body, _headers_old(timestamp, body, "text/html; charset=iso-8859-1")
        )

    return render


def _plain_render(url: str, timestamp: str, policy: Policy, extra: str = "") -> Capture:
    body = plain_page(policy, "de", extra)
    # no charset in the header: only the <meta> says UTF-8, as on many small sites
    return _ok(url, timestamp, body, _headers_old(timestamp, body, "text/html", "Apache/2.4.10"))


def _homepage(title: str, links: Sequence[tuple[str, str]]) -> Policy:
    items = tuple(label for _, label in links)
    return Policy(title, (texts.Section(None, (f"Welcome to {title}.", items)),))


def _acme_captures() -> list[Capture]:
    render = _modern_render(ACME)
    captures = _schedule_captures(_ACME_SCHEDULE, _ACME_VERSIONS, render)
    home = texts.Policy(
        "Acme Shop",
        (
            texts.Section(
                None,
                (
                    "Tools, garden supplies and everything in between, delivered to your door.",
                    ("New this season: cordless hedge trimmers", "Spring bulbs are back in stock"),
                ),
            ),
        ),
    )
    for timestamp in ("20150314102000", "20170409120000", "20200912110500", "20230819185500"):
        captures.append(render("https://www.acme-shop.com/", timestamp, home))
    for timestamp, page in (
        ("20160621174000", "about"),
        ("20210115093000", "about"),
        ("20180217092500", "contact"),
        ("20190130161500", "products"),
        ("20220503074000", "products"),
    ):
        captures.append(
            render(f"https://www.acme-shop.com/{page}", timestamp, texts.ACME_PAGES[page])
        )
    return captures


def _oldtable_captures() -> list[Capture]:
    render = _table_render(OLDTABLE)
    captures = _schedule_captures(_OLDTABLE_SCHEDULE, _OLDTABLE_VERSIONS, render)
    home = texts.Policy(
        "Welcome",
        (
            texts.Section(
                None,
                (
                    "The Old Table Society brings together collectors and restorers of "
                    "antique furniture.",
                    "Our next meeting is announced in the calendar.",
                ),
            ),
        ),
    )
    for timestamp in ("19990508031000", "20040704132800"):
        captures.append(render("http://www.oldtable.org/", timestamp, home))
    for timestamp, page in (("20001021223500", "about.html"), ("20040704133500", "links.html")):
        captures.append(
            render(f"http://www.oldtable.org/{page}", timestamp, texts.OLDTABLE_PAGES[page])
        )
    moved = (
        b"<HTML><HEAD><TITLE>301 Moved Permanently</TITLE></HEAD>"
        b"<BODY>Moved to privacy.html</BODY></HTML>\n"
    )
    headers = (
        *_headers_old("20030315100000", moved, "text/html; charset=iso-8859-1"),
        ("Location", "privacy.html"),
    )
    captures.append(
        Capture(
            "http://www.oldtable.org/privacy.htm",
            "20030315100000",
            301,
            "Moved Permanently",
            headers,
            moved,
        )
    )
    return captures


def _plain_captures() -> list[Capture]:
    captures = _schedule_captures(_PLAIN_SCHEDULE, _PLAIN_VERSIONS, _plain_render)
    home = texts.Policy(
        "plainsite.net",
        (texts.Section(None, ("Willkommen auf meiner kleinen Website über Gartenbahnen.",)),),
    )
    links = (
        '<p><a href="/datenschutz.html">Datenschutz</a> | '
        '<a href="/impressum.html">Impressum</a></p>\n'
    )
    for timestamp in ("20120417081000", "20200630154000"):
        captures.append(_plain_render("https://plainsite.net/", timestamp, home, links))
    captures.append(
        _plain_render(
            "https://plainsite.net/impressum.html",
            "20140903192500",
            texts.PLAIN_PAGES["impressum.html"],
        )
    )
    return captures


# --- shuangyu-tech.com: one page carrying the policy in English, then in Chinese -------

SHUANGYU = ModernSite(
    brand="Shuangyu Tech 双语科技",
    nav=(("/", "Home"), ("/sensors", "Our sensors 传感器"), ("/contact", "Contact 联系")),
    footer_links=(("/privacy.html", "Privacy Policy 隐私政策"),),
    newsletter_title="Sensor news 传感器新闻",
    newsletter_text="Monthly product notes for engineers, in English and Chinese.",
    visitors_base=30_000,
)
SHUANGYU_POLICY = "https://www.shuangyu-tech.com/privacy.html"
SHUANGYU_EN = (
    "Shuangyu Tech makes humidity and air-quality sensors for greenhouses and warehouses. "
    "This policy explains what personal information we handle when you buy our sensors, "
    "register a device or write to our engineers.",
    "When you register a sensor we record your name, your company, your e-mail address and "
    "the serial numbers of your devices, so that we can send firmware notices and honour "
    "the warranty.",
    "Readings from your sensors belong to you. We store them only when you switch on cloud "
    "sync, and we never sell them or use them to advertise to you.",
    "You may ask us for a copy of your information, or ask us to correct or delete it, by "
    "writing to privacy@shuangyu-tech.com; we answer within thirty days.",
)
SHUANGYU_ZH = (
    "双语科技为温室和仓库生产湿度及空气质量传感器。本政策说明您购买传感器、注册设备或联系我们的工程师时，"
    "我们如何处理您的个人信息。",
    "您注册传感器时，我们会记录您的姓名、公司名称、电子邮件地址以及设备序列号，以便向您发送固件通知并履行保修义务。",
    "传感器的读数归您所有。只有在您开启云同步后我们才会存储这些数据，我们绝不会出售这些数据，也不会用其向您投放广告。",
    "您可以发送邮件至 privacy@shuangyu-tech.com，要求获取、更正或删除您的个人信息，我们将在三十天内答复。",
)
SHUANGYU_POLICY_TEXT = texts.Policy(
    "Privacy Policy 隐私政策",
    (
        texts.Section("About this policy", SHUANGYU_EN[:1]),
        texts.Section("Information we collect", SHUANGYU_EN[1:3]),
        texts.Section("Your rights", SHUANGYU_EN[3:]),
        texts.Section("隐私政策", SHUANGYU_ZH[:1]),
        texts.Section("我们收集的信息", SHUANGYU_ZH[1:3]),
        texts.Section("您的权利", SHUANGYU_ZH[3:]),
    ),
)
# The same text three times: every language is one version seen in three captures.
_SHUANGYU_SCHEDULE = (
    ("20160412093000", SHUANGYU_POLICY, "1"),
    ("20180705161500", SHUANGYU_POLICY, "1"),
    ("20210222080000", SHUANGYU_POLICY, "1"),
)
_SHUANGYU_VERSIONS: dict[str, tuple[Policy, list[str]]] = {"1": (SHUANGYU_POLICY_TEXT, [])}


def _shuangyu_captures() -> list[Capture]:
    render = _modern_render(SHUANGYU)
    captures = _schedule_captures(_SHUANGYU_SCHEDULE, _SHUANGYU_VERSIONS, render)
    home = _homepage("Shuangyu Tech 双语科技", (*SHUANGYU.nav, *SHUANGYU.footer_links))
    captures.append(render("https://www.shuangyu-tech.com/", "20160412092500", home))
    return captures


def _shuangyu_expected() -> list[ExpectedVersion]:
    """Two tracks from one page, listed as the export orders them: by language."""
    absent = SHUANGYU.absent()
    english = {"1": (SHUANGYU_POLICY_TEXT, list(SHUANGYU_EN))}
    chinese = {"1": (SHUANGYU_POLICY_TEXT, list(SHUANGYU_ZH))}
    domain = "shuangyu-tech.com"
    return [
        *_expected(domain, "en", _SHUANGYU_SCHEDULE, english, [*absent, *SHUANGYU_ZH]),
        *_expected(domain, "zh", _SHUANGYU_SCHEDULE, chinese, [*absent, *SHUANGYU_EN]),
    ]


def _decoy_captures() -> list[Capture]:
    deals = _modern_render(DEALS)
    captures = _schedule_captures(_DEALS_SCHEDULE, _DEALS_VERSIONS, deals)
    home = _homepage("Acme Shop Deals", DEALS.nav)
    captures.append(deals("https://www.acme-shop-deals.com/", "20190505115500", home))
    captures.append(
        _modern_render(PARTNER)(
            "https://partner-ads.net/privacy", "20170301080000", texts.PARTNER_POLICY
        )
    )
    return captures


# --- expected versions -----------------------------------------------------------------


def _expected(
    domain: str,
    lang: str,
    schedule: Sequence[tuple[str, str, str]],
    versions: dict[str, tuple[Policy, list[str]]],
    absent: list[str],
) -> list[ExpectedVersion]:
    """Versions in time order from the schedule: soft-404s skipped, revisits count."""
    runs: list[tuple[str, list[tuple[str, str]]]] = []
    for timestamp, url, label in schedule:
        if label == _SOFT_404:
            continue
        if label == _REVISIT:
            label = runs[-1][0]
        if runs and runs[-1][0] == label:
            runs[-1][1].append((timestamp, url))
        else:
            runs.append((label, [(timestamp, url)]))
    return [
        ExpectedVersion(
            domain=domain,
            kind="privacy",
            lang=lang,
            first_seen=iso_day(seen[0][0]),
            last_seen=iso_day(seen[-1][0]),
            snapshots=len(seen),
            url=seen[0][1],
            phrases=list(versions[label][1]),
            absent=list(absent),
        )
        for label, seen in runs
    ]


def demo_manifest(files: Sequence[str] = ()) -> DemoManifest:
    return DemoManifest(
        versions={
            "acme-shop.com": _expected(
                "acme-shop.com", "en", _ACME_SCHEDULE, _ACME_VERSIONS, ACME.absent()
            ),
            "oldtable.org": _expected(
                "oldtable.org", "en", _OLDTABLE_SCHEDULE, _OLDTABLE_VERSIONS, OLDTABLE.absent()
            ),
            "plainsite.net": _expected("plainsite.net", "de", _PLAIN_SCHEDULE, _PLAIN_VERSIONS, []),
            "shuangyu-tech.com": _shuangyu_expected(),
        },
        decoys=["acme-shop-deals.com", "partner-ads.net"],
        soft404=[
            (url, timestamp) for timestamp, url, label in _ACME_SCHEDULE if label == _SOFT_404
        ],
        files=list(files),
    )


# --- writing -------------------------------------------------------------------------


def payload_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _record_id(kind: str, capture: Capture) -> str:
    return f"<urn:uuid:{uuid.uuid5(_RECORD_NS, f'{kind} {capture.timestamp} {capture.url}')}>"


def _request_target(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return target, parts.netloc


def warc_bytes(captures: Sequence[Capture], filename: str) -> bytes:
    """One gzipped WARC: warcinfo, then response (or revisit) + request per capture."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=True)
    write_warcinfo(writer, filename, min(c.timestamp for c in captures))
    write_captures(writer, captures)
    return out.getvalue()


def write_warcinfo(writer: WARCWriter, filename: str, timestamp: str) -> None:
    info = (
        b"software: localarchive demo generator\r\n"
        b"format: WARC File Format 1.0\r\n"
        b"description: synthetic policy sites for tests\r\n"
    )
    writer.write_record(
        writer.create_warc_record(
            "",
            "warcinfo",
            payload=BytesIO(info),
            length=len(info),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(_RECORD_NS, 'warcinfo ' + filename)}>",
                "WARC-Date": iso_datetime(timestamp),
                "WARC-Filename": filename,
            },
        )
    )


def write_captures(writer: WARCWriter, captures: Sequence[Capture]) -> None:
    """Response (or revisit) + request records; a revisit's original must be among captures."""
    ordered = sorted(captures, key=lambda c: (c.timestamp, c.url))
    by_time = {c.timestamp: c for c in ordered}
    for capture in ordered:
        response_id = _record_id("response", capture)
        date = iso_datetime(capture.timestamp)
        http = StatusAndHeaders(
            f"{capture.status} {capture.reason}", list(capture.headers), protocol="HTTP/1.1"
        )
        if capture.revisit_of is not None:
            original = by_time[capture.revisit_of]
            revisit_headers = [
                (k, http_date(capture.timestamp) if k == "Date" else v) for k, v in capture.headers
            ]
            record = writer.create_revisit_record(
                capture.url,
                digest=payload_digest(original.body),
                refers_to_uri=original.url,
                refers_to_date=iso_datetime(original.timestamp),
                http_headers=StatusAndHeaders(
                    f"{capture.status} {capture.reason}", revisit_headers, protocol="HTTP/1.1"
                ),
                warc_headers_dict={"WARC-Record-ID": response_id, "WARC-Date": date},
            )
        else:
            record = writer.create_warc_record(
                capture.url,
                "response",
                payload=BytesIO(capture.body),
                length=len(capture.body),
                http_headers=http,
                warc_headers_dict={"WARC-Record-ID": response_id, "WARC-Date": date},
            )
        writer.write_record(record)
        target, host = _request_target(capture.url)
        request = StatusAndHeaders(
            f"GET {target} HTTP/1.1",
            [
                ("Host", host),
                ("User-Agent", _CRAWLER_UA),
                ("Accept", "text/html,*/*;q=0.8"),
                ("Connection", "close"),
            ],
            is_http_request=True,
        )
        writer.write_record(
            writer.create_warc_record(
                capture.url,
                "request",
                http_headers=request,
                warc_headers_dict={
                    "WARC-Record-ID": _record_id("request", capture),
                    "WARC-Date": date,
                    "WARC-Concurrent-To": response_id,
                },
            )
        )


def _write_atomic(path: Path, data: bytes) -> None:
    # a plain open() (not mkstemp) so the file gets the usual umask permissions
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


DEMO_FILES: dict[str, Callable[[], list[Capture]]] = {
    "demo-acme-shop.com.warc.gz": _acme_captures,
    "demo-oldtable.org.warc.gz": _oldtable_captures,
    "demo-plainsite.net.warc.gz": _plain_captures,
    "demo-shuangyu-tech.com.warc.gz": _shuangyu_captures,
    "demo-decoys.warc.gz": _decoy_captures,
}


def write_demo_archive(dest: Path) -> DemoManifest:
    """Writes the demo WARC files and manifest.json into dest; same bytes on every run."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name, build in DEMO_FILES.items():
        _write_atomic(dest / name, warc_bytes(build(), name))
    manifest = demo_manifest(list(DEMO_FILES))
    _write_atomic(dest / MANIFEST_NAME, manifest.to_json().encode("utf-8"))
    logger.info("wrote demo archive to %s", dest)
    return manifest
