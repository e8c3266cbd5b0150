"""The demo: a small Vietnamese news site (``site/``, built by ``build_site`` from ``articles``) and the
HTTP server that serves it to ``make demo``, the tests and the benchmarks (``server``)."""
