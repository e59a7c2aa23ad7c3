"""14-digit Wayback timestamps (`20190624190612`) and the date forms derived from them."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime


def parse_timestamp(timestamp: str) -> datetime:
    """UTC datetime; lenient: pads short stamps and tolerates month or day 00 as IA's index does."""
    digits = timestamp.ljust(14, "0")
    year = max(int(digits[0:4]), 1)
    month = min(max(int(digits[4:6]), 1), 12)
    day = min(max(int(digits[6:8]), 1), 31)
    hour = min(int(digits[8:10]), 23)
    minute = min(int(digits[10:12]), 59)
    second = min(int(digits[12:14]), 59)
    while True:
        try:
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except ValueError:
            day -= 1  # the 31st of a 30-day month


def http_date(timestamp: str) -> str:
    return format_datetime(parse_timestamp(timestamp), usegmt=True)


def iso_datetime(timestamp: str) -> str:
    return parse_timestamp(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_day(timestamp: str) -> str:
    return parse_timestamp(timestamp).strftime("%Y-%m-%d")
