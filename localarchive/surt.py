"""SURT keys in the Internet Archive's CDX form (`com,example)/path?a=1`)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_WWW = re.compile(r"^www\d*\.")
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def surt(url: str) -> str:
    """The urlkey IA's CDX server sorts and matches by."""
    # IA keys ignore the scheme, so accept schemeless input ("example.com/a")
    if "://" not in url:
        url = "http://" + url.lstrip("/")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = parts.netloc.lower().rsplit("@", 1)[-1]
    host, _, port = netloc.partition(":")
    host = _WWW.sub("", host).strip(".")
    key = ",".join(reversed(host.split(".")))
    if port and port != _DEFAULT_PORTS.get(scheme):
        key += ":" + port
    key += ")"
    path = parts.path or "/"
    # IA canonicalises `/dir/` and `/dir` to the same key
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    key += path
    if parts.query:
        params = sorted(p for p in parts.query.split("&") if p)
        if params:
            key += "?" + "&".join(params)
    return key.lower()
