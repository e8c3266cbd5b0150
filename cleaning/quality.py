"""Quality signals of a row's ``text`` and the first FineWeb-2 filter it would fail.

The columns are those that FineWeb-2, RedPajama-V2 and Dolma users filter on, computed once per
row (``add_quality_signals``, the last of ``cleaning.stages.FINAL_STAGES``), so that a dataset
can be filtered without re-reading its text. Nothing is dropped here: ``filter_reason`` names
the first rule that FineWeb-2's pipeline would apply to the row (datatrove's own reason names,
e.g. ``dup_line_frac``, ``line_punct_ratio``, ``gopher_short_doc``), or is None; ``newsclean
clean --filter fineweb2`` drops those rows when the user asks for it.

The rules are datatrove's ``GopherRepetitionFilter``, ``FineWebQualityFilter`` and
``GopherQualityFilter`` as FineWeb-2 runs them, re-done here over one tokenization of the text
(datatrove is an optional dependency, and its word tokenizers need spaCy, pyvi and jieba); the
thresholds, per language, are data: ``cleaning/fineweb2.toml``. Words are ``tokenize``'s
tokens, after spaCy's rules as far as they matter here: runs of letters and digits (a number
keeps its separators: ``3,5``, ``2024-05-01``, as does ``COVID-19``), each punctuation mark on
its own, URLs, e-mail addresses, domain names and dotted abbreviations (``U.S.``) whole, English clitics apart (``do`` ``n't``,
``it`` ``'s``), an elided article with its apostrophe (``l'`` ``homme``), and one token per Han
or kana character (Chinese and Japanese are written without spaces). Vietnamese is split into
syllables where datatrove's pyvi joins compound words: how far the two agree is measured in
benchmarks/README.md "Quality signals".
"""
from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cleaning.document import Document

THRESHOLDS_FILE = Path(__file__).with_name("fineweb2.toml")

#: The Parquet columns this module fills, in schema order (all nullable).
SIGNAL_COLUMNS = (
    "mean_word_length",
    "frac_lines_end_punct",
    "frac_dup_lines",
    "frac_chars_dup_lines",
    "frac_dup_paragraphs",
    "frac_chars_dup_paragraphs",
    "frac_chars_top_2gram",
    "frac_chars_top_3gram",
    "frac_chars_top_4gram",
    "frac_chars_dup_5grams",
    "frac_chars_dup_6grams",
    "frac_chars_dup_7grams",
    "frac_chars_dup_8grams",
    "frac_chars_dup_9grams",
    "frac_chars_dup_10grams",
    "frac_stop_words",
    "frac_non_alpha_words",
)
TOP_NGRAMS = (2, 3, 4)
DUP_NGRAMS = (5, 6, 7, 8, 9, 10)

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_WORD = r"\w+"                                            # CJK characters are spaced apart first
_TOKEN = re.compile(
    r"https?://[^\s<>\"]*[^\s<>\".,;:!?)\]]"             # a URL, an e-mail address: one token each
    r"|[\w.+-]+@\w[\w-]*(?:\.\w[\w-]*)+"
    r"|(?:[^\W\d_]\.){2,}"                                  # U.S., e.g.
    r"|\d+(?:[.,:/-]\d+)+"                                 # 3,5  12:30  2024-05-01  24/7
    rf"|{_WORD}(?:-\d\w*)+"                                # GLP-1, COVID-19 (a hyphen before a digit joins)
    r"|[A-Z]&[A-Z]"                                        # P&C, S&P
    rf"|{_WORD}(?:\.(?=[^\W\d_])\w+)+"                       # example.com, TP.HCM
    rf"|{_WORD}(?:['’\u2011]{_WORD})*"                     # a word; a non-breaking hyphen joins; apostrophes: below
    r"|\.\.\.|[^\w\s]"                                     # ... and every other mark alone
)
_CLITIC = re.compile(r"(.+?)(n['’]t|['’](?:s|re|ll|ve|m|d))", re.IGNORECASE)   # don't, it's, you're
_ELISION = re.compile(rf"({_WORD}['’])(.+)")                                     # l'homme, dell'anno, c'è
_PARAGRAPH_BREAK = re.compile(r"\n{2,}")
_LINE_BREAKS = re.compile(r"\n+")


