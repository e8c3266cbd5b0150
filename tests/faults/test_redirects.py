"""Redirects and unsafe targets (cases 7-11): loops and long chains end counted, credentials stay
with their origin, file:/data:/private targets are refused before any connection, offsite links
and redirects are not followed, robots.txt rules hold.

robots.txt 5xx and Crawl-delay are covered by tests/crawler/test_politeness.py; a Disallow rule
on a fault server is checked here.
"""
from __future__ import annotations

import json

from tests.faults.conftest import assert_ok, crawl


def test_redirect_loop_and_over_long_chain_are_refused_and_counted(tmp_path, fault_server):
    server = fault_server({"feeds": {"f": ["/loop/a/a-100001.html", "/redirect/8/a-100002.html",
                                           "/redirect/3/a-100003.html"]}})
    run = crawl(tmp_path, [server.base + "/feed/f.xml"], {"REDIRECT_MAX_TIMES": "5"})
    assert_ok(run)
    assert [h["path"] for h in server.hits("/loop/")] == ["/loop/a/a-100001.html", "/loop/b/a-100001.html"]
    assert len(server.hits("/redirect/")) - 4 == 6  # chain of 3 (4 hits) + 6 hits of the long one
    assert run.site("refused/redirect_loop") == 1
    assert run.site("refused/too_many_redirects") == 1
    assert run.site("failed/redirect_loop") == 1 and run.site("failed/too_many_redirects") == 1
    assert [r["url"] for r in run.rows()] == [server.base + "/redirect/0/a-100003.html"]


def test_credentials_never_follow_a_redirect_to_another_origin(tmp_path, fault_server):
    other_host = fault_server(host="127.0.0.2")       # another host
    other_port = fault_server()                         # the same host, another port
    origin = fault_server({
        "feeds": {"f": ["/to/host/a-100001.html", "/to/port/a-100002.html", "/to/same/a-100003.html"]},
        "redirects": {"host": other_host.base + "/ok/a-200001.html", "port": other_port.base + "/ok/a-200002.html",
                      "same": "/ok/a-200003.html"},
        "cookies": {k: "sid=s3cret; Path=/" for k in ("host", "port", "same")},
    })
    # An Authorization header on every request (as a user would configure one) and the cookie jar on.
    run = crawl(tmp_path, [origin.base + "/feed/f.xml"], {
        "DEFAULT_REQUEST_HEADERS": json.dumps({"Authorization": "Bearer s3cret"}),
        "COOKIES_ENABLED": "True", "ROBOTSTXT_OBEY": "False"}, allowed=["127.0.0.1", "127.0.0.2"])
    assert_ok(run)
    first = origin.hits("/to/host/")[0]
    assert first["headers"].get("authorization") == "Bearer s3cret"  # the header was really sent
    same = origin.hits("/ok/a-200003.html")[0]  # same origin: credentials kept, cookie jar works
    assert same["headers"].get("authorization") == "Bearer s3cret" and "sid=s3cret" in same["headers"].get("cookie", "")
    for server in (other_host, other_port):
        hits = server.requests()
        assert len(hits) == 1 and hits[0]["path"].startswith("/ok/"), hits
        assert "authorization" not in hits[0]["headers"] and "cookie" not in hits[0]["headers"], hits[0]
    assert run.stat("newsclean/credentials_stripped") == 2
    assert len(run.rows()) == 3


def test_file_data_and_private_targets_are_refused_before_connecting(tmp_path, fault_server):
    lo2 = fault_server(host="127.0.0.2")   # private, not allowed: must never see a request
    local = fault_server()                 # reached as "localhost": not allowed either
    targets = {
        "file": "file:///etc/passwd", "data": "data:text/html,<p>x</p>",
        "meta": "http://169.254.169.254/latest/meta-data/feed.xml", "ten": "http://10.0.0.1/feed.xml",
        "lo2": lo2.base + "/feed/f.xml", "localhost": f"http://localhost:{local.port}/feed/f.xml",
        "v6": "http://[::1]:1/feed.xml", "zero": "http://0.0.0.0:1/feed.xml",
    }
    server = fault_server({"feeds": {"f": ["/to/file/a-100001.html", "/to/data/a-100002.html"]},
                           "redirects": targets})
    # Feeds may live on other hosts (they are followed off-site), so private targets are reached
    # through them; the articles redirect to file:/data:.
    feeds = [server.base + "/feed/f.xml"] + [server.base + f"/to/{key}/feed.xml"
                                             for key in ("meta", "ten", "lo2", "localhost", "v6", "zero")]
    run = crawl(tmp_path, feeds, timeout=60)
    assert_ok(run)
    assert lo2.requests() == [] and local.requests() == []
    assert run.site("refused/scheme") == 2
    assert run.site("refused/private_address") == 6
    assert run.site("failed/scheme") == 2
    assert run.stat("downloader/exception_type_count/twisted.internet.error.ConnectError") == 0
    assert run.rows() == []


