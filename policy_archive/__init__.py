"""policy-archive: versioned corpora of website policies from the Wayback Machine."""

from __future__ import annotations

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/policy-archive/policy-archive"
