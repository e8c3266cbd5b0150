"""Extraction quality and speed: clean_html against bare trafilatura.extract (default settings).

    .venv/bin/python benchmarks/extraction.py [--devset ../shared/devset] [--repeat 1] [--write]

Runs the shared scorer (``shared/tools/extraction_bench.py``: trafilatura and clean_html
interleaved page by page in one process, the metrics the cleaner is judged by) on the three
development corpora -- ``trafilatura-eval`` (snippet metric), ``wcxb-dev`` (all pages, and the
article pages alone; shingle F1) and ``vi`` (shingle F1, headline included) -- and prints one
table per corpus: F1, precision, recall, docs/s, speed ratio, losses (pages more than 0.2 below
trafilatura), empty outputs. ``--write`` also puts the tables into benchmarks/README.md between
the ``extraction-tables`` markers. ``--losses N`` lists the pages clean_html loses.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "benchmarks" / "README.md"
BEGIN, END = "<!-- extraction-tables:begin -->", "<!-- extraction-tables:end -->"
OURS, BASE = "cleaning:clean_html", "trafilatura"

#: (table title, corpus folder, scorer filter)
CORPORA = (
    ("trafilatura-eval (945 pages, many languages, snippet metric)", "trafilatura-eval", None),
    ("wcxb-dev, article pages (793, English, shingle F1)", "wcxb-dev", "page_type=article"),
    ("wcxb-dev, all pages (1,497, 7 page types, shingle F1)", "wcxb-dev", None),
    ("vi (5 Vietnamese news pages, shingle F1 with headline)", "vi", None),
)


def score(scorer: Path, corpus: Path, where: str | None, repeat: int, losses: int) -> dict:
    """One scorer run on one corpus -> its results by extractor."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scores.json"
        command = [sys.executable, str(scorer), "--data", str(corpus), "--only", BASE, "--extractor", OURS,
                   "--repeat", str(repeat), "--losses", str(losses), "--json", str(out)]
        if where:
            command += ["--where", where]
        listing = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        if losses:
            print("\n".join(line for line in listing.splitlines() if line.startswith("loss ")))
        return json.loads(out.read_text())["datasets"][corpus.name]["results"]


def table(title: str, results: dict) -> str:
    lines = [f"**{title}**", "",
             "| extractor | F1 | precision | recall | docs/s | × trafilatura | losses | empty |",
             "|---|---|---|---|---|---|---|---|"]
    for name in (OURS, BASE):
        r = results[name]
        losses = len(r.get("losses", ())) if name == OURS else "-"
        lines.append(f"| {name} | {float(r['f1']):.3f} | {float(r['precision']):.3f} | {float(r['recall']):.3f} "
                     f"| {float(r['docs_per_s']):.1f} | {float(r['speed_ratio']):.2f} | {losses} | {r['empty']} |")
    return "\n".join(lines)


def write_readme(tables: list[str]) -> None:
    text = README.read_text(encoding="utf-8")
    block = f"{BEGIN}\nMeasured {date.today().isoformat()} (`benchmarks/extraction.py --write`).\n\n" + "\n\n".join(tables) + f"\n{END}"
    if BEGIN in text:
        head, _, rest = text.partition(BEGIN)
        text = head + block + rest.partition(END)[2]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    parser.add_argument("--scorer", type=Path, default=ROOT.parent / "shared" / "tools" / "extraction_bench.py")
    parser.add_argument("--repeat", type=int, default=1, help="timing rounds per page (the scorer's --repeat)")
    parser.add_argument("--losses", type=int, default=0, help="list up to N lost pages per corpus")
    parser.add_argument("--write", action="store_true", help="put the tables into benchmarks/README.md")
    args = parser.parse_args()
    tables = []
    for title, folder, where in CORPORA:
        tables.append(table(title, score(args.scorer, args.devset / folder, where, args.repeat, args.losses)))
        print(tables[-1] + "\n", flush=True)
    if args.write:
        write_readme(tables)


if __name__ == "__main__":
    main()
