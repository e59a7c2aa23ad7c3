from __future__ import annotations

from pathlib import Path

import pytest

from localarchive.__main__ import main


def test_generate_writes_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "manifest.json").is_file()
    assert "manifest.json" in capsys.readouterr().out


def test_serve_missing_dir_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such directory" in err


def test_serve_dir_without_warcs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", str(tmp_path)]) == 2
    assert "no .warc.gz or .warc files" in capsys.readouterr().err


def test_generate_onto_a_file_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["generate", str(target)]) == 2
    assert capsys.readouterr().err.startswith("error:")
