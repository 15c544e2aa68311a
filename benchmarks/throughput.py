"""Throughput of `dossier process`: pages/s, seconds per application, peak memory, the
pipeline's overhead over pure OCR, and the rerun with a warm cache.

    .venv/bin/python benchmarks/throughput.py [--runs 3] [--workers 2] [--pool process thread]
                                              [--copies 2] [--scan-pages 300] [--json FILE]

Cases:
  sample   samples/batch (8 applications, ~70 scanned and ~83 text-layer pages)
  large    samples/batch × --copies, every copy's files with distinct bytes (nothing shared
           through the cache); 0 skips it
  scan300  one application: the form and one --scan-pages page scanned PDF, for peak memory
           (one run; 0 skips it)

For each, `dossier process` runs as a subprocess with a fresh page cache (cold), then again
with that cache (warm), --runs times; figures are medians. Peak RSS is sampled over the whole
process tree (the CLI, the OCR workers, Prefect's temporary server). The pure OCR time is
the same pages' rasters (rendered beforehand, as the pipeline renders them) read by the same
engine with the same number of warmed-up workers of the same kind; overhead = pipeline wall
time / pure OCR time.

Targets: overhead ≤ 1.25 with 2 workers on 2 cores; warm rerun ≤ 10 % of the cold run; peak
RSS < 2 GB on the 300-page scan.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLES = ROOT / "samples" / "batch"
DOSSIER = [sys.executable, "-m", "pipeline.cli"]
FINAL = re.compile(
    r"完成：(\d+) 个申报，(\d+) 个文件，(\d+) 页（OCR (\d+)，文字层 (\d+).*其中缓存 (\d+)）"
)


# ---- measuring a run ---------------------------------------------------------------------


def _role(p: psutil.Process) -> str:
    cmd = " ".join(p.cmdline())
    if "prefect.server" in cmd:
        return "prefect-server"
    if "spawn_main" in cmd or "forkserver" in cmd:
        return "ocr-worker"
    return "dossier" if "pipeline.cli" in cmd or "dossier" in cmd else p.name()


class PeakRss:
    """Peak of the summed RSS of a process and all its descendants, sampled every 100 ms."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self.at_peak: list[tuple[str, int]] = []  # (process role, RSS) when the sum peaked
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            sizes = []
            for p in procs:
                with contextlib.suppress(psutil.Error):  # gone meanwhile
                    sizes.append((_role(p), p.memory_info().rss))
            total = sum(rss for _, rss in sizes)
            if total > self.peak:
                self.peak, self.at_peak = total, sizes
            self._stop.wait(0.1)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


@dataclass
class Run:
    wall: float
    peak_rss: int
    at_peak: list[tuple[str, int]] = field(default_factory=list)
    apps: int = 0
    pages: int = 0
    ocr_pages: int = 0
    text_pages: int = 0
    cached: int = 0


def run_dossier(
    batch: Path, out: Path, cache: Path, workers: int, pool: str, env: dict[str, str]
) -> Run:
    cmd = [*DOSSIER, "process", str(batch), "--out", str(out), "--cache", str(cache)]
    cmd += ["--workers", str(workers), "--ocr-pool", pool]
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    rss = PeakRss(proc.pid)
    stdout, stderr = proc.communicate()
    wall = time.monotonic() - started
    peak = rss.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"dossier failed ({proc.returncode}):\n{stderr[-3000:]}")
    run = Run(wall=wall, peak_rss=peak, at_peak=rss.at_peak)
    if m := FINAL.search(stdout):
        run.apps, _files, run.pages, run.ocr_pages, run.text_pages, run.cached = map(
            int, m.groups()
        )
    return run


# ---- pure OCR of the same pages ----------------------------------------------------------


def dump_rasters(batch: Path, work: Path) -> list[tuple[Path, str, int, int | None]]:
    """Every page the pipeline would OCR, rendered as it renders them, saved as .npy."""
    from pipeline.intake import scan_batch
    from pipeline.pages import Raster, pages_and_rasters

    jobs: list[tuple[Path, str, int, int | None]] = []
    for app in scan_batch(batch, work / "intake").applications:
        for f in app.files:
            if f.status != "processed" or f.format == "zip":
                continue
            try:
                for item in pages_and_rasters(f):
                    if isinstance(item, Raster):
                        path = work / f"{len(jobs):05d}.npy"
                        np.save(path, item.image)
                        jobs.append((path, item.file, item.number, item.dpi))
            except Exception as exc:  # unreadable files are not OCR'd by the pipeline either
                print(f"  (skipped {f.file}: {exc})", file=sys.stderr)
    return jobs


