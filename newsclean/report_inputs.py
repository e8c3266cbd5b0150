"""What the report reads: the dataset's rows, the crawl ledger's outcomes, the inputs of a
cleaning run (for the share of each input's text a row kept)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cleaning.dataset import Dataset

#: Rows in each table.
TABLE_ROWS = 15


@dataclass
class LedgerView:
    """What the report shows of a crawl ledger."""

    outcomes: Counter = field(default_factory=Counter)  # written, failed:<reason>, gone, pending, not_article
    last_run: dict | None = None
    slowest: list[tuple[str, float, int]] = field(default_factory=list)  # url, seconds fetch -> commit, attempts


def dataset_files(out: Path) -> list[Path]:
    """The Parquet files of a dataset folder (not its ``_quarantine``), or the one file ``out``."""
    return Dataset(out).files()


def read_dataset(out: Path) -> pa.Table:
    """Every row of the dataset without its ``text`` (sizes are in n_chars): files written
    before a column was added get nulls for it."""
    files = dataset_files(out)
    if not files:
        raise FileNotFoundError(f"no Parquet files in {out}")
    tables = []
    for path in files:
        names = pq.read_schema(path).names
        tables.append(pq.read_table(path, columns=[n for n in names if n != "text"]))
    return pa.concat_tables(tables, promote_options="default")


def read_ledger(state: Path, limit: int = TABLE_ROWS) -> LedgerView:
    """Outcomes, last run and slowest pages from the crawl ledger, through its public API.

    Imported here only: the ledger is the crawler's, and a report of cleaned files never needs it.
    """
    from crawler.state.sqlite_ledger import SQLiteLedger

    view = LedgerView()
    with SQLiteLedger(state) as ledger:
        stats = ledger.stats()
        view.last_run = stats.last_run
        for state_name in ("written", "gone"):
            view.outcomes[state_name] = stats.states.get(state_name, 0)
        view.outcomes["pending"] = stats.pending
        for reason, count in stats.failures.items():
            view.outcomes[f"failed:{reason}"] = count
        timings = []
        for site in ledger.sites():
            view.outcomes["not_article"] += len(ledger.not_articles(site))
            for url in ledger.written_urls(site):
                row = ledger.get(url) or {}
                if row.get("written_at") and row.get("fetched_at"):
                    timings.append((url, row["written_at"] - row["fetched_at"], row.get("attempts", 0)))
    view.outcomes = Counter({k: v for k, v in view.outcomes.items() if v})
    view.slowest = sorted(timings, key=lambda t: -t[1])[:limit]
    return view


def trimmed_shares(table: pa.Table, inputs: Path) -> list[tuple[str, float, int, int]]:
    """(source, trimmed share, input chars, row chars) for the rows whose ``source`` is a file
    under ``inputs``: the input's visible text (a text file's text, an HTML page's visible
    lines) against the row's n_chars."""
    from newsclean.explain import input_lines

    shares = []
    for source, n_chars in zip(table["source"].to_pylist(), table["n_chars"].to_pylist()):
        path = inputs / source if inputs.is_dir() else inputs
        if not source or not path.is_file():
            continue
        lines = input_lines(path)
        total = len("\n".join(lines))  # counted as n_chars counts the row's text: lines joined by newlines
        if total:
            shares.append((source, max(0.0, 1 - (n_chars or 0) / total), total, n_chars or 0))
    return sorted(shares, key=lambda s: -s[1])
