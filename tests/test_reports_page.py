"""The report's HTML page: self-contained, written atomically, and checked in a real browser.

Built from the same fixture as ``test_reports.py`` (four real local sweeps and a planted
``series_results.json``). The browser test drives the system's Chromium (Debian package
``chromium``; ``.ci/run`` installs it) through Playwright; without it the test is skipped
and says so: it never passes without having looked.
"""

from __future__ import annotations

import dataclasses
import html
import html.parser
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from test_reports import FINAL, content, series_folder  # noqa: F401 (pytest fixtures)

import reports.page
from reports import ReportInputError, write_report_html
from reports.content import Markdown

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = Path("/tmp/wandb-sweeps-mnist-report.png")  # outside the repository, kept to look at
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "poster", "data", "background",
                  "xlink:href", "ping", "manifest", "cite", "longdesc", "icon"}


@pytest.fixture(autouse=True)
def _close_figures():
    import matplotlib.pyplot as plt
    yield
    plt.close("all")


@pytest.fixture
def page(content, tmp_path):  # noqa: F811 (the imported fixture)
    return write_report_html(content, tmp_path)


class References(html.parser.HTMLParser):
    """Every URL-bearing attribute and every CSS url() or @import of a page."""

    def __init__(self):
        super().__init__()
        self.urls, self.tags, self._in_style = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in URL_ATTRIBUTES:
                self.urls.append((tag, name, value or ""))
            if name == "style":
                self.handle_css(value or "")

    def handle_endtag(self, tag):
        self._in_style = False if tag == "style" else self._in_style

    def handle_data(self, data):
        if self._in_style:
            self.handle_css(data)

    def handle_css(self, css):
        self.urls += [("css", "url()", u.strip("'\" ")) for u in re.findall(r"url\(([^)]*)\)", css)]
        if "@import" in css:
            self.urls.append(("css", "@import", css))


def external_references(text):
    """What in a page would make a browser fetch something from outside it."""
    refs = References()
    refs.feed(text)
    outside = [f"<{tag} {name}={value[:60]!r}>" for tag, name, value in refs.urls
               if not value.startswith(("data:", "#"))]
    outside += [f"<script src=...> {attrs['src']!r}" for tag, attrs in refs.tags
                if tag == "script" and "src" in attrs]
    return outside


def test_external_references_are_found_by_the_check():
    for bad in ['<img src="https://x.org/a.png">', '<script src="app.js"></script>',
                '<link rel="stylesheet" href="//cdn/x.css">', "<style>@import 'x.css';</style>",
                "<div style=\"background: url('http://x/y.png')\"></div>",
                "<style>body { font-family: F; src: url(font.woff2) }</style>"]:
        assert external_references(bad), bad
    assert not external_references('<img src="data:image/png;base64,AAAA"><a href="#top">top</a>')


def test_the_page_is_self_contained_and_says_what_the_content_says(page, content):  # noqa: F811
    text = page.path.read_text(encoding="utf-8")
    assert external_references(text) == []
    assert not re.search(r"https?:", text)
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    title = html.escape(content.title)  # "W&B" is "W&amp;B" in HTML
    assert f"<title>{title}</title>" in text and f"<h1>{title}</h1>" in text
    assert "<strong>97.16%</strong> on the 10,000 test digits (284 wrong)" in text
    assert "1. Adam beats SGD | at every size" in text and "<strong>DOES NOT HOLD</strong>" in text
    assert f'<dd class="digest">{FINAL["artifact"]["digest"]}</dd>' in text
    assert page.figures == 12 and text.count('<img src="data:image/png;base64,') == 12  # 3 per sweep
    assert page.runs == sum(len(sweep.runs) for sweep in content.sweeps)
    assert 'id="sweep-narrowed-random"' in text  # an HTML id has no space
    for sweep in content.sweeps:
        table = text.split(f'data-sweep="{sweep.label}"', 1)[1].split("</table>", 1)[0]
        assert table.count("<tr>") == len(sweep.runs) + 1  # and the header row
        assert f'<td data-sort="{sweep.runs["run_id"].iloc[0]}">' in table
    assert page.size == page.path.stat().st_size
    assert page.path.stat().st_mode & 0o044  # readable by others: it is meant to be shared


def test_markdown_cannot_inject_html(content, tmp_path):  # noqa: F811
    planted = dataclasses.replace(content, blocks=(
        Markdown("<script>alert(1)</script>\n\nSome *text* <img src=x onerror=alert(2)>"), *content.blocks))
    text = write_report_html(planted, tmp_path).path.read_text()
    assert "<script>alert(1)" not in text and "<img src=x" not in text
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in text
    assert "<p>Some <em>text</em> &lt;img src=x onerror=alert(2)&gt;</p>" in text


