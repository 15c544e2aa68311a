"""Small batches for the operations tests, cut from the sample batch (real files, real OCR)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_APP = ROOT / "samples" / "batch" / "001_湖南星辰智能装备有限公司"
COMBINED_SCAN = ROOT / "samples" / "batch" / "002_湘潭德源新材料科技有限公司" / "scan0001.pdf"
APP = "001_湖南星辰智能装备有限公司"


def small_batch(dest: Path, *, text_pdf: bool = False) -> Path:
    """One application: the form (.docx) and one small scan (a JPEG honour certificate)."""
    app = dest / APP
    app.mkdir(parents=True)
    shutil.copy2(SAMPLE_APP / "申报书.docx", app / "申报书.docx")
    shutil.copy2(SAMPLE_APP / "荣誉证书.jpg", app / "荣誉证书.jpg")
    if text_pdf:
        invoice = SAMPLE_APP / "附件" / "发票" / "dzfp_033001879811_69054726.pdf"
        shutil.copy2(invoice, app / "电子发票.pdf")
    return dest


def scanned_pdf(pages: int, dpi: int = 120) -> bytes:
    """An image-only PDF of `pages` pages taken from the sample's combined scan."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    doc = pdfium.PdfDocument(str(COMBINED_SCAN))
    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1)
    try:
        for i in range(pages):
            image = doc[i % len(doc)].render(scale=dpi / 72).to_pil().convert("L")
            jpeg = io.BytesIO()
            image.save(jpeg, "JPEG", quality=80)
            jpeg.seek(0)
            w, h = image.size[0] / dpi * 72, image.size[1] / dpi * 72
            canvas.setPageSize((w, h))
            canvas.drawImage(ImageReader(jpeg), 0, 0, w, h)
            canvas.showPage()
    finally:
        doc.close()
    canvas.save()
    return buf.getvalue()
