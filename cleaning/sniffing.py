"""Is this input binary? The one place that decides, for files (``cleaning.sources``) and for
fetched or saved pages (``cleaning.html``).

Evidence, in order: a known magic number at the start (PDF, images, archives, executables,
fonts, media, Office files); NUL bytes in more than 1% of the head, unless the head is UTF-16
(a BOM, or ASCII markup with every other byte NUL); control bytes that text never holds in more
than 1% of the head (random or compressed data: ~9% of random bytes are such controls).
"""
from __future__ import annotations

#: How much of an input's start is looked at.
SNIFF_BYTES = 65_536

#: Magic numbers of formats that are never a page or a text dump.
MAGIC = (
    b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b",
    b"BZh", b"7z\xbc\xaf", b"Rar!", b"\x7fELF", b"MZ", b"OggS", b"ID3", b"\x00asm", b"wOFF", b"wOF2",
    b"\xfd7zXZ", b"\x28\xb5\x2f\xfd", b"RIFF", b"\x00\x00\x01\x00", b"\xd0\xcf\x11\xe0",
)
_CONTROL_BYTES = frozenset([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)  # deleted to count the controls


def utf16_without_bom(head: bytes) -> bool:
    """ASCII markup in UTF-16 without a BOM: every other byte is NUL, the others are not."""
    even, odd = head[0::2], head[1::2]
    return ((odd.count(0) > 0.9 * len(odd) and even.count(0) == 0)
            or (even.count(0) > 0.9 * len(even) and odd.count(0) == 0))


def binary_reason(data: bytes | str) -> str | None:
    """Why ``data`` (its first ``SNIFF_BYTES``) is binary, or None when it may be text."""
    head = data[:SNIFF_BYTES]
    if isinstance(head, str):
        return "NUL characters" if head.count("\x00") > len(head) // 100 else None
    if head.lstrip().startswith(MAGIC):
        return f"magic number {head.lstrip()[:8]!r}"
    wide = head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(head)  # UTF-16/32 text is full of NULs
    if wide:
        return None
    if head.count(b"\x00") > len(head) // 100:
        return "NUL bytes"
    if len(head.translate(None, _NOT_CONTROL)) > len(head) // 100:
        return "control bytes"
    return None
