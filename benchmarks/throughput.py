"""Throughput of `dossier process`: pages/s, seconds per application, peak memory, the
pipeline's overhead over pure OCR, and the rerun with a warm cache.

    .venv/bin/python benchmarks/throughput.py [--runs 3] [--workers 2] [--pool process thread]
                                              [--engines rapidocr openvino] [--scan20 20]
                                              [--copies 2] [--scan-pages 300] [--json FILE]

Cases:
  scan20   the first sample applications, whole, until they hold --scan20 scanned pages:
           every engine's cold and warm `dossier process`, interleaved run by run, against
           plain RapidOCR on onnxruntime (rapidocr's own pipeline and defaults, the wheel's
           models, --workers processes × 1 thread) reading the same pages: OCR alone, the
           models loaded beforehand. ratio = cold run / plain OCR
  sample   samples/batch (8 applications, ~70 scanned and ~83 text-layer pages)
  large    samples/batch × --copies, every copy's files with distinct bytes (nothing shared
           through the cache); 0 skips it
  scan300  one application: the form and one --scan-pages page scanned PDF, for peak memory
           (one run per engine; 0 skips it)

Every case runs once per engine of --engines, the engines interleaved run by run, so that
they are compared under the same load.

For each, `dossier process` runs as a subprocess with a fresh page cache (cold), then again
with that cache (warm), --runs times; figures are medians. Peak RSS is sampled over the whole
process tree (the CLI, the OCR workers, Prefect's temporary server). The pure OCR time is
the same pages' rasters (rendered beforehand, as the pipeline renders them) read by the same
engine with the same number of warmed-up workers of the same kind; overhead = pipeline wall
time / pure OCR time.

Targets (issue 16): scan20 cold run ≤ 0.60 × plain RapidOCR on onnxruntime; overhead ≤ 1.10
with 2 workers on 2 cores; warm rerun ≤ 5 % of the cold run; peak RSS < 2 GB on the 300-page
scan.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import resource
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
    cpu: float = 0.0  # CPU seconds of the whole process tree (user + system)


def run_dossier(
    batch: Path, out: Path, cache: Path, workers: int, pool: str, env: dict[str, str], engine: str
) -> Run:
    cmd = [*DOSSIER, "process", str(batch), "--out", str(out), "--cache", str(cache)]
    cmd += ["--workers", str(workers), "--ocr-pool", pool, "--ocr", engine]
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    rss = PeakRss(proc.pid)
    stdout, stderr = proc.communicate()
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = rss.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"dossier failed ({proc.returncode}):\n{stderr[-3000:]}")
    # Every process of the tree is waited for by its parent, so its CPU time adds up here.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run = Run(wall=wall, peak_rss=peak, at_peak=rss.at_peak, cpu=cpu)
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


def _ocr_npy(engine: str, path: str, file: str, number: int, dpi: int | None) -> float:
    """CPU seconds of one page's OCR in this worker."""
    from pipeline.ocr import get_engine, trim_heap
    from pipeline.pages import ocr_page

    started = time.process_time()
    try:
        ocr_page(file, number, np.load(path), get_engine(engine), dpi)
    finally:
        trim_heap()  # as the pipeline's workers do after every page
    return time.process_time() - started


def _warm(engine: str) -> None:
    """Models loaded (the engine's first page), so that pure OCR times reading alone."""
    from pipeline.ocr import get_engine

    get_engine(engine).recognize(np.full((64, 256, 3), 255, dtype=np.uint8))
    time.sleep(0.5)  # so that every worker gets a warm-up call


