from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localarchive import DemoManifest, LocalArchive, write_demo_archive
from tests.localarchive.helpers import write_mini_archive


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="session")
def demo_manifest(demo_dir: Path) -> DemoManifest:
    return write_demo_archive(demo_dir)


@pytest.fixture(scope="session")
def demo_archive(demo_dir: Path, demo_manifest: DemoManifest) -> Iterator[LocalArchive]:
    """Shared and read-only: tests that change faults use `fresh_archive`."""
    with LocalArchive(demo_dir, blocked={"com,blocked-example)"}) as archive:
        yield archive


@pytest.fixture
def fresh_archive(demo_dir: Path, demo_manifest: DemoManifest) -> Iterator[LocalArchive]:
    with LocalArchive(demo_dir) as archive:
        yield archive


@pytest.fixture(scope="session")
def mini_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalArchive]:
    with LocalArchive(write_mini_archive(tmp_path_factory.mktemp("mini"))) as archive:
        yield archive
