"""The landing page as a reader's browser shows it: headless Chromium (Debian's ``chromium``)
lays out ``build/<profile>/index.html`` at a given width, reports what a reader would notice
(images that did not load, text wider than its column, a page that scrolls sideways) and
takes screenshots for docs/.

Chromium is driven from its command line only (``--dump-dom`` after a probe script has run,
``--screenshot``), so nothing beyond the browser is needed. Its window is at least 500 px
wide, so a narrower width is an iframe of that width in a harness page: the probe runs in
the page inside it and posts its report to the harness (screenshots are cropped to it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from precog.errors import PrecogError

WIDTHS = (1280, 390)  # a laptop and a phone, in CSS pixels
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--allow-file-access-from-files"]
# run in the page after load: every image loaded? any text block wider than its box or the window?
PROBE = """<script>
window.addEventListener('load', () => {
  const width = document.documentElement.clientWidth;
  const images = [...document.images].map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0,
                                                 right: Math.round(i.getBoundingClientRect().right)}));
  const overflow = [...document.querySelectorAll('h1,h2,h3,p,li,figcaption')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > width + 1)
    .map(e => e.tagName + ': ' + e.textContent.slice(0, 60));
  const report = {width: width, page_width: document.documentElement.scrollWidth, images: images, overflow: overflow};
  window.parent.postMessage(JSON.stringify(report), '*');
});
</script>"""
HARNESS = """<!doctype html><html><head><meta charset='utf-8'><style>body{{margin:0}}iframe{{border:0;display:block}}</style>
</head><body><iframe src="{src}" style="width:{width}px;height:{height}px"></iframe><script>
window.addEventListener('message', e => {{
  const pre = document.createElement('pre'); pre.id = 'precog-probe'; pre.textContent = e.data;
  document.body.appendChild(pre);
}});
</script></body></html>"""
WINDOW = 1400  # the harness window, wider than any width checked


def chromium() -> str | None:
    """The Chromium executable, or None where it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _run(args: list[str], timeout: int = 60) -> subprocess.CompletedProcess:
    exe = chromium()
    if exe is None:
        raise PrecogError("Chromium is not installed; `apt-get install chromium` (Debian) provides it")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                              timeout=timeout, check=False)


def check_page(page: Path, width: int, height: int = 900) -> dict:
    """Lay ``page`` out at ``width`` CSS pixels and report: width (the window's), page_width
    (the document's; larger means the page scrolls sideways), images (src, ok, right edge) and
    overflow (text blocks wider than their box or the window)."""
    page = Path(page).resolve()
    probe = page.with_name(f".probe-{width}-{page.name}")  # beside the page, so its relative links hold
    harness = page.with_name(f".harness-{width}-{page.name}")
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    harness.write_text(HARNESS.format(src=probe.name, width=width, height=height))
    try:
        done = _run([f"--window-size={WINDOW},{height + 100}", "--virtual-time-budget=10000", "--dump-dom",
                     harness.as_uri()])
    finally:
        probe.unlink(missing_ok=True)
        harness.unlink(missing_ok=True)
    found = re.search(r'<pre id="precog-probe">(.*?)</pre>', done.stdout, flags=re.S)
    if not found:
        raise PrecogError(f"Chromium did not lay out {page.name} (exit {done.returncode}): {done.stderr.strip()[-200:]}")
    import html

    return json.loads(html.unescape(found.group(1)))


def screenshot(page: Path, out: Path, width: int, height: int) -> Path:
    """A PNG of the top ``height`` pixels of ``page`` laid out at ``width`` (cropped from the harness)."""
    from PIL import Image

    page, out = Path(page).resolve(), Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    harness = page.with_name(f".harness-{width}-{page.name}")
    harness.write_text(HARNESS.format(src=page.name, width=width, height=height))
    try:
        done = _run([f"--window-size={WINDOW},{height}", "--virtual-time-budget=10000", f"--screenshot={out}",
                     harness.as_uri()])
    finally:
        harness.unlink(missing_ok=True)
    if not out.is_file():
        raise PrecogError(f"Chromium wrote no screenshot of {page.name} (exit {done.returncode})")
    with Image.open(out) as shot:
        shot.crop((0, 0, width, height)).save(out, optimize=True)
    return out
