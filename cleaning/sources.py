"""Input files for ``newsclean clean``: which files a path names, and their bytes or why not.

Every file either yields bytes or a ``Dropped`` reason (``unreadable``, ``empty``, ``binary``,
``too_large``, ``unsupported``); nothing is skipped silently and nothing raises.
"""
from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cleaning.document import Dropped
from cleaning.sniffing import binary_reason

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class InputFile:
    path: Path
    source: str      # the path relative to the input root it was found under

    @property
    def kind(self) -> str:
        name = self.path.name.lower()
        return "html" if name.endswith(HTML_SUFFIXES) else "text" if name.endswith(TEXT_SUFFIXES) else "other"


def find_inputs(paths: list[Path]) -> Iterator[InputFile]:
    """Files named directly, and the .txt/.html files below named folders (links not followed)."""
    for root in paths:
        if root.is_dir():
            for folder, dirs, files in os.walk(root, followlinks=False):
                dirs.sort()
                for name in sorted(files):
                    path = Path(folder, name)
                    item = InputFile(path, path.relative_to(root).as_posix())
                    if item.kind != "other":
                        yield item
        else:
            yield InputFile(root, root.name)


def _read_capped(path: Path, limit: int) -> bytes:
    """At most limit + 1 bytes (so that "too large" is seen), decompressing .gz files as they are read."""
    if path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            return handle.read(limit + 1)
    with open(path, "rb") as handle:
        return handle.read(limit + 1)


def read_input(item: InputFile, limit: int = MAX_FILE_BYTES) -> bytes | Dropped:
    """The file's bytes, or why they cannot be cleaned."""
    if item.kind == "other":
        return Dropped("unsupported", f"not .txt or .html: {item.path.name}")
    try:
        if not item.path.is_file():
            return Dropped("unreadable", "not a regular file (a dangling link or a device)")
        data = _read_capped(item.path, limit)
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        return Dropped("unreadable", f"{type(error).__name__}: {error}")
    if len(data) > limit:
        return Dropped("too_large", f"over {limit} bytes")
    if not data.strip():
        return Dropped("empty", "no content")
    reason = binary_reason(data)
    if reason:
        return Dropped("binary", reason)
    return data
