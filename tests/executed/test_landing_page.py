"""The landing page as a reader sees it: build/smoke/index.html (made by `precog reproduce
--profile smoke`, which `make test` runs first) laid out by headless Chromium at a laptop's
and a phone's width: every image loads, no text runs out of its column, the page does not
scroll sideways, and the answer comes before the figures."""

from __future__ import annotations

import pytest

from precog import paths
from precog.compendium import browser

PAGE = paths.BUILD / "smoke" / "index.html"
needs_chromium = pytest.mark.skipif(browser.chromium() is None,
                                    reason="Chromium is not installed (apt-get install chromium); the page is not rendered")


@needs_chromium
@pytest.mark.parametrize("width", browser.WIDTHS)
def test_the_landing_page_reads_well_at(width):
    assert PAGE.is_file(), "run `precog reproduce --profile smoke` first (make test does)"
    report = browser.check_page(PAGE, width)
    assert report["width"] == width
    assert report["images"] and all(i["ok"] for i in report["images"]), [i["src"] for i in report["images"] if not i["ok"]]
    assert all(i["right"] <= width for i in report["images"]), "an image is wider than the window"
    assert not report["overflow"], report["overflow"][:3]
    assert report["page_width"] <= width, f"the page scrolls sideways at {width} px ({report['page_width']} px wide)"


def test_the_answer_comes_before_the_figures():
    page = PAGE.read_text()
    assert page.index("<h2>The answer</h2>") < page.index("<h2>Figures</h2>")


@needs_chromium
def test_the_checker_sees_a_broken_image_and_a_line_too_wide(tmp_path):
    bad = tmp_path / "index.html"
    bad.write_text("<!doctype html><html><head><meta name='viewport' content='width=device-width'></head><body>"
                   "<p style='white-space:nowrap'>" + "word " * 200 + "</p><img src='missing.png'></body></html>")
    report = browser.check_page(bad, 390)
    assert report["overflow"] and not report["images"][0]["ok"] and report["page_width"] > 390