@dataclass(frozen=True)
class Thresholds:
    """One language's FineWeb-2 thresholds (``cleaning/fineweb2.toml``)."""

    config: str
    dup_line_frac: float
    top_n_grams: tuple[tuple[int, float], ...]
    dup_n_grams: tuple[tuple[int, float], ...]
    line_punct_thr: float
    new_line_ratio: float
    min_avg_word_length: float
    max_avg_word_length: float
    max_non_alpha_words_ratio: float
    stopwords: frozenset[str]


@dataclass(frozen=True)
class Pipeline:
    """The values FineWeb-2 sets for every language, and the punctuation sets."""

    char_duplicates_ratio: float
    min_doc_words: int
    max_doc_words: int
    max_symbol_word_ratio: float
    max_bullet_lines_ratio: float
    max_ellipsis_lines_ratio: float
    min_stop_words: int
    terminal_punctuation: tuple[str, ...]
    punctuation: frozenset[str]


@lru_cache(maxsize=1)
def _load() -> tuple[Pipeline, dict[str, Thresholds]]:
    data = tomllib.loads(THRESHOLDS_FILE.read_text(encoding="utf-8"))
    pipe = dict(data["pipeline"])
    terminal = pipe.pop("terminal_punctuation")
    punctuation = frozenset(pipe.pop("punctuation")) | frozenset(terminal)
    pipeline = Pipeline(**pipe, terminal_punctuation=tuple(terminal), punctuation=punctuation)
    languages = {"": _thresholds({**data["default"], "config": "default"})}
    for code, values in data["languages"].items():
        languages[code] = _thresholds({**data["default"], **values})
    return pipeline, languages


def _thresholds(values: dict) -> Thresholds:
    return Thresholds(
        config=values["config"],
        dup_line_frac=values["dup_line_frac"],
        top_n_grams=tuple((int(n), float(t)) for n, t in values["top_n_grams"]),
        dup_n_grams=tuple((int(n), float(t)) for n, t in values["dup_n_grams"]),
        line_punct_thr=values["line_punct_thr"],
        new_line_ratio=values["new_line_ratio"],
        min_avg_word_length=values["min_avg_word_length"],
        max_avg_word_length=values["max_avg_word_length"],
        max_non_alpha_words_ratio=values["max_non_alpha_words_ratio"],
        stopwords=frozenset(values["stopwords"]),
    )


def pipeline_settings() -> Pipeline:
    return _load()[0]


def thresholds_for(language: str) -> Thresholds:
    """The language's published thresholds, or the defaults (``config == "default"``)."""
    languages = _load()[1]
    return languages.get(language) or languages[""]


def tokenize(text: str) -> list[str]:
    """Words and punctuation marks of ``text`` (see the module docstring)."""
    if _CJK_CHAR.search(text):   # one token per Han or kana character
        text = _CJK_CHAR.sub(r" \g<0> ", text)
    tokens = []
    for token in _TOKEN.findall(text):
        if "'" not in token and "’" not in token or "://" in token or "@" in token:
            tokens.append(token)
        elif match := _CLITIC.fullmatch(token) or _ELISION.fullmatch(token):
            tokens += match.groups()
        else:
            tokens.append(token)
    return tokens


def _duplicates(items: list[str]) -> tuple[int, int]:
    """(elements that repeat an earlier one, their characters), as Gopher counts them."""
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


class _Grams:
    """The word n-grams of a text as slices of one joined string (no list per n-gram): joined
    by spaces (Gopher's top n-grams) or by nothing (its duplicated n-grams), as datatrove joins."""

    def __init__(self, words: list[str], separator: str) -> None:
        self.text = separator.join(words)
        self.starts = [0]
        for word in words:
            self.starts.append(self.starts[-1] + len(word) + len(separator))
        self.separator = len(separator)
        self.count = len(words)

    def all(self, n: int) -> list[str]:
        """Every n-gram in order (one list comprehension of slices: ~3x faster than a call each)."""
        text, starts, sep = self.text, self.starts, self.separator
        return [text[a : b - sep] for a, b in zip(starts, starts[n:])]


