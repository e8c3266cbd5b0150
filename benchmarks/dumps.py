"""Text dumps of the devset pages, flattened the ways scrapers flatten a page, scored against the
corpus gold beside trafilatura's extraction from the HTML of the same pages.

Styles (each a function ``html bytes -> text``; scripts, styles and other invisible elements
dropped first):
  block     visible text of the page, one block element a line (a browser's "select all, copy")
  markdown  html2text-like: blank line between blocks, "#" headings, "* " list items, "> " quotes,
            **bold** and _italic_ marks, links as their text (``ignore_links``), no images
  lynx      ``lynx -dump``-like: paragraphs indented 3 columns and hard-wrapped at 79 display
            columns (CJK characters are two columns wide and break anywhere), "* " list items,
            headings flush left, and the "References" list of link URLs at the end
  soup      BeautifulSoup ``get_text("\\n", strip=True)``: every text node of the document (the
            <title> included) stripped on its own line, so a link inside a sentence cuts it

Sets written under OUT (default /tmp/newsclean-dumps; never in git), one per corpus and style,
in the layouts ``extraction_bench.py`` reads (see its --help):
  wcxb-<style>/   text/<id>.txt + gold/<id>.txt (ground_truth.main_content, the body without the
                  title: scored with --titles off) + manifest.tsv (id, url, language); articles only
  traf-<style>/   the snippet layout: evaldata.json + html/<file>.gz (the dump, gzipped) +
                  manifest.tsv (id = file, url, language)
  vi-<style>/     text/<id>.txt + gold/<id>.txt (headline first) + manifest.tsv
and the HTML sets trafilatura runs on: wcxb-html/, traf-html/ and vi-html/ (links to the same
pages and gold, with the same manifest.tsv for --group-by).
The language column comes from langdetect (seeded) on the gold text (the "with" snippets for
trafilatura-eval).

Run (the scoring runs under the shared lock; it takes a few minutes):
  flock /tmp/newsclean-heavy.lock .venv/bin/python benchmarks/dumps.py [--styles block lynx]
        [--corpora wcxb traf vi] [--out DIR] [--remake]
It prints, per corpus: trafilatura on the HTML, and per style the raw dump (the floor) and
``cleaning:clean_text`` on the dump, overall and by language.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaning.blocks import HEADINGS, block_dump, drop, page_blocks, parse  # noqa: E402
from cleaning.language import detect_language  # noqa: E402

DEVSET = ROOT.parent / "shared" / "devset"
BENCH = ROOT.parent / "shared" / "tools" / "extraction_bench.py"
OUT = Path(tempfile.gettempdir()) / "newsclean-dumps"

SOUP_DROPPED = ("script", "style", "noscript", "template")   # what scrapers decompose before get_text
LYNX_WIDTH, LYNX_INDENT = 79, 3


# ----------------------------------------------------------------------------- styles
def markdown_dump(html: bytes) -> str:
    out = []
    for b in page_blocks(parse(html), marks=True):
        text = re.sub(r"(\*\*|_)\s*\1", "", b.text).strip()  # an empty <b></b> leaves no marks
        if not text:
            continue
        if b.kind in HEADINGS:
            text = "#" * HEADINGS[b.kind] + " " + text
        elif b.kind == "li":
            text = "  * " + text
        elif b.kind == "quote":
            text = "> " + text
        out.append(text)
    return "\n\n".join(out)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_columns(text: str, width: int, first: str, rest: str) -> list[str]:
    """Words (and CJK characters, which may break anywhere) packed into lines of at most
    ``width`` display columns, as lynx does; a word longer than the width stands alone."""
    tokens = re.findall(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+|\s+", text)
    lines, line, used = [], first, display_width(first)
    for token in tokens:
        if token.isspace():
            if line.strip():
                line, used = line + " ", used + 1
            continue
        size = display_width(token)
        if used + size > width and line.strip():
            lines.append(line.rstrip())
            line, used = rest, display_width(rest)
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines


def lynx_dump(html: bytes) -> str:
    links: list[str] = []
    out: list[str] = []
    pad = " " * LYNX_INDENT
    for b in page_blocks(parse(html), links=links):
        if b.kind in HEADINGS:
            out += wrap_columns(b.text, LYNX_WIDTH, "", "")
        elif b.kind == "li":
            out += wrap_columns(b.text, LYNX_WIDTH, pad + "  * ", pad + "    ")
        else:
            out += wrap_columns(b.text, LYNX_WIDTH, pad, pad)
        out.append("")
    if links:
        out += ["References", ""] + [f"{i:4d}. {href}" for i, href in enumerate(links, 1)]
    return "\n".join(out)


def soup_dump(html: bytes) -> str:
    root = parse(html)
    drop(root, SOUP_DROPPED)
    strings = (s.strip() for s in root.itertext())
    return "\n".join(s for s in strings if s)


STYLES: dict[str, Callable[[bytes], str]] = {
    "block": block_dump, "markdown": markdown_dump, "lynx": lynx_dump, "soup": soup_dump,
}


# ----------------------------------------------------------------------------- corpora
def read_page(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def language(text: str) -> str:
    return detect_language(text)[0]


def wcxb_pages(devset: Path) -> Iterator[tuple[str, str, bytes, str]]:
    """(id, url, page, gold body) of every wcxb-dev article."""
    folder = devset / "wcxb-dev"
    with open(folder / "manifest.tsv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["page_type"] == "article"]
    for row in rows:
        item = json.loads((folder / "ground-truth" / f"{row['id']}.json").read_text(encoding="utf-8"))
        gold = (item.get("ground_truth") or {}).get("main_content") or ""
        yield row["id"], row["url"], read_page(folder / "html" / f"{row['id']}.html.gz"), gold


def write_manifest(folder: Path, rows: list[tuple[str, str, str]]) -> None:
    with open(folder / "manifest.tsv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(["id", "url", "language"])
        writer.writerows(rows)


def link(target: Path, name: Path) -> None:
    if not name.exists():
        name.symlink_to(target)


def make_wcxb(devset: Path, out: Path, styles: list[str]) -> None:
    folders = {s: out / f"wcxb-{s}" for s in styles}
    for folder in folders.values():
        (folder / "text").mkdir(parents=True, exist_ok=True)
        (folder / "gold").mkdir(exist_ok=True)
    html_set = out / "wcxb-html"
    for sub in ("html", "ground-truth"):
        (html_set / sub).mkdir(parents=True, exist_ok=True)
    rows = []
    for doc_id, url, page, gold in wcxb_pages(devset):
        rows.append((doc_id, url, language(gold)))
        link(devset / "wcxb-dev" / "html" / f"{doc_id}.html.gz", html_set / "html" / f"{doc_id}.html.gz")
        link(devset / "wcxb-dev" / "ground-truth" / f"{doc_id}.json", html_set / "ground-truth" / f"{doc_id}.json")
        for style, folder in folders.items():
            (folder / "text" / f"{doc_id}.txt").write_text(STYLES[style](page), encoding="utf-8")
            (folder / "gold" / f"{doc_id}.txt").write_text(gold, encoding="utf-8")
    for folder in [*folders.values(), html_set]:
        write_manifest(folder, rows)


def make_traf(devset: Path, out: Path, styles: list[str]) -> None:
    source = devset / "trafilatura-eval"
    items = json.loads((source / "evaldata.json").read_text(encoding="utf-8"))
    items = {url: v for url, v in items.items() if (source / "html" / f"{v['file']}.gz").exists()}
    html_set = out / "traf-html"
    folders = {s: out / f"traf-{s}" for s in styles} | {"html": html_set}
    for folder in folders.values():
        (folder / "html").mkdir(parents=True, exist_ok=True)
        (folder / "evaldata.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    rows = []
    for url, v in sorted(items.items(), key=lambda kv: kv[1]["file"]):
        page_path = source / "html" / f"{v['file']}.gz"
        link(page_path, html_set / "html" / page_path.name)
        rows.append((v["file"], url, language(" ".join(v["with"]))))
        page = read_page(page_path)
        for style in styles:
            (folders[style] / "html" / page_path.name).write_bytes(
                gzip.compress(STYLES[style](page).encode("utf-8"), mtime=0))
    for folder in folders.values():
        write_manifest(folder, rows)


def make_vi(devset: Path, out: Path, styles: list[str]) -> None:
    source = devset / "vi"
    html_set = out / "vi-html"
    for sub in ("pages", "gold"):
        (html_set / sub).mkdir(parents=True, exist_ok=True)
    for page in sorted((source / "pages").glob("*.html")):
        link(page, html_set / "pages" / page.name)
        link(source / "gold" / f"{page.stem}.txt", html_set / "gold" / f"{page.stem}.txt")
    write_manifest(html_set, [(page.stem, "", "vi") for page in sorted((source / "pages").glob("*.html"))])
    for style in styles:
        folder = out / f"vi-{style}"
        (folder / "text").mkdir(parents=True, exist_ok=True)
        (folder / "gold").mkdir(exist_ok=True)
        rows = []
        for page in sorted((source / "pages").glob("*.html")):
            gold = (source / "gold" / f"{page.stem}.txt").read_text(encoding="utf-8")
            (folder / "text" / f"{page.stem}.txt").write_text(STYLES[style](page.read_bytes()), encoding="utf-8")
            (folder / "gold" / f"{page.stem}.txt").write_text(gold, encoding="utf-8")
            rows.append((page.stem, "", "vi"))
        write_manifest(folder, rows)


MAKERS = {"wcxb": make_wcxb, "traf": make_traf, "vi": make_vi}


# ----------------------------------------------------------------------------- scoring
def bench(data: list[Path], args: list[str], python: str) -> dict:
    """Run extraction_bench.py on ``data`` -> its JSON report's datasets."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        command = [python, str(BENCH), "--data", *map(str, data), "--repeat", "1", "--n-bootstrap", "0",
                   "--group-by", "language", "--json", report.name, *args]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return json.loads(Path(report.name).read_text(encoding="utf-8"))["datasets"]


