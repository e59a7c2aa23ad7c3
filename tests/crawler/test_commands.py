from __future__ import annotations

from types import SimpleNamespace

import pytest

from crawler.commands.crawl import spider_exit_status


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"exit_status": 0, "fatal": None}, 0),
        ({"exit_status": 130, "fatal": "stopped"}, 130),
        ({"exit_status": 0, "fatal": "unreachable"}, 0),  # the spider's own word wins
        ({"fatal": "unreachable"}, 1),
        ({"exit_status": None, "fatal": "unreachable"}, 1),
        ({"exit_status": True, "fatal": None}, None),  # a flag, not a status
        ({"fatal": None}, None),
        ({}, None),
    ],
)
def test_spider_exit_status(attributes: dict[str, object], expected: int | None) -> None:
    assert spider_exit_status(SimpleNamespace(**attributes)) == expected


def test_no_spider_keeps_scrapys_status() -> None:
    assert spider_exit_status(None) is None
