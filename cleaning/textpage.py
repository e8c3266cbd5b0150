"""The lines of one page and why each is not article text: the labelling behind ``clean_lines``.

A page flattened to text is a column of lines: menus, the headline, a byline, the lead and body
paragraphs with captions and inline link boxes among them, then related-article blocks,
comment widgets and the footer. ``Page`` labels every line (from the lexicon, then from its
shape and neighbours), finds the article core (the largest cluster of body paragraphs) and the
headline above it. Every label is set together with its rule (``family:name[:detail]``, see
``cleaning.document.LineDecision``), so the decisions reported are the ones taken.

Words are counted by ``cleaning.normalize.count_words`` (CJK and Thai runs estimated from their
characters), the same count as the ``n_words`` column.
"""
from __future__ import annotations

import re
from collections import Counter
from enum import Enum

from cleaning.lexicon import TextLexicon
from cleaning.normalize import count_words, normalize_line

MIN_BODY_WORDS = 12        # a body paragraph has at least this many words ...
LONG_BODY_WORDS = 35       # ... and ends like a sentence, or is this long
MAX_HEADLINE_WORDS = 40
MAX_TEASER_WORDS = 20      # a line this short cut with an ellipsis is a teaser
MIN_TITLE_WORDS = 3
MIN_STANDFIRST_WORDS = 15  # a headline-like line this long under a shorter one is a standfirst
MIN_LINK_RUN = 3           # this many headline-like lines in a row, and at most ...
MAX_LINK_RUN = 4           # ... this many, with a paragraph right after them, are a link box
MIN_LINK_WORDS = 6         # ... when each has at least this many words
MAX_CORE_GAP = 6           # unlabelled lines allowed between two paragraphs of one article
TITLE_LOOKBACK = 12        # how far above the first paragraph the headline may stand
AUTHOR_LOOKAHEAD = 6       # how far below the last paragraph a byline may stand
MAX_NAME_WORDS = 5
TEXT_LINE_WORDS = 8        # a line without a label this long is text, no clutter (see core)
CLUTTER_COST = 25          # characters a non-paragraph line inside a cluster costs it (see core)
UNENDED_DIVISOR = 2        # a paragraph not ended like a sentence weighs 1/this in a cluster
COMMENTS_FACTOR = 0.1      # what a cluster under the comments heading weighs (see core)
MIN_ARTICLE_CHARS = 400    # a cluster this large above a comments heading is the article
MAX_BRIDGE = 60            # at most this many lines between two clusters joined into one
MIN_WIDGET_REPEATS = 3     # a short line standing this often on a page is a widget

WIDGET = "structure:widget"

_SENTENCE_END = tuple(".!?…:;\"”’')]»。！？：；」』）")
_CUT_SHORT = ("…", "...")   # a short line cut with an ellipsis is a teaser, not a paragraph
_PROSE_END = tuple(".!?:;…。！？：；")
_HEADLINE_BAD_END = tuple(".;,:…。，、：；")   # "..." ends in "." too
_MARKUP = re.compile(r"^(#{1,6}|>|[*+]) +|\*\*|__")   # markdown decoration (html2text output)
_MARKUP_START = ("#", ">", "* ", "+ ")
_LIST_MARK = re.compile(r"^([-–—•*+·▪►»]|\d{1,2}[.)]|[^\W\d_][.)])\s")
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_.'-]*\.?$")


class Label(Enum):
    """Why a line is not article text."""

    BOILERPLATE = "boilerplate"
    FOOTER = "footer"
    COMMENTS = "comments"
    HEADING = "related_heading"
    RELATED = "related"
    CAPTION = "caption"
    BYLINE = "byline"
    REPEATED = "repeated"


# Labels that keep two clusters of paragraphs apart (see ``Page._bridge``); a photo credit
# stands inside articles, and so do widgets (told by their rule, ``WIDGET``).
BLOCKING = frozenset({Label.FOOTER, Label.COMMENTS, Label.HEADING, Label.RELATED, Label.REPEATED,
                      Label.BOILERPLATE, Label.BYLINE})


# count_words of the lines of the page being cleaned: each line is asked several times. Cleared
# for every page (``Page``); its values depend on the line alone, so sharing it is always safe.
_word_counts: dict[str, int] = {}


def word_count(line: str) -> int:
    """``count_words`` of a line, remembered for the page being cleaned."""
    count = _word_counts.get(line)
    if count is None:
        count = _word_counts[line] = count_words(line)
    return count