def _ocr_npy(path: str, file: str, number: int, dpi: int | None) -> int:
    from pipeline.ocr import get_engine
    from pipeline.pages import ocr_page

    return len(ocr_page(file, number, np.load(path), get_engine("rapidocr"), dpi).lines)


def _warm(_: int) -> None:
    from pipeline.ocr import get_engine

    get_engine("rapidocr")
    time.sleep(0.5)  # so that every worker gets a warm-up call


def pure_ocr(jobs: list[tuple[Path, str, int, int | None]], workers: int, pool: str) -> float:
    """The workers set up as the pipeline's pool sets them up (threads, detection turns)."""
    executor: Executor
    if pool == "process":
        from flows.reading import _init_worker

        context = get_context("spawn")
        executor = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=("rapidocr", context.Lock()),
        )
    else:
        from pipeline.ocr import share_detection_turn

        share_detection_turn(threading.Lock())
        executor = ThreadPoolExecutor(workers)
    with executor:
        wait([executor.submit(_warm, i) for i in range(workers)])
        started = time.monotonic()
        futures = [executor.submit(_ocr_npy, str(p), fl, n, d) for p, fl, n, d in jobs]
        for fut in futures:
            fut.result()
        return time.monotonic() - started


# ---- batches -----------------------------------------------------------------------------


def _distinct(path: Path, tag: str) -> None:
    """Change a file's bytes (and so its sha256) without changing what it reads as."""
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":  # docx, ofd, zip: a zip comment
        buf = io.BytesIO(data)
        with zipfile.ZipFile(buf, "a") as zf:
            zf.comment = f"copy {tag}".encode()
        path.write_bytes(buf.getvalue())
    elif path.suffix.lower() == ".xml":
        path.write_bytes(data + f"\n<!-- copy {tag} -->\n".encode())
    else:  # PDF after %%EOF, JPEG after EOI, PNG after IEND, TIFF: trailing bytes are ignored
        path.write_bytes(data + f"\n%copy {tag}\n".encode())


def multiplied_batch(dest: Path, copies: int) -> Path:
    dest.mkdir(parents=True)
    for k in range(copies):
        for app in sorted(SAMPLES.iterdir()):
            target = dest / f"{app.stem}-{k + 1}{app.suffix}"
            if app.is_dir():
                shutil.copytree(app, target)
                files = [p for p in target.rglob("*") if p.is_file()]
            else:
                shutil.copy2(app, target)
                files = [target]
            for f in files:
                _distinct(f, f"{k + 1}")
    return dest


def scan_batch_of(dest: Path, pages: int) -> Path:
    """One application: the form and a `pages`-page scanned PDF made of the sample scans."""
    import pypdfium2 as pdfium
    from PIL import Image

    sys.path.insert(0, str(ROOT / "samples"))
    from generate import pdf_from_jpegs

    sources = [
        SAMPLES / "002_湘潭德源新材料科技有限公司" / "scan0001.pdf",
    ]
    jpegs: list[tuple[bytes, int]] = []
    for src in sources:
        doc = pdfium.PdfDocument(str(src))
        for i in range(len(doc)):
            bitmap = doc[i].render(scale=150 / 72)
            im: Image.Image = bitmap.to_pil().convert("L")
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=75)
            jpegs.append((buf.getvalue(), 150))
        doc.close()
    app = dest / "001_扫描件三百页"
    app.mkdir(parents=True)
    shutil.copy2(SAMPLES / "001_湖南星辰智能装备有限公司" / "申报书.docx", app / "申报书.docx")
    (app / "整本扫描.pdf").write_bytes(
        pdf_from_jpegs([jpegs[i % len(jpegs)] for i in range(pages)])
    )
    return dest


# ---- the benchmark -----------------------------------------------------------------------