def pure_ocr(
    jobs: list[tuple[Path, str, int, int | None]], workers: int, pool: str, engine: str
) -> tuple[float, float]:
    """The workers set up as the pipeline's pool sets them up (threads, detection turns)."""
    executor: Executor
    if pool == "process":
        from flows.reading import _init_worker

        context = get_context("spawn")
        executor = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(engine, context.Lock()),
        )
    else:
        from pipeline.ocr import share_detection_turn

        share_detection_turn(threading.Lock())
        executor = ThreadPoolExecutor(workers)
    with executor:
        wait([executor.submit(_warm, engine) for _ in range(workers)])
        started = time.monotonic()
        futures = [executor.submit(_ocr_npy, engine, str(p), fl, n, d) for p, fl, n, d in jobs]
        cpu = sum(fut.result() for fut in futures)
        return time.monotonic() - started, cpu


# ---- plain RapidOCR: what a user would run instead -----------------------------------------

_plain: list[object] = []


def _plain_init() -> None:
    """rapidocr as its README shows it, on onnxruntime with the wheel's models, given one
    thread per process (as the pipeline's workers have: one process per core)."""
    os.environ["OMP_NUM_THREADS"] = "1"
    import cv2
    from rapidocr import RapidOCR

    from pipeline.ocr import rapidocr_models

    cv2.setNumThreads(1)
    params: dict[str, object] = {
        "Global.log_level": "warning",
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    params.update({f"{task}.model_path": str(p) for task, p in rapidocr_models().items()})
    engine = RapidOCR(params=params)
    engine(np.full((64, 256, 3), 255, dtype=np.uint8))  # models loaded before the clock starts
    _plain.append(engine)


def _plain_read(path: str) -> float:
    started = time.process_time()
    _plain[0](np.load(path))  # type: ignore[operator]
    return time.process_time() - started


def _plain_ready(_: int) -> None:
    time.sleep(0.5)  # every worker initialised before the clock starts


def plain_rapidocr(
    jobs: list[tuple[Path, str, int, int | None]], workers: int
) -> tuple[float, float]:
    context = get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_plain_init) as executor:
        wait([executor.submit(_plain_ready, i) for i in range(workers)])
        started = time.monotonic()
        futures = [executor.submit(_plain_read, str(p)) for p, _f, _n, _d in jobs]
        cpu = sum(fut.result() for fut in futures)
        return time.monotonic() - started, cpu


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
    engine: str
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
    plain_ocr: float | None
    peak_rss_mb: float
    at_peak: list[tuple[str, int]] = field(default_factory=list)
    cold_walls: list[float] = field(default_factory=list)
    warm_walls: list[float] = field(default_factory=list)
    pure_walls: list[float] = field(default_factory=list)
    plain_walls: list[float] = field(default_factory=list)
    # CPU seconds (user + system), medians: less sensitive to a shared machine's load
    cold_cpu: float = 0.0
    warm_cpu: float | None = None
    pure_cpu: float | None = None
    plain_cpu: float | None = None
    cold_cpus: list[float] = field(default_factory=list)
    warm_cpus: list[float] = field(default_factory=list)
    pure_cpus: list[float] = field(default_factory=list)
    plain_cpus: list[float] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"{self.case} {self.engine} [{self.pool} ×{self.workers}, median of {self.runs}]: "
            f"{self.apps} applications, {self.pages} pages ({self.ocr_pages} OCR, "
            f"{self.text_pages} text layer)",
            f"  cold run       {self.cold_wall:7.1f} s   {self.pages / self.cold_wall:5.2f} pages/s"
            f"   {self.cold_wall / max(self.apps, 1):6.1f} s/application   (runs: "
            + ", ".join(f"{w:.1f}" for w in self.cold_walls)
            + ")",
            f"  peak RSS       {self.peak_rss_mb:7.0f} MB (process tree: "
            + ", ".join(f"{role} {rss / 2**20:.0f}" for role, rss in self.at_peak)
            + ")",
        ]
        if self.pure_ocr:
            ratio = self.cold_wall / self.pure_ocr
            out.append(
                f"  pure OCR       {self.pure_ocr:7.1f} s   overhead {ratio:.2f} (target ≤ 1.10)"
                f"   (runs: {', '.join(f'{w:.1f}' for w in self.pure_walls)})"
            )
        if self.plain_ocr:
            ratio = self.cold_wall / self.plain_ocr
            out.append(
                f"  plain RapidOCR {self.plain_ocr:7.1f} s   cold run ÷ plain {ratio:.2f} "
                f"(target ≤ 0.60)   (runs: {', '.join(f'{w:.1f}' for w in self.plain_walls)})"
            )
        cpu = f"  CPU seconds    cold {self.cold_cpu:.1f}"
        if self.pure_cpu:
            cpu += f", pure OCR {self.pure_cpu:.1f} (overhead {self.cold_cpu / self.pure_cpu:.2f})"
        if self.plain_cpu:
            cpu += (
                f", plain {self.plain_cpu:.1f} (cold ÷ plain {self.cold_cpu / self.plain_cpu:.2f})"
            )
        if self.warm_cpu is not None:
            cpu += f", warm {self.warm_cpu:.1f} ({self.warm_cpu / self.cold_cpu:.1%} of cold)"
        out.append(cpu)
        if self.warm_wall is not None:
            share = self.warm_wall / self.cold_wall
            out.append(
                f"  warm rerun     {self.warm_wall:7.1f} s   {share:.1%} of cold (target ≤ 5 %)"
                f"   (runs: {', '.join(f'{w:.1f}' for w in self.warm_walls)})"
            )
        return out


