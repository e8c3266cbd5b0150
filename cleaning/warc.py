"""WARC files (.warc, .warc.gz; CC-NEWS, a crawler's archive) as a stream of pages to clean.

``read_warc(path)`` walks the file with warcio's ``ArchiveIterator``, one record at a time (the
body of one record in memory, never the file), and yields for each record either a
``WarcPage`` (an HTML response: its body bytes as served, de-chunked and decompressed by warcio,
its URL from ``WARC-Target-URI``, ``fetched_at`` from ``WARC-Date`` and the charset of its HTTP
``Content-Type``, which ``cleaning.html.process_html`` takes as ``charset``) or a ``Dropped``
with the reason it is not one:

- ``warc_request``, ``warc_metadata``, ``warc_revisit``, ``warc_warcinfo``, ... (``warc_`` and
  the record type): records that are not responses;
- ``not_html``: a response whose Content-Type (or, without one, whose first bytes) is not HTML;
- ``http_status``: a response other than 2xx (redirects, errors);
- ``truncated``: a record the archiver cut short (``WARC-Truncated``), or whose body ends early;
- ``too_large``: a body over ``max_bytes`` (read no further than that);
- ``warc_unreadable``: the file cannot be read on from here (a torn gzip member, not a WARC);
  nothing after it is read; ``unreadable``: the file cannot be opened.

Every record carries its ``offset`` in the file (as stored, compressed or not), which is how a
run that was stopped knows where it stopped (``newsclean.warc_batch``).
"""
from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from cleaning.charset import header_charset
from cleaning.document import Dropped

WARC_SUFFIXES = (".warc", ".warc.gz")
MAX_BODY_BYTES = 10 * 1024 * 1024
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<body")


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


@dataclass(frozen=True)
class WarcPage:
    """One HTML response of a WARC file, ready for ``process_html``."""

    offset: int
    url: str
    body: bytes
    charset: str | None
    fetched_at: datetime | None


@dataclass(frozen=True)
class WarcRecord:
    """What ``read_warc`` yields: a record's offset, its page or why it holds none, and how
    far into the file (bytes as stored) the reader has come."""

    offset: int
    result: WarcPage | Dropped
    bytes_read: int


def warc_date(value: str | None) -> datetime | None:
    """``WARC-Date`` (ISO 8601, UTC: ``2024-05-01T08:00:00Z``) as an aware datetime, or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _looks_html(head: bytes) -> bool:
    return head.lstrip()[:200].lower().startswith(_HTML_SNIFF) or b"<html" in head[:1024].lower()


def _response(record, offset: int, max_bytes: int) -> WarcPage | Dropped:
    """An HTML response record -> WarcPage, or Dropped with the reason."""
    if record.rec_headers.get_header("WARC-Truncated"):
        return Dropped("truncated", f"WARC-Truncated: {record.rec_headers.get_header('WARC-Truncated')}")
    http = record.http_headers
    status = http.get_statuscode() if http is not None else None
    if status is not None and not str(status).startswith("2"):
        return Dropped("http_status", f"HTTP {status}")
    content_type = (http.get_header("Content-Type") if http is not None else None) or ""
    if content_type and not any(kind in content_type.lower() for kind in _HTML_TYPES):
        return Dropped("not_html", content_type)
    try:
        body = record.content_stream().read(max_bytes + 1)
    except (zlib.error, OSError, EOFError, ValueError) as error:  # a body cut short, bad gzip
        return Dropped("truncated", f"body unreadable: {type(error).__name__}: {error}")
    if len(body) > max_bytes:
        return Dropped("too_large", f"body over {max_bytes} bytes")
    if record.raw_stream.limit > 0:  # the file ended inside the record
        return Dropped("truncated", "record cut short by the end of the file")
    if not body.strip():
        return Dropped("empty", "no body")
    if not content_type and not _looks_html(body[:2048]):
        return Dropped("not_html", "no Content-Type, and the body is not HTML")
    return WarcPage(offset=offset, url=record.rec_headers.get_header("WARC-Target-URI") or "",
                    body=body, charset=header_charset(content_type),
                    fetched_at=warc_date(record.rec_headers.get_header("WARC-Date")))


def _starts_like_warc(handle) -> bool:
    """Whether the file starts with a WARC version line (gzipped or not). warcio reads almost
    anything as ARC records, so a file that is not a WARC at all is told apart here."""
    head = handle.read(2)
    handle.seek(0)
    try:
        if head == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=handle) as unzipped:
                head = unzipped.read(16)
        else:
            head = handle.read(16)
    except (OSError, EOFError, zlib.error):
        return False
    finally:
        handle.seek(0)
    return head.lstrip().startswith(b"WARC/")


def read_warc(path: Path, *, start: int = 0, max_bytes: int = MAX_BODY_BYTES) -> Iterator[WarcRecord]:
    """Every record of the WARC file ``path`` whose offset is ``start`` or later, in file order."""
    try:
        handle = open(path, "rb")
    except OSError as error:
        yield WarcRecord(-1, Dropped("unreadable", f"{type(error).__name__}: {error}"), 0)  # no offset: not opened
        return
    with handle:
        if not _starts_like_warc(handle):
            yield WarcRecord(0, Dropped("warc_unreadable", "not a WARC file (no WARC/ version line)"), 0)
            return
        iterator = ArchiveIterator(handle)
        try:
            for record in iterator:
                offset = iterator.offset  # the record's start (get_record_offset() would read it through)
                if offset < start:
                    continue
                if record.rec_type != "response":
                    result: WarcPage | Dropped = Dropped(f"warc_{record.rec_type}", "not a response")
                else:
                    result = _response(record, offset, max_bytes)
                yield WarcRecord(offset, result, handle.tell())
        except (ArchiveLoadFailed, zlib.error, OSError, EOFError, ValueError) as error:
            yield WarcRecord(handle.tell(), Dropped("warc_unreadable", f"{type(error).__name__}: {error}"),
                             handle.tell())
