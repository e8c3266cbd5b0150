"""The stages every Document goes through after extraction: normalize -> label -> hash -> quality signals.

Each stage is ``Document -> Document | Dropped``; ``FINAL_STAGES`` is their order.
"""
from __future__ import annotations

from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlsplit

from cleaning.document import Document, Dropped
from cleaning.language import detect_language
from cleaning.normalize import content_hash, count_words, normalize_line, normalize_text
from cleaning.quality import add_quality_signals

MIN_TEXT_CHARS = 1


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """Versions of the code that made a row, e.g. ``newsclean 0.1.0; trafilatura 2.3.1; lxml 6.1.3``."""
    parts = []
    for package in ("newsclean", "trafilatura", "lxml"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} unknown")
    return "; ".join(parts)


def normalize(doc: Document) -> Document | Dropped:
    doc.text = normalize_text(doc.text)
    for name in ("title", "author"):
        value = getattr(doc, name)
        setattr(doc, name, normalize_line(value) or None if value else None)
    if len(doc.text) < MIN_TEXT_CHARS:
        return Dropped("no_text", "nothing left after cleaning")
    return doc


def label_language(doc: Document) -> Document:
    doc.language, doc.language_score = detect_language(doc.text)
    return doc


def measure(doc: Document) -> Document:
    doc.n_chars = len(doc.text)
    doc.n_words = count_words(doc.text)
    doc.content_hash = content_hash(doc.text)
    doc.pipeline = pipeline_version()
    return doc


FINAL_STAGES = (normalize, label_language, measure, add_quality_signals)


@lru_cache(maxsize=1)
def _domain_extractor():
    import tldextract

    # The bundled Public Suffix List snapshot: never fetch it over the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(url: str | None) -> str | None:
    """``https://www.baoquocte.vn/x`` -> ``baoquocte.vn``; an IP or localhost stays as it is."""
    if not url:
        return None
    host = urlsplit(url).hostname
    if not host:
        return None
    extracted = _domain_extractor()(host)
    return extracted.top_domain_under_public_suffix or host
