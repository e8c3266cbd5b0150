"""HTML extraction: PLACEHOLDER (trafilatura only), to be replaced by the full extractor."""
from __future__ import annotations

import trafilatura

from cleaning.document import Document, Dropped, stable_id
from cleaning.pipeline import run_stages
from cleaning.stages import FINAL_STAGES, registered_domain
from cleaning.text import clean_lines


def process_html(html: str | bytes, url: str | None = None, source: str | None = None) -> Document | Dropped:
    if not html:
        return Dropped("empty")
    extracted = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if not extracted or not extracted.text:
        return Dropped("no_article")
    article = clean_lines(extracted.text.splitlines(), title_hint=extracted.title, keep_captions=True)
    key = url or source or "<html>"
    doc = Document(id=stable_id(key), source=source or url or "<html>", url=url, domain=registered_domain(url),
                   title=article.title, author=article.author or extracted.author, text="\n".join(article.paragraphs))
    return run_stages(doc, FINAL_STAGES)
