"""The Vietnamese devset: clean_html beats bare trafilatura on every page (4-token shingle F1)."""
from __future__ import annotations

import trafilatura

from cleaning import clean_html
from cleaning.metrics import shingle_f1
from tests.conftest import render

MIN_MEAN_F1 = 0.985


def test_devset_f1(devset_pages):
    ours, theirs = {}, {}
    for name, data, gold in devset_pages:
        doc = clean_html(data)
        assert doc is not None, name
        ours[name] = shingle_f1(render(doc), gold)
        base = trafilatura.bare_extraction(data, with_metadata=True)
        theirs[name] = shingle_f1(f"{base.title}\n{base.text}", gold)
    report = {name: (round(ours[name], 4), round(theirs[name], 4)) for name in ours}
    assert sum(ours.values()) / len(ours) >= MIN_MEAN_F1, report
    assert all(ours[name] >= theirs[name] for name in ours), report
