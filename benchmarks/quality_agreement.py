"""filter_reason against datatrove's own FineWeb-2 filters, on the dev corpus texts.

    .venv/bin/python benchmarks/quality_agreement.py [--devset ../shared/devset] \
        [--tokenizers /tmp/newsclean-dt-tokenizers]

1. Every page of the dev corpora (wcxb-dev, trafilatura-eval, vi) is cleaned by ``process_html``
   (two worker processes); each Document's ``text``, ``language`` and ``filter_reason`` are kept.
2. The same texts go through datatrove's ``GopherRepetitionFilter``, ``FineWebQualityFilter`` and
   ``GopherQualityFilter`` configured as FineWeb-2 configures them (values of
   ``cleaning/fineweb2.toml``, the language's published config), each with datatrove's own word
   tokenizer for the language (spaCy; pyvi for Vietnamese, jieba for Chinese). Those are not
   project dependencies: install them beside the venv, e.g.
   ``.venv/bin/pip install --target /tmp/newsclean-dt-tokenizers spacy==3.8.18 pyvi==0.1.1 jieba==0.42.1``
   and pass ``--tokenizers`` (appended to ``sys.path``, so the venv's own packages win).
3. Printed: agreement on keep/drop, on the exact first reason, and per filter (each of the
   three run on every text, its verdict compared with ours for the same filter), by language.
   Languages whose datatrove tokenizer cannot load (Japanese needs sudachipy) are counted apart.
"""
from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaning.document import Document  # noqa: E402
from cleaning.limits import HtmlPool  # noqa: E402
from cleaning.quality import (  # noqa: E402
    fineweb2_reason,
    fineweb_quality_reason,
    gopher_quality_reason,
    measure_text,
    pipeline_settings,
    repetition_reason,
    thresholds_for,
)

OUR_FILTERS = {"gopher_repetition": repetition_reason, "fineweb_quality": fineweb_quality_reason,
               "gopher_quality": gopher_quality_reason}

ISO3 = {"en": "eng_Latn"}


def pages(devset: Path):
    for corpus in ("wcxb-dev", "trafilatura-eval", "vi"):
        folder = devset / corpus / ("pages" if corpus == "vi" else "html")
        for path in sorted(folder.iterdir()):
            data = path.read_bytes()
            yield (gzip.decompress(data) if path.name.endswith(".gz") else data), f"{corpus}/{path.name}"


def clean_all(devset: Path) -> list[Document]:
    docs = []
    with HtmlPool(workers=2, timeout=30) as pool:
        jobs = ((data, None, source) for data, source in pages(devset))
        for result in pool.map(jobs):
            if isinstance(result, Document):
                docs.append(result)
    return docs


def datatrove_filters(language: str):
    """FineWeb-2's three filters as datatrove objects, for ``language`` (our ISO 639-1 code)."""
    from datatrove.pipeline.filters import FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    t, p = thresholds_for(language), pipeline_settings()
    tokenizer_language = t.config if "_" in t.config else ISO3.get(language, language)
    tokenizer = load_word_tokenizer(tokenizer_language)
    tokenizer.word_tokenize("a test.")      # load spaCy and the language's segmenter now
    return {
        "gopher_repetition": GopherRepetitionFilter(
            dup_line_frac=t.dup_line_frac, dup_para_frac=0, dup_line_char_frac=0, dup_para_char_frac=0,
            top_n_grams=t.top_n_grams, dup_n_grams=t.dup_n_grams, language=tokenizer_language),
        "fineweb_quality": FineWebQualityFilter(
            line_punct_thr=t.line_punct_thr, short_line_thr=999, char_duplicates_ratio=p.char_duplicates_ratio,
            new_line_ratio=t.new_line_ratio, language=tokenizer_language),
        "gopher_quality": GopherQualityFilter(
            min_avg_word_length=t.min_avg_word_length, max_avg_word_length=t.max_avg_word_length,
            max_non_alpha_words_ratio=t.max_non_alpha_words_ratio,
            stop_words=sorted(t.stopwords), min_stop_words=p.min_stop_words if t.stopwords else None,
            language=tokenizer_language),
    }


