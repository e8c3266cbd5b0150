"""Cleaning of text lines: whole-page text dumps, and the text an HTML extractor returns.

``clean_lines`` has the page's lines labelled (``cleaning.textpage``: the lexicon, then each
line's shape and neighbours), takes the article core (the largest cluster of body paragraphs)
and the headline just above it, and keeps the unlabelled lines of the core. It only deletes
lines; every line it returns is an input line, normalized. For every line it records what became
of it (``Article.decisions``: kept, or the rule that removed it).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cleaning.document import Document, Dropped, LineDecision, stable_id
from cleaning.lexicon import TextLexicon, load_text_lexicon
from cleaning.pipeline import run_stages
from cleaning.stages import FINAL_STAGES
from cleaning.textpage import AUTHOR_LOOKAHEAD, TITLE_LOOKBACK, Label, Page
from cleaning.unwrap import join_fragments, stray_fragments, unwrap

OUTSIDE_CORE = "structure:outside_core"
AFTER_FOOTER = "structure:after_footer"   # an extractor's output: the lines from its footer on
NO_ARTICLE = "structure:no_article"
TITLE = "structure:title"
REPEATED = "structure:repeated"
STRAY_FRAGMENT = "structure:stray_fragment"


@dataclass
class Article:
    title: str | None = None
    author: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    # Every non-blank input line (normalized) in order: kept (rule None, exactly the lines of
    # ``paragraphs``) or the rule that removed it; see ``cleaning.document.LineDecision``.
    decisions: list[LineDecision] = field(default_factory=list)


def clean_lines(
    lines: list[str],
    *,
    title_hint: str | None = None,
    keep_lines: frozenset[str] = frozenset(),
    page_dump: bool = True,
    lexicon: TextLexicon | None = None,
) -> Article:
    """Keep the article in ``lines``.

    ``page_dump``: the lines are a whole page (menus, footers); trim to the article core and
    find the headline above it. Pass False for an extractor's output, which is the article
    already. ``title_hint``: the headline when known (from HTML); lines repeating it are
    dropped. ``keep_lines``: lines the caller already judged to be article text (HTML figure
    captions that are full sentences), kept whatever their label; otherwise every line ending in
    a photo credit is dropped, since plain text cannot tell a caption from its surroundings.
    """
    page = Page(lines, lexicon or load_text_lexicon())
    page.label_from_lexicon()
    if not page_dump:  # the markup judged the captions already: a paragraph ending in a credit is text
        page.release_paragraphs(Label.CAPTION)
    page.label_repeated_paragraphs()
    page.label_related_blocks(after_prose=not page_dump)
    if page_dump:
        page.label_widgets()
    span = page.core() if page_dump else None
    if page_dump and span is None:
        # A page without one body paragraph holds no article (and its leftovers would be
        # judged otherwise once the clutter between them is gone).
        return Article(decisions=[LineDecision(line, rule or NO_ARTICLE) for line, rule in zip(page.lines, page.rules)])
    first, last = span if span else (0, page.footer_start() - 1)
    title_index = None
    if span and not title_hint:
        title_index, first = page.find_title(first)
        if title_index is not None:
            page.mark(title_index, page.labels[title_index], TITLE)
    title = title_hint or (page.lines[title_index] if title_index is not None else None)
    if page_dump:  # an extractor judged links on the markup: its repeats and short runs are content
        page.label_repeated_links(first, last, title)
        page.label_link_runs(first, last)
    if span:
        last = page.last_body(first, last)
    above = range(title_index + 1 if title_index is not None else max(first - TITLE_LOOKBACK, 0), first)
    below = range(last + 1, min(last + 1 + AUTHOR_LOOKAHEAD, len(page.lines)))
    author = page.find_author(above, below)
    rules = _decide(page, first, last, title, keep_lines, OUTSIDE_CORE if span else AFTER_FOOTER)
    if page_dump:  # an extractor's output keeps a list's repeated items; a dump's repeats are widgets
        _drop_repeats(page.lines, rules)
        _drop_stray_fragments(page.lines, rules, title)
    decisions = [LineDecision(line, rule) for line, rule in zip(page.lines, rules)]
    return Article(title=title, author=author, paragraphs=[d.line for d in decisions if d.rule is None],
                   decisions=decisions)


def _decide(page: Page, first: int, last: int, title: str | None, keep_lines: frozenset[str],
            outside: str) -> list[str | None]:
    """Every line's rule: None for a kept line (in first..last, unlabelled and not the headline,
    or judged text by the caller), else the rule of its label, or ``outside`` for its place."""
    rules: list[str | None] = []
    for i, line in enumerate(page.lines):
        if not first <= i <= last:
            rules.append(page.rules[i] or outside)
        elif line in keep_lines:
            rules.append(None)
        else:
            rules.append(page.rules[i] or (TITLE if line == title else None))
    return rules


def _drop_repeats(lines: list[str], rules: list[str | None]) -> None:
    """A kept line seen before among the kept ones is dropped (image alt texts and pull quotes
    repeat paragraphs)."""
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if rules[i] is None:
            if line in seen:
                rules[i] = REPEATED
            seen.add(line)


def _drop_stray_fragments(lines: list[str], rules: list[str | None], title: str | None) -> None:
    """Drop the kept lines that ``join_fragments`` would glue onto the line above once the
    clutter between them is gone (a lone ")" under a kept line), so that cleaning a cleaned
    text changes nothing. Rare: such pieces were not next to each other in the dump."""
    kept = [i for i, rule in enumerate(rules) if rule is None]
    head = [title] if title else []
    while stray := stray_fragments(head + [lines[i] for i in kept]):
        for at in stray:
            rules[kept[at - len(head)]] = STRAY_FRAGMENT
        kept = [i for i in kept if rules[i] is None]


def process_text(text: str, source: str | None = None) -> Document | Dropped:
    """A text dump -> a clean Document, or Dropped with the reason."""
    if not text or not text.strip():
        return Dropped("empty", "no text")
    article = clean_lines(join_fragments(unwrap(text.splitlines())))
    if not article.paragraphs:
        return Dropped("no_article", "no article text found")
    source = source or "<text>"
    doc = Document(
        id=stable_id(source),
        source=source,
        title=article.title,
        author=article.author,
        text="\n".join(article.paragraphs),
        decisions=article.decisions,
    )
    return run_stages(doc, FINAL_STAGES)
