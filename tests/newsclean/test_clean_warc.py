"""`newsclean clean` on WARC files: a WARC built with warcio from shipped pages, every row and
every count checked; resume after a real SIGKILL; the dataset card read by datasets, pandas and
DuckDB."""
from __future__ import annotations

import gzip
import io
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaning import clean_html
from cleaning.card import CARD_FILE
from cleaning.parquet import SCHEMA
from newsclean.cli import main
from tests.conftest import ROOT

PAGES = ROOT / "tests" / "cleaning" / "fixtures" / "pages"
VI_PAGES = ROOT / "tests" / "fixtures" / "devset" / "vi" / "pages"
NEWSCLEAN = [sys.executable, "-m", "newsclean"]
DATE = "2024-05-01T08:30:00Z"
FETCHED = datetime(2024, 5, 1, 8, 30, tzinfo=timezone.utc)


def http(status: str, content_type: str | None, extra: list[tuple[str, str]] = ()) -> StatusAndHeaders:
    headers = [("Content-Type", content_type)] if content_type else []
    return StatusAndHeaders(status, headers + list(extra), protocol="HTTP/1.1")


def chunked(body: bytes, size: int = 4096) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size)]
    return b"".join(parts) + b"0\r\n\r\n"


class Warc:
    """A WARC file written with warcio, one record at a time."""

    def __init__(self, path: Path, gzip_records: bool = True) -> None:
        self.handle = open(path, "wb")
        self.writer = WARCWriter(self.handle, gzip=gzip_records)

    def response(self, url: str, body: bytes, headers: StatusAndHeaders, **warc_headers: str) -> None:
        self.writer.write_record(self.writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=headers,
            warc_headers_dict={"WARC-Date": DATE, **warc_headers}))

    def close(self) -> None:
        self.handle.close()


def page(name: str) -> bytes:
    return (VI_PAGES / name).read_bytes() if name[0].isdigit() else (PAGES / name).read_bytes()


