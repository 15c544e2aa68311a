"""The hostile batches, built in a temporary folder, with what each file must come out as.

`Expect` is (status, words the reason must contain). Every file written into a batch is
listed here: the tests check that files[] holds exactly these, no more and no fewer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.intake import app_name
from tests.hostile import builders as b

Expect = tuple[str, str]  # status, words of the reason ("" for processed)

# Limits for the test run (DOSSIER_LIMITS): small enough that a bomb is a few KB on disk.
LIMITS_OVERRIDE = """\
[archive]
max_total_bytes = 8_000_000
max_members = 50
ratio_min_bytes = 1_000_000

[pages]
max_pdf_stream_bytes = 16_000_000
"""
ARCHIVE_LIMIT = 8_000_000

# Text that exists only outside the batch: it must never show up in any output.
SECRET = "机密外部内容请勿读取"
BIG_SIDE = 20_000
MANY_PAGES = 1000

PROCESSED: Expect = ("processed", "")
LONG_NAME = "103_" + "湖南省长沙市岳麓区麓谷" * 12 + "有限公司"  # 400+ bytes in UTF-8


@dataclass
class Built:
    batch: Path
    outside: Path
    expected: dict[str, dict[str, Expect]] = field(default_factory=dict)
    # Applications with no files (or an unopened zip) and the words of their problem.
    problems: dict[str, str] = field(default_factory=dict)
    # (application, file, document type) that must be read from the good files.
    documents: list[tuple[str, str, str]] = field(default_factory=list)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def folder_batch(root: Path) -> Built:
    """A batch folder with every kind of hostile file, beside good ones."""
    outside = root / "outside"
    outside.mkdir()
    secret_pdf = b.text_pdf(
        outside / "secret.pdf", [[SECRET, "统一社会信用代码 91430100MA4L0ABC12"]]
    )
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")

    batch = root / "恶意批次"
    built = Built(batch=batch, outside=outside)
    built.expected["001_混合材料"] = _mixed(batch / "001_混合材料", outside, secret_pdf)
    built.expected["002_压缩包"] = _archives(batch / "002_压缩包", root)
    built.documents += [
        ("001_混合材料", "申报书.docx", "application_form"),
        ("001_混合材料", "发票.pdf", "invoice"),
        ("001_混合材料", "xref损坏.pdf", "invoice"),
        ("002_压缩包", "发票.pdf", "invoice"),
    ]

    (batch / "003_空申报").mkdir()
    built.expected["003_空申报"] = {}
    built.problems["003_空申报"] = "申报材料为空"

    # An application delivered as a zip, with a zip inside it.
    inner = b.zip_of(
        [("内层合同.pdf", _pdf(root, "004", ["合同", "甲方 湖南星辰智能装备有限公司"]))]
    )
    _write(
        batch / "004_压缩申报.zip",
        b.zip_of(
            [
                ("004_压缩申报/发票.pdf", _pdf(root, "004i", b.INVOICE)),
                ("004_压缩申报/附件/内层.zip", inner),
            ]
        ),
    )
    built.expected["004_压缩申报"] = {
        "发票.pdf": PROCESSED,
        "附件/内层.zip": PROCESSED,
        "附件/内层.zip/内层合同.pdf": PROCESSED,
    }
    # An application zip that is itself a bomb: listed, never opened.
    _write(
        batch / "005_炸弹申报.zip", b.zip_of([(f"zero{i}.bin", bytes(3_000_000)) for i in range(3)])
    )
    built.expected["005_炸弹申报"] = {"005_炸弹申报.zip": ("rejected", "超过上限")}
    built.problems["005_炸弹申报"] = "疑似压缩炸弹"

    # An application zip cut short in the upload: its own application, with the zip listed.
    whole = b.zip_of([("发票.pdf", b.invoice_pdf(root / "scratch" / "006.pdf"))])
    _write(batch / "006_损坏申报.zip", whole[: len(whole) // 2])
    built.expected["006_损坏申报"] = {"006_损坏申报.zip": ("unreadable", "压缩文件已损坏")}
    built.problems["006_损坏申报"] = "压缩文件已损坏"

    # A loose file at the batch's top level belongs to no application, yet is reported.
    _write(batch / "批次说明.txt", "本批次共五家企业".encode())
    built.expected["（未归属文件）"] = {"批次说明.txt": ("unsupported", "纯文本")}
    return built


def _pdf(root: Path, tag: str, lines: list[str]) -> bytes:
    scratch = root / "scratch"
    scratch.mkdir(exist_ok=True)
    return b.text_pdf(scratch / f"{tag}.pdf", [lines]).read_bytes()


def _mixed(app: Path, outside: Path, secret_pdf: Path) -> dict[str, Expect]:
    """One application: good documents among empty, broken, encrypted, odd and huge files."""
    app.mkdir(parents=True)
    b.build_form(app / "申报书.docx")
    invoice = b.invoice_pdf(app / "发票.pdf")
    scratch = app.parent.parent / "scratch"
    scratch.mkdir(exist_ok=True)
    contract = b.text_pdf(
        scratch / "contract.pdf", [["技术服务合同", "甲方：湖南星辰智能装备有限公司"]]
    )
    two_pages = b.text_pdf(scratch / "two.pdf", [b.INVOICE, b.INVOICE]).read_bytes()

    files: dict[str, tuple[bytes, Expect]] = {
        "发票副本.pdf": (invoice, ("duplicate", "与 发票.pdf 内容相同")),
        "空文件.pdf": (b"", ("unreadable", "文件为空")),
        "截断.pdf": (two_pages[: len(two_pages) // 2], ("unreadable", "文件不完整")),
        "xref损坏.pdf": (b.broken_xref_pdf(two_pages), PROCESSED),  # pdfium rebuilds the xref
        "xref无法修复.pdf": (b.unrepairable_pdf(two_pages), ("unreadable", "无法修复")),
        "不是zip.docx": (bytes(range(1, 200)) * 5, ("unreadable", "Word (.docx) 文件已损坏")),
        "损坏的zip.docx": (b"PK\x03\x04" + bytes(300), ("unreadable", "Word (.docx) 文件已损坏")),
        "加密.docx": (b.ole2_file("EncryptedPackage"), ("unreadable", "已加密")),
        "坏图.jpg": (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 2, ("unreadable", "图片无法解码")),
        "截断.png": (b.image_bytes("PNG")[:300], ("unreadable", "文件不完整")),
        "截断.tif": (b.image_bytes("TIFF")[:2000], ("unreadable", "图片无法解码")),
        # Wrong names: the content decides.
        "营业执照.pdf": (b.png_bytes(b.text_image()), PROCESSED),
        "扫描件.jpg": (contract.read_bytes(), PROCESSED),
        # Formats we do not read, each with what to submit instead.
        "附件5.doc": (b.ole2_file("WordDocument"), ("unsupported", "请转换为 .docx 或 PDF")),
        "报表.xls": (b.ole2_file("Workbook"), ("unsupported", "请导出为 PDF")),
        "旧文档.wps": (
            b.ole2_file("WordDocument") + bytes(512),
            ("unsupported", "请转换为 .docx 或 PDF"),
        ),
        "报表.xlsx": (b.zip_bytes({"xl/workbook.xml": b"<w/>"}), ("unsupported", "请导出为 PDF")),
        "说明.txt": ("详见附件。".encode(), ("unsupported", "请提供 PDF")),
        "宣传片.mp4": (b.mp4_bytes(), ("unsupported", "请提供 PDF 或图片")),
        # Too big to decode, a few KB on disk.
        "超大图片.png": (b.big_png(BIG_SIDE, BIG_SIDE), ("unreadable", "像素过大")),
        "压缩炸弹.pdf": (b.pdf_stream_bomb(32 << 20), ("unreadable", "疑似压缩炸弹")),
    }
    expected: dict[str, Expect] = {"申报书.docx": PROCESSED, "发票.pdf": PROCESSED}
    for name, (data, expect) in files.items():
        _write(app / name, data)
        expected[name] = expect
    b.text_pdf(scratch / "enc.pdf", [b.INVOICE], encrypt="secret")
    _write(app / "加密.pdf", (scratch / "enc.pdf").read_bytes())
    expected["加密.pdf"] = ("unreadable", "已加密")
    b.many_pages_pdf(app / "千页.pdf", MANY_PAGES)
    expected["千页.pdf"] = PROCESSED

    # Links out of the batch are refused; a FIFO would block a naive reader forever.
    os.symlink(secret_pdf, app / "外部文件.pdf")
    os.symlink(outside, app / "外部目录")
    os.mkfifo(app / "管道")
    expected["外部文件.pdf"] = ("rejected", "符号链接指向批次文件夹之外")
    expected["外部目录"] = ("rejected", "符号链接指向批次文件夹之外")
    expected["管道"] = ("rejected", "特殊文件")

    # A name in GBK bytes (a Windows zip unpacked without -O cp936): shown decoded.
    gbk = os.fsencode(app) + b"/" + "纳税证明说明.txt".encode("gbk")
    with open(gbk, "wb") as fh:
        fh.write("纳税证明见扫描件".encode("gbk"))
    expected["纳税证明说明.txt"] = ("unsupported", "纯文本")
    return expected


def _archives(app: Path, root: Path) -> dict[str, Expect]:
    """One application of zips: escaping paths, links, bombs, liars, nesting, GBK names."""
    app.mkdir(parents=True)
    b.invoice_pdf(app / "发票.pdf")
    contract = _pdf(root, "c2", ["技术服务合同", "合同编号 HT-2018-001"])
    escape_abs = root / "escaped_absolute.txt"
    zips: dict[str, bytes] = {
        "路径逃逸.zip": b.zip_of(
            [
                ("../../逃逸一.txt", b"x"),
                (str(escape_abs), b"x"),
                ("C:\\Windows\\逃逸三.txt", b"x"),
                ("正常/合同.pdf", contract),
            ]
        ),
        "链接.zip": b.symlink_member_zip("../../../../etc/passwd"),
        "炸弹.zip": b.zip_of([(f"zero{i}.bin", bytes(3_000_000)) for i in range(3)]),
        "高压缩比.zip": b.zip_of([("zeros.pdf", bytes(2_000_000))]),
        "谎报大小.zip": b.lying_size_zip(5_000_000, 1000),
        "成员过多.zip": b.zip_of([(f"{i:03d}.txt", b"") for i in range(60)]),
        "嵌套.zip": b.nested_zip(
            ["第二层.zip", "第三层.zip", "第四层.zip"], ("深处.pdf", _pdf(root, "d", b.INVOICE[:2]))
        ),
        "中文名.zip": b.zip_bytes(
            {"营业执照.pdf": _pdf(root, "g", ["营业执照"]), "附件/纳税证明.txt": b"t"},
            gbk_names=True,
        ),
        "加密成员.zip": b.encrypted_member_zip(),
        "损坏.zip": b"PK\x03\x04" + bytes(100),
    }
    for name, data in zips.items():
        _write(app / name, data)
    return {
        "发票.pdf": PROCESSED,
        "路径逃逸.zip": PROCESSED,
        "路径逃逸.zip/../../逃逸一.txt": ("rejected", "路径越界"),
        f"路径逃逸.zip/{escape_abs}": ("rejected", "路径越界"),
        "路径逃逸.zip/C:\\Windows\\逃逸三.txt": ("rejected", "路径越界"),
        "路径逃逸.zip/正常/合同.pdf": PROCESSED,
        "链接.zip": PROCESSED,
        "链接.zip/链接.pdf": ("rejected", "符号链接"),
        "链接.zip/正常.txt": ("unsupported", "纯文本"),
        "炸弹.zip": ("rejected", "超过上限"),
        "高压缩比.zip": ("rejected", "压缩比"),
        "谎报大小.zip": PROCESSED,
        "谎报大小.zip/说明.pdf": ("unreadable", "数据校验不符"),
        "成员过多.zip": ("rejected", "个条目"),
        "嵌套.zip": PROCESSED,
        "嵌套.zip/第二层.zip": PROCESSED,
        "嵌套.zip/第二层.zip/第三层.zip": PROCESSED,
        "嵌套.zip/第二层.zip/第三层.zip/第四层.zip": ("rejected", "嵌套超过 3 层"),
        "中文名.zip": PROCESSED,
        "中文名.zip/营业执照.pdf": PROCESSED,
        "中文名.zip/附件/纳税证明.txt": ("unsupported", "纯文本"),
        "加密成员.zip": PROCESSED,
        "加密成员.zip/加密附件.pdf": ("unreadable", "已加密"),
        "损坏.zip": ("unreadable", "压缩文件已损坏"),
    }


def zip_batch(root: Path) -> Built:
    """A batch delivered as one zip with GBK names: folders, an application zip with a zip
    inside, and members that try to leave."""
    inner = b.zip_bytes({"内层发票.pdf": _pdf(root, "zi", b.INVOICE)}, gbk_names=True)
    app_zip = b.zip_bytes(
        {"合同.pdf": _pdf(root, "zc", ["技术服务合同", "乙方 长沙云智"]), "附件/内层.zip": inner},
        gbk_names=True,
    )
    members = {
        "第二批/101_湖南甲公司/营业执照副本.pdf": _pdf(root, "z1", ["营业执照", "名称 湖南甲公司"]),
        "第二批/101_湖南甲公司/说明.txt": "说明".encode(),
        "第二批/102_湖南乙公司.zip": app_zip,
        "第二批/../../逃逸.txt": b"x",
        # Names no file system takes as a folder: too long (only an archive can carry one),
        # a line break in it.
        f"第二批/{LONG_NAME}/营业执照.pdf": _pdf(root, "z2", ["营业执照", "名称 湖南丙公司"]),
        "第二批/104_湖南\n丁公司/说明.txt": "说明".encode(),
    }
    source = root / "第二批.zip"
    source.write_bytes(b.zip_bytes(members, gbk_names=True))
    built = Built(batch=source, outside=root)
    built.expected = {
        "101_湖南甲公司": {
            "营业执照副本.pdf": PROCESSED,
            "说明.txt": ("unsupported", "纯文本"),
        },
        "102_湖南乙公司": {
            "合同.pdf": PROCESSED,
            "附件/内层.zip": PROCESSED,
            "附件/内层.zip/内层发票.pdf": PROCESSED,
        },
        "（未归属文件）": {"第二批/../../逃逸.txt": ("rejected", "路径越界")},
        app_name(LONG_NAME): {"营业执照.pdf": PROCESSED},
        "104_湖南 丁公司": {"说明.txt": ("unsupported", "纯文本")},
    }
    built.documents = [("102_湖南乙公司", "附件/内层.zip/内层发票.pdf", "invoice")]
    return built
