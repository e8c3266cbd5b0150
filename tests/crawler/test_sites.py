"""The site model (crawler.sites): sites.toml read into ``Site`` records, a site made up from a
start URL, and what a site wants requested."""
from __future__ import annotations

import pytest

from crawler.sites import GENERIC_DENY_PATTERNS, Site, load_sites, resolve_sites, site_for_url


def test_the_shipped_sites_file_gives_complete_sites():
    sites = load_sites()
    assert len(sites) >= 10
    for name, site in sites.items():
        assert site.name == name and site.title and site.allowed_domains
        assert site.start_urls or site.sitemaps or site.feeds or site.sitemaps_from_robots
        assert all(site.in_domain(url) for url in site.start_urls), name


def test_a_sites_file_with_defaults(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text('[defaults]\nfollow_links = false\n\n'
                    '[site.a]\nallowed_domains = ["A.example"]\nfeeds = ["https://a.example/rss"]\n\n'
                    '[site.b]\nallowed_domains = ["b.example"]\nfollow_links = true\ndeny_patterns = ["/x/"]\n',
                    encoding="utf-8")
    sites = load_sites(path)
    assert sites["a"].allowed_domains == ("a.example",) and sites["a"].title == "a"
    assert not sites["a"].follow_links and sites["b"].follow_links              # a site's own key wins
    assert sites["a"].deny_patterns == GENERIC_DENY_PATTERNS                    # no deny_patterns: the generic ones
    assert sites["b"].deny_patterns == ("/x/",)


def test_a_start_url_makes_a_site():
    site = site_for_url("https://www.Example.vn:8443/tin-tuc")
    assert site.name == "www.example.vn:8443" and site.allowed_domains == ("example.vn",)
    assert site.start_urls == ("https://www.Example.vn:8443/tin-tuc",)
    assert site.in_domain("http://example.vn/a") and site.in_domain("https://m.example.vn/a")
    assert not site.in_domain("https://example.vn.evil.com/a") and not site.in_domain("https://notexample.vn/")
    with pytest.raises(ValueError):
        site_for_url("ftp://example.vn/")


def test_wants_in_domain_and_not_denied():
    site = Site("s", allowed_domains=("example.vn",), deny_patterns=GENERIC_DENY_PATTERNS)
    assert site.wants("https://example.vn/thoi-su/mot-bai-bao-123456.html")
    assert not site.wants("https://example.vn/tim-kiem?q=a")                    # search
    assert not site.wants("https://example.vn/a?utm_source=x")                  # tracking
    assert not site.wants("https://example.vn/anh.jpg")                         # media
    assert not site.wants("https://other.vn/thoi-su/mot-bai-bao-123456.html")   # off the site


def test_article_patterns_are_hints():
    generic = Site("s", allowed_domains=("example.vn",))
    assert generic.is_article("https://example.vn/a-b-c-123456.html")
    assert generic.is_article("https://example.vn/a-post123456.html") and generic.is_article("https://x.vn/1234567.chn")
    assert not generic.is_article("https://example.vn/thoi-su/")
    own = Site("s", allowed_domains=("example.vn",), article_patterns=(r"/story/\d+$",))
    assert own.is_article("https://example.vn/story/12") and not own.is_article("https://example.vn/a-123456.html")


def test_targets_are_names_or_urls(tmp_path):
    path = tmp_path / "sites.toml"
    path.write_text('[site.demo]\nallowed_domains = ["demo.example"]\n', encoding="utf-8")
    sites = resolve_sites(["demo", "https://other.example/"], path)
    assert [s.name for s in sites] == ["demo", "other.example"]
    with pytest.raises(ValueError, match="unknown site 'nope'"):
        resolve_sites(["nope"], path)