@dataclass
class Result:
    case: str
    pool: str
    workers: int
    runs: int
    apps: int
    pages: int
    ocr_pages: int
    text_pages: int
    cold_wall: float
    warm_wall: float | None
    pure_ocr: float | None
    peak_rss_mb: float
    at_peak: list[tuple[str, int]] = field(default_factory=list)
    cold_walls: list[float] = field(default_factory=list)
    warm_walls: list[float] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"{self.case} [{self.pool} ×{self.workers}, median of {self.runs}]: "
            f"{self.apps} applications, {self.pages} pages ({self.ocr_pages} OCR, "
            f"{self.text_pages} text layer)",
            f"  cold run       {self.cold_wall:7.1f} s   {self.pages / self.cold_wall:5.2f} pages/s"
            f"   {self.cold_wall / max(self.apps, 1):6.1f} s/application   (runs: "
            + ", ".join(f"{w:.0f}" for w in self.cold_walls)
            + ")",
            f"  peak RSS       {self.peak_rss_mb:7.0f} MB (process tree: "
            + ", ".join(f"{role} {rss / 2**20:.0f}" for role, rss in self.at_peak)
            + ")",
        ]
        if self.pure_ocr:
            ratio = self.cold_wall / self.pure_ocr
            out.append(
                f"  pure OCR       {self.pure_ocr:7.1f} s   overhead {ratio:.2f} (target ≤ 1.25)"
            )
        if self.warm_wall is not None:
            share = self.warm_wall / self.cold_wall
            out.append(
                f"  warm rerun     {self.warm_wall:7.1f} s   {share:.0%} of cold (target ≤ 10 %)"
            )
        return out


def bench(
    case: str,
    batch: Path,
    work: Path,
    runs: int,
    workers: int,
    pool: str,
    env: dict[str, str],
    warm: bool = True,
    pure: bool = True,
) -> Result:
    colds: list[Run] = []
    warms: list[Run] = []
    for i in range(runs):
        cache = work / f"cache-{pool}-{i}"
        colds.append(run_dossier(batch, work / f"out-{pool}-{i}", cache, workers, pool, env))
        print(f"  {case} {pool} cold run {i + 1}: {colds[-1].wall:.1f} s", file=sys.stderr)
        if warm:
            warms.append(run_dossier(batch, work / f"out-{pool}-{i}w", cache, workers, pool, env))
            print(f"  {case} {pool} warm run {i + 1}: {warms[-1].wall:.1f} s", file=sys.stderr)
        shutil.rmtree(cache, ignore_errors=True)
    pure_times: list[float] = []
    if pure:
        raster_dir = work / "rasters"
        if not raster_dir.exists():
            raster_dir.mkdir()
            (work / "rasters.json").write_text(
                json.dumps([[str(p), f, n, d] for p, f, n, d in dump_rasters(batch, raster_dir)])
            )
        jobs = [
            (Path(p), f, n, d) for p, f, n, d in json.loads((work / "rasters.json").read_text())
        ]
        for i in range(runs):
            pure_times.append(pure_ocr(jobs, workers, pool))
            print(f"  {case} {pool} pure OCR {i + 1}: {pure_times[-1]:.1f} s", file=sys.stderr)
    first = colds[0]
    return Result(
        case=case,
        pool=pool,
        workers=workers,
        runs=runs,
        apps=first.apps,
        pages=first.pages,
        ocr_pages=first.ocr_pages,
        text_pages=first.text_pages,
        cold_wall=statistics.median(r.wall for r in colds),
        warm_wall=statistics.median(r.wall for r in warms) if warms else None,
        pure_ocr=statistics.median(pure_times) if pure_times else None,
        peak_rss_mb=max(r.peak_rss for r in colds) / 2**20,
        at_peak=max(colds, key=lambda r: r.peak_rss).at_peak,
        cold_walls=[r.wall for r in colds],
        warm_walls=[r.wall for r in warms],
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument(
        "--pool", nargs="+", default=["process", "thread"], choices=["process", "thread"]
    )
    ap.add_argument("--copies", type=int, default=2, help="copies of the sample batch (0: skip)")
    ap.add_argument("--scan-pages", type=int, default=300, help="pages of the scan case (0: skip)")
    ap.add_argument("--skip-sample", action="store_true")
    ap.add_argument("--json", type=Path, help="write the figures here too")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="dossier-bench-"))
    env = dict(
        os.environ,
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_HOME=str(tmp / "prefect"),
    )
    results: list[Result] = []
    load = os.getloadavg()[0]
    try:
        if not args.skip_sample:
            for pool in args.pool:
                results.append(
                    bench("sample", SAMPLES, tmp / "sample", args.runs, args.workers, pool, env)
                )
        if args.copies:
            batch = multiplied_batch(tmp / "large" / f"sample×{args.copies}", args.copies)
            results.append(
                bench("large", batch, tmp / "large", 1, args.workers, args.pool[0], env, pure=False)
            )
        if args.scan_pages:
            batch = scan_batch_of(tmp / "scan" / "scan", args.scan_pages)
            results.append(
                bench(
                    f"scan{args.scan_pages}",
                    batch,
                    tmp / "scan",
                    1,
                    args.workers,
                    args.pool[0],
                    env,
                    warm=False,
                    pure=False,
                )
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} at start")
    for r in results:
        print("\n".join(r.lines()))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
