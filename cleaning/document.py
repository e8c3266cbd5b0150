"""The one record that flows through every stage, and the value a stage returns to drop it."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cleaning.pagekind import PageSignals


#: Document fields that are not Parquet columns.
NOT_PERSISTED = frozenset({"flags", "signature", "page", "decisions"})


@dataclass
class Document:
    """One article. Field names and meanings are the Parquet schema (see ``cleaning.parquet``)."""

    id: str
    source: str
    text: str = ""
    title: str | None = None
    url: str | None = None
    domain: str | None = None
    author: str | None = None
    published: datetime | None = None
    language: str = "und"
    language_score: float = 0.0
    n_chars: int = 0
    n_words: int = 0
    content_hash: str = ""
    fetched_at: datetime | None = None
    pipeline: str = ""
    duplicate_of: str | None = None
    # A canonical link that points to another registered domain (the outlet that first published
    # the article, a syndication partner): ``url`` is then the fetched page's own URL.
    canonical_url: str | None = None
    # Quality signals of ``text`` and the first FineWeb-2 filter it fails (``cleaning.quality``;
    # README "Quality signals"); None until that stage has run.
    mean_word_length: float | None = None
    frac_lines_end_punct: float | None = None
    frac_dup_lines: float | None = None
    frac_chars_dup_lines: float | None = None
    frac_dup_paragraphs: float | None = None
    frac_chars_dup_paragraphs: float | None = None
    frac_chars_top_2gram: float | None = None
    frac_chars_top_3gram: float | None = None
    frac_chars_top_4gram: float | None = None
    frac_chars_dup_5grams: float | None = None
    frac_chars_dup_6grams: float | None = None
    frac_chars_dup_7grams: float | None = None
    frac_chars_dup_8grams: float | None = None
    frac_chars_dup_9grams: float | None = None
    frac_chars_dup_10grams: float | None = None
    frac_stop_words: float | None = None
    frac_non_alpha_words: float | None = None
    filter_reason: str | None = None
    # Notes a stage leaves for later stages or for counting; not written to Parquet.
    flags: list[str] = field(default_factory=list)
    # The near-duplicate MinHash signature, when the cleaning worker computed it
    # (``cleaning.minhash.signature``); not written to Parquet, not compared.
    signature: tuple | None = field(default=None, repr=False, compare=False)
    # What an HTML page's markup says of its kind (``cleaning.pagekind.PageSignals``), for the
    # crawler's article decision; None for text dumps. Not written to Parquet, not compared.
    page: "PageSignals | None" = field(default=None, repr=False, compare=False)
    # What the cleaner decided, line by line, in input order (``newsclean explain`` prints it).
    # Not written to Parquet, not compared.
    decisions: list["LineDecision"] = field(default_factory=list, repr=False, compare=False)

    def to_row(self) -> dict:
        """The Parquet row: every schema column, nothing else."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in NOT_PERSISTED}


@dataclass(frozen=True)
class LineDecision:
    """One line the cleaner looked at and what became of it.

    ``rule`` is None for a kept line; otherwise the rule that removed it, as
    ``family:name[:detail]`` (e.g. ``lexicon:related:Tin liên quan``, ``structure:outside_core``,
    ``container:div.sidebar:sidebar``), recorded where the decision is made, never re-derived.
    """

    line: str
    rule: str | None = None

    @property
    def kept(self) -> bool:
        return self.rule is None


@dataclass(frozen=True)
class Dropped:
    """What a stage returns instead of a Document: the run counts ``reason``; ``detail`` is logged."""

    reason: str
    detail: str = ""


def stable_id(key: str) -> str:
    """Stable id of a record: hash of its canonical URL, or of its source path for files."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
