"""The HTML report, rendered from a real check of real photos and opened in a real headless Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from photocheck.cli import main
from tests.conftest import DEMO, ROOT

XSS_NAME = "<img src=x onerror=alert(1)>.jpg"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> tuple[Path, Path]:
    """A set of 30 photos (the demo photos, copied under other names, one named like an XSS payload)."""
    folder = tmp_path_factory.mktemp("html") / "photos"
    folder.mkdir()
    demo = sorted(DEMO.iterdir())
    for i in range(29):
        src = demo[i % len(demo)]
        shutil.copy(src, folder / f"{i:02d}-{src.name}")
    shutil.copy(DEMO / "biden.jpg", folder / XSS_NAME)
    out = folder.parent / "report.html"
    result = CliRunner().invoke(main, ["check", str(folder), "--format", "html", "--output", str(out)])
    assert result.exit_code == 1, result.output
    return out, folder


def test_one_self_contained_file_well_under_10_mb(report_file):
    out, folder = report_file
    html = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 3 * 2**20  # 30 photos: thumbnails are downscaled
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert "default-src 'none'" in html  # no network, even by accident
    assert html.count("data:image/jpeg;base64,") == 30
    assert not any(p.suffix == ".html" for p in folder.iterdir())  # nothing written beside the photos


def test_untrusted_names_are_escaped(report_file):
    html = report_file[0].read_text(encoding="utf-8")
    assert XSS_NAME not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg" in html


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium on this machine (Debian package `chromium`; .ci/run installs it)")


def test_report_in_a_real_browser(report_file):
    playwright = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    out, folder = report_file
    errors: list[str] = []
    dialogs: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(out.as_uri())
        page.wait_for_load_state("load")

        assert page.locator("h1 .verdict").inner_text().lower() in ("not-ready", "needs-work", "ready")
        assert page.locator("ol.advice li").count() >= 3
        assert page.locator("ol.advice li").first.inner_text().startswith("Remove ")
        assert page.locator("table.grid tr").count() == 8  # header + 7 pose rows
        assert page.locator("table.grid th.missing").count() >= 1  # what the judge found missing, highlighted
        assert page.locator(".card").count() == 30
        decoded = page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        assert decoded and page.evaluate("document.images.length") == 30
        # every face is boxed; the dimmed ones are exactly those in photos of someone else (no subject there)
        assert page.locator(".box").count() >= 30
        intruder_boxes = page.evaluate(
            "[...document.querySelectorAll('.card')].filter(c => c.querySelector('.id-mismatch'))"
            ".reduce((n, c) => n + c.querySelectorAll('.box').length, 0)"
        )
        assert intruder_boxes > 0 and page.locator(".box.bystander").count() == intruder_boxes
        assert page.get_by_text(XSS_NAME, exact=True).count() == 1  # shown as text
        # photos to remove first; each filter shows exactly the cards with that action (the judge's, once)
        assert page.locator(".card").first.get_attribute("data-action") == "remove"
        intruder = page.locator(".card", has=page.get_by_text(XSS_NAME, exact=True))
        assert intruder.get_attribute("data-action") == "remove" and "action-remove" in intruder.get_attribute("class")
        counts = {}
        for action in ("remove", "replace", "keep"):
            page.locator(f"button[data-filter={action}]").click()
            visible = page.locator(".card:visible")
            counts[action] = visible.count()
            assert all(visible.nth(i).get_attribute("data-action") == action for i in range(visible.count()))
        # the intruders and the extra copies of the 7 demo photos are removed; the copies kept are replaced or kept
        assert counts["remove"] >= 23 and sum(counts.values()) == 30
        page.locator("button[data-filter=all]").click()
        page.evaluate("window.scrollTo(0, 0)")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
        browser.close()
    assert errors == [] and dialogs == []
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_report_on_a_laptop_and_a_phone_screen(report_file, width, height):
    """1366x768: the first photo thumbnails are on the first screen (summary beside the photos). 390 px phone:
    nothing wider than the screen, and the coverage grid fits it with no cell's text spilling out. Screenshots of
    both go to test-artifacts/."""
    playwright = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(report_file[0].as_uri())
        page.wait_for_load_state("load")
        ARTIFACTS.mkdir(exist_ok=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if width >= 1180:
            first = page.evaluate("document.querySelector('.card img').getBoundingClientRect().top")
            assert first < height * 0.6, first  # the top of the first thumbnail is well inside the first screen
            page.screenshot(path=str(ARTIFACTS / f"report-{width}x{height}.png"))
        else:
            grid = page.locator("table.grid")
            grid.scroll_into_view_if_needed()
            box = grid.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
            spilled = page.evaluate(
                "[...document.querySelectorAll('table.grid th, table.grid td')]"
                ".filter(c => c.offsetWidth && c.scrollWidth > c.clientWidth).map(c => c.textContent)"
            )
            assert spilled == []
            smallest = page.evaluate(
                "Math.min(...[...document.querySelectorAll('table.grid th, table.grid td')]"
                ".map(c => parseFloat(getComputedStyle(c).fontSize)))"
            )
            assert smallest >= 11
            page.screenshot(path=str(ARTIFACTS / f"report-{width}px-coverage.png"))
        browser.close()
