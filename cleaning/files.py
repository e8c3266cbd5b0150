"""A saved file -> a Document: the rules for files (``newsclean clean``, its datatrove steps and
``newsclean explain`` share them, so they give the same rows).

A file's ``kind`` (``cleaning.sources.InputFile``) says whether it is a page (HTML) or a text
dump; a dump in a legacy Vietnamese font encoding (VNI, TCVN3) is refused, not garbled; a row
from a file has the hash of its source path as ``id`` and no ``url`` (DESIGN.md), even when the
saved page names its canonical URL: two saved copies are two records.
"""
from __future__ import annotations

import os

from cleaning.charset import decode_html, legacy_vietnamese
from cleaning.document import Document, Dropped, stable_id
from cleaning.html import process_html
from cleaning.sources import MAX_FILE_BYTES, InputFile, read_input
from cleaning.text import process_text


def clean_file(item: InputFile, max_bytes: int = MAX_FILE_BYTES) -> Document | Dropped:
    """One input file -> a Document, or Dropped with the reason. Never raises for bad input."""
    data = read_input(item, max_bytes)
    if isinstance(data, Dropped):
        return data
    return clean_data(data, item.kind, item.source)


def printable_source(source: str) -> str:
    """A file path as valid text. A name that is not UTF-8 (an old archive's Latin-1 or
    Shift-JIS name) reaches Python with its bad bytes as lone surrogates (PEP 383), which no
    UTF-8 writer accepts; those bytes are written as ``\\xNN`` escapes instead: the same
    name always gives the same text (and id), and distinct names stay distinct."""
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(source).decode("utf-8", errors="backslashreplace")
    return source


def clean_data(data: bytes, kind: str, source: str) -> Document | Dropped:
    """The bytes of one input file (``kind`` "html" or "text") -> a Document, or Dropped.

    Shared by the single-process path and the datatrove steps, so both give the same rows.
    """
    source = printable_source(source)
    if kind == "html":
        result = process_html(data, source=source)
    elif legacy := legacy_vietnamese(data):  # VNI/TCVN3 font encodings: unreadable as text
        result = Dropped("legacy_encoding", legacy)
    else:
        result = process_text(decode_html(data).text, source)
    if isinstance(result, Document):
        # A file's id is the hash of its source path and its url is null (DESIGN.md), even
        # when the saved page names its canonical URL: two saved copies are two records.
        result.id, result.url = stable_id(source), None
    return result
