"""The report as a reviewer sees it: rendered by Debian's Chromium, headless and offline.

Needs the Debian package `chromium` (make system-deps installs it). The screenshot is kept
in the test's folder and copied to out/test-artifacts/report.png for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from pipeline.report import write_summary
from tests.report.conftest import APP, ROOT, Built

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "out" / "test-artifacts"
# Marks every image with whether it really loaded: --dump-dom then shows it. Added to a copy
# of the report only; the report itself carries no script.
IMAGE_PROBE = (
    "<script>addEventListener('load',()=>{for(const i of document.images)"
    "i.setAttribute('data-loaded',i.complete&&i.naturalWidth>0?'yes':'no')})</script>"
)


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's package `chromium` "
            "(apt-get install chromium, or `make system-deps`) to render reports in tests"
        )
    profile = tmp_path / "chromium-profile"
    shutil.rmtree(profile, ignore_errors=True)
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"chromium failed: {result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def rendered(built: Built) -> Built:
    write_summary("批次", [built.row], built.out)
    return built


def test_screenshot_shows_the_verdict_and_the_evidence(tmp_path: Path, rendered: Built) -> None:
    report = rendered.app_dir / "report.html"
    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", report.as_uri())
    with Image.open(shot) as im:
        assert im.size == (1280, 2000)
        pixels = np.asarray(im.convert("RGB")).astype(int)
    # Not a blank or error page: the red verdict box and dark text are on it.
    red = (pixels[..., 0] > 150) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)
    assert red[:700].sum() > 2000, "the red error verdict is at the top"
    assert (pixels.sum(axis=2) < 200).mean() > 0.005, "text is drawn"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / "report.png")


def test_rendered_dom_shows_the_findings_with_loaded_pictures(
    tmp_path: Path, rendered: Built
) -> None:
    probe = rendered.app_dir / "report-probe.html"
    probe.write_text(rendered.html.replace("</body>", IMAGE_PROBE + "</body>"), encoding="utf-8")
    try:
        dom = chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()).stdout
    finally:
        probe.unlink()
    for finding in rendered.report.findings:
        assert finding.message.replace("“", "").replace("”", "") in dom.replace("“", "").replace(
            "”", ""
        )
    assert "核查结论：有错误" in dom
    assert "+1,589.75 万元" in dom and "25,410.25 万元" in dom
    images = re.findall(r"<img [^>]*>", dom)
    assert len(images) == 2
    assert all('data-loaded="yes"' in img for img in images), images


def test_report_prints_on_a4_with_sections_on_their_own_pages(
    tmp_path: Path, rendered: Built
) -> None:
    pdf = tmp_path / "report.pdf"
    chromium(
        tmp_path,
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        (rendered.app_dir / "report.html").as_uri(),
    )
    doc = pdfium.PdfDocument(str(pdf))
    try:
        width, height = doc[0].get_size()
        assert abs(width - 595) < 3 and abs(height - 842) < 3, "A4 portrait"
        assert len(doc) >= 4, "verdict+findings, form, records and files each start a page"
        texts = []
        for i in range(len(doc)):
            textpage = doc[i].get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
    finally:
        doc.close()
    # Each section begins a page; nothing interactive hides content from the printout.
    starts = {"二、申报书填报数据": None, "三、材料识别结果": None, "四、文件清单": None}
    for title in starts:
        pages = [i for i, t in enumerate(texts) if title in t.replace(" ", "")]
        assert pages, f"{title} is printed"
        assert texts[pages[0]].replace(" ", "").lstrip().startswith(title), f"{title} starts a page"
    assert "返回批次汇总" not in "".join(texts), "navigation is left out of the printout"
    assert any("未能读取" in t for t in texts)


def test_summary_renders_and_filters_without_script(tmp_path: Path, rendered: Built) -> None:
    summary = rendered.out / "summary.html"
    dom = chromium(tmp_path, "--dump-dom", summary.as_uri() + "#v-error").stdout
    assert APP in dom and "有错误（1）" in dom
    shot = tmp_path / "summary.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,900", summary.as_uri())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / "summary.png")