def _jobs(batch: Path, work: Path) -> list[tuple[Path, str, int, int | None]]:
    """The batch's OCR pages as rasters on disk (rendered once per case)."""
    raster_dir = work / "rasters"
    if not raster_dir.exists():
        raster_dir.mkdir(parents=True)
        (work / "rasters.json").write_text(
            json.dumps([[str(p), f, n, d] for p, f, n, d in dump_rasters(batch, raster_dir)])
        )
    return [(Path(p), f, n, d) for p, f, n, d in json.loads((work / "rasters.json").read_text())]


def bench(
    case: str,
    batch: Path,
    work: Path,
    runs: int,
    workers: int,
    pool: str,
    env: dict[str, str],
    engines: list[str],
    warm: bool = True,
    pure: bool = True,
    plain: bool = False,
) -> list[Result]:
    """Every engine's runs interleaved: run i of each engine, then run i + 1 of each."""
    colds: dict[str, list[Run]] = {e: [] for e in engines}
    warms: dict[str, list[Run]] = {e: [] for e in engines}
    pures: dict[str, list[tuple[float, float]]] = {e: [] for e in engines}
    plains: list[tuple[float, float]] = []
    jobs = _jobs(batch, work) if pure or plain else []
    for i in range(runs):
        for engine in engines:
            cache = work / f"cache-{engine}-{pool}-{i}"
            out = work / f"out-{engine}-{pool}-{i}"
            colds[engine].append(run_dossier(batch, out, cache, workers, pool, env, engine))
            print(
                f"  {case} {engine} cold run {i + 1}: {colds[engine][-1].wall:.1f} s",
                file=sys.stderr,
            )
            if warm:
                warms[engine].append(
                    run_dossier(batch, Path(f"{out}w"), cache, workers, pool, env, engine)
                )
                print(
                    f"  {case} {engine} warm run {i + 1}: {warms[engine][-1].wall:.1f} s",
                    file=sys.stderr,
                )
            shutil.rmtree(cache, ignore_errors=True)
            if pure:
                pures[engine].append(pure_ocr(jobs, workers, pool, engine))
                print(
                    f"  {case} {engine} pure OCR {i + 1}: {pures[engine][-1][0]:.1f} s",
                    file=sys.stderr,
                )
        if plain:
            plains.append(plain_rapidocr(jobs, workers))
            print(f"  {case} plain RapidOCR {i + 1}: {plains[-1][0]:.1f} s", file=sys.stderr)
    results = []
    for engine in engines:
        first = colds[engine][0]
        results.append(
            Result(
                case=case,
                engine=engine,
                pool=pool,
                workers=workers,
                runs=runs,
                apps=first.apps,
                pages=first.pages,
                ocr_pages=first.ocr_pages,
                text_pages=first.text_pages,
                cold_wall=statistics.median(r.wall for r in colds[engine]),
                warm_wall=statistics.median(r.wall for r in warms[engine]) if warm else None,
                pure_ocr=statistics.median(w for w, _ in pures[engine]) if pure else None,
                plain_ocr=statistics.median(w for w, _ in plains) if plain else None,
                peak_rss_mb=max(r.peak_rss for r in colds[engine]) / 2**20,
                at_peak=max(colds[engine], key=lambda r: r.peak_rss).at_peak,
                cold_walls=[r.wall for r in colds[engine]],
                warm_walls=[r.wall for r in warms[engine]],
                pure_walls=[w for w, _ in pures[engine]],
                plain_walls=[w for w, _ in plains],
                cold_cpu=statistics.median(r.cpu for r in colds[engine]),
                warm_cpu=statistics.median(r.cpu for r in warms[engine]) if warm else None,
                pure_cpu=statistics.median(c for _, c in pures[engine]) if pure else None,
                plain_cpu=statistics.median(c for _, c in plains) if plain else None,
                cold_cpus=[r.cpu for r in colds[engine]],
                warm_cpus=[r.cpu for r in warms[engine]],
                pure_cpus=[c for _, c in pures[engine]],
                plain_cpus=[c for _, c in plains],
            )
        )
    return results


