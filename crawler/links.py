"""The link scanner: the links of an article page found by a regex over its bytes, not a parse.

The spider parses start and listing pages in full (Scrapy's ``LinkExtractor``); an article page,
~150-300 links of which most are the site template's, is scanned by ``LinkScanner`` instead.
"""
from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from scrapy.http import TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS
from w3lib.url import safe_url_string

#: ``<a href>`` / ``<area href>`` values (quoted or not), found without parsing the page; the
#: first alternative consumes comments (no group matches), so links inside them are skipped.
HREF_PATTERN = r"""<!--.*?-->|<(?:a|area)\s[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"""
BASE_PATTERN = r"""<base\s[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"""
HREF_RE, HREF_RE_BYTES = (re.compile(p, re.I | re.S) for p in (HREF_PATTERN, HREF_PATTERN.encode()))
BASE_RE, BASE_RE_BYTES = (re.compile(p, re.I) for p in (BASE_PATTERN, BASE_PATTERN.encode()))
IGNORED_SUFFIXES = tuple(f".{ext}" for ext in IGNORED_EXTENSIONS)
_REJECTED = ""   # memo value of an href that yields no link


@functools.cache
def ascii_compatible(encoding: str) -> bool:
    """Markup is the same bytes in this encoding as in ASCII (UTF-8, cp1258, ...; not UTF-16)."""
    sample = "<a href='/x'><base href=\"y\"><!-- -->"
    try:
        return sample.encode(encoding) == sample.encode("ascii")
    except (LookupError, UnicodeError):
        return False


def _href(match: re.Match) -> str | bytes | None:
    """The href a HREF_RE/BASE_RE match captured; None for a comment."""
    for group in match.groups():
        if group is not None:
            return group
    return None


class LinkScanner:
    """The absolute http(s) URLs of a page's ``<a>``/``<area>`` links, in page order, unique, by a
    regex: what ``LinkExtractor(unique=True)`` gives for the links a crawl follows, without
    building the page's lxml tree (~5-10 MB of native memory for a 300 KB article page, kept
    alive with the cached selector as long as the response waits for its item's cleaning).
    ``wanted`` (e.g. ``Site.in_domain``) filters the links before their costlier normalisation.

    In an ASCII-compatible encoding the regex runs over the body's bytes and only the hrefs are
    decoded (decoding a 300 KB page costs more than the scan). Most of an article page's
    ~150-300 links are the site template's, the same on every page, so each href's outcome is
    memoised under what it depends on: the href alone when absolute, with the page's origin when
    root-relative, with the base URL otherwise, and the page's encoding. The memo is cleared
    when it reaches ``max_entries``.
    """

    def __init__(self, wanted: Callable[[str], bool] | None = None, max_entries: int = 100_000) -> None:
        self.wanted = wanted
        self.max_entries = max_entries
        self._memo: dict[tuple[str, str | bytes, str], str] = {}

    def __call__(self, response: TextResponse) -> list[str]:
        encoding = response.encoding
        if ascii_compatible(encoding):
            markup, href_re, base_re = response.body, HREF_RE_BYTES, BASE_RE_BYTES
        else:
            markup, href_re, base_re = response.text, HREF_RE, BASE_RE
        base = response.url
        match = base_re.search(markup)
        if match:
            base = urljoin(base, self._decode(_href(match), encoding).strip())
        parts = urlsplit(base)
        origin = f"{parts.scheme}://{parts.netloc}"
        if len(self._memo) >= self.max_entries:
            self._memo.clear()
        absolute, root = ("http://", "https://"), "/"
        if isinstance(markup, bytes):
            absolute, root = (b"http://", b"https://"), b"/"
        seen: dict[str, None] = {}
        for match in href_re.finditer(markup):
            raw = _href(match)
            if raw is None:
                continue  # a comment
            if raw.startswith(absolute):
                scope = ""
            elif raw.startswith(root) and not raw.startswith(root * 2):
                scope = origin
            else:
                scope = base
            key = (scope, raw, encoding)
            url = self._memo.get(key)
            if url is None:
                url = self._memo[key] = self._resolve(base, self._decode(raw, encoding), encoding)
            if url:
                seen.setdefault(url, None)
        return list(seen)

    @staticmethod
    def _decode(raw: str | bytes, encoding: str) -> str:
        """An attribute value as text: decoded as ``response.text`` decodes, entities resolved."""
        if isinstance(raw, bytes):
            raw = raw.decode(encoding, "replace")
        return html.unescape(raw)

    def _resolve(self, base: str, href: str, encoding: str) -> str:
        """The link an href gives on a page at ``base``, or _REJECTED."""
        href = href.strip()
        if not href or href.startswith("#"):
            return _REJECTED
        joined = urljoin(base, href)
        if self.wanted is not None and joined.isascii() and not self.wanted(joined):
            return _REJECTED  # off-site: most of an article page's links (ads, social, the group's sites)
        try:
            url = safe_url_string(joined, encoding=encoding)
        except ValueError:  # e.g. a bad port: LinkExtractor skips it too
            return _REJECTED
        if not url.startswith(("http://", "https://")):
            return _REJECTED
        if urlsplit(url).path.lower().endswith(IGNORED_SUFFIXES):
            return _REJECTED
        return url
