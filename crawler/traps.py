"""Crawler traps: URLs that make one page many, or lead to endlessly many pages.

- ``clean_url``: tracking parameters (``utm_*``, ``fbclid``, ``gclid``...) and session ids
  (``jsessionid``, ``PHPSESSID``, ``sid``...) removed (``w3lib.url.url_query_cleaner``), with
  ``;jsessionid=`` path parameters: one page, one URL.
- ``trap_reason``: a path that repeats a segment (relative links resolved against themselves:
  ``/a/b/a/b/a/b``), or is absurdly deep.
- ``is_calendar``: a date archive or calendar page (a path ending in a date with no slug after
  it, or date/month/year query parameters); the spider follows at most
  NEWSCLEAN_MAX_CALENDAR_PAGES of them per site, since they link to endlessly many dates.
"""
from __future__ import annotations

import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

from w3lib.url import url_query_cleaner

TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs")
TRACKING_KEYS = frozenset({
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "_ga", "_gl", "ref_src", "cmpid",
    "jsessionid", "phpsessid", "aspsessionid", "sid", "sessionid", "session_id", "sessid", "cfid", "cftoken",
    "zarsrc", "srsltid",
})
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.I)
MAX_PATH_SEGMENTS = 12
MAX_SEGMENT_REPEATS = 2
_YEAR = r"(?:19|20)\d\d"
_DATE_SEGMENTS = re.compile(rf"/(?:{_YEAR}(?:[/-]\d{{1,2}}){{0,2}}|{_YEAR}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))/?$")
_CALENDAR_KEYS = frozenset({"date", "day", "month", "year", "week", "cal", "calendar", "d", "m", "y", "ngay", "thang", "nam"})


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in TRACKING_KEYS or key.startswith(TRACKING_PREFIXES)


def clean_url(url: str) -> str:
    """``url`` without tracking parameters and session ids (the page they point to is the same)."""
    if ";" in url:
        url = _PATH_SESSION.sub("", url)
    query = urlsplit(url).query
    if not query:
        return url
    drop = [key for key, _ in parse_qsl(query, keep_blank_values=True) if _is_tracking(key)]
    if not drop:
        return url
    return url_query_cleaner(url, drop, remove=True, unique=False, keep_fragments=True)


def trap_reason(url: str) -> str | None:
    """``repeated_segments`` or ``too_deep`` for a URL no real page has; None otherwise."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) > MAX_PATH_SEGMENTS:
        return "too_deep"
    if segments and Counter(segments).most_common(1)[0][1] > MAX_SEGMENT_REPEATS:
        return "repeated_segments"
    return None


def is_calendar(url: str) -> bool:
    """A date archive or calendar page: a path ending in a date, or date query parameters."""
    parts = urlsplit(url)
    if parts.path not in ("", "/") and _DATE_SEGMENTS.search(parts.path):
        return True
    return any(key.lower() in _CALENDAR_KEYS for key, _ in parse_qsl(parts.query, keep_blank_values=True))
