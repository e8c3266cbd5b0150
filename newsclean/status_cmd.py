"""``newsclean status``: what the crawl ledger knows, by site."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from crawler.state.ledger import STATES, Stats
from crawler.state.sqlite_ledger import DEFAULT_PATH, SQLiteLedger

COLUMNS = ("site", *STATES, "pending")


def _when(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S") if timestamp else "-"


def _table(rows: list[tuple[str, ...]]) -> str:
    """Plain aligned columns: the first left-aligned, numbers right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _state_row(name: str, stats: Stats) -> tuple[str, ...]:
    return (name, *(str(stats.states.get(state, 0)) for state in STATES), str(stats.pending))


def _last_run(stats: Stats) -> str:
    run = stats.last_run
    if not run:
        return "last run: none"
    counts = ", ".join(f"{k}={v}" for k, v in sorted(run["counts"].items())) or "no counts"
    end = f"ended {_when(run['finished_at'])} ({run['status']})" if run["finished_at"] else "not ended (running, or stopped)"
    return f"last run: {run['run_id']} started {_when(run['started_at'])}, {end}; {counts}"


@click.command()
@click.option("--state", "state_path", default=DEFAULT_PATH, show_default=True,
              type=click.Path(path_type=Path), help="The crawl ledger (SQLite file).")
@click.option("--site", default=None, help="Only this site.")
def status(state_path: Path, site: str | None) -> None:
    """Show the crawl ledger by site: URLs per state, last run, failures by reason."""
    if not state_path.exists():
        raise click.ClickException(f"no crawl ledger at {state_path}")
    with SQLiteLedger(state_path) as ledger:
        sites = [site] if site else ledger.sites()
        rows = [COLUMNS] + [_state_row(name, ledger.stats(name)) for name in sites]
        total = ledger.stats(site)
        if len(sites) > 1:
            rows.append(_state_row("total", total))
        click.echo(_table(rows))
        not_articles = sum(len(ledger.not_articles(name)) for name in sites)
        if not_articles:
            click.echo(f"not articles: {not_articles} pages judged listing or other pages (fetched for their links only)")
        click.echo(_last_run(total))
        if total.failures:
            click.echo("failures by reason:")
            click.echo(_table([("reason", "count"), *((r, str(n)) for r, n in total.failures.items())]))
        if not total.invariant_holds():
            raise click.ClickException("ledger inconsistent: discovered != written + failed + gone + pending")