def test_loopback_is_refused_unless_allowed(tmp_path, fault_server):
    lo2 = fault_server(host="127.0.0.2")
    server = fault_server({"redirects": {"lo2": lo2.base + "/feed/f.xml"}, "feeds": {"f": ["/ok/a-100001.html"]}})
    feeds = [server.base + "/to/lo2/feed.xml"]
    refused = crawl(tmp_path, feeds, name="refused")
    allowed = crawl(tmp_path, feeds, {"NEWSCLEAN_ALLOW_PRIVATE_HOSTS": "127.0.0.1,127.0.0.2"}, name="allowed",
                    allowed=["127.0.0.1", "127.0.0.3"])
    assert_ok(refused) and assert_ok(allowed)
    assert refused.site("refused/private_address") == 1
    assert allowed.site("refused/private_address") == 0
    assert any(r["path"] == "/feed/f.xml" for r in lo2.requests())


def test_offsite_links_and_redirects_are_not_followed(tmp_path, fault_server):
    offsite = fault_server(host="127.0.0.2")
    server = fault_server({"feeds": {"f": [offsite.base + "/ok/a-100001.html", "/to/off/a-100002.html",
                                           "/ok/a-100003.html"]},
                           "redirects": {"off": offsite.base + "/ok/a-200002.html"}})
    run = crawl(tmp_path, [server.base + "/feed/f.xml"], {"NEWSCLEAN_ALLOW_PRIVATE_HOSTS": "127.0.0.1,127.0.0.2"})
    assert_ok(run)
    assert offsite.requests() == []
    assert run.site("refused/offsite_redirect") == 1
    assert run.site("failed/offsite_redirect") == 1
    assert [r["url"] for r in run.rows()] == [server.base + "/ok/a-100003.html"]


def test_robots_disallow_is_obeyed_and_counted(tmp_path, fault_server):
    server = fault_server({"robots": "User-agent: *\nDisallow: /ok/\n",
                           "feeds": {"f": ["/ok/a-100001.html", "/redirect/0/a-100002.html"]}})
    run = crawl(tmp_path, [server.base + "/feed/f.xml"])
    assert_ok(run)
    assert server.hits("/ok/") == []
    assert run.site("skipped/robots") == 1
    assert len(run.rows()) == 1


def test_meta_refresh_is_followed_in_any_encoding(tmp_path, fault_server):
    """<meta http-equiv="refresh"> pages redirect (LazyMetaRefreshMiddleware, in
    crawler.downloadermiddlewares.metarefresh, looks for "refresh" in the raw bytes before
    decoding a page: UTF-16 pages are checked too)."""
    content = {}
    for name, encoding, target in (("utf8", "utf-8", "/ok/a-200001.html"), ("utf16", "utf-16", "/ok/a-200002.html")):
        page = tmp_path / f"{name}.html"
        page.write_bytes(f'<html><head><title>Chuyển hướng</title><META HTTP-EQUIV="Refresh" CONTENT="0; '
                         f'URL={target}"></head><body><p>Đang chuyển…</p></body></html>'.encode(encoding))
        content[name] = {"file": str(page), "headers": {"Content-Type": f"text/html; charset={encoding}"}}
    server = fault_server({"feeds": {"f": ["/content/utf8/a-100001.html", "/content/utf16/a-100002.html"]},
                           "content": content})
    run = crawl(tmp_path, [server.base + "/feed/f.xml"])
    assert_ok(run)
    assert sorted(r["url"] for r in run.rows()) == [server.base + "/ok/a-200001.html", server.base + "/ok/a-200002.html"]
