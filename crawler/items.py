"""What the spider hands to the pipeline: one fetched article page, body as served."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class PageItem:
    url: str
    site: str
    body: bytes = field(repr=False)  # response.body: bytes as served (the page's own charset is honoured)
    fetched_at: datetime  # UTC
    status: int = 200
    charset: str | None = None  # the charset of the Content-Type header, for the cleaner's decoding
