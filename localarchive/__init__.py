"""A local Wayback-Machine-compatible archive over WARC files, and demo policy sites."""

from __future__ import annotations

from localarchive.server import Faults, LocalArchive, RequestLog
from localarchive.sites import DemoManifest, ExpectedVersion, load_manifest, write_demo_archive
from localarchive.surt import surt

__all__ = [
    "DemoManifest",
    "ExpectedVersion",
    "Faults",
    "LocalArchive",
    "RequestLog",
    "load_manifest",
    "surt",
    "write_demo_archive",
]
