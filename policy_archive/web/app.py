"""The web app of `policy-archive serve`: the corpus, a domain's timelines, a version and
a diff between two versions, all rendered on the server (no script needed)."""

from __future__ import annotations

import logging
import re
import signal
import socket
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from flask import Flask, abort, redirect, render_template, request, url_for
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from corpus.diff import DiffLine, diff_lines
from corpus.render import KIND_NAMES, provenance_line
from corpus.store import ExportRow, OldSchemaError, StoreError
from corpus.timeline import CAPTURE_SOURCES, capture_marks
from corpus.versioning import group_runs
from policy_archive.web.reader import SERVE_SEARCH_MIN_CHARS, CorpusReader
from policy_archive.web.svg import Bar, timeline_svg, year_chart_svg
from webarchive.wayback import iso_date

SERVE_DOMAINS_PER_PAGE = 200  # the corpus page lists domains in pages of this many
SERVE_DIFF_CONTEXT = 2  # unchanged lines shown around a change; the rest folded
_SPEC = re.compile(r"^v(\d{1,9})(?:\.\.v(\d{1,9}))?$")
# Policy text is shown as markdown; raw HTML in it is shown as text, never run.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


class ServeError(Exception):
    """`serve` cannot start (no corpus, the port is taken); one line for the user."""


@dataclass(frozen=True, slots=True)
class VersionView:
    row: ExportRow
    captures: Counter[str]  # captures by how their text is known
    provenance: Markup

    @property
    def v(self) -> Any:
        return self.row.version


def markdown(text: str) -> Markup:
    return Markup(_MARKDOWN.render(text))


def _snippet(text: str) -> Markup:
    """A search snippet with its match (between \\x02 and \\x03) marked, the rest escaped."""
    escaped = str(escape(text))
    return Markup(escaped.replace("\x02", "<mark>").replace("\x03", "</mark>"))


def _line_tag(prefix: str) -> str:
    stripped = prefix.strip()
    if stripped.startswith("#"):
        return f"h{min(len(stripped) + 1, 6)}"  # the page's own title is h1
    if stripped.startswith(">"):
        return "blockquote"
    if stripped:
        return "li"
    return "p"


_SHOWN = {("delete", "old"), ("delete", "both"), ("insert", "new"), ("insert", "both")}


def _marked(line: DiffLine, side: str) -> Markup:
    """One side of a diff line ("old", "new", or "both" for inline) with <del>/<ins>."""
    out: list[str] = []
    for segment in line.segments:
        if segment.op == "equal":
            out.append(str(escape(segment.text)))
        elif (segment.op, side) in _SHOWN:
            # The space after the last word stays outside the mark.
            body = segment.text.rstrip()
            tag = "del" if segment.op == "delete" else "ins"
            out.append(f"<{tag}>{escape(body)}</{tag}>{escape(segment.text[len(body) :])}")
    return Markup("".join(out))


def _folded(lines: list[DiffLine], context: int | None) -> list[DiffLine | int]:
    """The diff's lines with each stretch of unchanged lines further than `context` from a
    change replaced by its length (None: every line)."""
    if context is None:
        return list(lines)
    near = {
        i + d
        for i, line in enumerate(lines)
        if line.op != "equal"
        for d in range(-context, context + 1)
    }
    items: list[DiffLine | int] = []
    for i, line in enumerate(lines):
        if i in near:
            items.append(line)
        elif items and isinstance(items[-1], int):
            items[-1] += 1
        else:
            items.append(1)
    return items


def _permalink(domain: str, kind: str, lang: str, spec: str) -> str:
    return url_for("version", domain=domain, kind=kind, lang=lang, spec=spec)


def _provenance(row: ExportRow) -> Markup:
    v = row.version
    # The very line of the version file: the date of the capture it cites.
    line = provenance_line(v.domain, v.kind, iso_date(v.cited_ts or v.first_ts), v.archive_url)
    return markdown(line)


def _version_captures(
    reader: CorpusReader, domain: str, kind: str
) -> dict[tuple[str, int], Counter[str]]:
    """Per (lang, version number): its captures counted by how their text is known."""
    numbers = {
        (r.version.lang, r.version.first_ts, r.version.last_ts): r.version.number
        for r in reader.domain_rows(domain)
        if r.version.kind == kind
    }
    counts: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    for lang, captures in reader.store.tracks(domain, kind).items():
        # The very grouping that made the versions, so each capture lands in its own.
        for group in group_runs(captures):
            number = numbers.get((lang, group[0].timestamp, group[-1].timestamp))
            if number is None:
                continue  # captures newer than the versions (a crawl is writing)
            for capture in group:
                counts[(lang, number)][capture.source] += 1
    return counts


