"""LocalArchive: a Wayback-Machine-compatible HTTP server over a folder of WARC files."""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

from localarchive.cdx import CdxIndex, CdxQuery, CdxQueryError, blocked, render, search
from localarchive.replay import Replayer, Reply, not_found_reply
from localarchive.warcs import IndexEntry, index_warcs

logger = logging.getLogger(__name__)

CDX_PATH = "/cdx/search/cdx"
# what IA sends for a search under an excluded URL (recorded exchange)
BLOCKED_ERROR = (
    "org.archive.util.io.RuntimeIOException: org.archive.wayback.exception."
    "AdministrativeAccessControlException: Blocked Site Error"
)
NO_ANSWER = 0  # RequestLog.status of a dropped or refused connection


@dataclass(slots=True)
class Faults:
    """Misbehaviour to switch on, also while the server runs; all off by default."""

    cdx_limit: int | None = None
    cdx_window: float = 60.0
    replay_limit: int | None = None
    replay_window: float = 60.0
    error_5xx_every: int = 0
    drop_every: int = 0
    truncate_every: int = 0
    delay: float = 0.0
    # every Nth answer comes only after slow_delay seconds (an archive under load)
    slow_every: int = 0
    slow_delay: float = 20.0
    refuse: bool = False
    # refuse every connection once this many requests have been answered, like IA
    # refusing an IP that ignored its 429s
    refuse_after: int | None = None
    # CDX queries holding this text (unquoted) answer 503, like IA timing out on the
    # listing of a huge domain while it answers the others
    cdx_fail_when: str = ""


@dataclass(frozen=True, slots=True)
class RequestLog:
    time: float
    path: str
    status: int
    user_agent: str = ""  # what the crawler calls itself (it names a contact)


class _EveryNth:
    """Counts from the moment its setting last changed, so a test knows which request fires."""

    __slots__ = ("_count", "_every")

    def __init__(self) -> None:
        self._every = 0
        self._count = 0

    def hit(self, every: int) -> bool:
        if every != self._every:
            self._every, self._count = every, 0
        if every <= 0:
            return False
        self._count += 1
        return self._count % every == 0


class _Window:
    """Sliding-window counter; refused calls count too, as hammering IA keeps you limited."""

    __slots__ = ("_times",)

    def __init__(self) -> None:
        self._times: deque[float] = deque()

    def over(self, limit: int | None, window: float, now: float) -> bool:
        if limit is None:
            return False
        while self._times and self._times[0] <= now - window:
            self._times.popleft()
        self._times.append(now)
        return len(self._times) > limit


@dataclass(frozen=True, slots=True)
class _Verdict:
    drop: bool = False
    status: int | None = None
    truncate: bool = False
    slow: bool = False