def test_the_notebook_view_shows_no_absolute_path(page):
    assert repr(page).startswith("report.html: ") and str(page.path.parent) not in repr(page)
    shown = page._repr_html_()
    assert shown.count("<iframe srcdoc=") == 1 and str(page.path.parent) not in shown


def test_a_failure_while_writing_keeps_the_old_page_and_leaves_no_temporary(content, tmp_path,  # noqa: F811
                                                                           monkeypatch):
    old = tmp_path / "report.html"
    old.write_text("the previous report")

    def fail(_content):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(reports.page, "render_report_html", fail)
    with pytest.raises(RuntimeError, match="drawing failed"):
        write_report_html(content, tmp_path)
    assert old.read_text() == "the previous report" and sorted(p.name for p in tmp_path.iterdir()) == [
        "report.html"]


def unwritable_folder(tmp_path):
    """A folder this process cannot write into (root writes through file modes: then /sys)."""
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o555)
    try:
        (folder / "probe").touch()
    except PermissionError:
        return folder
    (folder / "probe").unlink()
    folder.chmod(0o755)
    try:
        (Path("/sys") / "probe").touch()
    except OSError:
        return Path("/sys")
    pytest.skip("no folder here refuses this process's writes")


def test_a_folder_that_cannot_be_written_is_named(content, tmp_path):  # noqa: F811
    folder = unwritable_folder(tmp_path)
    with pytest.raises(ReportInputError, match=rf"cannot write the report into {re.escape(str(folder))}: "
                                               "Permission denied"):
        write_report_html(content, folder)
    assert not (folder / "report.html").exists()
    with pytest.raises(ReportInputError, match="no such folder"):
        write_report_html(content, tmp_path / "missing")
    (tmp_path / "file").write_text("")
    with pytest.raises(ReportInputError, match="it is a file"):
        write_report_html(content, tmp_path / "file")
    with pytest.raises(ReportInputError, match="a plain file name ending in .html"):
        write_report_html(content, tmp_path, name="../report.html")


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def test_the_page_in_a_real_browser(page, content):  # noqa: F811
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.skip("SKIPPED, NOT PASSED: no browser installed (/usr/bin/chromium is missing; "
                    "`apt-get install -y chromium`, as .ci/run does): the report page was not opened")
    sync_api = pytest.importorskip("playwright.sync_api", reason="SKIPPED, NOT PASSED: playwright is not "
                                   "installed (pip install -r requirements.txt)")
    requests, failed, problems = [], [], []
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 900})
            tab.on("request", lambda r: requests.append(r.url))
            tab.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
            tab.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            tab.on("pageerror", lambda e: problems.append(str(e)))
            response = tab.goto(page.path.resolve().as_uri(), wait_until="load")
            assert response is not None and response.ok
            images = tab.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
            rows = tab.eval_on_selector_all(
                "table.runs", "ts => ts.map(t => [t.dataset.sweep, t.tBodies[0].rows.length])")
            # Sorting: click the metric's header twice; the column reads descending.
            metric = "#sweep-random table.runs th:nth-child(3)"
            tab.click(metric)
            tab.click(metric)
            shown = tab.eval_on_selector_all("#sweep-random table.runs tbody tr td:nth-child(3)",
                                             "tds => tds.map(td => td.textContent)")
            sort_state = tab.get_attribute(metric, "aria-sort")
            tab.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    assert failed == [] and problems == []
    # The page itself and nothing else (data: URLs are not requests).
    assert requests == [page.path.resolve().as_uri()]
    assert len(images) == 12 and all(done and w > 0 and h > 0 for done, w, h in images), images
    assert rows == [[s.label, len(s.runs)] for s in content.sweeps]
    values = [float(v) for v in shown if v]
    assert sort_state == "descending" and values == sorted(values, reverse=True) and len(values) == len(
        content.sweeps[0].runs)
    check_screenshot(SCREENSHOT)


def check_screenshot(path):
    """The screenshot shows a page, not a blank: many pixels that are not the background."""
    from matplotlib.image import imread

    pixels = imread(path)[..., :3]
    height, width = pixels.shape[:2]
    assert width == 1400 and height > 2000, (width, height)  # the whole page, figures and tables
    inked = (pixels.min(axis=2) < 0.9).mean()  # not white
    colours = len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    assert inked > 0.03 and colours > 100, (inked, colours)