def html_sets(corpus: str, out: Path) -> tuple[list[Path], list[str]]:
    return [out / f"{corpus}-html"], []


def score(corpus: str, styles: list[str], out: Path, python: str) -> dict:
    """{"trafilatura": metrics, style: {"raw_input": metrics, "clean_text": metrics}} for one corpus."""
    data, extra = html_sets(corpus, out)
    html = next(iter(bench(data, ["--only", "trafilatura", *extra], python).values()))
    titles = ["--titles", "off"] if corpus == "wcxb" else []
    dumps = bench([out / f"{corpus}-{s}" for s in styles],
                  ["--only", "raw_input", "--extractor", "cleaning:clean_text", *titles], python)
    result = {"trafilatura": html["results"]["trafilatura"], "pages": html["meta"]["pages"]}
    for style, dataset in zip(styles, dumps.values()):
        results = dataset["results"]
        result[style] = {"raw_input": results["raw_input"], "clean_text": results["cleaning:clean_text"],
                         "pages": dataset["meta"]["pages"]}
    return result


def report(corpus: str, result: dict, styles: list[str], min_pages: int = 5) -> str:
    traf = result["trafilatura"]
    lines = [f"## {corpus}: {result['pages']} pages",
             "", "| input | extractor | F1 | P | R | vs trafilatura | docs/s |", "|---|---|---|---|---|---|---|",
             f"| HTML | trafilatura | {traf['f1']:.3f} | {traf['precision']:.3f} | {traf['recall']:.3f} | | "
             f"{traf['docs_per_s']:.0f} |"]
    for style in styles:
        for name in ("raw_input", "clean_text"):
            m = result[style][name]
            lines.append(f"| {style} dump | {name} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} "
                         f"| {m['f1'] - traf['f1']:+.3f} | {m['docs_per_s']:.0f} |")
    groups = [g for g, v in traf["groups"].items() if v["n"] >= min_pages]
    lines += ["", f"By language (languages with >= {min_pages} pages), F1:", "",
              "| language | n | trafilatura | " + " | ".join(f"{s} raw | {s} clean" for s in styles) + " |",
              "|---|---|---|" + "---|---|" * len(styles)]
    for group in groups:
        cells = [f"{result[s][n]['groups'].get(group, {}).get('f1', float('nan')):.3f}"
                 for s in styles for n in ("raw_input", "clean_text")]
        lines.append(f"| {group} | {traf['groups'][group]['n']} | {traf['groups'][group]['f1']:.3f} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT, help="where the dump sets are written (default %(default)s)")
    parser.add_argument("--devset", type=Path, default=DEVSET)
    parser.add_argument("--styles", nargs="+", choices=list(STYLES), default=list(STYLES))
    parser.add_argument("--corpora", nargs="+", choices=list(MAKERS), default=list(MAKERS))
    parser.add_argument("--remake", action="store_true", help="write the dump sets again even when present")
    parser.add_argument("--make-only", action="store_true", help="write the dump sets, do not score")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    for corpus in args.corpora:
        missing = [s for s in args.styles if args.remake or not (args.out / f"{corpus}-{s}" / "manifest.tsv").exists()]
        if not (args.out / f"{corpus}-html" / "manifest.tsv").exists():
            missing = missing or args.styles[:1]  # the HTML set is written with the dumps
        if missing:
            print(f"writing {corpus} dumps: {', '.join(missing)}", file=sys.stderr, flush=True)
            MAKERS[corpus](args.devset, args.out, missing)
    if args.make_only:
        return
    figures = {}
    for corpus in args.corpora:
        figures[corpus] = score(corpus, args.styles, args.out, sys.executable)
        if args.json:
            args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
        print(report(corpus, figures[corpus], args.styles) + "\n", flush=True)


if __name__ == "__main__":
    main()