def _top_ngram_chars(grams: _Grams, n: int) -> int:
    """Characters covered by the most frequent n-gram (joined by spaces), times its count."""
    if grams.count < n:
        return 0
    counts = Counter(grams.all(n))
    gram, count = counts.most_common(1)[0]
    return len(gram) * count


def _dup_ngram_chars(grams: _Grams, n: int) -> int:
    """Characters of n-grams (joined without spaces) seen before, overlaps not counted twice."""
    all_grams = grams.all(n)
    if len(set(all_grams)) == len(all_grams):
        return 0  # no n-gram repeats: the common case, decided in C
    seen: set[str] = set()
    chars, i = 0, 0
    while i < len(all_grams):
        gram = all_grams[i]
        if gram in seen:
            chars += len(gram)
            i += n
        else:
            seen.add(gram)
            i += 1
    return chars


@dataclass
class QualitySignals:
    """Every measure the filters read; ``columns()`` gives the stored ones."""

    text_chars: int
    words: list[str]
    non_symbol_words: int
    mean_word_length: float | None
    frac_lines_end_punct: float
    frac_dup_lines: float
    frac_chars_dup_lines: float
    frac_dup_paragraphs: float
    frac_chars_dup_paragraphs: float
    frac_chars_top: dict[int, float]
    frac_chars_dup: dict[int, float]
    frac_stop_words: float | None
    stop_words_present: int
    frac_non_alpha_words: float | None
    alpha_words: int
    frac_chars_dup_nonblank_lines: float   # FineWeb's char_dup_ratio: newlines not counted
    newlines_per_word: float | None
    hashes_per_word: float | None
    ellipses_per_word: float | None
    frac_bullet_lines: float
    frac_ellipsis_lines: float

    def columns(self) -> dict[str, float | None]:
        values = {name: getattr(self, name) for name in SIGNAL_COLUMNS if hasattr(self, name)}
        values.update({f"frac_chars_top_{n}gram": self.frac_chars_top[n] for n in TOP_NGRAMS})
        values.update({f"frac_chars_dup_{n}grams": self.frac_chars_dup[n] for n in DUP_NGRAMS})
        return values


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def measure_text(text: str, language: str) -> QualitySignals:
    """The quality signals of ``text`` (a row's text: one paragraph a line) in ``language``."""
    pipeline, thresholds = pipeline_settings(), thresholds_for(language)
    chars = len(text)
    words = tokenize(text)
    non_symbol = [w for w in words if any(c not in pipeline.punctuation for c in w)]
    paragraphs = _PARAGRAPH_BREAK.split(text.strip())
    para_dups, para_dup_chars = _duplicates(paragraphs)
    lines = _LINE_BREAKS.split(text)
    line_dups, line_dup_chars = _duplicates(lines)
    nonblank = [line for line in text.split("\n") if line.strip()]
    stop_words = [w for w in words if w in thresholds.stopwords]
    all_lines = text.splitlines() or [""]
    alpha_words = sum(any(c.isalpha() for c in w) for w in words)
    spaced, joined = _Grams(words, " "), _Grams(words, "")
    return QualitySignals(
        text_chars=chars,
        words=words,
        non_symbol_words=len(non_symbol),
        mean_word_length=_ratio(sum(map(len, non_symbol)), len(non_symbol)),
        frac_lines_end_punct=_ratio(sum(line.endswith(pipeline.terminal_punctuation) for line in nonblank),
                                    len(nonblank)) or 0.0,
        frac_dup_lines=line_dups / len(lines),
        frac_chars_dup_lines=_ratio(line_dup_chars, chars) or 0.0,
        frac_dup_paragraphs=para_dups / len(paragraphs),
        frac_chars_dup_paragraphs=_ratio(para_dup_chars, chars) or 0.0,
        frac_chars_top={n: _ratio(_top_ngram_chars(spaced, n), chars) or 0.0 for n in TOP_NGRAMS},
        frac_chars_dup={n: _ratio(_dup_ngram_chars(joined, n), chars) or 0.0 for n in DUP_NGRAMS},
        frac_stop_words=_ratio(len(stop_words), len(words)) if thresholds.stopwords else None,
        stop_words_present=len(set(stop_words)),
        frac_non_alpha_words=_ratio(len(words) - alpha_words, len(words)),
        alpha_words=alpha_words,
        frac_chars_dup_nonblank_lines=_ratio(_duplicates(nonblank)[1], len(text.replace("\n", ""))) or 0.0,
        newlines_per_word=_ratio(text.count("\n"), len(words)),
        hashes_per_word=_ratio(text.count("#"), len(words)),
        ellipses_per_word=_ratio(text.count("...") + text.count("…"), len(words)),
        frac_bullet_lines=sum(s.lstrip().startswith(("•", "-")) for s in all_lines) / len(all_lines),
        frac_ellipsis_lines=sum(s.rstrip().endswith(("...", "…")) for s in all_lines) / len(all_lines),
    )