class LocalArchive:
    """Serves warc_dir like web.archive.org on host:port (0 picks a free port)."""

    def __init__(
        self,
        warc_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        blocked: Iterable[str] = (),
    ) -> None:
        self.warc_dir = Path(warc_dir)
        self.host = host
        self.port = port
        self.faults = faults if faults is not None else Faults()
        self.blocked = frozenset(blocked)
        self.requests: list[RequestLog] = []
        self.index: list[IndexEntry] = []
        self._cdx_index = CdxIndex(self.index)
        self._lock = threading.Lock()
        self._server: _ArchiveServer | None = None
        self._thread: threading.Thread | None = None
        self._replayer: Replayer | None = None
        self._drop = _EveryNth()
        self._error = _EveryNth()
        self._truncate = _EveryNth()
        self._slow = _EveryNth()
        self._cdx_window = _Window()
        self._replay_window = _Window()
        self._closed = False  # the listener is closed: connections are refused
        # CDX rows sent in all answers: what a listing costs the archive (and the client)
        self.cdx_rows = 0
        self.truncated = 0  # answers cut short (Faults.truncate_every)
        self.slowed = 0  # answers held back (Faults.slow_every)
        self._stopping = False
        self._watcher: threading.Thread | None = None
        self._port_in_use = 0

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("archive not started")
        return f"http://{self.host}:{self._port_in_use}"

    def start(self) -> LocalArchive:
        if self._server is not None:
            return self
        if not self.warc_dir.is_dir():
            raise FileNotFoundError(f"no such directory: {self.warc_dir}")
        self.index = index_warcs(self.warc_dir)
        self._cdx_index = CdxIndex(self.index)
        self._listen(self.port)
        self._replayer = Replayer(self.index, self.url, self.blocked)
        logger.info("serving %d captures at %s", len(self.index), self.url)
        return self

    def _listen(self, port: int) -> None:
        """Serve on `port` (0: a free one) in a thread of its own."""
        server = _ArchiveServer((self.host, port), _ArchiveHandler)
        server.archive = self
        self._server = server
        self._port_in_use = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="localarchive",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.join(timeout=5)
        server, thread = self._server, self._thread
        if server is None:
            return
        if not self._closed:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def _stop_listening(self) -> None:
        """Close the listening socket (from the serving thread: shut down from another)."""
        with self._lock:
            if self._closed or self._server is None:
                return
            self._closed = True
        server = self._server

        def close() -> None:
            server.shutdown()
            server.server_close()

        threading.Thread(target=close, name="localarchive-refuse", daemon=True).start()
        if self._watcher is None:
            self._watcher = threading.Thread(
                target=self._listen_again, name="localarchive-watch", daemon=True
            )
            self._watcher.start()

    def _listen_again(self) -> None:
        """Listen on the same port again once the refusal is lifted (faults changed)."""
        port = self._port_in_use
        while not self._stopping:
            if not self.refusing():
                time.sleep(0.1)  # let the closing thread finish
                self._listen(port)
                with self._lock:
                    self._closed = False
                    self._watcher = None
                return
            time.sleep(0.05)

    def __enter__(self) -> LocalArchive:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Blocks until KeyboardInterrupt; for the CLI."""
        self.start()
        try:
            while True:
                time.sleep(3600)
        finally:
            self.stop()

    def _log(self, arrived: float, path: str, status: int, user_agent: str = "") -> None:
        with self._lock:
            self.requests.append(RequestLog(arrived, path, status, user_agent))

    def refusing(self) -> bool:
        faults = self.faults
        if faults.refuse:
            return True
        if faults.refuse_after is None:
            return False
        with self._lock:
            answered = sum(1 for log in self.requests if log.status != NO_ANSWER)
        return answered >= faults.refuse_after

    def _judge(self, path: str, now: float) -> _Verdict:
        faults = self.faults
        if self.refusing():
            # a kept-alive connection is reset too, as a refusing firewall would
            return _Verdict(drop=True)
        with self._lock:
            drop = self._drop.hit(faults.drop_every)
            error = self._error.hit(faults.error_5xx_every)
            truncate = self._truncate.hit(faults.truncate_every)
            slow = self._slow.hit(faults.slow_every)
            if path.startswith(CDX_PATH):
                limited = self._cdx_window.over(faults.cdx_limit, faults.cdx_window, now)
            elif path.startswith("/web/"):
                limited = self._replay_window.over(faults.replay_limit, faults.replay_window, now)
            else:
                limited = False
        if drop:
            return _Verdict(drop=True)
        if limited:
            return _Verdict(status=429)
        failing = faults.cdx_fail_when
        if failing and path.startswith(CDX_PATH) and failing in unquote_plus(path):
            return _Verdict(status=503, slow=slow)
        if error:
            return _Verdict(status=503, slow=slow)
        return _Verdict(truncate=truncate, slow=slow)

    def _answer(self, path: str) -> Reply:
        parts = urlsplit(path)
        if parts.path == CDX_PATH:
            return self._answer_cdx(parts.query)
        replayer = self._replayer
        if replayer is not None and replayer.handles(path):
            return replayer.answer(path)
        return not_found_reply()

    def _answer_cdx(self, query_string: str) -> Reply:
        params = parse_qs(query_string, keep_blank_values=True)
        try:
            query = CdxQuery.from_params(params)
        except CdxQueryError as exc:
            return Reply(400, [("Content-Type", "text/plain;charset=UTF-8")], f"{exc}\n".encode())
        if blocked(query.url, self.blocked):
            return Reply(
                403,
                [
                    ("Content-Type", "text/plain;charset=UTF-8"),
                    ("X-Archive-Wayback-Runtime-Error", BLOCKED_ERROR),
                ],
                f"{BLOCKED_ERROR}\n".encode(),
            )
        result = search(self._cdx_index, query)
        with self._lock:
            self.cdx_rows += len(result.rows)
        body, content_type = render(result, query)
        return Reply(200, [("Content-Type", content_type)], body)


class _ArchiveServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog of 5 resets connections under a crawl of many
    # domains at once; a real archive's front end queues them
    request_queue_size = 256
    archive: LocalArchive

    def verify_request(self, request: Any, client_address: Any) -> bool:
        archive = self.archive
        if not archive.refusing():
            return True
        archive._log(time.monotonic(), "", NO_ANSWER)
        # linger 0 makes close() send RST; the listener then closes, so that the next
        # connections are refused by the system (ECONNREFUSED), as IA refuses an IP
        request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        archive._stop_listening()
        return False


class _ArchiveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ArchiveServer

    def version_string(self) -> str:
        return "localarchive"

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            # a client dropping a kept-alive connection it no longer needs: not an error
            self.close_connection = True

    def do_GET(self) -> None:
        arrived = time.monotonic()
        archive = self.server.archive
        path = self.path
        verdict = archive._judge(path, arrived)
        if archive.faults.delay > 0:
            time.sleep(archive.faults.delay)
        if verdict.slow:
            archive.slowed += 1
            time.sleep(archive.faults.slow_delay)
        if verdict.drop:
            archive._log(arrived, path, NO_ANSWER)
            self.close_connection = True
            return
        if verdict.status == 429:
            # IA's 429 carries no Retry-After
            reply = Reply(429, [("Content-Type", "text/html; charset=utf-8")], b"")
        elif verdict.status is not None:
            reply = Reply(
                verdict.status,
                [("Content-Type", "text/html; charset=utf-8")],
                b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n",
            )
        else:
            try:
                reply = archive._answer(path)
            except Exception:
                logger.exception("failed to answer %s", path)
                reply = Reply(
                    500, [("Content-Type", "text/plain;charset=UTF-8")], b"internal error\n"
                )
        archive._log(arrived, path, reply.status, self.headers.get("User-Agent", ""))
        if verdict.truncate:
            archive.truncated += 1
        self._send(reply, verdict.truncate)

    def _send(self, reply: Reply, truncate: bool) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if truncate:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        body = reply.body[: len(reply.body) // 2] if truncate else reply.body
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)
