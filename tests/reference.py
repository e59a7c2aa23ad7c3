"""Where the shared reference data lives, if this checkout has it beside it."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
IA_RECORDED = REFERENCE / "ia-recorded"


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference data not found at ../shared/reference ({path.name}); skipped")
    return path


def cassette_exchanges(path: Path) -> list[dict[str, Any]]:
    """The exchanges of one VCR cassette, bodies decoded to bytes."""
    yaml = pytest.importorskip("yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    exchanges = []
    for interaction in data.get("interactions", []):
        response = interaction["response"]
        body = response.get("body", {}).get("string", b"")
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        if "gzip" in "".join(headers.get("content-encoding", [])):
            body = gzip.decompress(body)
        exchanges.append(
            {
                "uri": interaction["request"]["uri"],
                "status": response["status"]["code"],
                "headers": headers,
                "body": body,
            }
        )
    return exchanges
