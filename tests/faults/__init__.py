"""Fault tests: hostile servers, content, sitemaps and files, crawled or cleaned end to end."""
