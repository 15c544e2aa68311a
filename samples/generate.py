"""Render a deterministic sample batch of 上云上平台 dossiers, and the truth about it.

    .venv/bin/python samples/generate.py        # writes samples/batch/ and samples/truth.json

Every application is first described as facts (a `Company` with its accounts and taxes, and
one record per document), seeded discrepancies are applied to those facts, and only then are
the papers drawn from them and the truth serialised from them: what truth.json says is what
the pages show. Output is byte-identical from run to run (fixed seeds, fixed dates, fixed zip
timestamps, reportlab `invariant=1`).
"""

from __future__ import annotations

import io
import json
import math
import random
import shutil
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

SEED = 20190415
HERE = Path(__file__).resolve().parent
BATCH_DIR = HERE / "batch"
TRUTH_PATH = HERE / "truth.json"
ZIP_TIME = (2019, 4, 20, 9, 30, 0)  # every zip member (docx parts, the zipped application)
MM = 72 / 25.4  # points per millimetre
PT_MM = 25.4 / 72  # millimetres per point

FONT_DIR = Path("/usr/share/fonts/truetype")
FONT_FILES = {
    "zenhei": ("wqy/wqy-zenhei.ttc", 0),
    "microhei": ("wqy/wqy-microhei.ttc", 0),
    "uming": ("arphic/uming.ttc", 0),
    "ukai": ("arphic/ukai.ttc", 0),
}
# A "look" maps the roles used by the renderers to installed fonts; scans vary by look.
LOOKS: tuple[dict[str, str], ...] = (
    {"song": "uming", "hei": "zenhei", "kai": "ukai"},
    {"song": "zenhei", "hei": "microhei", "kai": "ukai"},
    {"song": "microhei", "hei": "zenhei", "kai": "uming"},
    {"song": "uming", "hei": "microhei", "kai": "ukai"},
)
PDF_FONT = "STSong-Light"

Colour = tuple[int, int, int]
BLACK: Colour = (0, 0, 0)
RED: Colour = (200, 32, 40)
SEAL_RED: Colour = (214, 38, 46)
BROWN: Colour = (150, 82, 40)
INVOICE_BROWN: Colour = (140, 70, 30)
GREY: Colour = (90, 90, 90)

rl_config.useA85 = 0  # embed scan JPEGs as they are, not ASCII85-inflated


# ======================================================================================
# Text helpers: money, dates, codes
# ======================================================================================

UPPER_DIGITS = "零壹贰叁肆伍陆柒捌玖"
DATE_DIGITS = "〇一二三四五六七八九"
CJK_NUMBERS = "零一二三四五六七八九十"


def fen_to_yuan(fen: int) -> float:
    """Money for truth.json: 元 as a number with (at most) 2 decimals."""
    return round(fen / 100, 2)


def fen_to_wan(fen: int) -> Decimal:
    """元 amount (in fen) as 万元 rounded half-up to 2 decimals, as the form states it."""
    return (Decimal(fen) / Decimal(1_000_000)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def fmt_fen(fen: int, commas: bool = True) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}" if commas else f"{sign}{whole}.{cents:02d}"


def fmt_decimal(value: Decimal, commas: bool = False) -> str:
    return f"{value:,.2f}" if commas else f"{value:.2f}"


def _upper_group(n: int) -> str:
    """1..9999 in financial capitals, inner zeros collapsed (壹仟零伍)."""
    out, pending_zero = "", False
    for power, unit in ((3, "仟"), (2, "佰"), (1, "拾"), (0, "")):
        digit = n // 10**power % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += "零"
            pending_zero = False
        out += UPPER_DIGITS[digit] + unit
    return out


def _upper_integer(n: int) -> str:
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out, pending_zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or group < 1000):
            out += "零"
        out += _upper_group(group) + ("", "万", "亿", "万亿")[index]
        pending_zero = False
    return out


def rmb_upper(fen: int, yuan_char: str = "元") -> str:
    """壹佰贰拾万元整 / 壹仟零陆拾圆伍角贰分 (tax invoices write 圆)."""
    prefix = "负" if fen < 0 else ""
    whole, rest = divmod(abs(fen), 100)
    jiao, cents = divmod(rest, 10)
    out = _upper_integer(whole) + yuan_char if whole else ""
    if jiao == 0 and cents == 0:
        return prefix + (out or "零" + yuan_char) + "整"
    if jiao:
        out += UPPER_DIGITS[jiao] + "角"
    elif whole:
        out += "零"
    out += UPPER_DIGITS[cents] + "分" if cents else "整"
    return prefix + out


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def cn_date(d: date, pad: bool = False) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日" if pad else f"{d.year}年{d.month}月{d.day}日"


def _cn_small_number(n: int) -> str:
    if n <= 10:
        return CJK_NUMBERS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CJK_NUMBERS[tens]) + "十" + (CJK_NUMBERS[ones] if ones else "")


