"""What produced a corpus: library versions and the settings of every text-processing step,
recorded with each run so a corpus can be explained and reproduced later."""

from __future__ import annotations

import importlib
import platform
from importlib import metadata
from typing import Any

# The packages whose behaviour shapes the text; a new release of any of them can change it.
PRODUCER_LIBRARIES = (
    "policy-archive",
    "trafilatura",
    "lxml",
    "lxml_html_clean",
    "langdetect",
    "warcio",
    "ftfy",
    "charset-normalizer",
)
# The modules whose settings decide what text a payload yields and how versions are cut.
PRODUCER_MODULES = (
    "corpus.decoding",
    "corpus.extraction",
    "corpus.policy",
    "corpus.language",
    "corpus.process",
    "corpus.normalise",
    "corpus.versioning",
)


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PRODUCER_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def corpus_settings() -> dict[str, Any]:
    """Every UPPER_SNAKE constant with a plain value in the text-processing modules."""
    settings: dict[str, Any] = {}
    for module_name in PRODUCER_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name, value in sorted(vars(module).items()):
            bare = name.lstrip("_")
            if bare and bare == bare.upper() and bare[0].isalpha() and _plain(value):
                settings[f"{module_name.split('.')[-1]}.{name}"] = _jsonable(value)
    return settings


def producer_info() -> dict[str, Any]:
    return {"libraries": library_versions(), "settings": corpus_settings()}


def _plain(value: object) -> bool:
    if isinstance(value, str | int | float | bool) or value is None:
        return True
    if isinstance(value, tuple | list | frozenset | set):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _jsonable(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in sorted(value.items())}
    return value
