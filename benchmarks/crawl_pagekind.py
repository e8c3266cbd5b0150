"""The crawler's article decision measured on labelled pages (wcxb-dev: article vs the rest).

Each page is cleaned (``cleaning.html.process_html``, which computes the page signals), then
``crawler.articles.judge`` decides from its evidence, for each discovery route. Reports the
accuracy per page type and route, and the time ``page_signals`` takes per page.

    .venv/bin/python benchmarks/crawl_pagekind.py --data ../shared/devset/wcxb-dev [--dump features.tsv]
"""
from __future__ import annotations

import argparse
import csv
import gzip
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cleaning import pagekind  # noqa: E402
from cleaning.document import Dropped  # noqa: E402
from cleaning.html import process_html  # noqa: E402
from crawler.articles import ROUTES, judge  # noqa: E402


def timed_signals():
    """Wrap page_signals to time it (process_html calls it through cleaning.html's import)."""
    import cleaning.html as html_module

    spent = []
    original = html_module.page_signals

    def wrapper(tree, meta):
        start = time.perf_counter()
        try:
            return original(tree, meta)
        finally:
            spent.append(time.perf_counter() - start)

    html_module.page_signals = wrapper
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/devset/wcxb-dev"))
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--dump", type=Path, help="write each page's features and decisions as TSV")
    parser.add_argument("--errors", type=int, default=10, help="list this many wrong decisions per route")
    args = parser.parse_args()
    rows = list(csv.DictReader(open(args.data / "manifest.tsv", encoding="utf-8"), delimiter="\t"))
    if args.limit:
        rows = rows[: args.limit]
    spent = timed_signals()
    table: dict[str, Counter] = defaultdict(Counter)
    wrong: dict[str, list] = defaultdict(list)
    dump = []
    for row in rows:
        body = gzip.decompress((args.data / "html" / f"{row['id']}.html.gz").read_bytes())
        result = process_html(body, url=row["url"])
        is_article = row["page_type"] == "article"
        record = {"id": row["id"], "page_type": row["page_type"], "url": row["url"]}
        if isinstance(result, Dropped):
            record["dropped"] = result.reason
        else:
            record.update({k: getattr(result.page, k) for k in pagekind.PageSignals.__dataclass_fields__})
            record["n_chars"] = result.n_chars
        for route in ROUTES:
            verdict = judge(result, route)
            record[f"judge_{route}"] = verdict.is_article
            table[route][(row["page_type"], verdict.is_article == is_article)] += 1
            if verdict.is_article != is_article:
                wrong[route].append((row["id"], row["page_type"], verdict.reason, row["url"]))
        dump.append(record)
    types = sorted({r["page_type"] for r in rows})
    print(f"{len(rows)} pages; page_signals {1000 * sum(spent) / max(1, len(spent)):.2f} ms/page mean")
    print("route      " + " ".join(f"{t[:11]:>11}" for t in types) + "    all   non-article")
    for route in ROUTES:
        cells, right, total, non_right, non_total = [], 0, 0, 0, 0
        for page_type in types:
            ok, bad = table[route][(page_type, True)], table[route][(page_type, False)]
            cells.append(f"{ok / max(1, ok + bad):11.3f}")
            right, total = right + ok, total + ok + bad
            if page_type != "article":
                non_right, non_total = non_right + ok, non_total + ok + bad
        print(f"{route:10} " + " ".join(cells) + f" {right / total:6.3f} {non_right / max(1, non_total):6.3f}")
    for route in ROUTES:
        for item in wrong[route][: args.errors]:
            print(route, *item, sep="\t")
    if args.dump:
        keys = list(dict.fromkeys(k for record in dump for k in record))
        with open(args.dump, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, keys, delimiter="\t")
            writer.writeheader()
            writer.writerows(dump)


if __name__ == "__main__":
    main()