def build_mixed_warc(path: Path) -> dict[str, bytes]:
    """Every kind of record; returns {url: the page's bytes as served} of the HTML responses
    that must become rows."""
    warc = Warc(path)
    w = warc.writer
    w.write_record(w.create_warcinfo_record(path.name, {"software": "test", "format": "WARC File Format 1.1"}))
    rows = {}
    # 1. HTML, charset in the header
    rows["https://www.dw.com/en/a-1"] = page("en_dw.html")
    warc.response("https://www.dw.com/en/a-1", page("en_dw.html"), http("200 OK", "text/html; charset=utf-8"))
    # 2. HTML re-encoded to windows-1252 while its <meta> still says utf-8: only the header is right
    rows["https://www.lanacion.com.ar/b-2"] = page("es_lanacion.html")
    body = page("es_lanacion.html").decode("utf-8").encode("cp1252", errors="xmlcharrefreplace")
    warc.response("https://www.lanacion.com.ar/b-2", body, http("200 OK", "text/html; charset=windows-1252"))
    # 3. HTML, no charset anywhere in the headers
    rows["https://vnexpress.net/c-3.html"] = page("01_vnexpress.html")
    warc.response("https://vnexpress.net/c-3.html", page("01_vnexpress.html"), http("200 OK", "text/html"))
    # 4. gzip Content-Encoding
    rows["https://www.heraldsun.com.au/d-4"] = page("en_heraldsun.html")
    warc.response("https://www.heraldsun.com.au/d-4", gzip.compress(page("en_heraldsun.html")),
                  http("200 OK", "text/html; charset=UTF-8", [("Content-Encoding", "gzip")]))
    # 5. chunked Transfer-Encoding
    rows["https://tuoitre.vn/e-5.htm"] = page("03_tuoitre.html")
    warc.response("https://tuoitre.vn/e-5.htm", chunked(page("03_tuoitre.html")),
                  http("200 OK", "text/html; charset=utf-8", [("Transfer-Encoding", "chunked")]))
    # not rows: an image, a 404 page, a truncated record, a request, a revisit, a metadata record
    warc.response("https://vnexpress.net/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 300, http("200 OK", "image/png"))
    warc.response("https://vnexpress.net/missing.html", b"<html><body><p>Not found</p></body></html>",
                  http("404 Not Found", "text/html"))
    warc.response("https://nld.com.vn/f-6.htm", page("05_nld.html")[:20_000], http("200 OK", "text/html"),
                  **{"WARC-Truncated": "length"})
    w.write_record(w.create_warc_record("https://vnexpress.net/c-3.html", "request", payload=io.BytesIO(b""),
                                        http_headers=StatusAndHeaders("GET /c-3.html HTTP/1.1", [("Host", "vnexpress.net")],
                                                                      is_http_request=True)))
    w.write_record(w.create_revisit_record("https://vnexpress.net/c-3.html", digest="sha1:AAAA",
                                           refers_to_uri="https://vnexpress.net/c-3.html", refers_to_date=DATE,
                                           http_headers=http("200 OK", "text/html")))
    w.write_record(w.create_warc_record("https://vnexpress.net/c-3.html", "metadata", payload=io.BytesIO(b"via: test"),
                                        warc_content_type="text/plain"))
    warc.close()
    return rows


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_every_record_of_a_mixed_warc_is_a_row_or_a_count(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    expected = build_mixed_warc(src / "mixed.warc.gz")
    out = tmp_path / "out"
    result = run("clean", str(src), "-o", str(out), "--no-progress", "--workers", "2")
    assert result.exit_code == 0, result.output
    for count in ("written=5", "not_html=1", "http_status=1", "truncated=1", "warc_request=1",
                  "warc_revisit=1", "warc_metadata=1", "warc_warcinfo=1"):
        assert count in result.output, result.output
    assert "clean: 12 inputs" in result.output
    rows = {row["source"]: row for row in pq.read_table(out).to_pylist()}
    assert sorted(rows) == sorted(expected)
    for url, served in expected.items():
        row, alone = rows[url], clean_html(served, url)
        assert row["text"] == alone.text and row["title"] == alone.title, url   # as if fetched alone
        assert row["url"] == alone.url and row["id"] == alone.id
        assert row["fetched_at"] == FETCHED
        assert row["language"] == alone.language
        assert row["mean_word_length"] is not None and row["frac_non_alpha_words"] is not None
    assert {rows[u]["language"] for u in expected} == {"en", "es", "vi"}


def test_an_uncompressed_warc_with_a_torn_end_is_counted(tmp_path):
    path = tmp_path / "torn.warc"
    warc = Warc(path, gzip_records=False)
    warc.response("https://www.dw.com/en/a-1", page("en_dw.html"), http("200 OK", "text/html; charset=utf-8"))
    warc.response("https://tuoitre.vn/e-5.htm", page("03_tuoitre.html"), http("200 OK", "text/html"))
    warc.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 5_000])     # the second record loses its last 5,000 bytes
    result = run("clean", str(path), "-o", str(tmp_path / "out"), "--no-progress")
    assert result.exit_code == 0, result.output
    assert "written=1" in result.output and "truncated=1" in result.output, result.output
    assert [r["source"] for r in pq.read_table(tmp_path / "out").to_pylist()] == ["https://www.dw.com/en/a-1"]


def test_filter_fineweb2_drops_only_when_asked(tmp_path):
    path = tmp_path / "w.warc.gz"
    warc = Warc(path)
    warc.response("https://www.dw.com/en/a-1", page("en_dw.html"), http("200 OK", "text/html"))
    short = b"<html><body><article><h1>Short</h1><p>Only a few words stand here, far too few.</p></article></body></html>"
    warc.response("https://example.com/short", short, http("200 OK", "text/html"))
    warc.close()
    kept = run("clean", str(path), "-o", str(tmp_path / "all"), "--no-progress")
    rows = pq.read_table(tmp_path / "all").to_pylist()
    assert "written=2" in kept.output
    reasons = {r["source"]: r["filter_reason"] for r in rows}
    assert reasons["https://www.dw.com/en/a-1"] is None and reasons["https://example.com/short"] is not None
    dropped = run("clean", str(path), "-o", str(tmp_path / "filtered"), "--no-progress", "--filter", "fineweb2")
    assert "written=1" in dropped.output and f"fineweb2_{reasons['https://example.com/short']}=1" in dropped.output
    assert [r["source"] for r in pq.read_table(tmp_path / "filtered").to_pylist()] == ["https://www.dw.com/en/a-1"]


