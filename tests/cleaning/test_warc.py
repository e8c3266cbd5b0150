"""cleaning.warc: records in file order with their offsets, reading from an offset, bad files."""
from __future__ import annotations

import io
from datetime import datetime, timezone

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaning.document import Dropped
from cleaning.warc import WarcPage, read_warc, warc_date

HTML = "<html><head><title>Tin</title></head><body><p>Đây là một bài báo.</p></body></html>".encode()


def write(path, gzip: bool) -> None:
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gzip)
        for i, (kind, content_type) in enumerate([("response", "text/html; charset=windows-1258"),
                                                  ("request", None), ("response", "application/pdf"),
                                                  ("response", "text/html")]):
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)] if content_type else [],
                                       protocol="HTTP/1.1")
            if kind == "request":
                headers = StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True)
            writer.write_record(writer.create_warc_record(
                f"https://example.vn/{i}", kind, payload=io.BytesIO(HTML), http_headers=headers,
                warc_headers_dict={"WARC-Date": f"2024-05-0{i + 1}T01:02:03Z"}))


def test_records_in_order_with_offsets_and_reading_from_one(tmp_path):
    for gzip in (True, False):
        path = tmp_path / ("w.warc.gz" if gzip else "w.warc")
        write(path, gzip)
        records = list(read_warc(path))
        assert [r.result.reason if isinstance(r.result, Dropped) else "page" for r in records] == [
            "page", "warc_request", "not_html", "page"]
        offsets = [r.offset for r in records]
        assert offsets[0] == 0 and offsets == sorted(set(offsets))
        first = records[0].result
        assert isinstance(first, WarcPage) and first.body == HTML and first.charset == "cp1258"   # header_charset normalizes
        assert first.url == "https://example.vn/0"
        assert first.fetched_at == datetime(2024, 5, 1, 1, 2, 3, tzinfo=timezone.utc)
        assert records[3].result.charset is None
        again = list(read_warc(path, start=offsets[2]))
        assert [r.offset for r in again] == offsets[2:]


def test_a_file_that_is_not_a_warc_or_is_missing(tmp_path):
    path = tmp_path / "x.warc.gz"
    path.write_bytes(b"this is not a WARC file at all\n" * 10)
    [record] = read_warc(path)
    assert record.result.reason == "warc_unreadable"
    [missing] = read_warc(tmp_path / "missing.warc")
    assert missing.result.reason == "unreadable" and missing.offset == -1


def test_warc_dates():
    assert warc_date("2024-05-01T08:00:00Z") == datetime(2024, 5, 1, 8, tzinfo=timezone.utc)
    assert warc_date("2024-05-01T08:00:00.123456Z").microsecond == 123456
    assert warc_date("yesterday") is None and warc_date(None) is None
