"""``newsclean crawl URL|SITE... -o OUT [-s NAME=VALUE ...] [--redis URL]``: a crawl from the command line.

The options, logging and the summary on stderr; the crawl itself is ``crawler.runner``'s (a
single crawl, or with ``--redis`` one worker of a distributed crawl). Registered in ``newsclean.cli`` with ``from newsclean.crawl_cmd import crawl``; also runnable
as ``python -m newsclean.crawl_cmd``. ``crawl_demo(out)`` serves the bundled demo site on
127.0.0.1 and crawls it (for ``make demo``).
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

DEMO_SITE = Path(__file__).resolve().parent.parent / "crawler" / "demo" / "site"
#: The demo server is ours and local: no need to wait between requests.
DEMO_SETTINGS = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "NEWSCLEAN_PROGRESS_INTERVAL": "2"}


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """``["NAME=VALUE", ...]`` -> {NAME: VALUE}, as ``scrapy crawl -s`` takes them."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="-s")
        overrides[name.strip()] = value
    return overrides


def run_crawl(targets: Sequence[str], out: Path, overrides: Mapping[str, str] | None = None,
              verbosity: int = 0, log_file: Path | None = None, redis_url: str | None = None) -> int:
    """Crawl ``targets`` (site names or start URLs) into ``out``; print a summary on stderr; exit code.

    ``redis_url``: run as one worker of the distributed crawl sharing that Redis
    (``crawler.distributed``); the same runner (``crawler.runner``), the same rule for success.
    Logging: one handler (``newsclean.logs``; Scrapy's own is not installed), at the level
    ``verbosity`` says (-q -1, 0 INFO, -v DEBUG) or ``-s LOG_LEVEL``; Scrapy's stats dump on the
    terminal only at DEBUG, always in ``log_file`` (or ``-s LOG_FILE``). Once per process.
    """
    from crawler.runner import crawl_settings
    from crawler.runner import run_crawl as run
    from crawler.sites import resolve_sites
    from newsclean.logs import setup_logging

    overrides = dict(overrides or {})
    level = overrides.pop("LOG_LEVEL", "").upper()
    if level:
        verbosity = {"DEBUG": 1, "INFO": 0}.get(level, -1)
    log_file = log_file or (Path(overrides.pop("LOG_FILE")) if overrides.get("LOG_FILE") else None)
    setup_logging(verbosity, log_file)
    if redis_url:
        from crawler.distributed.settings import worker_settings

        overrides = worker_settings(redis_url, overrides)
    settings = crawl_settings(overrides)
    settings.set("LOG_LEVEL", "DEBUG" if verbosity > 0 else "INFO", priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")  # ours is the only handler
    try:
        resolve_sites(list(targets), settings.get("NEWSCLEAN_SITES_FILE") or None)
    except (ValueError, OSError) as error:
        raise click.UsageError(str(error)) from error
    result = run(targets, out, settings)
    for line in result.summary(out):
        click.echo(line, err=True)
    return 0 if result.ok else 1


@click.command("crawl")
@click.argument("targets", nargs=-1, required=True, metavar="URL|SITE...")
@click.option("-o", "--out", required=True, type=click.Path(path_type=Path),
              help="Parquet dataset folder, or a file ending in .parquet.")
@click.option("--state", "state_path", default=None, type=click.Path(path_type=Path),
              help="The crawl ledger, one per output folder (default: NEWSCLEAN_STATE, data/state.sqlite).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Scrapy or NEWSCLEAN_* setting override (repeatable), e.g. -s NEWSCLEAN_FOLLOW_DEPTH=1.")
@click.option("--redis", "redis_url", default=None, metavar="URL", envvar="NEWSCLEAN_REDIS_URL",
              help="Run as one worker of a distributed crawl sharing this Redis (frontier, seen-set, "
                   "ledger, per-domain politeness); start the same command on any number of machines.")
@click.option("-v", "--verbose", count=True, help="More output: -v debug lines (Scrapy's too), -vv every library's.")
@click.option("-q", "--quiet", is_flag=True, help="Warnings and errors only, and the summary.")
@click.option("--log-file", type=click.Path(path_type=Path), default=None,
              help="Also write every log line (INFO, -v DEBUG; Scrapy's stats dump included) to this file.")
@click.pass_context
def crawl(ctx: click.Context, targets: tuple[str, ...], out: Path, state_path: Path | None,
          overrides: tuple[str, ...], redis_url: str | None, verbose: int = 0, quiet: bool = False,
          log_file: Path | None = None) -> None:
    """Discover and fetch news articles, clean them, write them to Parquet.

    Each target is a site name from seeds/sites.toml (e.g. vnexpress, tuoitre, dantri) or a
    start URL (its host is then the allowed domain). Discovery follows robots.txt sitemaps,
    sitemap indexes, news sitemaps, RSS/Atom feeds and in-site links. Progress is logged per
    site; the summary counts discovered, fetched, written, skipped and failed pages by reason.
    Exits non-zero only when the run itself failed.

    Re-runs are incremental: the ledger (--state) holds what was discovered, written and
    failed. A run first finishes what an earlier one left (even one killed), then fetches
    only new articles and those that changed (sitemap date, or a conditional GET); each
    article is written once. Stop it any time (Ctrl-C, SIGTERM): what was cleaned is
    committed, and the next run resumes.
    """
    settings = parse_overrides(overrides)
    verbosity = -1 if quiet else verbose + (ctx.obj or {}).get("verbosity", 0)
    if state_path is not None:
        settings["NEWSCLEAN_STATE"] = str(state_path)
    sys.exit(run_crawl(targets, out, settings, verbosity, log_file, redis_url))


def crawl_demo(out: Path) -> int:
    """Serve the bundled demo site on 127.0.0.1 (ephemeral port) and crawl it into ``out``.

    The crawl runs in a child process (the Twisted reactor starts once per process), so this
    can be called from anywhere, any number of times. Returns the crawl's exit code.
    """
    server = subprocess.Popen([sys.executable, "-m", "crawler.demo.server", str(DEMO_SITE),
                               "--log", str(Path(out).with_name(Path(out).name + "-requests.log"))],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        command = [sys.executable, "-m", "newsclean.crawl_cmd", f"http://127.0.0.1:{port}/", "-o", str(out)]
        for name, value in DEMO_SETTINGS.items():
            command += ["-s", f"{name}={value}"]
        return subprocess.call(command)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    crawl()
