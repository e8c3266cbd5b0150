"""Metadata accuracy: newsclean's title, author and published date against trafilatura's metadata.

    .venv/bin/python benchmarks/metadata.py [--devset ../shared/devset] [--where page_type=article]
                                            [--misses FIELD] [--limit N]

Over the ``wcxb-dev`` pages (by default the article pages; gold in ``ground-truth/<id>.json``:
``ground_truth.title``, ``.author``, ``.publish_date``, where "None" or a missing key means no
gold for that field) it compares ``cleaning.clean_html(html, url)`` (Document ``title``,
``author``, ``published``) with ``trafilatura.bare_extraction(html, url=url, with_metadata=True)``
(``title``, ``author``, ``date``) on the same pages, and over the ``vi`` pages the title alone
(gold line 1 is the headline). Matching rules (both extractors alike):

- title: equal after NFC, casefold and folding every run of non-alphanumeric characters
  (whitespace, punctuation, quotes, dashes) to one space.
- author: after the same folding and with the word "and" dropped ("A, B and C" = "A; B; C"),
  equal, or one contained in the other as a whole-word sequence (gold "Dylan Bailey, MS, RD"
  matches "Dylan Bailey"; an empty value never matches).
- date: gold dates are calendar days in the page's own zone (two are months: same month).
  trafilatura's date is a day: it must be that day. newsclean's ``published`` is an instant in
  UTC, so "date" accepts it when the instant falls on the gold day in some real zone (UTC-12 to
  UTC+14); "date, UTC day" is the strict reading (its UTC calendar day is the gold day).

Per field: accuracy on the pages with gold, and how many pages without gold got a value anyway.
``--misses FIELD`` lists the gold pages where newsclean misses that field (gold, newsclean,
trafilatura), for looking at them one by one. Both extractors run on each page in turn, in one
process; the time per page of each is printed too (newsclean's includes its whole extraction).
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import logging
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaning import clean_html  # noqa: E402

FIELDS = ("title", "author", "date")
_NOT_ALNUM = re.compile(r"[\W_]+")
ZONES = (timedelta(hours=-12), timedelta(hours=14))


def fold(value: object) -> str:
    """NFC, casefold, every run of non-alphanumerics one space."""
    if not isinstance(value, str):
        return ""
    return _NOT_ALNUM.sub(" ", unicodedata.normalize("NFC", value).casefold()).strip()


def gold_value(value: object) -> str | None:
    if value is None or not isinstance(value, str) or value.strip() in ("", "None"):
        return None
    return value.strip()


def title_matches(gold: str, found: object) -> bool:
    return bool(fold(found)) and fold(found) == fold(gold)


def _names(value: object) -> str:
    """Folded, and the word "and" between names dropped ("A, B and C" = "A; B; C")."""
    return " ".join(word for word in fold(value).split() if word != "and")


def author_matches(gold: str, found: object) -> bool:
    a, b = _names(gold), _names(found)
    return bool(a and b) and (a == b or f" {b} " in f" {a} " or f" {a} " in f" {b} ")


def _gold_day(gold: str) -> tuple[date, date]:
    """First and last day the gold names (a day, or a month)."""
    parts = [int(p) for p in gold[:10].split("-")]
    if len(parts) == 2:
        first = date(parts[0], parts[1], 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return first, last
    day = date(*parts)
    return day, day


def date_matches(gold: str, found: object, *, utc_day_only: bool = False) -> bool:
    """trafilatura: a 'YYYY-MM-DD' string on the gold day(s). newsclean: an aware datetime whose
    local day is the gold day for some zone (or, strictly, whose UTC day is)."""
    first, last = _gold_day(gold)
    if isinstance(found, str):
        try:
            return first <= date.fromisoformat(found[:10]) <= last
        except ValueError:
            return False
    if not isinstance(found, datetime):
        return False
    instant = found.astimezone(timezone.utc)
    if utc_day_only:
        return first <= instant.date() <= last
    start = datetime.combine(first, datetime.min.time(), timezone.utc) - ZONES[1]
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), timezone.utc) - ZONES[0]
    return start <= instant < end


MATCHERS = {"title": title_matches, "author": author_matches, "date": date_matches}


@dataclass
class Tally:
    gold: int = 0
    right: int = 0
    right_utc_day: int = 0
    no_gold: int = 0
    valued_without_gold: int = 0
    seconds: float = 0.0
    misses: list[tuple[str, str, object]] = field(default_factory=list)  # page id, gold, found
    found: dict[str, object] = field(default_factory=dict)  # page id -> value, pages with gold


def newsclean_fields(html: bytes, url: str) -> dict[str, object]:
    doc = clean_html(html, url)
    if doc is None:
        return {}
    return {"title": doc.title, "author": doc.author, "date": doc.published}


def trafilatura_fields(html: bytes, url: str) -> dict[str, object]:
    result = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if result is None:
        return {}
    return {"title": result.title, "author": result.author, "date": result.date}


EXTRACTORS = {"newsclean": newsclean_fields, "trafilatura": trafilatura_fields}


def wcxb_pages(corpus: Path, where: str | None):
    key, _, wanted = (where or "").partition("=")
    with open(corpus / "manifest.tsv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if key and row.get(key) != wanted:
                continue
            gold = json.loads((corpus / "ground-truth" / f"{row['id']}.json").read_text("utf-8"))["ground_truth"]
            html = gzip.decompress((corpus / "html" / f"{row['id']}.html.gz").read_bytes())
            yield row["id"], row["url"], html, {"title": gold_value(gold.get("title")),
                                                "author": gold_value(gold.get("author")),
                                                "date": gold_value(gold.get("publish_date"))}


def vi_pages(corpus: Path):
    with open(corpus / "manifest.tsv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            html = (corpus / "pages" / f"{row['id']}.html").read_bytes()
            headline = (corpus / "gold" / f"{row['id']}.txt").read_text("utf-8").splitlines()[0]
            yield row["id"], row["url"], html, {"title": headline, "author": None, "date": None}


def run(pages, fields: tuple[str, ...]) -> dict[str, dict[str, Tally]]:
    tallies = {name: {f: Tally() for f in fields} for name in EXTRACTORS}
    for page_id, url, html, gold in pages:
        for name, extract in EXTRACTORS.items():
            start = time.perf_counter()
            found = extract(html, url)
            tallies[name][fields[0]].seconds += time.perf_counter() - start
            for f in fields:
                tally = tallies[name][f]
                if gold[f] is None:
                    tally.no_gold += 1
                    tally.valued_without_gold += bool(found.get(f))
                    continue
                tally.gold += 1
                tally.found[page_id] = found.get(f)
                right = MATCHERS[f](gold[f], found.get(f))
                tally.right += right
                if f == "date":
                    tally.right_utc_day += date_matches(gold[f], found.get(f), utc_day_only=True)
                if not right:
                    tally.misses.append((page_id, gold[f], found.get(f)))
    return tallies


def table(title: str, tallies: dict[str, dict[str, Tally]], pages: int) -> str:
    fields = list(next(iter(tallies.values())))
    header = ["extractor"] + [f"{f} ({tallies['newsclean'][f].gold} with gold)" for f in fields]
    if "date" in fields:
        header.insert(header.index(f"date ({tallies['newsclean']['date'].gold} with gold)") + 1, "date, UTC day")
    header += ["value without gold"] if any(tallies["newsclean"][f].no_gold for f in fields) else []
    header += ["ms/page"]
    lines = [f"**{title}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, by_field in tallies.items():
        cells = [name]
        for f in fields:
            t = by_field[f]
            cells.append(f"{t.right / t.gold:.3f} ({t.right})" if t.gold else "-")
            if f == "date":
                cells.append(f"{t.right_utc_day / t.gold:.3f}" if t.gold and name == "newsclean" else "-")
        if "value without gold" in header:
            cells.append(", ".join(f"{f} {by_field[f].valued_without_gold}/{by_field[f].no_gold}"
                                   for f in fields if by_field[f].no_gold))
        cells.append(f"{1000 * by_field[fields[0]].seconds / pages:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    parser.add_argument("--where", default="page_type=article", help="manifest filter, '' for all wcxb-dev pages")
    parser.add_argument("--misses", choices=FIELDS, help="list newsclean's misses for this field")
    parser.add_argument("--limit", type=int, default=0, help="first N pages only (0: all)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # trafilatura and htmldate warn per page

    pages = list(wcxb_pages(args.devset / "wcxb-dev", args.where or None))
    pages = pages[: args.limit] if args.limit else pages
    tallies = run(pages, FIELDS)
    print(table(f"wcxb-dev, {args.where or 'all pages'} ({len(pages)} pages)", tallies, len(pages)))
    vi = list(vi_pages(args.devset / "vi"))
    print()
    print(table(f"vi ({len(vi)} pages, title = gold line 1)", run(vi, ("title",)), len(vi)))
    if args.misses:
        theirs = tallies["trafilatura"][args.misses].found
        print(f"\nnewsclean misses, {args.misses}: id | gold | newsclean | trafilatura")
        for page_id, gold, found in tallies["newsclean"][args.misses].misses:
            print(f"{page_id} | {gold} | {found} | {theirs.get(page_id)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
