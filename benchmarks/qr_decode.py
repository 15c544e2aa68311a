"""QR decode rate and seconds per page on the sample batch's invoice pages.

    .venv/bin/python benchmarks/qr_decode.py [--runs 3] [--opencv]

Every invoice page of samples/batch that truth.json lists is rendered as the reading stage
renders it (pipeline.pages.render_page: scans as they lie in the file, text-layer PDFs at
200 dpi) and decoded with pipeline.qr.decode_codes, --runs times; the figures are: decoded
(an invoice payload read), right (every QR field equal to truth.json's `qr`), and the median
and 90th percentile milliseconds per page over all runs, scans and text pages apart. With
--opencv, the pages zxing-cpp missed are tried with OpenCV's QRCodeDetector too (does the
fallback help?). Quote `uptime` beside the figures: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def pages(work: Path) -> list[tuple[str, Any, int, bool, dict[str, Any]]]:
    """(label, input file, page, scanned, truth qr) of every invoice page of the sample batch."""
    sys.path.insert(0, str(ROOT))
    from pipeline.intake import scan_batch

    truth = json.loads((ROOT / "samples" / "truth.json").read_text(encoding="utf-8"))
    batch = scan_batch(ROOT / "samples" / "batch", work)
    out = []
    for app in batch.applications:
        entry = truth["applications"].get(app.name) or truth["applications"][f"{app.name}.zip"]
        files = {f.file: f for f in app.files}
        for doc in entry["documents"]:
            if doc["type"] != "invoice" or "qr" not in doc["fields"]:
                continue
            for number in doc["pages"]:
                label = f"{app.name}/{doc['file']} p{number}"
                out.append((label, files[doc["file"]], number, doc["scanned"], doc["fields"]["qr"]))
    return out


def text_layer_cost(work: Path) -> tuple[int, int, list[float]]:
    """(text-layer PDF pages of the batch, how many a code was found on, ms each page costs
    the reading stage for its codes: objects looked at, pictures or page decoded)."""
    import pypdfium2 as pdfium

    from pipeline.intake import scan_batch
    from pipeline.models import Page
    from pipeline.pages import _with_codes

    total, found, ms = 0, 0, []
    for app in scan_batch(ROOT / "samples" / "batch", work).applications:
        for f in app.files:
            if f.format != "pdf":
                continue
            doc = pdfium.PdfDocument(f.path)
            try:
                for index in range(len(doc)):
                    pdf_page = doc[index]
                    if not pdf_page.get_textpage().get_text_range().strip():
                        continue  # a scan: decoded where it is OCRed
                    total += 1
                    w, h = pdf_page.get_size()
                    page = Page(
                        file=f.file,
                        number=index + 1,
                        source="text-layer",
                        width=w,
                        height=h,
                        unit="pt",
                    )
                    started = time.perf_counter()
                    _with_codes(page, pdf_page)
                    ms.append((time.perf_counter() - started) * 1000)
                    found += bool(page.codes)
            finally:
                doc.close()
    return total, found, ms


def opencv_texts(image: Any) -> list[str]:
    import cv2

    ok, texts, _, _ = cv2.QRCodeDetector().detectAndDecodeMulti(image)
    return [t for t in texts if t] if ok else []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--opencv", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.path.insert(0, str(ROOT))
    from pipeline.pages import render_page
    from pipeline.qr import decode_codes, parse_invoice_payload

    with tempfile.TemporaryDirectory() as work:
        todo = pages(Path(work))
        rasters = [
            (label, render_page(f, n).image, scanned, qr) for label, f, n, scanned, qr in todo
        ]
    times: dict[bool, list[float]] = {True: [], False: []}
    decoded: dict[bool, set[str]] = {True: set(), False: set()}
    right: dict[bool, set[str]] = {True: set(), False: set()}
    for _ in range(args.runs):
        for label, image, scanned, qr in rasters:
            started = time.perf_counter()
            codes = decode_codes(image)
            times[scanned].append(time.perf_counter() - started)
            parsed = [parse_invoice_payload(c.text).qr for c in codes]
            found = next((p for p in parsed if p is not None), None)
            if found is not None:
                decoded[scanned].add(label)
                if found.model_dump(mode="json") == qr:
                    right[scanned].add(label)
    for scanned, what in ((True, "scanned"), (False, "text-layer")):
        n = sum(1 for r in rasters if r[2] == scanned)
        if not n:
            continue
        ms = sorted(t * 1000 for t in times[scanned])
        p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
        print(
            f"{what} invoice pages: {n}; QR decoded {len(decoded[scanned])}/{n} "
            f"({len(decoded[scanned]) / n:.0%}), fields right {len(right[scanned])}/{n}; "
            f"decode ms/page median {statistics.median(ms):.0f}, p90 {p90:.0f} "
            f"({args.runs} runs)"
        )
        for label, *_ in (r for r in rasters if r[2] == scanned and r[0] not in decoded[scanned]):
            print(f"  missed: {label}")
    if args.opencv:
        missed = [r for r in rasters if r[0] not in decoded[r[2]]]
        rescued = [
            r[0] for r in missed if any(parse_invoice_payload(t).qr for t in opencv_texts(r[1]))
        ]
        print(f"OpenCV QRCodeDetector on the {len(missed)} missed pages: {len(rescued)} decoded")
        for label in rescued:
            print(f"  rescued: {label}")
    with tempfile.TemporaryDirectory() as work:
        total, found, ms = text_layer_cost(Path(work))
    if ms:
        ms.sort()
        print(
            f"reading stage, text-layer PDF pages: {total}, a code on {found}; ms/page for "
            f"codes median {statistics.median(ms):.1f}, p90 {ms[int(0.9 * len(ms))]:.0f}, "
            f"total {sum(ms) / 1000:.1f} s"
        )
    print(f"load: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