def test_warc_and_page_files_in_one_run_are_refused(tmp_path):
    path = tmp_path / "in" / "w.warc.gz"
    path.parent.mkdir()
    Warc(path).close()
    (tmp_path / "in" / "page.html").write_bytes(page("en_dw.html"))
    result = CliRunner().invoke(main, ["clean", str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "WARC files and page files" in result.output


def build_big_warc(path: Path, n: int) -> list[str]:
    """``n`` HTML responses (the shipped pages in turn, each at its own URL) and one image after
    every fifth; returns the response URLs in order."""
    names = ["en_dw.html", "es_lanacion.html", "en_heraldsun.html", "01_vnexpress.html", "03_tuoitre.html",
             "05_nld.html", "09_baochinhphu.html", "10_nhandan.html"]
    bodies = [page(name) for name in names]
    warc, urls = Warc(path), []
    for i in range(n):
        url = f"https://news{i % 8}.example/{i}.html"
        urls.append(url)
        warc.response(url, bodies[i % len(bodies)], http("200 OK", "text/html"))
        if i % 5 == 4:
            warc.response(f"https://news0.example/{i}.png", b"\x89PNG\r\n\x1a\n", http("200 OK", "image/png"))
    warc.close()
    return urls


def committed_rows(out: Path) -> int:
    return sum(pq.read_metadata(p).num_rows for p in out.glob("*.parquet"))


def test_a_killed_run_goes_on_where_it_stopped_and_writes_no_row_twice(tmp_path):
    urls = build_big_warc(tmp_path / "big.warc.gz", 48)
    out = tmp_path / "out"
    command = [*NEWSCLEAN, "clean", str(tmp_path / "big.warc.gz"), "-o", str(out), "--max-rows", "3", "--no-progress"]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while (not out.exists() or committed_rows(out) < 9) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)   # the command and its cleaning workers, mid-run
        process.wait()
    done_before = committed_rows(out)
    assert 9 <= done_before < len(urls), "the run was not stopped half-way"
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"written={len(urls) - done_before}" in result.stdout, result.stdout
    sources = pq.read_table(out, columns=["source"])["source"].to_pylist()
    assert sorted(sources) == sorted(urls)              # every response once: none lost, none twice
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "clean: 0 inputs" in again.stdout      # all done: nothing more
    assert committed_rows(out) == len(urls)


@pytest.fixture
def carded(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    src = tmp_path / "in"
    src.mkdir()
    expected = build_mixed_warc(src / "mixed.warc.gz")
    out = tmp_path / "out"
    result = run("clean", str(src), "-o", str(out), "--no-progress", "--card", "--max-rows", "2")
    assert result.exit_code == 0, result.output
    return out, expected


def test_the_card_describes_the_dataset_and_every_reader_reads_it(carded):
    out, expected = carded
    card = (out / CARD_FILE).read_text(encoding="utf-8")
    header = card.split("---")[1]
    assert "num_examples: 5" in header and '- "vi"' in header and '- "en"' in header and '- "es"' in header
    assert all(f"- name: {field.name}\n" in header for field in SCHEMA)
    assert "| vi | 2 |" in card and "| en | 2 |" in card and "| es | 1 |" in card and "| dw.com | 1 |" in card
    import datasets
    import duckdb
    import pandas as pd

    loaded = datasets.load_dataset(str(out))["train"]
    assert sorted(loaded["source"]) == sorted(expected)
    assert loaded.features["fetched_at"].dtype == "timestamp[us, tz=UTC]"
    assert loaded.features["mean_word_length"].dtype == "float32"
    frame = pd.read_parquet(out, ignore_prefixes=[".", "_", "README"])
    assert sorted(frame["source"]) == sorted(expected)
    count = duckdb.sql(f"SELECT count(*), count(DISTINCT source) FROM '{out}/*.parquet'").fetchall()
    assert count == [(5, 5)]


def test_the_card_follows_later_commits(carded, tmp_path):
    out, _ = carded
    extra = tmp_path / "more.warc.gz"
    warc = Warc(extra)
    warc.response("https://www.dw.com/en/a-9", page("en_dw.html"), http("200 OK", "text/html"))
    warc.close()
    # another run of other files into the same folder (its resume marks are its own)
    result = run("clean", str(extra), "-o", str(out), "--no-progress")
    assert result.exit_code == 0 and "written=1" in result.output, result.output
    assert "num_examples: 6" in (out / CARD_FILE).read_text(encoding="utf-8")


def test_workers_renewed_every_few_pages_give_the_same_rows(tmp_path):
    from newsclean.warc_batch import clean_warcs, find_warcs

    build_mixed_warc(tmp_path / "mixed.warc.gz")
    inputs = find_warcs([tmp_path / "mixed.warc.gz"])
    once = clean_warcs(inputs, tmp_path / "once", progress=False)
    renewed = clean_warcs(inputs, tmp_path / "renewed", progress=False, pages_per_pool=2)
    assert once == renewed and once["written"] == 5
    rows = [sorted(pq.read_table(tmp_path / name, columns=["source", "text"]).to_pylist(), key=lambda r: r["source"])
            for name in ("once", "renewed")]
    assert rows[0] == rows[1]
