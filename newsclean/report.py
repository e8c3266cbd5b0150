"""``newsclean report OUT [-o report.html]``: what a dataset holds, as one self-contained HTML page.

The page has no script and loads nothing: every plot is matplotlib's SVG inlined in the page
(glyphs drawn as paths, so not even a font is fetched). Plots are drawn only from data the
dataset (and the crawl ledger, when ``--state`` names it) really has; a section without data
says so in words instead of showing an empty plot.

Sections: rows per site and per publication day, language shares, text length, outcomes by
reason (crawl ledger), near-duplicates (``duplicate_of``), a grid of histograms of every other
numeric or boolean column and a bar plot per text column with few repeated values (quality
signals, whatever their names), and two tables: the slowest pages (ledger: time from fetch to
the commit of the row's file, and fetch attempts; rows hold no durations) and the most trimmed
pages (``--inputs``: the share of the input's visible text that is not in the row; rows do not
keep their input).
"""
from __future__ import annotations

import html
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import click
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newsclean.plots import bar_plot, day_plot, grid_of_histograms, histogram
from newsclean.report_inputs import TABLE_ROWS, LedgerView, dataset_files, read_dataset, read_ledger, trimmed_shares

log = logging.getLogger(__name__)

#: Bars shown in a per-category plot; the rest are summed into one "other" bar.
TOP = 25
#: Columns with a plot of their own, or no distribution worth plotting.
OWN_PLOTS = {"n_chars", "domain", "language", "duplicate_of"}
#: A text column is plotted as categories when it has 2 to this many distinct values (null counted
#: as one)...
MAX_CATEGORIES = 30
#: ... and its values stand, on average, in at least this many rows each (not ids, titles, URLs).
MIN_ROWS_PER_CATEGORY = 2
#: The earliest and the latest publication days plotted are these quantiles, so that one wrong date
#: (an epoch 1970, a year 2099) does not squeeze every other bar into one pixel.
OUTLIER_SHARE = 0.005


@dataclass
class Section:
    """One part of the page: a heading, a sentence, and a plot (SVG) or a table (HTML), or neither."""

    anchor: str
    title: str
    note: str = ""
    svg: str = ""
    table: str = ""

# ----------------------------------------------------------------------------- sections
def _top(counter: Counter, top: int = TOP) -> list[tuple[str, int]]:
    items = counter.most_common()
    if len(items) <= top:
        return items
    return items[:top - 1] + [(f"other ({len(items) - top + 1})", sum(n for _, n in items[top - 1:]))]