def is_headline_like(line: str) -> bool:
    """Short, and not ended like a sentence in the middle of a text: a headline or a link."""
    return 2 <= word_count(line) <= MAX_HEADLINE_WORDS and not line.endswith(_HEADLINE_BAD_END)


def is_body_paragraph(line: str, teasers: bool = False) -> bool:
    """A paragraph of running text: long, or ended like a sentence; ``teasers``: a short line
    cut with an ellipsis counts too (otherwise it is a teaser, not a paragraph)."""
    words = word_count(line)
    if words >= LONG_BODY_WORDS:
        return True
    return (words >= MIN_BODY_WORDS and not is_headline_like(line) and line.endswith(_SENTENCE_END)
            and (teasers or words > MAX_TEASER_WORDS or not line.endswith(_CUT_SHORT)))


def is_list_item(line: str) -> bool:
    return bool(_LIST_MARK.match(line[:4].lower()))


def looks_like_name(line: str) -> bool:
    """A bare byline: one to five capitalized words ("Thế Việt", "NHẬT XUÂN")."""
    words = line.split()
    return 1 <= len(words) <= MAX_NAME_WORDS and all(_NAME_WORD.match(w) and w[0].isupper() for w in words)


class Page:
    """The lines of one input (normalized, blank lines left out) and their labels; the steps of
    ``clean_lines`` fill the labels. ``rules[i]`` names the rule behind ``labels[i]``."""

    def __init__(self, lines: list[str], lexicon: TextLexicon) -> None:
        _word_counts.clear()
        self.lines = [line for line in map(normalize_line, lines) if line]
        self.labels: list[Label | None] = [None] * len(self.lines)
        self.rules: list[str | None] = [None] * len(self.lines)
        self.lexicon = lexicon
        self.body = [is_body_paragraph(line) for line in self.lines]
        if not any(self.body):  # all there is are teasers (a paywall's first lines): those, then
            self.body = [is_body_paragraph(line, teasers=True) for line in self.lines]

    def mark(self, i: int, label: Label | None, rule: str | None) -> None:
        self.labels[i], self.rules[i] = label, rule

    def free(self, i: int) -> bool:
        return self.labels[i] is None

    def free_body(self, i: int) -> bool:
        return 0 <= i < len(self.lines) and self.labels[i] is None and self.body[i]

    def label_from_lexicon(self) -> None:
        for i, line in enumerate(self.lines):
            if line.startswith(_MARKUP_START) or "**" in line or "__" in line:
                line = _MARKUP.sub("", line) or line
            verdict = self.lexicon.explain(line)
            if verdict:
                self.mark(i, Label(verdict[0]), f"lexicon:{verdict[0]}:{verdict[1]}")

    def release_paragraphs(self, label: Label) -> None:
        """Body paragraphs labelled ``label`` are text after all."""
        for i, line_label in enumerate(self.labels):
            if line_label is label and self.body[i]:
                self.mark(i, None, None)

    def label_repeated_paragraphs(self) -> None:
        """A paragraph seen before (a pull quote, an image's alt text) is not article text again."""
        seen: set[str] = set()
        for i, line in enumerate(self.lines):
            if self.body[i] and self.free(i):
                if line in seen:
                    self.mark(i, Label.REPEATED, "structure:repeated")
                seen.add(line)

    def label_related_blocks(self, *, after_prose: bool = False) -> None:
        """The headlines, repeated headlines and teasers that follow a related-article heading.
        ``after_prose``: only a heading that follows a body paragraph opens a block (in an
        extractor's output a "Latest" heading over nothing but headlines and teasers is a
        listing page's own content, not a box beside an article)."""
        prose_seen = False
        for i, label in enumerate(self.labels):
            prose_seen = prose_seen or self.free_body(i)
            if label is Label.HEADING and (prose_seen or not after_prose):
                self._consume_block(i + 1, "lexicon:related:" + self.rules[i].split(":", 2)[-1])

    def _consume_block(self, start: int, rule: str) -> None:
        after_headline = False
        for j in range(start, len(self.lines)):
            label, line = self.labels[j], self.lines[j]
            if label in (Label.HEADING, Label.FOOTER):
                return
            if label is not None:
                continue
            if is_headline_like(line) or line.endswith(("...", "…")):
                if self._prose_follows(j):
                    return  # a headline over running text: the article, not another link
                after_headline = True
            elif after_headline and not self.free_body(j + 1):
                after_headline = False  # a teaser: one paragraph between two headlines
            else:
                return
            self.mark(j, Label.RELATED, rule)

    def _prose_follows(self, i: int, window: int = 4) -> bool:
        """Do two paragraphs in a row come within the next ``window`` unlabelled lines?

        Teaser lists alternate headline and paragraph; an article runs paragraph after paragraph.
        """
        following = [j for j in range(i + 1, min(i + 1 + 3 * window, len(self.lines))) if self.free(j)][:window]
        return any(self.body[a] and self.body[b] for a, b in zip(following, following[1:]))

    def label_repeated_links(self, first: int, last: int, title: str | None) -> None:
        """Inside the article: headlines that stand twice on the page are links, a paragraph under one a teaser."""
        counts = Counter(self.lines)
        for i in range(first, last + 1):
            line = self.lines[i]
            if self.free(i) and counts[line] > 1 and is_headline_like(line) and line != title:
                self.mark(i, Label.REPEATED, "structure:repeated_link")
                if word_count(line) >= MIN_LINK_WORDS and self.free_body(i + 1) and not self._body_near(i + 2):
                    self.mark(i + 1, Label.REPEATED, "structure:repeated_link_teaser")

    def _body_near(self, i: int) -> bool:
        """Is one of the two lines from ``i`` on paragraph-shaped (whatever its label)?"""
        return any(self.body[i : i + 2])

    def last_body(self, first: int, last: int) -> int:
        """The last unlabelled paragraph in first..last (labels may have changed since ``core``)."""
        return next((i for i in range(last, first - 1, -1) if self.free_body(i)), last)

    def label_link_runs(self, first: int, last: int) -> None:
        """Inside the article, three or four headline-like lines in a row with a paragraph right
        after them are a link box that the article's text flows around. A longer run is a list
        (of songs, speakers, fixtures, steps), and lines that no paragraph follows are the
        article's own (a subheading's items)."""
        run: list[int] = []
        for i in range(first, last + 2):
            line = self.lines[i] if i <= last else ""
            if line and self.free(i) and not is_list_item(line) and is_headline_like(line) and word_count(line) >= MIN_LINK_WORDS:
                run.append(i)
                continue
            if MIN_LINK_RUN <= len(run) <= MAX_LINK_RUN and self.free_body(i):
                for j in run:
                    self.mark(j, Label.RELATED, "structure:link_run")
            run = []

    def core(self) -> tuple[int, int] | None:
        """First and last line of the article core: the cluster of body paragraphs with the
        most characters, less ``CLUTTER_COST`` for every other line inside it that is labelled
        or shorter than ``TEXT_LINE_WORDS`` (a comment thread's name, date and reply lines
        between its paragraphs weigh against it; a timetable's or a list's long lines do not). A cluster
        ends at a footer, and at a comments heading once an article-sized cluster stands above
        it; the clusters after such a heading weigh ``COMMENTS_FACTOR`` of their size (readers'
        comments under the article, not the article; a comment counter in the share bar under
        the lead changes nothing)."""
        best, best_score = None, float("-inf")
        start = last = None
        size = gap = clutter = clutter_at_last = 0
        article_seen = in_comments = False
        clusters: list[tuple[int, int, float]] = []
        for i in range(len(self.lines) + 1):
            label = self.labels[i] if i < len(self.lines) else None
            comments = label is Label.COMMENTS and (article_seen or size >= MIN_ARTICLE_CHARS)
            if i == len(self.lines) or label is Label.FOOTER or comments or gap > MAX_CORE_GAP:
                if start is not None:
                    score = (size - CLUTTER_COST * clutter_at_last) * (COMMENTS_FACTOR if in_comments else 1)
                    clusters.append((start, last, score))
                    if score > best_score:
                        best, best_score = (start, last), score
                    article_seen = article_seen or size >= MIN_ARTICLE_CHARS
                if i == len(self.lines):
                    break
                in_comments = in_comments or comments
                start, size, gap, clutter = None, 0, 0, 0
            if self.free_body(i):
                if start is None:
                    start = i
                last, size, gap, clutter_at_last = i, size + self._weight(i), 0, clutter
            elif start is not None:
                clutter += not self.free(i) or word_count(self.lines[i]) < TEXT_LINE_WORDS
                gap += self.free(i) and not self._prose_like(i)
        return self._bridge(best, clusters) if best else best

    def _bridge(self, best: tuple[int, int], clusters: list[tuple[int, int, float]]) -> tuple[int, int]:
        """The best cluster joined with its neighbours (up to ``MAX_BRIDGE`` lines away) when no
        line between them is labelled clutter: a table or a list of short lines splits an
        article in two, a menu or a related box stands between an article and other text."""
        first, last = best
        at = next(k for k, c in enumerate(clusters) if (c[0], c[1]) == best)
        for c in clusters[at + 1:]:
            if c[2] <= 0 or c[0] - last > MAX_BRIDGE or self._blocked(last + 1, c[0]):
                break
            last = c[1]
        for c in reversed(clusters[:at]):
            if c[2] <= 0 or first - c[1] > MAX_BRIDGE or self._blocked(c[1] + 1, first):
                break
            first = c[0]
        return first, last

    def _blocked(self, start: int, end: int) -> bool:
        """Does a line labelled as clutter that keeps clusters apart (``BLOCKING``; not a widget
        or a photo credit: those stand inside articles too) stand in start..end-1?"""
        return any(self.labels[i] in BLOCKING and self.rules[i] != WIDGET for i in range(start, end))

    def _weight(self, i: int) -> int:
        """What a paragraph adds to its cluster: its characters, half of them when it does not
        end like a sentence (a long line of menu entries, a select box's options)."""
        line = self.lines[i]
        return len(line) if line.endswith(_SENTENCE_END) else len(line) // UNENDED_DIVISOR

    def _prose_like(self, i: int) -> bool:
        """A short line that reads as text (a sentence, a list item), not as a link or menu entry."""
        line = self.lines[i]
        return is_list_item(line) or line.endswith(_PROSE_END)

    def label_widgets(self) -> None:
        """Short lines, not sentences, that stand three times or more on the page ("Reply", "Learn more",
        "Article continues below") are widgets, in any language."""
        counts = Counter(self.lines)
        for i, line in enumerate(self.lines):
            if counts[line] >= MIN_WIDGET_REPEATS and self.free(i) and not self.body[i] and not self._prose_like(i):
                self.mark(i, Label.REPEATED, WIDGET)

    def find_title(self, first: int) -> tuple[int | None, int]:
        """The headline: the nearest headline-like line above the first paragraph.

        Returns (headline index or None, where the article starts): when a longer headline-like
        line (a standfirst) sits under a shorter one, the shorter is the headline and the
        standfirst opens the article.
        """
        candidates = [i for i in range(first - 1, max(first - 1 - TITLE_LOOKBACK, -1), -1) if self._title_like(i)]
        if not candidates:
            return None, first
        nearest = candidates[0]
        above = candidates[1] if len(candidates) > 1 else None
        if above is not None and self._only_labelled_between(above, nearest) and self._is_standfirst(nearest, above):
            return above, nearest
        return nearest, first

    def _title_like(self, i: int) -> bool:
        line = self.lines[i]
        return (self.free(i) and not is_list_item(line) and not looks_like_name(line)
                and is_headline_like(line) and word_count(line) >= MIN_TITLE_WORDS)

    def _only_labelled_between(self, start: int, end: int) -> bool:
        return all(not self.free(i) for i in range(start + 1, end))

    def _is_standfirst(self, line_index: int, headline_index: int) -> bool:
        words, headline_words = word_count(self.lines[line_index]), word_count(self.lines[headline_index])
        return words >= MIN_STANDFIRST_WORDS and words >= 1.5 * headline_words and headline_words >= MIN_LINK_WORDS

    def find_author(self, above: range, below: range) -> str | None:
        """A byline or a bare name between headline and lead, else a byline under the article."""
        for i in above:
            name = self._byline(i)
            if name is None and self.free(i) and looks_like_name(self.lines[i]):
                name = self.lines[i]
                self.mark(i, Label.BYLINE, "structure:byline")
            if name:
                return name
        return next(filter(None, map(self._byline, below)), None)

    def _byline(self, i: int) -> str | None:
        return self.lexicon.byline_name(self.lines[i]) if self.labels[i] is Label.BYLINE else None

    def footer_start(self) -> int:
        """The first footer line with no body paragraph after it (a footer phrase that stands
        inside the article, a copyright line under a photo, does not cut the rest)."""
        start = len(self.lines)
        for i in range(len(self.lines) - 1, -1, -1):
            if self.free_body(i):
                break
            if self.labels[i] is Label.FOOTER:
                start = i
        return start