def verdict(step, text: str) -> str | None:
    from datatrove.data import Document as DTDocument

    try:
        result = step.filter(DTDocument(text=text, id="x"))
    except ZeroDivisionError:
        return "error"
    return None if result is True else result[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    parser.add_argument("--tokenizers", type=Path, default=Path("/tmp/newsclean-dt-tokenizers"))
    args = parser.parse_args()
    sys.path.append(str(args.tokenizers))

    docs = clean_all(args.devset)
    filters, unavailable = {}, Counter()
    totals = Counter()
    by_language: dict[str, Counter] = defaultdict(Counter)
    per_filter: dict[str, Counter] = defaultdict(Counter)
    confusion = Counter()
    for doc in docs:
        if doc.language not in filters:
            try:
                filters[doc.language] = datatrove_filters(doc.language)
            except Exception as error:  # noqa: BLE001 - a tokenizer that cannot load: counted
                print(f"no datatrove tokenizer for {doc.language}: {type(error).__name__}: {error}", file=sys.stderr)
                filters[doc.language] = None
        steps = filters[doc.language]
        if steps is None:
            unavailable[doc.language] += 1
            continue
        theirs_each = {name: verdict(step, doc.text) for name, step in steps.items()}
        theirs = next((r for r in theirs_each.values() if r), None)
        ours = doc.filter_reason
        started = time.perf_counter()
        signals = measure_text(doc.text, doc.language)
        assert ours == fineweb2_reason(signals, doc.language)
        totals["seconds"] += time.perf_counter() - started
        row = by_language[doc.language]
        for counter in (totals, row):
            counter["docs"] += 1
            counter["keep_agree"] += (ours is None) == (theirs is None)
            counter["reason_agree"] += ours == theirs
            counter["ours_drop"] += ours is not None
            counter["theirs_drop"] += theirs is not None
        for name, their_reason in theirs_each.items():
            our_reason = OUR_FILTERS[name](signals, doc.language)
            per_filter[name]["docs"] += 1
            per_filter[name]["agree"] += (our_reason is None) == (their_reason is None)
            per_filter[name]["ours"] += our_reason is not None
            per_filter[name]["theirs"] += their_reason is not None
        if ours != theirs:
            confusion[(ours, theirs)] += 1

    def pct(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f}%" if whole else "-"

    print(f"texts: {len(docs)} cleaned, {totals['docs']} compared; no datatrove tokenizer: {dict(unavailable)}")
    print("\n| language | texts | keep/drop agree | same first reason | dropped: ours | dropped: datatrove |")
    print("|---|---|---|---|---|---|")
    for language, row in sorted(by_language.items(), key=lambda kv: -kv[1]["docs"]):
        print(f"| {language} | {row['docs']} | {pct(row['keep_agree'], row['docs'])} | {pct(row['reason_agree'], row['docs'])} "
              f"| {row['ours_drop']} | {row['theirs_drop']} |")
    print(f"| all | {totals['docs']} | {pct(totals['keep_agree'], totals['docs'])} | "
          f"{pct(totals['reason_agree'], totals['docs'])} | {totals['ours_drop']} | {totals['theirs_drop']} |")
    print("\n| filter (each on every text) | agree | rejects: ours | rejects: datatrove |")
    print("|---|---|---|---|")
    for name, row in per_filter.items():
        print(f"| {name} | {pct(row['agree'], row['docs'])} | {row['ours']} | {row['theirs']} |")
    print(f"\ncost of the signals and filter_reason: {1000 * totals['seconds'] / max(1, totals['docs']):.2f} ms a text")
    print("\nmost frequent disagreements (ours, datatrove):")
    for (ours, theirs), count in confusion.most_common(12):
        print(f"  {count:4d}  {ours} / {theirs}")


if __name__ == "__main__":
    main()
