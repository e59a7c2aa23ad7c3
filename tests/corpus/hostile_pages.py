"""Hostile payloads, generated: bombs, deep trees, huge text nodes, binary garbage.

Shared by `tests/corpus/test_hostile.py` and `python -m tests.corpus.hostile_pages`,
which prints each page's outcome, time and peak memory (the figures in the README).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from corpus.models import Processed, RawCapture
from tests.corpus.builders import policy_capture

MB = 1024 * 1024
POLICY = (
    "We collect your name and email address when you register, use them to run the "
    "service and protect your privacy, and never sell your personal data. "
) * 6
POLICY_PAGE = f"<h1>Privacy Policy</h1><p>{POLICY}</p><p>{POLICY}</p>"


def capture(body: bytes, content_type: str = "text/html", **headers: str) -> RawCapture:
    pairs = (
        ("Content-Type", content_type),
        *((k.replace("_", "-"), v) for k, v in headers.items()),
    )
    return policy_capture("20200101000000", "sha1:H", body=body, headers=pairs)


def gzip_bomb(size: int = 1024 * MB) -> RawCapture:
    """A page that inflates to `size` bytes of spaces from about a thousandth of that."""
    chunk = b" " * MB
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    # After a full flush the compressor's state is reset, so every further megabyte of
    # spaces compresses to the very same bytes: compress one, repeat it.
    head = compressor.compress(b"<html><body><p>" + chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.flush()  # empty final block and a trailer that does not add up:
    # the reader must give up long before it would check the length and CRC.
    body = head + block * (size // MB - 1) + tail
    return capture(body, Content_Encoding="gzip")


def nested(depth: int, tag: str = "div") -> RawCapture:
    """The policy inside `depth` nested elements."""
    page = f"<html><body>{f'<{tag}>' * depth}{POLICY_PAGE}{f'</{tag}>' * depth}</body></html>"
    return capture(page.encode())


def text_node(size: int) -> RawCapture:
    """The policy, then one text node of `size` bytes (no markup, no line break)."""
    filler = ("lorem ipsum dolor sit amet " * (size // 27 + 1))[:size]
    return capture(f"<html><body>{POLICY_PAGE}<p>{filler}</p></body></html>".encode())


def long_page(size: int) -> RawCapture:
    """An ordinary policy page made `size` bytes long by repeating its paragraphs."""
    section = f"<h2>Section</h2><p>{POLICY}</p><ul><li>{POLICY[:200]}</li></ul>\n"
    body = "".join([section] * (size // len(section)))
    return capture(f"<html><body><h1>Privacy Policy</h1>{body}</body></html>".encode())


def scripted_page(size: int) -> RawCapture:
    """A `size`-byte page that is mostly inline script, as large real pages are."""
    script = "var state = {policy: 1};\n" * (size // 25)
    page = f"<html><head><script>{script}</script></head><body>{POLICY_PAGE * 20}</body></html>"
    return capture(page.encode())


def many_elements(count: int, chars: int) -> RawCapture:
    """The policy among `count` paragraphs of `chars` characters each."""
    paragraph = f"<p>{'x' * (chars - 1)} </p>"
    return capture(f"<html><body>{POLICY_PAGE}{paragraph * count}</body></html>".encode())


def binary_garbage(size: int = 4 * MB) -> RawCapture:
    return capture(random.Random(0).randbytes(size))


def entity_bomb() -> RawCapture:
    """Billion laughs: ten levels of entities, each ten of the one below, in XHTML."""
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        entities.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    page = (
        '<?xml version="1.0"?>\n<!DOCTYPE html [\n'
        + "\n".join(entities)
        + '\n]>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        + f"{POLICY_PAGE}<p>&lol9;</p></body></html>"
    )
    return capture(page.encode(), "application/xhtml+xml")


def single_line(size: int) -> RawCapture:
    """A page of `size` bytes on one line: many short paragraphs, no newline."""
    paragraph = f"<p>{POLICY[:150]}</p>"
    return capture(f"<html><body>{POLICY_PAGE}{paragraph * (size // len(paragraph))}".encode())


HOSTILE: dict[str, Callable[[], RawCapture]] = {
    "gzip bomb (1 GiB of spaces)": gzip_bomb,
    "100,000 nested divs": lambda: nested(100_000),
    "1,000 nested divs": lambda: nested(1_000),
    "12 MB text node": lambda: text_node(12 * MB),
    "30 MB text node": lambda: text_node(30 * MB),
    "10 MB page of policy text": lambda: long_page(10 * MB),
    "10 MB page, mostly script": lambda: scripted_page(10 * MB),
    "page at the text limit (3.9M characters)": lambda: long_page(3_900_000),
    "99,000 paragraphs of 20 characters": lambda: many_elements(99_000, 20),
    "199,000 paragraphs of 20 characters": lambda: many_elements(199_000, 20),
    "binary garbage (4 MB)": binary_garbage,
    "entity bomb (XHTML)": entity_bomb,
    "50 MB single line": lambda: single_line(50 * MB),
}


def _kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    raise LookupError(field)


@dataclass(frozen=True, slots=True)
class Measured:
    outcome: str  # the drop reason, "N document(s)", or the exception raised
    seconds: float
    peak_mb: float  # peak resident memory added by processing, above the page itself
    body_mb: float
    text: str = ""  # the documents' text

    def __str__(self) -> str:
        return (
            f"{self.outcome}; {self.seconds:.2f} s; peak +{self.peak_mb:.0f} MB "
            f"({self.body_mb:.1f} MB body)"
        )


def measure(make: Callable[[], RawCapture], run: Callable[[RawCapture], Processed]) -> Measured:
    """One page in a forked child, so that its peak memory is its own: the child builds
    the page, restarts its high-water mark, processes it and reports."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: nothing here outlives it
        os.close(read)
        try:
            page = make()
            with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
                refs.write("5")  # the high-water mark restarts from here
            before = _kib("VmRSS")
            started = time.perf_counter()
            try:
                processed = run(page)
                outcome = processed.drop_reason or f"{len(processed.documents)} document(s)"
                text = "\n".join(d.text for d in processed.documents)
            except Exception as error:  # the report is the point
                outcome, text = f"raised {type(error).__name__}: {str(error)[:80]}", ""
            seconds = time.perf_counter() - started
            peak = (_kib("VmHWM") - before) / 1024
            size = len(page.body or b"") / MB
            with os.fdopen(write, "wb") as pipe:
                pipe.write(json.dumps([outcome, seconds, peak, size, text]).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        report = pipe.read()
    os.waitpid(pid, 0)
    if not report:
        raise RuntimeError("the child died without a report")
    return Measured(*json.loads(report))


if __name__ == "__main__":
    from corpus.process import process_capture

    names = sys.argv[1:] or list(HOSTILE)
    process_capture(long_page(100_000))  # imports and lazy tables load before any fork
    for name in names:
        print(f"{name}: {measure(HOSTILE[name], process_capture)}", flush=True)
