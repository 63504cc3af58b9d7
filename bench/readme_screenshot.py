"""Regenerate docs/report.png, the README's screenshot of a real HTML report (the built-in demo set).

.venv/bin/python bench/readme_screenshot.py      # needs Debian's chromium and the test extra (playwright)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent

with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "report.html"
    subprocess.run([sys.executable, "-m", "photocheck", "demo", "--format", "html", "--output", str(out)], check=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 1500})
        page.goto(out.as_uri())
        (ROOT / "docs").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "docs" / "report.png"))
        browser.close()
print("wrote docs/report.png")
