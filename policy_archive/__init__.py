"""policy-archive: versioned corpora of website policies from the Wayback Machine."""

from __future__ import annotations

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/policy-archive/policy-archive"


def user_agent(contact: str = "") -> str:
    """The User-Agent the crawler sends: the project, and the operator's contact when one is
    set (the archive asks crawlers to name one it can reach)."""
    contact = " ".join(contact.split())  # one header line, whatever was typed
    details = f"+{PROJECT_URL}; {contact}" if contact else f"+{PROJECT_URL}"
    return f"policy-archive/{__version__} ({details})"
