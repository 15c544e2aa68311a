"""OFD (GB/T 33190): a zip of XML parts. Its pages, the text objects drawn on them, and the
package's own parts (an invoice's fields) as the first page's payload.

Read by pipeline/pages.py only, with the package open: the extractors work from the pages'
words and payload. Boxes are in pt, y down, as a PDF text layer's; the OFD's own unit is mm.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import Any

from pipeline.models import BBox, OfdPayload, OfdTextObject, Word, XmlElement

MM_TO_PT = 72.0 / 25.4

Box = tuple[float, float, float, float]
A4_MM: Box = (0.0, 0.0, 210.0, 297.0)


def parse_xml(zf: zipfile.ZipFile, name: str) -> Any:
    """The root of an XML part, read leniently (producers write sloppy XML); no entities,
    DTDs or network. Raises ValueError when nothing can be made of it."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=True)
    root = etree.fromstring(zf.read(name), parser)
    if root is None:
        raise ValueError(f"{name} 不是有效的 XML")
    return root


def local_name(tag: Any) -> str:
    """An element's tag without its namespace ("" for comments and processing instructions)."""
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el.iter() if local_name(c.tag) == name]


def _first_text(el: Any, name: str) -> str | None:
    for c in _children(el, name):
        if c.text and c.text.strip():
            return str(c.text.strip())
    return None


def _resolve(zf: zipfile.ZipFile, base_dir: str, loc: str) -> str:
    """An OFD location, absolute ("/Doc_0/…") or relative to the referring file's folder."""
    loc = loc.strip().replace("\\", "/")
    names = {n.lower(): n for n in zf.namelist()}
    candidates = [loc.lstrip("/")] if loc.startswith("/") else []
    candidates += [posixpath.normpath(posixpath.join(base_dir, loc)), loc.lstrip("/")]
    for c in candidates:
        if c in names.values():
            return c
        if c.lower() in names:
            return names[c.lower()]
    raise KeyError(f"OFD 中找不到 {loc}")


def parse_box(text: str | None) -> Box | None:
    """A Boundary or PhysicalBox ("x y w h", mm); None unless it is four numbers."""
    if not text:
        return None
    try:
        values = [float(v) for v in text.split()]
    except ValueError:
        return None
    return (values[0], values[1], values[2], values[3]) if len(values) == 4 else None


def page_list(zf: zipfile.ZipFile) -> Iterator[tuple[list[str], Box]]:
    """(content files of the page: templates first, page box in mm) for every page, in the
    documents' order. Raises KeyError or ValueError on a part that is missing or not XML."""
    ofd_name = _resolve(zf, "", "OFD.xml")
    for doc_root in _children(parse_xml(zf, ofd_name), "DocRoot"):
        doc_path = _resolve(zf, "", (doc_root.text or "").strip())
        doc_dir = posixpath.dirname(doc_path)
        document = parse_xml(zf, doc_path)
        default_box = parse_box(_first_text(document, "PhysicalBox")) or A4_MM
        templates: dict[str, str] = {}
        for tpl in _children(document, "TemplatePage"):
            if tpl.get("ID") and tpl.get("BaseLoc"):
                templates[tpl.get("ID")] = _resolve(zf, doc_dir, tpl.get("BaseLoc"))
        for page in _children(document, "Page"):
            loc = page.get("BaseLoc")
            if not loc:
                continue
            content = _resolve(zf, doc_dir, loc)
            page_xml = parse_xml(zf, content)
            box = parse_box(_first_text(page_xml, "PhysicalBox")) or default_box
            paths = [
                templates[t.get("TemplateID")]
                for t in _children(page_xml, "Template")
                if t.get("TemplateID") in templates
            ]
            yield paths + [content], box


def page_words(zf: zipfile.ZipFile, contents: list[str]) -> list[Word]:
    """Every text code in a page's content files (from `page_list`), box and size in pt."""
    return [word for content in contents for word in text_objects(parse_xml(zf, content))]


