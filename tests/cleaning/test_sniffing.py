"""cleaning.sniffing: one binary verdict for files and pages."""
from __future__ import annotations

import gzip
import os

import pytest

from cleaning.sniffing import binary_reason, utf16_without_bom

PAGE = "<html><body><p>Hà Nội mở rộng tuyến xe buýt điện.</p></body></html>"


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    gzip.compress(PAGE.encode()), b"PK\x03\x04" + b"\x00" * 50, b"\x00" * 4096,
])
def test_known_formats_and_nuls_are_binary(data: bytes) -> None:
    assert binary_reason(data)


def test_random_bytes_are_binary_by_their_control_bytes() -> None:
    assert binary_reason(os.urandom(20_000)) in ("control bytes", "NUL bytes")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "cp1252"])
def test_text_in_any_encoding_is_not_binary(encoding: str) -> None:
    text = PAGE if encoding != "cp1252" else "<p>Café crème, naïve façade.</p>"
    assert binary_reason(text.encode(encoding)) is None


def test_utf16_without_bom_is_recognized_by_its_nul_pattern() -> None:
    assert utf16_without_bom("<html><body>plain ascii markup</body></html>".encode("utf-16-le"))
    assert not utf16_without_bom(PAGE.encode("utf-8"))


def test_str_input_with_nuls_is_binary() -> None:
    assert binary_reason("\x00" * 200) and binary_reason(PAGE) is None
