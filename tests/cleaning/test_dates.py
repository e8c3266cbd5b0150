from __future__ import annotations

from datetime import timedelta, timezone

from cleaning.dates import parse_datetime, site_zone

VN = timezone(timedelta(hours=7))


def test_every_format_gives_the_same_instant_in_utc():
    instant = parse_datetime("2026-03-07T01:01:53Z")
    for written in ("2026-03-07T08:01:53+07:00", "2026-03-07 08:01:53+0700", "Sat, 07 Mar 2026 08:01:53 +0700",
                    "2026-03-07T01:01:53z", "Sat, 07 Mar 2026 01:01:53 GMT"):
        assert parse_datetime(written) == instant, written
    assert instant.utcoffset() == timedelta(0)
    assert parse_datetime("07/03/2026 08:01 GMT+7").isoformat() == "2026-03-07T01:01:00+00:00"


def test_a_time_without_a_zone_is_in_the_zone_given_else_utc():
    assert parse_datetime("2026-03-07T08:01:53").isoformat() == "2026-03-07T08:01:53+00:00"
    assert parse_datetime("2026-03-07T08:01:53", VN).isoformat() == "2026-03-07T01:01:53+00:00"
    assert parse_datetime("2024-05-01") == parse_datetime("Wed, 01 May 2024 00:00:00 GMT")
    assert parse_datetime("2026-03-07T08:01:53+02:00", VN).hour == 6  # a written zone wins


def test_the_zone_of_a_site_is_its_country_code_offset_else_utc():
    offsets = {"vn": "+07:00", "br": "-03:00", "in": "+05:30"}
    assert site_zone("https://tuoitre.vn/a.htm", offsets) == VN
    assert site_zone("https://g1.globo.com.br/x", offsets) == timezone(timedelta(hours=-3))
    assert site_zone("https://thehindu.in/x", offsets) == timezone(timedelta(hours=5, minutes=30))
    for url in ("https://example.com/a", "http://127.0.0.1:8080/a", None, ""):
        assert site_zone(url, offsets) == timezone.utc
    assert site_zone("https://vnexpress.vn/a") == VN  # the lexicon's naive_time_offsets


def test_day_first_and_month_first_numeric_dates():
    assert parse_datetime("07/03/2026").isoformat() == "2026-03-07T00:00:00+00:00"
    assert parse_datetime("2/24/2026").isoformat() == "2026-02-24T00:00:00+00:00"  # only month-first is valid


def test_written_days_in_several_languages_but_not_a_month_alone():
    assert parse_datetime("19. Dezember 2025").isoformat() == "2025-12-19T00:00:00+00:00"
    assert parse_datetime("Feb 8, 2022").isoformat() == "2022-02-08T00:00:00+00:00"
    assert parse_datetime("Jul 2025") is None and parse_datetime("2025-07") is None


def test_what_is_not_a_date():
    for value in (None, "", "   ", "not a date", "yesterday", "0001-01-01T00:00:00Z", "2999-01-01"):
        assert parse_datetime(value) is None, value
    assert parse_datetime(20260307) is None  # a JSON-LD number is not a date string