def text_objects(root: Any) -> Iterator[Word]:
    """A word per TextCode: Boundary x y w h in mm, X/Y of the code inside it."""
    for obj in _children(root, "TextObject"):
        boundary = parse_box(obj.get("Boundary"))
        if boundary is None:
            continue
        bx, by, bw, bh = boundary
        size = _float(obj.get("Size"), bh)
        for code in (c for c in obj if local_name(c.tag) == "TextCode"):
            text = (code.text or "").strip()
            if not text:
                continue
            x = bx + _float(code.get("X"), 0.0)
            baseline = by + _float(code.get("Y"), bh)
            advance = _delta_width(code.get("DeltaX"), len(text), size)
            x1 = min(bx + bw, x + advance) if bw > 0 else x + advance
            top = max(by, baseline - size)
            bottom = min(by + bh, baseline + 0.2 * size) if bh > 0 else baseline
            yield Word(
                text=text,
                bbox=_pt((x, top, max(x1, x + 0.1), bottom)),
                size=round(size * MM_TO_PT, 2),
            )


def _pt(box: Box) -> BBox:
    x0, y0, x1, y1 = (round(v * MM_TO_PT, 2) for v in box)
    return (x0, y0, x1, y1)


def _float(text: str | None, default: float) -> float:
    try:
        return float(text) if text is not None else default
    except ValueError:
        return default


def _delta_width(delta_x: str | None, n_chars: int, size: float) -> float:
    """Width of a TextCode: its DeltaX advances (with the "g count value" shorthand)."""
    if not delta_x:
        return n_chars * size
    tokens = delta_x.split()
    advances: list[float] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "g" and i + 2 < len(tokens):
            advances += [_float(tokens[i + 2], size)] * int(_float(tokens[i + 1], 1))
            i += 3
        else:
            advances.append(_float(tokens[i], size))
            i += 1
    return sum(advances[: max(0, n_chars - 1)]) + size


# ---- the package's payload ---------------------------------------------------------------

_PAGE_CONTENT = re.compile(r"Pages/Page_(\d+)/Content\.xml$")


def xml_tree(root: Any) -> XmlElement:
    """An lxml element as the payload's tree (comments, processing instructions and entity
    references left out, as they match no tag)."""
    return XmlElement(
        tag=local_name(root.tag),
        text=root.text or "",
        attrs={str(k): str(v) for k, v in root.attrib.items()},
        children=[xml_tree(c) for c in root if isinstance(c.tag, str)],
    )


def _parse_strict(data: bytes, recover: bool = False) -> Any:
    """The XML's root, or None when it is not well-formed."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=recover
    )
    try:
        return etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return None


def _read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes; b"" (not XML) when it cannot be inflated: the payload goes without
    it, and the pages are read all the same."""
    try:
        return zf.read(name)
    except Exception:  # a damaged member: CRC, zlib, truncated data
        return b""


def package_payload(zf: zipfile.ZipFile, limit: int) -> OfdPayload:
    """Every XML part that is not a page's (or template's) content, as a tree, where it fits
    in `limit` bytes and is well-formed; and the text objects with an ID."""
    parts: dict[str, XmlElement] = {}
    for info in zf.infolist():
        name = info.filename
        if not name.lower().endswith(".xml") or name.rsplit("/", 1)[-1].lower() == "content.xml":
            continue
        if info.file_size > limit:
            continue
        root = _parse_strict(_read_member(zf, name))
        if root is not None:
            parts[name] = xml_tree(root)
    return OfdPayload(members=zf.namelist(), parts=parts, text_objects=_text_objects(zf, limit))


def _text_objects(zf: zipfile.ZipFile, limit: int) -> list[OfdTextObject]:
    """Every TextObject with an ID on the package's pages: its text, page number (the order
    of the Pages/Page_N parts) and Boundary in pt."""
    out: list[OfdTextObject] = []
    pages = sorted(
        (n for n in zf.namelist() if _PAGE_CONTENT.search(n)),
        key=lambda n: int(_PAGE_CONTENT.search(n).group(1)),  # type: ignore[union-attr]
    )
    for number, name in enumerate(pages, start=1):
        if zf.getinfo(name).file_size > limit:
            continue
        root = _parse_strict(_read_member(zf, name), recover=True)
        if root is None:
            continue
        for obj in root.iter():
            if local_name(obj.tag) != "TextObject" or not obj.get("ID"):
                continue
            text = "".join((c.text or "") for c in obj if local_name(c.tag) == "TextCode").strip()
            boundary = parse_box(obj.get("Boundary"))
            if boundary is None:
                continue
            x, y, w, h = boundary
            mm = MM_TO_PT
            bbox = (x * mm, y * mm, (x + w) * mm, (y + h) * mm)
            out.append(OfdTextObject(id=obj.get("ID"), text=text, page=number, bbox=bbox))
    return out
