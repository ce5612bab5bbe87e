"""`heeltrack report`: one self-contained HTML page that renders in headless Chromium without
errors. Needs the Debian package `chromium`: the test FAILS (never skips) without it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from heeltrack.cli import main
from heeltrack.report import REPORT_NAME
from tests.test_report_fixtures import make_db

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")

# injected into a copy of the page: collects load errors (capture phase sees <img> failures)
PROBE_HEAD = """<script>window.__errors=[];window.addEventListener('error',function(e){
window.__errors.push(e.target&&e.target.tagName?'resource '+e.target.tagName:'js '+e.message)},
true);</script>"""
PROBE_END = """<script>window.addEventListener('load',function(){var im=[].slice.call(
document.images);document.body.setAttribute('data-check',JSON.stringify({images:im.length,
broken:im.filter(function(i){return !i.complete||i.naturalWidth===0}).length,
errors:window.__errors}))});</script>"""


def chromium() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("headless Chromium is needed: install the Debian package `chromium`")


def run_browser(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def probe(page: Path, tmp: Path) -> tuple[dict[str, object], str]:
    """Load a copy of `page` with the probe scripts: ({images, broken, errors}, console log)."""
    text = page.read_text()
    text = text.replace("<head>", "<head>" + PROBE_HEAD, 1).replace(
        "</body>", PROBE_END + "</body>"
    )
    copy = tmp / ("probe-" + page.name)
    copy.write_text(text)
    proc = run_browser("--virtual-time-budget=5000", "--dump-dom", copy.as_uri())
    m = re.search(r'data-check="([^"]*)"', proc.stdout)
    assert m, f"the page did not finish loading: {proc.stderr[-500:]}"
    check = json.loads(m.group(1).replace("&quot;", '"'))
    console = "\n".join(line for line in proc.stderr.splitlines() if "CONSOLE" in line)
    return check, console


def screenshot(page: Path, png: Path, width: int = 1100, height: int = 2600) -> None:
    proc = run_browser(f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri())
    assert png.exists(), proc.stderr[-500:]


@pytest.fixture
def report(tmp_path: Path) -> Path:
    db = make_db(tmp_path / "h.sqlite3")
    assert main(["report", "--db", str(db), "--out", str(tmp_path / "out")]) == 0
    return tmp_path / "out" / REPORT_NAME


def test_report_is_self_contained(report: Path) -> None:
    text = report.read_text()
    assert "<script" not in text and "<link" not in text  # nothing to fetch, nothing to run
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", text)
    assert "url(http" not in text and "@import" not in text
    images = re.findall(r'<img [^>]*src="data:image/svg\+xml;base64,', text)
    assert len(images) == 6  # days, weeks, timelines, holds, feet, directions
    for title in ("Adherence", "<h2>Sessions", "Holds", "Balance", "All sessions", "The program"):
        assert title in text
    assert "12/98" in text  # holds short of the target over all sessions
    assert "date unknown" in text and "21%" in text
    assert (
        "12 calf raises were held shorter than their session's target (3 s in the latest "
        "program); most in Tue 17 Nov #2: 12" in text
    )
    assert "<h2>Tempo</h2>" in text and "11 of 89 (12%)" in text  # calf raises


def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    check, console = probe(report, tmp_path)
    assert check == {"images": 6, "broken": 0, "errors": []}
    assert console == ""
    png = tmp_path / "report.png"
    screenshot(report, png)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1100, 2600)


def test_the_probe_sees_a_broken_image(report: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text(
        report.read_text().replace("<main>", '<main><img src="data:image/png;base64,AAAA">', 1)
    )
    check, _ = probe(broken, tmp_path)
    assert check["images"] == 7 and check["broken"] == 1 and check["errors"] == ["resource IMG"]


def test_report_since_and_bad_out(
    report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    assert (
        main(["report", "--db", str(db), "--out", str(tmp_path / "s"), "--since", "2026-11-19"])
        == 0
    )
    text = (tmp_path / "s" / REPORT_NAME).read_text()
    assert "1 sessions, 2026-11-19 to 2026-11-19 (since 2026-11-19)" in text
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--out", str(report)]) == 2  # a file, not a dir
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--out" in err


def docs_screenshot(page: Path, png: Path) -> None:
    """The README's screenshot: the page at 1060 px, cropped, scaled to 70%, 128 colours."""
    from PIL import Image, ImageChops

    full = png.with_suffix(".full.png")
    screenshot(page, full, 1060, 3200)
    im = Image.open(full).convert("RGB")
    full.unlink()
    w, h = im.size
    bg = Image.new("RGB", im.size, im.getpixel((w // 2, h - 1)))
    box = ImageChops.difference(im, bg).getbbox() or (0, 0, w, h)
    im = im.crop((0, 0, w, min(h, box[3] + 10)))
    im = im.resize((im.width * 7 // 10, im.height * 7 // 10), Image.Resampling.LANCZOS)
    im = im.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    im.save(png, optimize=True)


if __name__ == "__main__":  # python -m tests.test_report_html REPORT.html docs/report.png
    import sys

    docs_screenshot(Path(sys.argv[1]), Path(sys.argv[2]))
