from __future__ import annotations

import http.client
import time
import urllib.error

import pytest

from localarchive import Faults, LocalArchive
from localarchive.server import NO_ANSWER
from tests.localarchive.helpers import get

CDX = "/cdx/search/cdx?url=plainsite.net/"
REPLAY = "/web/20120417081500id_/https://plainsite.net/datenschutz.html"
# what a client sees when the server hangs up instead of answering
HANG_UP = (urllib.error.URLError, http.client.HTTPException, ConnectionError, OSError)


def statuses(archive: LocalArchive, path: str, times: int) -> list[int]:
    return [get(archive.url + path).status for _ in range(times)]


def test_cdx_rate_limit_answers_429_without_retry_after(fresh_archive: LocalArchive) -> None:
    fresh_archive.faults.cdx_limit = 2
    fresh_archive.faults.cdx_window = 0.5
    assert statuses(fresh_archive, CDX, 2) == [200, 200]
    limited = get(fresh_archive.url + CDX)
    assert limited.status == 429
    assert limited.body == b""
    assert limited.headers["Retry-After"] is None
    # replay has its own budget
    assert get(fresh_archive.url + REPLAY).status == 200
    time.sleep(0.55)
    assert get(fresh_archive.url + CDX).status == 200


def test_replay_rate_limit(fresh_archive: LocalArchive) -> None:
    fresh_archive.faults = Faults(replay_limit=1, replay_window=0.4)
    assert statuses(fresh_archive, REPLAY, 2) == [200, 429]
    assert get(fresh_archive.url + CDX).status == 200
    time.sleep(0.45)
    assert get(fresh_archive.url + REPLAY).status == 200


def test_every_nth_request_fails_with_503(fresh_archive: LocalArchive) -> None:
    fresh_archive.faults.error_5xx_every = 2
    assert statuses(fresh_archive, CDX, 4) == [200, 503, 200, 503]
    fresh_archive.faults.error_5xx_every = 0
    assert statuses(fresh_archive, CDX, 2) == [200, 200]


def test_every_nth_connection_is_dropped(fresh_archive: LocalArchive) -> None:
    fresh_archive.faults.drop_every = 2
    assert get(fresh_archive.url + CDX).status == 200
    with pytest.raises(HANG_UP):
        get(fresh_archive.url + CDX)
    assert get(fresh_archive.url + CDX).status == 200
    assert fresh_archive.requests[-2].status == NO_ANSWER
    assert fresh_archive.requests[-2].path == CDX


def test_truncated_body_is_shorter_than_content_length(fresh_archive: LocalArchive) -> None:
    fresh_archive.faults.truncate_every = 1
    with pytest.raises(http.client.IncompleteRead):
        get(fresh_archive.url + REPLAY)
    fresh_archive.faults.truncate_every = 0
    assert get(fresh_archive.url + REPLAY).status == 200


def test_delay(fresh_archive: LocalArchive) -> None:
    fresh_archive.faults.delay = 0.3
    started = time.monotonic()
    assert get(fresh_archive.url + CDX).status == 200
    assert time.monotonic() - started >= 0.3


def test_refuse_refuses_connections_like_ia_and_can_be_lifted(
    fresh_archive: LocalArchive,
) -> None:
    fresh_archive.faults.refuse = True
    with pytest.raises(HANG_UP):  # the connection that meets the refusal is reset
        get(fresh_archive.url + CDX)
    # then the system refuses connections (ECONNREFUSED), as IA refuses a blocked IP
    deadline = time.monotonic() + 10
    while True:
        try:
            get(fresh_archive.url + CDX)
        except HANG_UP as exc:  # reset while the listener closes, then refused
            if isinstance(getattr(exc, "reason", exc), ConnectionRefusedError):
                break
        assert time.monotonic() < deadline, "connections were never refused"
        time.sleep(0.02)
    assert fresh_archive.requests[0].status == NO_ANSWER
    fresh_archive.faults.refuse = False
    while True:  # it listens again once the refusal is lifted
        try:
            assert get(fresh_archive.url + CDX).status == 200
            break
        except HANG_UP:
            assert time.monotonic() < deadline + 10, "the archive never listened again"
            time.sleep(0.05)


def test_request_log_keeps_every_request(fresh_archive: LocalArchive) -> None:
    fresh_archive.faults.error_5xx_every = 3
    get(fresh_archive.url + CDX)
    get(fresh_archive.url + REPLAY)
    get(fresh_archive.url + "/nowhere?x=1")
    log = fresh_archive.requests
    assert [(r.path, r.status) for r in log] == [(CDX, 200), (REPLAY, 200), ("/nowhere?x=1", 503)]
    assert log[0].time <= log[1].time <= log[2].time <= time.monotonic()