def first_scans(dest: Path, pages: int) -> Path:
    """The first sample applications, whole, until they hold `pages` scanned pages."""
    dest.mkdir(parents=True)
    held = 0
    for app in sorted(SAMPLES.iterdir()):
        if held >= pages:
            break
        alone = dest.parent / "counting" / app.name  # the application as a batch of its own
        rasters = dest.parent / "counting" / f"{app.name}.rasters"
        alone.mkdir(parents=True)
        rasters.mkdir()
        (shutil.copytree if app.is_dir() else shutil.copy2)(app, alone / app.name)
        held += len(dump_rasters(alone, rasters))
        (shutil.copytree if app.is_dir() else shutil.copy2)(app, dest / app.name)
    shutil.rmtree(dest.parent / "counting")
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument(
        "--pool", nargs="+", default=["process", "thread"], choices=["process", "thread"]
    )
    ap.add_argument("--engines", nargs="+", default=["rapidocr", "openvino"])
    ap.add_argument("--scan20", type=int, default=20, help="scanned pages of that case (0: skip)")
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
    loads = [os.getloadavg()[0]]
    pool, engines = args.pool[0], args.engines
    try:
        if args.scan20:
            batch = first_scans(tmp / "scan20" / "scan20", args.scan20)
            results += bench(
                "scan20",
                batch,
                tmp / "scan20",
                args.runs,
                args.workers,
                pool,
                env,
                engines,
                plain=True,
            )
            loads.append(os.getloadavg()[0])
        if not args.skip_sample:
            for kind in args.pool:
                results += bench(
                    "sample", SAMPLES, tmp / "sample", args.runs, args.workers, kind, env, engines
                )
            loads.append(os.getloadavg()[0])
        if args.copies:
            batch = multiplied_batch(tmp / "large" / f"sample×{args.copies}", args.copies)
            results += bench(
                "large", batch, tmp / "large", 1, args.workers, pool, env, engines, pure=False
            )
            loads.append(os.getloadavg()[0])
        if args.scan_pages:
            batch = scan_batch_of(tmp / "scan" / "scan", args.scan_pages)
            results += bench(
                f"scan{args.scan_pages}",
                batch,
                tmp / "scan",
                1,
                args.workers,
                pool,
                env,
                engines,
                warm=False,
                pure=False,
            )
            loads.append(os.getloadavg()[0])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"machine: {os.cpu_count()} cores, load average (1 min) "
        + " → ".join(f"{x:.1f}" for x in loads)
        + " (start, after each case)"
    )
    for r in results:
        print("\n".join(r.lines()))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
