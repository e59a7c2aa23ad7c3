"""A policy published only as PDF: read as paragraphs, checked and versioned like HTML."""

from __future__ import annotations

from corpus.limits import PageRefused
from corpus.models import ROLE_POLICY, RawCapture
from corpus.pdf import NOT_A_PDF, extract_pdf
from corpus.process import process_capture

POLICY = [
    "PRIVACY POLICY",
    "",
    "Last updated: March 2021",
    "",
    "1. Information we collect",
    "",
    "We collect the information you give us when you create an account, such as your",
    "name and email address, and the data your browser sends when you visit the site.",
    "",
    "2. How we use your data",
    "",
    "We use personal data to provide the service, to answer your requests and to",
    "comply with the law. We never sell personal data to third parties.",
    "",
    "3. Your rights",
    "",
    "You may access, correct or delete your personal data at any time. Contact our",
    "data protection officer at privacy@example.com to exercise these rights.",
    "",
    "4. Cookies",
    "",
    "We use cookies to keep you signed in and to measure visits. You can refuse",
    "cookies in your browser settings; some features may then not work.",
]


def pdf_document(pages: list[list[str]]) -> bytes:
    """A PDF of text lines, one list per page, in Helvetica (built by hand: no writer
    library is needed for a fixture). An empty line starts a new paragraph."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for lines in pages:
        ops = [b"BT /F1 11 Tf 72 760 Td 14 TL"]
        for line in lines:
            if line:
                escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                ops.append(b"(" + escaped.encode("latin-1") + b") Tj T*")
            else:
                ops.append(b"T* T*")  # a blank line: the layout sees a new paragraph
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content, font)
        )
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def capture(body: bytes, content_type: str = "application/pdf") -> RawCapture:
    return RawCapture(
        domain="example.com",
        kind="privacy",
        role=ROLE_POLICY,
        url="https://example.com/legal/privacy-policy.pdf",
        timestamp="20210401000000",
        archive_url="https://web.archive.org/web/20210401000000id_/https://example.com/legal/privacy-policy.pdf",
        digest="D",
        status=200,
        headers=(("Content-Type", content_type),),
        body=body,
    )


def test_a_pdf_policy_becomes_a_document_with_its_headings_and_paragraphs() -> None:
    footer = "Example Ltd - Privacy policy"
    pages = [[*POLICY[:15], "", footer], [*POLICY[15:], "", footer], ["Annex", "", footer]]
    processed = process_capture(capture(pdf_document(pages)))
    assert processed.drop_reason is None
    (document,) = processed.documents
    assert document.lang == "en"
    text = document.text
    assert text.startswith("# PRIVACY POLICY")
    assert "## 2. How we use your data" in text
    # lines of one paragraph are joined; the page break does not cut the policy
    assert "such as your name and email address" in text
    assert "## 4. Cookies" in text and "some features may then not work." in text
    assert footer not in text  # the running footer of every page


def test_a_pdf_served_with_a_wrong_type_is_still_read() -> None:
    processed = process_capture(capture(pdf_document([POLICY]), "application/octet-stream"))
    assert processed.drop_reason is None and processed.documents


def test_a_damaged_pdf_is_dropped_with_a_reason() -> None:
    whole = pdf_document([POLICY])
    processed = process_capture(capture(whole[: len(whole) // 3]))
    assert processed.drop_reason is not None
    processed = process_capture(capture(b"%PDF-1.4\n garbage"))
    assert processed.drop_reason in (NOT_A_PDF, "empty", "too_short")


def test_extract_pdf_refuses_what_is_not_a_pdf() -> None:
    try:
        extract_pdf(b"<html>not a pdf</html>")
    except PageRefused as refused:
        assert refused.reason == NOT_A_PDF
    else:
        raise AssertionError("a page that is no PDF was read as one")