def create_app(reader: CorpusReader) -> Flask:
    app = Flask(__name__)
    app.jinja_env.globals.update(
        iso_date=iso_date, kind_names=KIND_NAMES, capture_sources=CAPTURE_SOURCES
    )
    app.jinja_env.filters["markdown"] = markdown
    app.jinja_env.filters["line_tag"] = _line_tag
    app.jinja_env.filters["snippet"] = _snippet
    app.jinja_env.globals["marked"] = _marked
    app.jinja_env.globals["permalink"] = _permalink

    @app.before_request
    def refresh() -> None:
        try:
            reader.refresh()
        except StoreError as exc:
            abort(503, description=f"the corpus cannot be read right now: {exc}")

    @app.errorhandler(HTTPException)
    def error(exc: HTTPException) -> tuple[str, int]:
        return render_template("error.html", error=exc), exc.code or 500

    @app.get("/")
    def corpus() -> str:
        tracks = reader.tracks
        by_domain: dict[str, list[Any]] = defaultdict(list)
        for track in tracks:
            by_domain[track.domain].append(track)
        domains = sorted(by_domain)
        page = max(1, request.args.get("page", 1, type=int) or 1)
        pages = max(1, -(-len(domains) // SERVE_DOMAINS_PER_PAGE))
        shown = domains[(page - 1) * SERVE_DOMAINS_PER_PAGE : page * SERVE_DOMAINS_PER_PAGE]
        figures = reader.figures
        return render_template(
            "corpus.html",
            domains=[(d, by_domain[d]) for d in shown],
            total_domains=len(domains),
            total_versions=sum(t.versions for t in tracks),
            policies=len(tracks),
            page=page,
            pages=pages,
            policies_chart=year_chart_svg(figures, "policies", "policies per year", line=False),
            length_chart=year_chart_svg(
                figures, "median_words", "median length per year (words)", line=True
            ),
        )

    @app.get("/search")
    def search() -> str:
        query = request.args.get("q", "").strip()[:200]
        folded = query.lower()
        domains = sorted({t.domain for t in reader.tracks if folded and folded in t.domain})
        hits = reader.search(query) if query else []
        return render_template(
            "search.html",
            query=query,
            domains=domains,
            hits=hits,
            too_short=bool(query) and len(" ".join(query.split())) < SERVE_SEARCH_MIN_CHARS,
        )

    @app.get("/<domain>/")
    def domain(domain: str) -> str:
        rows = reader.domain_rows(domain)
        if not rows:
            abort(404, description=f"no policy of {domain} in this corpus")
        kinds: dict[str, dict[str, list[VersionView]]] = defaultdict(lambda: defaultdict(list))
        counts: dict[str, dict[tuple[str, int], Counter[str]]] = {}
        for row in rows:
            v = row.version
            if v.kind not in counts:
                counts[v.kind] = _version_captures(reader, domain, v.kind)
            view = VersionView(
                row, counts[v.kind].get((v.lang, v.number), Counter()), _provenance(row)
            )
            kinds[v.kind][v.lang].append(view)
        marks = capture_marks(reader.store, domain, kinds)
        timelines = {
            kind: timeline_svg(
                {
                    lang: [
                        Bar(
                            x.v.number,
                            x.v.first_ts,
                            x.v.last_ts,
                            _permalink(domain, kind, lang, f"v{x.v.number}"),
                            x.v.revert_of,
                            x.v.flapping,
                        )
                        for x in views
                    ]
                    for lang, views in langs.items()
                },
                {lang: marks.get((kind, lang), []) for lang in langs},
                f"{domain} {kind} timeline",
            )
            for kind, langs in kinds.items()
        }
        return render_template("domain.html", domain=domain, kinds=kinds, timelines=timelines)

    def _track(domain: str, kind: str, lang: str) -> dict[int, ExportRow]:
        track = {
            r.version.number: r
            for r in reader.domain_rows(domain)
            if r.version.kind == kind and r.version.lang == lang
        }
        if not track:
            abort(404, description=f"no {kind} text of {domain} in {lang!r} in this corpus")
        return track

    @app.get("/<domain>/<kind>/<lang>/compare")
    def compare(domain: str, kind: str, lang: str) -> Response:
        track = _track(domain, kind, lang)
        old = request.args.get("from", type=int)
        new = request.args.get("to", type=int)
        if old not in track or new not in track:
            abort(404, description=f"{domain} {kind} {lang} has versions 1 to {max(track)}")
        view = "inline" if request.args.get("view") == "inline" else "side"
        target = _permalink(domain, kind, lang, f"v{old}..v{new}")
        return redirect(target + ("?view=inline" if view == "inline" else ""))

    @app.get("/<domain>/<kind>/<lang>/<spec>")
    def version(domain: str, kind: str, lang: str, spec: str) -> str:
        found = _SPEC.match(spec)
        if not found:
            abort(404, description=f"{spec!r} names no version (v3) or pair of versions (v1..v3)")
        track = _track(domain, kind, lang)
        numbers = [int(n) for n in found.groups() if n is not None]
        for number in numbers:
            if number not in track:
                abort(
                    404,
                    description=f"{domain} {kind} {lang} has versions 1 to {max(track)}; there is no v{number}",
                )
        langs = sorted(
            {r.version.lang for r in reader.domain_rows(domain) if r.version.kind == kind}
        )
        common = dict(domain=domain, kind=kind, lang=lang, track=track, langs=langs)
        if len(numbers) == 1:
            number = numbers[0]
            row = track[number]
            # The compare form offers this version against the one before (the first
            # against the one after): the change a reader most likely wants.
            pair = (
                (number - 1, number)
                if number - 1 in track
                else (number, min(number + 1, max(track)))
            )
            return render_template(
                "version.html", row=row, provenance=_provenance(row), pair=pair, **common
            )
        old, new = track[numbers[0]], track[numbers[1]]
        view = "inline" if request.args.get("view") == "inline" else "side"
        whole = request.args.get("context") == "all"
        lines = diff_lines(old.text, new.text)
        return render_template(
            "diff.html",
            old=old,
            new=new,
            items=_folded(lines, None if whole else SERVE_DIFF_CONTEXT),
            whole=whole,
            context=SERVE_DIFF_CONTEXT,
            view=view,
            changed=sum(1 for line in lines if line.op != "equal"),
            **common,
        )

    return app


def serve(root: Path, host: str, port: int, ready: Callable[[str], None]) -> None:
    """Serve `root` until interrupted (Ctrl-C or SIGTERM); `ready` gets the address."""
    # werkzeug logs every request at INFO unless told otherwise: a line per page on stderr
    # is noise for one user, and fills the pipe of whoever started the server unread.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        reader = CorpusReader(root)
    except OldSchemaError as exc:
        raise ServeError(
            f"{exc}; serve never writes to it: migrate it once with "
            f"`policy-archive stats --out {root}`"
        ) from exc
    except StoreError as exc:
        raise ServeError(str(exc)) from exc
    try:
        listener = _listen(host, port)
        # One thread: the reader's SQLite connections belong to it. werkzeug gets a socket
        # already bound, since on a taken port it prints its own text and exits.
        server = make_server(host, port, create_app(reader), threaded=False, fd=listener.fileno())
        listener.close()  # werkzeug serves a duplicate of it
        with _stopped_by_sigterm():
            ready(base_url(host, server.socket.getsockname()[1]))
            try:
                server.serve_forever()
            finally:
                server.server_close()
    finally:
        reader.close()


def base_url(host: str, port: int) -> str:
    """The address to open in a browser (an IPv6 address goes in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _listen(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        listener = socket.socket(family, kind, proto)
    except (OSError, OverflowError, UnicodeError) as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {_reason(exc)}") from exc
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(64)
    except (OSError, OverflowError) as exc:
        listener.close()
        raise ServeError(f"cannot listen on {host}:{port}: {_reason(exc)}") from exc
    return listener


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


class _Stop(KeyboardInterrupt):
    pass


def _stopped_by_sigterm() -> Any:
    from contextlib import contextmanager

    @contextmanager
    def handler() -> Iterator[None]:
        def stop(signum: int, frame: FrameType | None) -> None:
            raise _Stop

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            yield
        except _Stop:
            pass  # systemctl stop, or a test ending: a normal end
        finally:
            signal.signal(signal.SIGTERM, previous)

    return handler()
