"""A pipeline step that fails on an item fails the item's domain, never silently."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from corpus.models import RawCapture
from crawler.items import CaptureItem
from pipelines import guarded


class Broken:
    def __init__(self) -> None:
        self.crawler = SimpleNamespace(spider=SimpleNamespace(storage_errors={}))

    @guarded
    def process_item(self, item: object) -> object:
        raise OSError(28, "No space left on device")


def test_a_failing_step_marks_the_domain_and_lets_scrapy_see_the_error() -> None:
    step = Broken()
    capture = RawCapture("example.com", "privacy", "policy", "u", "20200101000000", "a", "d")
    with pytest.raises(OSError):
        step.process_item(CaptureItem(capture))
    errors = step.crawler.spider.storage_errors
    assert list(errors) == ["example.com"] and "No space left" in errors["example.com"]
