"""Dates and times as pages, feeds, sitemaps and HTTP headers write them -> aware UTC datetimes.

One parser, ``parse_datetime``, for every date the project reads: ISO 8601 / W3C datetime
(sitemaps, Atom, JSON-LD, meta tags; ``Z``, ``+07:00`` or ``+0700``, a space for the ``T``),
RFC 2822 (RSS, HTTP headers), numeric day-first ``dd/mm/yyyy [hh:mm] [GMT+7]`` (month-first
only when that is the one valid reading), and a day written out in any of htmldate's languages
("Feb 8, 2022", "19. Dezember 2025": at midnight; a month or a year alone is not a day). Years
outside 1900-2200 are refused. The result is always in UTC.

One policy for a time written without a zone: it is the local time of the site that wrote it,
i.e. the offset of its URL's country-code top-level domain where the lexicon names one
(``[html] naive_time_offsets`` in ``cleaning/lexicon.toml``: ``vn = "+07:00"``), UTC for every
other site and wherever no URL is known (``NEWSCLEAN_SINCE``, two sitemap dates of one URL
compared with each other). ``site_zone(url)`` gives that zone; pass it as ``zone``.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

_DAY_FIRST = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\D+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?(?:\s*(?:GMT|UTC)\s*([+-]\d{1,2})(?::?(\d{2}))?)?",
    re.IGNORECASE,
)
_NUMERIC_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})$")
_DIGIT_GROUPS = re.compile(r"\d+")
_EARLIEST, _LATEST = datetime(1990, 1, 1), datetime(2200, 1, 1)  # bounds of a written-out date
_LETTERS = re.compile(r"[^\W\d_]{3,}")


def site_zone(url: str | None, offsets: dict[str, str] | None = None) -> timezone:
    """The zone of a time ``url``'s site writes without one: by the URL's country-code TLD
    (``offsets``, default the lexicon's ``naive_time_offsets``), else UTC."""
    host = urlsplit(url).hostname if url else None
    tld = host.rsplit(".", 1)[-1] if host else ""
    if offsets is None:
        return _lexicon_zone(tld)
    return _zone(offsets.get(tld))


@lru_cache(maxsize=512)
def _lexicon_zone(tld: str) -> timezone:
    """The zone of a country-code TLD by the lexicon's ``naive_time_offsets`` (sitemaps ask it
    once per entry: cached)."""
    if not tld:
        return timezone.utc
    from cleaning.html_lexicon import load_html_lexicon

    return _zone(load_html_lexicon().naive_time_offsets.get(tld))


def _zone(offset: str | None) -> timezone:
    """``+07:00`` -> that zone; None or empty: UTC."""
    if not offset:
        return timezone.utc
    sign = -1 if offset.startswith("-") else 1
    hours, _, minutes = offset.lstrip("+-").partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))


def parse_datetime(value: str | None, zone: timezone = timezone.utc) -> datetime | None:
    """``value`` -> an aware datetime in UTC, or None when it is not a date this module reads.

    ``zone``: the zone of a time written without one (``site_zone(url)``; see the module docstring).
    """
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    parsed = _iso(value) or _rfc2822(value) or _day_first(value) or _written_day(value)
    if parsed is None or not 1900 <= parsed.year <= 2200:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(timezone.utc)


def _iso(value: str) -> datetime | None:
    try:  # most dates (sitemaps, feeds, JSON-LD) are ISO 8601 as is
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    candidate = value.replace(" ", "T", 1) if re.match(r"\d{4}-\d{2}-\d{2} \d", value) else value
    candidate = _NUMERIC_OFFSET.sub(r"\1\2:\3", candidate)
    try:
        return datetime.fromisoformat(candidate.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _rfc2822(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _day_first(value: str) -> datetime | None:
    match = _DAY_FIRST.search(value)
    if not match:
        return None
    day, month, year, hour, minute, second, off_h, off_m = match.groups()
    if int(month) > 12 >= int(day):  # "2/24/2026": only month-first reads it, so it is month-first
        day, month = month, day
    try:
        parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    if off_h:
        sign = -1 if off_h.startswith("-") else 1
        offset = timedelta(hours=abs(int(off_h)), minutes=int(off_m or 0))
        parsed = parsed.replace(tzinfo=timezone(sign * offset))
    return parsed


def _written_day(value: str) -> datetime | None:
    """A date written out, in any of htmldate's languages and orders; a day, never a month or a
    year alone (htmldate fills a missing day with today's)."""
    if len(value) > 60:
        return None
    groups = len(_DIGIT_GROUPS.findall(value))
    if groups < 2 or (groups == 2 and not _LETTERS.search(value)):
        return None
    from htmldate.extractors import try_date_expr  # loaded by trafilatura in cleaning workers anyway

    day = try_date_expr(value, "%Y-%m-%d", False, _EARLIEST, _LATEST)
    return datetime.strptime(day, "%Y-%m-%d") if day else None
