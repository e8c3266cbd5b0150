"""Hostile sitemaps (case 23): entity bombs, XXE, deep nesting, an 11 MB loc, a million URLs.
Parsed directly (crawler.discovery) in bounded memory (hangs guarded by timeouts), and one crawl end to end."""
from __future__ import annotations

import subprocess
import sys

import pytest

from crawler.discovery import MAX_SITEMAP_ENTRIES, parse_sitemap
from tests.faults.conftest import assert_ok, crawl
from tests.servers import REPO

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(locs: list[str], head: str = "") -> bytes:
    items = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<?xml version="1.0"?>{head}<urlset {NS}>{items}</urlset>'.encode()


@pytest.mark.timeout(60)  # a hang guard: expanded, &lol9; is 10^9 "lol"s
def test_billion_laughs_is_not_expanded():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{"&lol%s;" % (i - 1 if i > 1 else "") * 10}">' for i in range(1, 10))
    body = urlset(["http://a.vn/x-12345.html", "&lol9;"], f"<!DOCTYPE urlset [{entities}]>")
    kind, entries = parse_sitemap(body)
    assert kind == "urlset"
    assert entries == [("http://a.vn/x-12345.html", None)]  # the entity is neither expanded nor kept


def test_xxe_does_not_read_local_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42")
    head = f'<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    kind, entries = parse_sitemap(urlset(["http://a.vn/&xxe;-12345.html", "&xxe;"], head))
    assert not any("TOP-SECRET" in loc for loc, _ in entries)


@pytest.mark.timeout(60)  # a hang guard
def test_deep_nesting_and_huge_loc_are_bounded():
    deep = b'<?xml version="1.0"?><urlset>' + b"<url>" * 100_000 + b"<loc>http://a.vn/x-1.html</loc>" + b"</url>" * 100_000 + b"</urlset>"
    assert parse_sitemap(deep) == ("urlset", [])  # no crash, no recursion error: libxml2 stops at its depth limit
    huge = urlset(["http://a.vn/" + "a" * (11 * 1024 * 1024) + "-12345.html", "http://a.vn/ok-12345.html"])
    kind, entries = parse_sitemap(huge)
    assert kind == "urlset" and all(len(loc) < 4096 for loc, _ in entries)  # an 11 MB text node is not read


def test_a_million_urls_are_capped_in_bounded_memory():
    # In a subprocess: its peak RSS (ru_maxrss) is the parse's alone.
    code = (
        "import resource, sys\n"
        "from crawler.discovery import parse_sitemap\n"
        "body = b'<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">' + b''.join("
        "b'<url><loc>http://a.vn/tin-%07d.html</loc><lastmod>2024-06-01</lastmod></url>' % i for i in range(1_000_000))"
        " + b'</urlset>'\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "kind, entries = parse_sitemap(body)\n"
        "print(kind, len(entries), len(body), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    kind, n, size, grown_kb = done.stdout.split()
    assert kind == "urlset" and int(n) == MAX_SITEMAP_ENTRIES
    assert int(grown_kb) < 150 * 1024, grown_kb  # a full tree of 1M entries takes well over 500 MB


def test_crawl_of_a_hostile_sitemap_finishes_bounded_and_counted(tmp_path, fault_server):
    big = tmp_path / "big.xml"
    big.write_bytes(urlset([f"/ok/tin-{i:07d}.html" for i in range(300_000)]).replace(
        b"<loc>/", b"<loc>{BASE}/"))
    bomb = tmp_path / "bomb.xml"
    bomb.write_bytes(urlset(["&lol9;"], "<!DOCTYPE urlset [<!ENTITY lol \"lol\"><!ENTITY lol9 \"&lol;&lol;\">]>"))
    server = fault_server({"files": {"bomb": str(bomb), "big": str(big)}})
    text = big.read_bytes().replace(b"{BASE}", server.base.encode())
    big.write_bytes(text)
    sitemaps = [server.base + "/sitemap/bomb.xml", server.base + "/sitemap/big.xml"]
    run = crawl(tmp_path, [], {"DOWNLOAD_MAXSIZE": str(64 * 1024 * 1024), "NEWSCLEAN_MAX_PAGES_PER_SITE": "3"},
                sitemaps=sitemaps, timeout=120)
    assert_ok(run)
    assert run.site("sitemaps/urlset") == 2
    # the protocol cap: 50,000 entries read of 300,000 (the rest is not counted: see the README)
    assert run.site("skipped/page_limit") == MAX_SITEMAP_ENTRIES - 3
    assert len(server.hits("/ok/")) == 3 and len(run.rows()) == 3
    assert run.peak_rss < 900 * 1024 * 1024, run.peak_rss
