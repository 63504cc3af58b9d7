"""Regenerate docs/report.png, the README's screenshot of a real HTML report (the built-in demo set).

.venv/bin/python bench/readme_screenshot.py      # needs Debian's chromium and the test extra (playwright)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent

with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "report.html"
    subprocess.run([sys.executable, "-m", "photocheck", "demo", "--format", "html", "--output", str(out)], check=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 900})  # a common laptop screen
        page.goto(out.as_uri())
        shot = Path(tmp) / "shot.png"
        page.screenshot(path=str(shot))
        browser.close()
    (ROOT / "docs").mkdir(exist_ok=True)
    # 256 colours keep the photos recognisable at a third of the bytes: the README stays light to clone
    Image.open(shot).convert("RGB").quantize(256, dither=Image.Dither.FLOYDSTEINBERG).save(
        ROOT / "docs" / "report.png", optimize=True
    )
print("wrote docs/report.png")
