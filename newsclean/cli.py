"""``newsclean``: clean files, crawl sites, show crawl state, report on a dataset, explain a page. Every command has --help."""
from __future__ import annotations

import logging
from pathlib import Path

import click

from cleaning.sources import MAX_FILE_BYTES
from cleaning.card import write_card
from cleaning.dataset import Dataset
from newsclean.batch import clean_paths, clean_warc_paths, previous_outputs
from newsclean.warc_batch import FILTERS, WarcProgress, find_warcs
from newsclean.crawl_cmd import crawl, crawl_demo
from newsclean.explain import explain
from newsclean.logs import setup_logging
from newsclean.report import report
from newsclean.status_cmd import status

log = logging.getLogger("newsclean")


@click.group()
@click.option("-v", "--verbose", count=True, help="More log output (-v debug, -vv every library's debug).")
@click.option("-q", "--quiet", is_flag=True, help="Warnings and errors only.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool = False) -> None:
    """Turn news pages and text dumps into clean article text in Parquet."""
    verbosity = -1 if quiet else verbose
    ctx.obj = {"verbosity": verbosity}
    # One handler on stderr: warnings by default here (``clean`` reports through its summary);
    # ``crawl`` sets it again, INFO by default (its progress lines), with its own -v/-q/--log-file.
    setup_logging(verbosity - 1 if verbosity >= 0 else -1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", required=True, type=click.Path(path_type=Path),
              help="Parquet dataset folder, or a file ending in .parquet.")
@click.option("--max-file-bytes", default=MAX_FILE_BYTES, show_default=True,
              help="Larger files (and WARC response bodies) are skipped and counted as too_large.")
@click.option("--max-rows", default=50_000, show_default=True, help="Rows per Parquet file.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Processes. WARC input: the processes that clean pages (the main one reads and writes). "
                   "Page files: above 1 the batch runs on datatrove's LocalPipelineExecutor, one Parquet file per task.")
@click.option("--overwrite", is_flag=True,
              help="Replace the dataset already in OUT (its files are removed once the new ones are written).")
@click.option("--filter", "filter_name", type=click.Choice(FILTERS), default=None,
              help="Drop the rows that a filter set rejects (counted as fineweb2_<reason>); "
                   "without it every row is kept and its filter_reason column says what would reject it.")
@click.option("--card/--no-card", default=False, show_default=True,
              help="Write the dataset card OUT/README.md (Hugging Face YAML header) and keep it up to date "
                   "on each commit; pyarrow/pandas then read OUT with ignore_prefixes=['.', '_', 'README'].")
def clean(paths: tuple[Path, ...], out: Path, max_file_bytes: int, max_rows: int, progress: bool,
          workers: int = 1, overwrite: bool = False, filter_name: str | None = None, card: bool = False) -> None:
    """Clean .txt/.html/.htm(.gz) files, WARC files (.warc, .warc.gz: CC-NEWS, crawl archives)
    and folders of them into the Parquet dataset OUT.

    WARC input: one row per HTML response record (url and source from WARC-Target-URI,
    fetched_at from WARC-Date, the HTTP Content-Type charset given to the cleaner); requests,
    metadata, revisits, non-HTML, non-2xx and truncated records are counted by reason. The
    files are streamed (memory stays flat), --workers processes clean the pages, and the
    progress bar counts bytes read. A WARC run that was stopped (even killed) goes on where it
    stopped when started again with the same inputs and OUT; no row is written twice.

    A second run of page files into the same OUT would hold every row twice, so OUT must be
    empty (or new) unless --overwrite is given.
    """
    warcs = find_warcs(paths)
    resume = bool(warcs) and not overwrite and WarcProgress.exists(out)
    previous = [] if resume else previous_outputs(out)
    if previous and not overwrite:
        raise click.UsageError(f"{out} already holds a dataset ({len(previous)} files); pass --overwrite to replace it")
    if card and Dataset(out).single_file:
        raise click.UsageError("--card needs a dataset folder for OUT, not a .parquet file")
    try:
        if card:
            write_card(out)
        if warcs:
            outcomes = clean_warc_paths(paths, warcs, out, workers=workers, max_bytes=max_file_bytes, max_rows=max_rows,
                                        filter_name=filter_name, progress=progress, fresh=not resume)
        elif workers > 1:
            if filter_name:
                raise click.UsageError("--filter works with WARC input, or with page files and --workers 1")
            from newsclean.datatrove_steps import clean_paths_datatrove

            if Dataset(out).single_file:
                raise click.UsageError("--workers above 1 needs a dataset folder for OUT, not a .parquet file")
            outcomes = clean_paths_datatrove(paths, out, workers=workers, max_bytes=max_file_bytes, max_rows=max_rows)
        else:
            outcomes = clean_paths(paths, out, max_bytes=max_file_bytes, max_rows=max_rows, progress=progress,
                                   filter_name=filter_name)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    except OSError as error:  # FileExistsError included: a README.md that is not our card
        raise click.ClickException(f"cannot write {out}: {error}") from error
    for old_file in previous:
        old_file.unlink(missing_ok=True)
    if card:
        write_card(out)
    click.echo(f"clean: {sum(outcomes.values())} inputs: {outcomes.summary() or 'none'} -> {out}")


@main.command()
@click.option("-o", "--out", default=Path("data"), show_default=True, type=click.Path(path_type=Path),
              help="Folder for the two demo datasets (seeds/ and demo/).")
@click.option("--seeds", default=Path("seeds"), show_default=True, type=click.Path(path_type=Path),
              help="Folder of text dumps to clean.")
def demo(out: Path, seeds: Path) -> None:
    """The main job on its embedded default: clean seeds/ and crawl the bundled offline demo site."""
    ctx = click.get_current_context()
    ctx.invoke(clean, paths=(seeds,), out=out / "seeds", max_file_bytes=MAX_FILE_BYTES, max_rows=50_000,
               progress=True, overwrite=True)
    code = crawl_demo(out / "demo")
    if code:
        raise click.ClickException(f"demo crawl failed with exit code {code}")


main.add_command(crawl)
main.add_command(status)
main.add_command(report)
main.add_command(explain)
