"""Scrapy item pipelines: one step each, calling into corpus/."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def guarded(process: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A pipeline step whose failure on an item marks the item's domain failed (the
    spider's `storage_errors`) before Scrapy logs and drops the item: a domain is never
    reported done with a capture that was not stored."""

    @functools.wraps(process)
    def step(self: Any, item: Any) -> Any:
        try:
            return process(self, item)
        except Exception as exc:
            domain = getattr(item, "domain", None) or getattr(
                getattr(item, "capture", None), "domain", None
            )
            spider = getattr(getattr(self, "crawler", None), "spider", None)
            errors = getattr(spider, "storage_errors", None)
            if domain and errors is not None:
                errors.setdefault(domain, f"could not store a capture: {exc}")
            raise

    return step
