"""Cleaning of plain-text dumps: PLACEHOLDER, being written."""
from __future__ import annotations

from dataclasses import dataclass, field

from cleaning.document import Document, Dropped, stable_id
from cleaning.pipeline import run_stages
from cleaning.stages import FINAL_STAGES


@dataclass
class Article:
    title: str | None = None
    author: str | None = None
    paragraphs: list[str] = field(default_factory=list)


def clean_lines(lines: list[str], *, title_hint: str | None = None, keep_captions: bool = False) -> Article:
    return Article(title=title_hint, paragraphs=[l for l in lines if l.strip()])


def process_text(text: str, source: str | None = None) -> Document | Dropped:
    article = clean_lines(text.splitlines())
    source = source or "<text>"
    doc = Document(id=stable_id(source), source=source, title=article.title,
                   author=article.author, text="\n".join(article.paragraphs))
    return run_stages(doc, FINAL_STAGES)
