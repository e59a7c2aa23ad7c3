"""Extraction: structure kept, boilerplate dropped, escaping in one place, deterministic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from corpus.blocks import HEADING, ITEM, PARAGRAPH, TABLE, Block, escape_line, render_markdown
from corpus.extraction import extract_markdown
from corpus.process import extract_policy

ROOT = Path(__file__).resolve().parents[2]

SENTENCE = (
    "We collect personal data such as your name, address and e-mail when you place an "
    "order, and we keep it only as long as the law requires us to."
)
MODERN = f"""<!DOCTYPE html><html><head><title>Privacy Policy | Acme</title></head><body>
<header><nav><a href="/">Home</a> <a href="/shop">Shop our catalogue</a></nav></header>
<div id="cookie-banner" role="dialog"><p>We use cookies to improve your experience.</p>
<button>Accept all</button></div>
<main><h1>Privacy Policy</h1><p>{SENTENCE}</p><p>{SENTENCE} See section [4].</p>
<h2>Data we keep</h2>
<table><tr><th>Data</th><th>Purpose</th></tr><tr><td>Name</td><td>Orders | billing</td></tr>
<tr><td>E-mail</td><td>Receipts</td></tr></table>
<h2>Your rights</h2><ol><li>Ask for a copy of your data.<ul><li>Free of charge.</li></ul></li>
<li>Ask us to delete it.</li></ol>
<section id="consent"><h3>Consent</h3><p>Where we rely on your consent you may withdraw it at any time; this does not affect processing before.</p></section>
<p>1. This paragraph starts with a number, and file_name_here keeps its underscores.</p>
</main>
<aside class="newsletter"><p>Subscribe to our weekly newsletter for deals!</p>
<form><input type="email"><button>Sign up</button></form></aside>
<footer>Page generated on 2019-03-02 10:00. Visitors: 12345</footer></body></html>"""

OLD_TABLE = f"""<HTML><HEAD><TITLE>Old Site - Privacy</TITLE></HEAD><BODY>
<TABLE WIDTH="760" BORDER="0"><TR><TD COLSPAN="2"><FONT SIZE="5">The Old Site</FONT></TD></TR>
<TR><TD WIDTH="150"><A HREF="/">Home</A><BR><A HREF="/club.html">Club news</A><BR>
<A HREF="/members.html">Member directory</A></TD>
<TD><FONT SIZE="4"><B>Privacy Statement</B></FONT>
<P><FONT SIZE="3"><B>What we collect</B></FONT></P><P>{SENTENCE}</P><P>{SENTENCE}</P>
<P><FONT SIZE="3"><B>Your choices</B></FONT></P><P>{SENTENCE}</P></TD></TR>
<TR><TD COLSPAN="2">You are visitor number 4711</TD></TR></TABLE></BODY></HTML>"""


def test_structure_survives() -> None:
    text = extract_markdown(MODERN).markdown
    assert text.startswith("# Privacy Policy\n\n")
    assert "## Data we keep" in text and "## Your rights" in text
    assert "| Data | Purpose |\n|---|---|\n| Name | Orders \\| billing |" in text
    assert "1. Ask for a copy of your data.\n  - Free of charge.\n2. Ask us to delete it." in text
    assert "### Consent" in text  # a section named like a banner is still content


def test_boilerplate_is_dropped() -> None:
    text = extract_markdown(MODERN).markdown
    for noise in ("Shop our catalogue", "We use cookies", "Accept all", "newsletter", "Visitors"):
        assert noise not in text


def test_layout_table_becomes_blocks_and_keeps_paragraphs() -> None:
    extracted = extract_markdown(OLD_TABLE)
    text = extracted.markdown
    assert "Member directory" not in text and "Club news" not in text
    assert "| " not in text  # no giant one-cell table
    assert text.count(SENTENCE) == 3
    assert "## What we collect" in text  # bold lines of old pages become headings
    assert not any(block.kind == TABLE for block in extracted.blocks)


def test_escaping_happens_only_where_text_would_read_as_structure() -> None:
    text = extract_markdown(MODERN).markdown
    assert "See section [4]." in text  # no \[4\]
    assert "file_name_here" in text  # no \_
    assert "1\\. This paragraph starts with a number" in text
    assert escape_line("# not a heading") == "\\# not a heading"
    assert escape_line("- not a list") == "\\- not a list"
    assert escape_line("> not a quote") == "\\> not a quote"
    assert escape_line("plain [text] *with* stars_and_underscores") == (
        "plain [text] *with* stars_and_underscores"
    )


def test_rendering_from_blocks() -> None:
    blocks = [
        Block(HEADING, "Title", 1),
        Block(PARAGRAPH, "Line one"),
        Block(PARAGRAPH, "line two", tight=True),
        Block(ITEM, "a"),
        Block(ITEM, "b", ordered=True),
        Block(TABLE, rows=(("k", "v"), ("x|y", "z"))),
    ]
    assert render_markdown(blocks) == (
        "# Title\n\nLine one\nline two\n\n- a\n1. b\n\n| k | v |\n|---|---|\n| x\\|y | z |"
    )


def test_page_with_several_documents_keeps_the_privacy_ones() -> None:
    def section(title: str, word: str) -> str:
        return f"<h2>{title}</h2>" + f"<p>{word} {SENTENCE}</p>" * 3

    page = (
        "<html><body><main><h1>Legal</h1>"
        + section("Terms of Use", "TERMS")
        + section("Privacy Policy", "PRIVACY")
        + section("DMCA Policy", "DMCA")
        + section("California Privacy Notice", "CALIFORNIA")
        + "</main></body></html>"
    )
    text = extract_policy(page, None, "privacy").markdown
    assert "PRIVACY" in text and "CALIFORNIA" in text
    assert "TERMS" not in text and "DMCA" not in text
    # a policy whose sections merely mention other documents stays whole
    whole = MODERN.replace("<h2>Data we keep</h2>", "<h2>Cookie Policy</h2>")
    assert extract_policy(whole, None, "privacy").markdown == extract_markdown(whole).markdown


def test_same_bytes_same_text_in_any_order_and_process() -> None:
    first = extract_markdown(MODERN).markdown
    extract_markdown(OLD_TABLE)
    assert extract_markdown(MODERN).markdown == first != ""  # no dedupe cache emptying it
    code = (
        "import sys; from corpus.extraction import extract_markdown; "
        "sys.stdout.write(extract_markdown(sys.stdin.read()).markdown)"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        input=MODERN,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert other.stdout == first