def cn_upper_date(d: date) -> str:
    """二〇一二年三月十五日, as on licences and audit report covers."""
    year = "".join(DATE_DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{_cn_small_number(d.month)}月{_cn_small_number(d.day)}日"


CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I O S V Z
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 (GB 32100-2015)."""
    total = sum(CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CODE_CHARS[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The 9th character of a 组织机构代码 (GB 11714-1997)."""
    total = sum(int(c, 36) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def make_credit_code(rng: random.Random, division: str, modern: bool) -> str:
    """A valid 18-character credit code: 9 (工商) 1 (企业), division, org code, check."""
    if modern:  # codes given since 2015 start with MA
        org8 = "MA4" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(5))
    else:
        org8 = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = "91" + division + org8 + org_code_check_char(org8)
    return first17 + credit_check_char(first17)


def make_registration_number(rng: random.Random, authority: str) -> str:
    """A 15-digit pre-2015 注册号 with its ISO 7064 MOD 11,10 check digit."""
    first14 = authority + "0000" + "".join(rng.choice("0123456789") for _ in range(4))
    product = 10
    for ch in first14:
        s = (product + int(ch)) % 10 or 10
        product = s * 2 % 11
    return first14 + str((11 - product) % 10)


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def split_amount(total: int, weights: list[float]) -> list[int]:
    """Split an integer total by weights, exactly (largest remainder)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    parts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def char_width(ch: str) -> float:
    """Advance width in em: CJK and full-width forms 1, the rest about half."""
    return 1.0 if ord(ch) >= 0x2E80 or ch in "“”‘’—…·" else 0.6


def text_width(text: str, size_pt: float) -> float:
    """Estimated width in mm (the same estimate for every backend, so layouts agree)."""
    return sum(char_width(c) for c in text) * size_pt * PT_MM


NO_LINE_START = "，。、；：？！）》」』”’％%"


def wrap(text: str, width_mm: float, size_pt: float, indent_chars: float = 0) -> list[str]:
    """Break text into lines no wider than width_mm; punctuation never starts a line."""
    lines: list[str] = []
    for block in text.split("\n"):
        line, used = "", indent_chars * size_pt * PT_MM
        for ch in block:
            w = char_width(ch) * size_pt * PT_MM
            if line and used + w > width_mm and ch not in NO_LINE_START:
                lines.append(line)
                line, used = "", 0.0
            line += ch
            used += w
        lines.append(line)
        indent_chars = 0
    return lines


# ======================================================================================
# Sheets: a page as drawing operations in millimetres (origin top-left, y = baseline)
# ======================================================================================


@dataclass
class TextOp:
    x: float
    y: float
    text: str
    size: float
    align: Literal["left", "centre", "right"] = "left"
    role: str = "song"
    colour: Colour = BLACK
    bold: bool = False


@dataclass
class LineOp:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.25
    colour: Colour = BLACK


@dataclass
class BoxOp:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.25
    colour: Colour = BLACK
    fill: Colour | None = None


@dataclass
class CircleXOp:
    """The ⊗ printed before an invoice's 大写 total (missing from the PDF CID font)."""

    cx: float
    cy: float
    r: float
    colour: Colour = BLACK


@dataclass
class SealOp:
    """A red seal: an ellipse with text round the top, or a rectangle of lines."""

    cx: float
    cy: float
    w: float
    h: float
    ring: str = ""
    middle: str = ""
    bottom: str = ""
    star: bool = True
    shape: Literal["ellipse", "rect"] = "ellipse"
    lines: tuple[str, ...] = ()
    seed: int = 0
    colour: Colour = SEAL_RED


@dataclass
class QrOp:
    x: float
    y: float
    size: float
    seed: int
    text: str | None = None  # a real QR code of this text; None: a pseudo code


@dataclass
class EmblemOp:
    cx: float
    cy: float
    r: float


Op = TextOp | LineOp | BoxOp | CircleXOp | SealOp | QrOp | EmblemOp
X_FIELDS = ("x", "x0", "x1", "cx")
Y_FIELDS = ("y", "y0", "y1", "cy")


@dataclass
class Sheet:
    width: float
    height: float
    ops: list[Op] = field(default_factory=list)

    def text(self, x: float, y: float, text: str, size: float = 10.5, **kw: Any) -> None:
        self.ops.append(TextOp(x, y, text, size, **kw))

    def line(self, x0: float, y0: float, x1: float, y1: float, **kw: Any) -> None:
        self.ops.append(LineOp(x0, y0, x1, y1, **kw))

    def box(self, x0: float, y0: float, x1: float, y1: float, **kw: Any) -> None:
        self.ops.append(BoxOp(x0, y0, x1, y1, **kw))

    def seal(self, cx: float, cy: float, w: float, h: float | None = None, **kw: Any) -> None:
        self.ops.append(SealOp(cx, cy, w, w if h is None else h, **kw))

    def vtext(
        self, x: float, y_top: float, y_bottom: float, text: str, size: float, **kw: Any
    ) -> None:
        """Characters stacked vertically, centred on x, spread between y_top and y_bottom."""
        step = (y_bottom - y_top) / len(text)
        for i, ch in enumerate(text):
            self.text(
                x, y_top + step * (i + 0.5) + size * PT_MM * 0.35, ch, size, align="centre", **kw
            )

    def para(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        size: float = 10.5,
        leading: float = 1.6,
        indent: float = 0,
        **kw: Any,
    ) -> float:
        """Wrapped text from baseline y; returns the baseline of the last line."""
        step = size * PT_MM * leading
        for i, line in enumerate(wrap(text, width, size, indent)):
            offset = indent * size * PT_MM if i == 0 else 0
            self.text(x + offset, y + i * step, line, size, **kw)
        return y + (len(wrap(text, width, size, indent)) - 1) * step

    def table(
        self,
        x: float,
        y: float,
        widths: list[float],
        rows: list[list[str | None]],
        row_h: float | list[float],
        size: float = 9,
        aligns: str | None = None,
        role: str = "song",
        colour: Colour = BLACK,
        text_colour: Colour = BLACK,
        lw: float = 0.25,
        outer: float | None = None,
    ) -> float:
        """A ruled table. `None` continues the cell on its left (a horizontal merge).

        aligns: one letter per column (l, c, r); returns the y of the bottom rule.
        """
        heights = row_h if isinstance(row_h, list) else [row_h] * len(rows)
        aligns = aligns or "l" * len(widths)
        edges = [x]
        for w in widths:
            edges.append(edges[-1] + w)
        top = y
        for row, h in zip(rows, heights, strict=True):
            self.line(x, y, edges[-1], y, width=lw, colour=colour)
            col = 0
            while col < len(widths):
                span = 1
                while col + span < len(widths) and row[col + span] is None:
                    span += 1
                value = row[col] or ""
                x0, x1 = edges[col], edges[col + span]
                self.line(x0, y, x0, y + h, width=lw, colour=colour)
                if value:
                    self._cell_text(x0, x1, y, h, value, size, aligns[col], role, text_colour)
                col += span
            self.line(edges[-1], y, edges[-1], y + h, width=lw, colour=colour)
            y += h
        self.line(x, y, edges[-1], y, width=lw, colour=colour)
        if outer:
            self.box(x, top, edges[-1], y, width=outer, colour=colour)
        return y

    def _cell_text(
        self,
        x0: float,
        x1: float,
        y: float,
        h: float,
        value: str,
        size: float,
        align: str,
        role: str,
        colour: Colour,
    ) -> None:
        lines = wrap(value, x1 - x0 - 2.4, size)
        step = size * PT_MM * 1.25
        base = y + h / 2 - (len(lines) - 1) * step / 2 + size * PT_MM * 0.35
        for i, line in enumerate(lines):
            if align == "r":
                self.text(
                    x1 - 1.2, base + i * step, line, size, align="right", role=role, colour=colour
                )
            elif align == "c":
                self.text(
                    (x0 + x1) / 2,
                    base + i * step,
                    line,
                    size,
                    align="centre",
                    role=role,
                    colour=colour,
                )
            else:
                self.text(x0 + 1.2, base + i * step, line, size, role=role, colour=colour)

    def place(self, other: Sheet, dx: float, dy: float) -> None:
        """Copy another sheet's drawing onto this one, shifted."""
        for op in other.ops:
            changes = {f.name: getattr(op, f.name) + dx for f in fields(op) if f.name in X_FIELDS}
            changes |= {f.name: getattr(op, f.name) + dy for f in fields(op) if f.name in Y_FIELDS}
            self.ops.append(replace(op, **changes))

    @property
    def in_colour(self) -> bool:
        """Whether a scan of this sheet needs colour (seals, emblem, coloured print)."""
        for op in self.ops:
            if isinstance(op, SealOp | EmblemOp):
                return True
            colour = getattr(op, "colour", BLACK)
            if max(colour) - min(colour) > 40:
                return True
        return False


class Flow:
    """Lays text out top to bottom over as many sheets as it needs."""

    def __init__(self, width: float = 210, height: float = 297, margin: float = 25) -> None:
        self.width, self.height, self.margin = width, height, margin
        self.sheets: list[Sheet] = []
        self.new_page()

    @property
    def sheet(self) -> Sheet:
        return self.sheets[-1]

    @property
    def text_width(self) -> float:
        return self.width - 2 * self.margin

    def new_page(self) -> None:
        self.sheets.append(Sheet(self.width, self.height))
        self.y = self.margin

    def ensure(self, height: float) -> None:
        if self.y + height > self.height - self.margin:
            self.new_page()

    def gap(self, mm: float) -> None:
        self.y += mm

    def line(self, text: str, size: float = 10.5, align: str = "left", **kw: Any) -> None:
        step = size * PT_MM * 1.8
        self.ensure(step)
        self.y += step
        x = {"left": self.margin, "centre": self.width / 2, "right": self.width - self.margin}
        self.sheet.text(x[align], self.y, text, size, align=align, **kw)

    def para(
        self, text: str, size: float = 10.5, indent: float = 2, leading: float = 1.8, **kw: Any
    ) -> None:
        step = size * PT_MM * leading
        for i, line in enumerate(wrap(text, self.text_width, size, indent)):
            self.ensure(step)
            self.y += step
            offset = indent * size * PT_MM if i == 0 else 0
            self.sheet.text(self.margin + offset, self.y, line, size, **kw)

    def block(self, height: float, draw: Callable[[Sheet, float], None]) -> None:
        """Reserve height on one page and let draw() fill it from the current y."""
        self.ensure(height)
        draw(self.sheet, self.y)
        self.y += height

    def number_pages(self, template: str = "第 {n} 页 共 {total} 页") -> None:
        for n, sheet in enumerate(self.sheets, start=1):
            label = template.format(n=n, total=len(self.sheets))
            sheet.text(self.width / 2, self.height - 12, label, 9, align="centre")


# ======================================================================================
# Backends: sheets to PDF (text layer), sheets to pixels (scans)
# ======================================================================================


@lru_cache(maxsize=256)
def pil_font(name: str, size_px: int) -> ImageFont.FreeTypeFont:
    path, index = FONT_FILES[name]
    return ImageFont.truetype(str(FONT_DIR / path), max(size_px, 4), index=index)


def _star_points(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def seal_layer(op: SealOp, dpi: int, font: str = "zenhei") -> Image.Image:
    """The seal alone as an RGBA image (its own bounding box), with uneven inking."""
    px = dpi / 25.4
    w, h = round(op.w * px), round(op.h * px)
    mask = Image.new("L", (w + 4, h + 4), 0)
    draw = ImageDraw.Draw(mask)
    stroke = max(2, round(min(op.w, op.h) * px * 0.035))
    cx, cy = (w + 4) / 2, (h + 4) / 2
    a, b = w / 2, h / 2
    if op.shape == "rect":
        draw.rectangle((2, 2, w + 1, h + 1), outline=255, width=stroke)
        size = round(min(h / (len(op.lines) + 0.8), 0.85 * w / max(len(s) for s in op.lines)))
        for i, text in enumerate(op.lines):
            y = cy + (i - (len(op.lines) - 1) / 2) * size * 1.15
            draw.text((cx, y), text, fill=255, font=pil_font(font, size), anchor="mm")
    else:
        draw.ellipse((2, 2, w + 1, h + 1), outline=255, width=stroke)
        if op.ring:
            # largest glyph that still fits along the arc at the radius where glyphs sit
            inset = stroke * 1.6
            span = min(250.0, 17.0 * len(op.ring) + 40)
            k = 0.9 * math.radians(span) / len(op.ring)
            size = round(min(k * ((a + b) / 2 - inset) / (1 + 0.6 * k), min(a, b) * 0.28))
            radial = inset + size * 0.6
            for i, ch in enumerate(op.ring):
                theta = math.radians(-90 - span / 2 + (i + 0.5) * span / len(op.ring))
                x = cx + (a - radial) * math.cos(theta)
                y = cy + (b - radial) * math.sin(theta)
                glyph = Image.new("L", (size * 2, size * 2), 0)
                ImageDraw.Draw(glyph).text(
                    (size, size), ch, fill=255, font=pil_font(font, size), anchor="mm"
                )
                glyph = glyph.rotate(-(math.degrees(theta) + 90), resample=Image.BICUBIC)
                mask.paste(255, (round(x - size), round(y - size)), glyph)
        if op.star:
            draw.polygon(_star_points(cx, cy - b * 0.02, min(a, b) * 0.3), fill=255)
        if op.middle:
            size = round(min(w * 0.62 / max(len(op.middle), 1) / 0.6, h * 0.12))
            draw.text((cx, cy), op.middle, fill=255, font=pil_font(font, size), anchor="mm")
        if op.bottom:
            size = round(min(w * 0.55 / len(op.bottom), h * 0.15))
            draw.text(
                (cx, cy + b * 0.55), op.bottom, fill=255, font=pil_font(font, size), anchor="mm"
            )
    rng = np.random.default_rng(op.seed)
    texture = rng.uniform(0.45, 1.0, size=(mask.height // 6 + 1, mask.width // 6 + 1))
    texture_img = Image.fromarray((texture * 255).astype(np.uint8)).resize(
        mask.size, Image.BILINEAR
    )
    alpha = np.asarray(mask, np.float32) / 255 * np.asarray(texture_img, np.float32) / 255 * 0.92
    rgba = np.zeros((mask.height, mask.width, 4), np.uint8)
    rgba[..., :3] = op.colour
    rgba[..., 3] = (alpha * 255).astype(np.uint8)
    return Image.fromarray(rgba, "RGBA")


def _draw_qr(draw_rect: Callable[[float, float, float, float], None], op: QrOp) -> None:
    """A real QR code of op.text (segno, two modules of quiet zone inside `size`), else a
    pseudo one: three finder patterns and seeded modules."""
    if op.text is not None:
        import segno

        matrix = segno.make(op.text, error="l", micro=False).matrix
        cell = op.size / (len(matrix) + 4)
        for r, row in enumerate(matrix):
            for c, dark in enumerate(row):
                if dark:
                    draw_rect(op.x + (c + 2) * cell, op.y + (r + 2) * cell, cell, cell)
        return
    n = 25
    cell = op.size / n
    rng = random.Random(op.seed)
    finder = {(r, c) for r in range(7) for c in range(7)}

    def in_finder(r: int, c: int) -> bool | None:
        for fr, fc in ((0, 0), (0, n - 7), (n - 7, 0)):
            if (r - fr, c - fc) in finder:
                rr, cc = r - fr, c - fc
                ring = max(abs(rr - 3), abs(cc - 3))
                return ring != 2
        return None

    for r in range(n):
        for c in range(n):
            dark = in_finder(r, c)
            if dark is None:
                dark = rng.random() < 0.5
            if dark:
                draw_rect(op.x + c * cell, op.y + r * cell, cell, cell)


def rasterise(sheet: Sheet, dpi: int, look: dict[str, str]) -> Image.Image:
    """Draw a sheet into an RGB image at dpi with the look's fonts; seals are multiplied on."""
    px = dpi / 25.4
    img = Image.new("RGB", (round(sheet.width * px), round(sheet.height * px)), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    anchors = {"left": "ls", "centre": "ms", "right": "rs"}
    seals: list[SealOp] = []
    for op in sheet.ops:
        if isinstance(op, TextOp):
            size = round(op.size / 72 * dpi)
            font = pil_font(look.get(op.role, look["song"]), size)
            stroke = max(1, size // 28) if op.bold else 0
            draw.text(
                (op.x * px, op.y * px),
                op.text,
                fill=op.colour,
                font=font,
                anchor=anchors[op.align],
                stroke_width=stroke,
                stroke_fill=op.colour,
            )
        elif isinstance(op, LineOp):
            width = max(1, round(op.width * px))
            draw.line((op.x0 * px, op.y0 * px, op.x1 * px, op.y1 * px), fill=op.colour, width=width)
        elif isinstance(op, BoxOp):
            width = max(1, round(op.width * px))
            box = (op.x0 * px, op.y0 * px, op.x1 * px, op.y1 * px)
            draw.rectangle(box, outline=op.colour, fill=op.fill, width=width)
        elif isinstance(op, CircleXOp):
            r, d, thin = op.r * px, op.r * px * 0.7, max(1, round(px * 0.2))
            cx, cy = op.cx * px, op.cy * px
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=op.colour, width=thin)
            draw.line((cx - d, cy - d, cx + d, cy + d), fill=op.colour, width=thin)
            draw.line((cx - d, cy + d, cx + d, cy - d), fill=op.colour, width=thin)
        elif isinstance(op, QrOp):
            _draw_qr(
                lambda x, y, w, h: draw.rectangle(
                    (x * px, y * px, (x + w) * px - 1, (y + h) * px - 1), fill=BLACK
                ),
                op,
            )
        elif isinstance(op, EmblemOp):
            _draw_emblem(draw, op, px)
        elif isinstance(op, SealOp):
            seals.append(op)
    for op in seals:
        layer = seal_layer(op, dpi, look.get("hei", "zenhei"))
        x0 = round(op.cx * px - layer.width / 2)
        y0 = round(op.cy * px - layer.height / 2)
        _multiply(img, layer, x0, y0)
    return img


def _draw_emblem(draw: ImageDraw.ImageDraw, op: EmblemOp, px: float) -> None:
    """The national emblem area, as a simple drawn shape: red disc, gold ring and stars."""
    cx, cy, r = op.cx * px, op.cy * px, op.r * px
    gold = (214, 170, 60)
    draw.ellipse(
        (cx - r, cy - r, cx + r, cy + r), fill=(196, 36, 36), outline=gold, width=round(r * 0.1)
    )
    draw.polygon(_star_points(cx, cy - r * 0.35, r * 0.28), fill=gold)
    for angle in (-150, -120, -60, -30):
        sx = cx + r * 0.58 * math.cos(math.radians(angle))
        sy = cy - r * 0.1 + r * 0.4 * math.sin(math.radians(angle))
        draw.polygon(_star_points(sx, sy, r * 0.1), fill=gold)
    draw.rectangle((cx - r * 0.55, cy + r * 0.2, cx + r * 0.55, cy + r * 0.5), fill=gold)
    draw.rectangle((cx - r * 0.35, cy + r * 0.05, cx + r * 0.35, cy + r * 0.2), fill=gold)


def _multiply(img: Image.Image, layer: Image.Image, x0: int, y0: int) -> None:
    """Multiply-blend an RGBA layer onto img in place (ink under a seal stays dark)."""
    box = (x0, y0, x0 + layer.width, y0 + layer.height)
    base = np.asarray(img.crop(box), np.float32)
    rgba = np.asarray(layer, np.float32) / 255
    alpha = rgba[..., 3:4]
    blended = base * (1 - alpha + alpha * rgba[..., :3])
    img.paste(Image.fromarray(blended.clip(0, 255).astype(np.uint8)), box[:2])


@dataclass(frozen=True)
class ScanStyle:
    """How one scanned page is degraded."""

    dpi: int = 150
    skew: float = 1.0  # degrees, counter-clockwise
    blur: float = 0.6
    noise: float = 3.0
    quality: int = 75
    rotate: int = 0  # 0, 90, 180: the page went through the scanner turned
    photo: bool = False  # a phone photo on a desk rather than a flatbed scan


def degrade(img: Image.Image, colour: bool, style: ScanStyle, seed: int) -> Image.Image:
    """Make a clean rendering look scanned: paper tone, uneven light, skew, blur, noise."""
    rng = np.random.default_rng(seed)
    arr = np.asarray(img, np.float32)
    h, w = arr.shape[:2]
    ys = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    xs = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    gx, gy = rng.uniform(-0.05, 0.05, 2)
    shade = 1 - np.abs(gx) * 0.5 + gx * xs + gy * (ys - 0.5) - 0.03 * (xs - 0.5) ** 2
    paper = np.array([rng.uniform(0.95, 0.99), rng.uniform(0.94, 0.98), rng.uniform(0.90, 0.96)])
    ink = rng.uniform(0.82, 0.95)  # toner never quite black
    arr = 255 - (255 - arr) * ink
    arr = arr * paper[None, None, :] * shade[..., None]
    if not colour:
        arr = arr.mean(axis=2, keepdims=True).repeat(3, axis=2)
    fill = tuple(int(v) for v in (paper * 250 * (1 - np.abs(gx) * 0.5)))
    page = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    if style.photo:
        page = _photo_on_desk(page, rng, style)
    else:
        page = page.rotate(style.skew, resample=Image.BICUBIC, fillcolor=fill)
    page = page.filter(ImageFilter.GaussianBlur(style.blur))
    arr = np.asarray(page, np.float32)
    grain = rng.normal(0, style.noise, (*arr.shape[:2], 1))
    arr = arr + grain.astype(np.float32)
    specks = rng.integers(0, arr.shape[0] * arr.shape[1], 60)
    arr.reshape(-1, 3)[specks] *= rng.uniform(0.3, 0.7, (60, 1)).astype(np.float32)
    page = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    if style.rotate == 180:
        page = page.transpose(Image.Transpose.ROTATE_180)
    elif style.rotate == 90:
        page = page.transpose(Image.Transpose.ROTATE_90)
    return page if colour else page.convert("L")


def _photo_on_desk(page: Image.Image, rng: np.random.Generator, style: ScanStyle) -> Image.Image:
    """A phone photo: the sheet smaller, turned, on a darker desk, with vignetting."""
    w, h = page.size
    desk = np.empty((h, w, 3), np.float32)
    desk[:] = rng.uniform(95, 120), rng.uniform(85, 105), rng.uniform(70, 90)
    desk_img = Image.fromarray(desk.astype(np.uint8))
    small = page.resize((round(w * 0.9), round(h * 0.9)), Image.LANCZOS)
    turned = small.rotate(style.skew, resample=Image.BICUBIC, expand=True, fillcolor=(0, 0, 0))
    mask = Image.new("L", small.size, 255).rotate(style.skew, resample=Image.BICUBIC, expand=True)
    desk_img.paste(turned, ((w - turned.width) // 2, (h - turned.height) // 2), mask)
    arr = np.asarray(desk_img, np.float32)
    ys = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    xs = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    vignette = 1 - 0.18 * (xs**2 + ys**2)
    warm = np.array([1.0, 0.97, 0.9], np.float32)
    return Image.fromarray((arr * vignette[..., None] * warm).clip(0, 255).astype(np.uint8))


def jpeg_bytes(img: Image.Image, style: ScanStyle) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=style.quality, dpi=(style.dpi, style.dpi))
    return buf.getvalue()


def new_canvas(buf: io.BytesIO) -> Canvas:
    canvas = Canvas(buf, invariant=1, pageCompression=1)
    canvas.setCreator("")
    canvas.setProducer("")
    return canvas


def pdf_from_sheets(sheets: list[Sheet]) -> bytes:
    """A text PDF: every TextOp becomes extractable text in STSong-Light."""
    buf = io.BytesIO()
    canvas = new_canvas(buf)
    for sheet in sheets:
        canvas.setPageSize((sheet.width * MM, sheet.height * MM))
        for op in sheet.ops:
            _pdf_op(canvas, sheet.height, op)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _pdf_op(canvas: Canvas, page_h: float, op: Op) -> None:
    def y(v: float) -> float:
        return (page_h - v) * MM

    if isinstance(op, TextOp):
        canvas.setFont(PDF_FONT, op.size)
        canvas.setFillColorRGB(*(c / 255 for c in op.colour))
        canvas.setStrokeColorRGB(*(c / 255 for c in op.colour))
        canvas.setLineWidth(op.size / 40)
        mode = 2 if op.bold else 0
        if op.align == "centre":
            width = pdfmetrics.stringWidth(op.text, PDF_FONT, op.size)
            canvas.drawString(op.x * MM - width / 2, y(op.y), op.text, mode=mode)
        elif op.align == "right":
            width = pdfmetrics.stringWidth(op.text, PDF_FONT, op.size)
            canvas.drawString(op.x * MM - width, y(op.y), op.text, mode=mode)
        else:
            canvas.drawString(op.x * MM, y(op.y), op.text, mode=mode)
    elif isinstance(op, LineOp):
        canvas.setStrokeColorRGB(*(c / 255 for c in op.colour))
        canvas.setLineWidth(op.width * MM)
        canvas.line(op.x0 * MM, y(op.y0), op.x1 * MM, y(op.y1))
    elif isinstance(op, BoxOp):
        canvas.setStrokeColorRGB(*(c / 255 for c in op.colour))
        canvas.setLineWidth(op.width * MM)
        if op.fill:
            canvas.setFillColorRGB(*(c / 255 for c in op.fill))
        canvas.rect(
            op.x0 * MM,
            y(op.y1),
            (op.x1 - op.x0) * MM,
            (op.y1 - op.y0) * MM,
            stroke=1,
            fill=1 if op.fill else 0,
        )
    elif isinstance(op, CircleXOp):
        canvas.setStrokeColorRGB(*(c / 255 for c in op.colour))
        canvas.setLineWidth(0.2 * MM)
        canvas.circle(op.cx * MM, y(op.cy), op.r * MM)
        d = op.r * 0.7
        canvas.line((op.cx - d) * MM, y(op.cy - d), (op.cx + d) * MM, y(op.cy + d))
        canvas.line((op.cx - d) * MM, y(op.cy + d), (op.cx + d) * MM, y(op.cy - d))
    elif isinstance(op, QrOp):
        canvas.setFillColorRGB(0, 0, 0)
        _draw_qr(lambda qx, qy, w, h: canvas.rect(qx * MM, y(qy + h), w * MM, h * MM, 0, 1), op)
    elif isinstance(op, SealOp):
        layer = seal_layer(op, 200)
        w_mm, h_mm = layer.width / 200 * 25.4, layer.height / 200 * 25.4
        canvas.drawImage(
            ImageReader(layer),
            (op.cx - w_mm / 2) * MM,
            y(op.cy + h_mm / 2),
            w_mm * MM,
            h_mm * MM,
            mask="auto",
        )
    elif isinstance(op, EmblemOp):
        canvas.setFillColorRGB(0.77, 0.14, 0.14)
        canvas.circle(op.cx * MM, y(op.cy), op.r * MM, stroke=0, fill=1)


def pdf_from_jpegs(pages: list[tuple[bytes, int]]) -> bytes:
    """An image-only PDF: each page is one JPEG (embedded as is) at its dpi."""
    buf = io.BytesIO()
    canvas = new_canvas(buf)
    for data, dpi in pages:
        reader = ImageReader(io.BytesIO(data))
        w_px, h_px = reader.getSize()
        w, h = w_px / dpi * 72, h_px / dpi * 72
        canvas.setPageSize((w, h))
        canvas.drawImage(reader, 0, 0, w, h)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip (a .docx) with fixed member timestamps, so output is reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


# ======================================================================================
# Facts: companies, parties, accounts, taxes
# ======================================================================================


@dataclass(frozen=True)
class Party:
    """Someone named on invoices and contracts."""

    name: str
    credit_code: str
    address: str
    phone: str
    bank: str
    account: str
    province: str  # the tax bureau that supervises its invoices (发票 title)
    invoice_region: str  # 4 digits inside invoice codes


@dataclass
class Accounts:
    """One year's statements, every amount in fen (0.01 元)."""

    year: int
    cash: int
    receivables: int
    prepayments: int
    other_receivables: int
    inventory: int
    fixed_assets: int
    construction_in_progress: int
    intangibles: int
    long_term_prepaid: int
    deferred_tax_assets: int
    short_loans: int
    payables: int
    advances: int
    payroll: int
    taxes_payable: int
    other_payables: int
    long_loans: int
    deferred_income: int
    paid_in_capital: int
    capital_reserve: int
    surplus_reserve: int
    retained_earnings: int
    revenue: int
    cost_of_sales: int
    taxes_and_surcharges: int
    selling_expenses: int
    admin_expenses: int
    rd_expenses: int
    finance_expenses: int
    impairment_loss: int
    other_income: int
    investment_income: int
    non_operating_income: int
    non_operating_expenses: int
    income_tax: int

    @property
    def current_assets(self) -> int:
        return (
            self.cash
            + self.receivables
            + self.prepayments
            + self.other_receivables
            + self.inventory
        )

    @property
    def non_current_assets(self) -> int:
        return (
            self.fixed_assets
            + self.construction_in_progress
            + self.intangibles
            + self.long_term_prepaid
            + self.deferred_tax_assets
        )

    @property
    def total_assets(self) -> int:
        return self.current_assets + self.non_current_assets

    @property
    def current_liabilities(self) -> int:
        return (
            self.short_loans
            + self.payables
            + self.advances
            + self.payroll
            + self.taxes_payable
            + self.other_payables
        )

    @property
    def non_current_liabilities(self) -> int:
        return self.long_loans + self.deferred_income

    @property
    def total_liabilities(self) -> int:
        return self.current_liabilities + self.non_current_liabilities

    @property
    def total_equity(self) -> int:
        return (
            self.paid_in_capital
            + self.capital_reserve
            + self.surplus_reserve
            + self.retained_earnings
        )

    @property
    def operating_profit(self) -> int:
        return (
            self.revenue
            - self.cost_of_sales
            - self.taxes_and_surcharges
            - self.selling_expenses
            - self.admin_expenses
            - self.rd_expenses
            - self.finance_expenses
            - self.impairment_loss
            + self.other_income
            + self.investment_income
        )

    @property
    def total_profit(self) -> int:
        return self.operating_profit + self.non_operating_income - self.non_operating_expenses

    @property
    def net_profit(self) -> int:
        return self.total_profit - self.income_tax

    def truth(self) -> dict[str, float]:
        return {
            "total_assets": fen_to_yuan(self.total_assets),
            "total_liabilities": fen_to_yuan(self.total_liabilities),
            "total_equity": fen_to_yuan(self.total_equity),
            "revenue": fen_to_yuan(self.revenue),
            "total_profit": fen_to_yuan(self.total_profit),
            "net_profit": fen_to_yuan(self.net_profit),
            "taxes_and_surcharges": fen_to_yuan(self.taxes_and_surcharges),
            "income_tax": fen_to_yuan(self.income_tax),
        }


def make_accounts(
    rng: random.Random,
    year: int,
    revenue: int,
    debt_ratio: float,
    unit: int,
    prev: Accounts | None,
    capital: int,
) -> Accounts:
    """A year's statements that add up. All amounts are multiples of `unit` fen
    (1 for reports in 元, 10000 for reports printed in 万元 with 2 decimals)."""
    r = revenue // unit

    def share(low: float, high: float) -> int:
        return round(r * rng.uniform(low, high))

    income = {
        "revenue": r,
        "cost_of_sales": share(0.68, 0.75),
        "taxes_and_surcharges": share(0.005, 0.009),
        "selling_expenses": share(0.025, 0.04),
        "admin_expenses": share(0.04, 0.055),
        "rd_expenses": share(0.03, 0.042),
        "finance_expenses": share(0.004, 0.01),
        "impairment_loss": share(0.001, 0.003),
        "other_income": share(0.002, 0.005),
        "investment_income": share(0.0, 0.0015),
        "non_operating_income": share(0.0005, 0.0015),
        "non_operating_expenses": share(0.0002, 0.0008),
    }
    operating = (
        r
        - sum(
            income[k]
            for k in (
                "cost_of_sales",
                "taxes_and_surcharges",
                "selling_expenses",
                "admin_expenses",
                "rd_expenses",
                "finance_expenses",
                "impairment_loss",
            )
        )
        + income["other_income"]
        + income["investment_income"]
    )
    total_profit = operating + income["non_operating_income"] - income["non_operating_expenses"]
    income["income_tax"] = round(total_profit * 0.15 * rng.uniform(0.85, 1.0))
    net = total_profit - income["income_tax"]
    if prev is None:
        cap = capital // unit
        equity = {
            "paid_in_capital": cap,
            "capital_reserve": round(cap * rng.uniform(0.05, 0.3)),
            "surplus_reserve": round(cap * rng.uniform(0.05, 0.12)),
            "retained_earnings": round(cap * rng.uniform(0.2, 0.7)),
        }
    else:
        reserve = round(net * 0.1)
        equity = {
            "paid_in_capital": prev.paid_in_capital // unit,
            "capital_reserve": prev.capital_reserve // unit,
            "surplus_reserve": prev.surplus_reserve // unit + reserve,
            "retained_earnings": prev.retained_earnings // unit + net - reserve,
        }
    total_equity = sum(equity.values())
    total_assets = round(total_equity / (1 - debt_ratio))
    liability_keys = [
        "short_loans",
        "payables",
        "advances",
        "payroll",
        "taxes_payable",
        "other_payables",
        "long_loans",
        "deferred_income",
    ]
    liability_weights = [0.24, 0.3, 0.1, 0.05, 0.03, 0.07, 0.16, 0.05]
    asset_keys = [
        "cash",
        "receivables",
        "prepayments",
        "other_receivables",
        "inventory",
        "fixed_assets",
        "construction_in_progress",
        "intangibles",
        "long_term_prepaid",
        "deferred_tax_assets",
    ]
    asset_weights = [0.12, 0.22, 0.04, 0.03, 0.18, 0.28, 0.04, 0.06, 0.015, 0.005]
    jitter = [w * rng.uniform(0.75, 1.25) for w in liability_weights]
    liabilities = dict(
        zip(liability_keys, split_amount(total_assets - total_equity, jitter), strict=True)
    )
    jitter = [w * rng.uniform(0.75, 1.25) for w in asset_weights]
    assets = dict(zip(asset_keys, split_amount(total_assets, jitter), strict=True))
    values = {k: v * unit for k, v in (income | equity | liabilities | assets).items()}
    return Accounts(year=year, **values)


@dataclass
class TaxPayment:
    tax_type: str
    item_name: str
    period_start: date
    period_end: date
    paid_date: date | None
    amount: int  # fen
    voucher: str = ""

    def truth(self) -> dict[str, Any]:
        return {
            "tax_type": self.tax_type,
            "period_start": iso(self.period_start),
            "period_end": iso(self.period_end),
            "paid_date": iso(self.paid_date),
            "amount": fen_to_yuan(self.amount),
        }


QUARTERS = ((1, 3, 31), (4, 6, 30), (7, 9, 30), (10, 12, 31))


def make_tax_payments(
    rng: random.Random, year: int, accounts: Accounts, vat_item: str
) -> list[TaxPayment]:
    """A year's payments: VAT and income tax by quarter, surcharges and stamp duty yearly."""
    payments: list[TaxPayment] = []
    vat_total = round(accounts.revenue * rng.uniform(0.022, 0.032))
    vat_parts = split_amount(vat_total, [rng.uniform(0.8, 1.2) for _ in range(4)])
    cit_parts = split_amount(
        round(accounts.income_tax * rng.uniform(0.92, 1.0)),
        [rng.uniform(0.8, 1.2) for _ in range(4)],
    )
    for (first, last, last_day), vat, cit in zip(QUARTERS, vat_parts, cit_parts, strict=True):
        start, end = date(year, first, 1), date(year, last, last_day)
        paid = date(year + (last == 12), last % 12 + 1, rng.randint(9, 18))
        voucher = "343" + digits(rng, 15)
        payments.append(TaxPayment("增值税", vat_item, start, end, paid, vat, voucher))
        voucher = "343" + digits(rng, 15)
        payments.append(TaxPayment("企业所得税", "应纳税所得额", start, end, paid, cit, voucher))
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    paid = date(year + 1, 1, rng.randint(10, 18))
    for tax_type, item, rate in (
        ("城市维护建设税", "市区（增值税附征）", 0.07),
        ("教育费附加", "增值税教育费附加", 0.03),
        ("地方教育附加", "增值税地方教育附加", 0.02),
    ):
        voucher = "343" + digits(rng, 15)
        amount = round(vat_total * rate)
        payments.append(TaxPayment(tax_type, item, year_start, year_end, paid, amount, voucher))
    stamp = round(accounts.revenue * rng.uniform(0.0002, 0.0003))
    voucher = "343" + digits(rng, 15)
    payments.append(TaxPayment("印花税", "购销合同", year_start, year_end, paid, stamp, voucher))
    return payments


@dataclass
class Company:
    index: int
    name: str
    short_name: str
    city: str
    county: str
    division: str
    address: str  # as the form writes it; the licence adds 湖南省
    credit_code: str
    registration_number: str | None  # only for a pre-2015 licence
    legal_rep: str
    cfo: str
    accountant: str
    company_type: str
    capital: int  # fen
    established: date
    industry: str
    business: str  # what it does, for descriptions
    business_scope: str
    employees: dict[int, int]
    accounts: dict[int, Accounts]
    taxes: dict[int, list[TaxPayment]]
    tax_authority: str
    party: Party

    def tax_total(self, year: int) -> int:
        return sum(p.amount for p in self.taxes[year])


# ======================================================================================
# Documents: one record per paper, each knows its type and its truth
# ======================================================================================


@dataclass(frozen=True)
class AuditFirm:
    name: str
    number_prefix: str
    partners: tuple[str, str]


@dataclass(frozen=True)
class StatementStyle:
    """Wording and layout of a set of statements; auditors differ."""

    side_by_side: bool = False
    bs_columns: tuple[str, str] = ("期末余额", "年初余额")
    is_columns: tuple[str, str] = ("本期金额", "上期金额")
    revenue_label: str = "一、营业收入"
    old_format: bool = False  # 营业税金及附加, 主营业务成本, no 研发费用 / 其他收益 lines
    assets_total: str = "资产总计"
    equity_total: str = "所有者权益合计"
    le_total: str = "负债和所有者权益总计"
    equity_heading: str = "所有者权益："
    total_profit_label: str = "三、利润总额（亏损总额以“－”号填列）"
    net_profit_label: str = "四、净利润（净亏损以“－”号填列）"
    unit_label: str = "单位：元"


@dataclass
class LicenceDoc:
    company: Company
    layout: Literal["portrait", "landscape", "legacy"]
    capital_text: str
    established_text: str
    term_text: str
    authority: str
    issue_date: date
    seed: int
    doc_type: str = "business_licence"

    def truth(self) -> dict[str, Any]:
        c = self.company
        legacy = self.layout == "legacy"
        return {
            "company_name": c.name,
            "credit_code": None if legacy else c.credit_code,
            "registration_number": c.registration_number if legacy else None,
            "company_type": c.company_type,
            "legal_representative": c.legal_rep,
            "registered_capital": fen_to_yuan(c.capital),
            "established": iso(c.established),
            "address": "湖南省" + c.address,
            "business_scope": c.business_scope,
            "issue_date": iso(self.issue_date),
        }


Opinion = Literal["标准无保留意见", "保留意见"]


@dataclass
class AuditReportDoc:
    company: Company
    year: int
    firm: AuditFirm
    report_number: str
    opinion: Opinion
    issue_date: date
    unit: int  # fen per printed unit: 100 (元) or 1_000_000 (万元)
    style: StatementStyle
    seed: int
    doc_type: str = "audit_report"

    @property
    def current(self) -> Accounts:
        return self.company.accounts[self.year]

    @property
    def prior(self) -> Accounts:
        return self.company.accounts[self.year - 1]

    def truth(self) -> dict[str, Any]:
        return {
            "company_name": self.company.name,
            "year": str(self.year),
            "auditor": self.firm.name,
            "opinion": self.opinion,
            **self.current.truth(),
            "prior_year": self.prior.truth(),
        }


@dataclass
class TaxCertificateDoc:
    company: Company
    style: Literal["table", "letter"]
    number: str
    authority: str
    issue_date: date
    clerk: str
    seed: int
    doc_type: str = "tax_certificate"

    @property
    def payments(self) -> list[TaxPayment]:
        """What the paper lists: each payment (table), or one line per tax (letter)."""
        paid = self.company.taxes[2018]
        if self.style == "table":
            return paid
        totals: dict[str, int] = {}
        for p in paid:
            totals[p.tax_type] = totals.get(p.tax_type, 0) + p.amount
        start, end = date(2018, 1, 1), date(2018, 12, 31)
        return [TaxPayment(t, "", start, end, None, a) for t, a in totals.items()]

    @property
    def total(self) -> int:
        return sum(p.amount for p in self.payments)

    def truth(self) -> dict[str, Any]:
        return {
            "taxpayer_name": self.company.name,
            "credit_code": self.company.credit_code,
            "period_start": "2018-01-01",
            "period_end": "2018-12-31",
            "total_amount": fen_to_yuan(self.total),
            "total_in_words": rmb_upper(self.total),
            "items": [p.truth() for p in self.payments],
            "certificate_number": self.number,
            "issue_date": iso(self.issue_date),
        }


@dataclass
class InvoiceLine:
    name: str
    spec: str
    unit: str
    quantity: int
    amount: int  # fen, before tax
    rate: int  # percent
    tax: int  # fen

    def truth(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "amount": fen_to_yuan(self.amount),
            "tax_rate": f"{self.rate}%",
            "tax": fen_to_yuan(self.tax),
        }


InvoiceKind = Literal["e_normal", "digital", "paper_special", "paper_normal"]


@dataclass
class InvoiceDoc:
    kind: InvoiceKind
    code: str | None
    number: str
    issue_date: date
    buyer: Party
    seller: Party
    lines: list[InvoiceLine]
    drawer: str
    seed: int
    remark: str = ""
    doc_type: str = "invoice"
    # The QR payload as issued, when the printed figures were changed after (tampering).
    issued_qr: str | None = None

    @property
    def amount(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def qr_type(self) -> str:
        return {"e_normal": "10", "digital": "32", "paper_special": "01", "paper_normal": "04"}[
            self.kind
        ]

    @property
    def check_code(self) -> str | None:
        """The 20-digit 校验码 of 普通发票 (专票 and 数电票 have none), carried in the QR."""
        if self.kind not in ("e_normal", "paper_normal"):
            return None
        return digits(random.Random(f"{SEED}:check:{self.number}"), 20)

    def qr_payload(self) -> str:
        """The national payload: 01,type,code,number,amount,date,check,crc; the amount is
        the 价税合计 on 数电票, the pre-tax 金额 otherwise."""
        if self.issued_qr is not None:
            return self.issued_qr
        money = self.total if self.kind == "digital" else self.amount
        body = ",".join(
            (
                "01",
                self.qr_type,
                self.code or "",
                self.number,
                fmt_fen(money, commas=False),
                self.issue_date.strftime("%Y%m%d"),
                self.check_code or "",
            )
        )
        return f"{body},{zlib.crc32(body.encode()) & 0xFFFF:04X},"

    def qr_truth(self) -> dict[str, Any]:
        fields = self.qr_payload().split(",")
        digital = fields[1] == "32"
        day = fields[5]
        return {
            "invoice_type": fields[1],
            "invoice_code": fields[2] or None,
            "invoice_number": fields[3],
            "issue_date": f"{day[:4]}-{day[4:6]}-{day[6:]}",
            "amount": float(fields[4]),
            "amount_kind": "total" if digital else "amount",
            "check_code": fields[6] or None,
        }

    @property
    def tax(self) -> int:
        return sum(line.tax for line in self.lines)

    @property
    def total(self) -> int:
        return self.amount + self.tax

    def truth(self) -> dict[str, Any]:
        return {
            "invoice_code": self.code,
            "invoice_number": self.number,
            "issue_date": iso(self.issue_date),
            "buyer_name": self.buyer.name,
            "buyer_credit_code": self.buyer.credit_code,
            "seller_name": self.seller.name,
            "seller_credit_code": self.seller.credit_code,
            "amount": fen_to_yuan(self.amount),
            "tax_amount": fen_to_yuan(self.tax),
            "total": fen_to_yuan(self.total),
            "total_in_words": rmb_upper(self.total, "圆"),
            "items": [line.truth() for line in self.lines],
            "qr": self.qr_truth(),
        }


@dataclass
class ContractDoc:
    number: str
    title: str
    subject: str
    party_a: Party
    party_b: Party
    sign_date: date
    amount: int  # fen, tax included
    category: str  # the declared cost item it pays for
    items: list[tuple[str, str, int]]  # (service, description, fen)
    instalments: list[tuple[int, str]]  # (fen, when)
    reps: tuple[str, str]
    place: str
    extra_clauses: int  # how many OPTIONAL_CLAUSES it carries: longer contracts
    appendix: bool  # a last page 附件一：服务内容及技术要求
    seed: int
    doc_type: str = "contract"

    def truth(self) -> dict[str, Any]:
        return {
            "contract_number": self.number,
            "party_a": self.party_a.name,
            "party_b": self.party_b.name,
            "sign_date": iso(self.sign_date),
            "amount": fen_to_yuan(self.amount),
            "amount_in_words": rmb_upper(self.amount),
            "subject": self.subject,
        }


@dataclass
class HonourDoc:
    company: Company
    honour: str
    issuer: str
    issue_date: date
    seed: int
    doc_type: str = "other"

    def truth(self) -> dict[str, Any]:
        return {"title": "荣誉证书", "honour": self.honour, "issuer": self.issuer}


@dataclass
class TripsDoc:
    """A 滴滴出行 itinerary: looks like a bill, is not an invoice."""

    applied: date
    trips: list[tuple[datetime, str, str, str, float, int]]  # time, city, from, to, km, fen
    phone: str
    seed: int
    doc_type: str = "other"

    def truth(self) -> dict[str, Any]:
        total = sum(t[5] for t in self.trips)
        return {"title": "滴滴出行-行程单", "trips": len(self.trips), "total": fen_to_yuan(total)}


@dataclass
class BankReceiptDoc:
    """A bank's payment receipt for a supplier: looks like a bill, is not an invoice."""

    payer: Party
    payee: Party
    amount: int
    paid: date
    purpose: str
    serial: str
    seed: int
    doc_type: str = "other"

    def truth(self) -> dict[str, Any]:
        return {
            "title": "中国工商银行网上银行电子回单",
            "payer": self.payer.name,
            "payee": self.payee.name,
            "amount": fen_to_yuan(self.amount),
            "date": iso(self.paid),
        }


COST_LABELS = {
    "development": "智能产品、平台和系统开发费",
    "devices": "智能设备（终端）购置费",
    "testing_consulting": "测试验证和项目咨询费",
    "staff": "项目实施人员工资",
    "public_cloud": "公有云基础资源费用",
    "platform_services": "工业互联网平台应用服务费用",
    "network": "网络通信费用",
    "implementation": "实施、设备接入、数字化/网络改造、必要的非云化软件费用",
}
INDUSTRIES = (
    "工程机械",
    "轨道交通",
    "电子信息",
    "新材料",
    "生物医药",
    "食品",
    "汽车",
    "石化",
    "有色",
    "纺织",
    "其他",
)
ELEMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("设备上云", ("生产设备联网上云", "智能产品（终端）接入平台", "设备远程运维与预测性维护")),
    ("业务系统上云", ("研发设计系统上云", "生产管控系统上云", "经营管理系统上云")),
    ("平台应用", ("工业互联网平台应用", "工业APP开发与应用", "产业链供应链协同")),
    ("数据与安全", ("工业大数据分析应用", "网络化协同与服务化延伸", "网络与数据安全防护")),
)


@dataclass
class YearDeclared:
    total_assets: Decimal
    debt_ratio: Decimal
    revenue: Decimal
    tax: Decimal
    profit: Decimal
    employees: int


@dataclass
class Declared:
    """What the application form states (万元), to be drawn into the .docx as it is."""

    company_name: str
    credit_code: str
    established: date
    established_text: str
    industry: list[str]
    city: str
    county: str
    address: str
    years: dict[str, YearDeclared]
    project_name: str
    start: tuple[int, int]
    end: tuple[int, int]
    total_cost: Decimal
    costs: dict[str, Decimal | None]
    elements: list[str]
    description: str

    def truth(self) -> dict[str, Any]:
        def number(v: Decimal | None) -> float | None:
            return None if v is None else float(v)

        return {
            "company_name": self.company_name,
            "credit_code": self.credit_code,
            "established": iso(self.established),
            "industry": self.industry,
            "city": self.city,
            "county": self.county,
            "address": self.address,
            "years": {
                year: {
                    "total_assets": number(y.total_assets),
                    "debt_ratio": number(y.debt_ratio),
                    "revenue": number(y.revenue),
                    "tax": number(y.tax),
                    "profit": number(y.profit),
                    "employees": y.employees,
                }
                for year, y in self.years.items()
            },
            "project": {
                "name": self.project_name,
                "start": f"{self.start[0]}-{self.start[1]:02d}",
                "end": f"{self.end[0]}-{self.end[1]:02d}",
                "total_cost": number(self.total_cost),
                "costs": {k: number(v) for k, v in self.costs.items()},
            },
            "elements": self.elements,
            "description_chars": len(self.description),
        }


CheckboxStyle = Literal["char", "square", "wingdings", "formfield", "formfield_checked", "sdt"]


@dataclass(frozen=True)
class FormStyle:
    industry_boxes: CheckboxStyle = "char"
    element_boxes: CheckboxStyle = "char"
    year_header: str = "{y}年度"
    commas: bool = False
    percent_sign: bool = False
    zero_cost: str = "0"  # how an empty cost item is written; "—" means no value
    author: str = "Administrator"


@dataclass
class FormDoc:
    company: Company
    declared: Declared
    style: FormStyle
    apply_date: date
    seed: int
    doc_type: str = "application_form"

    def truth(self) -> dict[str, Any]:
        return self.declared.truth()


Doc = (
    FormDoc
    | LicenceDoc
    | AuditReportDoc
    | TaxCertificateDoc
    | ContractDoc
    | InvoiceDoc
    | HonourDoc
    | TripsDoc
    | BankReceiptDoc
)


# ======================================================================================
# Renderers: one function per document type
# ======================================================================================


def render_licence(doc: LicenceDoc) -> list[Sheet]:
    """营业执照: current (2016-) layout portrait or landscape, or a pre-2015 企业法人营业执照."""
    c = doc.company
    rng = random.Random(doc.seed)
    border = (176, 104, 52)
    landscape = doc.layout == "landscape"
    sheet = Sheet(297, 210) if landscape else Sheet(210, 297)
    w, h = sheet.width, sheet.height
    sheet.box(8, 8, w - 8, h - 8, width=1.4, colour=border)
    sheet.box(11, 11, w - 11, h - 11, width=0.4, colour=border)
    for x in range(16, int(w) - 14, 9):
        sheet.box(x, 9.2, x + 4, 10.2, width=0.2, colour=border, fill=border)
        sheet.box(x, h - 10.2, x + 4, h - 9.2, width=0.2, colour=border, fill=border)
    cx = w / 2
    seal_ring = doc.authority
    if doc.layout == "legacy":
        sheet.ops.append(EmblemOp(cx, 30, 11))
        sheet.text(cx, 57, "企 业 法 人 营 业 执 照", 26, align="centre", role="hei", bold=True)
        sheet.text(cx, 68, "（副　　本）", 13, align="centre", role="hei")
        sheet.text(22, 82, "（1-1）", 10)
        sheet.text(w - 22, 82, f"注册号  {c.registration_number}", 12, align="right")
        rows = [
            ("名　　称", c.name),
            ("住　　所", "湖南省" + c.address),
            ("法定代表人姓名", c.legal_rep),
            ("注册资本", doc.capital_text),
            ("实收资本", doc.capital_text),
            ("公司类型", c.company_type),
            ("经营范围", c.business_scope),
            ("成立日期", doc.established_text),
            ("营业期限", doc.term_text),
        ]
        y = 100.0
        for label, value in rows:
            sheet.text(24, y, label, 11.5, role="hei")
            y = sheet.para(64, y, 122, value, 11.5, leading=1.5) + 10.5
        sheet.box(22, 228, 96, 272, width=0.3, colour=GREY)
        sheet.text(59, 236, "年度检验情况", 10.5, align="centre", role="hei")
        sheet.text(126, 247, "登记机关", 12, role="hei")
        sheet.seal(158, 248, 40, ring=seal_ring, seed=rng.randrange(1 << 30))
        sheet.text(w - 22, 266, cn_date(doc.issue_date), 12, align="right")
        sheet.text(cx, 283, "中华人民共和国国家工商行政管理总局监制", 8, align="centre")
        return [sheet]

    supervisor = (
        "国家市场监督管理总局监制"
        if doc.issue_date >= date(2018, 4, 10)
        else "国家工商行政管理总局监制"
    )
    copy_label = "（正　　本）" if landscape else "（副　　本）"
    emblem_y, title_y = (27, 54) if landscape else (32, 64)
    sheet.ops.append(EmblemOp(cx, emblem_y, 12))
    sheet.text(cx, title_y, "营 业 执 照", 34, align="centre", role="hei", bold=True)
    sheet.text(cx, title_y + 11, copy_label, 13, align="centre", role="hei")
    code_y = title_y - 6 if landscape else title_y + 26
    sheet.text(22, code_y, "统一社会信用代码", 10.5, role="hei")
    sheet.text(22, code_y + 7.5, c.credit_code, 13, role="hei")
    qr_x, qr_y = (w - 50, 24) if landscape else (w - 52, title_y + 14)
    sheet.ops.append(QrOp(qr_x, qr_y, 26, rng.randrange(1 << 30)))
    sheet.para(
        qr_x - 4,
        qr_y + 31,
        36,
        "扫描二维码登录“国家企业信用信息公示系统”了解更多登记、备案、许可、监管信息。",
        6,
        leading=1.3,
    )
    if not landscape:
        sheet.text(22, code_y - 8, "副本编号：1-1", 9)
    left = [
        ("名　　　　称", c.name),
        ("类　　　　型", c.company_type),
        ("法定代表人", c.legal_rep),
        ("经 营 范 围", c.business_scope),
    ]
    right = [
        ("注 册 资 本", doc.capital_text),
        ("成 立 日 期", doc.established_text),
        ("营 业 期 限", doc.term_text),
        ("住　　　　所", "湖南省" + c.address),
    ]
    if landscape:
        for column, (x_label, x_value, width) in zip(
            (left, right), ((24, 56, 96), (164, 196, 82)), strict=True
        ):
            y = 90.0
            for label, value in column:
                sheet.text(x_label, y, label, 11, role="hei")
                y = sheet.para(x_value, y, width, value, 11, leading=1.45) + 11
        seal_x, seal_y, date_y = 226.0, 168.0, 186.0
    else:
        y = 128.0
        for label, value in left[:3] + right[:3] + [right[3], left[3]]:
            sheet.text(26, y, label, 12, role="hei")
            y = sheet.para(62, y, 124, value, 12, leading=1.45) + 11.5
        seal_x, seal_y, date_y = 150.0, 250.0, 268.0
    sheet.text(seal_x - 38, seal_y - 2, "登记机关", 12, role="hei")
    sheet.seal(seal_x, seal_y, 40, ring=seal_ring, seed=rng.randrange(1 << 30))
    sheet.text(w - 24, date_y, cn_date(doc.issue_date, pad=True), 12, align="right")
    sheet.text(22, h - 21, "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn", 7.5)
    sheet.text(
        22,
        h - 16.5,
        "市场主体应当于每年1月1日至6月30日通过国家企业信用信息公示系统报送公示年度报告。",
        7.5,
    )
    sheet.text(w - 22, h - 16.5, supervisor, 7.5, align="right")
    return [sheet]


def _statement_amount(value: int, unit: int) -> str:
    if value == 0:
        return ""
    if unit == 100:
        return fmt_fen(value)
    return fmt_decimal(Decimal(value) / Decimal(unit), commas=True)


def _balance_rows(doc: AuditReportDoc) -> tuple[list[tuple[str, int | None, int | None]], ...]:
    """(label, current, prior) rows of the assets side and the liabilities-and-equity side."""
    s, cur, pri = doc.style, doc.current, doc.prior
    receivables = "应收账款" if s.old_format else "应收票据及应收账款"
    payables = "应付账款" if s.old_format else "应付票据及应付账款"

    def row(label: str, attr: str) -> tuple[str, int | None, int | None]:
        return (label, getattr(cur, attr), getattr(pri, attr))

    assets = [
        ("流动资产：", None, None),
        row("货币资金", "cash"),
        row(receivables, "receivables"),
        row("预付款项", "prepayments"),
        row("其他应收款", "other_receivables"),
        row("存货", "inventory"),
        row("流动资产合计", "current_assets"),
        ("非流动资产：", None, None),
        row("固定资产", "fixed_assets"),
        row("在建工程", "construction_in_progress"),
        row("无形资产", "intangibles"),
        row("长期待摊费用", "long_term_prepaid"),
        row("递延所得税资产", "deferred_tax_assets"),
        row("非流动资产合计", "non_current_assets"),
        row(s.assets_total, "total_assets"),
    ]
    liabilities = [
        ("流动负债：", None, None),
        row("短期借款", "short_loans"),
        row(payables, "payables"),
        row("预收款项", "advances"),
        row("应付职工薪酬", "payroll"),
        row("应交税费", "taxes_payable"),
        row("其他应付款", "other_payables"),
        row("流动负债合计", "current_liabilities"),
        ("非流动负债：", None, None),
        row("长期借款", "long_loans"),
        row("递延收益", "deferred_income"),
        row("非流动负债合计", "non_current_liabilities"),
        row("负债合计", "total_liabilities"),
        (s.equity_heading, None, None),
        row("实收资本（或股本）", "paid_in_capital"),
        row("资本公积", "capital_reserve"),
        row("盈余公积", "surplus_reserve"),
        row("未分配利润", "retained_earnings"),
        row(s.equity_total, "total_equity"),
        (s.le_total, cur.total_assets, pri.total_assets),
    ]
    return assets, liabilities


def _income_rows(doc: AuditReportDoc) -> list[tuple[str, int | None, int | None]]:
    s, cur, pri = doc.style, doc.current, doc.prior

    def both(fn: Callable[[Accounts], int]) -> tuple[int, int]:
        return fn(cur), fn(pri)

    if s.old_format:  # R&D inside 管理费用, grants in 营业外收入
        rows = [
            (s.revenue_label, *both(lambda a: a.revenue)),
            ("减：主营业务成本", *both(lambda a: a.cost_of_sales)),
            ("营业税金及附加", *both(lambda a: a.taxes_and_surcharges)),
            ("销售费用", *both(lambda a: a.selling_expenses)),
            ("管理费用", *both(lambda a: a.admin_expenses + a.rd_expenses)),
            ("财务费用", *both(lambda a: a.finance_expenses)),
            ("资产减值损失", *both(lambda a: a.impairment_loss)),
            ("加：投资收益（损失以“－”号填列）", *both(lambda a: a.investment_income)),
            (
                "二、营业利润（亏损以“－”号填列）",
                *both(lambda a: a.operating_profit - a.other_income),
            ),
            ("加：营业外收入", *both(lambda a: a.non_operating_income + a.other_income)),
        ]
    else:
        rows = [
            (s.revenue_label, *both(lambda a: a.revenue)),
            ("减：营业成本", *both(lambda a: a.cost_of_sales)),
            ("税金及附加", *both(lambda a: a.taxes_and_surcharges)),
            ("销售费用", *both(lambda a: a.selling_expenses)),
            ("管理费用", *both(lambda a: a.admin_expenses)),
            ("研发费用", *both(lambda a: a.rd_expenses)),
            ("财务费用", *both(lambda a: a.finance_expenses)),
            ("资产减值损失", *both(lambda a: a.impairment_loss)),
            ("加：其他收益", *both(lambda a: a.other_income)),
            ("投资收益（损失以“－”号填列）", *both(lambda a: a.investment_income)),
            ("二、营业利润（亏损以“－”号填列）", *both(lambda a: a.operating_profit)),
            ("加：营业外收入", *both(lambda a: a.non_operating_income)),
        ]
    return rows + [
        ("减：营业外支出", *both(lambda a: a.non_operating_expenses)),
        (s.total_profit_label, *both(lambda a: a.total_profit)),
        ("减：所得税费用", *both(lambda a: a.income_tax)),
        (s.net_profit_label, *both(lambda a: a.net_profit)),
    ]


def render_audit_report(doc: AuditReportDoc) -> list[Sheet]:
    """审计报告: cover, opinion, 资产负债表, 利润表."""
    c = doc.company
    rng = random.Random(doc.seed)
    statements = [_balance_sheet(doc), _income_statement(doc)]
    signed = f"法定代表人：{c.legal_rep}　　主管会计工作负责人：{c.cfo}　　会计机构负责人：{c.accountant}"
    for sheet in statements:
        sheet.text(sheet.width / 2, sheet.height - 14, signed, 9, align="centre")
    return [_audit_cover(doc), *_audit_opinion(doc, rng), *statements]


def _audit_cover(doc: AuditReportDoc) -> Sheet:
    sheet = Sheet(210, 297)
    sheet.text(105, 82, doc.company.name, 20, align="centre", role="hei")
    sheet.text(105, 112, "审　计　报　告", 28, align="centre", role="hei", bold=True)
    sheet.text(105, 128, doc.report_number, 13, align="centre")
    sheet.text(105, 146, f"（{doc.year}年度）", 14, align="centre")
    sheet.text(105, 236, doc.firm.name, 15, align="centre", role="hei")
    sheet.text(105, 247, "中国·长沙", 12, align="centre")
    sheet.text(105, 259, cn_upper_date(doc.issue_date), 13, align="centre")
    return sheet


def _audit_opinion(doc: AuditReportDoc, rng: random.Random) -> list[Sheet]:
    c, y = doc.company, doc.year
    short = f"{c.short_name}公司"
    qualified = doc.opinion == "保留意见"
    flow = Flow(margin=24)
    flow.line("审　计　报　告", 18, align="centre", role="hei", bold=True)
    flow.line(doc.report_number, 10.5, align="right")
    flow.gap(2)
    flow.line(f"{c.name}全体股东：", 10.5)
    flow.line("一、保留意见" if qualified else "一、审计意见", 11, role="hei")
    scope = (
        f"我们审计了{c.name}（以下简称{short}）财务报表，包括{y}年12月31日的资产负债表，{y}年度的"
        "利润表、现金流量表、所有者权益变动表以及相关财务报表附注。"
    )
    flow.para(scope)
    view = f"{short}{y}年12月31日的财务状况以及{y}年度的经营成果和现金流量。"
    if qualified:
        flow.para(
            "我们认为，除“形成保留意见的基础”部分所述事项可能产生的影响外，后附的财务报表在所有重大"
            "方面按照企业会计准则的规定编制，公允反映了" + view
        )
    else:
        flow.para(
            "我们认为，后附的财务报表在所有重大方面按照企业会计准则的规定编制，公允反映了" + view
        )
    flow.line("二、形成保留意见的基础" if qualified else "二、形成审计意见的基础", 11, role="hei")
    if qualified:
        receivable = _statement_amount(round(doc.current.receivables * 0.18), 100)
        flow.para(
            f"如财务报表附注五、2所述，{short}{y}年12月31日应收账款中账龄三年以上的款项余额为"
            f"{receivable}元，{short}未对其计提充分的坏账准备。由于未能取得相关客户的函证回函，"
            "我们无法实施满意的替代程序，以获取充分、适当的审计证据，因此无法确定是否有必要对这些"
            "金额进行调整。"
        )
    flow.para(
        "我们按照中国注册会计师审计准则的规定执行了审计工作。审计报告的“注册会计师对财务报表审计"
        "的责任”部分进一步阐述了我们在这些准则下的责任。按照中国注册会计师职业道德守则，我们独立于"
        f"{short}，并履行了职业道德方面的其他责任。我们相信，我们获取的审计证据是充分、适当的，为"
        + ("发表保留意见提供了基础。" if qualified else "发表审计意见提供了基础。")
    )
    flow.line("三、管理层和治理层对财务报表的责任", 11, role="hei")
    flow.para(
        f"{short}管理层负责按照企业会计准则的规定编制财务报表，使其实现公允反映，并设计、执行和维护"
        "必要的内部控制，以使财务报表不存在由于舞弊或错误导致的重大错报。在编制财务报表时，管理层"
        f"负责评估{short}的持续经营能力，披露与持续经营相关的事项（如适用），并运用持续经营假设。"
    )
    flow.line("四、注册会计师对财务报表审计的责任", 11, role="hei")
    flow.para(
        "我们的目标是对财务报表整体是否不存在由于舞弊或错误导致的重大错报获取合理保证，并出具包含"
        "审计意见的审计报告。合理保证是高水平的保证，但并不能保证按照审计准则执行的审计在某一重大"
        "错报存在时总能发现。错报可能由于舞弊或错误导致，如果合理预期错报单独或汇总起来可能影响"
        "财务报表使用者依据财务报表作出的经济决策，则通常认为错报是重大的。"
    )
    partner, second = doc.firm.partners

    def signatures(sheet: Sheet, top: float) -> None:
        sheet.text(24, top + 10, doc.firm.name, 10.5)
        sheet.text(24, top + 18, "（盖章）", 10.5)
        sheet.text(120, top + 10, f"中国注册会计师：{partner}", 10.5)
        sheet.text(120, top + 18, "（项目合伙人）", 10.5)
        sheet.text(120, top + 30, f"中国注册会计师：{second}", 10.5)
        sheet.text(24, top + 42, "中国·长沙", 10.5)
        sheet.text(186, top + 42, cn_upper_date(doc.issue_date), 10.5, align="right")
        sheet.seal(58, top + 12, 38, ring=doc.firm.name, seed=rng.randrange(1 << 30))
        for name, dy in ((partner, 10), (second, 30)):
            number = "4300" + digits(rng, 8)
            sheet.seal(
                172,
                top + dy - 2,
                26,
                13,
                shape="rect",
                lines=("中国注册会计师", name, number),
                seed=rng.randrange(1 << 30),
            )

    flow.gap(4)
    flow.block(48, signatures)
    return flow.sheets


def _balance_sheet(doc: AuditReportDoc) -> Sheet:
    s = doc.style
    assets, liabilities = _balance_rows(doc)
    unit_label = s.unit_label
    if s.side_by_side:
        sheet = Sheet(297, 210)
        left, width = 14.0, 269.0
        date_x = 148.5
    else:
        sheet = Sheet(210, 297)
        left, width = 18.0, 174.0
        date_x = 105.0
    sheet.text(sheet.width / 2, 22, "资 产 负 债 表", 16, align="centre", role="hei", bold=True)
    sheet.text(left + width, 29, "会企01表", 9, align="right")
    sheet.text(left, 36, f"编制单位：{doc.company.name}", 9)
    sheet.text(date_x, 36, f"{doc.year}年12月31日", 9, align="centre")
    sheet.text(left + width, 36, unit_label, 9, align="right")
    end, begin = s.bs_columns

    def amounts(value: int | None, prior: int | None) -> list[str | None]:
        if value is None or prior is None:
            return ["", ""]
        return [_statement_amount(value, doc.unit), _statement_amount(prior, doc.unit)]

    if s.side_by_side:
        rows: list[list[str | None]] = [["资　　产", end, begin, "负债和所有者权益", end, begin]]
        for i in range(max(len(assets), len(liabilities))):
            a = assets[i] if i < len(assets) else ("", None, None)
            b = liabilities[i] if i < len(liabilities) else ("", None, None)
            rows.append([a[0], *amounts(a[1], a[2]), b[0], *amounts(b[1], b[2])])
        sheet.table(left, 39, [62, 36, 36, 63, 36, 36], rows, 6.1, 8.5, "lrrlrr", outer=0.5)
    else:
        rows = [["项　　目", "行次", end, begin]]
        for number, (label, value, prior) in enumerate(assets + liabilities, start=1):
            rows.append([label, str(number) if value is not None else "", *amounts(value, prior)])
        sheet.table(left, 39, [80, 12, 41, 41], rows, 6.0, 8.5, "lcrr", outer=0.5)
    return sheet


def _income_statement(doc: AuditReportDoc) -> Sheet:
    s = doc.style
    sheet = Sheet(210, 297)
    sheet.text(105, 22, "利　润　表", 16, align="centre", role="hei", bold=True)
    sheet.text(192, 29, "会企02表", 9, align="right")
    sheet.text(18, 36, f"编制单位：{doc.company.name}", 9)
    sheet.text(105, 36, f"{doc.year}年度", 9, align="centre")
    sheet.text(192, 36, s.unit_label, 9, align="right")
    rows: list[list[str | None]] = [["项　　目", "行次", *s.is_columns]]
    for number, (label, value, prior) in enumerate(_income_rows(doc), start=1):
        rows.append(
            [
                label,
                str(number),
                _statement_amount(value or 0, doc.unit),
                _statement_amount(prior or 0, doc.unit),
            ]
        )
    sheet.table(18, 39, [84, 12, 39, 39], rows, 7.6, 9, "lcrr", outer=0.5)
    return sheet


def render_tax_certificate(doc: TaxCertificateDoc) -> list[Sheet]:
    """中华人民共和国税收完税证明 (table) or a 纳税证明 letter."""
    rng = random.Random(doc.seed)
    c = doc.company
    seal = {"ring": doc.authority, "bottom": "征税专用章", "seed": rng.randrange(1 << 30)}
    if doc.style == "letter":
        sheet = Sheet(210, 297)
        sheet.text(105, 48, "纳　税　证　明", 24, align="centre", role="hei", bold=True)
        sheet.text(186, 62, doc.number, 11, align="right")
        sheet.text(24, 80, f"{c.name}：", 12)
        parts = "，".join(f"{p.tax_type}{fmt_fen(p.amount, commas=False)}元" for p in doc.payments)
        body = (
            f"兹证明{c.name}（纳税人识别号：{c.credit_code}）于2018年1月1日至2018年12月31日期间在我局"
            f"共缴纳税款{fmt_fen(doc.total, commas=False)}元（大写：{rmb_upper(doc.total)}），其中：{parts}。"
        )
        y = sheet.para(24, 92, 162, body, 12, leading=2.0, indent=2)
        y = sheet.para(24, y + 9, 162, "特此证明。", 12, indent=2)
        sheet.para(
            24,
            y + 9,
            162,
            "（本证明仅证明纳税人在上述期间的缴纳税款情况，涂改无效。）",
            10.5,
            indent=2,
        )
        sheet.text(180, y + 48, doc.authority, 12, align="right")
        sheet.text(172, y + 60, cn_date(doc.issue_date), 12, align="right")
        sheet.seal(150, y + 50, 42, **seal)
        sheet.text(24, 270, f"经办人：{doc.clerk}　　联系电话：0731-{digits(rng, 8)}", 10)
        return [sheet]

    sheet = Sheet(250, 190)
    sheet.text(125, 16, "中华人民共和国", 14, align="centre", role="hei")
    sheet.text(125, 28, "税　收　完　税　证　明", 20, align="centre", role="hei", bold=True)
    sheet.line(88, 31, 162, 31, width=0.5)
    sheet.line(88, 32.2, 162, 32.2, width=0.3)
    sheet.text(240, 22, f"No. {doc.number}", 11, align="right", colour=(170, 40, 40))
    sheet.text(10, 40, f"填发日期：{cn_date(doc.issue_date, pad=True)}", 10)
    sheet.text(240, 40, f"税务机关：{doc.authority}", 10, align="right")
    widths = [44, 30, 40, 58, 28, 30]
    head: list[list[str | None]] = [
        ["纳税人识别号", c.credit_code, None, "纳税人名称", c.name, None],
        ["原凭证号", "税种", "品目名称", "税款所属时期", "入（退）库日期", "实缴（退）金额"],
    ]
    body = [
        [
            p.voucher,
            p.tax_type,
            p.item_name,
            f"{iso(p.period_start)}至{iso(p.period_end)}",
            iso(p.paid_date),
            fmt_fen(p.amount, commas=False),
        ]
        for p in doc.payments
    ]
    total = [
        [
            "金额合计",
            f"（大写）{rmb_upper(doc.total)}",
            None,
            None,
            None,
            f"¥{fmt_fen(doc.total, commas=False)}",
        ]
    ]
    y = sheet.table(10, 43, widths, head + body + total, 6.6, 8.5, "lcccrr", outer=0.5)
    foot: list[list[str | None]] = [
        ["税务机关\n（盖章）", "", "填票人\n" + doc.clerk, None, "备注", ""]
    ]
    sheet.table(10, y, widths, foot, 24, 9, "cccccc", outer=0.5)
    sheet.seal(72, y + 12, 34, **seal)
    sheet.text(10, y + 31, "妥善保管　手写无效", 9, colour=GREY)
    return [sheet]


# Clauses a contract may carry after 第五条 (ContractDoc.extra_clauses of them), then the closing ones.
OPTIONAL_CLAUSES = [
    (
        "双方权利和义务",
        "（一）甲方应按本合同约定及时支付合同款项，并为乙方实施人员提供必要的工作场地、网络环境和配合人员；（二）甲方应指定项目负责人，负责需求确认、进度协调和验收组织；（三）乙方应按照国家和行业标准提供服务，保证所交付的系统、平台和服务符合本合同及技术方案的要求；（四）乙方应指定具有相应资质和经验的项目经理和技术人员，未经甲方同意不得更换项目经理；（五）乙方应定期向甲方报告项目进展，发现可能影响工期或质量的问题应及时书面告知甲方。",
    ),
    (
        "服务水平",
        "乙方承诺云平台服务可用性不低于99.9%，故障响应时间不超过30分钟，一般故障4小时内恢复，重大故障24小时内恢复。服务可用性未达到约定标准的，乙方应按当月服务费的一定比例向甲方支付服务赔偿。",
    ),
    (
        "保密",
        "双方对在履行本合同过程中知悉的对方商业秘密、技术资料及生产经营数据负有保密义务，未经对方书面同意不得向任何第三方披露。本条款不因合同终止而失效。",
    ),
    (
        "知识产权",
        "乙方保证其提供的软件、平台及服务不侵犯任何第三方的知识产权；甲方在使用过程中产生的业务数据归甲方所有，乙方不得用于本合同以外的任何用途。",
    ),
    (
        "数据安全",
        "乙方应按照国家网络安全等级保护的要求采取必要的技术和管理措施，保障甲方上云数据的完整性、可用性和保密性，并提供数据备份与恢复服务。",
    ),
    (
        "不可抗力",
        "因地震、台风、水灾、火灾、战争、政府行为等不能预见、不能避免并不能克服的不可抗力事件导致不能履行合同的，受影响一方应在事件发生后五日内书面通知对方，并在十五日内提供有关证明，双方可据此部分或全部免除责任。",
    ),
    (
        "合同的变更与解除",
        "本合同的任何变更须经双方协商一致并签订书面补充协议。一方严重违约致使合同目的无法实现的，守约方有权书面通知解除合同，并要求违约方赔偿由此造成的损失。",
    ),
    (
        "通知与送达",
        "双方在本合同首部载明的地址为各自的送达地址。一方变更送达地址的，应在变更后三日内书面通知对方，否则按原地址送达的文件视为已送达。",
    ),
]
REQUIREMENTS = [
    ("设备接入", "支持Modbus、OPC UA、MQTT等主流工业协议，单台边缘网关接入设备不少于32台"),
    ("数据采集", "关键工艺参数采集频率不低于1次/秒，数据完整率不低于99%"),
    ("平台可用性", "平台年可用性不低于99.9%，计划内维护提前3个工作日通知甲方"),
    ("网络安全", "符合网络安全等级保护二级要求，数据传输全程加密，访问实行分级授权"),
    ("数据备份", "每日增量备份、每周全量备份，备份数据保留不少于180天"),
    ("培训", "提供不少于3次现场培训，培训人数不少于30人次，并提供培训教材"),
    ("运维服务", "提供7×24小时技术支持，重大故障2小时内响应并到场处理"),
    ("交付文档", "系统设计说明书、用户手册、运维手册、测试报告及验收报告各一套"),
]
CLOSING_CLAUSES = [
    (
        "违约责任",
        "任何一方违反本合同约定的，应承担违约责任。乙方逾期交付的，每逾期一日按合同总金额的千分之一向甲方支付违约金；甲方逾期付款的，每逾期一日按应付未付金额的千分之一向乙方支付违约金。",
    ),
    (
        "争议解决",
        "因本合同引起的争议，双方应友好协商解决；协商不成的，任何一方均可向甲方所在地人民法院提起诉讼。",
    ),
    (
        "其他",
        "本合同一式肆份，甲乙双方各执贰份，具有同等法律效力。本合同自双方签字盖章之日起生效。",
    ),
]


def render_contract(doc: ContractDoc) -> list[Sheet]:
    """A supply/service contract: 2-4 pages, seals on the signature page."""
    rng = random.Random(doc.seed)
    a, b = doc.party_a, doc.party_b
    flow = Flow(margin=24)
    flow.line(f"合同编号：{doc.number}", 10.5, align="right")
    flow.gap(6)
    flow.line(doc.title, 20, align="centre", role="hei", bold=True)
    flow.gap(6)
    for label, party in (("甲方（需方）", a), ("乙方（供方）", b)):
        flow.line(f"{label}：{party.name}", 11)
        flow.line(f"统一社会信用代码：{party.credit_code}", 11)
        flow.line(f"住所：{party.address}", 11)
        flow.gap(2)
    flow.line(f"签订地点：{doc.place}", 11)
    flow.line(f"签订日期：{cn_date(doc.sign_date, pad=True)}", 11)
    flow.gap(3)
    flow.para(
        f"甲方为推进企业“上云上平台”工作，委托乙方提供{doc.subject}。根据《中华人民共和国合同法》"
        "及相关法律法规的规定，甲乙双方本着平等自愿、诚实信用的原则，经友好协商，就相关事宜达成如下"
        "条款，以资共同遵守。"
    )
    flow.line("第一条　合同标的", 11, role="hei")
    flow.para(f"乙方按本合同约定向甲方提供{doc.subject}，服务内容及价格明细如下：")

    def price_table(sheet: Sheet, top: float) -> None:
        rows: list[list[str | None]] = [["序号", "服务项目", "说明", "金额（元）"]]
        for i, (name, note, fen) in enumerate(doc.items, start=1):
            rows.append([str(i), name, note, fmt_fen(fen)])
        rows.append(["合计", None, None, fmt_fen(doc.amount)])
        sheet.table(24, top + 2, [14, 52, 60, 36], rows, 8, 9.5, "cllr")

    flow.block(8 * (len(doc.items) + 2) + 6, price_table)
    flow.line("第二条　合同金额", 11, role="hei")
    flow.para(
        f"本合同总金额为人民币（大写）{rmb_upper(doc.amount)}（小写：¥{fmt_fen(doc.amount)}），"
        "该金额已包含增值税及乙方为履行本合同所发生的全部费用。"
    )
    flow.line("第三条　付款方式", 11, role="hei")
    for i, (fen, when) in enumerate(doc.instalments, start=1):
        share = round(fen * 100 / doc.amount)
        flow.para(f"（{i}）{when}，甲方向乙方支付合同总金额的{share}%，即人民币{fmt_fen(fen)}元；")
    flow.para("乙方应在甲方每次付款前向甲方开具等额的合法有效的增值税发票，否则甲方有权顺延付款。")
    flow.line("第四条　服务期限与交付", 11, role="hei")
    flow.para(
        f"服务期限自{cn_date(doc.sign_date)}起至项目验收合格之日止。乙方应按双方确认的实施方案完成"
        "部署、调试、数据迁移及人员培训，并提交完整的技术文档。"
    )
    flow.line("第五条　验收", 11, role="hei")
    flow.para(
        "乙方完成全部工作后书面通知甲方验收，甲方应在收到通知后十个工作日内组织验收；验收合格的，"
        "双方签署验收报告。验收不合格的，乙方应在十五日内整改并重新提交验收。"
    )
    clause = 6
    for title, text in OPTIONAL_CLAUSES[: doc.extra_clauses] + CLOSING_CLAUSES:
        flow.line(f"第{_cn_small_number(clause)}条　{title}", 11, role="hei")
        flow.para(text)
        clause += 1
    flow.para("（以下无正文）", indent=0)

    def signatures(sheet: Sheet, top: float) -> None:
        for x, label, party, rep in ((24, "甲方", a, doc.reps[0]), (112, "乙方", b, doc.reps[1])):
            sheet.text(x, top + 10, f"{label}（盖章）：", 10.5)
            sheet.text(x, top + 17, party.name, 10.5 if len(party.name) < 20 else 9.5)
            sheet.text(x, top + 28, f"法定代表人或授权代表：{rep}", 10.5)
            sheet.text(x, top + 38, f"开户银行：{party.bank}", 9)
            sheet.text(x, top + 45, f"账号：{party.account}", 9)
            sheet.text(x, top + 55, f"日期：{cn_date(doc.sign_date, pad=True)}", 10.5)
            sheet.seal(
                x + 38,
                top + 20,
                38,
                ring=party.name,
                bottom="合同专用章",
                seed=rng.randrange(1 << 30),
            )

    flow.gap(6)
    flow.block(62, signatures)
    if doc.appendix:
        flow.new_page()
        flow.line("附件一：服务内容及技术要求", 14, align="centre", role="hei")
        flow.gap(4)
        rows: list[list[str | None]] = [["序号", "项目", "技术要求"]]
        rows += [[str(i), item, need] for i, (item, need) in enumerate(REQUIREMENTS, start=1)]
        flow.block(
            12 * len(rows) + 4,
            lambda sheet, top: sheet.table(24, top, [14, 30, 118], rows, 12, 9.5, "ccl"),
        )
        flow.para("本附件为合同不可分割的组成部分，与合同正文具有同等法律效力。")
    flow.number_pages()
    return flow.sheets


def _invoice_title(doc: InvoiceDoc) -> str:
    return {
        "e_normal": f"{doc.seller.province}增值税电子普通发票",
        "paper_special": f"{doc.seller.province}增值税专用发票",
        "paper_normal": f"{doc.seller.province}增值税普通发票",
        "digital": "电子发票（增值税专用发票）",
    }[doc.kind]


def _supervision_seal(doc: InvoiceDoc, cx: float, cy: float, seed: int) -> SealOp:
    bureau = (
        f"{doc.seller.province}省国家税务局"
        if doc.issue_date < date(2018, 7, 1)
        else "国家税务总局"
    )
    if doc.seller.province in ("北京", "重庆"):
        bureau = bureau.replace("省", "市")
    return SealOp(cx, cy, 30, 19, ring="全国统一发票监制章", middle=bureau, star=False, seed=seed)


def _invoice_price(line: InvoiceLine) -> str:
    price = Decimal(line.amount) / 100 / line.quantity
    return (
        f"{price:.8f}".rstrip("0").rstrip(".") if line.quantity > 1 else fmt_fen(line.amount, False)
    )


def render_invoice(doc: InvoiceDoc) -> list[Sheet]:
    """VAT invoices: 增值税电子普通发票, paper 专用/普通发票 (with misaligned print), 数电票."""
    if doc.kind == "digital":
        return [_digital_invoice(doc)]
    rng = random.Random(doc.seed)
    paper = doc.kind != "e_normal"
    ink = INVOICE_BROWN
    form = Sheet(240, 140)  # the pre-printed form
    data = Sheet(240, 140)  # what the invoicing machine printed (shifted on paper invoices)
    title = _invoice_title(doc)
    form.text(120, 17, title, 17, align="centre", role="hei", colour=ink)
    form.line(82, 20, 158, 20, width=0.3, colour=ink)
    form.line(82, 21, 158, 21, width=0.3, colour=ink)
    form.ops.append(_supervision_seal(doc, 120, 13, rng.randrange(1 << 30)))
    if paper:
        form.text(120, 28, "发　票　联", 11, align="centre", colour=ink)
        form.text(14, 14, doc.code or "", 14, role="hei", colour=ink)
        form.text(178, 14, "No", 13, colour=ink)
        data.text(188, 14, doc.number, 14, role="hei", colour=(170, 30, 30))
        form.text(164, 31, "开票日期：", 9, colour=ink)
        data.text(182, 31, cn_date(doc.issue_date, pad=True), 9)
        form.vtext(236, 40, 120, "第三联：发票联　购买方记账凭证", 7, colour=ink)
        # Printed by the invoicing machine beside the code, so it moves with the print.
        data.ops.append(QrOp(58, 2, 19, 0, doc.qr_payload()))
    else:
        form.ops.append(QrOp(10, 5, 20, rng.randrange(1 << 30), doc.qr_payload()))
        form.text(10, 31, "机器编号：", 8.5, colour=ink)
        data.text(26, 31, "6616" + digits(rng, 8), 8.5)
        for i, (label, value) in enumerate(
            (
                ("发票代码：", doc.code or ""),
                ("发票号码：", doc.number),
                ("开票日期：", cn_date(doc.issue_date, pad=True)),
                ("校 验 码：", " ".join(digits(rng, 5) for _ in range(4))),
            )
        ):
            form.text(160, 10 + i * 6.5, label, 9, colour=ink)
            data.text(177, 10 + i * 6.5, value, 9)
    # frame and the buyer / cipher band
    form.box(8, 34, 232, 124, width=0.45, colour=ink)
    form.line(8, 56, 232, 56, colour=ink)
    form.line(14, 34, 14, 56, colour=ink)
    form.vtext(11, 35, 55, "购买方", 9, colour=ink)
    form.line(140, 34, 140, 56, colour=ink)
    form.line(146, 34, 146, 56, colour=ink)
    form.vtext(143, 35, 55, "密码区", 9, colour=ink)
    labels = ("名　　　　称：", "纳税人识别号：", "地 址、电 话：", "开户行及账号：")
    buyer = (
        doc.buyer.name,
        doc.buyer.credit_code,
        f"{doc.buyer.address} {doc.buyer.phone}",
        f"{doc.buyer.bank} {doc.buyer.account}",
    )
    for i, (label, value) in enumerate(zip(labels, buyer, strict=True)):
        form.text(16, 39.5 + i * 5, label, 8.5, colour=ink)
        data.text(40, 39.5 + i * 5, value, 8.5 if len(value) < 40 else 7)
    cipher = "0123456789+-*/<>"
    for i in range(4):
        data.text(148, 40 + i * 4.6, "".join(rng.choice(cipher) for _ in range(27)), 8, role="song")
    # items
    cols = [8, 66, 88, 100, 116, 145, 178, 190, 232]
    heads = ("货物或应税劳务、服务名称", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额")
    for x0, x1, head in zip(cols, cols[1:], heads, strict=False):
        form.text((x0 + x1) / 2, 60.5, head, 8.2, align="centre", colour=ink)
    for x in cols[1:-1]:
        form.line(x, 56, x, 100, colour=ink)
    form.line(8, 100, 232, 100, colour=ink)
    for i, line in enumerate(doc.lines):
        y = 66.5 + i * 5
        data.text(9.5, y, line.name, 8 if len(line.name) < 17 else 7)
        data.text(77, y, line.spec, 7.5, align="centre")
        data.text(94, y, line.unit, 8, align="centre")
        if line.unit:
            data.text(114, y, str(line.quantity), 8, align="right")
            data.text(143, y, _invoice_price(line), 8, align="right")
        data.text(176, y, fmt_fen(line.amount, False), 8, align="right")
        data.text(184, y, f"{line.rate}%", 8, align="centre")
        data.text(230, y, fmt_fen(line.tax, False), 8, align="right")
    form.text(37, 97.5, "合　　　　计", 8.5, align="centre", colour=ink)
    data.text(176, 97.5, f"¥{fmt_fen(doc.amount, False)}", 8.5, align="right")
    data.text(230, 97.5, f"¥{fmt_fen(doc.tax, False)}", 8.5, align="right")
    form.line(8, 106, 232, 106, colour=ink)
    form.text(10, 104, "价税合计（大写）", 8.5, colour=ink)
    data.ops.append(CircleXOp(52, 102.8, 1.6))
    data.text(55, 104, rmb_upper(doc.total, "圆"), 9)
    form.text(168, 104, "（小写）", 8.5, colour=ink)
    data.text(182, 104, f"¥{fmt_fen(doc.total, False)}", 9)
    # seller band
    form.line(14, 106, 14, 124, colour=ink)
    form.vtext(11, 107, 123, "销售方", 9, colour=ink)
    form.line(140, 106, 140, 124, colour=ink)
    form.line(146, 106, 146, 124, colour=ink)
    form.vtext(143, 107, 123, "备注", 9, colour=ink)
    s = doc.seller
    seller = (s.name, s.credit_code, f"{s.address} {s.phone}", f"{s.bank} {s.account}")
    for i, (label, value) in enumerate(zip(labels, seller, strict=True)):
        form.text(16, 110 + i * 4.3, label, 8, colour=ink)
        data.text(40, 110 + i * 4.3, value, 8 if len(value) < 40 else 6.5)
    if doc.remark:
        data.para(148, 111, 82, doc.remark, 8, leading=1.3)
    form.text(10, 131, "收款人：", 9, colour=ink)
    form.text(60, 131, "复核：", 9, colour=ink)
    form.text(110, 131, "开票人：", 9, colour=ink)
    data.text(124, 131, doc.drawer, 9)
    form.text(170, 131, "销售方：（章）", 9, colour=ink)
    dx, dy = (rng.uniform(-1.8, 1.8), rng.uniform(-1.2, 1.2)) if paper else (0.0, 0.0)
    form.place(data, dx, dy)
    form.seal(
        200,
        118,
        40,
        27,
        ring=s.name,
        middle=s.credit_code,
        bottom="发票专用章",
        star=False,
        seed=rng.randrange(1 << 30),
    )
    return [form]


def _digital_invoice(doc: InvoiceDoc) -> Sheet:
    """数电票: 电子发票（增值税专用发票）, 20-digit number, buyer and seller side by side."""
    rng = random.Random(doc.seed)
    ink = INVOICE_BROWN
    sheet = Sheet(210, 140)
    sheet.ops.append(QrOp(8, 5, 20, rng.randrange(1 << 30), doc.qr_payload()))
    sheet.text(105, 16, _invoice_title(doc), 16, align="centre", role="hei", colour=ink)
    sheet.line(66, 19, 144, 19, width=0.3, colour=ink)
    sheet.line(66, 20, 144, 20, width=0.3, colour=ink)
    sheet.ops.append(_supervision_seal(doc, 105, 12, rng.randrange(1 << 30)))
    sheet.text(150, 14, "发票号码：", 9, colour=ink)
    sheet.text(167, 14, doc.number, 9)
    sheet.text(150, 21, "开票日期：", 9, colour=ink)
    sheet.text(167, 21, cn_date(doc.issue_date, pad=True), 9)
    sheet.box(6, 28, 204, 124, width=0.45, colour=ink)
    sheet.line(6, 50, 204, 50, colour=ink)
    for x0, label, party in ((6, "购买方信息", doc.buyer), (105, "销售方信息", doc.seller)):
        sheet.line(x0 + 6, 28, x0 + 6, 50, colour=ink)
        if x0:
            sheet.line(x0, 28, x0, 50, colour=ink)
        sheet.vtext(x0 + 3, 29, 49, label, 7.5, colour=ink)
        sheet.text(x0 + 8, 36, "名称：", 8.5, colour=ink)
        sheet.text(x0 + 17, 36, party.name, 8.5)
        sheet.text(x0 + 8, 44, "统一社会信用代码/纳税人识别号：", 8, colour=ink)
        sheet.text(x0 + 54, 44, party.credit_code, 8)
    cols = [6, 64, 86, 98, 114, 140, 166, 180, 204]
    heads = ("项目名称", "规格型号", "单位", "数量", "单价", "金额", "税率/征收率", "税额")
    for x0, x1, head in zip(cols, cols[1:], heads, strict=False):
        sheet.text((x0 + x1) / 2, 55, head, 8, align="centre", colour=ink)
    for i, line in enumerate(doc.lines):
        y = 61 + i * 5
        sheet.text(7.5, y, line.name, 7.8)
        sheet.text(75, y, line.spec, 7.5, align="centre")
        sheet.text(92, y, line.unit, 8, align="centre")
        if line.unit:
            sheet.text(112, y, str(line.quantity), 8, align="right")
            sheet.text(138, y, _invoice_price(line), 8, align="right")
        sheet.text(164, y, fmt_fen(line.amount, False), 8, align="right")
        sheet.text(173, y, f"{line.rate}%", 8, align="centre")
        sheet.text(202, y, fmt_fen(line.tax, False), 8, align="right")
    sheet.text(20, 95, "合　　计", 8.5, align="centre", colour=ink)
    sheet.text(164, 95, f"¥{fmt_fen(doc.amount, False)}", 8.5, align="right")
    sheet.text(202, 95, f"¥{fmt_fen(doc.tax, False)}", 8.5, align="right")
    sheet.line(6, 98, 204, 98, colour=ink)
    sheet.text(8, 104, "价税合计（大写）", 8.5, colour=ink)
    sheet.ops.append(CircleXOp(48, 102.8, 1.6))
    sheet.text(51, 104, rmb_upper(doc.total, "圆"), 9)
    sheet.text(140, 104, "（小写）", 8.5, colour=ink)
    sheet.text(154, 104, f"¥{fmt_fen(doc.total, False)}", 9)
    sheet.line(6, 107, 204, 107, colour=ink)
    sheet.line(12, 107, 12, 124, colour=ink)
    sheet.vtext(9, 108, 123, "备注", 8, colour=ink)
    sheet.para(14, 113, 186, doc.remark, 8, leading=1.4)
    sheet.text(8, 131, "开票人：", 9, colour=ink)
    sheet.text(22, 131, doc.drawer, 9)
    return sheet


def render_honour(doc: HonourDoc) -> list[Sheet]:
    """荣誉证书, landscape, red frame."""
    rng = random.Random(doc.seed)
    sheet = Sheet(297, 210)
    sheet.box(10, 10, 287, 200, width=2.2, colour=RED)
    sheet.box(15, 15, 282, 195, width=0.6, colour=(210, 160, 60))
    sheet.text(148.5, 55, "荣　誉　证　书", 40, align="centre", role="hei", colour=RED, bold=True)
    sheet.text(50, 88, f"{doc.company.name}：", 16, role="kai")
    sheet.para(
        50,
        104,
        200,
        f"贵单位在{doc.issue_date.year - 1}年度{doc.honour}。",
        16,
        leading=1.9,
        indent=2,
        role="kai",
    )
    sheet.para(50, 138, 200, "特发此证，以资鼓励。", 16, indent=2, role="kai")
    sheet.text(246, 170, doc.issuer, 14, align="right", role="kai")
    sheet.text(240, 182, cn_upper_date(doc.issue_date), 14, align="right", role="kai")
    sheet.seal(212, 168, 40, ring=doc.issuer, seed=rng.randrange(1 << 30))
    return [sheet]


def render_trips(doc: TripsDoc) -> list[Sheet]:
    """滴滴出行 itinerary (a text PDF that is not an invoice)."""
    sheet = Sheet(210, 297)
    orange = (240, 120, 30)
    sheet.text(20, 24, "滴滴出行", 18, role="hei", colour=orange, bold=True)
    sheet.text(105, 38, "滴滴出行-行程单", 18, align="centre", role="hei")
    sheet.text(105, 45, "DIDI TRAVEL - TRIP TABLE", 9, align="centre", colour=GREY)
    first, last = doc.trips[0][0].date(), doc.trips[-1][0].date()
    total = sum(t[5] for t in doc.trips)
    sheet.text(20, 58, f"申请日期：{iso(doc.applied)}", 9.5)
    sheet.text(20, 64, f"行程起止日期：{iso(first)} 至 {iso(last)}", 9.5)
    sheet.text(20, 70, f"行程人手机号：{doc.phone}", 9.5)
    sheet.text(190, 70, f"共{len(doc.trips)}笔行程，合计{fmt_fen(total)}元", 9.5, align="right")
    rows: list[list[str | None]] = [
        ["序号", "车型", "上车时间", "城市", "起点", "终点", "里程[公里]", "金额[元]"]
    ]
    for i, (when, city, start, end, km, fen) in enumerate(doc.trips, start=1):
        rows.append(
            [
                str(i),
                "快车",
                when.strftime("%m-%d %H:%M 周") + "一二三四五六日"[when.weekday()],
                city,
                start,
                end,
                f"{km:.1f}",
                fmt_fen(fen),
            ]
        )
    sheet.table(
        20, 76, [10, 12, 28, 14, 38, 38, 15, 15], rows, 8, 7.5, "cccclcrr", colour=(200, 200, 200)
    )
    sheet.para(
        20,
        250,
        170,
        "说明：本行程单仅供参考，不作为报销凭证；如需发票，请在滴滴出行App“开发票”中申请电子发票。",
        8,
        colour=GREY,
    )
    return [sheet]


def render_bank_receipt(doc: BankReceiptDoc) -> list[Sheet]:
    """中国工商银行网上银行电子回单, printed on the top third of an A4 sheet."""
    rng = random.Random(doc.seed)
    sheet = Sheet(210, 297)
    sheet.text(105, 22, "中国工商银行网上银行电子回单", 15, align="centre", role="hei", bold=True)
    sheet.text(20, 31, f"电子回单号码：{doc.serial}", 9)
    widths = [14, 22, 56, 14, 22, 56]
    p, q = doc.payer, doc.payee
    rows: list[list[str | None]] = [
        ["付款人", "户名", p.name, "收款人", "户名", q.name],
        [None, "账号", p.account, None, "账号", q.account],
        [None, "开户银行", p.bank, None, "开户银行", q.bank],
        [
            "金额",
            None,
            f"人民币（大写）：{rmb_upper(doc.amount)}",
            None,
            None,
            f"¥{fmt_fen(doc.amount)}元",
        ],
        ["摘要", None, "货款", "业务种类", None, "普通汇兑"],
        ["用途", None, doc.purpose, None, None, None],
        [
            "交易流水号",
            None,
            doc.serial[-12:],
            "时间戳",
            None,
            f"{iso(doc.paid)}-10.{rng.randint(10, 59)}.{rng.randint(10, 59)}.{digits(rng, 6)}",
        ],
    ]
    # label cells that continue downward are written once (the None above keeps them blank)
    y = sheet.table(14, 35, widths, rows, 8, 8.5, "cclcclr", outer=0.4)
    sheet.text(
        14, y + 6, f"记账日期：{iso(doc.paid)}　　回单编号：{digits(rng, 10)}　　打印次数：1", 8.5
    )
    sheet.seal(
        172,
        y - 10,
        30,
        ring="中国工商银行股份有限公司",
        bottom="电子回单专用章",
        seed=rng.randrange(1 << 30),
    )
    return [sheet]


RENDERERS: dict[type, Callable[[Any], list[Sheet]]] = {
    LicenceDoc: render_licence,
    AuditReportDoc: render_audit_report,
    TaxCertificateDoc: render_tax_certificate,
    ContractDoc: render_contract,
    InvoiceDoc: render_invoice,
    HonourDoc: render_honour,
    TripsDoc: render_trips,
    BankReceiptDoc: render_bank_receipt,
}


# ---- the application form (.docx) ---------------------------------------------------


W14 = "http://schemas.microsoft.com/office/word/2010/wordml"


def _set_cell_text(
    cell: _Cell, text: str, bold: bool = False, centre: bool = False, size: float = 10.5
) -> Paragraph:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def _add_checkbox(
    paragraph: Paragraph, checked: bool, style: CheckboxStyle, counter: list[int]
) -> None:
    """One checkbox in one of the four ways Word documents carry them."""
    p = paragraph._p
    counter[0] += 1
    if style in ("char", "square"):
        mark = ("■" if style == "square" else "☑") if checked else "□"
        paragraph.add_run(mark)
    elif style == "wingdings":
        char = "F0FE" if checked else "F0A8"
        p.append(
            parse_xml(f'<w:r {nsdecls("w")}><w:sym w:font="Wingdings" w:char="{char}"/></w:r>')
        )
    elif style in ("formfield", "formfield_checked"):
        if style == "formfield":
            state = f'<w:default w:val="{int(checked)}"/>'
        else:
            state = '<w:default w:val="0"/>' + ("<w:checked/>" if checked else "")
        p.append(
            parse_xml(
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"><w:ffData>'
                f'<w:name w:val="Check{counter[0]}"/><w:enabled/><w:calcOnExit w:val="0"/>'
                f"<w:checkBox><w:sizeAuto/>{state}</w:checkBox></w:ffData></w:fldChar></w:r>"
            )
        )
        p.append(
            parse_xml(
                f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
            )
        )
        p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
    else:  # w14 content control
        glyph = "☒" if checked else "☐"
        p.append(
            parse_xml(
                f'<w:sdt {nsdecls("w")} xmlns:w14="{W14}"><w:sdtPr><w:id w:val="{-1900000 + counter[0]}"/>'
                f'<w14:checkbox><w14:checked w14:val="{int(checked)}"/>'
                '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
                '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox></w:sdtPr>'
                '<w:sdtContent><w:r><w:rPr><w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" '
                f'w:hAnsi="MS Gothic" w:hint="eastAsia"/></w:rPr><w:t>{glyph}</w:t></w:r></w:sdtContent></w:sdt>'
            )
        )


def _add_choices(
    cell: _Cell,
    choices: list[tuple[str, bool]],
    style: CheckboxStyle,
    counter: list[int],
    per_line: int = 99,
) -> None:
    paragraph = cell.paragraphs[0]
    for i, (label, checked) in enumerate(choices):
        if i and i % per_line == 0:
            paragraph = cell.add_paragraph()
        _add_checkbox(paragraph, checked, style, counter)
        paragraph.add_run(label + "　")


def _docx_fonts(document: DocxDocument) -> None:
    normal = document.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(10.5)
    r_pr = normal.element.get_or_add_rPr()
    r_fonts = r_pr.find(qn("w:rFonts"))
    if r_fonts is None:
        r_fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        r_pr.append(r_fonts)
    r_fonts.set(qn("w:eastAsia"), "宋体")


def _heading(document: DocxDocument, text: str) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = True
    run.font.size = Pt(14)
    run.font.name = "黑体"
    run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "黑体")


def render_form(doc: FormDoc) -> bytes:
    """附件2 湖南省“上云上平台”标杆企业申报书, filled in, as a .docx."""
    d, s = doc.declared, doc.style
    document = new_document()
    _docx_fonts(document)
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin = section.bottom_margin = Cm(2.5)
    counter = [0]

    # cover
    for _ in range(4):
        document.add_paragraph()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("湖南省“上云上平台”标杆企业申报书")
    run.bold = True
    run.font.size = Pt(24)
    for _ in range(6):
        document.add_paragraph()
    for label, value in (
        ("企业名称（盖章）：", d.company_name),
        ("所 在 市 州：", d.city),
        ("申 报 日 期：", cn_date(doc.apply_date)),
    ):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(2.5)
        paragraph.paragraph_format.space_after = Pt(18)
        label_run = paragraph.add_run(label)
        label_run.font.size = Pt(16)
        value_run = paragraph.add_run(value)
        value_run.font.size = Pt(16)
        value_run.underline = True
    for _ in range(8):
        document.add_paragraph()
    footer = document.add_paragraph()
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("湖南省经济和信息化委员会　制").font.size = Pt(15)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # 一、企业基本情况
    _heading(document, "一、企业基本情况")
    table = document.add_table(rows=12, cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, (3.3, 3.1, 3.2, 2.6, 3.6), strict=True):
        for cell in column.cells:
            cell.width = Cm(width)
    cells = table.rows

    def merged(row: int, first: int, last: int) -> _Cell:
        return (
            table.cell(row, first).merge(table.cell(row, last))
            if last > first
            else table.cell(row, first)
        )

    _set_cell_text(cells[0].cells[0], "企业名称", centre=True)
    _set_cell_text(merged(0, 1, 4), d.company_name)
    _set_cell_text(cells[1].cells[0], "组织机构代码/统一社会信用代码", centre=True, size=9)
    _set_cell_text(merged(1, 1, 2), d.credit_code)
    _set_cell_text(cells[1].cells[3], "成立时间", centre=True)
    _set_cell_text(cells[1].cells[4], d.established_text)
    _set_cell_text(cells[2].cells[0], "所在地", centre=True)
    _set_cell_text(cells[2].cells[1], d.city)
    _set_cell_text(cells[2].cells[2], "市（州）", centre=True)
    _set_cell_text(cells[2].cells[3], d.county)
    _set_cell_text(cells[2].cells[4], "县（市、区）")
    _set_cell_text(cells[3].cells[0], "详细地址", centre=True)
    _set_cell_text(merged(3, 1, 4), d.address)
    _set_cell_text(cells[4].cells[0], "所属行业", centre=True)
    industry_cell = merged(4, 1, 4)
    _add_choices(
        industry_cell,
        [(name, name in d.industry) for name in INDUSTRIES],
        s.industry_boxes,
        counter,
        per_line=6,
    )
    label = table.cell(5, 0).merge(table.cell(11, 0))
    _set_cell_text(label, "主要经济指标", centre=True)
    _set_cell_text(merged(5, 1, 2), "指　　标", centre=True)
    years = sorted(d.years)
    for column, year in zip((3, 4), years, strict=True):
        _set_cell_text(cells[5].cells[column], s.year_header.format(y=year), centre=True)
    lines = (
        ("总资产（万元）", "total_assets"),
        ("资产负债率（%）", "debt_ratio"),
        ("主营业务收入（万元）", "revenue"),
        ("税金（万元）", "tax"),
        ("利润（万元）", "profit"),
        ("从业人员（人）", "employees"),
    )
    for row, (text, attr) in enumerate(lines, start=6):
        _set_cell_text(merged(row, 1, 2), text)
        for column, year in zip((3, 4), years, strict=True):
            value = getattr(d.years[year], attr)
            if attr == "employees":
                shown = str(value)
            else:
                shown = fmt_decimal(value, s.commas and attr != "debt_ratio")
                shown += "%" if attr == "debt_ratio" and s.percent_sign else ""
            _set_cell_text(cells[row].cells[column], shown, centre=True)

    # 二、项目情况
    document.add_paragraph()
    _heading(document, "二、项目情况")
    n_rows = 3 + 8 + 4 + 3
    table = document.add_table(rows=n_rows, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, (3.3, 3.2, 6.3, 3.0), strict=True):
        for cell in column.cells:
            cell.width = Cm(width)

    def merged2(row: int, first: int, last: int) -> _Cell:
        return (
            table.cell(row, first).merge(table.cell(row, last))
            if last > first
            else table.cell(row, first)
        )

    _set_cell_text(table.cell(0, 0), "项目名称", centre=True)
    _set_cell_text(merged2(0, 1, 3), d.project_name)
    _set_cell_text(table.cell(1, 0), "项目起止时间", centre=True)
    _set_cell_text(merged2(1, 1, 3), f"{d.start[0]}年{d.start[1]}月—{d.end[0]}年{d.end[1]}月")
    _set_cell_text(merged2(2, 0, 2), "近两年内“上云上平台”项目总费用（万元）")
    _set_cell_text(table.cell(2, 3), fmt_decimal(d.total_cost, s.commas), centre=True)
    _set_cell_text(table.cell(3, 0).merge(table.cell(10, 0)), "其中", centre=True)
    for row, (key, text) in enumerate(COST_LABELS.items(), start=3):
        _set_cell_text(merged2(row, 1, 2), text)
        value = d.costs[key]
        shown = s.zero_cost if value is None or value == 0 else fmt_decimal(value, s.commas)
        _set_cell_text(table.cell(row, 3), shown, centre=True)
    _set_cell_text(table.cell(11, 0).merge(table.cell(14, 0)), "项目类型（要素条件）", centre=True)
    for i, (category, items) in enumerate(ELEMENTS):
        row = 11 + i
        _set_cell_text(table.cell(row, 1), f"{i + 1}. {category}")
        choices = [
            (f"{i + 1}.{j + 1} {item}", f"{i + 1}.{j + 1}" in d.elements)
            for j, item in enumerate(items)
        ]
        _add_choices(merged2(row, 2, 3), choices, s.element_boxes, counter, per_line=2)
    _set_cell_text(table.cell(15, 0), "项目总体描述（1000字以内）", centre=True)
    _set_cell_text(merged2(15, 1, 3), d.description)
    _set_cell_text(table.cell(16, 0), "企业承诺", centre=True)
    promise = merged2(16, 1, 3)
    _set_cell_text(
        promise,
        "本企业承诺：所填报的内容及提交的附件材料真实、准确、完整，如有虚假，愿承担相应责任。",
    )
    promise.add_paragraph("法定代表人（签字）：　　　　　　　　企业（盖章）")
    promise.add_paragraph(
        "　　　　　　　　　　　　　　　　　　年　　月　　日"
    ).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _set_cell_text(table.cell(17, 0), "市州工信部门意见", centre=True)
    opinion = merged2(17, 1, 3)
    opinion.add_paragraph()
    opinion.add_paragraph("（盖章）").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    opinion.add_paragraph("年　　月　　日").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_section(WD_SECTION.CONTINUOUS)

    properties = document.core_properties
    properties.author = s.author
    properties.last_modified_by = s.author
    properties.title = "湖南省“上云上平台”标杆企业申报书"
    properties.created = datetime(doc.apply_date.year, doc.apply_date.month, 1, 9, 12, 0)
    properties.modified = datetime.combine(doc.apply_date, datetime.min.time()).replace(
        hour=17, minute=26
    )
    properties.last_printed = datetime.combine(doc.apply_date, datetime.min.time()).replace(
        hour=17, minute=30
    )
    properties.revision = 7
    buf = io.BytesIO()
    document.save(buf)
    return normalise_zip(buf.getvalue())


# ======================================================================================
# Building applications: profiles → facts → seeded discrepancies
# ======================================================================================


@dataclass(frozen=True)
class Supplier:
    name: str
    province: str  # title of its invoices: 浙江增值税电子普通发票
    bureau: str  # 浙江省 → 浙江省国家税务局 / 国家税务总局浙江省税务局
    invoice_region: str
    division: str
    address: str
    phone: str
    bank: str
    number_prefix: str


SUPPLIERS = {
    "aliyun": Supplier(
        "阿里云计算有限公司",
        "浙江",
        "浙江省",
        "3300",
        "330106",
        "杭州市西湖区转塘科技经济区块12号",
        "0571-85022088",
        "招商银行杭州高新支行",
        "ALY-HN",
    ),
    "huawei": Supplier(
        "华为技术有限公司",
        "深圳",
        "深圳市",
        "4403",
        "440307",
        "深圳市龙岗区坂田华为总部办公楼",
        "0755-28780808",
        "中国银行深圳华为支行",
        "HWCLOUD",
    ),
    "rootcloud": Supplier(
        "树根互联技术有限公司",
        "广东",
        "广东省",
        "4400",
        "440112",
        "广州市黄埔区科学大道中88号",
        "020-31601988",
        "中国建设银行广州开发区支行",
        "RC-IIOT",
    ),
    "tencent": Supplier(
        "腾讯云计算（北京）有限责任公司",
        "北京",
        "北京市",
        "1100",
        "110108",
        "北京市海淀区知春路49号3层西部331",
        "010-62671188",
        "招商银行北京分行营业部",
        "TXY",
    ),
    "yonyou": Supplier(
        "用友网络科技股份有限公司",
        "北京",
        "北京市",
        "1100",
        "110108",
        "北京市海淀区北清路68号",
        "010-62438888",
        "中国工商银行北京永丰支行",
        "YONYOU-HN",
    ),
    "telecom": Supplier(
        "中国电信股份有限公司衡阳分公司",
        "湖南",
        "湖南省",
        "4300",
        "430408",
        "衡阳市蒸湘区解放大道26号",
        "0734-8120000",
        "中国工商银行衡阳分行营业部",
        "HYDX",
    ),
    "zhiqing": Supplier(
        "长沙智擎信息技术有限公司",
        "湖南",
        "湖南省",
        "4300",
        "430104",
        "长沙市岳麓区麓谷大道627号",
        "0731-88905126",
        "长沙银行麓谷支行",
        "ZQ",
    ),
    "xiangjiang": Supplier(
        "湖南湘江数据科技有限公司",
        "湖南",
        "湖南省",
        "4300",
        "430102",
        "长沙市芙蓉区五一大道766号",
        "0731-84410872",
        "华融湘江银行长沙分行",
        "XJSJ",
    ),
}

AUDIT_FIRMS = (
    AuditFirm("湖南楚信会计师事务所有限公司", "湘楚信审字", ("罗建华", "谭晓红")),
    AuditFirm("湖南湘江联合会计师事务所（普通合伙）", "湘江审字", ("彭亮", "曾志刚")),
    AuditFirm("中瑞华信会计师事务所（特殊普通合伙）湖南分所", "中瑞华信湘审字", ("邓勇", "胡斌")),
    AuditFirm("湖南岳麓会计师事务所有限责任公司", "岳麓审字", ("唐丽", "蒋涛")),
)

PEOPLE = (
    "周志明", "李建国", "王海涛", "刘芳", "陈立新", "张伟", "赵丽娟", "黄晓东", "杨帆", "吴敏",
    "郭强", "何静", "孙立平", "马俊", "朱红梅", "林峰", "高翔", "梁晓燕", "宋国庆", "郑凯",
    "谢文", "韩冰", "冯雪", "曹阳", "彭程", "袁媛", "邹明", "熊伟",
)  # fmt: skip

INVOICE_ITEMS = {
    "public_cloud": (
        ("*信息技术服务*云服务器租用", "ecs.c5", "年"),
        ("*信息技术服务*对象存储服务", "OSS", "年"),
    ),
    "platform_services": (
        ("*信息技术服务*工业互联网平台服务费", "", "项"),
        ("*信息技术服务*设备接入服务", "", "项"),
    ),
    "development": (
        ("*信息技术服务*软件开发服务", "", "项"),
        ("*信息技术服务*系统实施服务", "", "项"),
    ),
    "devices": (
        ("*计算机外部设备*工业边缘网关", "EG-2000", "台"),
        ("*通信设备*数据采集终端", "DTU-4G", "台"),
    ),
    "network": (
        ("*电信服务*互联网专线接入费", "100M", "月"),
        ("*电信服务*物联网卡通信费", "", "项"),
    ),
    "implementation": (
        ("*信息技术服务*设备接入实施服务", "", "项"),
        ("*信息技术服务*网络改造服务", "", "项"),
    ),
    "testing_consulting": (("*现代服务*信息技术咨询服务", "", "项"),),
}
CONTRACT_ITEMS = {
    "public_cloud": (
        ("云服务器租用", "按约定配置，服务期12个月"),
        ("云数据库及对象存储", "含自动备份与容灾"),
    ),
    "platform_services": (
        ("平台年度服务费", "平台账号及工业APP授权"),
        ("设备接入服务", "含边缘网关配置与调试"),
    ),
    "development": (("软件开发", "按需求规格说明书开发"), ("实施与培训", "部署、数据迁移及培训")),
    "devices": (("工业边缘网关", "含安装调试"), ("数据采集终端", "含三年质保")),
    "network": (("互联网专线", "100M，服务期24个月"), ("物联网卡通信费", "按月结算")),
    "implementation": (
        ("设备接入实施", "含PLC协议解析"),
        ("车间网络改造", "工业以太网布线及交换机"),
    ),
    "testing_consulting": (("项目咨询", "上云方案设计"), ("测试验证", "平台性能与安全测试")),
}
INSTALMENT_TEXTS = (
    "合同签订后十五个工作日内",
    "系统上线试运行后十个工作日内",
    "项目验收合格后十个工作日内",
)

Medium = Literal["docx", "text", "scan", "jpeg", "photo"]


@dataclass(frozen=True)
class InvoicePlan:
    share: int  # percent of the contract amount
    kind: InvoiceKind
    day: date
    discount: bool = False  # print a negative discount line


@dataclass(frozen=True)
class ContractPlan:
    supplier: str
    category: str
    amount_wan: int
    title: str
    subject: str
    sign: date
    invoices: tuple[InvoicePlan, ...]
    extra_clauses: int = 1
    appendix: bool = False


@dataclass(frozen=True)
class FilePlan:
    """One file of the application: its path ({code}/{number} filled from an invoice),
    how it is delivered, and the documents it holds, in order."""

    path: str
    medium: Medium
    keys: tuple[str, ...]
    rotations: tuple[tuple[str, int, int], ...] = ()  # (doc key, page in doc, degrees)
    dpi: int = 150


@dataclass(frozen=True)
class Profile:
    folder: str
    name: str
    short_name: str
    city: str
    county: str
    division: str
    address: str
    company_type: str
    capital_wan: int
    established: date
    modern_code: bool
    industry: str
    business: str
    business_scope: str
    vat_item: str
    revenue_wan: int  # 2017
    growth: float
    debt_ratio: float
    employees: tuple[int, int]
    project_name: str
    start: tuple[int, int]
    end: tuple[int, int]
    contracts: tuple[ContractPlan, ...]
    staff_wan: int
    elements: tuple[str, ...]
    form_style: FormStyle
    month_only_established: bool
    apply_date: date
    licence_layout: Literal["portrait", "landscape", "legacy"]
    licence_issued: date
    capital_style: Literal["upper", "upper_rmb", "digits"]
    established_style: Literal["digits", "upper"]
    firm: int
    statements: StatementStyle
    audit_unit: Literal["元", "万元"]
    opinions: tuple[Opinion, Opinion]  # 2017, 2018
    tax_style: Literal["table", "letter"]
    files: tuple[FilePlan, ...]
    others: tuple[str, ...] = ()
    seeds: tuple[Callable[[Application], None], ...] = ()
    zipped: bool = False


@dataclass
class Discrepancy:
    field: str
    year: str | None
    severity: Literal["error", "warning", "info"]
    note: str


@dataclass
class Application:
    profile: Profile
    company: Company
    declared: Declared
    docs: dict[str, Doc]
    discrepancies: list[Discrepancy] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.profile.folder + (".zip" if self.profile.zipped else "")


def _party(
    rng: random.Random,
    name: str,
    code: str,
    address: str,
    phone: str,
    bank: str,
    supplier: Supplier | None = None,
) -> Party:
    return Party(
        name=name,
        credit_code=code,
        address=address,
        phone=phone,
        bank=bank,
        account=digits(rng, 4) + " " + digits(rng, 4) + " " + digits(rng, 4) + " " + digits(rng, 7),
        province=supplier.province if supplier else "湖南",
        invoice_region=supplier.invoice_region if supplier else "4300",
    )


def make_company(p: Profile, rng: random.Random, index: int) -> Company:
    unit = 10_000 if p.audit_unit == "万元" else 1
    revenue_2017 = round(p.revenue_wan * 1_000_000 * rng.uniform(0.97, 1.03))
    capital = p.capital_wan * 1_000_000
    accounts: dict[int, Accounts] = {}
    prev = None
    for year, revenue, ratio in (
        (2016, revenue_2017 / p.growth, p.debt_ratio + 0.02),
        (2017, revenue_2017, p.debt_ratio),
        (2018, revenue_2017 * p.growth, p.debt_ratio - 0.015),
    ):
        ratio *= rng.uniform(0.97, 1.03)
        prev = accounts[year] = make_accounts(rng, year, round(revenue), ratio, unit, prev, capital)
    taxes = {y: make_tax_payments(rng, y, accounts[y], p.vat_item) for y in (2017, 2018)}
    legal_rep, cfo, accountant = rng.sample(PEOPLE, 3)
    code = make_credit_code(rng, p.division, p.modern_code)
    registration = (
        make_registration_number(rng, p.division[:4] + "00")
        if p.licence_layout == "legacy"
        else None
    )
    if p.county.endswith(("县", "市")):
        tax_authority = f"国家税务总局{p.county}税务局"
    else:
        tax_authority = f"国家税务总局{p.city}{p.county}税务局"
    area = {
        "长沙市": "0731",
        "株洲市": "0731",
        "湘潭市": "0731",
        "衡阳市": "0734",
        "岳阳市": "0730",
        "常德市": "0736",
        "郴州市": "0735",
    }[p.city]
    bank = rng.choice(("中国建设银行", "中国工商银行", "中国农业银行", "中国银行"))
    branch = f"{p.city[:-1]}{p.county[:-1]}" if p.county.endswith("区") else p.county
    bank += f"{branch}支行"
    party = _party(rng, p.name, code, p.address, f"{area}-{digits(rng, 8)}", bank)
    return Company(
        index=index,
        name=p.name,
        short_name=p.short_name,
        city=p.city,
        county=p.county,
        division=p.division,
        address=p.address,
        credit_code=code,
        registration_number=registration,
        legal_rep=legal_rep,
        cfo=cfo,
        accountant=accountant,
        company_type=p.company_type,
        capital=capital,
        established=p.established,
        industry=p.industry,
        business=p.business,
        business_scope=p.business_scope,
        employees={2017: p.employees[0], 2018: p.employees[1]},
        accounts=accounts,
        taxes=taxes,
        tax_authority=tax_authority,
        party=party,
    )


def supplier_party(key: str) -> Party:
    s = SUPPLIERS[key]
    code = make_credit_code(random.Random(f"{SEED}:supplier:{key}"), s.division, modern=False)
    return _party(
        random.Random(f"{SEED}:account:{key}"), s.name, code, s.address, s.phone, s.bank, s
    )


def _vat_rate(category: str, day: date) -> int:
    if category == "devices":
        return 17 if day < date(2018, 5, 1) else 16
    return 6


def _net_and_tax(gross: int, rate: int) -> tuple[int, int]:
    net = round(gross * 100 / (100 + rate))
    return net, gross - net


def make_invoice(
    rng: random.Random,
    plan: InvoicePlan,
    category: str,
    gross: int,
    buyer: Party,
    seller: Party,
    remark: str,
) -> InvoiceDoc:
    rate = _vat_rate(category, plan.day)
    yy = f"{plan.day.year % 100:02d}"
    region = seller.invoice_region
    code: str | None
    if plan.kind == "e_normal":
        code, number = "0" + region + yy + digits(rng, 3) + "11", digits(rng, 8)
    elif plan.kind == "paper_special":
        code, number = region + yy + "2130", digits(rng, 8)
    elif plan.kind == "paper_normal":
        code, number = region + yy + "2320", digits(rng, 8)
    else:
        code, number = None, yy + region[:2] + "2" + digits(rng, 15)
    templates = INVOICE_ITEMS[category]
    lines: list[InvoiceLine] = []
    if plan.discount:
        name, spec, unit = templates[0]
        base = round(gross / 0.9)
        net, tax = _net_and_tax(base, rate)
        lines.append(InvoiceLine(name, spec, unit, 1, net, rate, tax))
        net, tax = _net_and_tax(base - gross, rate)
        lines.append(InvoiceLine(name, "", "", 1, -net, rate, -tax))
    else:
        shares = [1.0] if len(templates) == 1 or gross < 10_000_000 else [0.62, 0.38]
        for (name, spec, unit), part in zip(templates, split_amount(gross, shares), strict=False):
            quantity = rng.randint(12, 48) if unit == "台" else 1
            net, tax = _net_and_tax(part, rate)
            lines.append(InvoiceLine(name, spec, unit, quantity, net, rate, tax))
    return InvoiceDoc(
        kind=plan.kind,
        code=code,
        number=number,
        issue_date=plan.day,
        buyer=buyer,
        seller=seller,
        lines=lines,
        drawer=rng.choice(PEOPLE),
        seed=rng.randrange(1 << 30),
        remark=remark,
    )


def make_contract_and_invoices(
    rng: random.Random, plan: ContractPlan, company: Company, index: int
) -> dict[str, Doc]:
    seller = supplier_party(plan.supplier)
    amount = plan.amount_wan * 1_000_000
    gross = split_amount(amount // 100, [i.share for i in plan.invoices])  # whole 元
    # the first payment on signing, the last on acceptance, one in between when there are three
    stages = [INSTALMENT_TEXTS[0], INSTALMENT_TEXTS[2]] if len(gross) == 2 else INSTALMENT_TEXTS
    instalments = [(part * 100, when) for part, when in zip(gross, stages, strict=False)]
    shares = split_amount(amount // 100, [0.65, 0.35])
    items = [
        (n, note, part * 100)
        for (n, note), part in zip(CONTRACT_ITEMS[plan.category], shares, strict=True)
    ]
    number = f"{SUPPLIERS[plan.supplier].number_prefix}-{plan.sign:%Y%m%d}-{rng.randint(101, 989)}"
    contract = ContractDoc(
        number=number,
        title=plan.title,
        subject=plan.subject,
        party_a=company.party,
        party_b=seller,
        sign_date=plan.sign,
        amount=amount,
        category=plan.category,
        items=items,
        instalments=instalments,
        reps=(company.legal_rep, rng.choice(PEOPLE)),
        place=company.city,
        extra_clauses=plan.extra_clauses,
        appendix=plan.appendix,
        seed=rng.randrange(1 << 30),
    )
    docs: dict[str, Doc] = {f"contract{index}": contract}
    for n, (part, inv) in enumerate(zip(gross, plan.invoices, strict=True), start=1):
        remark = f"合同编号：{number}" if rng.random() < 0.6 else ""
        docs[f"invoice{index}.{n}"] = make_invoice(
            rng, inv, plan.category, part * 100, company.party, seller, remark
        )
    return docs


def licence_capital_text(capital: int, style: str) -> str:
    if style == "digits":
        return f"{capital // 1_000_000}万元"
    return ("人民币" if style == "upper_rmb" else "") + rmb_upper(capital)


def make_licence(p: Profile, company: Company, rng: random.Random) -> LicenceDoc:
    est = company.established
    established_text = (
        cn_date(est, pad=True) if p.established_style == "digits" else cn_upper_date(est)
    )
    if p.licence_layout == "legacy":
        end = date(est.year + 20, est.month, est.day - 1 if est.day > 1 else 1)
        term = f"{cn_date(est, pad=True)}至{cn_date(end, pad=True)}"
        authority = f"{p.city}工商行政管理局{p.county[:-1]}分局"
    else:
        term = f"{cn_date(est, pad=True)}至长期" if p.established_style == "digits" else "长期"
        authority = (
            f"{p.city}{p.county}市场监督管理局"
            if not p.county.endswith("县")
            else f"{p.county}市场监督管理局"
        )
    return LicenceDoc(
        company=company,
        layout=p.licence_layout,
        capital_text=licence_capital_text(company.capital, p.capital_style),
        established_text=established_text,
        term_text=term,
        authority=authority,
        issue_date=p.licence_issued,
        seed=rng.randrange(1 << 30),
    )


def describe_project(
    p: Profile, company: Company, contracts: list[ContractDoc], long: bool, rng: random.Random
) -> str:
    """项目总体描述: one paragraph, no whitespace; over 1000 characters when long."""
    revenue = fen_to_wan(company.accounts[2018].revenue)
    ordinals = "一二三四五六"
    work = {
        "public_cloud": "依托{s}公有云租用云服务器、对象存储和云数据库等基础资源，将原有本地部署的ERP、OA、财务等系统整体迁移上云，实现计算资源弹性扩展和数据异地容灾备份",
        "platform_services": "接入{s}工业互联网平台，完成{n}台数控机床、焊接机器人、空压机等关键设备的联网改造，通过边缘网关实时采集设备运行状态、能耗和工艺参数，实现设备远程监控、故障预警和预测性维护",
        "development": "委托{s}开发生产执行与质量追溯系统，打通计划、生产、仓储、质检等环节的数据，实现生产订单全流程可视化管理和产品质量正反向追溯",
        "devices": "向{s}采购部署工业边缘网关和数据采集终端{n}套，实现老旧设备的协议转换和数据采集，为设备上云打下基础",
        "network": "由{s}建设覆盖主要车间的互联网专线和物联网通信网络，保障设备数据稳定、安全地上传至云平台",
        "implementation": "由{s}完成设备接入实施和车间网络改造，新建工业以太网环网，实现生产现场网络全覆盖",
        "testing_consulting": "聘请{s}开展上云方案咨询和平台测试验证，确保系统性能和安全满足要求",
    }
    sentences = [
        f"{company.name}成立于{company.established.year}年，位于{company.city}{company.county}，是一家专业从事{company.business}的企业，现有从业人员{company.employees[2018]}人，2018年实现主营业务收入{revenue}万元。",
        "近年来，随着订单规模扩大和产品种类增多，公司在生产管理中逐步暴露出设备联网率低、数据采集依赖人工、生产计划与现场执行脱节、质量问题追溯困难等问题，信息系统分散建设、数据标准不统一，难以支撑精细化管理和快速决策。",
        f"为贯彻落实全省“上云上平台”行动部署，公司于{p.start[0]}年{p.start[1]}月启动“{p.project_name}”建设，按照“设备上云、业务上云、数据上平台”的思路，分阶段推进企业数字化转型。",
    ]
    for i, contract in enumerate(contracts):
        supplier = (
            contract.party_b.name.replace("有限公司", "")
            .replace("股份", "")
            .replace("有限责任公司", "")
        )
        text = work[contract.category].format(s=supplier, n=rng.randint(60, 260))
        sentences.append(f"{ordinals[i]}是{text}。")
    sentences.append(
        f"项目实施以来，公司设备联网率由{rng.randint(18, 35)}%提升至{rng.randint(82, 96)}%，设备综合效率提升{rng.randint(8, 15)}个百分点，"
        f"产品一次交验合格率提高到{rng.randint(970, 995) / 10}%，生产运营成本降低{rng.randint(8, 16)}%，订单交付周期缩短{rng.randint(15, 30)}%。"
    )
    sentences.append(
        "通过“上云上平台”，公司实现了从经验决策向数据驱动决策的转变，管理层可以随时通过手机和电脑掌握生产经营情况，企业核心竞争力明显增强。"
    )
    extra = [
        "在组织保障方面，公司成立了由总经理任组长的“上云上平台”工作领导小组，抽调信息、生产、设备、质量等部门骨干组成项目实施团队，建立周例会和月度考核制度，确保项目按计划推进。",
        "在数据安全方面，公司按照网络安全等级保护二级要求，部署了防火墙、入侵检测和数据加密传输等安全措施，建立了数据分级分类管理和定期备份机制，保障上云数据安全可控。",
        f"在人才培养方面，项目实施期间共组织各类培训{rng.randint(20, 40)}场次，培训员工{rng.randint(600, 1500)}人次，培养了一批既懂工艺又懂信息化的复合型人才，为后续深化应用提供了人才保障。",
        "在应用成效方面，公司利用平台积累的设备运行和工艺数据开展大数据分析，优化了关键工序的工艺参数，减少了非计划停机，能源消耗同比下降，设备维修费用明显减少。",
        "在模式创新方面，公司依托平台为下游客户提供产品远程监控和运维服务，由单纯销售产品向“产品加服务”转变，增加了服务收入，提高了客户黏性。",
        "在产业带动方面，公司通过平台与主要供应商和客户实现订单、库存和物流信息的在线协同，带动上下游二十余家配套企业上云用云，形成了良好的示范效应。",
    ]
    closing = "下一步，公司将继续深化工业互联网平台应用，推动上下游企业协同上云，努力打造行业标杆，为全省同行业企业“上云上平台”提供可复制、可推广的经验。"
    if long:
        sentences += extra
    else:
        sentences += extra[: rng.randint(0, 1)]
    text = "".join(sentences) + closing
    assert (len(text) > 1000) == long, (p.folder, len(text))
    return text


def make_declared(
    p: Profile, company: Company, contracts: list[ContractDoc], rng: random.Random
) -> Declared:
    years = {}
    for year in (2017, 2018):
        acc = company.accounts[year]
        ratio = (Decimal(acc.total_liabilities) * 100 / Decimal(acc.total_assets)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        years[str(year)] = YearDeclared(
            total_assets=fen_to_wan(acc.total_assets),
            debt_ratio=ratio,
            revenue=fen_to_wan(acc.revenue),
            tax=fen_to_wan(company.tax_total(year)),
            profit=fen_to_wan(acc.total_profit),
            employees=company.employees[year],
        )
    spent: dict[str, int] = {key: 0 for key in COST_LABELS}
    for contract in contracts:
        spent[contract.category] += contract.amount
    spent["staff"] += p.staff_wan * 1_000_000
    empty = None if p.form_style.zero_cost == "—" else Decimal("0.00")
    costs = {key: fen_to_wan(fen) if fen else empty for key, fen in spent.items()}
    if p.month_only_established:
        established = company.established.replace(day=1)
        established_text = f"{company.established.year}年{company.established.month}月"
    else:
        established, established_text = company.established, cn_date(company.established)
    return Declared(
        company_name=company.name,
        credit_code=company.credit_code,
        established=established,
        established_text=established_text,
        industry=[p.industry],
        city=company.city,
        county=company.county,
        address=company.address,
        years=years,
        project_name=p.project_name,
        start=p.start,
        end=p.end,
        total_cost=sum((v for v in costs.values() if v is not None), Decimal("0.00")),
        costs=costs,
        elements=list(p.elements),
        description=describe_project(p, company, contracts, long=False, rng=rng),
    )


def make_others(
    p: Profile, company: Company, docs: dict[str, Doc], rng: random.Random
) -> dict[str, Doc]:
    others: dict[str, Doc] = {}
    if "honour" in p.others:
        honours = {
            "长沙市": ("被评为“长沙市智能制造示范企业”", "长沙市经济和信息化委员会"),
            "湘潭市": ("被认定为“湖南省小巨人企业”", "湖南省经济和信息化委员会"),
            "郴州市": ("被评为“郴州市两化融合示范企业”", "郴州市经济和信息化委员会"),
        }
        honour, issuer = honours[company.city]
        others["honour"] = HonourDoc(
            company, honour, issuer, date(2018, 12, rng.randint(10, 28)), rng.randrange(1 << 30)
        )
    if "bank" in p.others:
        invoice = docs["invoice1.1"]
        assert isinstance(invoice, InvoiceDoc)
        others["bank"] = BankReceiptDoc(
            payer=company.party,
            payee=invoice.seller,
            amount=invoice.total,
            paid=date(
                invoice.issue_date.year,
                invoice.issue_date.month,
                min(invoice.issue_date.day + 9, 28),
            ),
            purpose="云服务费",
            serial="HQP" + digits(rng, 17),
            seed=rng.randrange(1 << 30),
        )
    if "trips" in p.others:
        places = (
            "常德火车站",
            "武陵区金穗食品厂区",
            "常德桃花源机场",
            "柳叶湖万达广场",
            "常德市人民医院",
            "德山经济开发区管委会",
        )
        trips = []
        for day in sorted(rng.sample(range(8, 27), 4)):
            start, end = rng.sample(places, 2)
            km = round(rng.uniform(3, 22), 1)
            trips.append(
                (
                    datetime(2018, 10, day, rng.randint(8, 19), rng.randint(0, 59)),
                    "常德市",
                    start,
                    end,
                    km,
                    round(km * 260 + 800),
                )
            )
        others["trips"] = TripsDoc(
            date(2018, 11, 5), trips, "138****" + digits(rng, 4), rng.randrange(1 << 30)
        )
    return others


def build_application(p: Profile, index: int) -> Application:
    rng = random.Random(f"{SEED}:{p.folder}")
    company = make_company(p, rng, index)
    docs: dict[str, Doc] = {"licence": make_licence(p, company, rng)}
    firm = AUDIT_FIRMS[p.firm]
    for year, opinion in zip((2017, 2018), p.opinions, strict=True):
        issued = date(year + 1, rng.randint(3, 4), rng.randint(1, 28))
        docs[f"audit{year}"] = AuditReportDoc(
            company=company,
            year=year,
            firm=firm,
            report_number=f"{firm.number_prefix}〔{year + 1}〕第{rng.randint(30, 980):04d}号",
            opinion=opinion,
            issue_date=issued,
            unit=1_000_000 if p.audit_unit == "万元" else 100,
            style=p.statements,
            seed=rng.randrange(1 << 30),
        )
    if p.tax_style == "table":
        number = f"(191)湘税证 {digits(rng, 8)}"
    else:
        number = f"湘税纳证〔2019〕{rng.randint(100, 999)}号"
    docs["tax"] = TaxCertificateDoc(
        company=company,
        style=p.tax_style,
        number=number,
        authority=company.tax_authority,
        issue_date=date(2019, rng.randint(2, 3), rng.randint(1, 28)),
        clerk=rng.choice(PEOPLE),
        seed=rng.randrange(1 << 30),
    )
    for i, plan in enumerate(p.contracts, start=1):
        docs |= make_contract_and_invoices(rng, plan, company, i)
    contracts = [d for d in docs.values() if isinstance(d, ContractDoc)]
    docs |= make_others(p, company, docs, rng)
    declared = make_declared(p, company, contracts, rng)
    docs["form"] = FormDoc(company, declared, p.form_style, p.apply_date, rng.randrange(1 << 30))
    app = Application(p, company, declared, docs)
    for seed in p.seeds:
        seed(app)
    return app


# ---- seeded discrepancies: each changes the facts and records what it did ------------


def seed_inflated_assets(app: Application, year: str, percent: int) -> None:
    figures = app.declared.years[year]
    audited = figures.total_assets
    figures.total_assets = (audited * (100 + percent) / 100).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    app.discrepancies.append(
        Discrepancy(
            "total_assets",
            year,
            "error",
            f"申报{year}年总资产{figures.total_assets}万元，比审计报告资产总计{audited}万元高{percent}%",
        )
    )


def seed_revenue_in_yuan(app: Application, year: str) -> None:
    figures = app.declared.years[year]
    audited = figures.revenue
    figures.revenue = (Decimal(app.company.accounts[int(year)].revenue) / 100).quantize(
        Decimal("0.01")
    )
    app.discrepancies.append(
        Discrepancy(
            "revenue",
            year,
            "error",
            f"申报{year}年主营业务收入按元填写为{figures.revenue}，应为{audited}万元（单位错误，相差10000倍）",
        )
    )


def seed_costs_not_summing(app: Application, extra_wan: int) -> None:
    items = sum((v for v in app.declared.costs.values() if v is not None), Decimal("0.00"))
    app.declared.total_cost = items + extra_wan
    app.discrepancies.append(
        Discrepancy(
            "project_costs_sum",
            None,
            "error",
            f"八项费用合计{items}万元，与申报项目总费用{app.declared.total_cost}万元不一致",
        )
    )


def seed_invoice_buyer(app: Application, key: str, buyer_name: str, division: str) -> None:
    invoice = app.docs[key]
    assert isinstance(invoice, InvoiceDoc)
    rng = random.Random(f"{SEED}:{buyer_name}")
    code = make_credit_code(rng, division, modern=True)
    invoice.buyer = replace(app.company.party, name=buyer_name, credit_code=code)
    app.discrepancies.append(
        Discrepancy(
            "invoice_buyer",
            None,
            "error",
            f"发票{invoice.number}的购买方为“{buyer_name}”，不是申报企业",
        )
    )


def seed_invoice_date(app: Application, key: str, day: date) -> None:
    invoice = app.docs[key]
    assert isinstance(invoice, InvoiceDoc)
    invoice.issue_date = day
    start, end = app.declared.start, app.declared.end
    app.discrepancies.append(
        Discrepancy(
            "invoice_date",
            None,
            "warning",
            f"发票{invoice.number}开具日期{iso(day)}在项目起止时间（{start[0]}年{start[1]}月—{end[0]}年{end[1]}月）之外",
        )
    )


def seed_tampered_invoice(app: Application, key: str, factor: int) -> None:
    """Every printed figure of an invoice multiplied after issue (the arithmetic still adds
    up); its QR code, printed by the tax system, still says what was issued."""
    invoice = app.docs[key]
    assert isinstance(invoice, InvoiceDoc)
    issued = fmt_fen(invoice.amount, commas=False)
    invoice.issued_qr = invoice.qr_payload()
    invoice.lines = [
        replace(line, amount=line.amount * factor, tax=line.tax * factor) for line in invoice.lines
    ]
    app.discrepancies.append(
        Discrepancy(
            "invoice_qr",
            None,
            "error",
            f"发票{invoice.number}票面金额{fmt_fen(invoice.amount, commas=False)}元，"
            f"二维码中为{issued}元（票面被涂改）",
        )
    )


def reuse_invoice(apps: list[Application], source: str, key: str, target: str) -> None:
    """The same invoice handed in by a second applicant (a copy of the first one's PDF)."""
    by_folder = {a.profile.folder: a for a in apps}
    owner, taker = by_folder[source], by_folder[target]
    invoice = owner.docs[key]
    assert isinstance(invoice, InvoiceDoc)
    taker.docs[f"reused.{key}"] = invoice
    plan = FilePlan("发票/{number}.pdf", "text", (f"reused.{key}",))
    taker.profile = replace(taker.profile, files=(*taker.profile.files, plan))
    for app, other in ((owner, taker), (taker, owner)):
        app.discrepancies.append(
            Discrepancy(
                "invoice_reuse",
                None,
                "error",
                f"发票{invoice.code}-{invoice.number}同时出现在{other.profile.folder}的申报材料中",
            )
        )


# Papers handed in by two applications of the batch: (owner, its doc key, the other one).
REUSED_INVOICES = (
    ("007_长沙云帆汽车零部件有限公司", "invoice2.1", "003_株洲华锐轨道交通装备股份有限公司"),
)


def seed_credit_code_typo(app: Application) -> None:
    """Two adjacent digits swapped on the form (and so, most likely, a bad check character)."""
    true_code = app.company.credit_code
    for i in range(10, 16):
        if (
            true_code[i] != true_code[i + 1]
            and true_code[i].isdigit()
            and true_code[i + 1].isdigit()
        ):
            break
    typo = true_code[:i] + true_code[i + 1] + true_code[i] + true_code[i + 2 :]
    app.declared.credit_code = typo
    valid = credit_check_char(typo[:17]) == typo[17]
    app.discrepancies.append(
        Discrepancy(
            "credit_code",
            None,
            "error",
            f"申报书统一社会信用代码{typo}与营业执照{true_code}不一致（第{i + 1}、{i + 2}位颠倒）"
            + ("" if valid else "，且校验位不符"),
        )
    )


def seed_no_elements(app: Application) -> None:
    app.declared.elements = []
    app.discrepancies.append(
        Discrepancy("elements", None, "warning", "项目类型（要素条件）一项都未勾选")
    )


def seed_long_description(app: Application) -> None:
    contracts = [d for d in app.docs.values() if isinstance(d, ContractDoc)]
    rng = random.Random(f"{SEED}:{app.profile.folder}:description")
    app.declared.description = describe_project(
        app.profile, app.company, contracts, long=True, rng=rng
    )
    app.discrepancies.append(
        Discrepancy(
            "description_length",
            None,
            "warning",
            f"项目总体描述{len(app.declared.description)}字，超过1000字的限制",
        )
    )


# ======================================================================================
# Files: render, scan, assemble; truth
# ======================================================================================


def _fit_on_a4(sheet: Sheet) -> Sheet:
    """A smaller paper (invoice, certificate) as it lies on the scanner's A4 glass."""
    if (sheet.width, sheet.height) in ((210, 297), (297, 210)):
        return sheet
    page = Sheet(210, 297) if sheet.width <= 200 else Sheet(297, 210)
    page.place(sheet, (page.width - sheet.width) / 2, 8)
    return page


def _scan_style(plan: FilePlan, key: str, page: int, seed: int) -> ScanStyle:
    rng = random.Random(seed)
    rotation = next((deg for k, p, deg in plan.rotations if k == key and p == page), 0)
    skew = rng.triangular(0.5, 3.0, 1.0) * rng.choice((-1, 1))
    return ScanStyle(
        dpi=plan.dpi,
        skew=round(skew, 2),
        blur=rng.uniform(0.45, 0.8),
        noise=rng.uniform(2.0, 3.5),
        quality=rng.randint(72, 78),
        rotate=rotation,
        photo=plan.medium == "photo",
    )


def render_file(app: Application, plan: FilePlan) -> tuple[str, bytes, list[dict[str, Any]], int]:
    """Render one file; returns (path, bytes, its truth documents, scanned page count)."""
    docs = [app.docs[key] for key in plan.keys]
    path = plan.path
    if "{" in path:
        invoice = docs[0]
        assert isinstance(invoice, InvoiceDoc)
        path = path.format(code=invoice.code, number=invoice.number)
    if plan.medium == "docx":
        form = docs[0]
        assert isinstance(form, FormDoc)
        entry = {
            "file": path,
            "pages": [1],
            "type": form.doc_type,
            "scanned": False,
            "fields": form.truth(),
        }
        return path, render_form(form), [entry], 0
    scanned = plan.medium != "text"
    entries, sheets, owners = [], [], []
    for key, doc in zip(plan.keys, docs, strict=True):
        doc_sheets = RENDERERS[type(doc)](doc)
        first = len(sheets) + 1
        sheets += doc_sheets
        owners += [(key, n) for n in range(1, len(doc_sheets) + 1)]
        pages = list(range(first, len(sheets) + 1))
        entries.append(
            {
                "file": path,
                "pages": pages,
                "type": doc.doc_type,
                "scanned": scanned,
                "fields": doc.truth(),
            }
        )
    if not scanned:
        return path, pdf_from_sheets(sheets), entries, 0
    jpegs = []
    for number, (sheet, (key, page)) in enumerate(zip(sheets, owners, strict=True), start=1):
        seed = zlib.crc32(f"{app.name}/{path}/{number}".encode())
        style = _scan_style(plan, key, page, seed)
        look = LOOKS[zlib.crc32(f"{app.name}/{key}".encode()) % len(LOOKS)]
        if plan.medium == "scan":
            sheet = _fit_on_a4(sheet)
        image = degrade(rasterise(sheet, style.dpi, look), sheet.in_colour, style, seed)
        jpegs.append((jpeg_bytes(image, style), style.dpi))
    if plan.medium in ("jpeg", "photo"):
        assert len(jpegs) == 1, path
        return path, jpegs[0][0], entries, 1
    return path, pdf_from_jpegs(jpegs), entries, len(jpegs)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            member = zipfile.ZipInfo(name, ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            archive.writestr(member, files[name])
    return out.getvalue()


def write_application(app: Application, out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Render and write one application; returns its truth entry and a summary row."""
    files: dict[str, bytes] = {}
    documents: list[dict[str, Any]] = []
    scanned_pages = text_pages = 0
    for plan in app.profile.files:
        path, data, entries, scanned = render_file(app, plan)
        assert path not in files, path
        files[path] = data
        documents += entries
        scanned_pages += scanned
        if plan.medium == "text":
            text_pages += sum(len(e["pages"]) for e in entries)
    if app.profile.zipped:
        (out / app.name).write_bytes(zip_bytes(files))
    else:
        for path, data in files.items():
            target = out / app.profile.folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    documents.sort(key=lambda e: (e["file"], e["pages"][0]))
    truth = {
        "consistent": not app.discrepancies,
        "declared": app.declared.truth(),
        "documents": documents,
        "discrepancies": [
            {"field": d.field, "year": d.year, "severity": d.severity, "note": d.note}
            for d in app.discrepancies
        ],
    }
    summary = {
        "files": sorted(files),
        "bytes": sum(len(b) for b in files.values()),
        "scanned_pages": scanned_pages,
        "text_pages": text_pages,
    }
    return truth, summary


def main() -> None:
    started = time.perf_counter()
    if BATCH_DIR.exists():
        shutil.rmtree(BATCH_DIR)
    BATCH_DIR.mkdir(parents=True)
    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    truth: dict[str, Any] = {"generator": "samples/generate.py", "seed": SEED, "applications": {}}
    totals = {"scanned": 0, "text": 0}
    apps = [build_application(profile, index) for index, profile in enumerate(profiles(), 1)]
    for source, key, target in REUSED_INVOICES:
        reuse_invoice(apps, source, key, target)
    for app in apps:
        entry, summary = write_application(app, BATCH_DIR)
        truth["applications"][app.name] = entry
        totals["scanned"] += summary["scanned_pages"]
        totals["text"] += summary["text_pages"]
        flag = (
            "consistent" if entry["consistent"] else f"{len(entry['discrepancies'])} discrepancies"
        )
        print(
            f"{app.name}: {len(summary['files'])} files, {summary['scanned_pages']} scanned + "
            f"{summary['text_pages']} text pages, {summary['bytes'] / 1e6:.2f} MB, {flag}"
        )
    TRUTH_PATH.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    size = sum(f.stat().st_size for f in BATCH_DIR.rglob("*") if f.is_file())
    print(
        f"{len(truth['applications'])} applications, {totals['scanned']} scanned and {totals['text']} "
        f"text-PDF pages, {size / 1e6:.2f} MB in {BATCH_DIR.name}/, {time.perf_counter() - started:.1f} s"
    )


# ======================================================================================
# The eight applications
# ======================================================================================


def _e_invoices(
    contract: int, count: int, folder: str = "发票/", name: str = "{number}.pdf"
) -> tuple[FilePlan, ...]:
    return tuple(
        FilePlan(folder + name, "text", (f"invoice{contract}.{n}",)) for n in range(1, count + 1)
    )


def profiles() -> list[Profile]:
    """The batch: four consistent applications and four with seeded discrepancies."""
    standard = StatementStyle()
    return [
        Profile(
            folder="001_湖南星辰智能装备有限公司",
            name="湖南星辰智能装备有限公司",
            short_name="星辰智能",
            city="长沙市",
            county="岳麓区",
            division="430104",
            address="长沙市岳麓区麓谷街道麓松路460号",
            company_type="有限责任公司（自然人投资或控股）",
            capital_wan=5000,
            established=date(2012, 3, 15),
            modern_code=False,
            industry="工程机械",
            business="混凝土机械、高空作业平台等工程机械的研发、制造与销售",
            business_scope="工程机械、建筑工程用机械、高空作业设备的研发、制造、销售及维修；机电设备、液压元件的销售；智能装备技术开发、技术咨询及技术服务；自营和代理各类商品及技术的进出口。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            vat_item="专用设备制造",
            revenue_wan=18600,
            growth=1.18,
            debt_ratio=0.52,
            employees=(326, 358),
            project_name="星辰智能装备工业互联网平台应用及设备上云项目",
            start=(2017, 6),
            end=(2018, 12),
            contracts=(
                ContractPlan(
                    "aliyun",
                    "public_cloud",
                    86,
                    "阿里云服务采购合同",
                    "阿里云公有云基础资源及数据库服务",
                    date(2017, 7, 12),
                    (
                        InvoicePlan(40, "e_normal", date(2017, 8, 3)),
                        InvoicePlan(60, "e_normal", date(2018, 5, 21)),
                    ),
                    extra_clauses=1,
                ),
                ContractPlan(
                    "rootcloud",
                    "platform_services",
                    168,
                    "工业互联网平台服务合同",
                    "根云工业互联网平台设备接入及应用服务",
                    date(2017, 10, 18),
                    (
                        InvoicePlan(50, "paper_special", date(2017, 11, 6)),
                        InvoicePlan(50, "e_normal", date(2018, 9, 14)),
                    ),
                    extra_clauses=4,
                ),
                ContractPlan(
                    "zhiqing",
                    "development",
                    95,
                    "技术开发（委托）合同",
                    "MES生产执行系统开发服务",
                    date(2018, 3, 9),
                    (InvoicePlan(100, "e_normal", date(2018, 4, 16)),),
                    extra_clauses=0,
                ),
            ),
            staff_wan=62,
            elements=("1.1", "1.3", "3.1", "4.1"),
            form_style=FormStyle(
                industry_boxes="char", element_boxes="char", year_header="{y}年度"
            ),
            month_only_established=False,
            apply_date=date(2019, 4, 12),
            licence_layout="portrait",
            licence_issued=date(2017, 8, 22),
            capital_style="upper",
            established_style="digits",
            firm=0,
            statements=standard,
            audit_unit="元",
            opinions=("标准无保留意见", "标准无保留意见"),
            tax_style="table",
            others=("honour",),
            files=(
                FilePlan("申报书.docx", "docx", ("form",)),
                FilePlan("营业执照.jpg", "jpeg", ("licence",), dpi=200),
                FilePlan("附件/财务/2017年度审计报告.pdf", "text", ("audit2017",)),
                FilePlan("附件/财务/2018年度审计报告.pdf", "text", ("audit2018",)),
                FilePlan("附件/财务/2018年度完税证明.jpg", "jpeg", ("tax",)),
                FilePlan("附件/合同/阿里云服务合同.pdf", "text", ("contract1",)),
                FilePlan("附件/合同/根云平台服务合同.pdf", "scan", ("contract2",)),
                FilePlan("附件/合同/MES系统开发合同.pdf", "text", ("contract3",)),
                *_e_invoices(1, 2, "附件/发票/", "dzfp_{code}_{number}.pdf"),
                FilePlan("附件/发票/根云专票扫描.jpg", "jpeg", ("invoice2.1",)),
                FilePlan("附件/发票/dzfp_{code}_{number}.pdf", "text", ("invoice2.2",)),
                FilePlan("附件/发票/dzfp_{code}_{number}.pdf", "text", ("invoice3.1",)),
                FilePlan("荣誉证书.jpg", "jpeg", ("honour",)),
            ),
        ),
        Profile(
            folder="002_湘潭德源新材料科技有限公司",
            name="湘潭德源新材料科技有限公司",
            short_name="德源新材料",
            city="湘潭市",
            county="岳塘区",
            division="430304",
            address="湘潭市岳塘区双马街道晓塘路9号",
            company_type="有限责任公司（自然人投资或控股）",
            capital_wan=3000,
            established=date(2015, 9, 8),
            modern_code=True,
            industry="新材料",
            business="锂电池正极材料和特种合金粉末的研发与生产",
            business_scope="新材料技术研发；锂离子电池正极材料、金属粉末材料的生产、销售；化工产品（不含危险化学品）销售；技术开发、技术转让及技术咨询服务。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            vat_item="合成材料制造",
            revenue_wan=9800,
            growth=1.22,
            debt_ratio=0.45,
            employees=(156, 172),
            project_name="德源新材料研发生产一体化上云项目",
            start=(2017, 9),
            end=(2018, 12),
            contracts=(
                ContractPlan(
                    "aliyun",
                    "public_cloud",
                    52,
                    "阿里云服务采购合同",
                    "阿里云公有云基础资源服务",
                    date(2017, 10, 20),
                    (InvoicePlan(100, "paper_normal", date(2017, 11, 2)),),
                    extra_clauses=3,
                    appendix=True,
                ),
                ContractPlan(
                    "yonyou",
                    "development",
                    116,
                    "软件许可及实施服务合同",
                    "用友精智云ERP及研发管理系统实施服务",
                    date(2018, 3, 12),
                    (
                        InvoicePlan(60, "paper_special", date(2018, 4, 10)),
                        InvoicePlan(40, "paper_special", date(2018, 10, 25)),
                    ),
                    extra_clauses=0,
                ),
            ),
            staff_wan=38,
            elements=("2.1", "2.3", "4.3"),
            form_style=FormStyle(
                industry_boxes="formfield", element_boxes="formfield_checked", year_header="{y}年"
            ),
            month_only_established=True,
            apply_date=date(2019, 4, 9),
            licence_layout="portrait",
            licence_issued=date(2017, 3, 14),
            capital_style="digits",
            established_style="digits",
            firm=2,
            statements=StatementStyle(side_by_side=True, is_columns=("本年金额", "上年金额")),
            audit_unit="元",
            opinions=("标准无保留意见", "标准无保留意见"),
            tax_style="table",
            others=("honour",),
            files=(
                FilePlan("湘潭德源公司申报书（定稿）.docx", "docx", ("form",)),
                FilePlan(
                    "scan0001.pdf",
                    "scan",
                    (
                        "licence",
                        "tax",
                        "contract1",
                        "contract2",
                        "invoice1.1",
                        "invoice2.1",
                        "invoice2.2",
                    ),
                    rotations=(("contract1", 2, 180), ("invoice2.1", 1, 90)),
                ),
                FilePlan("审计报告/2017年审计报告.pdf", "text", ("audit2017",)),
                FilePlan("审计报告/2018年审计报告.pdf", "text", ("audit2018",)),
                FilePlan("荣誉证书.jpg", "jpeg", ("honour",)),
            ),
        ),
        Profile(
            folder="003_株洲华锐轨道交通装备股份有限公司",
            name="株洲华锐轨道交通装备股份有限公司",
            short_name="华锐轨道",
            city="株洲市",
            county="石峰区",
            division="430204",
            address="株洲市石峰区田心街道北环路18号",
            company_type="股份有限公司（非上市、自然人投资或控股）",
            capital_wan=12000,
            established=date(2008, 7, 22),
            modern_code=False,
            industry="轨道交通",
            business="轨道交通车辆配套零部件的研发和制造",
            business_scope="轨道交通车辆配件、电气设备、牵引变流设备的研发、制造、销售及技术服务；金属结构件加工；机电设备安装；货物及技术进出口。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            vat_item="铁路运输设备制造",
            revenue_wan=42000,
            growth=1.09,
            debt_ratio=0.61,
            employees=(1180, 1236),
            project_name="华锐轨道交通装备智能制造云平台项目",
            start=(2017, 5),
            end=(2018, 12),
            contracts=(
                ContractPlan(
                    "huawei",
                    "public_cloud",
                    138,
                    "华为云服务合同",
                    "华为云弹性云服务器及对象存储服务",
                    date(2017, 9, 6),
                    (
                        InvoicePlan(50, "e_normal", date(2017, 10, 11)),
                        InvoicePlan(50, "e_normal", date(2018, 6, 20)),
                    ),
                    extra_clauses=1,
                ),
                ContractPlan(
                    "xiangjiang",
                    "development",
                    210,
                    "软件开发合同",
                    "智能制造云平台软件开发服务",
                    date(2018, 2, 26),
                    (
                        InvoicePlan(40, "paper_special", date(2018, 3, 15)),
                        InvoicePlan(60, "e_normal", date(2018, 11, 8)),
                    ),
                    extra_clauses=0,
                ),
            ),
            staff_wan=95,
            elements=("1.1", "2.2", "3.1"),
            form_style=FormStyle(
                industry_boxes="wingdings",
                element_boxes="wingdings",
                year_header="{y} 年",
                commas=True,
                author="hr-zhang",
            ),
            month_only_established=False,
            apply_date=date(2019, 4, 18),
            licence_layout="landscape",
            licence_issued=date(2018, 6, 5),
            capital_style="upper",
            established_style="digits",
            firm=1,
            statements=StatementStyle(
                bs_columns=("期末数", "期初数"),
                assets_total="资产合计",
                equity_heading="股东权益：",
                equity_total="股东权益合计",
                le_total="负债和股东权益总计",
                total_profit_label="三、利润总额",
                net_profit_label="四、净利润",
            ),
            audit_unit="元",
            opinions=("标准无保留意见", "标准无保留意见"),
            tax_style="letter",
            others=("bank",),
            files=(
                FilePlan("附件2.docx", "docx", ("form",)),
                FilePlan("营业执照正本.jpg", "jpeg", ("licence",), dpi=170),
                FilePlan("审计报告（2017）.pdf", "scan", ("audit2017",)),
                FilePlan("审计报告（2018）.pdf", "scan", ("audit2018",)),
                FilePlan("纳税证明.pdf", "scan", ("tax",)),
                FilePlan("合同/华为云服务合同.pdf", "text", ("contract1",)),
                FilePlan("合同/软件开发合同.pdf", "scan", ("contract2",)),
                *_e_invoices(1, 2),
                FilePlan("发票/专用发票.jpg", "jpeg", ("invoice2.1",)),
                FilePlan("发票/{number}.pdf", "text", ("invoice2.2",)),
                FilePlan("银行回单.jpg", "jpeg", ("bank",)),
            ),
            seeds=(
                partial(seed_inflated_assets, year="2018", percent=15),
                partial(
                    seed_invoice_buyer,
                    key="invoice1.2",
                    buyer_name="株洲华锐机电科技有限公司",
                    division="430204",
                ),
            ),
        ),
        Profile(
            folder="004_衡阳恒通电子科技股份有限公司",
            name="衡阳恒通电子科技股份有限公司",
            short_name="恒通电子",
            city="衡阳市",
            county="蒸湘区",
            division="430408",
            address="衡阳市蒸湘区联合街道长丰大道16号",
            company_type="股份有限公司（非上市、自然人投资或控股）",
            capital_wan=8000,
            established=date(2009, 11, 20),
            modern_code=False,
            industry="电子信息",
            business="印制电路板和电子元器件的研发、生产与销售",
            business_scope="电子元器件、印制电路板、电子产品的研发、生产和销售；电子技术开发与技术服务；自营和代理各类商品和技术的进出口，但国家限定公司经营或禁止进出口的商品和技术除外。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            vat_item="电子元件制造",
            revenue_wan=26500,
            growth=1.12,
            debt_ratio=0.48,
            employees=(642, 688),
            project_name="恒通电子智能工厂工业互联网平台应用项目",
            start=(2017, 8),
            end=(2018, 12),
            contracts=(
                ContractPlan(
                    "yonyou",
                    "platform_services",
                    145,
                    "工业互联网平台服务合同",
                    "用友精智工业互联网平台应用服务",
                    date(2017, 8, 28),
                    (InvoicePlan(100, "e_normal", date(2017, 9, 19)),),
                    extra_clauses=2,
                ),
                ContractPlan(
                    "telecom",
                    "network",
                    36,
                    "电信业务服务协议",
                    "互联网专线及物联网通信服务",
                    date(2017, 11, 15),
                    (
                        InvoicePlan(50, "e_normal", date(2017, 12, 5)),
                        InvoicePlan(50, "e_normal", date(2018, 12, 6)),
                    ),
                    extra_clauses=0,
                ),
                ContractPlan(
                    "zhiqing",
                    "devices",
                    88,
                    "设备采购合同",
                    "工业边缘网关及数据采集终端",
                    date(2018, 6, 11),
                    (InvoicePlan(100, "paper_special", date(2018, 7, 9)),),
                    extra_clauses=1,
                ),
            ),
            staff_wan=70,
            elements=("2.2", "3.2", "4.1"),
            form_style=FormStyle(
                industry_boxes="sdt", element_boxes="sdt", year_header="{y}年度", percent_sign=True
            ),
            month_only_established=True,
            apply_date=date(2019, 4, 16),
            licence_layout="portrait",
            licence_issued=date(2016, 12, 8),
            capital_style="digits",
            established_style="upper",
            firm=3,
            statements=StatementStyle(
                old_format=True,
                revenue_label="一、主营业务收入",
                equity_heading="所有者权益（或股东权益）：",
                equity_total="所有者权益（或股东权益）合计",
                le_total="负债和所有者权益（或股东权益）总计",
                unit_label="金额单位：人民币元",
            ),
            audit_unit="元",
            opinions=("保留意见", "标准无保留意见"),
            tax_style="table",
            files=(
                FilePlan("衡阳恒通公司申报书（定稿）.docx", "docx", ("form",)),
                FilePlan("营业执照.jpg", "jpeg", ("licence",), dpi=180),
                FilePlan("2017年审计报告.pdf", "text", ("audit2017",)),
                FilePlan("2018年审计报告.pdf", "text", ("audit2018",)),
                FilePlan("完税证明.jpg", "jpeg", ("tax",)),
                FilePlan("合同/用友平台服务合同.pdf", "text", ("contract1",)),
                FilePlan("合同/电信专线合同.pdf", "scan", ("contract2",)),
                FilePlan("合同/边缘网关采购合同.pdf", "text", ("contract3",)),
                *_e_invoices(1, 1),
                *_e_invoices(2, 2),
                FilePlan("发票/网关专票.jpg", "jpeg", ("invoice3.1",)),
            ),
            seeds=(
                partial(seed_revenue_in_yuan, year="2017"),
                partial(seed_costs_not_summing, extra_wan=40),
                partial(seed_tampered_invoice, key="invoice1.1", factor=2),
            ),
        ),
        Profile(
            folder="005_岳阳巴陵石化设备有限公司",
            zipped=True,
            name="岳阳巴陵石化设备有限公司",
            short_name="巴陵石化设备",
            city="岳阳市",
            county="云溪区",
            division="430603",
            address="岳阳市云溪区云溪街道长岭路88号",
            company_type="其他有限责任公司",
            capital_wan=6000,
            established=date(2006, 5, 18),
            modern_code=False,
            industry="石化",
            business="石油化工压力容器和换热设备的设计与制造",
            business_scope="压力容器、换热设备、塔器、石油化工专用设备的设计、制造、安装及维修；金属材料销售；机械设备租赁。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            vat_item="化工专用设备制造",
            revenue_wan=15200,
            growth=1.06,
            debt_ratio=0.57,
            employees=(410, 402),
            project_name="巴陵石化设备远程运维云平台项目",
            start=(2017, 10),
            end=(2018, 12),
            contracts=(
                ContractPlan(
                    "rootcloud",
                    "platform_services",
                    98,
                    "工业互联网平台服务合同",
                    "根云工业互联网平台远程运维应用服务",
                    date(2017, 11, 8),
                    (
                        InvoicePlan(50, "e_normal", date(2017, 12, 12)),
                        InvoicePlan(50, "e_normal", date(2018, 8, 17)),
                    ),
                    extra_clauses=8,
                    appendix=True,
                ),
            ),
            staff_wan=30,
            elements=("1.1", "1.3", "3.1"),
            form_style=FormStyle(year_header="{y}年度"),
            month_only_established=False,
            apply_date=date(2019, 4, 22),
            licence_layout="portrait",
            licence_issued=date(2018, 9, 26),
            capital_style="upper_rmb",
            established_style="digits",
            firm=0,
            statements=StatementStyle(unit_label="单位：万元"),
            audit_unit="万元",
            opinions=("标准无保留意见", "标准无保留意见"),
            tax_style="table",
            files=(
                FilePlan("申报书.docx", "docx", ("form",)),
                FilePlan("营业执照.jpg", "jpeg", ("licence",), dpi=170),
                FilePlan("财务/审计报告2017.pdf", "scan", ("audit2017",)),
                FilePlan("财务/审计报告2018.pdf", "scan", ("audit2018",)),
                FilePlan("完税证明.pdf", "scan", ("tax",)),
                FilePlan("合同.pdf", "scan", ("contract1",)),
                *_e_invoices(1, 2, name="{code}_{number}.pdf"),
            ),
            seeds=(seed_credit_code_typo, seed_no_elements),
        ),
        Profile(
            folder="006_常德金穗食品有限公司",
            name="常德金穗食品有限公司",
            short_name="金穗食品",
            city="常德市",
            county="武陵区",
            division="430702",
            address="常德市武陵区芙蓉街道洞庭大道西段1299号",
            company_type="有限责任公司",
            capital_wan=2000,
            established=date(2004, 8, 12),
            modern_code=False,
            industry="食品",
            business="米制品、休闲食品的生产与销售",
            business_scope="米制品、糕点、膨化食品的生产、销售；预包装食品批发兼零售；农副产品收购（不含粮食）；普通货物道路运输。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            vat_item="农副食品加工",
            revenue_wan=12400,
            growth=1.08,
            debt_ratio=0.38,
            employees=(288, 301),
            project_name="金穗食品质量追溯与经营管理上云项目",
            start=(2017, 7),
            end=(2018, 12),
            contracts=(
                ContractPlan(
                    "tencent",
                    "public_cloud",
                    64,
                    "腾讯云服务合同",
                    "腾讯云服务器及云数据库服务",
                    date(2017, 9, 14),
                    (
                        InvoicePlan(50, "e_normal", date(2017, 10, 10)),
                        InvoicePlan(50, "digital", date(2018, 10, 22), discount=True),
                    ),
                    extra_clauses=0,
                ),
            ),
            staff_wan=26,
            elements=("2.3", "3.3"),
            form_style=FormStyle(
                industry_boxes="square", element_boxes="square", year_header="{y} 年"
            ),
            month_only_established=False,
            apply_date=date(2019, 4, 10),
            licence_layout="legacy",
            licence_issued=date(2013, 6, 18),
            capital_style="upper_rmb",
            established_style="digits",
            firm=3,
            statements=standard,
            audit_unit="元",
            opinions=("标准无保留意见", "标准无保留意见"),
            tax_style="letter",
            others=("trips",),
            files=(
                FilePlan("申报书.docx", "docx", ("form",)),
                FilePlan("营业执照.jpg", "jpeg", ("licence",), dpi=180),
                FilePlan("审计报告/2017年度审计报告.pdf", "text", ("audit2017",)),
                FilePlan("审计报告/2018年度审计报告.pdf", "text", ("audit2018",)),
                FilePlan("纳税证明.jpg", "jpeg", ("tax",)),
                FilePlan("腾讯云服务合同.pdf", "text", ("contract1",)),
                *_e_invoices(1, 2),
                FilePlan("滴滴行程单.pdf", "text", ("trips",)),
            ),
        ),
        Profile(
            folder="007_长沙云帆汽车零部件有限公司",
            name="长沙云帆汽车零部件有限公司",
            short_name="云帆汽车",
            city="长沙市",
            county="长沙县",
            division="430121",
            address="长沙市长沙县星沙街道漓湘东路29号",
            company_type="有限责任公司（外商投资企业与内资合资）",
            capital_wan=10000,
            established=date(2011, 4, 26),
            modern_code=False,
            industry="汽车",
            business="汽车底盘零部件和精密冲压件的研发与制造",
            business_scope="汽车零部件、精密冲压件、模具的研发、生产、销售及售后服务；金属表面处理；自有厂房租赁；货物及技术进出口。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            vat_item="汽车零部件及配件制造",
            revenue_wan=31000,
            growth=1.15,
            debt_ratio=0.55,
            employees=(905, 968),
            project_name="云帆汽车零部件数字化车间上云上平台项目",
            start=(2017, 9),
            end=(2018, 12),
            contracts=(
                ContractPlan(
                    "aliyun",
                    "public_cloud",
                    120,
                    "阿里云服务采购合同",
                    "阿里云公有云基础资源及大数据服务",
                    date(2017, 9, 25),
                    (
                        InvoicePlan(50, "e_normal", date(2017, 10, 16)),
                        InvoicePlan(50, "e_normal", date(2018, 6, 12)),
                    ),
                    extra_clauses=0,
                ),
                ContractPlan(
                    "rootcloud",
                    "platform_services",
                    230,
                    "工业互联网平台服务合同",
                    "根云工业互联网平台数字化车间应用服务",
                    date(2018, 1, 10),
                    (
                        InvoicePlan(40, "e_normal", date(2018, 1, 29)),
                        InvoicePlan(60, "e_normal", date(2018, 11, 20)),
                    ),
                    extra_clauses=3,
                ),
                ContractPlan(
                    "zhiqing",
                    "implementation",
                    76,
                    "技术服务合同",
                    "设备接入及车间网络改造实施服务",
                    date(2018, 7, 2),
                    (InvoicePlan(100, "paper_special", date(2018, 8, 13)),),
                    extra_clauses=6,
                    appendix=True,
                ),
            ),
            staff_wan=85,
            elements=("1.1", "1.2", "2.2", "3.1", "4.1"),
            form_style=FormStyle(
                industry_boxes="wingdings",
                element_boxes="sdt",
                year_header="{y}年度",
                author="yunfan",
            ),
            month_only_established=True,
            apply_date=date(2019, 4, 19),
            licence_layout="portrait",
            licence_issued=date(2018, 11, 30),
            capital_style="upper",
            established_style="upper",
            firm=2,
            statements=standard,
            audit_unit="元",
            opinions=("标准无保留意见", "标准无保留意见"),
            tax_style="table",
            files=(
                FilePlan("长沙云帆申报书.docx", "docx", ("form",)),
                FilePlan("IMG_2231.JPG", "photo", ("licence",), dpi=170),
                FilePlan("附件3.pdf", "scan", ("tax",)),
                FilePlan("附件4.pdf", "text", ("audit2017",)),
                FilePlan("附件5.pdf", "text", ("audit2018",)),
                FilePlan("附件6-1.pdf", "text", ("contract1",)),
                FilePlan("附件6-2.pdf", "scan", ("contract2",)),
                FilePlan("附件6-3.pdf", "text", ("contract3",)),
                *_e_invoices(1, 2, "附件7/", "{code}_{number}.pdf"),
                *_e_invoices(2, 2, "附件7/", "{code}_{number}.pdf"),
                FilePlan("附件7/IMG_2240.JPG", "jpeg", ("invoice3.1",)),
            ),
            seeds=(
                partial(seed_invoice_date, key="invoice2.2", day=date(2019, 3, 18)),
                seed_long_description,
            ),
        ),
        Profile(
            folder="008_郴州华鑫有色金属有限公司",
            name="郴州华鑫有色金属有限公司",
            short_name="华鑫有色",
            city="郴州市",
            county="苏仙区",
            division="431003",
            address="郴州市苏仙区白露塘镇有色金属产业园区",
            company_type="有限责任公司（国有控股）",
            capital_wan=15000,
            established=date(2010, 1, 12),
            modern_code=False,
            industry="有色",
            business="铅锌冶炼及稀贵金属综合回收",
            business_scope="有色金属冶炼、压延加工及销售；稀贵金属综合回收利用；硫酸（危险化学品按许可证核定范围经营）生产、销售；冶金技术咨询服务。（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            vat_item="有色金属冶炼",
            revenue_wan=56000,
            growth=1.07,
            debt_ratio=0.64,
            employees=(1530, 1602),
            project_name="华鑫有色冶炼过程数据上云及能耗管控平台项目",
            start=(2017, 4),
            end=(2018, 10),
            contracts=(
                ContractPlan(
                    "huawei",
                    "development",
                    185,
                    "技术开发合同",
                    "冶炼过程数据采集与能耗管控平台开发服务",
                    date(2017, 5, 16),
                    (
                        InvoicePlan(30, "e_normal", date(2017, 6, 8)),
                        InvoicePlan(70, "e_normal", date(2018, 5, 25)),
                    ),
                    extra_clauses=5,
                ),
            ),
            staff_wan=48,
            elements=("1.1", "2.2", "4.1", "4.3"),
            form_style=FormStyle(
                industry_boxes="sdt",
                element_boxes="formfield",
                year_header="{y}年",
                commas=True,
                zero_cost="—",
            ),
            month_only_established=False,
            apply_date=date(2019, 4, 23),
            licence_layout="landscape",
            licence_issued=date(2017, 5, 10),
            capital_style="digits",
            established_style="upper",
            firm=1,
            statements=StatementStyle(
                revenue_label="一、营业总收入",
                assets_total="资产合计",
                equity_heading="所有者权益（或股东权益）：",
                equity_total="所有者权益（或股东权益）合计",
                le_total="负债和所有者权益（或股东权益）总计",
            ),
            audit_unit="元",
            opinions=("标准无保留意见", "标准无保留意见"),
            tax_style="table",
            others=("honour",),
            files=(
                FilePlan("申报书.docx", "docx", ("form",)),
                FilePlan("营业执照.jpg", "jpeg", ("licence",), dpi=160),
                FilePlan("审计报告2017.pdf", "scan", ("audit2017",)),
                FilePlan("审计报告2018.pdf", "scan", ("audit2018",)),
                FilePlan("完税证明.jpg", "jpeg", ("tax",)),
                FilePlan("华为技术开发合同.pdf", "text", ("contract1",)),
                *_e_invoices(1, 2),
                FilePlan("荣誉证书.jpg", "jpeg", ("honour",)),
            ),
        ),
    ]


if __name__ == "__main__":
    main()