def repetition_reason(signals: QualitySignals, language: str) -> str | None:
    """datatrove's GopherRepetitionFilter as FineWeb-2 runs it (its paragraph and line-character
    rules off): the reason it rejects the text, or None."""
    t = thresholds_for(language)
    if signals.frac_dup_lines > t.dup_line_frac:
        return "dup_line_frac"
    for n, limit in t.top_n_grams:
        if len(signals.words) >= n and signals.frac_chars_top[n] > limit:
            return f"top_{n}_gram"
    for n, limit in t.dup_n_grams:
        if signals.frac_chars_dup[n] > limit:
            return f"duplicated_{n}_n_grams"
    return None


def fineweb_quality_reason(signals: QualitySignals, language: str) -> str | None:
    """datatrove's FineWebQualityFilter as FineWeb-2 runs it (the short-line rule off)."""
    t = thresholds_for(language)
    if signals.frac_lines_end_punct < t.line_punct_thr:
        return "line_punct_ratio"
    if signals.frac_chars_dup_nonblank_lines > pipeline_settings().char_duplicates_ratio:
        return "char_dup_ratio"
    if signals.newlines_per_word is None or signals.newlines_per_word > t.new_line_ratio:
        return "list_ratio"
    return None


def gopher_quality_reason(signals: QualitySignals, language: str) -> str | None:
    """datatrove's GopherQualityFilter with the language's FineWeb-2 thresholds and stop words
    (the stop-word rule only where the language has a list)."""
    pipeline, t = pipeline_settings(), thresholds_for(language)
    if signals.non_symbol_words < pipeline.min_doc_words:
        return "gopher_short_doc"
    if signals.non_symbol_words > pipeline.max_doc_words:
        return "gopher_long_doc"
    if t.min_avg_word_length and signals.mean_word_length < t.min_avg_word_length:
        return "gopher_below_avg_threshold"
    if t.max_avg_word_length and signals.mean_word_length > t.max_avg_word_length:
        return "gopher_above_avg_threshold"
    if signals.hashes_per_word > pipeline.max_symbol_word_ratio:
        return "gopher_too_many_hashes"
    if signals.ellipses_per_word > pipeline.max_symbol_word_ratio:
        return "gopher_too_many_ellipsis"
    if signals.frac_bullet_lines > pipeline.max_bullet_lines_ratio:
        return "gopher_too_many_bullets"
    if signals.frac_ellipsis_lines > pipeline.max_ellipsis_lines_ratio:
        return "gopher_too_many_end_ellipsis"
    if signals.alpha_words / len(signals.words) < t.max_non_alpha_words_ratio:
        return "gopher_below_alpha_threshold"
    if t.stopwords and signals.stop_words_present < pipeline.min_stop_words:
        return "gopher_enough_stop_words"
    return None


#: FineWeb-2's filters, in the order its pipeline runs them.
FINEWEB2_FILTERS = (repetition_reason, fineweb_quality_reason, gopher_quality_reason)


def fineweb2_reason(signals: QualitySignals, language: str) -> str | None:
    """The first FineWeb-2 filter the text fails (datatrove's reason name), or None."""
    if not signals.text_chars:
        return "empty"
    return next((reason for check in FINEWEB2_FILTERS if (reason := check(signals, language))), None)


def add_quality_signals(doc: Document) -> Document:
    """Stage: fill the signal columns and ``filter_reason`` from ``doc.text`` (never drops)."""
    signals = measure_text(doc.text, doc.language)
    for name, value in signals.columns().items():
        setattr(doc, name, value)
    doc.filter_reason = fineweb2_reason(signals, doc.language)
    return doc
