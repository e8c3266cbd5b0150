"""Terminal output of the commands: one log handler on stderr, levels from -v/-q, an optional log file.

- One handler: the root logger's, on stderr (Scrapy's own is not installed: ``run_crawl`` passes
  ``install_root_handler=False``), so no line is printed twice.
- Level: WARNING with ``-q``, INFO by default, DEBUG with ``-v`` (``-vv``: DEBUG for every library
  too). DEBUG lines (Scrapy's ``Crawled (200)``, ``Scraped from``) are hidden at INFO.
- Scrapy's stats dictionary (``Dumping Scrapy stats``) and start-up inventory go to the
  terminal only at DEBUG; ``--log-file PATH`` gets every line at INFO (DEBUG with -v), those
  included, even with -q.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Loggers whose INFO lines are DEBUG material on a terminal: Scrapy's stats dump, its start-up
#: inventory (versions, settings, middlewares) and its own per-minute counts (ours are the progress lines).
NOISY = ("scrapy.statscollectors", "scrapy.middleware", "scrapy.addons", "scrapy.crawler", "scrapy.utils.log",
         "scrapy.extensions.logstats", "scrapy.extensions.telnet")


def level_for(verbosity: int) -> int:
    """-q: -1, default: 0, -v: 1, -vv: 2 -> a logging level."""
    if verbosity < 0:
        return logging.WARNING
    return logging.INFO if verbosity == 0 else logging.DEBUG


class _QuietNoisy(logging.Filter):
    """Drop the NOISY loggers' records below WARNING (the terminal handler, unless DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.name.startswith(NOISY)


def setup_logging(verbosity: int = 0, log_file: Path | None = None) -> None:
    """Configure the root logger once for a command (replacing any handler set before)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "newsclean", False):  # ours from an earlier call; others' (pytest's) stay
            root.removeHandler(handler)
    console_level = level_for(verbosity)
    console = logging.StreamHandler(sys.stderr)
    console.newsclean = True
    console.setLevel(console_level)
    console.setFormatter(logging.Formatter(FORMAT))
    if console_level > logging.DEBUG:
        console.addFilter(_QuietNoisy())
    root.addHandler(console)
    root.setLevel(console_level)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.newsclean = True
        to_file.setLevel(min(console_level, logging.INFO))
        to_file.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(to_file)
        root.setLevel(min(console_level, logging.INFO))
    if verbosity < 2:  # -vv: every library's DEBUG lines too
        for name in ("asyncio", "urllib3", "filelock", "fsspec", "charset_normalizer", "datatrove"):
            logging.getLogger(name).setLevel(max(logging.INFO, console_level))