def _column(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    return table[name] if name in table.column_names else None


def sites_section(table: pa.Table) -> Section:
    section = Section("sites", "Rows per site")
    column = _column(table, "domain")
    values = column.to_pylist() if column is not None else []
    counts = Counter(v or "(files: no domain)" for v in values)
    if counts:
        section.svg = bar_plot(_top(counts), "sites", "rows")
        section.note = f"{len(counts)} site{'s' * (len(counts) != 1)} (registered domains; rows without one, e.g. from files, counted apart)."
    return section


def days_section(table: pa.Table) -> Section:
    section = Section("days", "Rows per publication day")
    column = _column(table, "published")
    if column is None:
        section.note = "The dataset has no published column."
        return section
    dated = pc.drop_null(column)
    if len(dated) == 0:
        section.note = "No row has a publication time."
        return section
    days = dated.cast(pa.timestamp("us")).to_numpy().astype("datetime64[D]")
    as_int = days.astype(np.int64)
    low = np.quantile(as_int, OUTLIER_SHARE, method="lower").astype("datetime64[D]")
    high = np.quantile(as_int, 1 - OUTLIER_SHARE, method="higher").astype("datetime64[D]")
    shown = days[(days >= low) & (days <= high)]
    section.svg, unit = day_plot(shown, "days")
    section.note = (f"{len(dated):,} of {table.num_rows:,} rows have a publication time, "
                    f"{days.min()} to {days.max()} (UTC); one bar a {unit}")
    if len(shown) < len(days):
        section.note += f", {len(days) - len(shown):,} rows outside {low} to {high} left out of the plot"
    section.note += "."
    return section


def languages_section(table: pa.Table) -> Section:
    section = Section("languages", "Language shares")
    column = _column(table, "language")
    counts = Counter(column.to_pylist()) if column is not None else Counter()
    if counts:
        section.svg = bar_plot(_top(counts), "languages", "rows", shares=True)
        section.note = f"{len(counts)} language{'s' * (len(counts) != 1)} (ISO 639-1; und: undecided)."
    return section


def length_section(table: pa.Table) -> Section:
    section = Section("length", "Text length")
    column = _column(table, "n_chars")
    values = pc.drop_null(column).to_numpy() if column is not None else np.array([])
    if len(values):
        section.svg = histogram(values.astype(float), "length", "characters of text (log scale)", log_x=True)
        section.note = f"Median {int(np.median(values)):,} characters; shortest {values.min():,}, longest {values.max():,}."
    return section


def outcomes_section(ledger: LedgerView | None) -> Section:
    section = Section("outcomes", "Outcomes by reason")
    if ledger is None:
        section.note = ("No crawl ledger given (--state): a crawl's outcomes are in its ledger; "
                        "`newsclean clean` prints its own in its summary line.")
        return section
    if not ledger.outcomes:
        section.note = "The ledger holds no URL."
        return section
    section.svg = bar_plot(_top(ledger.outcomes), "outcomes", "URLs", shares=True)
    section.note = ("URLs of the crawl ledger by final state; failed ones by reason; not_article: pages "
                    "judged listing or other pages (fetched for their links).")
    if ledger.last_run:
        counts = sorted(ledger.last_run.get("counts", {}).items())
        section.note += (f" Last run {ledger.last_run['run_id']} ({ledger.last_run['status']})"
                         + (": its counts below." if counts else ": no counts."))
        section.table = html_table(("last run: count", "value"), [(name, f"{value:,}") for name, value in counts])
    return section


def duplicates_section(table: pa.Table) -> Section:
    section = Section("duplicates", "Near-duplicates")
    column = _column(table, "duplicate_of")
    if column is None:
        section.note = "The dataset has no duplicate_of column."
        return section
    marked = table.filter(pc.is_valid(column))
    if marked.num_rows == 0:
        section.note = f"No row of {table.num_rows:,} is marked as a near-duplicate (duplicate_of)."
        return section
    domains = marked["domain"].to_pylist() if "domain" in marked.column_names else [None] * marked.num_rows
    section.svg = bar_plot(_top(Counter(d or "(files)" for d in domains)), "duplicates", "rows marked duplicate_of")
    section.note = (f"{marked.num_rows:,} of {table.num_rows:,} rows nearly duplicate an earlier row "
                    f"(MinHash; duplicate_of names it). Most copied rows:")
    titles = dict(zip(table["id"].to_pylist(), table["title"].to_pylist())) if "title" in table.column_names else {}
    copied = Counter(marked["duplicate_of"].to_pylist()).most_common(TABLE_ROWS)
    section.table = html_table(("row copied", "title", "copies"),
                               [(doc_id, titles.get(doc_id) or "", f"{n:,}") for doc_id, n in copied])
    return section


def numeric_columns(table: pa.Table) -> dict[str, np.ndarray]:
    """Every numeric or boolean column (but those with a plot of their own) -> its non-null,
    finite values as floats (booleans 0/1), whatever the column's name: quality signals added
    by later versions are plotted without this module knowing them."""
    columns = {}
    for name in table.column_names:
        kind = table.schema.field(name).type
        if name in OWN_PLOTS or not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
            continue
        values = pc.drop_null(table[name])
        if pa.types.is_floating(kind):
            values = values.filter(pc.is_finite(values))
        if pa.types.is_boolean(kind):
            values = values.cast(pa.int8())
        columns[name] = values.to_numpy().astype(float).round(4)  # float noise (0.999996) is not a spread
    return columns


def numeric_section(table: pa.Table) -> Section:
    """Every numeric column but those with a plot of their own (quality signals), in one grid."""
    section = Section("columns", "Other numeric columns (quality signals)")
    columns = numeric_columns(table)
    filled = {name: values for name, values in columns.items() if len(values)}
    empty = [name for name in columns if name not in filled]
    if filled:
        section.svg = grid_of_histograms(filled)
        section.note = (f"Rows per value of every other numeric column ({len(filled)}; booleans as 0/1), "
                        "whatever its name.")
    else:
        section.note = "The dataset has no other numeric column with values."
    if empty:
        section.note += f" No row has a value in: {', '.join(empty)}."
    return section


def categorical_sections(table: pa.Table) -> list[Section]:
    """A bar plot per text column with few distinct values (a filter's reason, a label), whatever its name."""
    sections = []
    for name in table.column_names:
        if name in OWN_PLOTS or not (pa.types.is_string(table.schema.field(name).type)
                                     or pa.types.is_large_string(table.schema.field(name).type)):
            continue
        counts = Counter("(null)" if v is None else v for v in table[name].to_pylist())
        values = [n for value, n in counts.items() if value != "(null)"]
        if 2 <= len(counts) <= MAX_CATEGORIES and sum(values) >= MIN_ROWS_PER_CATEGORY * len(values):
            section = Section(f"column-{name}", f"Column {name}")
            section.svg = bar_plot(counts.most_common(), name, "rows", shares=True)
            section.note = f"Rows per value of {name} ({len(counts)} values; (null): no value)."
            sections.append(section)
    return sections


def slowest_section(ledger: LedgerView | None) -> Section:
    section = Section("slowest", "Slowest pages")
    if ledger is None or not ledger.slowest:
        section.note = ("Rows hold no durations; with a crawl ledger (--state) this table lists the written "
                        "pages with the longest time from fetch to the commit of their file.")
        return section
    section.note = ("From the crawl ledger: time from the page's fetch to the commit of the file holding its row "
                    "(cleaning, plus the wait for the file to fill), and the fetch attempts of its life.")
    section.table = html_table(("URL", "fetch to commit", "attempts"),
                               [(url, f"{seconds:.1f} s", str(attempts)) for url, seconds, attempts in ledger.slowest])
    return section


def trimmed_section(trimmed: list[tuple[str, float, int, int]] | None) -> Section:
    section = Section("trimmed", "Most trimmed pages")
    if trimmed is None:
        section.note = ("Rows do not keep their input; with --inputs (the folder given to `newsclean clean`) this "
                        "table lists the rows that kept the smallest share of their input's visible text.")
        return section
    if not trimmed:
        section.note = "No row's source was found under --inputs."
        return section
    section.note = ("Share of the input's visible text (a text file's lines, an HTML page's visible lines) "
                    "that is not in the row (title, menus, related links, footers...); "
                    "`newsclean explain FILE` shows why, line by line.")
    section.table = html_table(("source", "trimmed", "input chars", "row chars"),
                               [(s, f"{share:.0%}", f"{total:,}", f"{kept:,}") for s, share, total, kept in trimmed[:TABLE_ROWS]])
    return section


# ----------------------------------------------------------------------------- page
def html_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
nav a { margin-right: 1em; } figure { margin: 0.5em 0; } figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.9em; } td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
td { max-width: 40em; overflow-wrap: anywhere; } .note { color: #555; }
"""


def render(title: str, summary: str, sections: list[Section]) -> str:
    nav = " ".join(f'<a href="#{s.anchor}">{html.escape(s.title)}</a>' for s in sections)
    parts = [f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
             f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><p>{html.escape(summary)}</p><nav>{nav}</nav>"]
    for s in sections:
        parts.append(f'<section id="{s.anchor}"><h2>{html.escape(s.title)}</h2>')
        if s.note:
            parts.append(f'<p class="note">{html.escape(s.note)}</p>')
        if s.svg:
            parts.append(f'<figure class="plot">{s.svg}</figure>')
        parts.append(s.table + "</section>")
    parts.append("</body></html>\n")
    return "".join(parts)


def build_report(out: Path, state: Path | None = None, inputs: Path | None = None) -> str:
    """The report page of the dataset ``out`` (and its crawl ledger ``state``, its ``inputs``)."""
    table = read_dataset(out)
    ledger = read_ledger(state) if state is not None else None
    trimmed = trimmed_shares(table, inputs) if inputs is not None else None
    sections = [sites_section(table), days_section(table), languages_section(table), length_section(table),
                outcomes_section(ledger), duplicates_section(table), numeric_section(table), *categorical_sections(table),
                slowest_section(ledger), trimmed_section(trimmed)]
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    files = len(dataset_files(out))
    summary = (f"{table.num_rows:,} rows in {files} Parquet file{'s' * (files != 1)} of {out}; "
               f"{table.num_columns} columns besides text; made {made}.")
    return render(f"newsclean report: {out.name or out}", summary, sections)


def write_report(out: Path, target: Path, state: Path | None = None, inputs: Path | None = None) -> Path:
    """Build the report and write it to ``target`` (temporary name, then rename)."""
    page = build_report(out, state, inputs)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(target)
    log.info("report of %s written to %s (%d bytes)", out, target, len(page.encode("utf-8")))
    return target


@click.command("report")
@click.argument("out", metavar="OUT", type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--output", "target", default=None, type=click.Path(path_type=Path),
              help="The HTML file to write (default: OUT-report.html beside OUT).")
@click.option("--state", "state_path", default=None, type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The crawl ledger of this dataset (`newsclean crawl --state`): outcomes by reason, slowest pages.")
@click.option("--inputs", default=None, type=click.Path(path_type=Path, exists=True),
              help="The folder (or file) given to `newsclean clean`: the most trimmed pages.")
def report(out: Path, target: Path | None, state_path: Path | None, inputs: Path | None) -> None:
    """Write one self-contained HTML page of plots about the Parquet dataset OUT.

    Rows per site and per publication day, language shares, text length, outcomes by reason
    (from the crawl ledger, --state), near-duplicates, the distribution of every other numeric
    column (quality signals), the slowest and the most trimmed pages. The page loads nothing:
    it opens offline, and can be mailed as one file.
    """
    if target is None:
        target = out.parent / f"{out.stem}-report.html"  # beside OUT: a dataset folder holds Parquet only
    try:
        write_report(out, target, state_path, inputs)
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"report: {target}")
